#!/usr/bin/env python3
"""The claims audit as a user runs it, beside DuckDB and polars doing the same checks.

Whole processes, as a user would type them: ``python -m infusion audit FILE --out findings.csv``
(start-up, imports, reading, every check, dollars at risk, the output files) against
``python benchmarks/competitors.py duckdb|polars FILE`` (start-up, imports, the query over the
file, counts by rule printed). The three run interleaved in the same round, their order rotated
from round to round, ``--repeat`` rounds (default 5); the table gives the median wall time with
its min-max, the ratio of the medians to DuckDB's and polars', and each command's peak resident
memory (GNU time's ``%M``: the command's own peak).

Files (``--dir``, made once and reused): claims extracts shaped like ``bench_audit.generate_scale``'s
(two-line claims, 5% of the infusion claims with a planted error, patient columns the audit must
not read), of ``--lines`` (default 1M and 10M) lines with 10% and 80% of the lines 96369-96372,
as CSV and as Parquet (written from the CSV by pyarrow: typed columns, row groups of 1M lines).
The counts by rule of the three are compared before timing.

Usage: python benchmarks/bench_audit_commands.py [--lines 1000000 10000000] [--fractions 0.1 0.8]
       [--repeat 5] [--dir /tmp/bench_audit_commands] [--formats csv parquet]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))


def make_files(d: Path, lines: int, fraction: float, formats: list[str]) -> list[Path]:
    from bench_audit import generate_scale

    d.mkdir(parents=True, exist_ok=True)
    stem = d / f"claims_{lines // 1_000_000}M_{int(fraction * 100)}pct"
    csv, pq = stem.with_suffix(".csv"), stem.with_suffix(".parquet")
    if not csv.exists():
        print(f"making {csv.name}", file=sys.stderr)
        generate_scale(csv, lines, fraction=fraction)
    if "parquet" in formats and not pq.exists():
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pqm

        print(f"making {pq.name}", file=sys.stderr)
        opts = pacsv.ConvertOptions(
            column_types={
                "claim_id": "string",
                "line_number": "string",
                "hcpcs": "string",
                "modifiers": "string",
                "pos": "string",
                "zip": "string",
                "start_time": "string",
                "stop_time": "string",
            }
        )
        table = pacsv.read_csv(csv, convert_options=opts)
        pqm.write_table(table, pq.with_suffix(".tmp"), row_group_size=1_000_000)
        pq.with_suffix(".tmp").replace(pq)
    return [p for p, f in ((csv, "csv"), (pq, "parquet")) if f in formats]


def command(tool: str, path: Path, out: Path) -> list[str]:
    if tool == "audit":
        return [sys.executable, "-m", "infusion", "audit", str(path), "--out", str(out / "findings.csv")]
    return [sys.executable, str(HERE / "competitors.py"), tool, str(path)]


def run_waited(argv: list[str]) -> tuple[float, float, str]:
    """Wall seconds, the command's peak RSS (MB) and its stdout. The peak is GNU time's (``%M``):
    the command is started from that small process, so its figure is the command's own (a child
    forked from this runner would carry the runner's peak, which made the Parquet files)."""
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "MAXRSS_KB %M", *argv], capture_output=True, cwd=ROOT)
    seconds = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
    kb = next(int(ln.split()[1]) for ln in reversed(proc.stderr.decode().splitlines()) if ln.startswith("MAXRSS_KB"))
    return seconds, kb / 1024, proc.stdout.decode()


def audit_counts(out: Path) -> dict[str, int]:
    import csv
    from collections import Counter

    with (out / "findings.csv").open() as fh:
        counts = Counter(r["rule"] for r in csv.DictReader(fh))
    return dict(sorted(counts.items()))


def bench(path: Path, repeat: int, out: Path) -> dict:
    tools = ["audit", "duckdb", "polars"]
    # the same answers first (the audit has more rules: compare those the competitors check)
    _, _, text = run_waited(command("duckdb", path, out))
    duck = json.loads(text)
    _, _, text = run_waited(command("polars", path, out))
    polars_counts = json.loads(text)
    run_waited(command("audit", path, out))
    ours = {r: n for r, n in audit_counts(out).items() if r in duck or r in polars_counts}
    agree = duck == polars_counts == ours
    times: dict[str, list[float]] = {t: [] for t in tools}
    peaks: dict[str, list[float]] = {t: [] for t in tools}
    for i in range(repeat):
        for tool in tools[i % 3 :] + tools[: i % 3]:  # rotated order
            s, mb, _ = run_waited(command(tool, path, out))
            times[tool].append(s)
            peaks[tool].append(mb)
            print(f"  {path.name} round {i + 1} {tool}: {s:.2f} s, {mb:.0f} MB", file=sys.stderr, flush=True)
    return {
        "file": path.name,
        "bytes": path.stat().st_size,
        "agree": agree,
        "counts": duck,
        "audit_counts": ours,
        **{f"{t}_{k}": v for t in tools for k, v in (("times", times[t]), ("peak_mb", max(peaks[t])))},
    }


def table(results: list[dict]) -> str:
    def cell(ts: list[float]) -> str:
        return f"{statistics.median(ts):.2f} ({min(ts):.2f}-{max(ts):.2f})"

    rows = [
        "| file | audit s | DuckDB s | polars s | audit / DuckDB | audit / polars "
        "| peak MB audit / DuckDB / polars | same counts |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        med = {t: statistics.median(r[f"{t}_times"]) for t in ("audit", "duckdb", "polars")}
        rows.append(
            f"| {r['file']} ({r['bytes'] / 1e6:,.0f} MB) | {cell(r['audit_times'])} "
            f"| {cell(r['duckdb_times'])} | {cell(r['polars_times'])} "
            f"| {med['audit'] / med['duckdb']:.2f} | {med['audit'] / med['polars']:.2f} "
            f"| {r['audit_peak_mb']:,.0f} / {r['duckdb_peak_mb']:,.0f} / {r['polars_peak_mb']:,.0f} "
            f"| {'yes' if r['agree'] else 'NO'} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--fractions", type=float, nargs="+", default=[0.1, 0.8])
    ap.add_argument("--formats", nargs="+", default=["csv", "parquet"])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/bench_audit_commands"))
    ap.add_argument("--json", type=Path, help="write the raw results here too")
    args = ap.parse_args(argv)
    out = args.dir / "out"
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for lines in args.lines:
        for fraction in args.fractions:
            for path in make_files(args.dir, lines, fraction, args.formats):
                results.append(bench(path, args.repeat, out))
                print(table(results[-1:]), flush=True)
    print("\n" + table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
