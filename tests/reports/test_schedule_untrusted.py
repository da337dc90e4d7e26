"""A schedule file or a render's options are input like any other (issue 22): they write only in
reports/, run no code, wait a bounded time, and a report is skipped only when it is the very file
the last good render wrote."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from infusion.cli.render import EXIT_LOCKED
from infusion.config import REPO_ROOT
from infusion.errors import InputError
from infusion.reporting.render import Job, render, validate_job
from infusion.reporting.runner import render_jobs
from infusion.reporting.schedule import expand_jobs, run_schedule
from infusion.safe_io import Lock, LockedError

NB = "03_code_publication.ipynb"
GOOD = {"notebook": NB, "parameters": {"code": "96371", "year": 2025}, "output": "good.html"}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infusion", *args], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120
    )


def log(reports: Path) -> list[dict]:
    return [json.loads(ln) for ln in (reports / "logs" / "render-log.jsonl").read_text().splitlines()]


def _statuses(outcomes) -> list[str]:
    return [o.status for o in outcomes]


@pytest.mark.parametrize(
    "job, field, words",
    [
        ({"notebook": NB, "output": "../README.md"}, "output", "not an .html file name inside reports/"),
        ({"notebook": NB, "output": "/tmp/x.html"}, "output", "no absolute path"),
        ({"notebook": NB, "output": "logs/x.html"}, "output", "not in logs/"),
        ({"notebook": NB, "output": "."}, "output", "not an .html file name"),
        ({"notebook": NB, "output": ""}, "output", "not an .html file name"),
        ({"notebook": "../README.md", "output": "x.html"}, "notebook", "not a notebook in notebooks/"),
        ({"notebook": "/etc/passwd", "output": "x.html"}, "notebook", "not a notebook in notebooks/"),
        (
            {"notebook": NB, "output": "x.html", "parameters": {"__import__('os').system('touch /tmp/pwn')#": 1}},
            "parameters",
            "is not a parameter name",
        ),
        (
            {"notebook": NB, "output": "x.html", "parameters": {"colour": "red"}},
            "parameters.colour",
            "declares no parameter 'colour'",
        ),
        (
            {"notebook": NB, "output": "x.html", "parameters": {"year": "2026"}},
            "parameters.year",
            "(int, as its default 2026)",
        ),
        ({"notebook": NB, "output": "x.html", "parameters": {"year": float("nan")}}, "parameters.year", "not of the"),
        (
            {"notebook": NB, "output": "x.html", "parameters": {"payers": [["nested"]]}},
            "parameters.payers",
            "not of the",
        ),
        (
            {"notebook": NB, "output": "x.html", "parameters": {"rates_path": "/dev/null"}},
            "parameters.rates_path",
            "not a regular file",
        ),
    ],
)
def test_a_job_that_would_write_outside_reports_or_run_code_is_named(tmp_path, job, field, words):
    [(name, j)] = expand_jobs({"jobs": [job]})
    with pytest.raises(InputError) as err:
        validate_job(j, f"job {name!r}", tmp_path)
    assert str(err.value).startswith(f"job {name!r}.{field}:") and words in str(err.value), str(err.value)


def test_an_invalid_job_is_reported_and_the_others_still_run(tmp_path):
    reports = tmp_path / "reports"
    cfg = tmp_path / "s.yaml"
    pwn = tmp_path / "pwned"
    cfg.write_text(
        json.dumps(
            {
                "jobs": [
                    {"notebook": NB, "output": "."},
                    {"notebook": NB, "output": "x.html", "parameters": {f"__import__('os').system('touch {pwn}')#": 1}},
                    GOOD,
                ]
            }
        )
    )
    outcomes = run_schedule(cfg, reports_dir=reports)
    assert [o.status for o in outcomes] == ["invalid", "invalid", "ok"] and not pwn.exists()
    assert [r["status"] for r in log(reports)] == ["invalid", "invalid", "ok"]
    assert "CPT 96371" in (reports / "good.html").read_text()
    assert not list(REPO_ROOT.glob(".*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_render_param_names_are_not_code():
    proc = cli("render", "--notebook", NB, "--param", "__import__('os').system('touch /tmp/pwn-param')#=1")
    assert proc.returncode == 2 and "is not a parameter name" in proc.stderr
    assert not Path("/tmp/pwn-param").exists()
    proc = cli("render", "--notebook", NB, "--output", "../README.md")
    assert proc.returncode == 2 and "render.output" in proc.stderr


JOB = "jobs: [{notebook: " + NB + ", output: x.html}]\n"


@pytest.mark.parametrize(
    "text, words",
    [
        ("wait_seconds: !!float .nan\n" + JOB, "wait_seconds: nan is not a number of seconds from 0"),
        ("wait_seconds: !!float 1e400\n" + JOB, "wait_seconds: inf is not a number of seconds from 0"),
        ("wait_seconds: 1e400\n" + JOB, "wait_seconds: '1e400' is not a number of seconds"),
        ("wait_seconds: -1\n" + JOB, "wait_seconds: -1 is not a number of seconds from 0"),
        (
            "jobs: [{notebook: "
            + NB
            + ", output: '{a}{b}{c}{d}.html', matrix: {"
            + ", ".join(f"{k}: {list(range(200))}" for k in "abcd")
            + "}}]\n",
            "expands to 1,600,000,000 jobs",
        ),
    ],
)
def test_numbers_in_a_config_are_bounded(tmp_path, text, words):
    cfg = tmp_path / "s.yaml"
    cfg.write_text(text)
    with pytest.raises(InputError, match=words):
        run_schedule(cfg, reports_dir=tmp_path / "reports")
    assert not (tmp_path / "reports" / "logs").exists()


def test_an_alias_bomb_in_a_config_or_an_encounter_is_refused(tmp_path):
    bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n" for p, n in zip("abcdefgh", "bcdefghi")
    )
    cfg = tmp_path / "s.yaml"
    cfg.write_text(bomb + "jobs: [{notebook: " + NB + ", output: x.html, parameters: {payers: *i}}]\n")
    with pytest.raises(InputError, match="aliases expand to more than 100,000 values"):
        run_schedule(cfg, reports_dir=tmp_path / "reports")
    enc = tmp_path / "e.yaml"
    enc.write_text(bomb + "infusions: [{segments: [{minutes: 91}]}]\nnote: *i\n")
    proc = cli("code", "--file", str(enc))
    assert proc.returncode == 2 and "aliases expand" in proc.stderr


def test_every_render_path_takes_the_lock(tmp_path):
    reports = tmp_path / "reports"
    with Lock(reports / ".lock"):
        with pytest.raises(LockedError):
            render_jobs([Job(**GOOD)], reports)
    assert not (reports / "good.html").exists()
    with Lock(REPO_ROOT / "reports" / ".lock"):
        proc = cli("render", "--notebook", NB, "--param", 'code="96371"', "--output", "lock-test.html")
    assert proc.returncode == EXIT_LOCKED and "another render run holds" in proc.stderr
    assert not (REPO_ROOT / "reports" / "lock-test.html").exists()
    cfg = tmp_path / "s.yaml"
    cfg.write_text(json.dumps({"jobs": [{**GOOD, "output": "lock-test.html"}]}))
    with Lock(REPO_ROOT / "reports" / ".lock"):
        proc = cli("render", "--config", str(cfg))
    assert proc.returncode == EXIT_LOCKED and "another render run holds" in proc.stderr
    assert not (REPO_ROOT / "reports" / "lock-test.html").exists()


def test_render_config_exits_2_when_a_job_is_invalid(tmp_path):
    cfg = tmp_path / "s.yaml"
    cfg.write_text(json.dumps({"jobs": [{"notebook": NB, "parameters": {"nope": 1}, "output": "cli-invalid.html"}]}))
    proc = cli("render", "--config", str(cfg))
    assert proc.returncode == 2 and "INVALID, not run" in proc.stderr and "nope" in proc.stderr
    assert "0 of 1 job(s) ok, 1 invalid (not run)" in proc.stderr
    assert not (REPO_ROOT / "reports" / "cli-invalid.html").exists()


def test_a_report_replaced_by_another_render_is_not_skipped(tmp_path):
    """The 2026 job's file rendered for 2024 by hand: the next scheduled run renders it again."""
    reports = tmp_path / "reports"
    cfg = tmp_path / "s.yaml"
    cfg.write_text(json.dumps({"jobs": [GOOD]}))
    assert _statuses(run_schedule(cfg, reports_dir=reports)) == ["ok"]
    render(Job(NB, {"code": "96371", "year": 2024}, "good.html"), reports)
    assert "2024" in (reports / "good.html").read_text()
    assert _statuses(run_schedule(cfg, reports_dir=reports)) == ["ok"]
    assert _statuses(run_schedule(cfg, reports_dir=reports)) == ["skipped"]
    assert [r["status"] for r in log(reports)] == ["ok", "ok", "skipped"]
    state = json.loads((reports / "logs" / "state.json").read_text())
    assert state["good"]["parameters"] == {"code": "96371", "year": 2025}


def test_a_fifo_as_rates_path_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "rates.parquet"
    os.mkfifo(fifo)
    job = Job("02_payer_benchmarks.ipynb", {"rates_path": str(fifo)}, "b.html")
    with pytest.raises(InputError, match="rates_path: .* is not a regular file"):
        render_jobs([job], tmp_path / "reports")


def test_the_audit_report_shows_no_patient_or_free_text(tmp_path):
    """Notebook 04 rendered on claims whose patient and note columns (and a bad value in a used
    column) hold text: none of it is in the HTML report (issue 22, item 2)."""
    import csv

    claims = tmp_path / "claims.csv"
    with claims.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["claim_id", "line_number", "date_of_service", "hcpcs", "units", "patient_name", "note"])
        # markers no minified plotly.js holds (the report embeds it): a name, a note, a bad value
        w.writerow(["C1", "1", "2026-03-02", "96369", "1", "QXJANE QXDOE", "Spoke with QXPATIENT\nMRN QX4455667, a"])
        w.writerow(["C1", "2", "2026-03-02", "96370", "QXTWO", "QXJANE QXDOE", "ok"])
        w.writerow(["C2", "1", "2026-03-02", "96370", "1", "QXJOHN", "QXNOTE"])
    path = render(Job("04_claims_audit.ipynb", {"claims_path": str(claims)}, "audit.html"), tmp_path / "reports")
    html = path.read_text(encoding="utf-8")
    assert "lines in 3 = checked 2 + rejected 1" in html and "U-ADDON" in html
    assert re.findall(r"QX[A-Z0-9]{3,}", html) == []  # (plotly.js has QXe, QXt: minified names)


def test_render_all_during_a_held_lock_exits_75():
    with Lock(REPO_ROOT / "reports" / ".lock"):
        proc = cli("render", "--all")
    assert proc.returncode == EXIT_LOCKED and "another render run holds" in proc.stderr
