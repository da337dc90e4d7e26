#!/usr/bin/env python3
"""The claims audit as a user runs it, beside DuckDB and polars doing the same checks.

Whole processes, as a user would type them: ``python -m infusion audit FILE --out findings.csv``
(start-up, imports, reading, every check, dollars at risk, the output files) against
``python benchmarks/competitors.py duckdb|polars FILE --out flagged.csv`` (start-up, imports,
every rule of the audit as one DuckDB or polars query over the file, the flagged lines written,
counts by rule printed). The three run interleaved in the same round, their order rotated from
round to round, ``--repeat`` rounds (default 5); the table gives the median wall time with its
min-max, the ratio of the medians to DuckDB's and polars', and each command's peak resident
memory (GNU time's ``%M``: the command's own peak).

Before the files, what each command costs before it reads a line (``floors``): the interpreter,
``import duckdb``, ``import polars``, numpy and pyarrow with one conversion of a numpy array (which
makes pyarrow load pandas when it is installed: the table says whether it did), the same with
pandas made unimportable (pandas' share of that floor), and the three commands on the rules file,
interleaved in the same way (``--floors-only``: these and no other file).

The same answers first: the lines each flags (claim, line number, rule) are compared, as a
multiset, with the audit's findings, on a file where every rule fires (``rules_file``: the
illustrative sample claims and a few claims more) and on each benchmark file before it is timed.

Files (``--dir``, made once and reused): claims extracts shaped like ``bench_audit.generate_scale``'s
(two-line claims, 5% of the infusion claims with a planted error, patient columns the audit must
not read), of ``--lines`` (default 1M and 10M) lines with 10% and 80% of the lines 96369-96372,
as CSV and as Parquet (written from the CSV by pyarrow: typed columns, row groups of 1M lines).
Usage: python benchmarks/bench_audit_commands.py [--lines 1000000 10000000] [--fractions 0.1 0.8]
       [--repeat 5] [--dir /tmp/bench_audit_commands] [--formats csv parquet] [--floors-only]
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from whole_commands import cell, rounds, run_waited  # noqa: E402


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
    return [sys.executable, str(HERE / "competitors.py"), tool, str(path), "--out", str(out / f"{tool}.csv")]


# claims where the rules the illustrative sample leaves out fire too (M-DRUG, M-25, M-PO-PN, U-SHORT,
# a second 96369, an institutional encounter past midnight, a drug's MUE, JZ with JW, N-PTP of
# indicator 0, a gap between two timed lines); columns: claim_id, line_number, date_of_service,
# hcpcs, units, modifiers, pos, claim_type, payer, start_time, stop_time
MORE_CLAIMS = """\
X001,1,2026-03-02,96369,1,JZ,11,professional,Aetna,09:00,09:50
X001,2,2026-03-02,96370,1,25 PO PN,11,professional,Aetna,11:00,12:45
X002,1,2026-03-02,96369,1,,11,professional,Aetna,09:00,09:10
X002,2,2026-03-02,96370,1,,11,professional,Aetna,09:00,09:10
X003,1,2026-03-02,96369,1,,11,professional,Cigna,09:00,10:00
X003,2,2026-03-02,96369,1,,11,professional,Cigna,10:00,11:00
X003,3,2026-03-02,96369,1,XS,11,professional,Cigna,10:00,11:00
X004,1,2026-03-02,96369,1,,22,institutional,Medicare,22:00,23:59
X004,2,2026-03-03,96370,2,,22,institutional,Medicare,00:00,02:00
X005,1,2026-03-02,96372,1,,11,professional,Medicare,,
X005,2,2026-03-02,96523,1,,11,professional,Medicare,,
X005,3,2026-03-02,J1559,3000,JZ JW,11,professional,Medicare,,
X006,1,2026-03-02,J1559,30,,11,professional,MEDICARE PART B,,
X006,2,2026-03-02,J1559,10,JW,11,professional,MEDICARE PART B,,
X007,1,2026-03-02,96369,1,,11,professional,Aetna,09:00,10:00
X007,2,2026-03-02,96370,2,,11,professional,Aetna,09:00,10:00
X007,3,2026-03-02,96370,2,,11,professional,Aetna,09:00,10:00
X007,4,2026-03-02,96365,1,,11,professional,Aetna,,
X008,1,2026-03-02,96369,1,00 ZZ9,11,professional,BCBS,08:00,08:30
X008,2,2026-03-02,99214,1,,11,professional,BCBS,,
X009,1,2026-03-04,96369,1,,19,professional,UnitedHealthcare,13:00,17:00
X009,2,2026-03-04,96370,4,,19,professional,UnitedHealthcare,13:00,17:00
X009,3,2026-03-04,96371,2,,19,professional,UnitedHealthcare,13:00,17:00
"""


def rules_file(d: Path) -> Path:
    """The illustrative sample claims (``data/samples/claims``: its claims with a planted reject left
    out, the two modifier columns as one) and ``MORE_CLAIMS``: every rule of the audit fires."""
    path = d / "rules_check.csv"
    cols = ["claim_id", "line_number", "date_of_service", "hcpcs", "units", "modifiers", "pos", "claim_type"]
    cols += ["payer", "start_time", "stop_time"]
    with (ROOT / "data/samples/claims/illustrative_claims.csv").open(newline="") as fh:
        sample = [
            {**r, "modifiers": f"{r['modifier_1']} {r['modifier_2']}".strip()}
            for r in csv.DictReader(fh)
            if not r["claim_id"].startswith("R")  # the rejects: competitors read them as NULLs
        ]
    more = [dict(zip(cols, line.split(","), strict=True)) for line in MORE_CLAIMS.splitlines()]
    d.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(sample + more)
    return path


def flagged(path: Path) -> Counter:
    """(claim id, line number, rule) of each line a findings file flags, counted."""
    with path.open(newline="") as fh:
        return Counter((r["claim_id"], r["line_number"], r["rule"]) for r in csv.DictReader(fh))


def agree(path: Path, out: Path) -> tuple[bool, dict[str, int]]:
    """Whether the competitors flag the same lines as the audit on ``path``; the audit's counts."""
    out.mkdir(parents=True, exist_ok=True)
    for tool in ("audit", "duckdb", "polars"):
        run_waited(command(tool, path, out))
    ours = flagged(out / "findings.csv")
    same = True
    for tool in ("duckdb", "polars"):
        theirs = flagged(out / f"{tool}.csv")
        if theirs != ours:
            same = False
            print(
                f"  {path.name}: {tool} differs: audit only {list((ours - theirs).items())[:5]}, "
                f"{tool} only {list((theirs - ours).items())[:5]}",
                file=sys.stderr,
            )
    return same, dict(sorted(Counter(rule for _, _, rule in ours.elements()).items()))


def bench(path: Path, repeat: int, out: Path) -> dict:
    tools = ["audit", "duckdb", "polars"]
    same, counts = agree(path, out)  # the same answers first
    runs = rounds({t: command(t, path, out) for t in tools}, repeat, path.name)
    return {
        "file": path.name,
        "bytes": path.stat().st_size,
        "agree": same,
        "counts": counts,
        **{f"{t}_{k}": v for t in tools for k, v in (("times", runs[t].times), ("peak_mb", runs[t].peak_mb))},
    }


# what each command costs before it reads a line: the interpreter, each tool's imports, and pyarrow's
# first conversion of a numpy array (which loads pandas when it is installed: its pandas shim), with
# pandas importable and with an import hook refusing it (what any pyarrow process starts at, pandas
# or not: the difference is pandas' share)
CONVERT = "import sys, numpy, pyarrow; pyarrow.array(numpy.arange(3)); print('pandas' in sys.modules)"
REFUSE_PANDAS = """import sys
class NoPandas:
    def find_spec(self, name, path=None, target=None):
        if name.partition('.')[0] == 'pandas':
            raise ImportError(name)
sys.meta_path.insert(0, NoPandas())
"""
CONVERSIONS = {
    "import numpy, pyarrow; one conversion": CONVERT,
    "the same, pandas not importable": REFUSE_PANDAS + CONVERT,
}
FLOORS = {
    "python -c pass": ["-c", "pass"],
    "import duckdb": ["-c", "import duckdb"],
    "import polars": ["-c", "import polars"],
    **{name: ["-c", code] for name, code in CONVERSIONS.items()},
}


def floors(repeat: int, rules: Path, out: Path) -> list[dict]:
    """Each of ``FLOORS`` and each tool on the rules file (its start-up and little more),
    interleaved, order rotated, ``repeat`` rounds: wall seconds and peak memory."""
    with rules.open() as fh:
        n = sum(1 for _ in fh) - 1
    cmds = {name: [sys.executable, *args] for name, args in FLOORS.items()}
    cmds |= {f"{t} on the rules file ({n} lines)": command(t, rules, out) for t in ("audit", "duckdb", "polars")}
    runs = rounds(cmds, repeat, "floor")
    loads = {name: "yes" if runs[name].stdout.strip() == "True" else "no" for name in CONVERSIONS}
    shown = {name: f"{name} (pandas loaded: {loaded})" for name, loaded in loads.items()}
    return [{"command": shown.get(name, name), "times": r.times, "peak_mb": r.peak_mb} for name, r in runs.items()]


def floor_table(rows: list[dict]) -> str:
    lines = ["| command | s | peak MB |", "|---|---|---|"]
    lines += [f"| {r['command']} | {cell(r['times'])} | {r['peak_mb']:,.0f} |" for r in rows]
    return "\n".join(lines)


def table(results: list[dict]) -> str:
    rows = [
        "| file | audit s | DuckDB s | polars s | audit / DuckDB | audit / polars "
        "| peak MB audit / DuckDB / polars | same lines flagged |",
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
    ap.add_argument("--check-only", action="store_true", help="compare the flagged lines on the rules file, no timing")
    ap.add_argument("--floors-only", action="store_true", help="time the floors and the rules file, no other file")
    args = ap.parse_args(argv)
    out = args.dir / "out"
    out.mkdir(parents=True, exist_ok=True)
    rules = rules_file(args.dir)
    same, counts = agree(rules, out)
    print(f"rules file: {sum(counts.values())} findings of {len(counts)} rules, same lines flagged: {same}", flush=True)
    if not same:
        return 1
    if args.check_only:
        return 0
    start = floors(args.repeat, rules, out)
    print(floor_table(start), flush=True)
    if args.floors_only:
        return 0
    results = []
    for lines in args.lines:
        for fraction in args.fractions:
            for path in make_files(args.dir, lines, fraction, args.formats):
                results.append(bench(path, args.repeat, out))
                print(table(results[-1:]), flush=True)
    print("\n" + floor_table(start) + "\n\n" + table(results))
    if args.json:
        args.json.write_text(json.dumps({"floors": start, "files": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
