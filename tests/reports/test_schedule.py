"""Scheduled rendering: failures isolated, last good report kept, lock, skip unchanged, JSON-lines log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from infusion.config import REPO_ROOT
from infusion.errors import InputError
from infusion.reporting.schedule import Lock, LockedError, expand_jobs, run_schedule

CONFIG = """
jobs:
  - notebook: 03_code_publication.ipynb
    matrix: {code: ["96371", "99999"], year: [2025]}
    output: cpt-{code}-{year}.html
"""


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sched")
    cfg = out / "schedule.yaml"
    cfg.write_text(CONFIG)
    (out / "cpt-99999-2025.html").write_text("the last good copy")
    outcomes = run_schedule(cfg, reports_dir=out)
    return out, cfg, outcomes


def log(out: Path) -> list[dict]:
    return [json.loads(ln) for ln in (out / "logs" / "render-log.jsonl").read_text().splitlines()]


def test_a_broken_job_does_not_take_the_others_down(first_run):
    out, _, outcomes = first_run
    assert [(o.name, o.status) for o in outcomes] == [("cpt-96371-2025", "ok"), ("cpt-99999-2025", "failed")]
    assert "code" in outcomes[1].error
    assert "CPT 96371" in (out / "cpt-96371-2025.html").read_text()
    assert (out / "cpt-99999-2025.html").read_text() == "the last good copy"
    assert list((out / "failed").glob("cpt-99999-2025-*.ipynb"))


def test_log_is_json_lines_with_the_fields(first_run):
    out, _, _ = first_run
    recs = log(out)
    assert [(r["job"], r["status"]) for r in recs[:2]] == [("cpt-96371-2025", "ok"), ("cpt-99999-2025", "failed")]
    for r in recs:
        assert {"job", "parameters", "data_version", "start", "duration", "status", "output"} <= set(r)
    assert "code" in recs[1]["error"]


def test_second_run_skips_unchanged_and_retries_failed(first_run):
    out, cfg, _ = first_run
    run_schedule(cfg, reports_dir=out)
    recs = log(out)[2:4]
    assert [(r["job"], r["status"]) for r in recs] == [("cpt-96371-2025", "skipped"), ("cpt-99999-2025", "failed")]


def test_concurrent_run_is_refused_with_a_clear_message(first_run):
    out, cfg, _ = first_run
    before = log(out)
    with Lock(out / ".lock"), pytest.raises(LockedError, match="another render run holds"):
        run_schedule(cfg, reports_dir=out)
    assert log(out) == before  # nothing ran, nothing logged


def test_config_errors_name_the_entry(tmp_path):
    with pytest.raises(InputError, match="two jobs write"):
        expand_jobs(
            {
                "jobs": [
                    {
                        "notebook": "03_code_publication.ipynb",
                        "matrix": {"code": ["96369", "96370"]},
                        "output": "same.html",
                    }
                ]
            }
        )


NB = "03_code_publication.ipynb"


@pytest.mark.parametrize(
    "job, message",
    [
        ({"notebook": 3, "output": "x.html"}, r"jobs\[0\]\.notebook: 3 is not text"),
        ({"notebook": NB, "output": ["x.html"]}, r"jobs\[0\]\.output: \['x.html'\] is not text"),
        (
            {"notebook": NB, "output": "x.html", "parameters": ["code", "96370"]},
            r"jobs\[0\]\.parameters: .* not a mapping",
        ),
        ({"notebook": NB, "output": "x.html", "matrix": "code"}, r"jobs\[0\]\.matrix: 'code' is not a mapping"),
        ({"notebook": NB, "output": "cpt-{code.html"}, r"jobs\[0\]\.output: 'cpt-\{code.html' is not a pattern"),
        (
            {"notebook": NB, "output": "x-{code}.html", "parameters": {"code": "1"}, "name": "{0}"},
            r"jobs\[0\]\.name: '\{0\}': '\{0\}' is not a plain \{parameter\} name",
        ),
    ],
)
def test_a_job_of_the_wrong_shape_is_named_not_a_python_error(job, message):
    """Found by fuzzing: these stopped the scheduled run with TypeError/ValueError/AttributeError."""
    with pytest.raises(InputError, match=message):
        expand_jobs({"jobs": [job]})


@pytest.mark.parametrize(
    "content, message",
    [
        (b"jobs: [\n  - notebook: x\n", r"config: schedule.yaml line 2: not valid YAML \(expected the node content"),
        ("jobs: [] # caf\u00e9\n".encode("cp1252"), r"config: schedule.yaml is not UTF-8 text \(byte 14:"),
        (None, r"config: '.*' is a directory, not a file"),
    ],
)
def test_a_config_that_cannot_be_read_is_named_before_anything_runs(tmp_path, content, message):
    cfg = tmp_path / "schedule.yaml"
    cfg.mkdir() if content is None else cfg.write_bytes(content)
    with pytest.raises(InputError, match=message):
        run_schedule(cfg, reports_dir=tmp_path / "reports")
    assert not (tmp_path / "reports").exists()


def test_make_reports_renders_the_shipped_schedule_for_the_year():
    from infusion.reporting.schedule import default_jobs

    jobs = default_jobs(2025)
    assert [j.output for j in jobs] == [
        "cpt-96369-publication.html",
        "cpt-96370-publication.html",
        "cpt-96371-publication.html",
        "payer-benchmarks.html",
    ]
    assert {j.parameters["year"] for j in jobs} == {2025}
    assert [j.parameters["code"] for j in jobs] == ["96369", "96370", "96371", "96370"]


def test_shipped_schedule_expands_to_the_four_reports():
    from infusion.yamlio import load_yaml

    jobs = expand_jobs(load_yaml((REPO_ROOT / "reports" / "schedule.yaml").read_text()))
    assert [j.output for _, j in jobs] == [
        "cpt-96369-publication.html",
        "cpt-96370-publication.html",
        "cpt-96371-publication.html",
        "payer-benchmarks.html",
    ]
