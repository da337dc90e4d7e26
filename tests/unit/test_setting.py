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


@pytest.mark.parametrize("payer, expect", [("medicare", "G0089"), ("aetna", "99601"), ("other", "S9338")])
def test_s_home_no_96369_and_names_the_right_alternative(payer, expect):
    r = code_encounter({"segments": SEG, "pos": "12", "payer": payer})
    assert r.lines == ()
    home = [f for f in r.findings if f.rule == "S-HOME"]
    assert len(home) == 1 and expect in home[0].message


def test_s_home_self_administered_has_no_administration_code():
    r = code_encounter({"segments": SEG, "pos": "11", "self_administered": True})
    assert r.lines == () and any("self-administered" in f.message for f in r.findings)


def test_s_initial_two_subcutaneous_infusions_one_96369_time_together():
    r = code_encounter({"infusions": [
        {"pumps": 1, "segments": [{"start": "09:00", "stop": "09:50"}]},
        {"pumps": 1, "segments": [{"start": "10:00", "stop": "10:45"}]},
    ]})
    assert r.total_minutes == 95
    assert r.codes() == {"96369": 1, "96370": 1, "96371": 1}
    assert any(f.rule == "S-INITIAL" for f in r.findings)


def test_s_iv_warns_and_s_initial_asks_for_protocol():
    r = code_encounter({"infusions": [
        {"route": "subcutaneous", "segments": SEG},
        {"route": "intravenous", "segments": [{"start": "11:00", "stop": "12:00"}]},
    ]})
    assert r.codes() == {"96369": 1, "96370": 1}  # IV time is not added to the SC time
    rules = {(f.rule, f.severity) for f in r.findings}
    assert ("S-IV", "warning") in rules and ("S-INITIAL", "warning") in rules


def test_s_initial_separate_sites_allow_distinct_modifier_on_96369():
    r = code_encounter({"modifiers": {"96369": ["XS"]}, "infusions": [
        {"route": "subcutaneous", "segments": SEG},
        {"route": "intravenous", "separate_site_required": True,
         "segments": [{"start": "11:00", "stop": "12:00"}]},
    ]})
    assert r.lines[0].modifiers == ("XS",)
    assert "M-DISTINCT" in r.lines[0].rules
    assert any(f.rule == "S-INITIAL" and f.severity == "info" for f in r.findings)
