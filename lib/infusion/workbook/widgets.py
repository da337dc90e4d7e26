"""ipywidgets for trainers: the infusion-time scenario builder and the quiz.

The widgets only read their inputs and call the engine; what they show is built by plain functions
(:func:`lines_html`, :func:`findings_html`) that the tests check. Every output element has a CSS
class (``infusion-lines``, ``infusion-findings``, ``quiz-feedback``, ...) for the browser tests.
"""

from __future__ import annotations

import base64
import html
import re
from typing import Any

import ipywidgets as W

from ..coding.encounter import PAYERS
from ..coding.engine import code_encounter
from ..coding.records import CodingResult
from ..coding.rules import confidence_legend, short_refs
from ..errors import InputError
from ..medicare.payment import PricedResult, price_result
from ..reference import rows
from ..reference.catalog import places_of_service
from .display import show_figure
from .figures import timeline_figure
from .quiz import Exam, QuizSession
from .scenarios import Scenario, answer_key, load_bank

PAYER_LABELS = {
    "medicare": "Medicare",
    "medicare_advantage": "Medicare Advantage",
    "medicaid": "Medicaid",
    "aetna": "Aetna",
    "bcbs": "Blue Cross Blue Shield",
    "cigna": "Cigna",
    "uhc": "UnitedHealthcare",
    "other": "Other",
}


def lines_html(result: CodingResult, priced: PricedResult | None = None) -> str:
    """The claim lines as an HTML table (code, units, modifiers, rules, payment, why)."""
    if not result.lines:
        return "<div class='infusion-lines'><p><b>No administration line on this claim.</b> See the findings.</p></div>"
    head = "<tr><th>code</th><th>units</th><th>modifiers</th><th>rules</th>"
    head += "<th>Medicare payment</th>" if priced else ""
    head += "<th>why</th></tr>"
    body = []
    for i, line in enumerate(result.lines):
        pay = f"<td>{html.escape(priced.lines[i].text)}</td>" if priced else ""
        packed = " data-packaged='true'" if priced and priced.lines[i].packaged else ""
        body.append(
            f"<tr class='line' data-code='{line.code}' data-units='{line.units}'{packed}>"
            f"<td><b>{line.code}</b></td><td>{line.units}</td>"
            f"<td>{html.escape(' '.join(line.modifiers)) or '-'}</td>"
            f"<td>{html.escape(' '.join(line.rules))}</td>{pay}"
            f"<td style='font-size:90%'>{html.escape(short_refs(line.rationale)[0])}</td></tr>"
        )
    total = ""
    if priced:
        total = (
            f"<p class='infusion-total'>Total: {html.escape(priced.total_text)} "
            f"({html.escape(priced.system)}, {priced.year})</p>"
        )
    summary = ", ".join(
        f"{ln.code}{'-' + '-'.join(ln.modifiers) if ln.modifiers else ''} x{ln.units}" for ln in result.lines
    )
    return (
        f"<div class='infusion-lines'><p class='infusion-summary'><b>{result.total_minutes} min "
        f"counted: {summary}</b></p><table>{head}{''.join(body)}</table>{total}"
        f"<p class='legend' style='font-size:85%'>{html.escape(confidence_legend())}</p></div>"
    )


def findings_html(result: CodingResult) -> str:
    """The findings as a list, each reference short, with one confidence legend under them."""
    if not result.findings:
        return "<div class='infusion-findings'><p>No findings.</p></div>"
    color = {"error": "#b00020", "warning": "#b26a00", "info": "#555"}
    items = []
    for f in result.findings:
        text, _ = short_refs(f.message)
        items.append(
            f"<li class='finding' data-rule='{html.escape(f.rule)}' data-code='{html.escape(f.code)}' "
            f"style='color:{color[f.severity]}'><b>{f.severity} {f.rule}</b>: {html.escape(text)}</li>"
        )
    return (
        f"<div class='infusion-findings'><ul>{''.join(items)}</ul>"
        f"<p class='legend' style='font-size:85%'>{html.escape(confidence_legend())}</p></div>"
    )


class SegmentRow(W.HBox):
    """One infusion segment: start, stop, pump."""

    def __init__(self, start: str = "", stop: str = "", pump: int = 1) -> None:
        self.start = W.Text(
            value=start, placeholder="HH:MM, 9:30 AM or ISO", description="start", layout=W.Layout(width="220px")
        )
        self.stop = W.Text(
            value=stop, placeholder="HH:MM, 9:30 AM or ISO", description="stop", layout=W.Layout(width="220px")
        )
        self.pump = W.BoundedIntText(
            value=pump, min=1, max=20, description="pump", continuous_update=True, layout=W.Layout(width="140px")
        )
        self.start.add_class("seg-start")
        self.stop.add_class("seg-stop")
        self.pump.add_class("seg-pump")
        super().__init__([self.start, self.stop, self.pump])
        self.add_class("segment-row")

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.value.strip() or None,
            "stop": self.stop.value.strip() or None,
            "pump": self.pump.value,
        }


class ScenarioBuilder(W.VBox):
    """Segments, pumps, place of service, claim type, payer -> claim lines, payment, timeline."""

    def __init__(self, segments: list[tuple[str, str]] | None = None, year: int = 2026) -> None:
        self.rows = W.VBox([SegmentRow(a, b) for a, b in (segments or [("09:00", "10:35")])])
        self.add_button = W.Button(description="add segment", icon="plus")
        self.remove_button = W.Button(description="remove last", icon="minus")
        self.pumps = W.BoundedIntText(
            value=1,
            min=1,
            max=20,
            description="pump set-ups",
            continuous_update=True,
            style={"description_width": "initial"},
        )
        self._setting_controls(year)
        self.lines = W.HTML()
        self.findings = W.HTML()
        self.error = W.HTML()
        self.plot = W.Output()
        for w, cls in (
            (self.pumps, "pumps"),
            (self.pos, "pos"),
            (self.claim, "claim"),
            (self.payer, "payer"),
            (self.year, "year"),
            (self.zip, "zip"),
            (self.drug, "drug"),
            (self.dose, "dose"),
            (self.vials, "vials"),
            (self.add_button, "add-segment"),
            (self.remove_button, "remove-segment"),
            (self.lines, "lines-out"),
            (self.findings, "findings-out"),
            (self.plot, "plot-out"),
        ):
            w.add_class(cls)
        self.result: CodingResult | None = None
        self.figure = None
        self.add_button.on_click(lambda _: self._add())
        self.remove_button.on_click(lambda _: self._remove())
        for w in (self.pumps, self.pos, self.claim, self.payer, self.year, self.zip, self.drug, self.dose, self.vials):
            w.observe(lambda _: self.update(), names="value")
        self._watch_rows()
        controls = W.VBox(
            [
                W.HTML("<b>Segments</b>"),
                self.rows,
                W.HBox([self.add_button, self.remove_button]),
                W.HBox([self.pumps, self.pos]),
                self.claim,
                W.HBox([self.payer, self.year, self.zip]),
                W.HBox([self.drug, self.dose, self.vials]),
            ]
        )
        super().__init__([controls, self.error, self.lines, self.findings, self.plot])
        self.add_class("infusion-builder")
        self.update()

    def _setting_controls(self, year: int) -> None:
        """The place, claim type, payer, year, ZIP and drug controls."""
        pos = places_of_service()
        self.pos = W.Dropdown(
            options=[(f"{p} {n}", p) for p, n in zip(pos["pos"], pos["name"])], value="11", description="place"
        )
        self.claim = W.ToggleButtons(
            options=["professional", "institutional"], value="professional", description="claim"
        )
        self.payer = W.Dropdown(options=[(PAYER_LABELS[p], p) for p in PAYERS], value="medicare", description="payer")
        self.year = W.Dropdown(options=list(range(2026, 2018, -1)), value=year, description="year")
        self.zip = W.Text(value="", placeholder="ZIP for a locality", description="ZIP")
        drugs = rows.table("reference", "drugs.csv")
        self.drug = W.Dropdown(
            options=[("no drug line", "")] + [(f"{d['hcpcs']} {d['product']}", d["hcpcs"]) for d in drugs],
            value="",
            description="drug",
        )
        self.dose = W.Text(value="", placeholder="dose, e.g. 10.25 g", description="dose", continuous_update=False)
        self.vials = W.Text(
            value="", placeholder="vials opened, e.g. 10 g, 1 g", description="vials", continuous_update=False
        )

    def _watch_rows(self) -> None:
        for row in self.rows.children:
            for w in (row.start, row.stop, row.pump):
                w.unobserve_all("value")
                w.observe(lambda _: self.update(), names="value")

    def _add(self) -> None:
        self.rows.children = (*self.rows.children, SegmentRow())
        self._watch_rows()

    def _remove(self) -> None:
        if len(self.rows.children) > 1:
            self.rows.children = self.rows.children[:-1]
            self.update()

    def encounter(self) -> dict[str, Any]:
        """The encounter the widgets describe (the engine's input)."""
        segs = [r.as_dict() for r in self.rows.children if r.start.value.strip() or r.stop.value.strip()]
        enc: dict[str, Any] = {
            "pos": self.pos.value,
            "claim": self.claim.value,
            "payer": self.payer.value,
            "pumps": max([self.pumps.value] + [s["pump"] for s in segs]),
            "segments": segs,
        }
        if self.drug.value:
            vials = [v.strip() for v in self.vials.value.split(",") if v.strip()]
            enc["drug"] = {"code": self.drug.value, "dose": self.dose.value.strip() or None, "vials": vials or None}
        return enc

    def update(self) -> None:
        """Re-code the encounter and refresh every output. The pump set-ups box follows the highest
        pump a segment names, so the box and the rationale never disagree; after bad input every
        output of the last good encounter is cleared (the timeline too), and the error says why."""
        needed = max([r.pump.value for r in self.rows.children] + [1])
        if self.pumps.value < needed:
            self.pumps.value = needed  # observed: runs update() again with the box in step
            return
        try:
            result = code_encounter(self.encounter())
            priced = None
            if result.lines:
                try:
                    priced = price_result(
                        result, self.year.value, zip_code=self.zip.value.strip() or None, claim=self.claim.value
                    )
                except InputError as e:
                    self.error.value = f"<p class='infusion-error' style='color:#b00020'>{html.escape(str(e))}</p>"
                    priced = price_result(result, self.year.value, claim=self.claim.value)
                else:
                    self.error.value = ""
            else:
                self.error.value = ""
        except InputError as e:
            self.result = None
            self.figure = None
            self.error.value = f"<p class='infusion-error' style='color:#b00020'>{html.escape(str(e))}</p>"
            self.lines.value = ""
            self.findings.value = ""
            self.plot.clear_output()
            return
        self.result = result
        self.lines.value = lines_html(result, priced)
        self.findings.value = findings_html(result)
        self.figure = timeline_figure(result)
        self.plot.clear_output(wait=True)
        with self.plot:
            show_figure(self.figure)


class QuizWidget(W.VBox):
    """The quiz before a class: one question at a time, titled neutrally ("Question 3, core"), the
    scenario's title and answer shown only once it is graded. A trainer's panel chooses the
    vignettes, starts a timed exam of N questions for a named trainee, and offers the score sheet as
    a CSV download; no answer of the bank is on the page before it is asked."""

    def __init__(self, bank: tuple[Scenario, ...] | None = None, start: int = 0) -> None:
        self.full_bank = bank or load_bank()
        self.bank = self.full_bank
        self.session = QuizSession()
        self.exam: Exam | None = None
        self.index = start
        self.picker = W.Dropdown(
            options=self._options(), value=start, description="question", layout=W.Layout(width="320px")
        )
        self.story = W.HTML()
        self.answer = W.Text(
            placeholder="e.g. 96369 x1, 96370 x1   (or: none)", description="your codes", layout=W.Layout(width="520px")
        )
        self.submit = W.Button(description="grade", button_style="primary")
        self.next = W.Button(description="next question")
        self.feedback = W.HTML()
        self.score = W.HTML()
        self._trainer_panel()
        for w, cls in (
            (self.picker, "quiz-picker"),
            (self.answer, "quiz-answer"),
            (self.submit, "quiz-grade"),
            (self.next, "quiz-next"),
            (self.feedback, "quiz-feedback-out"),
            (self.score, "quiz-score-out"),
            (self.choose, "quiz-choose"),
            (self.trainee, "quiz-trainee"),
            (self.questions, "quiz-questions"),
            (self.minutes, "quiz-minutes"),
            (self.start_exam, "quiz-start-exam"),
            (self.use_chosen, "quiz-use-chosen"),
            (self.sheet, "quiz-sheet-out"),
            (self.key_button, "quiz-key-button"),
            (self.key, "quiz-key-out"),
        ):
            w.add_class(cls)
        self.submit.on_click(lambda _: self.grade())
        self.next.on_click(lambda _: self.go(self.index + 1))
        self.picker.observe(lambda ch: self.go(ch["new"]), names="value")
        self.use_chosen.on_click(lambda _: self.practise(list(self.choose.value)))
        self.start_exam.on_click(lambda _: self.begin_exam())
        self.key_button.observe(lambda ch: self._show_key(ch["new"]), names="value")
        super().__init__(
            [
                self.picker,
                self.story,
                self.answer,
                W.HBox([self.submit, self.next]),
                self.feedback,
                self.score,
                self.trainer,
            ]
        )
        self.add_class("infusion-quiz")
        self.go(start)

    def _trainer_panel(self) -> None:
        """The trainer's panel (closed at first): vignettes, a timed exam, the score sheet, the key."""
        self.choose = W.SelectMultiple(
            options=[(f"{s.id} ({s.level})", s.id) for s in self.full_bank],
            value=[s.id for s in self.full_bank],
            rows=8,
            description="vignettes",
            layout=W.Layout(width="520px"),
        )
        self.trainee = W.Text(value="", placeholder="trainee's name or id", description="trainee")
        self.questions = W.BoundedIntText(
            value=min(10, len(self.full_bank)), min=1, max=len(self.full_bank), description="questions"
        )
        self.minutes = W.BoundedIntText(
            value=0, min=0, max=600, description="minutes (0: untimed)", style={"description_width": "initial"}
        )
        self.start_exam = W.Button(description="start exam", button_style="warning")
        self.use_chosen = W.Button(description="practise the chosen vignettes")
        self.sheet = W.HTML()
        self.key_button = W.ToggleButton(value=False, description="show the answer key")
        self.key = W.HTML()
        self.trainer = W.Accordion(
            children=[
                W.VBox(
                    [
                        self.choose,
                        self.use_chosen,
                        W.HBox([self.trainee, self.questions, self.minutes]),
                        self.start_exam,
                        self.sheet,
                        self.key_button,
                        self.key,
                    ]
                )
            ]
        )
        self.trainer.set_title(0, "Trainer: choose vignettes, run a timed exam, download the score sheet")
        self.trainer.selected_index = None

    def _show_key(self, shown_: bool) -> None:
        """The trainer's answer key of the questions in play, only when asked for."""
        if not shown_:
            self.key.value = ""
            return
        key = answer_key(self.bank)
        key.insert(0, "question", range(1, len(key) + 1))
        self.key.value = "<div class='quiz-key'>" + key.to_html(index=False, border=0, escape=True) + "</div>"

    def _options(self) -> list[tuple[str, int]]:
        return [(f"Question {i + 1} ({s.level})", i) for i, s in enumerate(self.bank)]

    @property
    def current(self) -> Scenario:
        return self.bank[self.index]

    def practise(self, ids: list[str]) -> None:
        """Practise the chosen vignettes (ungraded exam: a running score only)."""
        chosen = tuple(s for s in self.full_bank if s.id in set(ids))
        if not chosen:
            self.sheet.value = "<p class='quiz-error' style='color:#b00020'>choose at least one vignette</p>"
            return
        self.exam = None
        self._set_bank(chosen)

    def begin_exam(self) -> None:
        """A timed exam of N questions drawn from the chosen vignettes, for the named trainee."""
        chosen = tuple(s for s in self.full_bank if s.id in set(self.choose.value))
        try:
            self.exam = Exam(
                chosen,
                n=self.questions.value,
                minutes=self.minutes.value or None,
                trainee=self.trainee.value.strip()[:80],
            )
        except InputError as e:
            self.sheet.value = f"<p class='quiz-error' style='color:#b00020'>{html.escape(str(e))}</p>"
            return
        self.session = QuizSession()
        self._set_bank(self.exam.questions)
        self._show_sheet()

    def _set_bank(self, bank: tuple[Scenario, ...]) -> None:
        self.bank = bank
        self.index = 0
        self.picker.options = self._options()
        self.picker.value = 0
        self.go(0)

    def go(self, index: int) -> None:
        self.index = index % len(self.bank)
        if self.picker.value != self.index:
            self.picker.value = self.index
        s = self.current
        enc = s.encounter
        setting = (
            f"POS {enc.get('pos', '11')}, {enc.get('claim', 'professional')} claim, payer {enc.get('payer', 'other')}"
        )
        self.story.value = (
            f"<div class='quiz-story'><h4>Question {self.index + 1} ({html.escape(s.level)})</h4>"
            f"<p>{html.escape(s.story)}</p><p><i>{html.escape(setting)}</i></p></div>"
        )
        self.answer.value = ""
        self.feedback.value = ""

    def grade(self) -> None:
        try:
            if self.exam is not None:
                g = self.exam.answer(self.index, self.answer.value)
                self.session.answered.append(g)
            else:
                g = self.session.submit(self.current, self.answer.value)
        except InputError as e:
            self.feedback.value = f"<p class='quiz-feedback quiz-error' style='color:#b00020'>{html.escape(str(e))}</p>"
            return
        verdict = "correct" if g.correct else "not quite"
        text, _ = short_refs(g.feedback())
        body = html.escape(text).replace("\n", "<br>")
        self.feedback.value = (
            f"<div class='quiz-feedback' data-correct='{str(g.correct).lower()}'>"
            f"<b>{verdict}</b> (score {g.score:.0%}) &mdash; "
            f"<i>{html.escape(self.current.title)}</i><br>{body}"
            f"<p class='legend' style='font-size:85%'>{html.escape(confidence_legend())}</p></div>"
        )
        self.score.value = f"<p class='quiz-score'>Running score: {self.session.summary()}</p>"
        if self.exam is not None:
            self._show_sheet()

    def _show_sheet(self) -> None:
        """The exam's state and its score sheet as a CSV download link (a data: address)."""
        assert self.exam is not None
        left = self.exam.time_left()
        clock = "untimed" if left is None else ("time is up" if left == 0 else f"{left / 60:.0f} min left")
        data = base64.b64encode(self.exam.score_sheet_csv().encode("utf-8")).decode("ascii")
        name = re.sub(r"[^A-Za-z0-9_-]+", "_", self.exam.trainee or "trainee")
        self.sheet.value = (
            f"<p class='quiz-exam'>Exam: {len(self.exam.grades)} of {len(self.exam.questions)} "
            f"answered, score {self.exam.score:.0%}, {clock}. "
            f"<a class='quiz-sheet' download='score-sheet-{name}.csv' "
            f"href='data:text/csv;base64,{data}'>Download the score sheet (CSV)</a></p>"
        )
