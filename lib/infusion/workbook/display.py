"""Showing figures and tables in notebooks, in JupyterLab and Voila alike, and in HTML reports.

:func:`show_figure` displays one bundle with the Plotly MIME type (JupyterLab and Voila draw it
interactively) and a ``text/html`` version (what nbconvert puts in a report). In a report run
(``INFUSION_REPORT=1``, set by :mod:`infusion.reporting.render`) the first figure carries plotly.js inline, so
the HTML report draws offline with no CDN; elsewhere the HTML part carries no library.
"""

from __future__ import annotations

import html as _html
import json
import os
import re

import plotly.graph_objects as go
from IPython import get_ipython
from IPython.display import Markdown, display

_state = {"plotlyjs_sent": False}


def report_mode() -> bool:
    return os.environ.get("INFUSION_REPORT") == "1"


def figure_bundle(fig: go.Figure) -> dict[str, object]:
    """The MIME bundle for ``fig`` (see module doc)."""
    include = report_mode() and not _state["plotlyjs_sent"]
    if include:
        _state["plotlyjs_sent"] = True
    html = fig.to_html(
        full_html=False, include_plotlyjs=True if include else False, config={"displaylogo": False, "responsive": True}
    )
    return {
        "application/vnd.plotly.v1+json": json.loads(fig.to_json()),
        "text/html": html,
        "text/plain": f"<figure: {fig.layout.title.text or 'untitled'}>",
    }


def show_figure(fig: go.Figure) -> None:
    """Display ``fig`` as a MIME bundle (never opens a browser; does nothing outside IPython)."""
    if get_ipython() is None:
        return
    display(figure_bundle(fig), raw=True)


# an address in a cell (already HTML-escaped by to_html: no quote or angle bracket can be in it)
_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;)]")


def table_bundle(df, caption: str | None = None, links: bool = False) -> dict[str, object]:
    """Plain text (for nbval and terminals) and HTML (for reports) of a table.

    ``links=True`` makes the web addresses in cells clickable; only for tables of our own curated
    data (policies, sources), never for text that came from a user's file, which stays inert text.
    """
    cap = f"<caption>{_html.escape(caption)}</caption>" if caption else ""
    body = df.to_html(index=False, border=0, classes="report-table", na_rep="data not available")
    if links:
        body = _URL.sub(lambda m: f'<a href="{m.group(0)}" rel="noopener noreferrer">{m.group(0)}</a>', body)
    body = (
        "<style>table.report-table {max-width: 100%; table-layout: auto;} "
        "table.report-table td, table.report-table th {text-align: left !important; vertical-align: top; "
        "overflow-wrap: anywhere; word-break: break-word; max-width: 32em;}</style>"
    ) + body
    if cap:
        body = body.replace('class="dataframe report-table">', 'class="dataframe report-table">' + cap, 1)
    text = df.to_string(index=False, na_rep="data not available")
    return {"text/plain": (caption + "\n" if caption else "") + text, "text/html": body}


def show_table(df, caption: str | None = None, links: bool = False) -> None:
    """Display a DataFrame as a text + HTML bundle (no index); see :func:`table_bundle` for ``links``."""
    display(table_bundle(df, caption, links), raw=True)


def show_markdown(text: str) -> None:
    display(Markdown(text))
