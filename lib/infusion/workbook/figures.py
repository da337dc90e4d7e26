"""Plotly figure builders used by the notebooks and reports (their data and layout are tested).

Every figure carries its source in an annotation at the bottom; figures of illustrative data say so
in the title.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..coding.records import CodingResult
from ..coding.units import additional_hours, hour_thresholds

FAMILY_COLORS = {"96369": "#1f77b4", "96370": "#ff7f0e", "96371": "#2ca02c", "96372": "#9467bd"}
PAYER_ORDER = ["Medicare", "Aetna", "BCBS", "Cigna", "UnitedHealthcare", "Other", "Medicare Advantage (all payers)"]


def _source_note(fig: go.Figure, text: str) -> None:
    fig.add_annotation(
        text=text,
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-75,
        showarrow=False,
        xanchor="left",
        yanchor="top",
        font={"size": 10, "color": "#555"},
    )
    fig.update_layout(margin={"b": 110})


def timeline_figure(result: CodingResult, title: str = "Infusion time and the units it earns") -> go.Figure:
    """Counted time on a minutes axis, with the hour marks and the 30-minute thresholds.

    Each merged interval of clock time is a bar from its start (minutes from the first start);
    duration-only segments follow. Vertical lines: 15 min (injection limit), 60, 120, ... (hours)
    and 91, 151, 211, ... (where each 96370 unit starts).
    """
    tl = result.timeline
    fig = go.Figure()
    bars: list[tuple[float, float, str]] = []
    if tl is not None and tl.intervals:
        t0 = tl.intervals[0].start
        for iv in tl.intervals:
            a = (iv.start - t0).total_seconds() / 60
            b = (iv.stop - t0).total_seconds() / 60
            label = f"segments {', '.join(map(str, iv.segments))}: {iv.start:%H:%M}-{iv.stop:%H:%M}"
            bars.append((a, b - a, label))
    offset = (bars[-1][0] + bars[-1][1]) if bars else 0.0
    if tl is not None and tl.duration_minutes:
        bars.append((offset, float(tl.duration_minutes), f"documented duration {tl.duration_minutes} min"))
    for start, length, label in bars:
        fig.add_trace(
            go.Bar(
                x=[length],
                base=[start],
                y=["clock"],
                orientation="h",
                name=label,
                marker_color="#4c78a8",
                hovertemplate=label + "<extra></extra>",
                showlegend=False,
            )
        )
    # counted minutes laid end to end: what the unit rules see
    if result.total_minutes:
        fig.add_trace(
            go.Bar(
                x=[result.total_minutes],
                base=[0],
                y=["counted"],
                orientation="h",
                marker_color="#f58518",
                name=f"counted {result.total_minutes} min",
                hovertemplate=f"counted {result.total_minutes} min<extra></extra>",
                showlegend=False,
            )
        )
    span = max(result.total_minutes, offset, 60) + 40
    shapes, notes = _marks(span)
    fig.update_layout(shapes=shapes, annotations=notes)  # once: add_vline re-checks every shape each call
    codes = ", ".join(f"{ln.code} x{ln.units}" for ln in result.lines) or "no administration line"
    fig.update_layout(
        title=f"{title}<br><sup>{result.total_minutes} min counted: {codes}</sup>",
        xaxis_title="minutes",
        barmode="overlay",
        height=300,
        xaxis_range=[0, span],
        margin={"b": 90, "t": 80},
    )
    return fig


def _marks(span: float) -> tuple[list[dict], list[dict]]:
    """The timeline's vertical lines and their labels: 15 min (injection limit), each hour, and
    where each 96370 unit starts (91, 151, ...), as plain layout dicts."""

    def vline(x: int, **line: str) -> dict:
        return {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain", "line": line}

    def label(x: int, y: float, text: str, **font: object) -> dict:
        return {"x": x, "y": y, "yref": "paper", "text": text, "showarrow": False, "font": font}

    shapes = [vline(15, dash="dot", color="#9467bd")]
    notes = [label(15, 1.08, "15", size=10)]
    for h in range(60, int(span) + 1, 60):
        shapes.append(vline(h, color="#888"))
        notes.append(label(h, 1.08, f"{h // 60} h", size=10))
    for t in hour_thresholds(int(span)):
        shapes.append(vline(t, dash="dash", color="#d62728"))
        notes.append(label(t, -0.12, f"{t}: 96370 x{additional_hours(t)}", size=9, color="#d62728"))
    return shapes, notes


def units_step_figure(max_minutes: int = 300) -> go.Figure:
    """96370 units against counted minutes: the step function of rule U-HOUR."""
    minutes = list(range(1, max_minutes + 1))
    fig = go.Figure(
        go.Scatter(
            x=minutes, y=[additional_hours(m) for m in minutes], mode="lines", line_shape="hv", name="96370 units"
        )
    )
    fig.update_layout(
        title="Units of 96370 by counted minutes (rule U-HOUR)",
        xaxis_title="counted minutes",
        yaxis_title="96370 units",
        height=320,
    )
    return fig


def medicare_by_year_figure(table: pd.DataFrame) -> go.Figure:
    """Lines of national PFS payment by year per code.

    ``table``: columns ``year``, ``code``, ``amount`` (NaN where not available), ``label``.
    Years without data are gaps in the line, never zero.
    """
    fig = go.Figure()
    for code, g in table.groupby("code", sort=True):
        g = g.sort_values("year")
        fig.add_trace(
            go.Scatter(
                x=g["year"],
                y=g["amount"],
                mode="lines+markers",
                name=code,
                line={"color": FAMILY_COLORS.get(str(code))},
                connectgaps=False,
                text=g.get("label"),
                hovertemplate="%{x}: $%{y:.2f}<extra>" + str(code) + "</extra>",
            )
        )
    fig.update_layout(
        title="Medicare physician fee schedule, national non-facility payment by year",
        xaxis_title="year",
        yaxis_title="payment per unit ($)",
        height=380,
        xaxis={"dtick": 1},
        margin={"b": 90},
    )
    _source_note(
        fig, "Source: CMS PPRRVU files (RVUs) and conversion factors, data/medicare/; 2024 uses the CF from 9 March."
    )
    return fig


def asp_trend_figure(table: pd.DataFrame) -> go.Figure:
    """Lines of the CMS ASP payment limit per billing unit by quarter, one per drug code.

    ``table``: columns ``hcpcs``, ``product``, ``quarter``, ``payment_limit`` (``whole_claim.asp_trend``).
    """
    fig = go.Figure()
    for code, g in table.groupby("hcpcs", sort=True):
        g = g.sort_values("quarter")
        name = f"{code} {g['product'].iloc[0]}"
        fig.add_trace(
            go.Scatter(
                x=g["quarter"],
                y=g["payment_limit"],
                mode="lines+markers",
                name=name,
                hovertemplate="%{x}: $%{y:.3f} per unit<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(
        title="Medicare Part B payment limit (106% of ASP) per billing unit, by quarter",
        xaxis_title="quarter",
        yaxis_title="payment limit per unit ($)",
        height=400,
        xaxis={"type": "category"},
        margin={"b": 90},
    )
    _source_note(
        fig,
        "Source: CMS ASP pricing files January 2024 to January 2026 (data/medicare/asp_limits.csv); "
        "SC immune globulins are billed per 100 mg.",
    )
    return fig


def locality_bar_figure(table: pd.DataFrame, code: str, year: int) -> go.Figure:
    """Sorted horizontal bars of the PFS payment for ``code`` across localities."""
    t = table.sort_values("amount")
    fig = go.Figure(
        go.Bar(
            x=t["amount"],
            y=t["locality_name"],
            orientation="h",
            marker_color=FAMILY_COLORS.get(code, "#4c78a8"),
            hovertemplate="%{y}: $%{x:.2f}<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"{code}: Medicare PFS non-facility payment by locality, {year}",
        xaxis_title="payment per unit ($)",
        height=max(400, 14 * len(t)),
        yaxis={"tickfont": {"size": 9}},
        margin={"l": 260, "b": 90},
    )
    _source_note(fig, f"Source: CMS PPRRVU and Addendum E GPCI files for {year}, data/medicare/.")
    return fig


def rates_box_figure(
    rates: pd.DataFrame,
    code: str,
    medicare: float | None,
    illustrative: bool,
    payer_col: str = "payer_family",
    reference: str = "Medicare",
    source: str = "Source: the payers' Transparency in Coverage files loaded.",
) -> go.Figure:
    """Each negotiated rate as a point over a box per payer (``payer_col``), with the Medicare
    ``reference`` payment as a line: the rows given are the rows drawn (the caller's table uses them too)."""
    fig = go.Figure()
    present = list(dict.fromkeys(rates[payer_col]))
    for payer in [p for p in PAYER_ORDER if p in present] + [p for p in present if p not in PAYER_ORDER]:
        r = rates[rates[payer_col] == payer]
        fig.add_trace(
            go.Box(
                y=r["rate"], name=f"{payer} (n={len(r)})", boxpoints="all", jitter=0.4, pointpos=0, marker={"size": 5}
            )
        )
    if medicare is not None:
        fig.add_hline(
            y=medicare,
            line_dash="dash",
            line_color="black",
            annotation_text=f"Medicare {reference} ${medicare:.2f}",
            annotation_position="top left",
        )
    label = "ILLUSTRATIVE SAMPLE DATA, not real rates: " if illustrative else ""
    fig.update_layout(
        title=f"{label}{code}: negotiated in-network rates by payer",
        yaxis_title="negotiated rate ($)",
        height=440,
        margin={"b": 90},
        showlegend=False,
    )
    _source_note(fig, source)
    return fig
