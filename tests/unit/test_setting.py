"""S-FACILITY, S-HOME, S-INITIAL, S-IV."""

from __future__ import annotations

import pytest
from infusion.coding.engine import code_encounter

SEG = [{"start": "09:00", "stop": "10:35"}]


@pytest.mark.parametrize("pos", ["19", "21", "22", "23"])
def test_s_facility_professional_claim_in_facility_has_no_lines(pos):
    r = code_encounter({"segments": SEG, "pos": pos, "claim": "professional"})
    assert r.lines == ()
    assert [(f.severity, f.rule) for f in r.findings] == [("error", "S-FACILITY")]
    assert f"place of service {pos}" in r.findings[0].message


@pytest.mark.parametrize("pos", ["19", "22"])
def test_institutional_claim_in_hospital_outpatient_is_coded(pos):
    r = code_encounter({"segments": SEG, "pos": pos, "claim": "institutional", "off_campus": "excepted"})
    assert r.codes() == {"96369": 1, "96370": 1}
    assert any(f.rule == "S-FACILITY" and f.severity == "info" and "OPPS" in f.message for f in r.findings)


@pytest.mark.parametrize("pos", ["11", "49"])
def test_office_and_infusion_suite_are_coded(pos):
    assert code_encounter({"segments": SEG, "pos": pos}).codes() == {"96369": 1, "96370": 1}


@pytest.mark.parametrize(
    "payer, first, minutes, expect",
    [
        ("medicare", True, 95, {"G0089": 1}),
        ("medicare", False, 95, {"G0069": 1}),
        ("medicare_advantage", False, 95, {"G0069": 1}),
        ("aetna", False, 95, {"99601": 1, "S9338": 1}),
        ("other", False, 150, {"99601": 1, "S9338": 1}),
        ("aetna", False, 151, {"99601": 1, "99602": 1, "S9338": 1}),
        ("cigna", False, 211, {"99601": 1, "99602": 2, "S9338": 1}),
    ],
)
def test_s_home_no_96369_the_home_codes_as_lines(payer, first, minutes, expect):
    """Issue 29 item 5: the home codes are claim lines with units, not only text in a finding."""
    r = code_encounter({"segments": [{"minutes": minutes}], "pos": "12", "payer": payer, "first_visit": first})
    assert r.codes() == expect and all("S-HOME" in ln.rules for ln in r.lines)
    home = [f for f in r.findings if f.rule == "S-HOME" and "not coded with 96369" in f.message]
    assert len(home) == 1
    assert not [f for f in r.findings if f.rule == "U-MUE"]  # Medicare's practitioner MUE of 0 is not a plan's


def test_s_home_self_administered_has_no_administration_code():
    r = code_encounter({"segments": SEG, "pos": "11", "self_administered": True})
    assert r.codes() == {"E0779": 1} and r.lines[0].modifiers == ("JB",)
    assert any("self-administered" in f.message for f in r.findings)
    assert any(f.rule == "D-DME" and "name the drug" in f.message for f in r.findings)


def test_s_inpatient_no_line_and_no_opps():
    """Issue 29 item 5: an inpatient stay (POS 21) is paid by DRG: no administration line."""
    r = code_encounter(
        {
            "segments": SEG,
            "pos": "21",
            "claim": "institutional",
            "payer": "medicare",
            "drug": {"product": "Hizentra", "dose": "10 g", "vials": ["10 g"]},
        }
    )
    assert r.lines == ()
    inpatient = [f for f in r.findings if f.rule == "S-INPATIENT"]
    assert len(inpatient) == 1 and "MS-DRG" in inpatient[0].message and "OPPS" not in inpatient[0].message


def test_s_initial_two_subcutaneous_infusions_one_96369_time_together():
    r = code_encounter(
        {
            "infusions": [
                {"pumps": 1, "segments": [{"start": "09:00", "stop": "09:50"}]},
                {"pumps": 1, "segments": [{"start": "10:00", "stop": "10:45"}]},
            ]
        }
    )
    assert r.total_minutes == 95
    assert r.codes() == {"96369": 1, "96370": 1, "96371": 1}
    assert any(f.rule == "S-INITIAL" for f in r.findings)


def test_s_iv_warns_and_s_initial_asks_for_protocol():
    r = code_encounter(
        {
            "infusions": [
                {"route": "subcutaneous", "segments": SEG},
                {"route": "intravenous", "segments": [{"start": "11:00", "stop": "12:00"}]},
            ]
        }
    )
    assert r.codes() == {"96369": 1, "96370": 1}  # IV time is not added to the SC time
    rules = {(f.rule, f.severity) for f in r.findings}
    assert ("S-IV", "warning") in rules and ("S-INITIAL", "warning") in rules


def test_s_initial_separate_sites_allow_distinct_modifier_on_96369():
    r = code_encounter(
        {
            "modifiers": {"96369": ["XS"]},
            "infusions": [
                {"route": "subcutaneous", "segments": SEG},
                {
                    "route": "intravenous",
                    "separate_site_required": True,
                    "segments": [{"start": "11:00", "stop": "12:00"}],
                },
            ],
        }
    )
    # issue 30: the IV infusion at its required separate site is coded too (60 min: 96365 x1)
    assert [(ln.code, ln.units, ln.modifiers) for ln in r.lines] == [
        ("96365", 1, ()),
        ("96369", 1, ("XS",)),
        ("96370", 1, ()),
    ]
    assert "M-DISTINCT" in r.lines[1].rules
    assert any(f.rule == "S-INITIAL" and f.severity == "info" for f in r.findings)
    long_iv = code_encounter(
        {
            "infusions": [
                {"route": "subcutaneous", "segments": SEG},
                {"route": "intravenous", "separate_site_required": True, "segments": [{"minutes": 95}]},
            ]
        }
    )
    assert long_iv.codes()["96366"] == 1 and long_iv.codes()["96365"] == 1  # 95 min: one further hour
    push = code_encounter(
        {
            "infusions": [
                {"route": "subcutaneous", "segments": SEG},
                {"route": "intravenous", "separate_site_required": True, "segments": [{"minutes": 10}]},
            ]
        }
    )
    assert push.codes()["96374"] == 1  # 15 minutes or less: an IV push
