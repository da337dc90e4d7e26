"""The footer of every report: the render date, what was rendered, the data sources, the CPT line.

Used by the publication, the benchmark report and the claims audit report; a module of its own so
that the audit (a lower layer) does not import the publication.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable


def report_footer(what: str, data_sources: Iterable[str], note: str = "") -> str:
    """The footer of every report: the render date, ``what`` was rendered (text), the data sources,
    ``note`` (text) and the CPT copyright line."""
    today = dt.date.today().isoformat()
    items = "".join(f"<li>{html.escape(s)}</li>" for s in data_sources)
    extra = f"{html.escape(note)} " if note else ""
    return (
        f"<footer class='report-footer' style='border-top:1px solid #ccc;margin-top:2em;"
        f"font-size:85%;color:#444'><p>Rendered {today} by infusion-workbook; {html.escape(what)}</p>"
        f"<p>Data sources:</p><ul>{items}</ul>"
        f"<p>{extra}CPT codes are AMA copyright; descriptions here are the project's own words.</p>"
        "</footer>"
    )


DEFAULT_DATA_SOURCES = (
    "CMS PFS Relative Value Files PPRRVU22_JAN, PPRRVU2025_Oct (RVU25D), PPRRVU2026_Jan (QP/non-QP)",
    "CMS Addendum E GPCI files 2022, 2025, 2026; CMS ZIP5_OCT2025 ZIP-to-locality file",
    "CMS OPPS Addendum B (2023 January xlsx; 2023-2026 quarterly SI and rates via softek/CMS.HCPCS)",
    "CMS Medicaid NCCI practitioner MUE file, Q1 2026",
    "Payer policies and dated updates: data/reference/payer_policies.csv, policy_timeline.csv",
)
