"""Widgets update from their inputs (no browser): lines, payment, findings, quiz feedback."""

from __future__ import annotations

from infusion.workbook.widgets import QuizWidget, ScenarioBuilder, SegmentRow


def codes_in(html: str) -> dict[str, str]:
    import re

    return dict(re.findall(r"data-code='(\d+)' data-units='(\d+)'", html))


def test_builder_default_95_minutes_and_payment():
    w = ScenarioBuilder(segments=[("09:00", "10:35")])
    assert codes_in(w.lines.value) == {"96369": "1", "96370": "1"}
    assert "$144.96" in w.lines.value and "$17.03" in w.lines.value
    assert w.figure is not None and "95 min counted" in w.figure.layout.title.text


def test_builder_second_pump_adds_96371():
    w = ScenarioBuilder(segments=[("09:00", "10:35")])
    w.pumps.value = 2
    assert codes_in(w.lines.value) == {"96369": "1", "96370": "1", "96371": "1"}


def test_builder_segments_add_and_facility():
    w = ScenarioBuilder(segments=[("09:00", "09:40")])
    w.add_button.click()
    row = w.rows.children[-1]
    assert isinstance(row, SegmentRow)
    row.start.value, row.stop.value = "10:00", "10:55"
    assert codes_in(w.lines.value) == {"96369": "1", "96370": "1"}
    assert "gap of 20 min" in w.findings.value
    w.pos.value = "22"
    assert codes_in(w.lines.value) == {} and "S-FACILITY" in w.findings.value
    w.claim.value = "institutional"
    assert "$217.31" in w.lines.value  # OPPS


def test_builder_bad_time_shows_the_error():
    w = ScenarioBuilder(segments=[("22:00", "01:30")])
    assert "give dates for an infusion that crosses midnight" in w.error.value
    assert w.lines.value == ""


def test_quiz_wrong_then_right_and_score():
    q = QuizWidget(start=3)  # sc-004: 90 minutes
    q.answer.value = "96369 x1, 96370 x1"
    q.submit.click()
    assert "data-correct='false'" in q.feedback.value and "U-HOUR" in q.feedback.value
    q.answer.value = "96369 x1"
    q.submit.click()
    assert "data-correct='true'" in q.feedback.value
    assert "1 of 2 correct" in q.score.value
    q.next.click()
    assert q.index == 4 and q.feedback.value == "" and "13:00 to 14:31" in q.story.value
    assert "91 minutes" not in q.story.value  # the title (which names the answer) waits for the grade


def test_builder_drug_line_and_a_packaged_line_outside_the_total():
    """Issue 29: the builder adds the drug's lines, and never counts a packaged line in its total."""
    w = ScenarioBuilder(segments=[("09:00", "10:35")])
    w.drug.value = "J1559"
    w.dose.value = "10.25 g"
    w.vials.value = "10 g, 1 g"
    assert "J1559-JW x7" in w.lines.value and "J1559 x103" in w.lines.value
    w.drug.value = ""
    w.pos.value, w.claim.value, w.pumps.value = "22", "institutional", 2
    w.year.value = 2025
    assert "data-code='96371' data-units='1' data-packaged='true'" in w.lines.value
    assert "Total: $256.83 separately paid" in w.lines.value  # 96369 $210.69 + 96370 $46.14 (W24); 96371 packaged
