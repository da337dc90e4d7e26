"""Modifier rules: M-VALID, M-DISTINCT, M-DRUG, M-25, M-PO-PN.

The engine adds PO/PN itself (institutional claim, off-campus department). Modifiers a coder
proposes for a line (``Encounter.modifiers``) are checked: invalid ones are an error and are not put
on the line; modifiers that belong on another line (JW/JZ on the drug, 25 on the E/M) are left off
with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Protocol

from ..redact import show_value
from ..reference.catalog import modifier_row
from .records import ClaimLine, Finding
from .rules import cite


class ModifierSetting(Protocol):
    """What the modifier rules read of an encounter (``encounter.Encounter`` has it)."""

    @property
    def claim(self) -> str: ...
    @property
    def pos(self) -> str: ...
    @property
    def off_campus(self) -> str | None: ...
    @property
    def modifiers(self) -> Mapping[str, tuple[str, ...]]: ...
    @property
    def em_same_day(self) -> bool: ...


# CPT Level I modifiers are two digits; these are the numbers in use (AMA CPT Appendix A list of
# modifier numbers; descriptors not reproduced). No CPT modifier is numbered below 22.
CPT_NUMERIC_MODIFIERS = frozenset(
    "22 23 24 25 26 27 32 33 47 50 51 52 53 54 55 56 57 58 59 62 63 66 73 74 76 77 78 79 80 81 82 "
    "90 91 92 93 95 96 97 99".split()
)
DISTINCT = frozenset({"59", "XE", "XS", "XP", "XU"})
DRUG_LINE = frozenset({"JW", "JZ", "JB"})


def modifier_problem(modifier: str) -> str | None:
    """Why ``modifier`` is not a real CPT/HCPCS modifier, or None when it may be one (M-VALID)."""
    m = modifier.strip().upper()
    row = modifier_row(m)
    if row is not None and row["valid"] == "no":
        return f"{m!r} is not a CPT or HCPCS modifier ({row['meaning']})"
    if not re.fullmatch(r"[0-9A-Z]{2}", m):  # the value is quoted only when it has a modifier's shape
        return f"{show_value(modifier, 'modifier')} is not a modifier: modifiers are two letters or digits"
    if m.isdigit() and m not in CPT_NUMERIC_MODIFIERS:
        return f"{m!r} is not a CPT modifier: numeric CPT modifiers run from 22 to 99"
    return None


def placement_problem(modifier: str) -> tuple[str, str] | None:
    """(rule id, why) when ``modifier`` is real but belongs on another line than the administration
    line (M-DRUG: JW/JZ/JB on the drug line; M-25: 25 on the E/M line), or None."""
    if modifier in DRUG_LINE:
        return "M-DRUG", f"{modifier} belongs on the drug line (the J-code), not the administration line"
    if modifier == "25":
        return "M-25", "25 belongs on a separately identifiable E/M line, not the administration line"
    return None


def apply_modifiers(
    enc: ModifierSetting, lines: list[ClaimLine], second_initial: bool = False
) -> tuple[list[ClaimLine], list[Finding]]:
    """Add the modifiers the claim needs and check those the coder proposed."""
    findings: list[Finding] = []
    out: list[ClaimLine] = []
    auto = _off_campus(enc, findings)
    for line in lines:
        mods = list(dict.fromkeys(line.modifiers + auto))
        rules = list(line.rules) + (["M-PO-PN"] if auto else [])
        for m in enc.modifiers.get(line.code, ()):
            refused = _refused(enc, line.code, m, second_initial)
            if refused:
                findings.append(refused)
            elif m not in mods:
                mods.append(m)
                if m in DISTINCT:
                    rules.append("M-DISTINCT")
        if {"PO", "PN"} <= set(mods):
            findings.append(
                Finding(
                    "error",
                    "M-PO-PN",
                    f"{line.code}: PO and PN never go on one line {cite('M-PO-PN')}",
                    code=line.code,
                    modifier="PN",
                )
            )
        out.append(replace(line, modifiers=tuple(mods), rules=tuple(dict.fromkeys(rules))))
    if enc.em_same_day:
        findings.append(
            Finding(
                "info",
                "M-25",
                "E/M on the same day: report it with modifier 25 only when it is significant and "
                "separately identifiable from the administration; Cigna asks for the records "
                f"{cite('M-25')}",
            )
        )
    return out, findings


def _off_campus(enc: ModifierSetting, findings: list[Finding]) -> tuple[str, ...]:
    """PO or PN for every line of an institutional claim from an off-campus department (POS 19);
    a M-PO-PN warning in ``findings`` when which one is not given."""
    if not (enc.claim == "institutional" and enc.pos == "19"):
        return ()
    if enc.off_campus == "excepted":
        return ("PO",)
    if enc.off_campus == "nonexcepted":
        return ("PN",)
    findings.append(
        Finding(
            "warning",
            "M-PO-PN",
            "institutional claim from an off-campus department (POS 19): every line needs PO "
            "(excepted) or PN (non-excepted); give off_campus to choose "
            f"{cite('M-PO-PN')}",
        )
    )
    return ()


def _refused(enc: ModifierSetting, code: str, m: str, second_initial: bool) -> Finding | None:
    """Why the coder's modifier ``m`` is left off the ``code`` line (a finding), or None when it goes on."""
    problem = modifier_problem(m)
    if problem:
        return Finding(
            "error", "M-VALID", f"{code}: {problem}; it is left off the line {cite('M-VALID')}", code=code, modifier=m
        )
    if placed := placement_problem(m):
        rule, why = placed
        return Finding("warning", rule, f"{code}: {why}; left off {cite(rule)}", code=code, modifier=m)
    if m in ("PO", "PN") and (enc.claim != "institutional" or enc.pos != "19"):
        return Finding(
            "warning",
            "M-PO-PN",
            f"{code}: {m} is for institutional claims from an off-campus "
            f"department (POS 19); left off {cite('M-PO-PN')}",
            code=code,
            modifier=m,
        )
    if m in DISTINCT and not (second_initial and code == "96369"):
        return Finding(
            "warning",
            "M-DISTINCT",
            f"{code}: {m} marks a second initial service at a separate "
            f"site, and there is none on this claim; left off {cite('M-DISTINCT')}",
            code=code,
            modifier=m,
        )
    return None
