"""The engine and the audit apply one set of rules (issue 16).

The engine codes an encounter; its lines, written as claim lines with the encounter's times, give no
audit finding the engine did not raise itself. A line changed the way coders get it wrong is
flagged by the audit under the rule id the engine gives for that line. Where the two cannot agree,
the reason is stated with the case.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from claims_text import HEADER as CLAIMS_HEADER
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from infusion.audit import audit
from infusion.coding import units
from infusion.coding.engine import code_encounter
from infusion.medicare.payment import payment

HEADER = [c for c in CLAIMS_HEADER if c != "payer"]  # no payer column (one test adds it last)
DAY = dt.datetime(2026, 3, 2)


def write(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def found(res) -> set[tuple[str, str, str]]:
    f = res.findings
    return set(zip(f["claim_id"], f["line_number"].astype(str), f["rule"]))


# ----------------------------------------------------------------------------- held-out claims


def test_held_out_claims_give_exactly_their_planted_findings(tmp_path):
    """Claims written from the rules, one planted error each, and two correct claims."""
    rows = [
        # a 12-minute 96369: 15 minutes or less is 96372 (U-SHORT, the audit's gap of issue 16)
        ["S1", 1, "2026-03-02", "96369", 1, "", "11", "professional", "09:00", "09:12"],
        # 15 minutes exactly is still short; its add-on is short too
        ["S2", 1, "2026-03-02", "96369", 1, "", "11", "professional", "09:00", "09:15"],
        ["S2", 2, "2026-03-02", "96371", 1, "", "11", "professional", "09:00", "09:15"],
        # 16 minutes is an infusion: correct
        ["OK1", 1, "2026-03-02", "96369", 1, "", "11", "professional", "09:00", "09:16"],
        # 150 minutes support one 96370, not two (U-HOUR); 151 support two: correct
        ["H1", 1, "2026-03-02", "96369", 1, "", "11", "professional", "09:00", "11:30"],
        ["H1", 2, "2026-03-02", "96370", 2, "", "11", "professional", "09:00", "11:30"],
        ["OK2", 1, "2026-03-02", "96369", 1, "", "11", "professional", "09:00", "11:31"],
        ["OK2", 2, "2026-03-02", "96370", 2, "", "11", "professional", "09:00", "11:31"],
        # an add-on alone (U-ADDON), 96371 x2 (U-PUMP), a facility POS (S-FACILITY), modifier 00 (M-VALID)
        ["A1", 1, "2026-03-02", "96370", 1, "", "11", "professional", "09:00", "11:00"],
        ["P1", 1, "2026-03-02", "96369", 1, "", "11", "professional", "09:00", "10:00"],
        ["P1", 2, "2026-03-02", "96371", 2, "", "11", "professional", "09:00", "10:00"],
        ["F1", 1, "2026-03-02", "96369", 1, "", "22", "professional", "09:00", "10:00"],
        ["M1", 1, "2026-03-02", "96369", 1, "00", "11", "professional", "09:00", "10:00"],
    ]
    res = audit(write(tmp_path / "c.csv", rows))
    assert found(res) == {
        ("S1", "1", "U-SHORT"),
        ("S2", "1", "U-SHORT"),
        ("S2", "2", "U-SHORT"),
        ("H1", "2", "U-HOUR"),
        ("A1", "1", "U-ADDON"),
        ("P1", "2", "U-PUMP"),
        ("P1", "2", "U-MUE"),
        ("F1", "1", "S-FACILITY"),
        ("M1", "1", "M-VALID"),
    }
    f = res.findings.set_index(["claim_id", "rule"])
    short = f.loc[("S1", "U-SHORT")]
    assert short["severity"] == "error" and "12 documented minutes" in short["message"]
    # at risk: 96369's payment less 96372's (national PFS, non-facility, 2026)
    due = payment("96369", 2026).per_unit - payment("96372", 2026).per_unit
    assert short["dollars_at_risk"] == pytest.approx(due, abs=0.01) and 0 < due < payment("96369", 2026).per_unit
    assert f.loc[("S2", "U-SHORT")].iloc[1]["dollars_at_risk"] == payment("96371", 2026).per_unit  # add-on: all of it
    assert "96372 with 96369" not in " ".join(res.findings["message"])


# ----------------------------------------------------------------------------- the property


@st.composite
def encounters(draw):
    """An encounter of 1-3 segments (gaps, overlaps, across midnight), 1-3 pumps, a place of
    service and a claim type, with its times as datetimes."""
    start = DAY + dt.timedelta(minutes=draw(st.integers(0, 24 * 60 - 1)))
    segments = []
    at = start
    for _ in range(draw(st.integers(1, 3))):
        at += dt.timedelta(minutes=draw(st.integers(-20, 40)) if segments else 0)  # gap or overlap
        length = draw(st.sampled_from([1, 10, 15, 16, 45, 60, 61, 90, 91, 120, 150, 151, 210, 211, 300]))
        segments.append((at, at + dt.timedelta(minutes=length)))
        at = segments[-1][1]
    claim = draw(st.sampled_from(["professional", "institutional"]))
    pos = draw(st.sampled_from(["11", "11", "49", "19", "22"] if claim == "institutional" else ["11", "11", "49"]))
    return {
        "date": DAY.date().isoformat(),
        "pos": pos,
        "claim": claim,
        "off_campus": "excepted" if pos == "19" else None,
        "infusions": [
            {
                "pumps": draw(st.integers(1, 3)),
                "segments": [
                    {"start": a.isoformat(timespec="minutes"), "stop": b.isoformat(timespec="minutes")}
                    for a, b in segments
                ],
            }
        ],
    }


def claim_rows(enc: dict, lines, claim_id: str = "E1") -> list[list[object]]:
    """The engine's lines as claim lines, each on its own date of service (T-DOS: an institutional
    96370 past midnight is on the next date) with the encounter's first start and last stop."""
    segs = enc["infusions"][0]["segments"]
    first, last = min(s["start"] for s in segs), max(s["stop"] for s in segs)
    return [
        [
            claim_id,
            i,
            (ln.date.isoformat() if ln.date else enc["date"]),
            ln.code,
            ln.units,
            "|".join(ln.modifiers),
            enc["pos"],
            enc["claim"],
            first,
            last,
        ]
        for i, ln in enumerate(lines, start=1)
    ]


def engine_rules(result) -> set[str]:
    return {f.rule for f in result.findings} | {r for ln in result.lines for r in ln.rules}


def span_minutes(enc: dict) -> int:
    segs = enc["infusions"][0]["segments"]
    first = min(dt.datetime.fromisoformat(s["start"]) for s in segs)
    last = max(dt.datetime.fromisoformat(s["stop"]) for s in segs)
    return int((last - first).total_seconds() // 60)


MUTATIONS = ["none", "units+1", "units-1", "drop 96369", "96372 as 96369", "facility POS", "modifier 00"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(enc=encounters(), mutation=st.sampled_from(MUTATIONS), pick=st.integers(0, 3))
def test_the_audit_finds_what_the_engine_would_and_nothing_else(tmp_path, enc, mutation, pick):
    result = code_encounter(enc)
    assume(result.lines)  # no line to write (the engine refused the setting, or no time)
    rows = claim_rows(enc, result.lines)
    clean = found(audit(write(tmp_path / "c.csv", rows)))
    # the engine's own lines: every audit finding is one the engine raised as a finding too (U-MUE)
    assert {rule for _, _, rule in clean} <= {f.rule for f in result.findings}, (enc, clean)
    if mutation == "none":
        return
    i = pick % len(rows)
    code = rows[i][3]
    expect: tuple[int, str] | None = None  # (line number, rule) the audit must give
    if mutation == "units+1":
        # 96372 has no per-encounter limit (separate injections each count): nothing to flag
        assume(code != "96372")
        rows[i][4] += 1
        rule = {"96369": "U-INIT", "96370": "U-HOUR", "96371": "U-PUMP"}[code]
        assert rule in result.lines[i].rules  # the engine names this rule for this line
        if code == "96370" and rows[i][4] <= units.additional_hours(span_minutes(enc)):
            # The engine counted the segments (a pause between them is not infusion time); the
            # span of the times on the claim line includes the pause and supports this many units.
            return
        expect = (i + 1, rule)
    elif mutation == "units-1":
        # Fewer 96370 units than the times support cannot be flagged: a claim line gives only the
        # span of the times, an upper bound of the infusion time (pauses are not on the claim), so
        # fewer units may be right. The engine counts the segments themselves.
        assume(code != "96370" or rows[i][4] > 1)
        return
    elif mutation == "drop 96369":
        assume(code == "96369" and len(rows) > 1)
        del rows[i]
        expect = (rows[0][1], "U-ADDON")
        assert "U-ADDON" in result.lines[1].rules
    elif mutation == "96372 as 96369":
        assume(code == "96372")
        rows[i][3] = "96369"
        assert "U-SHORT" in result.lines[i].rules
        if span_minutes(enc) > units.SHORT_MAX_MINUTES:
            # The engine counted 15 minutes or less, but the span of the times is longer (a pause
            # between segments): the claim line cannot show the pause, so the audit cannot see it.
            return
        expect = (i + 1, "U-SHORT")
    elif mutation == "facility POS":
        assume(enc["claim"] == "professional")
        for r in rows:
            r[6] = "22"
        assert "S-FACILITY" in engine_rules(code_encounter({**enc, "pos": "22"}))
        expect = (rows[i][1], "S-FACILITY")
    elif mutation == "modifier 00":
        rows[i][5] = "|".join(filter(None, [rows[i][5], "00"]))
        assert "M-VALID" in engine_rules(code_encounter({**enc, "modifiers": {code: ["00"]}}))
        expect = (i + 1, "M-VALID")
    assert expect is not None
    got = found(audit(write(tmp_path / "m.csv", rows)))
    assert ("E1", str(expect[0]), expect[1]) in got, (mutation, enc, rows, got)


def test_one_definition_of_each_threshold():
    """The audit takes the engine's short-infusion limit and its additional-hour rule."""
    from infusion.audit import checks, claim_dates

    assert checks.SHORT_MAX_MINUTES is units.SHORT_MAX_MINUTES
    assert claim_dates.additional_hours is units.additional_hours
    from infusion.reference import catalog

    for program in catalog.PROGRAMS:
        assert claim_dates.facility_pos(program) is catalog.facility_places(program)
    assert catalog.is_facility_pos("22") and not catalog.is_facility_pos("11")


@pytest.mark.parametrize(
    "pos, medicare, commercial",
    [
        ("32", False, True),
        ("25", False, True),
        ("54", False, True),
        ("41", True, False),
        ("53", True, False),
        ("56", True, False),
        ("22", True, True),
        ("11", False, False),
    ],
)
def test_facility_places_by_program_in_the_engine_and_the_audit(tmp_path, pos, medicare, commercial):
    """100-04 ch. 12 §20.4.2: POS 32 (Part B resident of a nursing facility), 25 and 54 are
    non-facility for Medicare, 41, 42, 53 and 56 facility; the payers' policies differ (issue 20)."""
    from infusion.reference import catalog

    assert (pos in catalog.facility_places("medicare"), pos in catalog.facility_places("commercial")) == (
        medicare,
        commercial,
    )
    for payer, payer_text, facility in (("medicare", "MEDICARE PART B", medicare), ("aetna", "Aetna", commercial)):
        result = code_encounter({"pos": pos, "payer": payer, "segments": [{"minutes": 100}]})
        assert bool(result.lines) is not facility, (pos, payer)
        assert ("S-FACILITY" in {f.rule for f in result.findings if f.severity == "error"}) is facility
        path = tmp_path / f"c-{payer}.csv"  # with a payer column: the audit takes the program from it
        path.write_text(
            ",".join(HEADER + ["payer"])
            + "\n"
            + f"C1,1,2026-03-02,96369,1,,{pos},professional,09:00,10:40,{payer_text}\n"
        )
        assert (("C1", "1", "S-FACILITY") in found(audit(path))) is facility, (pos, payer)


def test_a_hospital_encounter_past_midnight_is_one_encounter(tmp_path):
    """100-04 ch. 4 §230.2: one initial service per encounter, observation stays over more than
    one calendar day included. An institutional claim with 96369 on one date and 96370 on the next
    is correct; a professional claim keeps the same-date rule (issue 20, item 3)."""
    rows = [
        ["H1", 1, "2026-03-02", "96369", 1, "", "", "131", "2026-03-02T22:30", "2026-03-03T01:10"],  # 160 min
        ["H1", 2, "2026-03-03", "96370", 2, "", "", "131", "2026-03-02T22:30", "2026-03-03T01:10"],
        ["H2", 1, "2026-03-02", "96369", 1, "", "", "131", "22:30", "23:59"],  # clock times on each date
        ["H2", 2, "2026-03-03", "96370", 2, "", "", "131", "00:00", "01:10"],
        ["H3", 1, "2026-03-02", "96369", 1, "", "", "131", "22:30", "23:59"],
        ["H3", 2, "2026-03-03", "96370", 3, "", "", "131", "00:00", "01:10"],  # 160 min support 2, not 3
        ["H4", 1, "2026-03-05", "96370", 1, "", "", "131", "09:00", "11:00"],  # no 96369 on that day or before
        ["P1", 1, "2026-03-02", "96369", 1, "", "11", "professional", "2026-03-02T22:30", "2026-03-03T01:10"],
        ["P1", 2, "2026-03-03", "96370", 2, "", "11", "professional", "2026-03-02T22:30", "2026-03-03T01:10"],
    ]
    res = audit(write(tmp_path / "c.csv", rows))
    assert found(res) == {("H3", "2", "U-HOUR"), ("H4", "1", "U-ADDON"), ("P1", "2", "U-ADDON")}
    assert "or the day before" in res.findings.set_index("claim_id").loc["H4", "message"]
    assert "or the day before" not in res.findings.set_index(["claim_id", "rule"]).loc[("P1", "U-ADDON"), "message"]


def test_institutional_claims_are_judged_by_the_outpatient_hospital_mue(tmp_path):
    """Issue 29 item 2: the outpatient hospital MUE of 96372 is 5, the practitioner's 4; of 96370 both 3."""
    rows = [
        ["H1", 1, "2026-03-02", "96369", 1, "", "", "131", "08:00", "13:00"],
        ["H1", 2, "2026-03-02", "96370", 4, "", "", "131", "08:00", "13:00"],  # 300 min: 4 units, MUE 3
        ["H2", 1, "2026-03-02", "96372", 5, "", "", "131", "", ""],  # outpatient MUE 5: passes
        ["P1", 1, "2026-03-02", "96369", 1, "", "11", "professional", "08:00", "13:00"],
        ["P1", 2, "2026-03-02", "96370", 4, "", "11", "professional", "08:00", "13:00"],
        ["P2", 1, "2026-03-02", "96372", 5, "", "11", "professional", "", ""],
    ]  # practitioner MUE 4
    res = audit(write(tmp_path / "c.csv", rows))
    assert found(res) == {("H1", "2", "U-MUE"), ("P1", "2", "U-MUE"), ("P2", "1", "U-MUE")}
    msg = res.findings.set_index("claim_id")["message"]
    assert "outpatient hospital MUE 2024-07-01, MAI 3" in msg["H1"] and "practitioner MUE" in msg["P2"]
    result = code_encounter({"pos": "22", "claim": "institutional", "payer": "aetna", "segments": [{"minutes": 300}]})
    mue = [f for f in result.findings if f.rule == "U-MUE"]
    assert [f.severity for f in mue] == ["warning"]
    assert "above the MUE of 3 (medicare outpatient hospital" in mue[0].message
    said = " ".join(f.message for f in result.findings)
    assert "Medicare pays it through OPPS" not in said and "hospital contract" in said
    medicare = code_encounter(
        {"pos": "22", "claim": "institutional", "payer": "medicare", "segments": [{"minutes": 95}]}
    )
    assert "Medicare pays it through OPPS" in " ".join(f.message for f in medicare.findings)
    office = code_encounter({"pos": "11", "claim": "institutional", "segments": [{"minutes": 95}]})
    assert any(f.severity == "warning" and "not a hospital setting" in f.message for f in office.findings)
