#!/usr/bin/env python3
"""`rates extract` on in-network files shaped like real ones, beside `gzip -dc` and an ijson loop.

Generator (``generate``; parameters stated, seeded): per MB of file about 550 provider groups in
``provider_references`` (each 1-40 NPIs, heavy-tailed, and a TIN), items drawn from 16,000 billing
codes, the number of rate entries per item heavy-tailed (Pareto, 1-300), 35% of rate entries with
inline ``provider_groups`` (NPI lists) instead of references, 0.2% of items for 96369-96371; gzip
level 6. Commands, each a whole process, interleaved in every round with the order rotated, 5
rounds, median with min-max, peak memory by GNU time (``%M``):

* ``python -m infusion rates extract FILE --out OUT --jobs 1``
* ``gzip -dc FILE > /dev/null`` (decompression alone: the floor)
* an ijson (yajl2_c) loop over ``in_network.item`` keeping the family codes' items (what a Python
  user would write instead)

Then ``--many N`` files (links to the first size's file) read by one process, by ``--jobs 2`` and by
a local Dask cluster of two workers (``--scheduler local``), beside ``gzip -dc`` of each in turn.

Usage: python benchmarks/bench_tic_realistic.py [--sizes 300,1200,2400] [--many 4] [--repeat 5]
       [--dir /tmp/bench_tic_real]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from whole_commands import Runs, cell, rounds  # noqa: E402

FAMILY = ("96369", "96370", "96371")
GROUPS_PER_MB = 550
CODES = 16_000
INLINE_SHARE = 0.35
FAMILY_SHARE = 0.002

IJSON = """
import gzip, sys, ijson
keep = {"96369", "96370", "96371"}
n = 0
with gzip.open(sys.argv[1], "rb") as fh:
    for item in ijson.items(fh, "in_network.item"):
        if str(item.get("billing_code")) in keep:
            n += 1
print(n)
"""


def _heavy(rng: random.Random, low: int, high: int, alpha: float = 1.3) -> int:
    return min(high, max(low, int(rng.paretovariate(alpha) * low)))


def _groups(rng: random.Random, first_npi: int, n: int) -> list[dict]:
    return [
        {
            "npi": [first_npi + k for k in range(_heavy(rng, 1, 40))],
            "tin": {"type": "ein", "value": f"{rng.randrange(10**8, 10**9)}"},
        }
        for _ in range(n)
    ]


def generate(path: Path, mb: int, seed: int = 7) -> dict:
    """A gzip in-network file of about ``mb`` MB of JSON (see the module doc); what it holds."""
    rng = random.Random(seed)
    target = mb * 1_000_000
    n_groups = GROUPS_PER_MB * mb
    head = {
        "reporting_entity_name": "BENCHMARK (synthetic, realistic shape)",
        "reporting_entity_type": "health insurance issuer",
        "plan_name": "BENCHMARK PPO",
        "plan_id_type": "hios",
        "plan_id": "00000",
        "plan_market_type": "group",
        "last_updated_on": "2026-12-01",
        "version": "1.0.0",
    }
    codes = [f"{10000 + i:05d}" for i in range(CODES)]
    written = items = family = 0
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=6) as fh:
        fh.write(json.dumps(head)[:-1] + ',"provider_references":[')
        for gid in range(1, n_groups + 1):
            ref = {"provider_group_id": gid, "provider_groups": _groups(rng, 1_000_000_000 + gid * 50, 1)}
            text = ("," if gid > 1 else "") + json.dumps(ref, separators=(",", ":"))
            fh.write(text)
            written += len(text)
        fh.write('],"in_network":[')
        while written < target:
            fam = rng.random() < FAMILY_SHARE
            code = rng.choice(FAMILY) if fam else rng.choice(codes)
            rates = []
            for _ in range(_heavy(rng, 1, 300)):
                prices = [
                    {
                        "negotiated_type": "negotiated",
                        "negotiated_rate": round(rng.uniform(5, 5000), 2),
                        "expiration_date": "9999-12-31",
                        "billing_class": rng.choice(["professional", "institutional"]),
                        "service_code": ["11", "22"],
                        "billing_code_modifier": [],
                    }
                ]
                if rng.random() < INLINE_SHARE:
                    inline = _groups(rng, 1_900_000_000 + rng.randrange(10**7), rng.randint(1, 3))
                    rates.append({"provider_groups": inline, "negotiated_prices": prices})
                else:
                    rates.append(
                        {
                            "provider_references": rng.sample(range(1, n_groups + 1), rng.randint(1, 5)),
                            "negotiated_prices": prices,
                        }
                    )
            item = {
                "negotiation_arrangement": "ffs",
                "name": "service",
                "billing_code_type": "CPT",
                "billing_code_type_version": "2026",
                "billing_code": code,
                "description": "synthetic",
                "negotiated_rates": rates,
            }
            text = ("," if items else "") + json.dumps(item, separators=(",", ":"))
            fh.write(text)
            written += len(text)
            items += 1
            family += fam
        fh.write("]}")
    return {
        "json_mb": round(written / 1e6),
        "gz_mb": round(path.stat().st_size / 1e6),
        "items": items,
        "family_items": family,
        "provider_groups": n_groups,
    }


def _extract(paths: list[Path], out: Path, *options: str) -> list[str]:
    """``rates extract`` of ``paths`` into ``out``, the family's codes only."""
    command = [sys.executable, "-m", "infusion", "rates", "extract", *map(str, paths), "--out", str(out)]
    return [*command, "--codes", ",".join(FAMILY), *options]


def bench(path: Path, repeat: int, out: Path) -> dict[str, Runs]:
    cmds = {
        "extract": _extract([path], out, "--jobs", "1"),
        "gzip -dc": ["sh", "-c", f"gzip -dc '{path}' > /dev/null"],
        "ijson": [sys.executable, "-c", IJSON, str(path)],
    }
    return rounds(cmds, repeat, path.name)


def bench_many(path: Path, n: int, repeat: int, out: Path) -> dict[str, Runs]:
    """``n`` files (links to ``path``) read with one process, two, and a local Dask cluster of two
    workers, beside ``gzip -dc`` of each in turn."""
    links = []
    for i in range(n):
        link = path.with_name(f"many-{i}-{path.name}")
        if not link.exists():
            link.symlink_to(path)
        links.append(link)
    cmds = {
        "--jobs 1": _extract(links, out, "--jobs", "1"),
        "--jobs 2": _extract(links, out, "--jobs", "2"),
        "--scheduler local": _extract(links, out, "--jobs", "2", "--scheduler", "local"),
        "gzip -dc each": ["sh", "-c", " && ".join(f"gzip -dc '{x}' > /dev/null" for x in links)],
    }
    return rounds(cmds, repeat, f"{n} x {path.name}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="300,1200,2400", help="MB of JSON per file")
    ap.add_argument("--many", type=int, default=4, help="files of the first size read together (0: not run)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/bench_tic_real"))
    args = ap.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    rows = [
        "| file (JSON / gz) | extract s | gzip -dc s | ijson s | extract / gzip -dc (speed) | extract / ijson | "
        "peak MB extract / gzip / ijson |",
        "|---|---|---|---|---|---|---|",
    ]
    for mb in (int(x) for x in args.sizes.split(",")):
        path = args.dir / f"in-network-{mb}MB.json.gz"
        meta_path = path.with_suffix(".meta.json")
        if not path.exists():
            print(f"making {path.name}", file=sys.stderr, flush=True)
            meta_path.write_text(json.dumps(generate(path, mb)))
        meta = json.loads(meta_path.read_text())
        r = bench(path, args.repeat, args.dir / "out.parquet")
        med = {k: statistics.median(v.times) for k, v in r.items()}
        rows.append(
            f"| {meta['json_mb']} MB / {meta['gz_mb']} MB, {meta['provider_groups']:,} groups | "
            f"{cell(r['extract'].times)} | {cell(r['gzip -dc'].times)} | {cell(r['ijson'].times)} | "
            f"{med['gzip -dc'] / med['extract']:.2f}x | {med['ijson'] / med['extract']:.2f}x faster | "
            f"{r['extract'].peak_mb:.0f} / {r['gzip -dc'].peak_mb:.0f} / {r['ijson'].peak_mb:.0f} |"
        )
        print("\n".join(rows), flush=True)
    if args.many:
        first = args.dir / f"in-network-{args.sizes.split(',')[0]}MB.json.gz"
        r = bench_many(first, args.many, args.repeat, args.dir / "out.parquet")
        print(f"\n| {args.many} files of {first.name} | seconds, median (min-max) | peak MB |\n|---|---|---|")
        for k, runs in r.items():
            print(f"| {k} | {cell(runs.times)} | {runs.peak_mb:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
