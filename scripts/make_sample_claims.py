#!/usr/bin/env python3
"""Write an ILLUSTRATIVE claims file with planted errors, and the findings it must give.

Output: data/samples/claims/illustrative_claims.csv (claim lines; fake patient columns that the
audit must never read), expected_findings.csv (claim_id, line_number, rule of every planted error)
and expected_rejects.csv. Clean filler claims are coded by the engine from random times (seed).
Usage: python scripts/make_sample_claims.py [--seed 7] [--filler 150]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from infusion.coding.units import time_codes  # noqa: E402

OUT = ROOT / "data" / "samples" / "claims"
HEADER = [
    "claim_id",
    "line_number",
    "date_of_service",
    "hcpcs",
    "units",
    "modifier_1",
    "modifier_2",
    "pos",
    "claim_type",
    "payer",
    "start_time",
    "stop_time",
    "zip",
    "rendering_provider",
    "patient_name",
    "member_id",
    "dob",
    "source",
]
CLINICS = ["ILLUSTRATIVE Clinic A", "ILLUSTRATIVE Clinic B", "ILLUSTRATIVE Clinic C"]  # the claim's number picks one
SOURCE = "ILLUSTRATIVE sample written by scripts/make_sample_claims.py (not real claims)"
PAYERS = ["Medicare", "Aetna", "BCBS", "Cigna", "UnitedHealthcare"]


def line(
    claim,
    n,
    code,
    units,
    start="",
    stop="",
    pos="11",
    claim_type="professional",
    payer="Aetna",
    mods=("", ""),
    dos="2026-03-02",
    zip_code="94103",
):
    k = int(claim[1:])
    return [
        claim,
        n,
        dos,
        code,
        units,
        mods[0],
        mods[1],
        pos,
        claim_type,
        payer,
        start,
        stop,
        zip_code,
        CLINICS[k % len(CLINICS)],
        f"ILLUSTRATIVE PATIENT {k:04d}",
        f"ILLUSTRATIVE-M{k:07d}",
        "1950-01-01",
        SOURCE,
    ]


def planted() -> tuple[list[list], list[tuple[str, int, str]], list[tuple[int, str]]]:
    rows, expected = [], []
    rows += [line("P001", 1, "96369", 1, "09:00", "10:35"), line("P001", 2, "96370", 1, "09:00", "10:35")]
    rows += [line("P002", 1, "96370", 1, "09:00", "10:35", payer="Cigna")]
    expected += [("P002", 1, "U-ADDON")]
    rows += [line("P003", 1, "96369", 2, "09:00", "09:50", payer="UnitedHealthcare")]
    expected += [("P003", 1, "U-INIT"), ("P003", 1, "U-MUE")]  # 2 units: also above the MUE of 1
    rows += [line("P004", 1, "96369", 1, "09:00", "09:50"), line("P004", 2, "96371", 2)]
    expected += [("P004", 2, "U-PUMP"), ("P004", 2, "U-MUE")]
    rows += [
        line("P005", 1, "96369", 1, "09:00", "10:35", payer="Medicare"),
        line("P005", 2, "96370", 2, "09:00", "10:35", payer="Medicare"),
    ]
    expected += [("P005", 2, "U-HOUR")]
    rows += [line("P006", 1, "96369", 1, payer="BCBS"), line("P006", 2, "96370", 1, payer="BCBS")]
    expected += [("P006", 2, "T-DOC")]
    rows += [
        line("P007", 1, "96369", 1, "08:00", "13:00", payer="Medicare"),
        line("P007", 2, "96370", 4, "08:00", "13:00", payer="Medicare"),
    ]
    expected += [("P007", 2, "U-MUE")]
    rows += [line("P008", 1, "96369", 1, "09:00", "09:50", pos="22")]
    expected += [("P008", 1, "S-FACILITY")]
    rows += [line("P009", 1, "96369", 1, "09:00", "09:50", pos="12", payer="Cigna")]
    expected += [("P009", 1, "S-HOME")]
    rows += [line("P010", 1, "96369", 1, "09:00", "09:50", mods=("00", ""))]
    expected += [("P010", 1, "M-VALID")]
    rows += [line("P011", 1, "96369", 1, "09:00", "09:50"), line("P011", 2, "96372", 1)]
    expected += [("P011", 2, "N-PTP")]  # the NCCI pair 96369/96372 (indicator 1) without XS/59
    rows += [
        line("P012", 1, "96369", 1, "09:00", "11:40"),
        line("P012", 2, "96370", 1, "09:00", "11:40"),
        line("P012", 3, "96370", 1, "09:00", "11:40"),
    ]
    expected += [("P012", 3, "A-DUP")]
    opps = dict(pos="22", claim_type="institutional", payer="Medicare", start="09:00", stop="10:40")
    rows += [line("P013", 1, "96369", 1, **opps), line("P013", 2, "96370", 1, **opps)]
    rows += [line("P014", 1, "96369", 1, "14:00", "13:00")]
    expected += [("P014", 1, "T-DATE")]
    rows += [line("P015", 1, "99213", 1, mods=("25", ""))]
    rows += [line("P016", 1, "96365", 1, payer="BCBS"), line("P016", 2, "96369", 1, "09:00", "09:50", payer="BCBS")]
    expected += [("P016", 2, "S-INITIAL")]  # a second initial code without 59/XS
    rows += [line("P017", 1, "96365", 1, mods=("XS", "")), line("P017", 2, "96369", 1, "09:00", "09:50")]
    # issue 29: an SC injection at a separate site beside the infusion passes (XS on 96372)
    rows += [line("P018", 1, "96369", 1, "09:00", "09:50"), line("P018", 2, "96372", 1, mods=("XS", ""))]
    # time per line: 09:00-09:50 and 11:00-11:45 are 95 minutes (one 96370), not the 165 of the span
    rows += [line("P019", 1, "96369", 1, "09:00", "09:50"), line("P019", 2, "96370", 2, "11:00", "11:45")]
    expected += [("P019", 2, "U-HOUR")]
    med = dict(payer="Medicare", dos="2026-01-15")
    rows += [
        line("P020", 1, "96369", 1, "09:00", "10:35", **med),
        line("P020", 2, "96370", 1, "09:00", "10:35", **med),
        line("P020", 3, "J1559", 100, **med),
    ]  # single-dose drug, neither JZ nor JW
    expected += [("P020", 3, "D-WASTE")]
    rows += [
        line("P021", 1, "96369", 1, "09:00", "09:50", **med),
        line("P021", 2, "J1559", 2500, mods=("JZ", ""), **med),
    ]
    expected += [("P021", 2, "U-MUE")]  # MUE of J1559: 2400
    rows += [line("P022", 1, "96369", 1, "09:00", "09:50", **med), line("P022", 2, "96523", 1, **med)]
    expected += [("P022", 1, "N-PTP")]  # indicator 0: never together
    rows += [line("P023", 1, "99213", 1), line("P023", 2, "96369", 1, "09:00", "09:50")]
    expected += [("P023", 2, "N-PTP")]  # E/M without 25
    rows += [line("P024", 1, "99213", 1, mods=("25", "")), line("P024", 2, "96369", 1, "09:00", "09:50")]
    rows += [
        line("P025", 1, "96369", 1, "09:00", "10:35", **med),
        line("P025", 2, "96370", 1, "09:00", "10:35", **med),
        line("P025", 3, "J1559", 103, **med),
        line("P025", 4, "J1559", 7, mods=("JW", ""), **med),
    ]
    bad = [line("R001", 1, "96369", 1, dos="2026-02-30"), line("R002", 1, "96369", "two"), line("R003", 1, "9636", 1)]
    rows += bad
    rejects = [("R001", "bad date_of_service"), ("R002", "non-numeric units"), ("R003", "unknown code format")]
    return rows, expected, rejects


def filler(rng: np.random.Generator, n: int) -> list[list]:
    rows = []
    for i in range(n):
        claim = f"F{i + 1:04d}"
        minutes = int(rng.integers(20, 271))
        pumps = 1 if rng.random() < 0.8 else 2
        start = dt.datetime(2026, 1, 5, 8, 0) + dt.timedelta(minutes=int(rng.integers(0, 180)))
        stop = start + dt.timedelta(minutes=minutes)
        dos = (dt.date(2026, 1, 5) + dt.timedelta(days=int(rng.integers(0, 300)))).isoformat()
        payer = PAYERS[int(rng.integers(0, len(PAYERS)))]
        codes, _ = time_codes(minutes, pumps)
        for n_line, (code, units) in enumerate(codes.items(), start=1):
            rows.append(
                line(claim, n_line, code, units, start.strftime("%H:%M"), stop.strftime("%H:%M"), payer=payer, dos=dos)
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--filler", type=int, default=150)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    rows, expected, rejects = planted()
    rows += filler(rng, args.filler)
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "illustrative_claims.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    with (OUT / "expected_findings.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["claim_id", "line_number", "rule", "source"])
        for c, n, r in expected:
            w.writerow([c, n, r, "planted by scripts/make_sample_claims.py (ILLUSTRATIVE)"])
    with (OUT / "expected_rejects.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["claim_id", "reason", "source"])
        for c, r in rejects:
            w.writerow([c, r, "planted by scripts/make_sample_claims.py (ILLUSTRATIVE)"])
    print(f"{len(rows)} lines ({len(expected)} planted findings, {len(rejects)} rejects) -> {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
