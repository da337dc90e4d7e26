"""Whole commands timed as a user runs them: one run (wall seconds, the command's own peak memory,
its stdout) and rounds of several commands interleaved, the order rotated from round to round.

Shared by ``bench_audit_commands``, ``bench_audit_memory`` and ``bench_tic_realistic``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]  # commands run from the checkout
K = TypeVar("K")  # a command's name in rounds()


def run_waited(argv: list[str]) -> tuple[float, float, str]:
    """Wall seconds, the command's peak RSS (MB) and its stdout. The peak is GNU time's (``%M``):
    the command is started from that small process, so its figure is the command's own (a child
    forked from this runner would carry the runner's peak, which made the Parquet files). A shell
    pipeline is ``["sh", "-c", "..."]``."""
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "MAXRSS_KB %M", *argv], capture_output=True, cwd=ROOT)
    seconds = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
    kb = next(int(ln.split()[1]) for ln in reversed(proc.stderr.decode().splitlines()) if ln.startswith("MAXRSS_KB"))
    return seconds, kb / 1024, proc.stdout.decode()


@dataclass
class Runs:
    """One command's runs in ``rounds``: wall seconds in round order, its largest peak RSS (MB) and
    the stdout of its last run."""

    times: list[float] = field(default_factory=list)
    peak_mb: float = 0.0
    stdout: str = ""


def rounds(cmds: dict[K, list[str]], repeat: int, label: str) -> dict[K, Runs]:
    """Every command once per round (``run_waited``), the order rotated from round to round,
    ``repeat`` rounds; progress on stderr."""
    names = list(cmds)
    runs = {name: Runs() for name in names}
    for i in range(repeat):
        k = i % len(names)
        for name in names[k:] + names[:k]:
            s, mb, stdout = run_waited(cmds[name])
            r = runs[name]
            r.times.append(s)
            r.peak_mb = max(r.peak_mb, mb)
            r.stdout = stdout
            print(f"  {label} round {i + 1} {name}: {s:.2f} s, {mb:.0f} MB", file=sys.stderr, flush=True)
    return runs


def cell(ts: list[float]) -> str:
    """Median seconds and the range."""
    return f"{statistics.median(ts):.2f} ({min(ts):.2f}-{max(ts):.2f})"
