"""Rendered reports opened from file:// in chromium: every chart draws, no errors, no network."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("index", [0, 1], ids=["publication", "benchmarks"])
def test_report_draws_offline(page, rendered_reports, index):
    path = rendered_reports[index]
    outside = []

    def guard(route):
        if route.request.url.startswith(("file://", "data:", "blob:", "about:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(path.as_uri(), wait_until="load", timeout=60_000)
    divs = page.locator(".plotly-graph-div")
    n = divs.count()
    assert n >= 2
    page.wait_for_function(
        "n => document.querySelectorAll('.plotly-graph-div svg.main-svg').length >= n", arg=n, timeout=60_000
    )
    for i in range(n):
        assert divs.nth(i).locator("svg.main-svg").count() >= 1, f"chart {i} did not draw"
    assert outside == [], f"requests left the machine: {outside}"
    assert page.console_errors == [], page.console_errors
    assert "data not available" in page.inner_text("body") or index == 1


def test_report_tables_fit_the_page_and_their_addresses_are_links(page, rendered_reports):
    """Issue 30: the payer policy table was 1,691 px wide in a 1,234 px column, no link clickable."""
    page.set_viewport_size({"width": 1280, "height": 1600})
    page.goto(rendered_reports[0].as_uri(), wait_until="load", timeout=60_000)
    widths = page.evaluate("""() => [...document.querySelectorAll('table.report-table')].map(t => {
        const box = t.parentElement.getBoundingClientRect();
        return [t.querySelector('caption') ? t.querySelector('caption').innerText : '', t.scrollWidth,
                Math.max(box.width, document.documentElement.clientWidth - 40)]; })""")
    wide = [(cap, w, room) for cap, w, room in widths if w > room + 2]
    assert widths and not wide, wide
    policy = page.locator("table.report-table", has_text="Payer policies that bear on these codes")
    links = policy.locator("a[href^='http']")
    assert links.count() >= 5
    href = links.first.get_attribute("href")
    assert href.startswith("http") and "&amp;" not in href
    assert "payer_family" not in page.inner_text("body")
