"""M-VALID, M-DISTINCT, M-DRUG, M-25, M-PO-PN."""

from __future__ import annotations

import pytest
from infusion.coding.engine import code_encounter
from infusion.coding.modifiers import modifier_problem

SEG = [{"start": "09:00", "stop": "10:35"}]


@pytest.mark.parametrize("mod", ["00", "11", "5", "ABC", "01", "21"])
def test_m_valid_rejects_non_modifiers(mod):
    assert modifier_problem(mod) is not None


@pytest.mark.parametrize("mod", ["59", "XS", "25", "JZ", "PO", "76", "KX"])
def test_m_valid_accepts_real_modifiers(mod):
    assert modifier_problem(mod) is None


def test_m_valid_00_on_a_line_is_an_error_and_left_off():
    r = code_encounter({"segments": SEG, "modifiers": {"96369": ["00"]}})
    assert r.lines[0].modifiers == ()
    errs = [f for f in r.findings if f.rule == "M-VALID"]
    assert len(errs) == 1 and errs[0].severity == "error" and "'00'" in errs[0].message


def test_m_distinct_without_second_initial_is_left_off():
    r = code_encounter({"segments": SEG, "modifiers": {"96369": ["59"]}})
    assert r.lines[0].modifiers == ()
    assert [f.rule for f in r.findings] == ["M-DISTINCT"]


def test_m_drug_jz_goes_on_the_drug_line():
    r = code_encounter({"segments": SEG, "modifiers": {"96369": ["JZ"]}})
    assert r.lines[0].modifiers == () and r.findings[0].rule == "M-DRUG"


def test_m_25_on_administration_line_is_left_off_and_em_gets_info():
    r = code_encounter({"segments": SEG, "em_same_day": True, "modifiers": {"96369": ["25"]}})
    assert r.lines[0].modifiers == ()
    assert {(f.rule, f.severity) for f in r.findings} == {("M-25", "warning"), ("M-25", "info")}


@pytest.mark.parametrize("status, mod", [("excepted", "PO"), ("nonexcepted", "PN")])
def test_m_po_pn_added_to_every_line_off_campus(status, mod):
    r = code_encounter({"segments": SEG, "pos": "19", "claim": "institutional", "off_campus": status, "pumps": 2})
    assert [line.modifiers for line in r.lines] == [(mod,)] * 3
    assert all("M-PO-PN" in line.rules for line in r.lines)


def test_m_po_pn_missing_status_is_a_warning():
    r = code_encounter({"segments": SEG, "pos": "19", "claim": "institutional"})
    assert any(f.rule == "M-PO-PN" and f.severity == "warning" for f in r.findings)
    assert r.lines[0].modifiers == ()


def test_kx_passes_through_to_the_line():
    r = code_encounter({"segments": SEG, "modifiers": {"96370": ["KX"]}})
    assert r.lines[1].modifiers == ("KX",) and not r.findings
