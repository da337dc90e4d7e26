"""Issue 27: real negotiated rates, each under the right payer, line of business, network and setting.

The figures below were read by hand from the files in ``shared/real-files/hpt`` (a text editor for
the CSVs and JSON, the cells for the workbooks; their lines are cited), not from this project's
reader.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from infusion.errors import DataError
from infusion.rates.extract import extract_file, extract_files
from infusion.rates.summary import summarize
from infusion.reference import payers
from infusion.reference.payers import classify
from infusion.workbook import publication as pub
from shared_files import REAL_FILES

HPT = REAL_FILES / "hpt"
ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
FAMILY = ["96369", "96370", "96371", "96372"]
MARSHALL = "010005_marshall-medical-center-south_standardcharges_EXCERPT-9636x.csv"
MGH = "mgh__042697983_Massachusetts-General-Hospital_StandardCharges_EXCERPT-9636x.csv"
UW = "uw-medical-center__916001537_university-of-washington-medical-center_standardcharges_EXCERPT-9636x.json"
LOS_BANOS = "941156621-1366896300_MEMORIAL-HOSPITAL-LOS-BANOS_standardcharges.csv"
SUTTER = [
    LOS_BANOS,
    "940562680-1104059153_NOVATO-COMMUNITY-HOSPITAL_standardcharges.csv",
    "942988520-1700960267_SUTTER-COAST-HOSPITAL_standardcharges.csv",
]


def _rows(name: str, code: str = "96369") -> pd.DataFrame:
    df = extract_file(HPT / name, FAMILY).frame()
    return df[(df["billing_code"] == code) & df["payer_name"].notna()]


def _one(df: pd.DataFrame, payer: str, plan: str | None = None) -> pd.Series:
    hit = df[(df["payer_name"] == payer) & ((df["plan_name"] == plan) if plan is not None else True)]
    assert len(hit) >= 1, (payer, plan)
    return hit.iloc[0]


# 1. Medicare Advantage is not commercial
def test_marshall_medicare_advantage_columns():
    df = _rows(MARSHALL)
    aetna = _one(df, "MCR AETNA ADVANTAGE OP")  # standard_charge|MCR_AETNA_ADVANTAGE_OP|MTO_1: 185.20
    assert (aetna["payer_family"], aetna["line_of_business"], aetna["rate"]) == ("aetna", "medicare_advantage", 185.2)
    blue = _one(df, "Blue Advantage Recurring")  # Blue_Advantage_Recurring|M4R: 181.57
    assert (blue["payer_family"], blue["line_of_business"], blue["rate"]) == ("bcbs", "medicare_advantage", 181.57)
    spring = _one(df, "Healthsprings Outpatient")  # Healthsprings_Outpatient|MSO: 134.67
    assert (spring["payer_family"], spring["line_of_business"], spring["rate"]) == (
        "cigna",
        "medicare_advantage",
        134.67,
    )
    commercial = df[df["line_of_business"] == "commercial"]
    assert set(commercial["rate"]) == {582.62, 157.72, 322.0, 65.0}  # BCBS, BCBS "_2" plans, UHC/UMR, Cigna 65%
    assert classify("KelseyCare MedicareAdvantage", "Outpatient").line_of_business == "medicare_advantage"


# 2. traditional Medicare, and plans that say commercial
def test_mgh_medicare_itself_and_its_commercial_plans():
    df = _rows(MGH)
    medicare = _one(df, "MEDICARE [2001]", "HB MGH MEDICARE")  # 250.18, the OPPS rate (both settings)
    assert (medicare["payer_family"], medicare["line_of_business"], medicare["rate"]) == (
        "medicare",
        "medicare",
        250.18,
    )
    blue = _one(df, "BLUE CROSS BLUE SHIELD [110001]", "HB MGH MEDICARE")  # a Blue plan's Medicare plan
    assert (blue["payer_family"], blue["line_of_business"]) == ("bcbs", "medicare_advantage")
    hmo = _one(df, "MGB HEALTH PLAN [150001]", "HB AMC MGBHP COMMERCIAL HMO")
    assert (hmo["line_of_business"], hmo["rate"]) == ("commercial", 809.57)


# 3 and 4. the plan's words decide before the payer's name; the v3 template's plan words
def test_uw_plan_words_decide():
    df = _rows(UW)
    amerigroup = _one(df, "Amerigroup", "Medicare Managed Care Plan")
    assert (amerigroup["line_of_business"], amerigroup["rate"]) == ("medicare_advantage", 246.31)
    aetna = _one(df, "Aetna", "All Commercial Plans")
    assert (aetna["payer_family"], aetna["line_of_business"], aetna["rate"]) == ("aetna", "commercial", 758.32)
    assert classify("Embright", "Other Commercial Plan").line_of_business == "commercial"
    assert classify("Unitedhealthcare", "All Commercial Plans") == payers.PayerClass("uhc", "commercial")


# 5. "United" with a plan word is UnitedHealthcare; 6. Medi-Cal is Medicaid
def test_sutter_united_is_unitedhealthcare_and_medi_cal_is_medicaid():
    united = pd.concat([_rows(f, c) for f in SUTTER for c in ("96369", "96370", "96371")])
    united = united[united["payer_name"].str.startswith("United")]
    assert set(united["payer_family"]) == {"uhc"}
    in_net = united[(united["network"] == "in-network") & (united["line_of_business"] == "commercial")]
    # United PPO, HMO / POS and Signature Value Alliance cells with an amount, 96369-96371, IP and OP rows,
    # counted in the files with the csv module: Los Banos 18, Novato 9, Sutter Coast 18
    assert len(in_net) == 45
    assert classify("Anthem Medi-Cal") == payers.PayerClass("bcbs", "medicaid_managed_care")
    assert classify("Health Net Medi-Cal / California Health & Wellness").line_of_business == "medicaid_managed_care"
    assert classify("Medi-Cal").line_of_business == "medicaid"  # the state program itself
    assert classify("Blue Shield", "Uniform Medical Plan Other Commercial Plan").line_of_business == "commercial"


# 7. out-of-network amounts are typed apart and never a negotiated benchmark
def test_out_of_network_amounts_are_kept_but_never_benchmarked(tmp_path):
    df = _rows(LOS_BANOS)
    op = df[df["setting"] == "outpatient"]
    # line 12114 (OP-52000033): Aetna OON 337.84, OON emergency 313.12, HMO/PPO 309.00
    got = {r.payer_name: (r.network, r.rate) for r in op.itertuples() if r.payer_name.startswith("Aetna")}
    assert got == {
        "Aetna Commercial Out of Network": ("out-of-network", 337.84),
        "Aetna Commercial Out of Network - Emergency Services": ("out-of-network emergency", 313.12),
        "Aetna HMO/PPO": ("in-network", 309.0),
    }
    out = tmp_path / "r.parquet"
    extract_files([HPT / f for f in SUTTER], out, codes=["96369"], progress=False)
    s = summarize(out, "96369", 2026)
    assert not s.rates["payer_name"].str.contains("Out of Network").any()
    why = dict(zip(s.excluded["reason"], s.excluded["n"]))
    assert (
        why["out-of-network amount (not a negotiated rate)"]
        == why["out-of-network emergency amount (not a negotiated rate)"]
        > 0
    )


# 8. the file's setting column is read; an outpatient code's benchmark uses outpatient rates
def test_sutter_service_setting_is_read_and_inpatient_rates_are_left_out(tmp_path):
    df = _rows(LOS_BANOS)
    shield = df[df["payer_name"] == "Blue Shield HMO / PPO"].set_index("setting")["rate"].to_dict()
    assert shield == {"inpatient": 341.96, "outpatient": 350.2}  # lines 4242 and 12114
    out = tmp_path / "r.parquet"
    extract_files([HPT / LOS_BANOS], out, codes=["96369"], progress=False)
    s = summarize(out, "96369", 2026)
    kept = s.rates[s.rates["payer_name"] == "Blue Shield HMO / PPO"]
    assert list(kept["rate"]) == [350.2] and set(s.rates["setting"]) == {"outpatient"}
    assert "inpatient contract (the code is billed on outpatient claims)" in set(s.excluded["reason"])


def test_setting_in_the_name_narrows_the_files_both():
    df = _rows("md-anderson__74-6001118_MD%20Anderson%20Cancer%20Center_StandardCharges_EXCERPT-9636x.csv", "96370")
    aetna = df[df["payer_name"] == "Aetna"].set_index("plan_name")["setting"].to_dict()
    assert aetna["HMO Inpatient"] == "inpatient" and aetna["HMO Outpatient"] == "outpatient"
    assert aetna["SCT"] == "both"  # the file's own setting where the name says none


# 9. columns that are not prices are never rates
def test_oshpd_chargemaster_gl_and_nrv_are_not_rates():
    ex = extract_file(HPT / "106150782_CDM_2018.xls", FAMILY)
    df = ex.frame()
    r = df[df["billing_code"] == "96369"]  # row 08187: GL 4010, NRV 0450, IP 456, OP 456
    assert sorted(zip(r["negotiated_type"], r["setting"], r["rate"])) == [
        ("gross charge", "inpatient", 456.0),
        ("gross charge", "outpatient", 456.0),
    ]
    assert df["payer_name"].isna().all() and not (df["rate"] == 4010).any() and not (df["rate"] == 450).any()
    roles = {k.split(": ", 1)[1]: v for k, v in ex.columns.items()}
    assert roles["GL"] == "not read" and roles["NRV"] == "not read"
    assert roles["Charge (Inpatient)"] == roles["Charge (Outpatient)"] == "gross charge"


# 10. the chart and the table come from the same rows
def test_publication_table_chart_and_list_share_their_rows():
    p = pub.validate_params("96370", 2026, ["aetna", "bcbs", "cigna", "uhc", "medicare"], None, None)
    b = pub.commercial_benchmarks(p)
    assert "ILLUSTRATIVE" not in b.note and b.rates is not None
    points = sorted(y for trace in b.figure.data for y in trace.y)
    listed = sorted(float(a.replace("$", "").replace(",", "")) for a in b.rates["amount"])
    assert points == listed and int(b.table["n"].sum()) == len(b.rates)
    for trace in b.figure.data:  # each box says its n, the table's n for that line
        payer, n = trace.name.rsplit(" (n=", 1)
        assert int(n[:-1]) == int(b.table.loc[b.table["payer"] == payer, "n"].iloc[0])
    assert max(points) < 20 * 47.84  # no implausible point that the table leaves out


def test_publication_benchmark_is_real_and_cited():
    p = pub.validate_params("96369", 2026, ["aetna", "bcbs", "cigna", "uhc", "medicare"], None, None)
    b = pub.commercial_benchmarks(p)
    t = b.table.set_index("payer")
    assert list(t.index) == ["Aetna", "BCBS", "Cigna", "UnitedHealthcare", "Other", "Medicare Advantage (all payers)"]
    assert (t["n"] > 0).all() and t.loc["Aetna", "states"] == "CA, WA"
    assert "OPPS rate $217.31" in b.note and "not wage-adjusted" in b.note
    r = b.rates
    uw = r[
        (r["hospital"] == "University of Washington Medical Center")
        & (r["payer"] == "Aetna")
        & (r["line of business"] == "commercial")
    ]
    assert list(uw["amount"]) == ["$758.32"] and list(uw["file date"]) == ["2026-04-01"]
    assert r["file"].str.len().gt(0).all() and r["hospital"].notna().all()
    assert not r["payer"].str.contains("Out of Network").any()
    assert set(r["line of business"]) == {"commercial", "Medicare Advantage"}
    assert b.sources == ("real_rates.parquet", "real_rate_files.csv")


def test_publication_payer_without_rates_says_not_available_and_what_would_fill_it(tmp_path):
    out = tmp_path / "r.parquet"
    extract_files([HPT / UW], out, codes=["96371"], progress=False)
    p = pub.validate_params("96371", 2026, ["aetna", "cigna"], None, str(out))
    t = pub.commercial_benchmarks(p).table.set_index("payer")
    assert t.loc["Cigna", "n"] == 0 and t.loc["Cigna", "median"] == "data not available"
    assert "hospital standard-charge file" in t.loc["Cigna", "would fill it"]


def test_illustrative_sample_is_a_named_demo_option():
    p = pub.validate_params("96370", 2026, ["aetna", "cigna"], None, "illustrative")
    b = pub.commercial_benchmarks(p)
    assert "ILLUSTRATIVE" in b.note and set(b.table["payer"]) >= {"Aetna", "Cigna"}
    assert b.figure.layout.title.text.startswith("ILLUSTRATIVE")
    assert b.sources == ("sample_rates.parquet (illustrative)",)


# 11. a claim line without its own date takes the claim's (Tuva's institutional lines)
def test_tuva_lines_without_a_date_take_the_claims(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "infusion",
            "audit",
            str(REAL_FILES / "claims" / "tuva_demo_medical_claim.csv"),
            "--out",
            str(tmp_path / "f.csv"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "1157 line(s) with no line date of service took their claim's date (claim_start_date)" in proc.stderr
    rejects = pd.read_csv(tmp_path / "f.rejects.csv")
    assert not rejects["reason"].str.contains("date_of_service").any()


# every payer/plan name with a 96369-96372 rate in the real files, labelled by hand
def test_every_real_payer_name_has_the_family_and_line_a_person_gives_it():
    """``data/payer_names_real.csv`` lists each payer/plan pair of the shipped real rates with the
    family, line of business, network and setting a person gives it (each row read against the
    payer's own description of the plan); the classifier must agree on every one, and a new name in
    the data must be added to the list."""
    with open(DATA / "payer_names_real.csv", newline="", encoding="utf-8") as fh:
        want = {
            (r["payer"], r["plan"]): (r["family"], r["line_of_business"], r["network"], r["setting"] or None)
            for r in csv.DictReader(fh)
        }
    df = pd.read_parquet(ROOT / "data" / "benchmarks" / "real_rates.parquet")
    have = set(zip(df["payer_name"].dropna(), df.loc[df["payer_name"].notna(), "plan_name"].fillna("")))
    assert have == set(want)
    wrong = {
        k: (tuple(classify(*k).__dict__.values()), v)
        for k, v in want.items()
        if tuple(classify(*k).__dict__.values()) != v
    }
    assert wrong == {}


def test_held_out_hospital_names_are_labelled_right():
    """Payer/plan names of three hospitals whose files this project does not read (Johns Hopkins,
    Brigham and Women's Faulkner, CPMC Van Ness; lkowalcz/hospital-price-history, 2026), labelled by
    hand before the classifier was run on them. 68 of 69 agreed then; the miss ('Ehp / Employee')
    added the word 'employee'. The bar is the issue's: at least 98%."""
    with open(DATA / "payer_names_heldout.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    labels = [classify(r["payer"], r["plan"]) for r in rows]
    right = sum((c.family, c.line_of_business) == (r["family"], r["line_of_business"]) for c, r in zip(labels, rows))
    assert len(rows) == 69 and right / len(rows) >= 0.98


def test_unmatched_names_stay_unknown_never_guessed():
    for name in ("Health Mgmt", "Zorblax Benefits", "UC Health"):
        assert classify(name) == payers.PayerClass("other", "unknown")


@pytest.mark.parametrize(
    "row, message",
    [
        ({"pattern": "(unclosed"}, "line 2: column 'pattern': not a regular expression"),
        ({"family": "kaiser"}, "line 2: column 'family': 'kaiser' is not one of"),
        ({"source": ""}, "line 2: column 'source' is empty"),
    ],
)
def test_a_bad_row_of_the_payer_table_is_named(tmp_path, monkeypatch, row, message):
    base = {
        "order": "1",
        "kind": "brand",
        "pattern": "acme",
        "family": "other",
        "line_of_business": "",
        "network": "",
        "setting": "",
        "note": "x",
        "source": "a source of ten characters",
    }
    (tmp_path / "reference").mkdir()
    with open(tmp_path / "reference" / "payer_names.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, list(base))
        w.writeheader()
        w.writerow({**base, **row})
    monkeypatch.setattr(payers, "data_file", lambda *parts: tmp_path.joinpath(*parts))
    payers._rows.cache_clear()
    payers.classify.cache_clear()
    try:
        with pytest.raises(DataError, match=message.replace("(", r"\(")):
            payers.classify("Acme")
    finally:
        payers._rows.cache_clear()
        payers.classify.cache_clear()


# the shipped table: built by the script, from the sidecar's files, facts only
def test_shipped_real_rates_rebuild_identically(tmp_path):
    out = tmp_path / "real_rates.parquet"
    proc = subprocess.run(
        [sys.executable, "scripts/build_real_rates.py", "--files", str(HPT), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    shipped = pd.read_parquet(ROOT / "data" / "benchmarks" / "real_rates.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(out), shipped)
    with open(ROOT / "data" / "benchmarks" / "real_rate_files.csv", newline="") as fh:
        listed = {r["file"] for r in csv.DictReader(fh)}
    assert set(shipped["source_file"]) == listed  # every row's file is in the sidecar, with its address
    assert shipped["last_updated"].notna().mean() > 0.9 and shipped["reporting_entity"].notna().all()
    manifest = json.loads((ROOT / "data" / "benchmarks" / "real_rates.parquet.manifest.json").read_text())
    assert manifest["complete"] and all(f["status"] == "ok" for f in manifest["files"])


def test_build_script_keeps_the_last_good_table_when_a_file_is_missing(tmp_path):
    out = tmp_path / "real_rates.parquet"
    out.write_bytes(b"last good")
    proc = subprocess.run(
        [sys.executable, "scripts/build_real_rates.py", "--files", str(tmp_path), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 2 and "listed file(s) not in" in proc.stderr
    assert out.read_bytes() == b"last good"
