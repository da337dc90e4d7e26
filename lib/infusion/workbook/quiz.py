"""The quiz: grade a trainee's codes and units against a scenario and explain each miss."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..coding.records import CodingResult
from ..coding.rules import cite
from ..errors import InputError, shown
from .scenarios import Scenario


@dataclass(frozen=True)
class AnswerLine:
    """One line of an answer: a code, its units and its modifiers (in the order given)."""

    code: str
    units: int
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Miss:
    """One difference between the trainee's answer and the right one, with why."""

    code: str
    given: int
    expected: int
    explanation: str
    given_modifiers: tuple[str, ...] = ()
    expected_modifiers: tuple[str, ...] = ()

    def text(self) -> str:
        if self.given != self.expected:
            return f"{self.code}: you gave {self.given}, the answer is {self.expected}. {self.explanation}"
        said = lambda mods: "modifier " + " ".join(mods) if mods else "no modifier"  # noqa: E731
        return (f"{self.code} x{self.expected}: you gave {said(self.given_modifiers)}, the answer has "
                f"{said(self.expected_modifiers)}. {self.explanation}")


@dataclass(frozen=True)
class Grade:
    scenario: str
    correct: bool
    score: float
    misses: tuple[Miss, ...]
    expected: dict[str, int]
    expected_lines: tuple[AnswerLine, ...] = ()

    def feedback(self) -> str:
        if self.correct:
            return "Correct: " + ", ".join(_line_text(ln) for ln in self.expected_lines) if \
                self.expected_lines else "Correct: no code on this claim."
        return "\n".join(f"- {m.text()}" for m in self.misses)


def _line_text(line: AnswerLine) -> str:
    return f"{line.code} x{line.units}" + "".join(f"-{m}" for m in line.modifiers)


_PART = re.compile(r"(?P<code>[0-9A-Z]{5})(?P<before>(?:\s*-\s*[0-9A-Z]{2})*)"
                   r"(?:\s*(?:X|\*|:|\s)\s*(?P<units>[0-9]{1,4}))?(?P<after>(?:\s*-?\s*[0-9A-Z]{2}(?![0-9A-Z]))*)",
                   re.ASCII)


def parse_answer_lines(text: str) -> dict[str, AnswerLine]:
    """Parse ``"96369 x1, 96370 x2"`` with modifiers: ``96369-JZ``, ``96372 x1 -25``,
    ``96370 x2 PO`` (after the units, the dash is optional), ``96369:1``; a code alone is 1 unit.
    Lines are split by commas, semicolons or line breaks; a code given twice adds its units.
    An empty answer or ``none`` means no code."""
    text = (text or "").strip()
    if text.lower() in ("", "none", "no code", "no codes", "-"):
        return {}
    out: dict[str, AnswerLine] = {}
    for part in re.split(r"[,;\n]+|\s{2,}", text):
        raw = part.strip()
        if not raw:
            continue
        m = _PART.fullmatch(raw.upper())
        if not m:
            raise InputError("answer", f"{shown(raw)} is not CODE xUNITS with optional modifiers "
                             "(for example 96370 x2, 96369-JZ, 96372 x1 -25)")
        mods = tuple(re.findall(r"[0-9A-Z]{2}", (m.group("before") or "") + " " + (m.group("after") or "")))
        code, units = m.group("code"), int(m.group("units") or 1)
        before = out.get(code)
        if before is not None:
            units += before.units
            mods = before.modifiers + tuple(x for x in mods if x not in before.modifiers)
        out[code] = AnswerLine(code, units, mods)
    return out


def parse_answer(text: str) -> dict[str, int]:
    """``{code: units}`` of an answer (``parse_answer_lines`` without the modifiers)."""
    return {code: line.units for code, line in parse_answer_lines(text).items()}


def _explain(code: str, given: int, expected: int, result: CodingResult, s: Scenario) -> str:
    line = next((ln for ln in result.lines if ln.code == code), None)
    if line is not None:
        return line.rationale
    related = [f for f in result.findings if code in f.message]
    if related:
        return related[0].message
    if expected and s.teaches:  # a code the vignette expects outside the engine's family (99601, G0069 ...)
        return s.teaches
    blocking = [f for f in result.findings if f.severity == "error"]
    if not result.lines and blocking:
        return blocking[0].message
    if code == "96370":
        return (f"Counted time is {result.total_minutes} min; 96370 needs more than 90 minutes "
                f"for its first unit {cite('U-HOUR')}")
    if code == "96371":
        return f"96371 needs a second pump set-up with new sites and a 96369 {cite('U-PUMP', 'U-ADDON')}"
    if code == "96369" and result.total_minutes <= 15:
        return f"{result.total_minutes} min is 15 minutes or less: that is 96372 {cite('U-SHORT')}"
    if not result.lines and result.findings:
        return result.findings[0].message
    return "This code does not belong on this claim."


def _explain_modifiers(code: str, given: tuple[str, ...], expected: tuple[str, ...], result: CodingResult,
                       s: Scenario) -> str:
    """Why the modifiers differ: the engine's finding on an extra one (00 is not a modifier, JZ
    goes on the drug line ...), or the rule that puts an expected one on the line."""
    why = []
    for m in [m for m in given if m not in expected]:
        said = next((f.message for f in result.findings if f"'{m}'" in f.message or f" {m} " in f" {f.message} "
                     and code in f.message), None)
        why.append(said or f"{m} does not go on this line.")
    missing = [m for m in expected if m not in given]
    if missing:
        line = next((ln for ln in result.lines if ln.code == code), None)
        rules = [r for r in (line.rules if line else ()) if r.startswith("M-")]
        why.append(f"{' '.join(missing)} {'is' if len(missing) == 1 else 'are'} expected on this line"
                   + (f" {cite(*rules)}" if rules else f": {s.teaches}" if s.teaches else "."))
    return " ".join(why)


def grade(s: Scenario, answer: dict[str, int] | str) -> Grade:
    """Grade ``answer`` (text, with modifiers, or ``{code: units}``, whose modifiers are not
    graded) against scenario ``s``'s expected answer: every code it expects, in the 96369-96372
    family or not (99601, S9338, G0069, E0779 ...), with its units and modifiers."""
    with_modifiers = isinstance(answer, str)
    given = (parse_answer_lines(answer) if isinstance(answer, str)
             else {c: AnswerLine(c, int(u)) for c, u in answer.items()})
    expected = {ln.code: AnswerLine(ln.code, ln.units, tuple(ln.modifiers)) for ln in s.answer_lines()}
    result = s.code()
    misses = []
    for code in sorted(set(given) | set(expected)):
        g, e = given.get(code), expected.get(code)
        gu, eu = (g.units if g else 0), (e.units if e else 0)
        if gu != eu:
            misses.append(Miss(code, gu, eu, _explain(code, gu, eu, result, s)))
        elif g and e and with_modifiers and set(g.modifiers) != set(e.modifiers):
            misses.append(Miss(code, gu, eu, _explain_modifiers(code, g.modifiers, e.modifiers, result, s),
                               g.modifiers, e.modifiers))
    codes = set(given) | set(expected)
    wrong = {m.code for m in misses}
    score = 1.0 if not codes else (len(codes) - len(wrong)) / len(codes)
    return Grade(s.id, not misses, round(score, 3), tuple(misses), s.answer(), tuple(expected.values()))


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
