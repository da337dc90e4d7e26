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
