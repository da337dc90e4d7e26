#!/usr/bin/env python3
"""The audit's peak memory as files grow, at fixed ``--memory-mb`` settings (issue 32).

Whole processes, as a user types them: ``python -m infusion audit FILE --out findings.csv
--memory-mb M`` for each file and setting, interleaved within a round with the competitors of
``bench_audit_commands`` (``competitors.py duckdb|polars FILE --out flagged.csv``: every rule of
the audit as one DuckDB or polars query), the order rotated from round to round, ``--repeat``
rounds (default 5); the table gives the median wall time with its min-max and the largest peak
resident memory (GNU time's ``%M``) of the rounds. The output files of every setting are compared
with those of the largest (no lines written out): they must be identical.

Files (``--dir``, made once): ``bench_audit_commands.make_files``'s claims extracts of ``--lines``
lines, 80% of them 96369-96372 (the shape where memory grew with the file), as Parquet or CSV.

Usage: python benchmarks/bench_audit_memory.py [--lines 10000000 20000000 40000000]
       [--settings 256 1024 16384] [--repeat 5] [--format parquet] [--dir /tmp/bench_spill]
       [--competitors duckdb polars]
"""

from __future__ import annotations

import argparse
import filecmp
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_audit_commands import command, make_files  # noqa: E402
from whole_commands import cell, rounds  # noqa: E402


def argv_for(path: Path, setting: int | str, out: Path) -> list[str]:
    """One command (an audit at a setting, or a competitor by name), writing into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    if isinstance(setting, int):
        return [*command("audit", path, out), "--memory-mb", str(setting)]
    return command(setting, path, out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, nargs="+", default=[10_000_000, 20_000_000, 40_000_000])
    ap.add_argument("--settings", type=int, nargs="+", default=[256, 1024, 16384])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--competitors", nargs="*", default=["duckdb", "polars"])
    ap.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/bench_spill"))
    a = ap.parse_args(argv)
    rows = []
    for n in a.lines:
        csv = make_files(a.dir, n, 0.8, ["csv", "parquet"] if a.format == "parquet" else ["csv"])[0]
        path = csv.with_suffix(".parquet") if a.format == "parquet" else csv
        commands: list[int | str] = [*a.settings, *a.competitors]
        outs = {s: a.dir / "out" / f"{path.stem}-{s}" for s in commands}
        runs = rounds({s: argv_for(path, s, outs[s]) for s in commands}, a.repeat, path.name)
        ref = outs[max(a.settings)]
        names = sorted(p.name for p in ref.iterdir())
        file = f"{n // 1_000_000}M ({path.suffix[1:]})"
        for s in commands:
            same = all(filecmp.cmp(ref / m, outs[s] / m, shallow=False) for m in names) if isinstance(s, int) else None
            seconds = cell(runs[s].times)
            shown = {True: "yes", False: "NO", None: "(every rule; lines compared by bench_audit_commands)"}[same]
            what = f"audit --memory-mb {s}" if isinstance(s, int) else s
            rows.append(f"| {file} | {what} | {seconds} | {int(runs[s].peak_mb):,} | {shown} |")
    print("| file (80% infusion) | command | seconds, median (min-max) | peak MB | same outputs |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
