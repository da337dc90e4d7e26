#!/usr/bin/env python3
"""Build the tables in ``data/`` from the public CMS files in ``../shared/cms/``.

Run from the repository root: ``python scripts/import_shared_data.py [--shared ../shared]``.
Every table written carries a ``source`` column (file, publisher, release, address). CMS's
DESCRIPTION column (AMA CPT short descriptors) is never copied. Re-running gives the same files.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

FAMILY_MUE_CODES = ["96360", "96361", "96365", "96366", "96367", "96368", "96369", "96370", "96371",
                    "96372", "96374", "96375", "96413", "96415", "99601", "99602", "J1559", "J1555"]


def build_mue(shared: Path) -> pd.DataFrame:
    src = shared / "cms" / "ncci" / "medicaid_practitioner_mue_q1_2026.json"
    raw = json.loads(src.read_text())
    rows = []
    for code in FAMILY_MUE_CODES:
        rec = raw.get(code)
        if rec is None:
            continue
        rows.append({
            "program": "medicaid-practitioner",
            "code": code,
            "mue": int(rec["limit"]),
            "unit": rec.get("unit", ""),
            "rationale": rec.get("rationale", ""),
            "mai": "",  # the extract has no MAI column: data not available
            "effective": "2026-Q1",
            "source": "CMS Medicaid NCCI MUE, practitioner services, Q1 2026 "
                      "(medicaid-ncci-q1-2026-mue-edits-practitioner-services.zip), via third-party "
                      "extraction sjanoe123/healthcare-payment-integrity data/ncci_mue.json (S16); "
                      "copy in shared/cms/ncci/medicaid_practitioner_mue_q1_2026.json",
        })
    out = pd.DataFrame(rows)
    out.to_csv(DATA / "reference" / "mue.csv", index=False)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"), help="path of shared/")
    args = ap.parse_args(argv)
    shared = Path(args.shared)
    (DATA / "reference").mkdir(parents=True, exist_ok=True)
    print("mue:", len(build_mue(shared)), "rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
