"""Scheduled report generation: ``python -m infusion render --config reports/schedule.yaml``.

The config lists jobs, each a notebook with parameters, or a ``matrix`` of parameters expanded into
one job per combination, with an ``output`` pattern such as ``cpt-{code}-{year}.html``.

* A lock (``reports/.lock``, ``flock``) keeps two runs from writing the same reports at once: a
  second run is refused at once with a message naming the holder (``LockedError``; the CLI exits
  75), or waits with ``wait_seconds``.
* A job whose inputs (notebook, the files in ``data/``, the ``infusion`` package) and parameters
  did not change since its last good render, and whose report is the very file that render wrote
  (its sha256), is skipped, unless ``--force``.
* Every job, rendered, skipped or failed, is one JSON line in ``reports/logs/render-log.jsonl``:
  job, parameters, data version, start, duration, status, output path, error.
* A job is checked before it runs (``render.validate_job``); an invalid one is logged and not run.
* A failing or invalid job does not stop the others; ``run_schedule`` returns each job's outcome
  (the CLI exits 2 if a job was invalid, else 1 if one failed).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import string
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..config import REPO_ROOT, data_dir
from ..errors import InputError, shown
from ..safe_io import Lock, LockedError, wait_seconds
from ..yamlio import load_yaml_file
from .render import NOTEBOOKS, REPORTS, Job
from .runner import Outcome, RunState, log, run_jobs

__all__ = ["Lock", "LockedError", "expand_jobs", "run_schedule", "fingerprint"]
MAX_JOBS = 500  # jobs one config may expand to (a matrix is a product: 4 x 200 values is 1.6 billion)


MAX_NAME = 200  # characters of a job's name or output, once its parameters are filled in


def _pattern(text: str, params: dict[str, Any], where: str) -> str:
    """``text`` with the job's parameters filled in; InputError naming ``where`` when a field is
    not a plain parameter name (``{code}``: no attribute, index, conversion or format spec, so a
    pattern can neither reach into an object nor pad a name to megabytes), names no parameter, or
    the result is longer than ``MAX_NAME`` or holds a control character."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError as e:
        raise InputError(where, f"{shown(text)} is not a pattern of {{parameter}} names ({e})") from None
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise InputError(
                where,
                f"{shown(text)}: {shown('{' + name + (':' + spec if spec else '') + '}')} is not "
                "a plain {parameter} name",
            )
        if name not in params:
            raise InputError(where, f"{shown(text)} uses {name!r} which is not a parameter")
    out = "".join(lit + (str(params[name]) if name is not None else "") for lit, name, _, _ in fields)
    if len(out) > MAX_NAME or any(ord(c) < 32 or ord(c) == 127 for c in out):
        raise InputError(where, f"{shown(out)} is longer than {MAX_NAME} characters or holds a control character")
    return out


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
                raise InputError(f"{where}.{key}", f"{shown(j[key])} is not text")
        for key in ("parameters", "matrix"):
            if j.get(key) is not None and not isinstance(j[key], dict):
                raise InputError(f"{where}.{key}", f"{shown(j[key])} is not a mapping of parameter names")
        base = dict(j.get("parameters") or {})
        matrix = j.get("matrix") or {}
        keys = [str(k) for k in matrix]
        size = math.prod(len(v) if isinstance(v, list) else 1 for v in matrix.values())
        if size + len(out) > MAX_JOBS:
            raise InputError(f"{where}.matrix", f"expands to {size:,} jobs; a config runs at most {MAX_JOBS}")
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


def default_jobs(year: int = 2026) -> list[Job]:
    """The reports ``make reports`` renders: the jobs of ``reports/schedule.yaml`` (the publication
    on each code and the benchmark report), for ``year``."""
    config = load_yaml_file(REPO_ROOT / "reports" / "schedule.yaml", "config")
    return [replace(job, parameters={**job.parameters, "year": year}) for _, job in expand_jobs(config)]


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
    return _hash_files([p for p in Path(__file__).resolve().parents[1].rglob("*.py")])


def output_hash(path: Path) -> str | None:
    """sha256 of a rendered report (None when there is none): a skip needs the very file the
    last good render wrote, not a file of the same name."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def fingerprint(job: Job, data_v: str, code_v: str) -> str:
    """What a job's report depends on: its notebook, parameters, ``data/``, the code, and the content
    of every file a ``*_path`` parameter names (a claims or rates file changed under the same name
    renders again)."""
    h = hashlib.sha256()
    h.update((NOTEBOOKS / job.notebook).read_bytes())
    h.update(json.dumps(job.parameters, sort_keys=True, default=str).encode())
    h.update(data_v.encode() + code_v.encode())
    for name, value in sorted(job.parameters.items()):
        if name.endswith("_path") and isinstance(value, str):
            p = Path(value) if Path(value).is_absolute() else NOTEBOOKS / value
            if p.is_file():
                h.update(name.encode() + _file_hash(p).encode())
    return h.hexdigest()[:16]


def _file_hash(path: Path) -> str:
    """sha256 of a file, read in blocks (a claims file may be gigabytes)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            h.update(block)
    return h.hexdigest()


def run_schedule(config_path: str | Path, force: bool = False, reports_dir: Path = REPORTS) -> list[Outcome]:
    """Run every job of the config through the one render loop (``runner.run_jobs``, see the
    module doc) and return each job's outcome: ok, skipped, failed, or invalid (named, not run:
    the others still run). InputError for a config that cannot be read; ``LockedError`` when
    another run holds the reports lock (after ``wait_seconds``)."""
    config = load_yaml_file(config_path, "config")
    wait = wait_seconds(config["wait_seconds"]) if isinstance(config, dict) and "wait_seconds" in config else 0.0
    jobs = expand_jobs(config)
    logs = reports_dir / "logs"
    data_v, code_v = data_version(), code_version()
    state = RunState(
        logs,
        lambda job: fingerprint(job, data_v, code_v),
        output_hash,
        force=force,
        versions={"data_version": data_v, "code_version": code_v},
    )
    outcomes = run_jobs(jobs, reports_dir, strict=False, wait=wait, state=state)
    failed = sum(o.status == "failed" for o in outcomes)
    invalid = sum(o.status == "invalid" for o in outcomes)
    log.info(
        "%d of %d job(s) ok%s; log: %s",
        len(jobs) - failed - invalid,
        len(jobs),
        f", {invalid} invalid (not run)" if invalid else "",
        logs / "render-log.jsonl",
    )
    return outcomes
