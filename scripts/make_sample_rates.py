#!/usr/bin/env python3
"""Write ILLUSTRATIVE negotiated-rate files in the real public formats, then extract them.

Nothing here is a real payer's rate. Rates are drawn (fixed seed) around the 2026 Medicare payment
times published commercial-to-Medicare ratios:

* professional (office) rates: HCCI, commercial professional prices average 122% of Medicare
  (S35, https://healthcostinstitute.org/hcci-research/commercial-prices-relative-to-medicare-vary-within-metro-areas-across-specialties-and-by-type-of-service),
  and the project's band of 1.2x-1.4x (research-notes.md 6.2);
* institutional (hospital outpatient) rates: RAND round 5.1, 254% of Medicare (S33,
  https://employerptp.org/studies/pt5), band 2.5x-2.7x (research-notes.md 6.2).

Every reporting entity and hospital name starts with "ILLUSTRATIVE", which the extractor turns into
``illustrative=True``; reports and charts label these rates as illustrative.

Writes data/samples/tic/*.json[.gz], data/samples/hospital/*.csv and
data/benchmarks/sample_rates.parquet. Usage: python scripts/make_sample_rates.py [--seed 20261128]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

from infusion.medicare.payment import opps_rate, payment  # noqa: E402
from infusion.rates.extract import extract_files  # noqa: E402

YEAR = 2026
FAMILY = ["96369", "96370", "96371"]
OTHER = ["96360", "96361", "96365", "96366", "96372", "96374"]  # decoys: the filter must skip them
PRO_BAND = (1.2, 1.4)  # HCCI 122% (S35); research-notes 6.2
INST_BAND = (2.5, 2.7)  # RAND 5.1 254% (S33); research-notes 6.2
PAYERS = [
    # (file stem, reporting entity, issuer, plan, schema, gzip)
    (
        "aetna",
        "ILLUSTRATIVE Aetna Life Insurance Company",
        "Aetna",
        "ILLUSTRATIVE Aetna Open Access PPO",
        "2.0.0",
        False,
    ),
    ("bcbs", "ILLUSTRATIVE Anthem Blue Cross", "Anthem Blue Cross", "ILLUSTRATIVE Anthem PPO", "2.0.0", True),
    (
        "cigna",
        "ILLUSTRATIVE Cigna Health and Life Insurance Company",
        "Cigna",
        "ILLUSTRATIVE Cigna OAP",
        "1.0.0",
        False,
    ),
    (
        "uhc",
        "ILLUSTRATIVE United HealthCare Services, Inc.",
        "UnitedHealthcare",
        "ILLUSTRATIVE UHC Choice Plus",
        "2.0.0",
        True,
    ),
]


def medicare(code: str) -> tuple[float, float | None]:
    pro = payment(code, YEAR).per_unit
    inst = opps_rate(code, YEAR).payment_rate
    return pro, inst


def provider_groups(rng: np.random.Generator, n: int) -> list[dict]:
    out = []
    for i in range(n):
        npis = sorted({int(rng.integers(1_000_000_000, 1_999_999_999)) for _ in range(int(rng.integers(1, 6)))})
        out.append(
            {
                "npi": npis,
                "tin": {
                    "type": "ein",
                    "value": f"{90 + i:02d}-{int(rng.integers(1e6, 9e6)):07d}",
                    "business_name": f"ILLUSTRATIVE Infusion Group {i + 1}",
                },
            }
        )
    return out


def tic_file(rng: np.random.Generator, stem: str, entity: str, issuer: str, plan: str, schema: str) -> dict:
    mult_pro = rng.uniform(*PRO_BAND)
    mult_inst = rng.uniform(*INST_BAND)
    n_refs = 6
    refs = [
        {
            "provider_group_id": i + 1,
            "network_name": [f"ILLUSTRATIVE {issuer} network"],
            "provider_groups": provider_groups(rng, 2),
        }
        for i in range(n_refs)
    ]
    if stem == "uhc":  # one remote provider reference: reported as unsupported
        refs.append(
            {"provider_group_id": 99, "location": "https://example.invalid/illustrative-provider-reference.json"}
        )
    items = []
    for code in FAMILY + OTHER:
        pro, inst = medicare(code)
        rates = []
        for ref_id in range(1, n_refs + 1):
            prices = [
                {
                    "negotiated_type": "negotiated",
                    "negotiated_rate": round(float(pro * mult_pro * rng.lognormal(0, 0.18)), 2),
                    "expiration_date": "9999-12-31",
                    "service_code": ["11"],
                    "billing_class": "professional",
                    "setting": "outpatient",
                }
            ]
            if inst is not None:
                prices.append(
                    {
                        "negotiated_type": "fee schedule",
                        "negotiated_rate": round(float(inst * mult_inst * rng.lognormal(0, 0.15)), 2),
                        "expiration_date": "9999-12-31",
                        "billing_class": "institutional",
                        "setting": "outpatient",
                    }
                )
            nr = {"negotiated_prices": prices}
            if schema.startswith("1."):
                nr["provider_groups"] = refs[ref_id - 1]["provider_groups"]
            else:
                nr["provider_references"] = [ref_id]
            rates.append(nr)
        if code == "96370":
            # a percentage-of-charges rate (not dollars), an implausible rate, and a duplicate
            rates.append(
                {
                    "negotiated_prices": [
                        {
                            "negotiated_type": "percentage",
                            "negotiated_rate": 80,
                            "expiration_date": "9999-12-31",
                            "billing_class": "professional",
                            "setting": "outpatient",
                            "service_code": ["11"],
                        }
                    ],
                    **(
                        {"provider_groups": refs[0]["provider_groups"]}
                        if schema.startswith("1.")
                        else {"provider_references": [1]}
                    ),
                }
            )
            rates.append(
                {
                    "negotiated_prices": [
                        {
                            "negotiated_type": "negotiated",
                            "negotiated_rate": round(pro * 45, 2),
                            "expiration_date": "9999-12-31",
                            "billing_class": "professional",
                            "setting": "outpatient",
                            "service_code": ["11"],
                        }
                    ],
                    **(
                        {"provider_groups": refs[1]["provider_groups"]}
                        if schema.startswith("1.")
                        else {"provider_references": [2]}
                    ),
                }
            )
            rates.append(json.loads(json.dumps(rates[0])))
            if stem == "uhc":
                rates.append(
                    {"negotiated_prices": [dict(rates[0]["negotiated_prices"][0])], "provider_references": [99]}
                )
        items.append(
            {
                "negotiation_arrangement": "ffs",
                "name": f"ILLUSTRATIVE service {code}",
                "billing_code_type": "CPT",
                "billing_code_type_version": str(YEAR),
                "billing_code": code,
                "description": "ILLUSTRATIVE: see data/reference/codes.csv for the code's meaning",
                "negotiated_rates": rates,
            }
        )
    doc = {
        "reporting_entity_name": entity,
        "reporting_entity_type": "health insurance issuer",
        "plan_name": plan,
        "plan_id_type": "hios",
        "plan_id": f"{int(rng.integers(10000, 99999))}",
        "plan_market_type": "group",
        "issuer_name": issuer,
        "last_updated_on": f"{YEAR}-11-01",
        "version": schema,
    }
    if not schema.startswith("1."):
        doc["provider_references"] = refs
    doc["in_network"] = items
    return doc


SAMPLE_NOTE = (
    "ILLUSTRATIVE sample, not a real hospital's charges: generated by "
    "scripts/make_sample_rates.py; source of the multipliers: RAND round 5.1 (S33)"
)


def hospital_csv(rng: np.random.Generator, path: Path) -> None:
    general = [
        "hospital_name",
        "last_updated_on",
        "version",
        "location_name",
        "hospital_address",
        "license_number|TX",
        "type_2_npi",
        "To the best of its knowledge and belief, this hospital has included all applicable standard charge information in accordance with the requirements of 45 CFR 180.50, and the information encoded is true, accurate, and complete as of the date in the file.",
        "attester_name",
    ]
    values = [
        "ILLUSTRATIVE General Hospital",
        f"{YEAR}-11-01",
        "3.0.0",
        "ILLUSTRATIVE General Hospital",
        "1 Sample Way, Austin, TX 78701",
        "000000",
        "0000000000",
        "TRUE",
        "ILLUSTRATIVE Attester",
    ]
    header = [
        "description",
        "code | 1",
        "code | 1 | type",
        "code | 2",
        "code | 2 | type",
        "setting",
        "standard_charge | gross",
        "standard_charge | discounted_cash",
        "payer_name",
        "plan_name",
        "modifiers",
        "standard_charge | negotiated_dollar",
        "standard_charge | negotiated_percentage",
        "standard_charge | negotiated_algorithm",
        "median_amount",
        "10th_percentile",
        "90th_percentile",
        "count",
        "standard_charge | min",
        "standard_charge | max",
        "standard_charge | methodology",
        "additional_generic_notes",
    ]
    payers = [
        ("Aetna", "Choice POS II"),
        ("Blue Cross and Blue Shield of Texas", "Blue Choice PPO"),
        ("Cigna", "Open Access Plus"),
        ("UnitedHealthcare", "Choice Plus"),
        ("Medicare Advantage Plan", "HMO"),
        ("Regional Health Cooperative", "EPO"),
    ]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(general)
        w.writerow(values)
        w.writerow(header)
        for code in FAMILY + OTHER:
            _, inst = medicare(code)
            if inst is None:
                continue
            gross = round(inst * 4.0, 2)
            for payer, plan in payers:
                mult = rng.uniform(*INST_BAND)
                dollar = round(float(inst * mult * rng.lognormal(0, 0.12)), 2)
                w.writerow(
                    [
                        f"ILLUSTRATIVE charge line {code}",
                        "0260",
                        "RC",
                        code,
                        "CPT",
                        "outpatient",
                        gross,
                        round(gross * 0.6, 2),
                        payer,
                        plan,
                        "",
                        dollar,
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "fee schedule",
                        SAMPLE_NOTE,
                    ]
                )
            w.writerow(
                [
                    f"ILLUSTRATIVE charge line {code}",
                    "0260",
                    "RC",
                    code,
                    "CPT",
                    "outpatient",
                    gross,
                    round(gross * 0.6, 2),
                    "Regional Health Cooperative",
                    "Percent plan",
                    "",
                    "",
                    55,
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "percent of total billed charges",
                    SAMPLE_NOTE,
                ]
            )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=20261128)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    os.chdir(ROOT)  # file names in the table and manifest are relative to the repository
    tic_dir = Path("data") / "samples" / "tic"
    hosp_dir = Path("data") / "samples" / "hospital"
    tic_dir.mkdir(parents=True, exist_ok=True)
    hosp_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for stem, entity, issuer, plan, schema, gz in PAYERS:
        doc = tic_file(rng, stem, entity, issuer, plan, schema)
        text = json.dumps(doc, indent=1).encode()
        path = tic_dir / f"illustrative_{stem}_in-network-rates.json{'.gz' if gz else ''}"
        if gz:
            with gzip.GzipFile(path, "wb", mtime=0) as fh:
                fh.write(text)
        else:
            path.write_bytes(text)
        files.append(path)
    hpath = hosp_dir / "illustrative_000000000_general-hospital_standardcharges.csv"
    hospital_csv(rng, hpath)
    files.append(hpath)
    out = Path("data") / "benchmarks" / "sample_rates.parquet"
    res = extract_files(files, out, jobs=1, progress=False)
    print(f"{len(files)} illustrative files -> {out}: {res.rows} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
