#!/usr/bin/env python3
"""Start-up time and memory of the interactive paths, beside ``python -c pass`` in the same run.

Each command runs as ``python -m infusion ...`` in a fresh process, ``--repeat`` times (default 7;
the first run of a session may validate tables and write their markers, so one warm-up run of each
comes first and is not counted): wall time (best and median) and the process's peak RSS (from
``wait4``). Then, in one process, the training widget's update: the time from a changed segment to
new claim lines and a new timeline figure (``ScenarioBuilder.update``: engine, payment, HTML,
plotly figure), median of 30 changes.

Goals (issue 17): ``code`` and ``price`` at most 0.3 s and 60 MB; ``rates extract`` of a tiny
file at most 0.6 s; the widget update under 50 ms. (The large-file memory goal of ``rates
extract`` is ``bench_tic.py``'s.)

Usage: python benchmarks/bench_startup.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CLAIMS = ROOT / "data" / "samples" / "claims" / "illustrative_claims.csv"
SAMPLE_TIC = ROOT / "data" / "samples" / "tic" / "illustrative_aetna_in-network-rates.json"


def run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one fresh process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0,):
        raise SystemExit(f"{' '.join(args)} exited {proc.returncode}")
    return seconds, usage.ru_maxrss / 1024


def widget_update_ms(changes: int = 30) -> tuple[float, float]:
    """Median milliseconds of ``ScenarioBuilder.update`` after a segment change, and of the
    engine alone on the same encounter."""
    sys.path.insert(0, str(ROOT / "lib"))
    import contextlib
    import io

    from infusion.coding.engine import code_encounter
    from infusion.workbook.widgets import ScenarioBuilder

    with contextlib.redirect_stdout(io.StringIO()):  # the Output widget's clearing, outside a kernel
        w = ScenarioBuilder()
        times, engine = _updates(w, changes, code_encounter)
    assert w.result is not None and w.figure is not None
    return statistics.median(times), statistics.median(engine)


def _updates(w, changes: int, code_encounter) -> tuple[list[float], list[float]]:
    row = w.rows.children[0]
    times, engine = [], []
    for i in range(changes):
        row.stop.unobserve_all("value")  # time update() itself, once per change
        row.stop.value = f"1{(i % 9) + 0}:{(i * 7) % 60:02d}"
        t0 = time.perf_counter()
        w.update()
        times.append((time.perf_counter() - t0) * 1000)
        enc = w.encounter()
        t0 = time.perf_counter()
        code_encounter(enc)
        engine.append((time.perf_counter() - t0) * 1000)
    return times, engine


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)
    py = sys.executable
    out = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    cases = [
        ("python -c pass (baseline)", [py, "-c", "pass"], None),
        ("code --minutes 91", [py, "-m", "infusion", "code", "--minutes", "91"], (0.3, 60)),
        (
            "price --code 96370 --year 2026",
            [py, "-m", "infusion", "price", "--code", "96370", "--year", "2026"],
            (0.3, 60),
        ),
        (
            "rates extract (37 kB TiC file)",
            [py, "-m", "infusion", "rates", "extract", str(SAMPLE_TIC), "--out", str(out / "r.parquet")],
            (0.6, None),
        ),
        (
            "audit (331-line sample CSV)",
            [py, "-m", "infusion", "audit", str(SAMPLE_CLAIMS), "--out", str(out / "f.csv")],
            None,
        ),
    ]
    print(f"fresh processes, best and median of {args.repeat} (after one warm-up run each)")
    print(f"{'command':>34} {'best':>8} {'median':>8} {'peak RSS':>10} {'vs pass':>9}  goal")
    base = None
    verdicts = []
    for label, cmd, goal in cases:
        run(cmd)  # warm-up: validation markers, numba's cache, the OS file cache
        results = [run(cmd) for _ in range(args.repeat)]
        secs = sorted(r[0] for r in results)
        peak = max(r[1] for r in results)
        if base is None:
            base = secs[0]
        text = ""
        if goal:
            limit_s, limit_mb = goal
            met = secs[0] <= limit_s and (limit_mb is None or peak <= limit_mb)
            text = f"<= {limit_s} s" + (f", <= {limit_mb} MB" if limit_mb else "") + (": MET" if met else ": NOT MET")
            verdicts.append(f"{label} {'MET' if met else 'NOT MET'}")
        print(
            f"{label:>34} {secs[0]:>7.3f}s {statistics.median(secs):>7.3f}s {peak:>7.0f} MB "
            f"{secs[0] - base:>+8.3f}s  {text}"
        )
    update, engine = widget_update_ms()
    met = update < 50
    verdicts.append(f"widget update {'MET' if met else 'NOT MET'}")
    print(
        f"\nwidget: ScenarioBuilder.update after a segment change, median of 30: {update:.1f} ms "
        f"(the engine alone {engine:.2f} ms); goal < 50 ms: {'MET' if met else 'NOT MET'}"
    )
    print("goals (issue 17): " + "; ".join(verdicts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
