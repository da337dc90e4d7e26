"""The scenario bank: training vignettes in ``data/scenarios/*.yaml`` with their expected answers.

Each file holds one scenario: ``id``, ``title``, ``story``, ``encounter`` (the engine's input),
``expected.lines`` (the 96369-96372 lines: code, units, optional modifiers), ``expected.other_lines``
(the answer's lines outside that family: 99601, S9338, G0069, E0779, the drug's J-code ...),
``expected.rules`` (rule ids the answer rests on) and ``source``. :func:`check_scenario` compares
every line of the engine's answer with both; the quiz grades both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..coding.engine import code_encounter
from ..coding.records import CodingResult
from ..coding.rules import RULES
from ..config import data_path
from ..errors import InputError
from ..yamlio import load_yaml_file

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class ExpectedLine:
    code: str
    units: int
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """One training vignette."""

    id: str
    title: str
    story: str
    encounter: dict[str, Any]
    lines: tuple[ExpectedLine, ...]
    rules: tuple[str, ...]
    level: str = "core"
    teaches: str = ""
    source: str = ""
    other_lines: tuple[ExpectedLine, ...] = ()

    def answer_lines(self) -> tuple[ExpectedLine, ...]:
        """Every line of the expected answer: the family's, then the others."""
        return self.lines + self.other_lines

    def answer(self) -> dict[str, int]:
        """The expected ``{code: units}``, every code of the answer (units summed over a code's lines)."""
        out: dict[str, int] = {}
        for line in self.answer_lines():
            out[line.code] = out.get(line.code, 0) + line.units
        return out

    def code(self) -> CodingResult:
        """What the engine makes of this scenario's encounter."""
        return code_encounter(self.encounter)


@dataclass(frozen=True)
class Disagreement:
    scenario: str
    problems: tuple[str, ...] = field(default_factory=tuple)


def _text(obj: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = obj.get(key, default)
    if value is None:
        raise InputError(f"{where}: {key}", "missing")
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise InputError(f"{where}: {key}", f"{value!r} is not text")
    return str(value)


def _expected_line(ln: Any, where: str) -> ExpectedLine:
    """One ``expected.lines`` entry: code, whole units, optional modifiers (a list or one text)."""
    if not isinstance(ln, dict) or "code" not in ln or "units" not in ln:
        raise InputError(where, f"{ln!r} is not a line with code and units")
    units = ln["units"]
    if isinstance(units, bool) or not isinstance(units, int) or units < 0:
        raise InputError(f"{where}.units", f"{units!r} is not a whole number of units")
    mods = ln.get("modifiers") or ()
    mods = (mods,) if isinstance(mods, str) else mods
    if not isinstance(mods, (list, tuple)) or not all(isinstance(m, str) for m in mods):
        raise InputError(f"{where}.modifiers", f"{mods!r} is not a list of modifiers")
    return ExpectedLine(str(ln["code"]), units, tuple(mods))


def parse_scenario(obj: Any, where: str) -> Scenario:
    """A scenario from its YAML mapping; InputError naming ``where`` (the file) and the field."""
    if not isinstance(obj, dict):
        raise InputError(where, f"expected a mapping of scenario fields, got {type(obj).__name__}")
    for key in ("id", "title", "story", "encounter", "expected", "source"):
        if key not in obj:
            raise InputError(f"{where}: {key}", "missing")
    exp, encounter = obj["expected"], obj["encounter"]
    if not isinstance(encounter, dict):
        raise InputError(f"{where}: encounter", f"{encounter!r} is not a mapping of encounter fields")
    if not isinstance(exp, dict):
        raise InputError(f"{where}: expected", f"{exp!r} is not a mapping with lines and rules")
    raw_lines, raw_rules = exp.get("lines") or [], exp.get("rules") or []
    if not isinstance(raw_lines, list):
        raise InputError(f"{where}: expected.lines", f"{raw_lines!r} is not a list")
    if not isinstance(raw_rules, list):
        raise InputError(f"{where}: expected.rules", f"{raw_rules!r} is not a list of rule ids")
    lines = tuple(_expected_line(ln, f"{where}: expected.lines[{i}]") for i, ln in enumerate(raw_lines))
    raw_other = exp.get("other_lines") or []
    if not isinstance(raw_other, list):
        raise InputError(f"{where}: expected.other_lines", f"{raw_other!r} is not a list")
    other = tuple(_expected_line(ln, f"{where}: expected.other_lines[{i}]") for i, ln in enumerate(raw_other))
    family = [ln.code for ln in other if ln.code in ("96369", "96370", "96371", "96372")]
    if family:
        raise InputError(f"{where}: expected.other_lines", f"{family[0]} belongs in expected.lines")
    rules = tuple(str(r) for r in raw_rules)
    unknown = [r for r in rules if r not in RULES]
    if unknown:
        raise InputError(f"{where}: expected.rules", f"unknown rule id {unknown[0]!r}")
    return Scenario(
        id=_text(obj, "id", where),
        title=_text(obj, "title", where),
        story=_text(obj, "story", where),
        encounter=encounter,
        lines=lines,
        rules=rules,
        other_lines=other,
        level=_text(obj, "level", where, "core"),
        teaches=str(obj.get("teaches") or ""),
        source=_text(obj, "source", where),
    )


@lru_cache(maxsize=4)
def load_bank(folder: str | None = None) -> tuple[Scenario, ...]:
    """All scenarios of the bank, sorted by id."""
    root = Path(folder) if folder else data_path("scenarios")
    out = []
    for p in sorted(root.glob("*.yaml")):
        out.append(parse_scenario(load_yaml_file(p, "scenarios"), p.name))
    ids = [s.id for s in out]
    if len(set(ids)) != len(ids):
        raise InputError("scenarios", "duplicate scenario id")
    return tuple(out)


def bank_overview(bank: tuple[Scenario, ...]) -> pd.DataFrame:
    """The bank without its answers: per level, how many vignettes and the rule ids they exercise."""
    import pandas as pd

    rows = []
    for level in sorted({s.level for s in bank}):
        mine = [s for s in bank if s.level == level]
        rules = sorted({r for s in mine for r in s.rules})
        rows.append({"level": level, "scenarios": len(mine), "rules exercised": " ".join(rules)})
    return pd.DataFrame(rows)


def answer_key(bank: tuple[Scenario, ...]) -> pd.DataFrame:
    """The trainer's key: each vignette's id, title, answer lines and rules."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "id": s.id,
                "title": s.title,
                "answer": ", ".join(
                    f"{ln.code}{''.join('-' + m for m in ln.modifiers)} x{ln.units}" for ln in s.answer_lines()
                )
                or "none",
                "rules": " ".join(s.rules),
            }
            for s in bank
        ]
    )


def scenario(scenario_id: str) -> Scenario:
    for s in load_bank():
        if s.id == scenario_id:
            return s
    raise InputError("scenario", f"{scenario_id!r} is not in the bank")


def check_scenario(s: Scenario) -> Disagreement | None:
    """None when the engine gives exactly the expected lines (the family's and the others, in any
    order) and every expected rule id."""
    result = s.code()
    got = sorted((ln.code, ln.units, ln.modifiers) for ln in result.lines)
    want = sorted((ln.code, ln.units, ln.modifiers) for ln in s.answer_lines())
    problems = []
    if got != want:
        problems.append(f"lines: expected {want}, engine {got}")
    missing = [r for r in s.rules if r not in result.rule_ids()]
    if missing:
        problems.append(f"rules not applied: {', '.join(missing)}")
    return Disagreement(s.id, tuple(problems)) if problems else None
