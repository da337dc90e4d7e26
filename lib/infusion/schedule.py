"""Scheduled report generation: ``python -m infusion render --config reports/schedule.yaml``.

The config lists jobs, each a notebook with parameters, or a ``matrix`` of parameters expanded into
one job per combination, with an ``output`` pattern such as ``cpt-{code}-{year}.html``.

* A lock (``reports/.lock``, ``flock``) keeps two runs from writing the same reports at once: a
  second run exits at once with a message naming the holder (exit 75), or waits with ``wait_seconds``.
* A job whose inputs (notebook, the files in ``data/``, the ``infusion`` package) and parameters
  did not change since its last good render is skipped, unless ``--force``.
* Every job, rendered, skipped or failed, is one JSON line in ``reports/logs/render-log.jsonl``:
  job, parameters, data version, start, duration, status, output path, error.
* A failing job does not stop the others; the run exits 1 if any job failed.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import itertools
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from .encounter import load_yaml_file
from .errors import InputError
from .paths import REPO_ROOT, data_dir
from .render import NOTEBOOKS, REPORTS, Job, RenderError, render

EXIT_LOCKED = 75


def _pattern(text: str, params: dict[str, Any], where: str) -> str:
    """``text`` with the job's parameters filled in; InputError naming ``where`` when it uses a
    name that is not a parameter or is not a valid pattern."""
    try:
        return text.format(**params)
    except KeyError as e:
        raise InputError(where, f"{text!r} uses {e} which is not a parameter") from None
    except (ValueError, IndexError, AttributeError) as e:
        raise InputError(where, f"{text!r} is not a pattern of {{parameter}} names ({e})") from None


def expand_jobs(config: dict[str, Any]) -> list[tuple[str, Job]]:
    """(name, Job) for every job of the config; InputError names the bad entry."""
    if not isinstance(config, dict) or not isinstance(config.get("jobs"), list) or not config["jobs"]:
        raise InputError("config", "expected a mapping with a non-empty 'jobs' list")
    out: list[tuple[str, Job]] = []
    for i, j in enumerate(config["jobs"]):
        where = f"jobs[{i}]"
        if not isinstance(j, dict) or "notebook" not in j or "output" not in j:
            raise InputError(where, "each job needs 'notebook' and 'output'")
        for key in ("notebook", "output", "name"):
            if key in j and not isinstance(j[key], str):
                raise InputError(f"{where}.{key}", f"{j[key]!r} is not text")
        if not (NOTEBOOKS / j["notebook"]).is_file():
            raise InputError(f"{where}.notebook", f"{j['notebook']!r} is not in notebooks/")
        for key in ("parameters", "matrix"):
            if j.get(key) is not None and not isinstance(j[key], dict):
                raise InputError(f"{where}.{key}", f"{j[key]!r} is not a mapping of parameter names")
        base = dict(j.get("parameters") or {})
        matrix = j.get("matrix") or {}
        keys = [str(k) for k in matrix]
        for combo in itertools.product(*(v if isinstance(v, list) else [v] for v in matrix.values())):
            params = {str(k): v for k, v in {**base, **dict(zip(keys, combo))}.items()}
            output = _pattern(j["output"], params, f"{where}.output")
            name = _pattern(j.get("name", Path(output).stem), params, f"{where}.name")
            out.append((name, Job(j["notebook"], params, output)))
    outputs = [job.output for _, job in out]
    dup = {o for o in outputs if outputs.count(o) > 1}
    if dup:
        raise InputError("config", f"two jobs write {sorted(dup)[0]}")
    return out


def _hash_files(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p.relative_to(REPO_ROOT) if p.is_relative_to(REPO_ROOT) else p).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def data_version() -> str:
    """Content hash of everything under data/ (changes when any table or sample changes)."""
    return _hash_files([p for p in data_dir().rglob("*") if p.is_file()])


def code_version() -> str:
    return _hash_files([p for p in (REPO_ROOT / "lib" / "infusion").rglob("*.py")])


def fingerprint(job: Job, data_v: str, code_v: str) -> str:
    h = hashlib.sha256()
    h.update((NOTEBOOKS / job.notebook).read_bytes())
    h.update(json.dumps(job.parameters, sort_keys=True).encode())
    h.update(data_v.encode() + code_v.encode())
    return h.hexdigest()[:16]


class Lock:
    """An exclusive flock on reports/.lock; the holder's pid and start are written in it."""

    def __init__(self, path: Path, wait_seconds: float = 0) -> None:
        self.path = path
        self.wait = wait_seconds
        self.fh: TextIO | None = None

    def __enter__(self) -> "Lock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = fh = open(self.path, "a+")
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    holder = fh.read().strip() or "another process"
                    fh.close()
                    raise LockedError(f"another render run holds {self.path} ({holder}); try again "
                                      "when it ends") from None
                time.sleep(0.5)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {dt.datetime.now().isoformat(timespec='seconds')}")
        fh.flush()
        return self

    def __exit__(self, *exc) -> None:
        if self.fh:
            self.fh.seek(0)
            self.fh.truncate()
            fcntl.flock(self.fh, fcntl.LOCK_UN)
            self.fh.close()


class LockedError(RuntimeError):
    pass


def run_schedule(config_path: str | Path, force: bool = False, reports_dir: Path = REPORTS,
                 out=sys.stderr) -> int:
    """Run every job of the config (see module doc); return the exit code."""
    config = load_yaml_file(config_path, "config")
    jobs = expand_jobs(config)
    logs = reports_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    state_path = logs / "state.json"
    log_path = logs / "render-log.jsonl"
    try:
        lock = Lock(reports_dir / ".lock", float(config.get("wait_seconds", 0)))
        lock.__enter__()
    except LockedError as e:
        print(f"python -m infusion render: {e}", file=out)
        return EXIT_LOCKED
    try:
        state = json.loads(state_path.read_text()) if state_path.exists() else {}
        data_v, code_v = data_version(), code_version()
        failed = 0
        for i, (name, job) in enumerate(jobs, start=1):
            fp = fingerprint(job, data_v, code_v)
            start = dt.datetime.now(dt.timezone.utc)
            t0 = time.monotonic()
            record: dict[str, object] = {"job": name, "notebook": job.notebook, "parameters": job.parameters,
                      "data_version": data_v, "code_version": code_v,
                      "start": start.isoformat(timespec="seconds"),
                      "output": str(reports_dir / job.output)}
            target = reports_dir / job.output
            if not force and state.get(name) == fp and target.exists():
                record.update(status="skipped", duration=0.0, reason="inputs and parameters unchanged")
                print(f"[{i}/{len(jobs)}] {name}: unchanged, skipped", file=out, flush=True)
            else:
                print(f"[{i}/{len(jobs)}] {name}: rendering {job.notebook} {job.parameters}", file=out, flush=True)
                try:
                    render(job, reports_dir)
                except RenderError as err:
                    failed += 1
                    record.update(status="failed", error=str(err),
                                  kept=str(err.kept) if err.kept else None)
                    state.pop(name, None)
                    print(f"      FAILED: {err}", file=out, flush=True)
                else:
                    record.update(status="ok")
                    state[name] = fp
                record["duration"] = round(time.monotonic() - t0, 2)
            with log_path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(record) + "\n")
            tmp = state_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(state, indent=1))
            os.replace(tmp, state_path)
        print(f"{len(jobs) - failed} of {len(jobs)} job(s) ok; log: {log_path}", file=out)
        return 1 if failed else 0
    finally:
        lock.__exit__(None, None, None)
