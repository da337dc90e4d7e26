"""Issue 28, items 1, 5 and 9: no markup from an input file in a report, a schedule that renders
again when a file it reads changes, and names a schedule cannot abuse.

Hostile texts carry the marker ``zqx``; a report holds none of it as markup when no element name,
attribute name or attribute value it parses to contains the marker, and text that reaches a
Markdown note survives as the same visible text (its ``*``, ``[`` and ``<`` not read as markup).
"""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from infusion.config import REPO_ROOT
from infusion.errors import InputError
from infusion.reporting.render import Job, render, validate_job
from infusion.reporting.schedule import expand_jobs, run_schedule

HOSTILE = [
    "</p><script>zqx1()</script>",
    "<img src=x onerror=zqx2()>",
    "[click](javascript:zqx3())",
    "*zqx4* _zqx5_ `zqx6`",
    "<a href='http://zqx7'>x</a>",
    "\x1b[31mzqx8\r\n# zqx9",
    "&lt;zqx10&gt;",
]


class _Markup(HTMLParser):
    """Every element name, attribute name and value of a document (script and style bodies apart)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.markup: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.markup.append(tag)
        for k, v in attrs:
            self.markup += [k, v or ""]

    def handle_data(self, data):
        self.text.append(data)


def markup_of(html: str) -> tuple[str, str]:
    p = _Markup()
    p.feed(html)
    return " ".join(p.markup).lower(), "".join(p.text)


def _hostile_rates(path: Path, texts: list[str]) -> Path:
    """The real rates of 96370 with every text field of every row replaced by hostile text."""
    df = pd.read_parquet(REPO_ROOT / "data" / "benchmarks" / "real_rates.parquet")
    df = df[df["billing_code"] == "96370"].copy()
    for i, col in enumerate(
        [
            "payer_name",
            "plan_name",
            "reporting_entity",
            "source_file",
            "source_column",
            "state",
            "last_updated",
            "setting",
        ]
    ):
        df[col] = [texts[(i + j) % len(texts)] for j in range(len(df))]
    df.loc[df.index[:3], "negotiated_type"] = texts[0]  # reaches the note's "left out" reasons
    df.to_parquet(path, index=False)
    return path


@pytest.mark.parametrize("notebook", ["02_payer_benchmarks.ipynb", "03_code_publication.ipynb"])
def test_a_hostile_rates_file_makes_no_markup_in_the_reports(tmp_path, notebook):
    rates = _hostile_rates(tmp_path / "hostile.parquet", HOSTILE)
    path = render(Job(notebook, {"code": "96370", "rates_path": str(rates)}, "r.html"), tmp_path / "reports", png=False)
    markup, text = markup_of(path.read_text(encoding="utf-8"))
    assert "zqx" not in markup
    assert "not a dollar amount (</p><script>zqx1()</script>)" in text  # the note: shown as text
    assert "<img src=x onerror=zqx2()>" in text and "*zqx4* _zqx5_ `zqx6`" in text  # the rates table


def test_a_hostile_claims_file_makes_no_markup_in_the_audit_report(tmp_path):
    claims = tmp_path / "claims.csv"
    rows = ["claim_id,line_number,date_of_service,code,units,modifiers,payer,provider"]
    for i, h in enumerate(HOSTILE):
        q = '"' + h.replace('"', '""').replace("\r\n", " ") + '"'
        rows.append(f"C{i},1,2026-03-02,96370,1,{q},{q} Health Plan,{q} Clinic")
    claims.write_text("\n".join(rows) + "\n")
    path = render(Job("04_claims_audit.ipynb", {"claims_path": str(claims)}, "a.html"), tmp_path / "reports", png=False)
    html = path.read_text(encoding="utf-8")
    markup, text = markup_of(html)
    assert "zqx" not in markup and "lines in 7 = checked 7 + rejected 0" in text
    # payers and providers holding markup or control characters are digests, never shown; the one
    # that is plain text (an entity written out) is shown as that text
    assert re.findall(r"zqx(?:1|2|7|8)\b", text) == []
    assert "&lt;zqx10&gt; Health Plan" in text and "[click](javascript:zqx3()) Clinic" in text  # inert text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.text(
            alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Z", "Cc")), min_size=1, max_size=40
        ).map(lambda t: t + "zqx"),
        min_size=3,
        max_size=6,
    )
)
def test_any_text_in_a_rates_file_is_text_in_every_part_of_the_benchmark(tmp_path, texts):
    """Property: the pieces the notebooks show (the note through nbconvert's own Markdown renderer,
    the tables as HTML, the chart as HTML) hold no markup made from the text of a rates file."""
    from infusion.workbook import publication as pub
    from infusion.workbook.display import figure_bundle, table_bundle
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    rates = _hostile_rates(tmp_path / "h.parquet", texts)
    b = pub.commercial_benchmarks(pub.validate_params("96370", 2026, ["aetna", "bcbs"], None, str(rates)))
    html = markdown2html_mistune(b.note)
    for df in (b.table, b.rates):
        html += table_bundle(df, "caption")["text/html"]
    html += str(figure_bundle(b.figure)["text/html"]) if b.figure is not None else ""
    markup, _ = markup_of(html)
    assert "zqx" not in markup


# ---------------------------------------------------------------- 5. the fingerprint reads the files named


def test_a_changed_claims_file_renders_again(tmp_path):
    claims = tmp_path / "claims.csv"
    head = "claim_id,line_number,date_of_service,code,units\n"
    claims.write_text(head + "".join(f"C{i},1,2026-03-02,96370,1\n" for i in range(331)))
    cfg = tmp_path / "s.yaml"
    cfg.write_text(
        json.dumps(
            {
                "jobs": [
                    {
                        "notebook": "04_claims_audit.ipynb",
                        "output": "audit.html",
                        "parameters": {"claims_path": str(claims)},
                    }
                ]
            }
        )
    )
    reports = tmp_path / "reports"
    assert [o.status for o in run_schedule(cfg, reports_dir=reports)] == ["ok"]
    assert "lines in 331" in (reports / "audit.html").read_text()
    claims.write_text(head + "".join(f"C{i},1,2026-03-02,96370,1\n" for i in range(9)))
    assert [o.status for o in run_schedule(cfg, reports_dir=reports)] == ["ok"]
    assert "lines in 9 = checked 9" in (reports / "audit.html").read_text()
    assert [o.status for o in run_schedule(cfg, reports_dir=reports)] == ["skipped"]
    statuses = [json.loads(x)["status"] for x in (reports / "logs" / "render-log.jsonl").read_text().splitlines()]
    assert statuses == ["ok", "ok", "skipped"]


# ---------------------------------------------------------------- 9. names a schedule cannot abuse

NB = "03_code_publication.ipynb"


@pytest.mark.parametrize(
    "job, words",
    [
        (
            {"notebook": NB, "output": "x-{code}.html", "parameters": {"code": "96370"}, "name": "{code:>50000000}"},
            "is not a plain {parameter} name",
        ),
        (
            {
                "notebook": NB,
                "output": "x-{code}.html",
                "parameters": {"code": "96370"},
                "name": "{code.__class__.__mro__}",
            },
            "is not a plain {parameter} name",
        ),
        (
            {"notebook": NB, "output": "x-{code}.html", "parameters": {"code": "96370"}, "name": "{code!r}"},
            "is not a plain {parameter} name",
        ),
        ({"notebook": NB, "output": "x-{code}.html", "parameters": {"code": "9\n6370"}}, "control character"),
    ],
)
def test_a_pattern_is_plain_parameter_names(job, words):
    with pytest.raises(InputError, match=words.replace("{", r"\{").replace("}", r"\}")):
        expand_jobs({"jobs": [job]})


@pytest.mark.parametrize(
    "output", ["x\n.html", "a/../x.html", "\u2024\u2024/x.html", "x.html ", "dir/", "x .html", "a//x.html", "x.html/"]
)
def test_an_output_name_of_odd_characters_is_refused(tmp_path, output):
    with pytest.raises(InputError, match="is not an .html file name inside reports/|holds a control character"):
        [(name, job)] = expand_jobs({"jobs": [{"notebook": NB, "output": output}]})
        validate_job(job, f"job {name!r}", tmp_path)


def test_a_symbolic_link_inside_reports_cannot_lead_outside(tmp_path):
    reports = tmp_path / "reports"
    outside = tmp_path / "outside"
    reports.mkdir()
    outside.mkdir()
    os.symlink(outside, reports / "out")
    [(name, job)] = expand_jobs({"jobs": [{"notebook": NB, "output": "out/x.html"}]})
    with pytest.raises(InputError, match="passes through a symbolic link"):
        validate_job(job, f"job {name!r}", reports)


def test_parameter_values_json_cannot_hold_are_an_invalid_job_and_the_others_run(tmp_path):
    cfg = tmp_path / "s.yaml"
    cfg.write_text(
        "jobs:\n"
        "  - {notebook: 03_code_publication.ipynb, output: a.html, parameters: {code: 2026-01-01}}\n"
        "  - {notebook: 03_code_publication.ipynb, output: b.html, parameters: {code: !!binary aGk=}}\n"
        "  - {notebook: 03_code_publication.ipynb, output: c.html, parameters: {code: !!set {a: null}}}\n"
        "  - {notebook: 03_code_publication.ipynb, output: d.html,\n"
        "     parameters: {code: '96371', year: 2025}}\n"
    )
    reports = tmp_path / "reports"
    assert [o.status for o in run_schedule(cfg, reports_dir=reports)] == ["invalid", "invalid", "invalid", "ok"]
    statuses = [json.loads(x)["status"] for x in (reports / "logs" / "render-log.jsonl").read_text().splitlines()]
    assert statuses == ["invalid", "invalid", "invalid", "ok"] and (reports / "d.html").exists()
