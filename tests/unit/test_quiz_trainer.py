"""Issue 30: answers read as trainees write them, structured findings, a quiz that shows no answer
before it is asked, the trainer's exam and score sheet, the builder's fixes, text for a reader."""

from __future__ import annotations

import base64
import csv
import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from infusion.coding.engine import code_encounter
from infusion.coding.modifiers import CPT_NUMERIC_MODIFIERS
from infusion.errors import InputError
from infusion.workbook.answers import AnswerLine, answer_text, parse_answer_lines
from infusion.workbook.quiz import Exam, grade
from infusion.workbook.scenarios import load_bank, scenario
from infusion.workbook.widgets import QuizWidget, ScenarioBuilder

# ----------------------------------------------------------------------------- 1: the grammar


@pytest.mark.parametrize(
    "text, lines",
    [
        ("96369-PO 96370-PO", [("96369", 1, ("PO",)), ("96370", 1, ("PO",))]),  # spaces between lines
        ("96369 96370", [("96369", 1, ()), ("96370", 1, ())]),
        ("96370 ×2", [("96370", 2, ())]),
        ("96370 (2)", [("96370", 2, ())]),
        ("96370 2 units", [("96370", 2, ())]),
        ("96370 X 2", [("96370", 2, ())]),
        ("2 x 96370", [("96370", 2, ())]),
        ("96370: 2", [("96370", 2, ())]),
        ("96369 (XS)", [("96369", 1, ("XS",))]),
        ("96369 XS", [("96369", 1, ("XS",))]),
        ("96372 (25)", [("96372", 1, ("25",))]),
        ("96372 x1 -25", [("96372", 1, ("25",))]),
        ("96369; 96370\n96371", [("96369", 1, ()), ("96370", 1, ()), ("96371", 1, ())]),
        ("96369 and 96370", [("96369", 1, ()), ("96370", 1, ())]),
        ("J1559 x103, J1559-JW x7", [("J1559", 103, ()), ("J1559", 7, ("JW",))]),  # drug lines stay apart
        ("j1559 x100 jz", [("J1559", 100, ("JZ",))]),
        ("none", []),
        ("No code.", []),
    ],
)
def test_answers_as_trainees_write_them(text, lines):
    assert [(ln.code, ln.units, ln.modifiers) for ln in parse_answer_lines(text)] == lines


@pytest.mark.parametrize(
    "text, message",
    [
        ("hello", "'hello' is not a code"),
        ("", "no answer given"),
        ("   ", "no answer given"),
        ("96369 x1 x2", "two unit counts"),
        ("9636", "'9636' is not a code"),
        ("x2", "is not a code"),
        ("96370 x0", "units run from 1"),
        ("2 x", "is not a code"),
    ],
)
def test_what_is_not_an_answer_is_refused_saying_how_to_write_one(text, message):
    with pytest.raises(InputError, match=message) as e:
        parse_answer_lines(text)
    assert e.value.field == "answer" and ("for example 96369 x1" in str(e.value) or "none" in str(e.value))


CODES = ["96369", "96370", "96371", "96372", "96365", "J1559", "G0069", "99601", "S9338", "E0779"]
MODS = ["PO", "PN", "XS", "JW", "JZ", "JB", "59", "25"]
line = st.tuples(st.sampled_from(CODES), st.integers(1, 999), st.lists(st.sampled_from(MODS), max_size=2, unique=True))
UNITS = [" x{n}", "x{n}", " X {n}", " ×{n}", " ({n})", " {n} units", ":{n}", " *{n}"]
MOD_FORMS = ["-{m}", " -{m}", " {m}", " ({m})"]
SEPS = [", ", "; ", "\n", " ", " and ", " + ", ",", " / "]


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(line, min_size=1, max_size=6, unique_by=lambda x: (x[0], frozenset(x[2]))), forms=st.data())
def test_any_written_form_reads_back_as_its_lines(lines, forms):
    parts = []
    for code, n, mods in lines:
        form = forms.draw(st.sampled_from(UNITS))
        if form in (" ({n})",) and str(n) in CPT_NUMERIC_MODIFIERS:
            form = " x{n}"  # "(25)" is modifier 25 by the grammar's rule, not 25 units
        units = form.format(n=n)
        written = [forms.draw(st.sampled_from(MOD_FORMS)).format(m=m) for m in mods]
        where = forms.draw(st.sampled_from(["before", "after"]))
        if where == "before":  # modifiers between the code and the units need a dash (96369-PO x2)
            parts.append(code + "".join(f"-{m}" for m in mods) + units)
        else:
            parts.append(code + units + "".join(written))
    text = parts[0] + "".join(forms.draw(st.sampled_from(SEPS)) + p for p in parts[1:])
    got = [(ln.code, ln.units, ln.modifiers) for ln in parse_answer_lines(text)]
    assert got == [(c, n, tuple(m)) for c, n, m in lines], text
    assert parse_answer_lines(answer_text([AnswerLine(c, n, tuple(m)) for c, n, m in lines])) == [
        AnswerLine(c, n, tuple(m)) for c, n, m in lines
    ]


# ----------------------------------------------------------------------------- 3-4: grading


def test_sc030_right_answer_with_59_or_xs_is_right():
    s = scenario("sc-030")
    assert grade(s, "96365, 96369-XS, 96370").correct
    g = grade(s, "96365, 96369-59, 96370")
    assert g.correct and "59 is accepted for XS" in g.feedback()
    assert grade(s, "96365 96369-XS 96370").correct


def test_drug_lines_are_graded_line_by_line():
    s = scenario("sc-036")
    assert grade(s, "96369 x1, 96370 x1, J1559 x103, J1559-JW x7").correct
    g = grade(s, "96369 x1, 96370 x1, J1559 x110")
    assert not g.correct and {m.rule for m in g.misses} >= {"D-UNITS"}


def test_misses_are_explained_from_structured_findings_not_their_text():
    """The quiz reads a finding's code and modifier: the M-DRUG finding explains JZ on 96369."""
    r = code_encounter({"segments": [{"minutes": 70}], "modifiers": {"96369": ["JZ", "00"]}})
    jz = [f for f in r.findings if f.modifier == "JZ"]
    bad = [f for f in r.findings if f.modifier == "00"]
    assert [(f.rule, f.code) for f in jz] == [("M-DRUG", "96369")]
    assert [(f.rule, f.code) for f in bad] == [("M-VALID", "96369")]
    g = grade(scenario("sc-032"), "96369 x1 JZ")
    assert g.misses[0].rule == "M-DRUG"


# ----------------------------------------------------------------------------- 2, exam, sheet


def test_quiz_shows_no_answer_or_title_before_the_grade():
    q = QuizWidget()
    page = q.story.value + "".join(label for label, _ in q.picker.options)
    for s in load_bank():
        assert s.title not in page
    q.answer.value = "96369 x1"
    q.submit.click()
    assert q.current.title in q.feedback.value


def test_an_empty_answer_is_not_counted_as_an_attempt():
    q = QuizWidget()
    q.answer.value = "   "
    q.submit.click()
    assert "no answer given" in q.feedback.value and "no answers yet" in q.session.summary()


def test_a_timed_exam_and_its_score_sheet():
    t = [0.0]
    bank = load_bank()
    exam = Exam(bank, n=3, minutes=1, trainee="trainee 7", seed=4, clock=lambda: t[0])
    first = exam.questions[0]
    right = answer_text(tuple(AnswerLine(ln.code, ln.units, ln.modifiers) for ln in first.answer_lines()))
    assert exam.answer(0, right).correct
    t[0] = 30.0
    exam.answer(1, "96369 x9")
    with pytest.raises(InputError, match="already answered"):
        exam.answer(1, "96369")
    t[0] = 61.0
    with pytest.raises(InputError, match="time is up"):
        exam.answer(2, "96369")
    rows = list(csv.DictReader(io.StringIO(exam.score_sheet_csv())))
    assert [r["question"] for r in rows] == ["1", "2", "3"] and rows[0]["correct"] == "True"
    assert rows[1]["correct"] == "False" and rows[1]["misses"] and rows[1]["rules"]
    assert rows[2]["answer"] == "(not answered)" and rows[0]["trainee"] == "trainee 7"
    assert exam.score == round((1.0 + exam.grades[1].score) / 3, 3)


def test_score_sheet_cells_never_run_as_formulas():
    exam = Exam(load_bank(), n=1, trainee='=HYPERLINK("x")', seed=1)
    assert "'=HYPERLINK" in exam.score_sheet_csv()


def test_trainer_panel_runs_an_exam_and_offers_the_sheet():
    q = QuizWidget()
    q.choose.value = ("sc-001", "sc-004", "sc-005")
    q.questions.value = 2
    q.trainee.value = "A. Trainee"
    q.start_exam.click()
    assert len(q.bank) == 2 and {s.id for s in q.bank} <= {"sc-001", "sc-004", "sc-005"}
    q.answer.value = "96369 x1"
    q.submit.click()
    m = re.search(r"href='data:text/csv;base64,([^']+)'", q.sheet.value)
    assert m and "1 of 2 answered" in q.sheet.value and "download='score-sheet-A_Trainee.csv'" in q.sheet.value
    sheet = base64.b64decode(m.group(1)).decode()
    assert sheet.startswith("trainee,question,scenario,answer,correct") and "A. Trainee" in sheet


# ----------------------------------------------------------------------------- 5: the builder


def test_builder_pump_box_follows_the_segments_and_updates_as_typed():
    w = ScenarioBuilder(segments=[("09:00", "10:35")])
    assert w.pumps.continuous_update and w.rows.children[0].pump.continuous_update
    w.rows.children[0].pump.value = 2
    assert w.pumps.value == 2 and "96371" in w.lines.value  # the box and the rationale agree


def test_builder_clears_the_timeline_after_bad_input():
    w = ScenarioBuilder(segments=[("09:00", "10:35")])
    assert w.figure is not None
    w.rows.children[0].stop.value = "25:00"
    assert "not a time of day" in w.error.value and w.figure is None and w.lines.value == ""
    assert not w.plot.outputs


def test_builder_says_why_a_payment_is_not_available():
    w = ScenarioBuilder(segments=[("09:00", "10:35")])
    w.year.value = 2023
    w.zip.value = "94103"
    assert "data not available (GPCIs for 2023 are not in data/medicare/gpci.csv" in w.lines.value


def test_builder_and_quiz_show_one_confidence_legend_not_one_per_reference():
    w = ScenarioBuilder(segments=[("09:00", "09:40"), ("10:00", "10:55")])  # a gap: a finding too
    assert "T-SUM" in w.findings.value
    assert "verbatim CPT/CMS text not in the data]" not in w.lines.value + w.findings.value
    assert w.lines.value.count("Confidence: H = ") == 1 and w.findings.value.count("Confidence: H = ") == 1


def test_the_answer_key_is_on_the_page_only_when_the_trainer_asks():
    q = QuizWidget()
    assert q.key.value == ""
    q.key_button.value = True
    assert "96369" in q.key.value and q.bank[0].title in q.key.value
    q.key_button.value = False
    assert q.key.value == ""


# ----------------------------------------------------------------------------- 6: text for a reader


def test_report_tables_wrap_and_their_addresses_are_links():
    import pandas as pd
    from infusion.workbook.display import table_bundle

    table = pd.DataFrame({"address": ["https://example.org/a?b=1&c=2 (policy)"], "x": ["<b>"]})
    html_ = table_bundle(table, links=True)["text/html"]
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer">' in html_
    assert "&lt;b&gt;" in html_ and "overflow-wrap: anywhere" in html_
    # by default (any table that may hold a user's text) an address stays inert text
    assert "<a " not in table_bundle(table)["text/html"]


def test_publication_lists_every_source_it_cites_and_readable_columns():
    from infusion.workbook import publication as pub

    tags = set(pub.sources_table()["source"])
    assert {"S40", "S37", "S3"} <= tags  # cited by the clinical context
    p = pub.validate_params("96370", 2026, ["aetna"], None, None)
    assert "payer_family" not in pub.payer_table(p).columns


def test_scenario_files_and_the_readme_examples_run_with_file(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for f in ("data/scenarios/sc-030.yaml", "data/encounters/hizentra_office_2026-01.yaml"):
        out = subprocess.run(
            [sys.executable, "-m", "infusion", "code", "--file", str(root / f)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0 and "96369" in out.stdout, out.stderr
    # every example of the README (render aside: the report tests run it) and every `code` example of
    # docs/cli.md runs as written
    readme = (root / "README.md").read_text()
    cli = (root / "docs" / "cli.md").read_text()
    pattern = r"^\.venv/bin/python -m infusion ((?:{}) [^\n#]+?)\s*(?:#.*)?$"
    commands = re.findall(pattern.format("code|price|rates|audit"), readme, re.M) + re.findall(
        pattern.format("code"), cli, re.M
    )
    assert len(commands) >= 10
    for cmd in commands:
        args = [a.strip('"') for a in re.findall(r'"[^"]*"|\S+', cmd)]
        out = subprocess.run(
            [sys.executable, "-m", "infusion", *args], capture_output=True, text=True, timeout=120, cwd=root
        )
        assert out.returncode == 0, (cmd, out.stderr)
