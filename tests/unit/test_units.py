"""U-SHORT, U-INIT, U-HOUR, U-PUMP, U-ADDON, U-MUE: time boundaries and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from infusion.coding.engine import code_minutes
from infusion.coding.units import additional_hours, hour_thresholds, next_unit_at, time_codes


@pytest.mark.parametrize(
    "minutes, expected",
    [
        (1, {"96372": 1}),
        (15, {"96372": 1}),  # U-SHORT
        (16, {"96369": 1}),
        (60, {"96369": 1}),  # U-INIT
        (61, {"96369": 1}),
        (90, {"96369": 1}),  # 61-90: no add-on hour
        (91, {"96369": 1, "96370": 1}),
        (150, {"96369": 1, "96370": 1}),
        (151, {"96369": 1, "96370": 2}),
        (210, {"96369": 1, "96370": 2}),
        (211, {"96369": 1, "96370": 3}),
        (270, {"96369": 1, "96370": 3}),
        (271, {"96369": 1, "96370": 4}),
    ],
)
def test_time_boundaries(minutes, expected):
    assert code_minutes(minutes).codes() == expected


def test_additional_hours_formula_matches_the_spec_definition():
    # coding-rules.md: units = number of whole hours k >= 1 such that minutes > 60k + 30
    for m in range(0, 1441):
        by_definition = sum(1 for k in range(1, 30) if m > 60 * k + 30)
        assert additional_hours(m) == by_definition, m


def test_next_unit_and_thresholds():
    assert next_unit_at(95) == 151
    assert next_unit_at(60) == 91
    assert hour_thresholds(300) == [91, 151, 211, 271]


def test_u_short_rationale_names_the_rule_and_its_confidence():
    """Confidence M since a MAC states the 15-minute rule (S44, issue 20)."""
    line = code_minutes(15).lines[0]
    assert line.code == "96372" and line.rules == ("U-SHORT",)
    assert "confidence M" in line.rationale and "S44" in line.rationale


def test_u_init_once_per_encounter_with_one_pump_and_many_sites():
    r = code_minutes(45, pumps=1)
    assert r.codes() == {"96369": 1}
    assert r.lines[0].rules == ("U-INIT",)


@pytest.mark.parametrize("pumps", [2, 3, 5])
def test_u_pump_gives_96371_once_whatever_the_count(pumps):
    r = code_minutes(95, pumps=pumps)
    assert r.units("96371") == 1
    assert r.codes() == {"96369": 1, "96370": 1, "96371": 1}
    assert "U-PUMP" in r.lines[-1].rules and "U-ADDON" in r.lines[-1].rules


def test_u_addon_short_infusion_with_two_pumps_has_no_96371():
    r = code_minutes(12, pumps=2)
    assert r.codes() == {"96372": 1}
    assert [f.rule for f in r.findings] == ["U-ADDON"]
    assert r.findings[0].severity == "warning"


def test_u_hour_finding_explains_no_add_on_between_61_and_90():
    r = code_minutes(90)
    assert [(f.rule, f.severity) for f in r.findings] == [("U-HOUR", "info")]
    assert "91 min" in r.findings[0].message


def test_u_mue_keeps_units_and_warns():
    r = code_minutes(271)  # 4 units of 96370, Medicare practitioner MUE 3, MAI 3 (W1)
    assert r.units("96370") == 4
    mue = [f for f in r.findings if f.rule == "U-MUE"]
    assert len(mue) == 1 and mue[0].severity == "warning" and mue[0].code == "96370"
    assert "MUE of 3 (medicare practitioner, 2024-07-01)" in mue[0].message
    assert "MAI 3: a date-of-service edit that may be appealed" in mue[0].message
    medicaid = [f for f in code_minutes(271, payer="medicaid").findings if f.rule == "U-MUE"]
    assert "medicaid practitioner" in medicaid[0].message  # Medicaid's own file, labelled


def test_u_mue_silent_at_the_limit():
    assert not [f for f in code_minutes(270).findings if f.rule == "U-MUE"]


# --- properties ------------------------------------------------------------------------------

minutes_st = st.integers(min_value=1, max_value=1440)
pumps_st = st.integers(min_value=1, max_value=20)


@given(a=minutes_st, b=minutes_st, pumps=pumps_st)
def test_units_never_fall_as_time_grows(a, b, pumps):
    lo, hi = sorted((a, b))
    u_lo, _ = time_codes(lo, pumps)
    u_hi, _ = time_codes(hi, pumps)
    assert u_hi.get("96370", 0) >= u_lo.get("96370", 0)
    # once an infusion (96369), always an infusion
    if "96369" in u_lo:
        assert "96369" in u_hi


@given(m=minutes_st, pumps=pumps_st)
def test_no_add_on_without_96369_and_96371_at_most_once(m, pumps):
    r = code_minutes(m, pumps=pumps)
    codes = r.codes()
    if "96370" in codes or "96371" in codes:
        assert codes.get("96369") == 1
    assert codes.get("96371", 0) <= 1
    assert codes.get("96369", 0) <= 1
    assert not ("96369" in codes and "96372" in codes)
