#!/usr/bin/env python3
"""Build the tables in ``data/`` from the public CMS files in ``../shared/cms/``.

Run from the repository root: ``python scripts/import_shared_data.py [--shared ../shared]``.
Every table written carries a ``source`` column (file, publisher, release, address). CMS's
DESCRIPTION column (AMA CPT short descriptors) is never copied. Re-running gives the same files.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
sys.path.insert(0, str(ROOT / "lib"))  # also runs without the editable install

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


DRUG_ADMIN = re.compile(r"^(963[6-7]\d|9640\d|9641[0-7]|9652[1-3])$")

RAW_PFS = [
    # (path under shared/cms, year, release label, variant, source text)
    ("pfs-2022-jan/PPRRVU22_JAN.csv", 2022, "2022-jan", "all",
     "CMS PPRRVU22_JAN.csv, 2022 National PFS Relative Value File, January release, RELEASED "
     "12/15/2021 (copy from public repo Psuncode/RVU-Calculator app/data/raw/, S10)"),
    ("pfs-2025-oct/PPRRVU2025_Oct.csv", 2025, "2025-oct", "all",
     "CMS PPRRVU2025_Oct.csv, RVU25D, October release, RELEASED 09/11/2025 (copy from public repo "
     "alex-bea/cms_api sample_data/rvu25d_0/, S11)"),
    ("pfs-2026-jan/PPRRVU2026_Jan_nonQPP_drug_admin_excerpt.csv", 2026, "2026-jan", "nonqp",
     "CMS PPRRVU2026_Jan_nonQPP.csv, January release, RELEASED 12/29/2025, drug administration rows "
     "(copy from public repo namratesh/prior_authrizaton backend/data/rates/, S12)"),
    ("found/PPRRVU2026_Jan_QPP_drug_admin_excerpt.csv", 2026, "2026-jan", "qp",
     "CMS PPRRVU2026_Jan_QPP.csv, January release, RELEASED 12/29/2025, drug administration rows "
     "(copy from public repo namratesh/prior_authrizaton @1f5c3eb backend/data/rates/)"),
]

RAW_GPCI = [
    ("pfs-2022-jan/GPCI2022.csv",
     "CMS Addendum E, final CY2022 GPCIs (GPCI2022.csv, copy from public repo "
     "Psuncode/RVU-Calculator app/data/raw/, S10)"),
    ("pfs-2025-oct/GPCI2025.csv",
     "CMS Addendum E, final CY2025 GPCIs (GPCI2025.csv in the RVU25D package, copy from public repo "
     "alex-bea/cms_api, S11)"),
    ("found/GPCI2026.csv",
     "CMS Addendum E, final CY2026 GPCIs (GPCI2026.csv, copy from public repo namratesh/prior_authrizaton @1f5c3eb); "
     "work GPCI 1.0 floor extended through 2026-01-31 by H.R.5371 s.6207 (note in the file)"),
]


def build_rvus(shared: Path) -> pd.DataFrame:
    from infusion.medicare.cms import read_pprrvu

    frames = []
    for rel, year, release, variant, source in RAW_PFS:
        df = read_pprrvu(shared / "cms" / rel)
        df = df[df["code"].str.match(DRUG_ADMIN) & (df["mod"] == "")].copy()
        df["release_date"] = df.pop("release")
        df["year"], df["release"], df["variant"] = year, release, variant
        df["confidence"], df["source"] = "H", source
        frames.append(df)
    hist = pd.read_csv(shared / "cms" / "pfs-history" / "drug_admin_rvus_2019_2024.csv",
                       dtype={"hcpcs": str})
    hist = hist[hist["hcpcs"].str.match(DRUG_ADMIN)]
    h = pd.DataFrame({
        "code": hist["hcpcs"], "mod": "", "status": "", "work_rvu": hist["work_rvu"],
        "pe_nonfac": hist["pe_rvu_nonfac"], "pe_fac": float("nan"), "fac_na": "",
        "mp_rvu": hist["mp_rvu"], "year": hist["year"],
        "release": hist["year"].astype(str) + "-oct", "variant": "all", "confidence": "M",
        "source": hist["derived_from"] + " October file, as processed by public repo "
                  "Psuncode/RVU-Calculator app/data/processed/ (S10); copy in "
                  "shared/cms/pfs-history/drug_admin_rvus_2019_2024.csv. The processing lost the "
                  "facility NA indicator; its 2025 values match the raw CMS 2025 file",
    })
    h["total_nonfac"] = (h["work_rvu"] + h["pe_nonfac"] + h["mp_rvu"]).round(2)
    frames.append(h)
    cols = ["year", "release", "release_date", "variant", "code", "status", "work_rvu", "pe_nonfac", "mp_rvu",
            "total_nonfac", "fac_na", "glob", "pctc", "cf", "confidence", "source"]
    out = pd.concat(frames, ignore_index=True).reindex(columns=cols)
    out = out.sort_values(["year", "release", "variant", "code"]).reset_index(drop=True)
    out.to_csv(DATA / "medicare" / "pfs_rvu.csv", index=False)
    return out


def build_gpci(shared: Path) -> pd.DataFrame:
    from infusion.medicare.cms import read_gpci

    frames = []
    for rel, source in RAW_GPCI:
        g = read_gpci(shared / "cms" / rel)
        g["source"] = source
        frames.append(g)
    out = pd.concat(frames, ignore_index=True)
    cols = ["year", "mac", "state", "locality", "locality_name", "pw_gpci", "pw_gpci_no_floor",
            "pe_gpci", "mp_gpci", "source"]
    out = out.reindex(columns=cols)
    out.to_csv(DATA / "medicare" / "gpci.csv", index=False)
    return out


def build_zip(shared: Path) -> pd.DataFrame:
    from infusion.medicare.cms import read_zip5

    z = read_zip5(shared / "cms" / "pfs-2025-oct" / "ZIP5_OCT2025.txt")
    z["source"] = ("CMS ZIP code to carrier locality file ZIP5_OCT2025.txt (year/quarter 20254), "
                   "copy from public repo alex-bea/cms_api sample_data/zplc_oct2025/")
    z = z.reset_index(drop=True)
    z.to_parquet(DATA / "medicare" / "zip_locality.parquet", index=False, compression="zstd")
    return z


def build_opps(shared: Path) -> pd.DataFrame:
    found = shared / "cms" / "found"
    q = pd.read_csv(found / "OPPS_AddendumB_SI_rate_by_quarter_2023_2026_softek.csv", dtype=str)
    q = q[q["HCPCS"].str.match(DRUG_ADMIN)]
    # APC, weight and copays of January 2023, straight from the CMS xlsx (excerpt as CSV)
    b = pd.read_csv(found / "OPPS_AddendumB_2023_January_drug_admin_excerpt.csv", skiprows=3,
                    dtype=str, encoding="utf-8")
    b.columns = [c.strip() for c in b.columns]
    b = b.rename(columns={"HCPCS Code": "code", "APC": "apc", "Relative Weight": "weight",
                          "Minimum Unadjusted Copayment": "min_copay"})
    b["apc"] = b["apc"].fillna("").str.strip()
    apc2023 = b.set_index("code")[["apc", "weight", "min_copay"]]
    a = pd.read_csv(found / "OPPS_AddendumA_2025_January_excerpt.csv", skiprows=2, dtype=str)
    a = a.rename(columns={"APC": "apc", "Relative Weight": "weight",
                          "Minimum Unadjusted Copayment": "min_copay"}).set_index("apc")
    rows = []
    for _, r in q.iterrows():
        code, edition = r["HCPCS"], r["addendum_b_edition"]
        year = int(edition[:4])
        apc = apc2023["apc"].get(code, "")
        rec = {"edition": edition, "year": year, "code": code, "si": r["SI"],
               "payment_rate": float(r["payment_rate"]), "apc": apc, "apc_basis": "",
               "relative_weight": "", "min_copay": "",
               "confidence": "M",
               "source": "CMS OPPS Addendum B, " + edition + " edition, SI and payment rate as "
                         "extracted by public repo softek/CMS.HCPCS sample.csv @" +
                         r["softek_commit"][:7] + " (its 2023-01 rows match the CMS xlsx)"}
        if year == 2023 and apc:
            rec["apc_basis"] = "CMS Addendum B January 2023 (xlsx)"
            w = apc2023.loc[code, "weight"]
            rec["relative_weight"] = round(float(w), 4) if w and w != "." else ""
            rec["min_copay"] = apc2023.loc[code, "min_copay"]
            if edition == "2023-01":
                rec["confidence"] = "H"
                rec["source"] = ("CMS OPPS Addendum B January 2023 (2023_January_Web_Addendum_B."
                                 "12212022.xlsx, copy from public repo softek/CMS.HCPCS @b0e22c2)")
        elif apc:
            rec["apc_basis"] = ("inferred: same APC as in 2023; the rate equals that APC's rate "
                                "(research-notes 3b 1d)")
            if year == 2025 and apc in a.index:
                rec["relative_weight"] = float(a.loc[apc, "weight"])
                rec["min_copay"] = a.loc[apc, "min_copay"].replace("$", "")
                rec["source"] += ("; weight and copay of APC " + apc + " from CMS OPPS Addendum A "
                                  "January 2025 (copy from public repo alex-bea/cms_api @b1be2ca)")
        rows.append(rec)
    out = pd.DataFrame(rows).sort_values(["edition", "code"]).reset_index(drop=True)
    out.to_csv(DATA / "medicare" / "opps_rates.csv", index=False)
    return out


def build_opps_cap(shared: Path) -> pd.DataFrame:
    cap = pd.read_csv(shared / "cms" / "pfs-2025-oct" / "OPPSCAP_Oct.csv", dtype=str)
    cap = cap[cap["HCPCS"].str.match(DRUG_ADMIN)].copy()
    cap.columns = ["code", "mod", "procstat", "carrier", "locality", "facility_price",
                   "nonfacility_price"]
    cap["year"] = 2025
    cap["source"] = ("CMS OPPSCAP_Oct.csv (2025 OPPS payment caps on PFS non-facility prices, RVU25D "
                     "package, copy from public repo alex-bea/cms_api); the file has no rows for "
                     "the drug administration codes, so no cap applies to them")
    cap.to_csv(DATA / "medicare" / "opps_cap.csv", index=False)
    return cap


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"), help="path of shared/")
    args = ap.parse_args(argv)
    shared = Path(args.shared)
    (DATA / "reference").mkdir(parents=True, exist_ok=True)
    (DATA / "medicare").mkdir(parents=True, exist_ok=True)
    print("mue:", len(build_mue(shared)), "rows")
    print("pfs_rvu:", len(build_rvus(shared)), "rows")
    print("gpci:", len(build_gpci(shared)), "rows")
    print("zip_locality:", len(build_zip(shared)), "rows")
    print("opps_rates:", len(build_opps(shared)), "rows")
    print("opps_cap:", len(build_opps_cap(shared)), "rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
