"""The scenario bank: training vignettes in ``data/scenarios/*.yaml`` with their expected answers.

Each file holds one scenario: ``id``, ``title``, ``story``, ``encounter`` (the engine's input),
``expected.lines`` (code, units, optional modifiers), ``expected.rules`` (rule ids the answer rests
on) and ``source``. :func:`check_scenario` compares the engine with the expected answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .encounter import load_yaml
from .engine import code_encounter
from .errors import InputError
from .paths import data_path
from .records import CodingResult
from .rules import RULES


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

    def answer(self) -> dict[str, int]:
        """The expected ``{code: units}``."""
        return {line.code: line.units for line in self.lines}

    def code(self) -> CodingResult:
        """What the engine makes of this scenario's encounter."""
        return code_encounter(self.encounter)


@dataclass(frozen=True)
class Disagreement:
    scenario: str
    problems: tuple[str, ...] = field(default_factory=tuple)


def parse_scenario(obj: dict[str, Any], where: str) -> Scenario:
    for key in ("id", "title", "story", "encounter", "expected", "source"):
        if key not in obj:
            raise InputError(f"{where}: {key}", "missing")
    exp = obj["expected"]
    lines = tuple(ExpectedLine(str(ln["code"]), int(ln["units"]), tuple(ln.get("modifiers", ())))
                  for ln in exp.get("lines", []))
    rules = tuple(exp.get("rules", []))
    unknown = [r for r in rules if r not in RULES]
    if unknown:
        raise InputError(f"{where}: expected.rules", f"unknown rule id {unknown[0]!r}")
    return Scenario(id=str(obj["id"]), title=obj["title"], story=obj["story"],
                    encounter=obj["encounter"], lines=lines, rules=rules,
                    level=obj.get("level", "core"), teaches=obj.get("teaches", "") or "",
                    source=obj["source"])


@lru_cache(maxsize=4)
def load_bank(folder: str | None = None) -> tuple[Scenario, ...]:
    """All scenarios of the bank, sorted by id."""
    root = Path(folder) if folder else data_path("scenarios")
    out = []
    for p in sorted(root.glob("*.yaml")):
        out.append(parse_scenario(load_yaml(p.read_text(encoding="utf-8")), p.name))
    ids = [s.id for s in out]
    if len(set(ids)) != len(ids):
        raise InputError("scenarios", "duplicate scenario id")
    return tuple(out)


def scenario(scenario_id: str) -> Scenario:
    for s in load_bank():
        if s.id == scenario_id:
            return s
    raise InputError("scenario", f"{scenario_id!r} is not in the bank")


def check_scenario(s: Scenario) -> Disagreement | None:
    """None when the engine gives exactly the expected lines and every expected rule id."""
    result = s.code()
    got = tuple(ExpectedLine(ln.code, ln.units, ln.modifiers) for ln in result.lines)
    problems = []
    if got != s.lines:
        problems.append(f"lines: expected {[(ln.code, ln.units, ln.modifiers) for ln in s.lines]}, "
                        f"engine {[(ln.code, ln.units, ln.modifiers) for ln in got]}")
    missing = [r for r in s.rules if r not in result.rule_ids()]
    if missing:
        problems.append(f"rules not applied: {', '.join(missing)}")
    return Disagreement(s.id, tuple(problems)) if problems else None
