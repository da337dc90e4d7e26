"""Issue 29: the whole claim. Medicare's NCCI edits as data, OPPS packaging by status indicator, the
drug line beside the administration lines, and the engine's gaps (sites, dates per line, payers,
inpatient stays, home codes as lines, an SC injection beside an infusion).

Expected figures are worked out by hand from the CMS files in shared/ (read here in place where a
test can), never taken from the engine.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from infusion.coding.drugs import least_waste
from infusion.coding.engine import code_encounter
from infusion.errors import InputError
from infusion.medicare.drugs import drug_payment
from infusion.medicare.payment import price_result
from infusion.workbook import whole_claim
from shared_files import SHARED

ROOT = Path(__file__).resolve().parents[2]
ENCOUNTERS = ROOT / "data" / "encounters"
HIZENTRA = {"product": "Hizentra", "dose": "10.25 g", "vials": ["10 g", "1 g"]}


def lines(result) -> list[tuple[str, int, tuple[str, ...]]]:
    return [(ln.code, ln.units, ln.modifiers) for ln in result.lines]


def cms_limit(code: str) -> float:
    """The payment limit of ``code`` in CMS's January 2026 payment limit file, read as published."""
    path = SHARED / "cms" / "asp" / "section 508 version of January 2026 Medicare Part B Payment Limit File 121725.csv"
    for row in csv.reader(path.open(encoding="latin-1")):
        if row and row[0] == code:
            return float(row[3])
    raise AssertionError(f"{code} not in the CMS file")


def cms_bill_units(code: str) -> set[int]:
    """Billing units per package of ``code`` in CMS's January 2026 NDC-HCPCS crosswalk."""
    path = SHARED / "cms" / "asp" / "section 508 version of January 2026 ASP NDC-HCPCS Crosswalk 121725.csv"
    return {int(float(r[8])) for r in csv.reader(path.open(encoding="latin-1")) if r and r[0] == code}


# ----------------------------------------------------------------------------- done when


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "infusion", *args], capture_output=True, text=True, timeout=120)


def test_hizentra_office_visit_from_a_file_gives_the_drug_lines_with_payment_and_source():
    """10.25 g from a 10 g and a 1 g vial (110 units opened) over 95 minutes, January 2026: 96369 x1,
    96370 x1, J1559 x103 (102.5 rounded up, W14) and J1559-JW x7, adding up to 110 (W13)."""
    out = run_cli(
        "code", "--file", str(ENCOUNTERS / "hizentra_office_2026-01.yaml"), "--price", "--year", "2026", "--json"
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    got = [(ln["code"], ln["units"], ln["modifiers"], ln["date"]) for ln in data["lines"]]
    assert got == [
        ("96369", 1, [], "2026-01-15"),
        ("96370", 1, [], "2026-01-15"),
        ("J1559", 103, [], "2026-01-15"),
        ("J1559", 7, ["JW"], "2026-01-15"),
    ]
    assert 103 + 7 == 100 + 10  # a 10 g vial (100 units) and a 1 g vial (10 units), CMS crosswalk
    assert {10, 100} <= cms_bill_units("J1559")
    limit = cms_limit("J1559")  # 14.543 per 100 mg, Q1 2026
    drug = [ln["payment"] for ln in data["lines"][2:]]
    assert [d["amount"] for d in drug] == [round(103 * limit, 2), round(7 * limit, 2)]
    assert all(d["quarter"] == "2026-Q1" and "January 2026" in d["source"] for d in drug)
    admin = data["lines"][0]["payment"]
    assert admin["per_unit"] == 144.96 and any("PPRRVU2026" in s for s in admin["sources"])
    text = run_cli("code", "--file", str(ENCOUNTERS / "hizentra_office_2026-01.yaml"), "--price", "--year", "2026")
    assert "Payment sources:" in text.stdout and "J1559: CMS ASP pricing file" in text.stdout


def test_the_same_visit_with_nothing_discarded_is_one_line_with_jz():
    r = code_encounter(json.loads(json.dumps({**_yaml(ENCOUNTERS / "hizentra_office_2026-01_no_waste.yaml")})))
    assert lines(r)[2:] == [("J1559", 100, ("JZ",))]


def _yaml(path: Path) -> dict:
    from infusion.yamlio import load_yaml_file

    return load_yaml_file(path, "file")


# ----------------------------------------------------------------------------- drug lines


@pytest.mark.parametrize(
    "drug, units",
    [
        ({"product": "Cuvitru", "dose": "7.3 g"}, 73),  # 100 mg units: exact
        ({"code": "J1559", "dose": "9.96 g"}, 100),  # 99.6 rounded up (W14)
        ({"product": "Gammagard Liquid", "dose": "10 g"}, 20),  # J1569: 500 mg units
        ({"product": "deferoxamine", "dose": "2000 mg"}, 4),  # J0895: 500 mg units
        ({"product": "HyQvia", "dose": "30 g"}, 300),
        ({"product": "treprostinil", "dose": "2.5 mg"}, 3),  # J3285: 1 mg units
    ],
)
def test_d_units_is_the_dose_in_the_code_dosage_rounded_up(drug, units):
    r = code_encounter({"segments": [{"minutes": 70}], "drug": drug, "date": "2026-01-15"})
    drug_line = [ln for ln in r.lines if ln.code.startswith("J")][0]
    assert drug_line.units == units and "D-UNITS" in drug_line.rules


def test_d_waste_needs_the_vials_and_only_for_single_dose_containers():
    no_vials = code_encounter({"segments": [{"minutes": 70}], "drug": {"product": "Hizentra", "dose": "10 g"}})
    assert lines(no_vials)[1:] == [("J1559", 100, ())]
    assert any(f.rule == "D-WASTE" and f.severity == "warning" and "vials" in f.message for f in no_vials.findings)
    multi = code_encounter(
        {"segments": [{"minutes": 70}], "drug": {"product": "treprostinil", "dose": "2.5 mg", "vials": ["20 mg"]}}
    )
    assert lines(multi)[1:] == [("J3285", 3, ())]  # multi-dose vial: no JW, no JZ
    before = code_encounter(
        {
            "segments": [{"minutes": 70}],
            "date": "2023-06-30",
            "drug": {"product": "Hizentra", "dose": "10 g", "vials": ["10 g"]},
        }
    )
    assert lines(before)[1:] == [("J1559", 100, ())]  # JZ from 1 July 2023


@pytest.mark.parametrize(
    "drug, message",
    [
        ({"product": "Hizentra", "dose": "12 g", "vials": ["10 g"]}, "less than the 120 units"),
        ({"product": "Hizentra", "dose": "1 g", "vials": ["1.05 g"]}, "vials hold whole units"),
        ({"product": "Hizentra", "dose": "ten grams"}, "is not an amount"),
        ({"product": "Octagam", "dose": "10 g"}, "is not a drug in data/reference/drugs.csv"),
        ({"product": "Hizentra", "dose": "10 g", "lot": "x"}, "unknown field"),
    ],
)
def test_bad_drug_input_names_the_field(drug, message):
    with pytest.raises(InputError, match=message) as e:
        code_encounter({"segments": [{"minutes": 70}], "drug": drug})
    assert e.value.field.startswith("drug")


def test_least_waste_is_noridians_example():
    """W15: two 1 g vials (4 units of J1569) rather than one 2.5 g vial (5 units); 10.25 g of
    Hizentra: a 10 g and a 1 g vial (110), never 5 x 4 g."""
    assert least_waste(4, (2, 5, 10, 20, 40, 60)) == (2, 2)
    assert least_waste(103, (10, 20, 40, 100)) == (100, 10)
    assert least_waste(0, (10,)) == () and least_waste(5, ()) == ()


def test_d_dme_self_infusion_bills_the_pump_and_the_least_waste_packages_with_jb_jz():
    r = code_encounter(
        {
            "pos": "12",
            "self_administered": True,
            "payer": "medicare",
            "date": "2026-01-15",
            "segments": [{"minutes": 60}],
            "drug": {"product": "Hizentra", "dose": "10.25 g"},
        }
    )
    assert lines(r) == [("E0779", 1, ("JB",)), ("J1559", 110, ("JB", "JZ"))]
    assert not [f for f in r.findings if f.rule == "U-MUE"]  # DME supplier MUEs: E0779 1, J1559 2400
    wasteful = code_encounter(
        {
            "claim": "dme",
            "pos": "12",
            "date": "2026-01-15",
            "segments": [{"minutes": 60}],
            "drug": {"product": "Hizentra", "dose": "10.25 g", "vials": ["4 x 4 g"]},
        }
    )
    assert lines(wasteful)[1] == ("J1559", 160, ("JB", "JZ"))
    assert any(
        f.rule == "D-DME" and "least-waste combination" in f.message and "110" in f.message for f in wasteful.findings
    )
    before = code_encounter(
        {
            "claim": "dme",
            "pos": "12",
            "date": "2023-10-02",
            "segments": [{"minutes": 60}],
            "drug": {"product": "Hizentra", "dose": "10 g"},
        }
    )
    assert lines(before)[1] == ("J1559", 100, ("JB",))  # DME: JZ from 2024 (S53)


def test_drug_line_over_its_mue_is_flagged():
    r = code_encounter({"segments": [{"minutes": 70}], "drug": {"product": "Hizentra", "dose": "250 g"}})
    mue = [f for f in r.findings if f.rule == "U-MUE"]
    assert len(mue) == 1 and mue[0].code == "J1559" and "MUE of 2400" in mue[0].message


def test_drug_payment_by_quarter_and_not_available_outside_the_files():
    assert drug_payment("J1559", 100, 2026, dt.date(2026, 2, 1)).amount == round(100 * cms_limit("J1559"), 2)
    q = drug_payment("J1559", 1, 2024, dt.date(2024, 1, 10))
    assert (q.quarter, q.per_unit) == ("2024-Q1", 12.945)  # W10: 12.945 -> 14.543
    later = drug_payment("J1559", 1, 2026, dt.date(2026, 5, 1))
    assert not later.available and "2026-Q2" in later.reason and later.to_dict()["amount"] == "data not available"


# ----------------------------------------------------------------------------- OPPS packaging


def test_p_package_q1_beside_96369_is_not_in_the_separately_paid_total():
    """Item 1, rule P-PACKAGE: 96369 (S) + 96371 (Q1) on an institutional claim, 2025 Q4: $210.69
    paid separately, 96371's $71.17 packaged (W24, W26)."""
    r = code_encounter(
        {"pos": "22", "claim": "institutional", "payer": "medicare", "pumps": 2, "segments": [{"minutes": 65}]}
    )
    p = price_result(r, 2025, claim="institutional")
    assert p.total == 210.69 and [ln.packaged for ln in p.lines] == [False, True]
    assert "$71.17" in p.lines[1].text and "P-PACKAGE" in p.lines[1].text and "packaged" in p.total_text
    out = run_cli(
        "code",
        "--minutes",
        "65",
        "--pumps",
        "2",
        "--pos",
        "22",
        "--claim",
        "institutional",
        "--price",
        "--year",
        "2025",
    )
    assert "total: $210.69 separately paid" in out.stdout and "96371" in out.stdout


def test_p_package_opps_drug_status_k_paid_n_packaged():
    """W25: J1559 K at $14.337 per unit (October 2025); J1551 N (packaged) in 2025, K in 2024."""

    def drug_price(product: str, year: int):
        r = code_encounter(
            {
                "pos": "22",
                "claim": "institutional",
                "payer": "medicare",
                "date": f"{year}-11-03",
                "segments": [{"minutes": 50}],
                "drug": {"product": product, "dose": "10 g", "vials": ["10 g"]},
            }
        )
        return price_result(r, year, claim="institutional")

    k = drug_price("Hizentra", 2025)
    assert k.lines[1].amount == round(100 * 14.337, 2) and k.total == round(210.69 + 1433.70, 2)
    n = drug_price("Cutaquig", 2025)
    assert n.lines[1].packaged and n.total == 210.69
    assert drug_price("Cutaquig", 2024).lines[1].amount == round(100 * 13.888, 2)


# ----------------------------------------------------------------------------- engine gaps


def test_s_injection_at_a_separate_site_beside_an_infusion_is_96372_xs():
    r = code_encounter({"segments": [{"minutes": 50}], "injections": [{"drug": "vitamin B12", "separate_site": True}]})
    assert lines(r) == [("96369", 1, ()), ("96372", 1, ("XS",))]
    assert not [f for f in r.findings if f.rule == "N-PTP"]
    same = code_encounter({"segments": [{"minutes": 50}], "injections": [{"separate_site": False}]})
    assert lines(same) == [("96369", 1, ()), ("96372", 1, ())]
    assert {f.rule for f in same.findings if f.severity == "warning"} == {"S-INJECTION", "N-PTP"}
    alone = code_encounter({"segments": [{"minutes": 10}], "injections": 1})  # a 10-minute "infusion" is 96372
    assert lines(alone) == [("96372", 1, ()), ("96372", 1, ())]


def test_t_dos_institutional_lines_carry_the_date_their_service_was_given():
    """An infusion 22:30-02:00: 96369 and the first additional hour (from 23:30) on 1 March, the
    second (from 00:30) on 2 March; on a professional claim every line on 1 March."""
    seg = [{"start": "2026-03-01T22:30", "stop": "2026-03-02T02:00"}]
    inst = code_encounter({"pos": "22", "claim": "institutional", "segments": seg})
    assert [(ln.code, ln.units, str(ln.date)) for ln in inst.lines] == [
        ("96369", 1, "2026-03-01"),
        ("96370", 1, "2026-03-01"),
        ("96370", 1, "2026-03-02"),
    ]
    assert any(f.rule == "T-DOS" for f in inst.findings)
    pro = code_encounter({"segments": seg})
    assert {str(ln.date) for ln in pro.lines} == {"2026-03-01"} and pro.units("96370") == 2
    undated = code_encounter({"segments": [{"start": "09:00", "stop": "10:35"}]})
    assert {ln.date for ln in undated.lines} == {None}  # no date given: none invented


@pytest.mark.parametrize("payer", ["medicare_advantage", "medicaid"])
def test_medicare_advantage_and_medicaid_are_payers(payer):
    r = code_encounter({"segments": [{"minutes": 95}], "payer": payer})
    assert r.codes() == {"96369": 1, "96370": 1}


def test_code_has_sites_and_drug_options():
    out = run_cli(
        "code",
        "--minutes",
        "95",
        "--sites",
        "3",
        "--drug",
        "Hizentra",
        "--dose",
        "10 g",
        "--vial",
        "10 g",
        "--encounter-date",
        "2026-01-15",
        "--json",
    )
    assert out.returncode == 0, out.stderr
    got = [(ln["code"], ln["units"], ln["modifiers"]) for ln in json.loads(out.stdout)["lines"]]
    assert got == [("96369", 1, []), ("96370", 1, []), ("J1559", 100, ["JZ"])]
    bad = run_cli("code", "--minutes", "95", "--sites", "0")
    assert bad.returncode != 0 and "sites" in bad.stderr and "0" in bad.stderr
    orphan = run_cli("code", "--minutes", "95", "--dose", "10 g")
    assert orphan.returncode != 0 and "--drug" in orphan.stderr


# ----------------------------------------------------------------------------- publication


def test_publication_tables_show_medicare_edits_with_their_values():
    mue = whole_claim.mue_table().set_index("code")
    assert mue.loc["96372", "Medicare practitioner"] == "4 (MAI 3)"  # W1
    assert mue.loc["96372", "Medicare outpatient hospital"] == "5 (MAI 3)"  # W2
    assert mue.loc["96369", "Medicare practitioner"] == "1 (MAI 2)"
    assert mue.loc["E0779", "Medicare DME supplier"] == "1 (MAI 3)"  # W4
    assert mue.loc["96369", "Medicare DME supplier"] == "data not available"
    aoc = whole_claim.aoc_table().set_index("add-on code")
    assert aoc.loc["96370", "paid only with"] == "96369" and aoc.loc["99602", "paid only with"] == "99601"
    ptp = whole_claim.ptp_table()
    pair = ptp[(ptp["column 1"] == "96369") & ptp["column 2 (denied)"].str.split(", ").map(lambda c: "96372" in c)]
    assert list(pair["modifier indicator"]) == ["1"]  # W7
    zero = ptp[(ptp["column 1"] == "96523") & (ptp["modifier indicator"] == "0")]
    assert set(zero["column 2 (denied)"]) >= {"96369"}
    drugs = whole_claim.drug_codes_table().set_index("code")
    assert drugs.loc["J1551", "OPPS status"] == "N (2025-10)" and drugs.loc["J1559", "OPPS status"] == "K (2025-10)"
    assert drugs.loc["J1559", "ASP limit per unit, 2026-Q1"] == f"${cms_limit('J1559'):,.3f}"
    trend = whole_claim.asp_trend()
    assert len(trend[trend["hcpcs"] == "J1559"]) == 9 and trend["quarter"].min() == "2024-Q1"
    example = whole_claim.drug_line_example()
    assert list(example["units"]) == [1, 1, 103, 7] and list(example["modifiers"]) == ["-", "-", "-", "JW"]
    opps = whole_claim.opps_by_year().set_index("year")
    assert opps.loc[2024, "96369"] == "S $204.22" and opps.loc[2024, "96371"] == "Q1 $67.12"  # W23
