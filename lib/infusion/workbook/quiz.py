"""The quiz: grade a trainee's lines (codes, units, modifiers) against a scenario and explain each miss.

An answer is read by :mod:`~infusion.workbook.answers`. Each code's lines are matched with the
expected ones (a drug may have two: ``J1559 x103`` and ``J1559-JW x7``); a miss is explained from the
engine's own result, read by its structured fields (a line's code and rationale, a finding's ``code``
and ``modifier``), never by searching message text. The distinct-service modifiers 59, XE, XS, XP and
XU are graded as one: the trainee who writes 59 where the answer has XS is right, with a note.

:class:`Exam` is a trainer's timed set of N questions; its :meth:`Exam.score_sheet` is the CSV a
trainer downloads (one row per question: the answer, the score, each miss with its rule).
"""

from __future__ import annotations

import csv
import io
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ..coding.modifiers import DISTINCT
from ..coding.records import CodingResult, Finding
from ..coding.rules import cite
from ..coding.rules import rule as rule_of
from ..errors import InputError
from .answers import AnswerLine, answer_text, parse_answer_lines
from .scenarios import Scenario

__all__ = ["AnswerLine", "Exam", "Grade", "Miss", "QuizSession", "grade", "parse_answer", "parse_answer_lines"]


@dataclass(frozen=True)
class Miss:
    """One difference between the trainee's answer and the right one, with why and the rule."""

    code: str
    given: int
    expected: int
    explanation: str
    given_modifiers: tuple[str, ...] = ()
    expected_modifiers: tuple[str, ...] = ()
    rule: str = ""

    def text(self) -> str:
        said = lambda mods: "modifier " + " ".join(mods) if mods else "no modifier"  # noqa: E731
        if self.given != self.expected:
            what = f"{self.code}" + "".join(f"-{m}" for m in (self.expected_modifiers or self.given_modifiers))
            return f"{what}: you gave {self.given}, the answer is {self.expected}. {self.explanation}"
        return (
            f"{self.code} x{self.expected}: you gave {said(self.given_modifiers)}, the answer has "
            f"{said(self.expected_modifiers)}. {self.explanation}"
        )


@dataclass(frozen=True)
class Grade:
    scenario: str
    correct: bool
    score: float
    misses: tuple[Miss, ...]
    expected: dict[str, int]
    expected_lines: tuple[AnswerLine, ...] = ()
    notes: tuple[str, ...] = ()
    answer: str = ""

    def feedback(self) -> str:
        if self.correct:
            head = (
                ("Correct: " + answer_text(self.expected_lines))
                if self.expected_lines
                else "Correct: no code on this claim."
            )
            return "\n".join([head] + [f"- {n}" for n in self.notes])
        return "\n".join([f"- {m.text()}" for m in self.misses] + [f"- {n}" for n in self.notes])


def parse_answer(text: str) -> dict[str, int]:
    """``{code: units}`` of an answer, units summed over a code's lines (modifiers not kept)."""
    out: dict[str, int] = {}
    for ln in parse_answer_lines(text):
        out[ln.code] = out.get(ln.code, 0) + ln.units
    return out


def _norm(mods: tuple[str, ...]) -> frozenset[str]:
    """Modifiers as graded: the distinct-service modifiers count as one."""
    return frozenset("distinct" if m in DISTINCT else m for m in mods)


def _findings_about(result: CodingResult, code: str, modifier: str = "") -> list[Finding]:
    return [f for f in result.findings if f.code == code and (not modifier or f.modifier == modifier)]


def _explain(
    code: str, given: int, expected: int, result: CodingResult, s: Scenario, modifiers: tuple[str, ...] = ()
) -> tuple[str, str]:
    """Why ``code`` has ``expected`` units, not ``given``: (text, rule id)."""
    line = next(
        (ln for ln in result.lines if ln.code == code and _norm(ln.modifiers) == _norm(modifiers)), None
    ) or next((ln for ln in result.lines if ln.code == code), None)
    if line is not None:
        return line.rationale, (line.rules[0] if line.rules else "")
    related = _findings_about(result, code)
    if related:
        return related[0].message, related[0].rule
    blocking = [f for f in result.findings if f.severity == "error"]
    if not result.lines and blocking:
        return blocking[0].message, blocking[0].rule
    if code == "96370":
        return (
            f"Counted time is {result.total_minutes} min; 96370 needs more than 90 minutes for its first "
            f"unit {cite('U-HOUR')}"
        ), "U-HOUR"
    if code == "96371":
        return f"96371 needs a second pump set-up with new sites and a 96369 {cite('U-PUMP', 'U-ADDON')}", "U-PUMP"
    if code == "96369" and result.total_minutes <= 15:
        return f"{result.total_minutes} min is 15 minutes or less: that is 96372 {cite('U-SHORT')}", "U-SHORT"
    if expected and s.teaches:
        return s.teaches, (s.rules[0] if s.rules else "")
    if not result.lines and result.findings:
        return result.findings[0].message, result.findings[0].rule
    return "This code does not belong on this claim.", ""


def _explain_modifiers(
    code: str, given: tuple[str, ...], expected: tuple[str, ...], result: CodingResult, s: Scenario
) -> tuple[str, str]:
    """Why the modifiers differ: the engine's finding on the extra one (00 is not a modifier, JZ goes
    on the drug line ...), or the rule that puts an expected one on the line."""
    why, rule = [], ""
    for m in [m for m in given if _norm((m,)) - _norm(expected)]:
        found = _findings_about(result, code, m)
        why.append(found[0].message if found else f"{m} does not go on this line.")
        rule = rule or (found[0].rule if found else "")
    missing = [m for m in expected if _norm((m,)) - _norm(given)]
    if missing:
        line = next((ln for ln in result.lines if ln.code == code and set(missing) <= set(ln.modifiers)), None)
        # the line's rules that concern one of the missing modifiers (the registry's ``modifiers``)
        rules = [r for r in (line.rules if line else ()) if set(missing) & set(rule_of(r).modifiers)]
        why.append(
            f"{' '.join(missing)} {'is' if len(missing) == 1 else 'are'} expected on this line"
            + (f" {cite(*rules)}" if rules else f": {s.teaches}" if s.teaches else ".")
        )
        rule = rule or (rules[0] if rules else "")
    return " ".join(why), rule


def _pair(given: list[AnswerLine], expected: list[AnswerLine]) -> list[tuple[AnswerLine | None, AnswerLine | None]]:
    """Given and expected lines of one code, paired: same graded modifiers first, then in order."""
    g_left: list[AnswerLine] = list(given)
    pairs: list[tuple[AnswerLine | None, AnswerLine | None]] = []
    e_left: list[AnswerLine] = []
    for e in expected:
        hit = next((g for g in g_left if _norm(g.modifiers) == _norm(e.modifiers)), None)
        if hit is None:
            e_left.append(e)
        else:
            g_left.remove(hit)
            pairs.append((hit, e))
    for e in e_left:
        pairs.append((g_left.pop(0) if g_left else None, e))
    pairs += [(g, None) for g in g_left]
    return pairs


def grade(s: Scenario, answer: dict[str, int] | str) -> Grade:
    """Grade ``answer`` (text, with modifiers, or ``{code: units}``, whose modifiers are not graded)
    against scenario ``s``: every line it expects, in the 96369-96372 family or not (99601, S9338,
    G0069, E0779, a drug's J-code ...), with its units and modifiers. The score is the share of codes
    right. An empty text answer is not an attempt: InputError."""
    with_modifiers = isinstance(answer, str)
    given = (
        parse_answer_lines(answer) if isinstance(answer, str) else [AnswerLine(c, int(u)) for c, u in answer.items()]
    )
    expected = [AnswerLine(ln.code, ln.units, tuple(ln.modifiers)) for ln in s.answer_lines()]
    if not with_modifiers:  # a {code: units} answer: the lines of a code are summed, as given
        summed: dict[str, int] = {}
        for e in expected:
            summed[e.code] = summed.get(e.code, 0) + e.units
        expected_cmp = [AnswerLine(c, u) for c, u in summed.items()]
    else:
        expected_cmp = expected
    result = s.code()
    misses: list[Miss] = []
    notes: list[str] = []
    codes = sorted({ln.code for ln in given} | {ln.code for ln in expected_cmp})
    for code in codes:
        for g_, e_ in _pair([x for x in given if x.code == code], [x for x in expected_cmp if x.code == code]):
            gu, eu = (g_.units if g_ else 0), (e_.units if e_ else 0)
            gm, em = (g_.modifiers if g_ else ()), (e_.modifiers if e_ else ())
            if gu != eu:
                text, rule = _explain(code, gu, eu, result, s, em or gm)
                misses.append(Miss(code, gu, eu, text, gm, em, rule))
            elif with_modifiers and _norm(gm) != _norm(em):
                text, rule = _explain_modifiers(code, gm, em, result, s)
                misses.append(Miss(code, gu, eu, text, gm, em, rule))
            elif with_modifiers and set(gm) != set(em):
                notes.append(
                    f"{code}: {' '.join(sorted(set(gm) - set(em)))} is accepted for "
                    f"{' '.join(sorted(set(em) - set(gm)))}; both say the service is distinct, and "
                    f"XS (separate site) is the more specific {cite('M-DISTINCT')}"
                )
    wrong = {m.code for m in misses}
    score = 1.0 if not codes else (len(codes) - len(wrong)) / len(codes)
    return Grade(
        s.id,
        not misses,
        round(score, 3),
        tuple(misses),
        s.answer(),
        tuple(expected),
        tuple(notes),
        answer if isinstance(answer, str) else answer_text(given),
    )


@dataclass
class QuizSession:
    """A running score over several scenarios."""

    answered: list[Grade] = field(default_factory=list)

    def submit(self, s: Scenario, answer: dict[str, int] | str) -> Grade:
        g = grade(s, answer)
        self.answered.append(g)
        return g

    @property
    def correct(self) -> int:
        return sum(1 for g in self.answered if g.correct)

    def summary(self) -> str:
        n = len(self.answered)
        return f"{self.correct} of {n} correct" if n else "no answers yet"


SHEET_COLUMNS = [
    "trainee",
    "question",
    "scenario",
    "answer",
    "correct",
    "score",
    "expected",
    "misses",
    "rules",
    "seconds",
]


@dataclass
class Exam:
    """A trainer's exam: ``n`` scenarios drawn from ``bank`` (seeded, so a class can share one), one
    answer each, within ``minutes`` (None: untimed). ``clock`` is injectable for tests."""

    bank: tuple[Scenario, ...]
    n: int = 10
    minutes: float | None = None
    trainee: str = ""
    seed: int | None = None
    clock: Callable[[], float] = time.monotonic
    questions: tuple[Scenario, ...] = ()
    grades: dict[int, Grade] = field(default_factory=dict)
    seconds: dict[int, float] = field(default_factory=dict)
    started: float = 0.0

    def __post_init__(self) -> None:
        if not self.bank:
            raise InputError("exam", "no scenarios to draw from")
        if not 1 <= self.n <= len(self.bank):
            raise InputError("questions", f"{self.n} is not a number of questions from 1 to {len(self.bank)}")
        if self.minutes is not None and not 0 < self.minutes <= 600:
            raise InputError("minutes", f"{self.minutes} is not a time limit from 1 to 600 minutes")
        self.questions = tuple(random.Random(self.seed).sample(list(self.bank), self.n))
        self.started = self.clock()

    def time_left(self) -> float | None:
        """Seconds left (None: untimed; 0: time is up)."""
        if self.minutes is None:
            return None
        return max(0.0, self.minutes * 60 - (self.clock() - self.started))

    def answer(self, question: int, text: str) -> Grade:
        """Grade the answer to question ``question`` (0-based); once per question, within the time."""
        if not 0 <= question < len(self.questions):
            raise InputError("question", f"{question + 1} is not a question of this exam (1-{len(self.questions)})")
        if self.time_left() == 0:
            raise InputError("exam", "time is up: the answers given so far are graded")
        if question in self.grades:
            raise InputError("question", f"question {question + 1} is already answered")
        g = grade(self.questions[question], text)
        self.grades[question] = g
        self.seconds[question] = round(self.clock() - self.started, 1)
        return g

    @property
    def score(self) -> float:
        """The exam's score: unanswered questions count 0."""
        return round(sum(g.score for g in self.grades.values()) / len(self.questions), 3)

    def score_sheet(self) -> list[dict[str, Any]]:
        """One row per question (``SHEET_COLUMNS``): what the trainee wrote, the grade, every miss
        with its rule; an unanswered question says so."""
        out = []
        for i, s in enumerate(self.questions):
            g = self.grades.get(i)
            out.append(
                {
                    "trainee": self.trainee,
                    "question": i + 1,
                    "scenario": s.id,
                    "answer": g.answer if g else "(not answered)",
                    "correct": bool(g and g.correct),
                    "score": g.score if g else 0.0,
                    "expected": answer_text([AnswerLine(x.code, x.units, x.modifiers) for x in s.answer_lines()]),
                    "misses": " | ".join(m.text() for m in g.misses) if g else "",
                    "rules": " ".join(dict.fromkeys(m.rule for m in g.misses if m.rule)) if g else "",
                    "seconds": self.seconds.get(i, ""),
                }
            )
        return out

    def score_sheet_csv(self) -> str:
        """:meth:`score_sheet` as CSV text; cells that a spreadsheet would run as a formula are quoted
        with a leading apostrophe."""
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=SHEET_COLUMNS)
        w.writeheader()
        for row in self.score_sheet():
            w.writerow(
                {k: ("'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v) for k, v in row.items()}
            )
        return buf.getvalue()
