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
        "n => document.querySelectorAll('.plotly-graph-div svg.main-svg').length >= n", arg=n,
        timeout=60_000)
    for i in range(n):
        assert divs.nth(i).locator("svg.main-svg").count() >= 1, f"chart {i} did not draw"
    assert outside == [], f"requests left the machine: {outside}"
    assert page.console_errors == [], page.console_errors
    assert "data not available" in page.inner_text("body") or index == 1
