"""ipywidgets for trainers: the infusion-time scenario builder and the quiz.

The widgets only read their inputs and call the engine; what they show is built by plain functions
(:func:`lines_html`, :func:`findings_html`) that the tests check. Every output element has a CSS
class (``infusion-lines``, ``infusion-findings``, ``quiz-feedback``, ...) for the browser tests.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W

from ..coding.encounter import PAYERS
from ..coding.engine import code_encounter
from ..coding.records import CodingResult
from ..errors import InputError
from ..medicare.payment import PricedResult, price_result
from ..reference import rows
from ..reference.catalog import places_of_service
from .display import show_figure
from .figures import timeline_figure
from .quiz import QuizSession
from .scenarios import Scenario, load_bank

PAYER_LABELS = {"medicare": "Medicare", "medicare_advantage": "Medicare Advantage", "medicaid": "Medicaid",
                "aetna": "Aetna", "bcbs": "Blue Cross Blue Shield", "cigna": "Cigna", "uhc": "UnitedHealthcare",
                "other": "Other"}


def lines_html(result: CodingResult, priced: PricedResult | None = None) -> str:
    """The claim lines as an HTML table (code, units, modifiers, rules, payment, why)."""
    if not result.lines:
        return ("<div class='infusion-lines'><p><b>No administration line on this claim.</b> "
                "See the findings.</p></div>")
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
            f"<td style='font-size:90%'>{html.escape(line.rationale)}</td></tr>")
    total = ""
    if priced:
        total = (f"<p class='infusion-total'>Total: {html.escape(priced.total_text)} "
                 f"({html.escape(priced.system)}, {priced.year})</p>")
    summary = ", ".join(f"{ln.code}{'-' + '-'.join(ln.modifiers) if ln.modifiers else ''} x{ln.units}"
                        for ln in result.lines)
    return (f"<div class='infusion-lines'><p class='infusion-summary'><b>{result.total_minutes} min "
            f"counted: {summary}</b></p><table>{head}{''.join(body)}</table>{total}</div>")


def findings_html(result: CodingResult) -> str:
    if not result.findings:
        return "<div class='infusion-findings'><p>No findings.</p></div>"
    color = {"error": "#b00020", "warning": "#b26a00", "info": "#555"}
    items = "".join(
        f"<li style='color:{color[f.severity]}'><b>{f.severity} {f.rule}</b>: "
        f"{html.escape(f.message)}</li>" for f in result.findings)
    return f"<div class='infusion-findings'><ul>{items}</ul></div>"


class SegmentRow(W.HBox):
    """One infusion segment: start, stop, pump."""

    def __init__(self, start: str = "", stop: str = "", pump: int = 1) -> None:
        self.start = W.Text(value=start, placeholder="HH:MM, 9:30 AM or ISO", description="start",
                            layout=W.Layout(width="220px"))
        self.stop = W.Text(value=stop, placeholder="HH:MM, 9:30 AM or ISO", description="stop",
                           layout=W.Layout(width="220px"))
        self.pump = W.BoundedIntText(value=pump, min=1, max=20, description="pump",
                                     layout=W.Layout(width="140px"))
        self.start.add_class("seg-start")
        self.stop.add_class("seg-stop")
        self.pump.add_class("seg-pump")
        super().__init__([self.start, self.stop, self.pump])
        self.add_class("segment-row")

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start.value.strip() or None, "stop": self.stop.value.strip() or None,
                "pump": self.pump.value}


class ScenarioBuilder(W.VBox):
    """Segments, pumps, place of service, claim type, payer -> claim lines, payment, timeline."""

    def __init__(self, segments: list[tuple[str, str]] | None = None, year: int = 2026) -> None:
        self.rows = W.VBox([SegmentRow(a, b) for a, b in (segments or [("09:00", "10:35")])])
        self.add_button = W.Button(description="add segment", icon="plus")
        self.remove_button = W.Button(description="remove last", icon="minus")
        self.pumps = W.BoundedIntText(value=1, min=1, max=20, description="pump set-ups",
                                      style={"description_width": "initial"})
        pos = places_of_service()
        self.pos = W.Dropdown(options=[(f"{p} {n}", p) for p, n in zip(pos["pos"], pos["name"])],
                              value="11", description="place")
        self.claim = W.ToggleButtons(options=["professional", "institutional"], value="professional",
                                     description="claim")
        self.payer = W.Dropdown(options=[(PAYER_LABELS[p], p) for p in PAYERS], value="medicare",
                                description="payer")
        self.year = W.Dropdown(options=list(range(2026, 2018, -1)), value=year, description="year")
        self.zip = W.Text(value="", placeholder="ZIP for a locality", description="ZIP")
        drugs = rows.table("reference", "drugs.csv")
        self.drug = W.Dropdown(options=[("no drug line", "")] + [(f"{d['hcpcs']} {d['product']}", d["hcpcs"])
                                                                  for d in drugs], value="", description="drug")
        self.dose = W.Text(value="", placeholder="dose, e.g. 10.25 g", description="dose", continuous_update=False)
        self.vials = W.Text(value="", placeholder="vials opened, e.g. 10 g, 1 g", description="vials",
                            continuous_update=False)
        self.lines = W.HTML()
        self.findings = W.HTML()
        self.error = W.HTML()
        self.plot = W.Output()
        for w, cls in ((self.pumps, "pumps"), (self.pos, "pos"), (self.claim, "claim"),
                       (self.payer, "payer"), (self.year, "year"), (self.zip, "zip"), (self.drug, "drug"),
                       (self.dose, "dose"), (self.vials, "vials"),
                       (self.add_button, "add-segment"), (self.remove_button, "remove-segment"),
                       (self.lines, "lines-out"), (self.findings, "findings-out"),
                       (self.plot, "plot-out")):
            w.add_class(cls)
        self.result: CodingResult | None = None
        self.figure = None
        self.add_button.on_click(lambda _: self._add())
        self.remove_button.on_click(lambda _: self._remove())
        for w in (self.pumps, self.pos, self.claim, self.payer, self.year, self.zip, self.drug, self.dose,
                  self.vials):
            w.observe(lambda _: self.update(), names="value")
        self._watch_rows()
        controls = W.VBox([W.HTML("<b>Segments</b>"), self.rows,
                           W.HBox([self.add_button, self.remove_button]),
                           W.HBox([self.pumps, self.pos]), self.claim,
                           W.HBox([self.payer, self.year, self.zip]),
                           W.HBox([self.drug, self.dose, self.vials])])
        super().__init__([controls, self.error, self.lines, self.findings, self.plot])
        self.add_class("infusion-builder")
        self.update()

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
        enc: dict[str, Any] = {"pos": self.pos.value, "claim": self.claim.value, "payer": self.payer.value,
                               "pumps": max([self.pumps.value] + [s["pump"] for s in segs]), "segments": segs}
        if self.drug.value:
            vials = [v.strip() for v in self.vials.value.split(",") if v.strip()]
            enc["drug"] = {"code": self.drug.value, "dose": self.dose.value.strip() or None,
                           "vials": vials or None}
        return enc

    def update(self) -> None:
        """Re-code the encounter and refresh every output."""
        try:
            result = code_encounter(self.encounter())
            priced = None
            if result.lines:
                try:
                    priced = price_result(result, self.year.value, zip_code=self.zip.value.strip() or None,
                                          claim=self.claim.value)
                except InputError as e:
                    self.error.value = f"<p class='infusion-error' style='color:#b00020'>{html.escape(str(e))}</p>"
                    priced = price_result(result, self.year.value, claim=self.claim.value)
                else:
                    self.error.value = ""
            else:
                self.error.value = ""
        except InputError as e:
            self.result = None
            self.error.value = f"<p class='infusion-error' style='color:#b00020'>{html.escape(str(e))}</p>"
            self.lines.value = ""
            self.findings.value = ""
            return
        self.result = result
        self.lines.value = lines_html(result, priced)
        self.findings.value = findings_html(result)
        self.figure = timeline_figure(result)
        self.plot.clear_output(wait=True)
        with self.plot:
            show_figure(self.figure)


class QuizWidget(W.VBox):
    """One scenario at a time: the story, an answer box, a grade with explanations, a score."""

    def __init__(self, bank: tuple[Scenario, ...] | None = None, start: int = 0) -> None:
        self.bank = bank or load_bank()
        self.session = QuizSession()
        self.index = start
        self.picker = W.Dropdown(options=[(f"{s.id} {s.title}", i) for i, s in enumerate(self.bank)],
                                 value=start, description="scenario", layout=W.Layout(width="520px"))
        self.story = W.HTML()
        self.answer = W.Text(placeholder="e.g. 96369 x1, 96370 x1   (or: none)", description="your codes",
                             layout=W.Layout(width="520px"))
        self.submit = W.Button(description="grade", button_style="primary")
        self.next = W.Button(description="next scenario")
        self.feedback = W.HTML()
        self.score = W.HTML()
        for w, cls in ((self.picker, "quiz-picker"), (self.answer, "quiz-answer"),
                       (self.submit, "quiz-grade"), (self.next, "quiz-next"),
                       (self.feedback, "quiz-feedback-out"), (self.score, "quiz-score-out")):
            w.add_class(cls)
        self.submit.on_click(lambda _: self.grade())
        self.next.on_click(lambda _: self.go(self.index + 1))
        self.picker.observe(lambda ch: self.go(ch["new"]), names="value")
        super().__init__([self.picker, self.story, self.answer, W.HBox([self.submit, self.next]),
                          self.feedback, self.score])
        self.add_class("infusion-quiz")
        self.go(start)

    @property
    def current(self) -> Scenario:
        return self.bank[self.index]

    def go(self, index: int) -> None:
        self.index = index % len(self.bank)
        if self.picker.value != self.index:
            self.picker.value = self.index
        s = self.current
        enc = s.encounter
        setting = (f"POS {enc.get('pos', '11')}, {enc.get('claim', 'professional')} claim, "
                   f"payer {enc.get('payer', 'other')}")
        self.story.value = (f"<div class='quiz-story'><h4>{html.escape(s.title)}</h4>"
                            f"<p>{html.escape(s.story)}</p><p><i>{html.escape(setting)}</i></p></div>")
        self.answer.value = ""
        self.feedback.value = ""

    def grade(self) -> None:
        try:
            g = self.session.submit(self.current, self.answer.value)
        except InputError as e:
            self.feedback.value = f"<p class='quiz-feedback' style='color:#b00020'>{html.escape(str(e))}</p>"
            return
        verdict = "correct" if g.correct else "not quite"
        body = html.escape(g.feedback()).replace("\n", "<br>")
        self.feedback.value = (f"<div class='quiz-feedback' data-correct='{str(g.correct).lower()}'>"
                               f"<b>{verdict}</b> (score {g.score:.0%})<br>{body}</div>")
        self.score.value = f"<p class='quiz-score'>Running score: {self.session.summary()}</p>"
