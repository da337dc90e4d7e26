"""T-DOC, T-SUM, T-DATE: segments, overlaps, gaps, midnight, missing stops, flush."""

from __future__ import annotations

import pytest
from infusion.coding.encounter import parse_encounter
from infusion.coding.engine import code_encounter
from infusion.errors import InputError


def enc(segments, **kw):
    return {"segments": segments, **kw}


def test_t_sum_adds_separate_segments():
    r = code_encounter(enc([{"start": "09:00", "stop": "09:50"}, {"start": "10:10", "stop": "10:55"}]))
    assert r.total_minutes == 95
    assert r.codes() == {"96369": 1, "96370": 1}
    gap = [f for f in r.findings if f.rule == "T-SUM"]
    assert len(gap) == 1 and "gap of 20 min" in gap[0].message


def test_t_sum_counts_overlap_once():
    r = code_encounter(enc([{"start": "09:00", "stop": "10:00"}, {"start": "09:30", "stop": "10:31"}]))
    assert r.total_minutes == 91
    assert r.codes() == {"96369": 1, "96370": 1}
    assert any("overlap by 30 min" in f.message for f in r.findings)


def test_t_sum_contained_segment_adds_nothing():
    r = code_encounter(enc([{"start": "09:00", "stop": "11:00"}, {"start": "09:30", "stop": "10:00"}]))
    assert r.total_minutes == 120


def test_t_sum_concurrent_pumps_count_clock_time_once():
    r = code_encounter(
        {
            "pumps": 2,
            "segments": [
                {"start": "09:00", "stop": "10:00", "pump": 1},
                {"start": "09:00", "stop": "10:00", "pump": 2},
            ],
        }
    )
    assert r.total_minutes == 60
    assert r.codes() == {"96369": 1, "96371": 1}


def test_t_sum_adjacent_segments_join_without_gap():
    r = code_encounter(enc([{"start": "09:00", "stop": "10:00"}, {"start": "10:00", "stop": "10:31"}]))
    assert r.total_minutes == 91 and not [f for f in r.findings if "gap" in f.message]


def test_t_sum_flush_is_not_counted():
    r = code_encounter(enc([{"start": "09:00", "stop": "10:30"}, {"start": "10:30", "stop": "10:40", "flush": True}]))
    assert r.total_minutes == 90
    assert r.codes() == {"96369": 1}
    assert any(f.rule == "T-SUM" and "flush" in f.message for f in r.findings)


def test_t_date_midnight_crossing_with_dates():
    r = code_encounter(enc([{"start": "2026-03-01T23:30", "stop": "2026-03-02T01:05"}]))
    assert r.total_minutes == 95
    assert r.codes() == {"96369": 1, "96370": 1}


def test_t_date_clock_times_crossing_midnight_are_rejected_with_a_hint():
    with pytest.raises(InputError) as e:
        parse_encounter(enc([{"start": "22:00", "stop": "01:30"}]))
    assert str(e.value) == (
        "segment 1: stop 01:30 is before start 22:00; give dates for an infusion that crosses midnight"
    )
    assert e.value.rule == "T-DATE"


def test_t_date_times_with_different_offsets_are_counted_exactly():
    """Offsets may differ (issue 20: a daylight-saving change); 06:00-05:00 is 11:00 UTC."""
    r = code_encounter(
        enc(
            [
                {"start": "2026-03-01T09:00+00:00", "stop": "2026-03-01T10:00+00:00"},
                {"start": "2026-03-01T06:00-05:00", "stop": "2026-03-01T07:00-05:00"},
            ]
        )
    )
    assert r.total_minutes == 120 and any("gap of 60 min" in f.message for f in r.findings)


def test_t_date_local_and_offset_times_rejected():
    with pytest.raises(InputError, match="local times without one"):
        parse_encounter(
            enc(
                [
                    {"start": "2026-03-01T09:00+00:00", "stop": "2026-03-01T10:00+00:00"},
                    {"start": "2026-03-01T11:00", "stop": "2026-03-01T12:00"},
                ]
            )
        )


def test_t_date_zone_on_one_end_only_rejected():
    with pytest.raises(InputError, match="mix a time zone"):
        parse_encounter(enc([{"start": "2026-03-01T09:00+00:00", "stop": "2026-03-01T10:00"}]))


def test_t_doc_missing_stop_time_gives_no_units_from_that_segment():
    r = code_encounter(enc([{"start": "09:00", "stop": "10:00"}, {"start": "10:30"}]))
    assert r.total_minutes == 60
    assert r.codes() == {"96369": 1}
    doc = [f for f in r.findings if f.rule == "T-DOC"]
    assert len(doc) == 1 and doc[0].severity == "error" and "segment 2 has no stop time" in doc[0].message


def test_t_doc_no_documented_time_at_all_gives_no_lines():
    r = code_encounter(enc([{"start": "09:00"}]))
    assert r.lines == ()
    assert [f.rule for f in r.findings if f.severity == "error"] == ["T-DOC", "T-DOC"]


def test_partial_minutes_are_dropped():
    r = code_encounter(enc([{"start": "2026-03-01T09:00:00", "stop": "2026-03-01T10:30:59"}]))
    assert r.total_minutes == 90 and r.codes() == {"96369": 1}


@pytest.mark.parametrize(
    "text",
    [
        "0930",
        "930",
        "09:30",
        "9:30 AM",
        "9:30 p.m.",
        "09:30:15",
        "09:30:15.5",
        "2400",
        "0960",
        "13:00 PM",
        "0:30 AM",
        "9.30",
        "09h30",
        "\u0660\u0669:\u0663\u0660",
    ],
)
def test_one_clock_grammar_for_the_engine_and_the_audit(text):
    """Issue 19: the CLI refused 0930 while the audit read it. Both take what coding.clock takes."""
    from infusion.audit.values import parse_time as audit_time
    from infusion.coding.clock import clock_seconds
    from infusion.coding.encounter import parse_time

    secs = clock_seconds(text)
    kind, audit_secs = audit_time(text)
    assert (kind == 1) == (secs is not None) and (secs is None or audit_secs == secs)
    if secs is None:
        with pytest.raises(InputError):
            parse_time(text, "segment 1 start", None)
    else:
        t = parse_time(text, "segment 1 start", None)
        assert t.hour * 3600 + t.minute * 60 + t.second == secs
