"""Issue 32: the benchmark's DuckDB competitor runs the audit's checks, not a subset of them.

``benchmarks/bench_audit_commands.py`` times the audit against ``benchmarks/competitors.py``; its
figures mean something only while the competitor flags the lines the audit flags. Here, on the
benchmark's rules file (the illustrative sample claims and ``MORE_CLAIMS``: every rule fires), the
lines each flags (claim, line number, rule) are compared as a multiset. polars, the second
competitor, is a benchmark requirement only (``benchmarks/requirements.txt``): the benchmark
compares it before it times anything.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest
from infusion.audit import audit, read
from infusion.audit.checks import CHECKS

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from bench_audit_commands import flagged, rules_file  # noqa: E402
from competitors import FAMILY, OTHER_INITIAL, reference, run_duckdb  # noqa: E402


@pytest.fixture(scope="module")
def rules_csv(tmp_path_factory) -> Path:
    return rules_file(tmp_path_factory.mktemp("rules"))


@pytest.fixture(scope="module")
def audit_flagged(rules_csv) -> Counter:
    f = audit(rules_csv).findings
    return Counter(zip(f["claim_id"], f["line_number"].astype(str), f["rule"], strict=True))


def test_every_rule_of_the_audit_fires_on_the_rules_file(audit_flagged):
    assert sum(audit_flagged.values()) == 46
    # every rule of checks.CHECKS, and D-WASTE of claim_edits
    assert {rule for _, _, rule in audit_flagged} == set(CHECKS) | {"D-WASTE"} == {
        "U-ADDON", "U-INIT", "U-PUMP", "T-DOC", "U-SHORT", "U-HOUR", "T-DATE", "U-MUE", "S-FACILITY",
        "S-HOME", "S-INITIAL", "A-DUP", "M-DRUG", "M-25", "M-PO-PN", "M-VALID", "N-PTP", "D-WASTE",
    }  # fmt: skip


def test_duckdb_competitor_flags_the_lines_the_audit_flags(rules_csv, audit_flagged, tmp_path):
    out = tmp_path / "duckdb.csv"
    counts = run_duckdb(str(rules_csv), reference(), str(out))
    assert flagged(out) == audit_flagged
    assert counts == dict(sorted(Counter(rule for _, _, rule in audit_flagged.elements()).items()))


def test_competitors_read_the_codes_the_audit_reads():
    assert (FAMILY, OTHER_INITIAL) == (read.FAMILY, read.OTHER_INITIAL)
    assert reference()["kept"] == list(read.KEPT)
