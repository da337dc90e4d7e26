"""The grammar of a trainee's answer: codes, units and modifiers as trainees write them.

Lines are separated by commas, semicolons, slashes, new lines, ``+``, ``and``, or simply by the next
code (``96369 96370``, ``96369-PO 96370-PO``). A line is a code (``96369``, ``J1559``, ``0591T``) with:

- units: ``x2``, ``X 2``, ``×2``, ``*2``, ``(2)``, ``2 units``, ``units: 2``, ``:2``, a number after
  the code (``96370 2``) or before it (``2 x 96370``); none means 1;
- modifiers: ``-PO``, `` PO`` (after the code or the units), ``(JZ)``, ``(XS, 59)``; a two-digit
  number that is a CPT modifier (``96372 25``, ``(25)``) is a modifier, any other number is units.

``none`` (or ``no code``) is an answer with no line; an empty answer is no answer at all. Anything
else (``hello``, ``9636``) is refused with a message saying how to write the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..coding.modifiers import CPT_NUMERIC_MODIFIERS
from ..errors import InputError, shown

MAX_ANSWER = 2000  # characters: far above any answer a trainee types
MAX_UNITS = 9999
HOW = "write codes with units and modifiers, for example 96369 x1, 96370 x2, 96372-XS, J1559 x103, J1559-JW x7"
NO_CODE = frozenset({"NONE", "NO CODE", "NO CODES", "NOTHING", "-"})


@dataclass(frozen=True)
class AnswerLine:
    """One line of an answer: a code, its units and its modifiers (in the order given)."""

    code: str
    units: int
    modifiers: tuple[str, ...] = ()


_CODE = r"(?:[0-9]{5}|[A-Z][0-9]{4}|[0-9]{4}[A-Z])(?:(?![0-9A-Z])|(?=X[0-9]))"  # 96369x1 too
_TOKENS = re.compile(
    rf"""
    (?P<sep>[,;/\n+&]|\bAND\b)
  | (?P<before>(?P<nb>[0-9]{{1,4}})\s*[X*]\s*(?={_CODE}))
  | (?P<code>{_CODE})
  | (?:[X*]\s*(?P<nx>[0-9]{{1,4}})(?:\s*UNITS?\b)?)(?![0-9A-Z])
  | (?:UNITS?\s*[:=]?\s*(?P<nu>[0-9]{{1,4}}))(?![0-9A-Z])
  | (?:(?P<nw>[0-9]{{1,4}})\s*UNITS?\b)
  | (?::\s*(?P<nc>[0-9]{{1,4}}))(?![0-9A-Z])
  | (?:\(\s*(?P<paren>[0-9A-Z]{{1,4}}(?:\s*[, ]\s*[0-9A-Z]{{1,4}})*)\s*(?:UNITS?)?\s*\))
  | (?:-\s*(?P<dash>[0-9A-Z]{{2}}))(?:(?![0-9A-Z])|(?=X[0-9]))
  | (?P<bare>[0-9A-Z]{{1,4}})(?![0-9A-Z])
""",
    re.VERBOSE | re.ASCII,
)


class _Line:
    def __init__(self, code: str, units: int | None = None) -> None:
        self.code, self.units, self.mods = code, units, []  # type: ignore[var-annotated]

    def set_units(self, n: int, raw: str) -> None:
        if self.units is not None:
            raise InputError("answer", f"{self.code} has two unit counts ({self.units} and {shown(raw)}); {HOW}")
        if not 1 <= n <= MAX_UNITS:
            raise InputError("answer", f"{self.code} x{n}: units run from 1 to {MAX_UNITS}; {HOW}")
        self.units = n

    def done(self) -> AnswerLine:
        return AnswerLine(self.code, 1 if self.units is None else self.units, tuple(dict.fromkeys(self.mods)))


def _number_or_modifier(line: _Line, text: str) -> None:
    """A bare number after a code: a CPT numeric modifier (25, 59) when it has two digits and is
    one, else units."""
    if len(text) == 2 and text in CPT_NUMERIC_MODIFIERS:
        line.mods.append(text)
    else:
        line.set_units(int(text), text)


def parse_answer_lines(text: str | None) -> list[AnswerLine]:
    """The lines of an answer (see the module doc); a code and modifiers given twice add their units.
    InputError (field ``answer``) on an empty answer or anything that is not a code, units or a
    modifier, with how to write it."""
    raw = (text or "").replace("\u00d7", "x").replace("\u2013", "-").replace("\u2014", "-")
    if len(raw) > MAX_ANSWER:
        raise InputError("answer", f"the answer is longer than {MAX_ANSWER} characters; {HOW}")
    norm = re.sub(r"[ \t\r\f\v]+", " ", raw.replace("\n", ","))
    up = "".join(c.upper() if c.isascii() else c for c in norm)  # same length: messages quote ``norm``
    if not up.strip():
        raise InputError("answer", f"no answer given: {HOW}, or none when no code applies")
    if up.strip().rstrip(".") in NO_CODE:
        return []
    return _merged(_tokens(norm, up))


def _tokens(norm: str, up: str) -> list[_Line]:
    """The lines the answer's tokens make, in order (``up``: the answer upper-cased, ``norm`` as
    written, for messages)."""
    lines: list[_Line] = []
    current: _Line | None = None
    pending: int | None = None  # units written before their code (2 x 96370)
    pos = 0
    while pos < len(up):
        if up[pos].isspace():
            pos += 1
            continue
        m = _TOKENS.match(up, pos)
        if not m:
            bad = re.match(r"\S+", norm[pos:])
            raise InputError(
                "answer", f"{shown(bad.group(0) if bad else norm[pos:])} is not a code, units or a modifier; {HOW}"
            )
        pos = m.end()
        if m.group("sep") is not None:
            current = None
        elif m.group("before") is not None:
            pending = int(m.group("nb"))
        elif m.group("code") is not None:
            current = _Line(m.group("code"))
            if pending is not None:
                current.set_units(pending, str(pending))
                pending = None
            lines.append(current)
        elif current is None:
            raise InputError("answer", f"{shown(norm[m.start() : m.end()].strip())} is not a code: {HOW}")
        else:
            _after_code(current, m)
    if pending is not None:
        raise InputError("answer", f"{pending} x: the units are not followed by a code; {HOW}")
    return lines


def _after_code(current: _Line, m: re.Match) -> None:
    """Units or modifiers written after a code: ``x2``, ``2 units``, ``-XS``, ``(2)``, ``(XS)``, ``XS``."""
    for name in ("nx", "nu", "nw", "nc"):
        if m.group(name) is not None:
            current.set_units(int(m.group(name)), m.group(0).strip())
            return
    if m.group("paren") is not None:
        for item in re.split(r"[, ]+", m.group("paren")):
            if item.isdigit():
                _number_or_modifier(current, item)
            elif len(item) == 2:
                current.mods.append(item)
            else:
                raise InputError(
                    "answer", f"({shown(item)}) after {current.code} is neither units nor a modifier; {HOW}"
                )
    elif m.group("dash") is not None:
        current.mods.append(m.group("dash"))
    elif m.group("bare") is not None:
        bare = m.group("bare")
        if bare.isdigit():
            _number_or_modifier(current, bare)
        elif len(bare) == 2:
            current.mods.append(bare)
        else:
            raise InputError("answer", f"{shown(bare)} is not a code, units or a modifier; {HOW}")


def _merged(lines: list[_Line]) -> list[AnswerLine]:
    """A code with the same modifiers given twice: one line, its units added."""
    merged: dict[tuple[str, frozenset[str]], AnswerLine] = {}
    for ln in (x.done() for x in lines):
        key = (ln.code, frozenset(ln.modifiers))
        before = merged.get(key)
        merged[key] = ln if before is None else AnswerLine(ln.code, before.units + ln.units, before.modifiers)
    return list(merged.values())


def answer_text(lines: list[AnswerLine] | tuple[AnswerLine, ...]) -> str:
    """Lines written back in the workbook's form: ``96369 x1, J1559-JW x7``."""
    return ", ".join(f"{ln.code}{''.join('-' + m for m in ln.modifiers)} x{ln.units}" for ln in lines) or "none"
