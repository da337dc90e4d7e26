"""The one render loop: ``render --notebook``, ``render --all`` and the schedule all run it.

:func:`run_jobs` validates each job once (``render.validate_job``), takes the reports lock (a
``with`` block: ``LockedError`` when another run holds it and ``wait`` runs out), renders each job
in turn (a failure does not stop the others) and reports progress through the ``infusion.reporting``
logger (the CLI shows it on stderr). With a :class:`RunState` (the schedule's), a job whose inputs
and report are unchanged is skipped, and every job is one JSON line of the run log.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, shown
from ..escape import terminal
from ..safe_io import Lock, atomic_write
from .render import Job, RenderError, render, validate_job

log = logging.getLogger("infusion.reporting")


@dataclass
class Outcome:
    """What became of one job: ok, skipped, failed or invalid (not run)."""

    name: str
    job: Job
    status: str
    error: str = ""
    kept: Path | None = None  # the executed notebook of a failed render
    duration: float = 0.0


@dataclass
class RunState:
    """The schedule's memory: the fingerprint and report hash of each job's last good render
    (``logs/state.json``) and the run log (``logs/render-log.jsonl``)."""

    logs: Path
    fingerprint: Callable[[Job], str]  # what a job's report depends on
    output_hash: Callable[[Path], str | None]
    force: bool = False
    versions: dict[str, str] = field(default_factory=dict)  # data and code versions, for the log
    state: dict[str, dict] = field(default_factory=dict)

    def load(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        path = self.logs / "state.json"
        try:
            state = json.loads(path.read_text()) if path.exists() else {}
        except ValueError:
            state = {}  # a damaged state file: every job renders again
        self.state = state if isinstance(state, dict) else {}

    def unchanged(self, name: str, fp: str, target: Path) -> bool:
        """Whether the job's last good render had fingerprint ``fp`` and wrote the very ``target``."""
        last = self.state.get(name)
        return (
            not self.force
            and isinstance(last, dict)
            and last.get("fingerprint") == fp
            and last.get("output_sha256") is not None
            and last.get("output_sha256") == self.output_hash(target)
        )

    def record(self, outcome: Outcome, target: Path, start: dt.datetime, fp: str | None) -> None:
        """The job's line in the run log, and the state after it (``fp``: its fingerprint, taken
        once before it ran; None for an invalid job)."""
        job = outcome.job
        if outcome.status == "ok":
            self.state[outcome.name] = {
                "fingerprint": fp,
                "parameters": job.parameters,
                "output_sha256": self.output_hash(target),
            }
        elif outcome.status == "failed":
            self.state.pop(outcome.name, None)
        entry: dict[str, object] = {
            "job": outcome.name,
            "notebook": job.notebook,
            "parameters": job.parameters,
            **self.versions,
            "start": start.isoformat(timespec="seconds"),
            "output": str(target),
            "status": outcome.status,
            "duration": round(outcome.duration, 2),
        }
        if outcome.status == "skipped":
            entry["reason"] = "inputs, parameters and the report itself unchanged"
        if outcome.error:
            entry["error"] = outcome.error
        if outcome.status == "failed":
            entry["kept"] = str(outcome.kept) if outcome.kept else None
        with (self.logs / "render-log.jsonl").open("a", encoding="utf-8") as fh:
            # a value JSON has no form for (a YAML date, bytes, a set) is written as its bounded text
            fh.write(json.dumps(entry, default=lambda v: shown(v, 200)) + "\n")
        atomic_write(self.logs / "state.json", json.dumps(self.state, indent=1))


def _validated(
    jobs: list[tuple[str, Job]], reports_dir: Path, strict: bool, where: Callable[[str], str]
) -> dict[str, str]:
    """Each job checked once: name -> why it is invalid (strict: InputError at the first)."""
    invalid = {}
    for name, job in jobs:
        try:
            validate_job(job, where(name), reports_dir)
        except InputError as err:
            if strict:
                raise
            invalid[name] = str(err)
    return invalid


def _one(i: int, n: int, name: str, job: Job, reports_dir: Path, state: RunState | None, fp: str | None) -> Outcome:
    t0 = time.monotonic()
    target = reports_dir / job.output
    if state is not None and fp is not None and state.unchanged(name, fp, target):
        log.info("[%d/%d] %s: unchanged, skipped", i, n, name)
        return Outcome(name, job, "skipped")
    log.info("[%d/%d] %s: rendering %s %s", i, n, name, job.notebook, job.parameters)
    try:
        path = render(job, reports_dir, validated=True)
    except RenderError as err:
        keep = f"; executed notebook kept at {err.kept}" if err.kept else ""
        log.error("      FAILED after %.1fs: %s%s", time.monotonic() - t0, err, keep)
        return Outcome(name, job, "failed", str(err), err.kept, time.monotonic() - t0)
    log.info("      done in %.1fs: %s (%.1f MB)", time.monotonic() - t0, path, path.stat().st_size / 1e6)
    return Outcome(name, job, "ok", duration=time.monotonic() - t0)


def run_jobs(
    jobs: list[tuple[str, Job]],
    reports_dir: Path,
    *,
    strict: bool = True,
    wait: float = 0.0,
    state: RunState | None = None,
    where: Callable[[str], str] = lambda name: f"job {name!r}",
) -> list[Outcome]:
    """Render ``jobs`` (name, job) into ``reports_dir`` (see the module doc). ``strict``: an invalid
    job is an InputError before anything renders; otherwise it is an "invalid" outcome and the
    others run. ``where``: how an error names a job's field (``job 'cpt-96370'.output``)."""
    invalid = _validated(jobs, reports_dir, strict, where)
    outcomes = []
    with Lock(reports_dir / ".lock", wait):
        if state is not None:
            state.load()
        for i, (name, job) in enumerate(jobs, start=1):
            start = dt.datetime.now(dt.timezone.utc)
            # what the job's report depends on, hashed once (its *_path files may be gigabytes)
            fp = state.fingerprint(job) if state is not None and name not in invalid else None
            if name in invalid:
                log.error("%s", terminal(f"[{i}/{len(jobs)}] {name}: INVALID, not run: {invalid[name]}", 1000))
                outcome = Outcome(name, job, "invalid", invalid[name])
            else:
                outcome = _one(i, len(jobs), name, job, reports_dir, state, fp)
            if state is not None:
                state.record(outcome, reports_dir / job.output, start, fp)
            outcomes.append(outcome)
    return outcomes


def render_jobs(jobs: list[Job], reports_dir: Path, where: str | None = None) -> list[tuple[Job, str]]:
    """Render each job (all of them, even after a failure): every job validated first (InputError
    before anything renders; ``where`` names the jobs in it, by default each by its output), the
    reports lock held (``LockedError`` at once when another run holds it); returns (job, error)
    for the failures."""
    outcomes = run_jobs(
        [(job.output, job) for job in jobs],
        reports_dir,
        strict=True,
        where=(lambda name: where) if where else (lambda name: f"job {name!r}"),
    )
    return [(o.job, o.error) for o in outcomes if o.status == "failed"]
