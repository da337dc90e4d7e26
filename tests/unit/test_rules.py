"""The rule registry matches the specification, and every rule is exercised somewhere."""

from __future__ import annotations

import re
from pathlib import Path

from infusion.coding.rules import RULES, cite, rules_table, sources
from shared_files import SHARED

SPEC = SHARED / "domain" / "coding-rules.md"
TESTS = Path(__file__).resolve().parents[1]


def test_every_rule_id_of_the_spec_is_in_the_registry():
    spec_ids = set(re.findall(r"\*\*([A-Z]-[A-Z]+)\*\*", SPEC.read_text()))
    assert spec_ids, "no rule ids found in coding-rules.md"
    assert spec_ids <= set(RULES)


def test_every_rule_is_tested_by_name():
    text = "\n".join(p.read_text() for p in TESTS.rglob("test_*.py") if p.name != "test_rules.py")
    untested = [rid for rid in RULES if rid not in text]
    assert not untested


def test_every_source_tag_is_in_the_sources_table():
    tags = set(sources().index)
    for r in RULES.values():
        assert set(r.sources) <= tags, r.id


def test_cite_marks_medium_and_low_confidence():
    assert cite("U-ADDON").endswith("confidence H]")
    assert "verbatim" in cite("U-HOUR") and "verbatim" in cite("U-SHORT")


def test_rules_table_lists_all():
    assert list(rules_table()["rule"]) == list(RULES)


def test_the_audit_reads_each_rule_from_the_registry():
    """One registry: the audit's checks are keyed by rule ids the registry declares, and a
    finding's severity is the registry's (changing it there changes the audit)."""
    from infusion.audit import checks

    assert set(checks.CHECKS) <= set(RULES)
    assert checks.SEVERITY == {r.id: r.severity for r in RULES.values()}
    assert RULES["U-HOUR"].severity == "error" and RULES["A-DUP"].severity == "warning"
    assert {"PO", "PN"} <= set(RULES["M-PO-PN"].modifiers) and "96370" in RULES["U-HOUR"].codes
    assert all(r.severity in ("error", "warning") for r in RULES.values())


def test_a_line_per_date_of_an_encounter_past_midnight_is_not_a_duplicate(tmp_path):
    """T-DOS puts an institutional 96370 on the date its hour began: two 96370 x1 lines on two dates
    of one encounter are not A-DUP; on one date they are."""
    from infusion.audit import audit

    head = "claim_id,line_number,date_of_service,code,units,modifiers,pos,claim_type,start_time,stop_time\n"
    rows = [
        "E1,1,2026-03-02,96369,1,,22,institutional,2026-03-02T21:00,2026-03-03T01:40",
        "E1,2,2026-03-02,96370,1,,22,institutional,2026-03-02T21:00,2026-03-03T01:40",
        "E1,3,2026-03-03,96370,1,,22,institutional,2026-03-02T21:00,2026-03-03T01:40",
    ]
    (tmp_path / "a.csv").write_text(head + "\n".join(rows) + "\n")
    assert "A-DUP" not in set(audit(tmp_path / "a.csv").findings["rule"])
    (tmp_path / "b.csv").write_text(head + "\n".join(rows).replace("2026-03-03,96370", "2026-03-02,96370") + "\n")
    dup = audit(tmp_path / "b.csv").findings
    assert list(dup.loc[dup["rule"] == "A-DUP", "line_number"]) == ["3"]


def test_findings_name_the_right_line_when_other_claims_are_left_out(tmp_path):
    """The checks skip partner lines of claims without the family (an office visit alone); a
    finding still points at its own line: its provider is the one on that line."""
    from infusion.audit import audit

    head = "claim_id,line_number,date_of_service,code,units,pos,start_time,stop_time,rendering_npi\n"
    rows = [
        "V1,1,2026-03-02,99213,1,11,,,1111111111",  # no family line: not checked
        "V2,1,2026-03-02,99214,1,11,,,1111111111",
        "E1,1,2026-03-02,96369,1,11,09:00,10:00,2222222222",
        "E1,2,2026-03-02,96370,2,11,09:00,10:00,2222222222",
    ]  # 60 minutes support no 96370
    (tmp_path / "c.csv").write_text(head + "\n".join(rows) + "\n")
    res = audit(tmp_path / "c.csv")
    assert set(res.findings["claim_id"]) == {"E1"} and "U-HOUR" in set(res.findings["rule"])
    by = res.by_provider.set_index("provider")
    assert by.loc["2222222222", "lines_with_findings"] == 1 and "1111111111" not in by.index
