#!/usr/bin/env python3
"""Benchmark the TiC in-network extractor against json.load + filter and against `gzip -dc`.

Generates in-network files of about 100 MB and 1 GB (plain JSON and gzip) in which the family codes
96369/96370/96371 are rare among thousands of other codes, then measures, each in a fresh process:

* our extractor (``infusion.rates.tic.read_tic``): seconds, MB/s, peak RSS;
* ``json.load`` + filter (the naive way) on the plain files it can hold in memory;
* ``gzip -dc FILE > /dev/null``: the I/O and decompression limit for the gzip files.

Targets (issue 4): peak memory flat, under 256 MB, as the file grows tenfold; throughput on the
gzip file at least half of `gzip -dc`'s.

Usage: python benchmarks/bench_tic.py [--dir /tmp/bench_tic] [--sizes 100,1000] [--json-load-max 200]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAMILY = ("96369", "96370", "96371")


def _rates_body(rng: random.Random, n_rates: int) -> str:
    rates = []
    for _ in range(n_rates):
        prices = [
            {
                "negotiated_type": rng.choice(["negotiated", "fee schedule", "derived"]),
                "negotiated_rate": round(rng.uniform(5, 5000), 2),
                "expiration_date": "9999-12-31",
                "service_code": rng.sample(["11", "19", "22", "49", "12"], 2),
                "billing_class": rng.choice(["professional", "institutional"]),
                "setting": "outpatient",
            }
            for _ in range(rng.randint(1, 3))
        ]
        rates.append(
            {"provider_references": rng.sample(range(1, 2001), rng.randint(1, 4)), "negotiated_prices": prices}
        )
    return json.dumps(rates, separators=(",", ":"))


def generate(path: Path, mb: int, seed: int = 1) -> dict:
    """Write a ~``mb`` MB in-network file; return what it holds (items, family items)."""
    rng = random.Random(seed)
    bodies = [_rates_body(rng, rng.randint(4, 14)) for _ in range(200)]
    target = mb * 1_000_000
    head = {
        "reporting_entity_name": "BENCHMARK (synthetic)",
        "reporting_entity_type": "health insurance issuer",
        "plan_name": "BENCHMARK PPO",
        "plan_id_type": "hios",
        "plan_id": "00000",
        "plan_market_type": "group",
        "last_updated_on": "2026-11-01",
        "version": "2.0.0",
    }
    refs = [
        {
            "provider_group_id": i,
            "network_name": ["BENCH"],
            "provider_groups": [
                {
                    "npi": [1000000000 + i * 7 + k for k in range(rng.randint(1, 6))],
                    "tin": {"type": "ein", "value": f"{i:09d}"},
                }
            ],
        }
        for i in range(1, 2001)
    ]
    items = family = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(head)[:-1] + ',"provider_references":' + json.dumps(refs) + ',"in_network":[')
        written = fh.tell()
        first = True
        while written < target:
            if rng.random() < 1 / 2000:
                code = rng.choice(FAMILY)
                family += 1
            else:
                code = str(rng.randint(10000, 99999))
                if code in FAMILY:
                    code = "10000"
            item = (
                '{"negotiation_arrangement":"ffs","name":"service","billing_code_type":"CPT",'
                f'"billing_code_type_version":"2026","billing_code":"{code}","description":"synthetic",'
                f'"negotiated_rates":{bodies[rng.randrange(len(bodies))]}}}'
            )
            if not first:
                item = "," + item
            first = False
            fh.write(item)
            written += len(item)
            items += 1
        fh.write("]}")
    return {"items": items, "family_items": family, "bytes": path.stat().st_size}


def gzip_file(src: Path, dst: Path) -> None:
    if shutil.which("gzip"):
        with dst.open("wb") as out:
            subprocess.run(["gzip", "-6", "-c", str(src)], stdout=out, check=True)
    else:
        with src.open("rb") as fi, gzip.open(dst, "wb", compresslevel=6) as fo:
            shutil.copyfileobj(fi, fo, 1 << 20)


def child(kind: str, path: str) -> None:
    """Run one measurement in this process and print JSON (seconds, rows, peak RSS)."""
    sys.path.insert(0, str(ROOT / "lib"))
    from infusion.rates.jsonscan import compiled_scan
    from infusion.rates.tic import read_tic  # imports are not part of the measurement

    w0 = time.perf_counter()
    import numpy as np

    # load (or compile, the first time) the numba kernel, a one-off per process; a big file's first
    # window loads it (small windows are scanned in Python without it)
    compiled_scan()(np.frombuffer(b"[1]", dtype=np.uint8), False, 93)
    warmup = time.perf_counter() - w0
    t0 = time.perf_counter()
    if kind == "extract":
        rows = len(read_tic(path, set(FAMILY)).rows)
    elif kind == "json_load":
        with open(path, "rb") as fh:
            doc = json.load(fh)
        rows = sum(
            len(p["negotiated_prices"])
            for i in doc["in_network"]
            if i["billing_code"] in FAMILY
            for p in i["negotiated_rates"]
        )
    else:
        raise SystemExit(f"unknown kind {kind}")
    secs = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": secs, "rows": rows, "peak_mb": peak, "warmup_s": warmup}))


def measure(kind: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def gzip_dc(path: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(["gzip", "-dc", str(path)], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default="/tmp/bench_tic")
    ap.add_argument("--sizes", default="100,1000", help="file sizes in MB")
    ap.add_argument(
        "--json-load-max",
        type=int,
        default=200,
        help="largest file (MB) to try json.load on (it needs ~10x the file in RAM)",
    )
    ap.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    d = Path(args.dir)
    d.mkdir(parents=True, exist_ok=True)
    rows = []
    results = {}
    for mb in [int(x) for x in args.sizes.split(",")]:
        plain = d / f"in-network-{mb}mb.json"
        gz = d / f"in-network-{mb}mb.json.gz"
        if not plain.exists():
            print(f"generating {plain} ...", file=sys.stderr, flush=True)
            info = generate(plain, mb)
            (d / f"{plain.name}.info").write_text(json.dumps(info))
        if not gz.exists():
            print(f"compressing {gz} ...", file=sys.stderr, flush=True)
            gzip_file(plain, gz)
        info = json.loads((d / f"{plain.name}.info").read_text())
        raw_mb = plain.stat().st_size / 1e6
        gz_mb = gz.stat().st_size / 1e6
        ex_plain = measure("extract", plain)
        ex_gz = measure("extract", gz)
        dc = gzip_dc(gz)
        r = {
            "size_mb": round(raw_mb),
            "gz_mb": round(gz_mb, 1),
            "items": info["items"],
            "family_items": info["family_items"],
            "extract_plain_s": round(ex_plain["seconds"], 2),
            "extract_plain_MBps": round(raw_mb / ex_plain["seconds"], 1),
            "extract_plain_peak_mb": round(ex_plain["peak_mb"]),
            "extract_gz_s": round(ex_gz["seconds"], 2),
            "extract_gz_MBps": round(raw_mb / ex_gz["seconds"], 1),
            "extract_gz_peak_mb": round(ex_gz["peak_mb"]),
            "rows": ex_gz["rows"],
            "kernel_warmup_s": round(ex_gz["warmup_s"], 2),
            "gzip_dc_s": round(dc, 2),
            "gzip_dc_MBps": round(raw_mb / dc, 1),
            "ratio_to_gzip_dc": round(dc / ex_gz["seconds"], 2),
        }
        if mb <= args.json_load_max:
            jl = measure("json_load", plain)
            assert jl["rows"] == ex_plain["rows"], (jl["rows"], ex_plain["rows"])
            r.update({"json_load_s": round(jl["seconds"], 2), "json_load_peak_mb": round(jl["peak_mb"])})
        results[mb] = r
        rows.append(r)
    print("\nTiC in-network extraction (MB/s of decompressed JSON; peak RSS of a fresh process)")
    print(
        f"{'file':>8} {'items':>8} {'ours plain':>18} {'ours gzip':>18} {'gzip -dc':>10} {'ours/gzip-dc':>12} "
        f"{'json.load':>18}"
    )
    for r in rows:
        jl = f"{r['json_load_s']:>7.1f}s {r['json_load_peak_mb']:>6} MB" if "json_load_s" in r else "      not run"
        print(
            f"{r['size_mb']:>6}MB {r['items']:>8} {r['extract_plain_MBps']:>7.0f}MB/s "
            f"{r['extract_plain_peak_mb']:>5}MB "
            f"{r['extract_gz_MBps']:>7.0f}MB/s {r['extract_gz_peak_mb']:>5}MB {r['gzip_dc_MBps']:>6.0f}MB/s "
            f"{r['ratio_to_gzip_dc']:>11.2f}x {jl}"
        )
    print(
        "(the numba kernel loads once per process, about "
        f"{max(r['kernel_warmup_s'] for r in rows):.2f} s, not counted above)"
    )
    sizes = sorted(results)
    peak = max(max(r["extract_plain_peak_mb"], r["extract_gz_peak_mb"]) for r in rows)
    ok_mem = peak < 256
    peaks = [results[s]["extract_gz_peak_mb"] for s in sizes]
    ok_flat = len(sizes) < 2 or peaks[-1] <= 1.25 * peaks[0] + 16
    ok_speed = all(r["ratio_to_gzip_dc"] >= 0.5 for r in rows)
    print(f"\ntarget peak memory < 256 MB and flat: {'MET' if ok_mem and ok_flat else 'NOT MET'} (max {peak} MB)")
    print(
        f"target throughput >= 0.5x gzip -dc: {'MET' if ok_speed else 'NOT MET'} "
        f"({', '.join(str(r['ratio_to_gzip_dc']) + 'x' for r in rows)})"
    )
    (d / "results.json").write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
