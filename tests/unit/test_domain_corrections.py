"""Domain corrections from the rule-by-rule source check (issue 20, items 4-9): each case is
written from the source it names, not from the engine."""

from __future__ import annotations

import csv

import pytest
from infusion.coding.engine import code_encounter
from infusion.coding.rules import cite, rule
from infusion.config import data_path
from infusion.reference import catalog
from infusion.workbook.scenarios import scenario


def lines(result) -> dict[str, int]:
    return {ln.code: ln.units for ln in result.lines}


def test_separate_infusions_state_the_reading_applied_and_the_other():
    """70 + 25 min of two drugs: this engine adds them (96369 + 96370 + 96371); CPT Assistant as
    quoted for IV infusions does not add separate infusions' times: 96369 + 96371 from the 70."""
    r = code_encounter(
        {"infusions": [{"pumps": 1, "segments": [{"minutes": 70}]}, {"pumps": 1, "segments": [{"minutes": 25}]}]}
    )
    assert lines(r) == {"96369": 1, "96370": 1, "96371": 1}
    reading = [f for f in r.findings if f.rule == "T-SUM" and "separate subcutaneous infusions" in f.message]
    assert len(reading) == 1
    text = reading[0].message
    assert "this engine adds their times (95 min)" in text and "96369 x1, 96371 x1" in text and "S43" in text
    initial = next(f for f in r.findings if f.rule == "S-INITIAL")
    assert "confidence H" not in initial.message and "time counts together" not in initial.message


def test_no_stop_time_names_the_injection_reading():
    r = code_encounter({"segments": [{"start": "09:00"}]})
    assert not r.lines
    doc = next(
        f
        for f in r.findings
        if f.rule == "T-DOC" and f.severity == "error" and "no documented infusion time" in f.message
    )
    assert "96372 x1" in doc.message and "confidence L" in doc.message and "does not apply it" in doc.message


def test_offset_aware_times_across_a_clock_change_are_counted_exactly():
    r = code_encounter({"segments": [{"start": "2026-03-08T01:30-05:00", "stop": "2026-03-08T03:10-04:00"}]})
    assert r.total_minutes == 40 and lines(r) == {"96369": 1}
    fall = code_encounter({"segments": [{"start": "2026-11-01T01:30-04:00", "stop": "2026-11-01T01:10-05:00"}]})
    assert fall.total_minutes == 40


@pytest.mark.parametrize(
    "day, counted, codes, text",
    [
        ("2026-03-08", 40, {"96369": 1}, "it ran 40 min, not the 100"),  # spring: the lower count, no 96370
        ("2026-11-01", 100, {"96369": 1, "96370": 1}, "it ran 160 min"),  # autumn: the clock's is the lower
    ],
)
def test_local_times_across_a_clock_change_take_the_lower_count_and_warn(day, counted, codes, text):
    """Issue 29 item 5: 01:30-03:10 on a spring-forward date may have run 40 minutes: units rest on
    the lower count, and the warning names both."""
    r = code_encounter({"date": day, "segments": [{"start": "01:30", "stop": "03:10"}]})
    assert r.total_minutes == counted and lines(r) == codes
    warn = [f for f in r.findings if f.rule == "T-DATE" and f.severity == "warning"]
    assert len(warn) == 1 and text in warn[0].message
    assert not [
        f
        for f in code_encounter({"date": "2026-03-09", "segments": [{"start": "01:30", "stop": "03:10"}]}).findings
        if f.rule == "T-DATE"
    ]


def test_local_and_offset_times_are_still_not_mixed():
    from infusion.errors import InputError

    with pytest.raises(InputError, match="local times without one"):
        code_encounter(
            {
                "infusions": [
                    {
                        "segments": [
                            {"start": "2026-03-08T01:30-05:00", "stop": "2026-03-08T02:00-05:00"},
                            {"start": "2026-03-08T03:00", "stop": "2026-03-08T03:30"},
                        ]
                    }
                ]
            }
        )


def test_reference_data_as_the_sources_say():
    mods = catalog.modifiers()
    assert "76" not in mods.index and "77" not in mods.index  # no extra units for once-per-encounter codes
    assert mods.loc["KX", "valid"] == "yes"
    codes = {r["code"]: r for r in csv.DictReader(data_path("reference", "codes.csv").open(encoding="utf-8"))}
    assert "same" not in next(v for k, v in codes["96370"].items() if k != "code" and "hour" in v)
    policies = catalog.payer_policies().reset_index(drop=True)
    assert policies.loc[policies["number"] == "Policy 109", "date"].item() == "2024-11-01"
    assert rule("U-SHORT").confidence == "M" and "S44" in rule("U-SHORT").sources
    assert "Regence policy 109 quotes it" in cite("S-FACILITY")
    tags = {r["tag"] for r in csv.DictReader(data_path("reference", "sources.csv").open(encoding="utf-8"))}
    assert {"S42", "S43", "S44"} <= tags


def test_vignettes_say_what_they_rest_on():
    assert "S43" in scenario("sc-033").teaches and "reading" in scenario("sc-033").teaches
    assert "96372" in scenario("sc-020").teaches
    assert "primary service" in scenario("sc-030").story
