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

FAMILY_MUE_CODES = [
    "96360",
    "96361",
    "96365",
    "96366",
    "96367",
    "96368",
    "96369",
    "96370",
    "96371",
    "96372",
    "96374",
    "96375",
    "96413",
    "96415",
    "99601",
    "99602",
    "J1559",
    "J1555",
]


def build_mue(shared: Path) -> pd.DataFrame:
    src = shared / "cms" / "ncci" / "medicaid_practitioner_mue_q1_2026.json"
    raw = json.loads(src.read_text())
    rows = []
    for code in FAMILY_MUE_CODES:
        rec = raw.get(code)
        if rec is None:
            continue
        rows.append(
            {
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
            }
        )
    medicare = pd.read_csv(
        shared / "cms" / "ncci" / "medicare-2024" / "MCR_MUE_2024-07-01_prac_outpatient_dme_SCIG_excerpt.csv", dtype=str
    )
    program = {
        "Practitioner": "medicare-practitioner",
        "Outpatient Hospital": "medicare-outpatient-hospital",
        "DME Supplier": "medicare-dme",
    }
    for r in medicare.itertuples():
        rows.append(
            {
                "program": program[r.service],
                "code": r.hcpcs_code,
                "mue": int(r.mue_units),
                "unit": "units",
                "rationale": r.mue_rationale,
                "mai": str(r.mue_mai),
                "effective": "2024-07-01",
                "source": f"CMS {r.source_file_named_by_northstar} (Medicare NCCI MUE with MAI, effective "
                "2024-07-01), decoded from public repo andrewallenbruce/northstar @a37fd49 pins; copy "
                "in shared/cms/ncci/medicare-2024/ (research notes W1-W5)",
            }
        )
    out = pd.DataFrame(rows)
    out.to_csv(DATA / "reference" / "mue.csv", index=False)
    return out


NCCI_SOURCE = (
    "CMS NCCI {what}, decoded from public repo andrewallenbruce/northstar @a37fd49 pins; copy in "
    "shared/cms/ncci/medicare-2024/{file} (research notes {w})"
)
# the codes whose edits the engine and the audit use: the family, its neighbours, and the drugs
PTP_CODES = re.compile(
    r"^(9636[0-9]|9637[0-9]|9640[1-9]|9641[0-7]|9652[1-3]|9960[12]|99211|9920[2-5]|9921[2-5]|"
    r"G0463|E0779|E0781|J\d{4})$"
)


def build_ncci(shared: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    base = shared / "cms" / "ncci" / "medicare-2024"
    aoc = pd.read_csv(base / "NCCI_AOC_2024-06_drug_admin_excerpt.csv", dtype=str)
    aoc = aoc.rename(columns={"primary_code": "primary", "add_on_code": "add_on", "aoc_edit_type": "edit_type"})
    aoc["effective"] = "2024-06-03"
    aoc["source"] = NCCI_SOURCE.format(
        what="add-on code edits (version 2024-06-03)", file="NCCI_AOC_2024-06_drug_admin_excerpt.csv", w="W6"
    )
    aoc.to_csv(DATA / "reference" / "ncci_aoc.csv", index=False)
    frames = []
    for setting, name in (
        ("practitioner", "NCCI_PTP_2024-07-01_practitioner_infusion_excerpt.csv"),
        ("outpatient-hospital", "NCCI_PTP_2024-07-01_outpatient_infusion_excerpt.csv"),
    ):
        p = pd.read_csv(base / name, dtype=str)
        p = p[p["column1"].str.match(PTP_CODES) & p["column2"].str.match(PTP_CODES)]
        p = p[
            p["column1"].isin(["96369", "96370", "96371", "96372"])
            | p["column2"].isin(["96369", "96370", "96371", "96372"])
        ]
        frames.append(
            pd.DataFrame(
                {
                    "setting": setting,
                    "column1": p["column1"],
                    "column2": p["column2"],
                    "modifier_indicator": p["modifier_indicator"],
                    "deletion_date": p["deletion_date"],
                    "rationale": p["rationale"],
                    "source": NCCI_SOURCE.format(
                        what=f"procedure-to-procedure edits, {setting}, effective 2024-07-01", file=name, w="W7-W9"
                    ),
                }
            )
        )
    ptp = (
        pd.concat(frames, ignore_index=True)
        .drop_duplicates(["setting", "column1", "column2", "deletion_date"])
        .sort_values(["setting", "column1", "column2", "deletion_date"])
    )
    ptp.to_csv(DATA / "reference" / "ncci_ptp.csv", index=False)
    return aoc, ptp


# drugs given through a subcutaneous pump (or as SCIG), in our words; single-dose: the product's own
# labelling says single-use/single-dose vials (JZ/JW apply) or multiple-dose (they do not)
DRUGS = [
    # hcpcs, product, therapy, single_dose, label source
    (
        "J1559",
        "Hizentra",
        "immune globulin, subcutaneous (20%)",
        "yes",
        "Hizentra prescribing information (CSL Behring): single-use vials",
    ),
    (
        "J1555",
        "Cuvitru",
        "immune globulin, subcutaneous (20%)",
        "yes",
        "Cuvitru prescribing information (Takeda): single-use vials",
    ),
    (
        "J1558",
        "Xembify",
        "immune globulin, subcutaneous (20%)",
        "yes",
        "Xembify prescribing information (Grifols): single-dose vials",
    ),
    (
        "J1551",
        "Cutaquig",
        "immune globulin, subcutaneous (16.5%)",
        "yes",
        "Cutaquig prescribing information (Octapharma): single-use vials",
    ),
    (
        "J1575",
        "HyQvia",
        "immune globulin with recombinant hyaluronidase, subcutaneous (10%)",
        "yes",
        "HyQvia prescribing information (Takeda): single-use dual vial units",
    ),
    (
        "J1569",
        "Gammagard Liquid",
        "immune globulin, IV or subcutaneous (10%)",
        "yes",
        "Gammagard Liquid prescribing information (Takeda): single-use vials",
    ),
    (
        "J1561",
        "Gamunex-C / Gammaked",
        "immune globulin, IV or subcutaneous (10%)",
        "yes",
        "Gamunex-C prescribing information (Grifols): single-use vials",
    ),
    (
        "J0895",
        "deferoxamine (Desferal)",
        "iron chelation by subcutaneous pump",
        "yes",
        "Desferal prescribing information (Novartis): single-dose vials",
    ),
    (
        "J3285",
        "treprostinil (Remodulin)",
        "pulmonary arterial hypertension, subcutaneous pump",
        "no",
        "Remodulin prescribing information (United Therapeutics): multi-dose vials",
    ),
]
ASP_FILE = "shared/cms/asp/ASP_payment_limits_SCIG_and_SC_pump_drugs_2024Q1_2026Q1.csv"


def build_drugs(shared: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    asp = pd.read_csv(shared / "cms" / "asp" / "ASP_payment_limits_SCIG_and_SC_pump_drugs_2024Q1_2026Q1.csv", dtype=str)
    limits = pd.DataFrame(
        {
            "quarter": asp["quarter"],
            "hcpcs": asp["hcpcs"],
            "description": asp["short_description"],
            "dosage": asp["hcpcs_code_dosage"],
            "payment_limit": asp["payment_limit"].astype(float),
            "coinsurance_pct": asp["coinsurance_pct"].astype(float),
            "source": "CMS ASP pricing file '" + asp["source_file"] + "' (payment limit = 106% of ASP; W10-W12), "
            "copy in public repo QuicksortRx/universal-med-ids @"
            + asp["first_commit"].str[:7]
            + "; rows gathered in "
            + ASP_FILE,
        }
    )
    limits.to_csv(DATA / "medicare" / "asp_limits.csv", index=False)
    xw = pd.read_csv(
        shared / "cms" / "asp" / "ASP_NDC_HCPCS_crosswalk_Jan2026_SCIG_and_pump_drugs_excerpt.csv", dtype=str
    )
    rows = []
    for code, product, therapy, single, label in DRUGS:
        dose = limits[limits["hcpcs"] == code]["dosage"]
        if dose.empty:
            continue
        amount, unit = dose.iloc[-1].split()
        vials = sorted({int(float(u)) for u in xw[xw["_2026_CODE"] == code]["BILLUNITS"] if float(u) > 0})
        rows.append(
            {
                "hcpcs": code,
                "product": product,
                "therapy": therapy,
                "dosage_amount": float(amount),
                "dosage_unit": unit.lower(),
                "single_dose": single,
                "vial_units": " ".join(map(str, vials)),
                "source": f"HCPCS dosage: CMS ASP file {dose.iloc[-1]!r} (latest quarter in {ASP_FILE}); "
                "units per vial: CMS ASP NDC-HCPCS crosswalk January 2026 (BILLUNITS, W13); "
                f"single dose: {label}",
            }
        )
    drugs = pd.DataFrame(rows)
    drugs.to_csv(DATA / "reference" / "drugs.csv", index=False)
    return drugs, limits


DRUG_ADMIN = re.compile(r"^(963[6-7]\d|9640\d|9641[0-7]|9652[1-3])$")

RAW_PFS = [
    # (path under shared/cms, year, release label, variant, source text)
    (
        "pfs-2022-jan/PPRRVU22_JAN.csv",
        2022,
        "2022-jan",
        "all",
        "CMS PPRRVU22_JAN.csv, 2022 National PFS Relative Value File, January release, RELEASED "
        "12/15/2021 (copy from public repo Psuncode/RVU-Calculator app/data/raw/, S10)",
    ),
    (
        "pfs-2025-oct/PPRRVU2025_Oct.csv",
        2025,
        "2025-oct",
        "all",
        "CMS PPRRVU2025_Oct.csv, RVU25D, October release, RELEASED 09/11/2025 (copy from public repo "
        "alex-bea/cms_api sample_data/rvu25d_0/, S11)",
    ),
    (
        "pfs-2026-jan/PPRRVU2026_Jan_nonQPP_drug_admin_excerpt.csv",
        2026,
        "2026-jan",
        "nonqp",
        "CMS PPRRVU2026_Jan_nonQPP.csv, January release, RELEASED 12/29/2025, drug administration rows "
        "(copy from public repo namratesh/prior_authrizaton backend/data/rates/, S12)",
    ),
    (
        "found/PPRRVU2026_Jan_QPP_drug_admin_excerpt.csv",
        2026,
        "2026-jan",
        "qp",
        "CMS PPRRVU2026_Jan_QPP.csv, January release, RELEASED 12/29/2025, drug administration rows "
        "(copy from public repo namratesh/prior_authrizaton @1f5c3eb backend/data/rates/)",
    ),
]

RAW_GPCI = [
    (
        "pfs-2022-jan/GPCI2022.csv",
        "CMS Addendum E, final CY2022 GPCIs (GPCI2022.csv, copy from public repo "
        "Psuncode/RVU-Calculator app/data/raw/, S10)",
    ),
    (
        "pfs-2025-oct/GPCI2025.csv",
        "CMS Addendum E, final CY2025 GPCIs (GPCI2025.csv in the RVU25D package, copy from public repo "
        "alex-bea/cms_api, S11)",
    ),
    (
        "found/GPCI2026.csv",
        "CMS Addendum E, final CY2026 GPCIs (GPCI2026.csv, copy from public repo "
        "namratesh/prior_authrizaton @1f5c3eb); "
        "work GPCI 1.0 floor extended through 2026-01-31 by H.R.5371 s.6207 (note in the file)",
    ),
]


PFS_2024 = (
    "CMS PPRRVU24_JUL, July 2024 PFS Relative Value File (RVU24C), drug administration rows, decoded from "
    "public repo andrewallenbruce/northstar @a37fd49 pins; copy in "
    "shared/cms/pfs-2024-jul/PPRRVU24_JUL_drug_admin_decoded_from_northstar.csv (W27)"
)


def _rvus_2024(shared: Path) -> pd.DataFrame:
    r = pd.read_csv(
        shared / "cms" / "pfs-2024-jul" / "PPRRVU24_JUL_drug_admin_decoded_from_northstar.csv",
        dtype={"hcpcs_code": str, "mod": str, "pctc": str},
    )
    r = r[r["hcpcs_code"].str.match(DRUG_ADMIN) & r["mod"].isna()]
    return pd.DataFrame(
        {
            "code": r["hcpcs_code"],
            "mod": "",
            "status": r["status"],
            "work_rvu": r["rvu_work"],
            "pe_nonfac": r["rvu_non_pe"],
            "mp_rvu": r["rvu_mp"],
            "total_nonfac": r["rvu_non_sum"],
            "fac_na": r["fac_na"].astype(object).where(r["fac_na"].notna(), ""),
            "glob": r["glob"],
            "pctc": r["pctc"],
            "cf": r["cf"],
            "year": 2024,
            "release": "2024-jul",
            "release_date": "",
            "variant": "all",
            "confidence": "M",
            "source": PFS_2024,
        }
    )


def build_rvus(shared: Path) -> pd.DataFrame:
    from infusion.medicare.cms import read_pprrvu

    frames = [_rvus_2024(shared)]
    for rel, year, release, variant, source in RAW_PFS:
        df = read_pprrvu(shared / "cms" / rel)
        df = df[df["code"].str.match(DRUG_ADMIN) & (df["mod"] == "")].copy()
        df["release_date"] = df.pop("release")
        df["year"], df["release"], df["variant"] = year, release, variant
        df["confidence"], df["source"] = "H", source
        frames.append(df)
    hist = pd.read_csv(shared / "cms" / "pfs-history" / "drug_admin_rvus_2019_2024.csv", dtype={"hcpcs": str})
    hist = hist[hist["hcpcs"].str.match(DRUG_ADMIN)]
    h = pd.DataFrame(
        {
            "code": hist["hcpcs"],
            "mod": "",
            "status": "",
            "work_rvu": hist["work_rvu"],
            "pe_nonfac": hist["pe_rvu_nonfac"],
            "pe_fac": float("nan"),
            "fac_na": "",
            "mp_rvu": hist["mp_rvu"],
            "year": hist["year"],
            "release": hist["year"].astype(str) + "-oct",
            "variant": "all",
            "confidence": "M",
            "source": hist["derived_from"] + " October file, as processed by public repo "
            "Psuncode/RVU-Calculator app/data/processed/ (S10); copy in "
            "shared/cms/pfs-history/drug_admin_rvus_2019_2024.csv. The processing lost the "
            "facility NA indicator; its 2025 values match the raw CMS 2025 file",
        }
    )
    h["total_nonfac"] = (h["work_rvu"] + h["pe_nonfac"] + h["mp_rvu"]).round(2)
    frames.append(h)
    cols = [
        "year",
        "release",
        "release_date",
        "variant",
        "code",
        "status",
        "work_rvu",
        "pe_nonfac",
        "mp_rvu",
        "total_nonfac",
        "fac_na",
        "glob",
        "pctc",
        "cf",
        "confidence",
        "source",
    ]
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
    g24 = pd.read_csv(
        shared / "cms" / "pfs-2024-jul" / "GPCI2024_July_RVU24C_decoded_from_northstar.csv",
        dtype={"mac": str, "locality": str},
    )
    frames.append(
        pd.DataFrame(
            {
                "year": 2024,
                "mac": g24["mac"],
                "state": g24["state"],
                "locality": g24["locality"],
                "locality_name": g24["locality_name"],
                "pw_gpci": g24["gpci_work"],
                "pe_gpci": g24["gpci_pe"],
                "mp_gpci": g24["gpci_mp"],
                "source": "CMS 2024 GPCIs (RVU24C, July 2024), decoded from public repo "
                "andrewallenbruce/northstar @a37fd49 "
                "pfs_gpci pin; copy in shared/cms/pfs-2024-jul/GPCI2024_July_RVU24C_decoded_from_northstar.csv "
                "(W28: every value equals the CY2025 Addendum E file)",
            }
        )
    )
    out = pd.concat(frames, ignore_index=True)
    cols = [
        "year",
        "mac",
        "state",
        "locality",
        "locality_name",
        "pw_gpci",
        "pw_gpci_no_floor",
        "pe_gpci",
        "mp_gpci",
        "source",
    ]
    out = out.reindex(columns=cols)
    out.to_csv(DATA / "medicare" / "gpci.csv", index=False)
    return out


def build_zip(shared: Path) -> pd.DataFrame:
    from infusion.medicare.cms import read_zip5

    z = read_zip5(shared / "cms" / "pfs-2025-oct" / "ZIP5_OCT2025.txt")
    z["source"] = (
        "CMS ZIP code to carrier locality file ZIP5_OCT2025.txt (year/quarter 20254), "
        "copy from public repo alex-bea/cms_api sample_data/zplc_oct2025/"
    )
    z = z.reset_index(drop=True)
    z.to_parquet(DATA / "medicare" / "zip_locality.parquet", index=False, compression="zstd")
    return z


def build_opps(shared: Path) -> pd.DataFrame:
    found = shared / "cms" / "found"
    q = pd.read_csv(found / "OPPS_AddendumB_SI_rate_by_quarter_2023_2026_softek.csv", dtype=str)
    q = q[q["HCPCS"].str.match(DRUG_ADMIN)]
    # APC, weight and copays of January 2023, straight from the CMS xlsx (excerpt as CSV)
    b = pd.read_csv(
        found / "OPPS_AddendumB_2023_January_drug_admin_excerpt.csv", skiprows=3, dtype=str, encoding="utf-8"
    )
    b.columns = [c.strip() for c in b.columns]
    b = b.rename(
        columns={
            "HCPCS Code": "code",
            "APC": "apc",
            "Relative Weight": "weight",
            "Minimum Unadjusted Copayment": "min_copay",
        }
    )
    b["apc"] = b["apc"].fillna("").str.strip()
    apc2023 = b.set_index("code")[["apc", "weight", "min_copay"]]
    a = pd.read_csv(found / "OPPS_AddendumA_2025_January_excerpt.csv", skiprows=2, dtype=str)
    a = a.rename(
        columns={"APC": "apc", "Relative Weight": "weight", "Minimum Unadjusted Copayment": "min_copay"}
    ).set_index("apc")
    rows = []
    for _, r in q.iterrows():
        code, edition = r["HCPCS"], r["addendum_b_edition"]
        year = int(edition[:4])
        apc = apc2023["apc"].get(code, "")
        rec = {
            "edition": edition,
            "year": year,
            "code": code,
            "si": r["SI"],
            "payment_rate": float(r["payment_rate"]),
            "apc": apc,
            "apc_basis": "",
            "relative_weight": "",
            "min_copay": "",
            "confidence": "M",
            "source": "CMS OPPS Addendum B, " + edition + " edition, SI and payment rate as "
            "extracted by public repo softek/CMS.HCPCS sample.csv @"
            + r["softek_commit"][:7]
            + " (its 2023-01 rows match the CMS xlsx)",
        }
        if year == 2023 and apc:
            rec["apc_basis"] = "CMS Addendum B January 2023 (xlsx)"
            w = apc2023.loc[code, "weight"]
            rec["relative_weight"] = round(float(w), 4) if w and w != "." else ""
            rec["min_copay"] = apc2023.loc[code, "min_copay"]
            if edition == "2023-01":
                rec["confidence"] = "H"
                rec["source"] = (
                    "CMS OPPS Addendum B January 2023 (2023_January_Web_Addendum_B."
                    "12212022.xlsx, copy from public repo softek/CMS.HCPCS @b0e22c2)"
                )
        elif apc:
            rec["apc_basis"] = "inferred: same APC as in 2023; the rate equals that APC's rate (research-notes 3b 1d)"
            if year == 2025 and apc in a.index:
                rec["relative_weight"] = float(a.loc[apc, "weight"])
                rec["min_copay"] = a.loc[apc, "min_copay"].replace("$", "")
                rec["source"] += (
                    "; weight and copay of APC " + apc + " from CMS OPPS Addendum A "
                    "January 2025 (copy from public repo alex-bea/cms_api @b1be2ca)"
                )
        rows.append(rec)
    out = pd.DataFrame(rows)
    cms = []
    for edition, name, release in (
        (
            "2024-01",
            "Section 508 version of January_Web_2024_Addendum_B.04.24.24.csv",
            "January 2024 (04.24.24 release)",
        ),
        ("2025-10", "508 version of October 2025 Web Addendum B.10.31.25.csv", "October 2025 (10.31.25 release)"),
    ):
        b = pd.read_csv(shared / "cms" / "opps" / name, dtype=str, header=None, encoding="cp1252")
        head = next(i for i, v in b[0].items() if str(v).strip() == "HCPCS Code")
        b.columns = [str(c).strip() for c in b.iloc[head]]
        b = b.iloc[head + 1 :]
        b = b[b["HCPCS Code"].fillna("").str.match(OPPS_CODES)]
        for r in b.itertuples(index=False):
            rec = dict(zip(b.columns, r))
            rate = str(rec.get("Payment Rate") or "").replace("$", "").replace(",", "").strip()
            weight = str(rec.get("Relative Weight") or "").strip()
            copay = str(rec.get("Minimum Unadjusted Copayment") or "").replace("$", "").strip()
            cms.append(
                {
                    "edition": edition,
                    "year": int(edition[:4]),
                    "code": rec["HCPCS Code"],
                    "si": str(rec["SI"]).strip(),
                    "payment_rate": float(rate) if rate not in ("", ".") else None,
                    "apc": str(rec.get("APC") or "").strip() if str(rec.get("APC") or "") != "nan" else "",
                    "apc_basis": "CMS Addendum B " + release,
                    "relative_weight": float(weight) if weight not in ("", ".", "nan") else "",
                    "min_copay": copay if copay not in ("", ".", "nan") else "",
                    "confidence": "H",
                    "source": f"CMS OPPS Addendum B {release} ({name}; copy in public repo "
                    "QuicksortRx/universal-med-ids), shared/cms/opps/ (research notes W23-W25)",
                }
            )
    cms_df = pd.DataFrame(cms)
    out = out[~out.set_index(["edition", "code"]).index.isin(cms_df.set_index(["edition", "code"]).index)]
    out = pd.concat([out, cms_df], ignore_index=True).sort_values(["edition", "code"]).reset_index(drop=True)
    out.to_csv(DATA / "medicare" / "opps_rates.csv", index=False)
    return out


OPPS_CODES = re.compile(
    r"^(963[6-7]\d|9640\d|9641[0-7]|9652[1-3]|9960[12]|G00(6[89]|70|8[89]|90)|E0779|"
    r"J0895|J1551|J1555|J1558|J1559|J1561|J1569|J1575|J3285)$"
)


def build_opps_cap(shared: Path) -> pd.DataFrame:
    cap = pd.read_csv(shared / "cms" / "pfs-2025-oct" / "OPPSCAP_Oct.csv", dtype=str)
    cap = cap[cap["HCPCS"].str.match(DRUG_ADMIN)].copy()
    cap.columns = ["code", "mod", "procstat", "carrier", "locality", "facility_price", "nonfacility_price"]
    cap["year"] = 2025
    cap["source"] = (
        "CMS OPPSCAP_Oct.csv (2025 OPPS payment caps on PFS non-facility prices, RVU25D "
        "package, copy from public repo alex-bea/cms_api); the file has no rows for "
        "the drug administration codes, so no cap applies to them"
    )
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
    aoc, ptp = build_ncci(shared)
    print("ncci_aoc:", len(aoc), "rows; ncci_ptp:", len(ptp), "rows")
    drugs, limits = build_drugs(shared)
    print("drugs:", len(drugs), "rows; asp_limits:", len(limits), "rows")
    # the tables as built are checked against their schemas here (a run on data/ does not check them)
    from infusion.reference import validation

    for group, name in validation.tables():
        validation.check_table(group, name, always=True)
    print("schemas: every table of data/ passes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
