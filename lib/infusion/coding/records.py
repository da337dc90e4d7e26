"""Records the coding engine returns: claim lines, findings and the coding result."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class ClaimLine:
    """One claim line: a code, its units, modifiers, the rules that gave it and why, and its date
    of service (None when the encounter gives no date)."""

    code: str
    units: int
    modifiers: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    rationale: str = ""
    date: dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["modifiers"] = list(self.modifiers)
        d["rules"] = list(self.rules)
        d["date"] = self.date.isoformat() if self.date else None
        return d


@dataclass(frozen=True)
class Finding:
    """Something the coder must know: ``error`` (the claim as described is wrong or cannot be
    coded), ``warning`` (likely denial or needs attention) or ``info`` (explains a decision).

    ``code`` and ``modifier`` name the line and the modifier the finding is about, when it is about
    one (the quiz, the builder and the audit read them, never the message)."""

    severity: str
    rule: str
    message: str
    code: str = ""
    modifier: str = ""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity {self.severity!r} is not one of {SEVERITIES}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CodingResult:
    """What the engine made of an encounter."""

    total_minutes: int
    lines: tuple[ClaimLine, ...]
    findings: tuple[Finding, ...]
    timeline: Any = field(default=None, compare=False, repr=False)

    def units(self, code: str) -> int:
        """Units of ``code`` on this result (0 when absent)."""
        return sum(line.units for line in self.lines if line.code == code)

    def codes(self) -> dict[str, int]:
        """``{code: units}`` in line order, units summed over a code's lines (a JW line, a line per date)."""
        out: dict[str, int] = {}
        for line in self.lines:
            out[line.code] = out.get(line.code, 0) + line.units
        return out

    def rule_ids(self) -> set[str]:
        """Every rule id on a line or a finding."""
        ids = {r for line in self.lines for r in line.rules}
        return ids | {f.rule for f in self.findings}

    def to_dict(self) -> dict[str, Any]:
        return {
            "total_minutes": self.total_minutes,
            "lines": [line.to_dict() for line in self.lines],
            "findings": [f.to_dict() for f in self.findings],
        }
