"""The quiz: grade a trainee's codes and units against a scenario and explain each miss."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import InputError
from .records import CodingResult
from .rules import cite
from .scenarios import Scenario


@dataclass(frozen=True)
class Miss:
    """One difference between the trainee's answer and the right one, with why."""

    code: str
    given: int
    expected: int
    explanation: str


@dataclass(frozen=True)
class Grade:
    scenario: str
    correct: bool
    score: float
    misses: tuple[Miss, ...]
    expected: dict[str, int]

    def feedback(self) -> str:
        if self.correct:
            return "Correct: " + ", ".join(f"{c} x{u}" for c, u in self.expected.items()) if \
                self.expected else "Correct: no administration line on this claim."
        return "\n".join(f"- {m.code}: you gave {m.given}, the answer is {m.expected}. {m.explanation}"
                         for m in self.misses)


def parse_answer(text: str) -> dict[str, int]:
    """Parse ``"96369 x1, 96370 x2"`` (or ``96369:1 96370:2``, ``96369`` alone = 1 unit).

    An empty answer or ``none`` means no administration line.
    """
    text = (text or "").strip()
    if text.lower() in ("", "none", "no code", "no codes", "-"):
        return {}
    out: dict[str, int] = {}
    for part in re.split(r"[,;\n]+|\s{2,}", text):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"([0-9A-Za-z]{5})(?:\s*(?:x|\*|:|\s)\s*(\d+))?", part, re.I)
        if not m:
            raise InputError("answer", f"{part!r} is not CODE xUNITS (for example 96370 x2)")
        code, units = m.group(1).upper(), int(m.group(2) or 1)
        out[code] = out.get(code, 0) + units
    return out


def _explain(code: str, given: int, expected: int, result: CodingResult) -> str:
    line = next((ln for ln in result.lines if ln.code == code), None)
    if line is not None:
        return line.rationale
    related = [f for f in result.findings if code in f.message]
    if related:
        return related[0].message
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


def grade(s: Scenario, answer: dict[str, int] | str) -> Grade:
    """Grade ``answer`` (``{code: units}`` or text) against scenario ``s``'s expected answer."""
    given = parse_answer(answer) if isinstance(answer, str) else dict(answer)
    expected = s.answer()
    result = s.code()
    misses = []
    for code in sorted(set(given) | set(expected)):
        g, e = given.get(code, 0), expected.get(code, 0)
        if g != e:
            misses.append(Miss(code, g, e, _explain(code, g, e, result)))
    codes = set(given) | set(expected)
    right = sum(1 for c in codes if given.get(c, 0) == expected.get(c, 0))
    score = 1.0 if not codes else right / len(codes)
    return Grade(s.id, not misses, round(score, 3), tuple(misses), expected)


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
