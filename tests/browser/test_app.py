"""The training notebook served by Voila, driven in chromium: widgets update, quiz explains."""

from __future__ import annotations

import re

import pytest

TIMEOUT = 60_000


def lines(page) -> dict[str, str]:
    rows = page.locator(".infusion-lines tr.line")
    return {rows.nth(i).get_attribute("data-code"): rows.nth(i).get_attribute("data-units")
            for i in range(rows.count())}


def type_into(page, selector: str, value: str) -> None:
    box = page.locator(selector).first
    box.fill(value)
    box.press("Tab")


@pytest.fixture
def app(page, voila_url):
    page.goto(voila_url, timeout=TIMEOUT)
    page.wait_for_selector(".infusion-builder .infusion-summary", timeout=TIMEOUT)
    return page


def wait_summary(page, text: str) -> None:
    page.wait_for_function(
        "t => [...document.querySelectorAll('.infusion-summary')].some(e => e.innerText.includes(t))",
        arg=text, timeout=TIMEOUT)


def test_95_minute_scenario_gives_96369_and_96370(app):
    type_into(app, ".seg-stop input", "10:00")
    wait_summary(app, "60 min counted: 96369 x1")
    assert lines(app) == {"96369": "1"}
    type_into(app, ".seg-stop input", "10:35")
    wait_summary(app, "95 min counted: 96369 x1, 96370 x1")
    assert lines(app) == {"96369": "1", "96370": "1"}
    assert "$144.96" in app.inner_text(".infusion-lines")


def test_second_pump_adds_96371(app):
    type_into(app, ".seg-stop input", "10:35")
    wait_summary(app, "95 min counted")
    type_into(app, ".pumps input", "2")
    wait_summary(app, "96369 x1, 96370 x1, 96371 x1")
    assert lines(app) == {"96369": "1", "96370": "1", "96371": "1"}
    assert "U-PUMP" in app.inner_text(".infusion-lines")


def test_timeline_chart_draws(app):
    app.wait_for_selector(".plot-out .js-plotly-plot svg.main-svg, .plot-out svg", timeout=TIMEOUT)


def test_wrong_quiz_answer_shows_the_explanation(app):
    app.wait_for_selector(".infusion-quiz .quiz-story", timeout=TIMEOUT)
    assert "Weekly SCIG" in app.inner_text(".infusion-quiz .quiz-story")  # sc-001: 45 minutes
    type_into(app, ".quiz-answer input", "96369 x1, 96370 x1")
    app.click("button.quiz-grade")
    fb = app.wait_for_selector(".quiz-feedback", timeout=TIMEOUT)
    assert fb.get_attribute("data-correct") == "false"
    text = fb.inner_text()
    assert "96370: you gave 1, the answer is 0" in text and "U-HOUR" in text
    assert re.search(r"0 of 1 correct", app.inner_text(".quiz-score"))
