"""Figure builders: the data and layout the charts show."""

from __future__ import annotations

import math

import pandas as pd
from infusion.coding.engine import code_encounter, code_minutes
from infusion.workbook.display import figure_bundle
from infusion.workbook.figures import (
    locality_bar_figure,
    medicare_by_year_figure,
    rates_box_figure,
    timeline_figure,
    units_step_figure,
)
from infusion.workbook.publication import locality_table, medicare_by_year


def test_timeline_shows_segments_hour_marks_and_thresholds():
    r = code_encounter({"segments": [{"start": "09:00", "stop": "09:40"}, {"start": "10:00", "stop": "11:35"}]})
    fig = timeline_figure(r)
    clock = [t for t in fig.data if t.y == ("clock",)]
    assert [(t.base[0], t.x[0]) for t in clock] == [(0.0, 40.0), (60.0, 95.0)]
    counted = [t for t in fig.data if t.y == ("counted",)][0]
    assert counted.x[0] == 135
    xs = sorted(s.x0 for s in fig.layout.shapes)
    assert 15 in xs and 60 in xs and 120 in xs and 91 in xs and 151 in xs
    assert "96369 x1, 96370 x1" in fig.layout.title.text


def test_timeline_duration_only_and_empty():
    fig = timeline_figure(code_minutes(50))
    assert [t.x[0] for t in fig.data if t.y == ("clock",)] == [50.0]
    empty = timeline_figure(code_encounter({"segments": [{"start": "09:00"}]}))
    assert "no administration line" in empty.layout.title.text


def test_units_step():
    fig = units_step_figure(300)
    y = list(fig.data[0].y)
    assert y[89] == 0 and y[90] == 1 and y[150] == 2 and fig.data[0].line.shape == "hv"


def test_medicare_by_year_has_gaps_not_zeros():
    t = medicare_by_year(["96370"])
    fig = medicare_by_year_figure(t)
    (trace,) = fig.data
    assert list(trace.x) == list(range(2019, 2027))
    assert trace.y[-1] == 17.03 and trace.connectgaps is False
    missing = pd.DataFrame({"code": ["96370", "96370"], "year": [2018, 2019], "amount": [float("nan"), 15.86]})
    y = medicare_by_year_figure(missing).data[0].y
    assert math.isnan(y[0]) and y[1] == 15.86


def test_locality_bars_sorted():
    loc = locality_table("96369", 2025)
    fig = locality_bar_figure(loc, "96369", 2025)
    xs = list(fig.data[0].x)
    assert xs == sorted(xs) and len(xs) == 109 and max(xs) == loc["amount"].max()


def test_rates_box_labels_illustrative_and_medicare_line():
    rates = pd.DataFrame({"payer_family": ["Aetna", "Aetna", "Cigna"], "rate": [20.0, 22.0, 19.0]})
    fig = rates_box_figure(rates, "96370", 17.03, illustrative=True)
    assert fig.layout.title.text.startswith("ILLUSTRATIVE")
    assert [t.name for t in fig.data] == ["Aetna (n=2)", "Cigna (n=1)"]
    assert [list(t.y) for t in fig.data] == [[20.0, 22.0], [19.0]] and fig.data[0].boxpoints == "all"
    assert any(s.y0 == 17.03 for s in fig.layout.shapes)
    assert not rates_box_figure(rates, "96370", None, illustrative=False).layout.title.text.startswith("ILLUSTRATIVE")


def test_report_bundle_embeds_plotlyjs_once(monkeypatch):
    import infusion.workbook.display as d

    monkeypatch.setenv("INFUSION_REPORT", "1")
    monkeypatch.setitem(d._state, "plotlyjs_sent", False)
    first = figure_bundle(units_step_figure())["text/html"]
    second = figure_bundle(units_step_figure())["text/html"]
    assert len(first) > 1_000_000 and len(second) < 100_000
    assert "application/vnd.plotly.v1+json" in figure_bundle(units_step_figure())
