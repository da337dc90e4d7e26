"""Medicare's NCCI edits over a claim's lines: N-PTP (procedure-to-procedure pairs) and the SC
injection beside an infusion (S-INJECTION, 96372 with XS), from ``reference/ncci_ptp.csv``.

A PTP pair is judged per date of service: modifier indicator 0 means the column-2 code is never paid
with the column-1 code; indicator 1 means it is paid when a distinct-service modifier (59, XE, XS,
XP, XU; 25 on an E/M) is on either line of the pair (CMS asks for it on the column-2 line).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import InputError, shown
from ..reference.catalog import ptp_edit
from .modifiers import DISTINCT
from .records import ClaimLine, Finding
from .rules import cite

MAX_INJECTIONS = 20
PTP_BYPASS = DISTINCT | {"25"}


@dataclass(frozen=True)
class Injection:
    """An SC injection in the encounter: its drug (text, optional) and whether at a site separate
    from the infusion's."""

    drug: str = ""
    separate_site: bool = True


def parse_injections(value: Any, where: str = "injections") -> tuple[Injection, ...]:
    """``[{"drug": "...", "separate_site": true}]`` (or a whole number of injections at separate sites)."""
    if value in (None, [], 0):
        return ()
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 < value <= MAX_INJECTIONS:
            raise InputError(where, f"{shown(value)} is not a number of injections from 1 to {MAX_INJECTIONS}")
        return (Injection(),) * value
    if not isinstance(value, list) or len(value) > MAX_INJECTIONS:
        raise InputError(where, f"{shown(value)} is not a list of injections (at most {MAX_INJECTIONS})")
    out = []
    for i, v in enumerate(value):
        if not isinstance(v, Mapping):
            raise InputError(f"{where}[{i}]", f"{shown(v)} is not a mapping with drug and separate_site")
        unknown = sorted(set(v) - {"drug", "separate_site"})
        if unknown:
            raise InputError(f"{where}[{i}].{unknown[0]}", "unknown field; known fields: drug, separate_site")
        sep = v.get("separate_site", True)
        if not isinstance(sep, bool):
            raise InputError(f"{where}[{i}].separate_site", f"{shown(sep)} is not true or false")
        out.append(Injection(str(v.get("drug") or "")[:200], sep))
    return tuple(out)


def injection_lines(injections: tuple[Injection, ...], beside_infusion: bool) -> tuple[list[ClaimLine], list[Finding]]:
    """S-INJECTION: one 96372 line per injection; XS when it is at a separate site beside 96369."""
    lines: list[ClaimLine] = []
    findings: list[Finding] = []
    for inj in injections:
        what = f"the SC injection{' of ' + inj.drug if inj.drug else ''}"
        if not beside_infusion:
            lines.append(ClaimLine("96372", 1, (), ("S-INJECTION",), f"{what}: 96372 x1 {cite('S-INJECTION')}"))
        elif inj.separate_site:
            lines.append(
                ClaimLine(
                    "96372",
                    1,
                    ("XS",),
                    ("S-INJECTION", "N-PTP", "M-DISTINCT"),
                    f"{what} at a site separate from the infusion: 96372 x1 with XS, which "
                    "lets the NCCI pair 96369/96372 (modifier indicator 1) pay both "
                    f"{cite('S-INJECTION', 'N-PTP')}",
                )
            )
        else:
            lines.append(ClaimLine("96372", 1, (), ("S-INJECTION",), f"{what}: 96372 x1 {cite('S-INJECTION')}"))
            findings.append(
                Finding(
                    "warning",
                    "S-INJECTION",
                    f"{what} is not at a separate site: the NCCI "
                    "pair 96369/96372 pays 96372 only for a distinct service; through the "
                    f"infusion's site it is part of the infusion {cite('S-INJECTION')}",
                    code="96372",
                )
            )
    return lines, findings


def ptp_findings(lines: list[ClaimLine], claim: str, payer: str, on: dt.date | None) -> list[Finding]:
    """N-PTP for every pair of codes on the claim on one date: indicator 0 an error, indicator 1
    without a distinct-service modifier on either line a warning. Medicare's edits; for other payers
    a note that they often apply them."""
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for i, a in enumerate(lines):
        for b in lines[i + 1 :]:
            if a.code == b.code or a.date != b.date or (a.code, b.code) in seen:
                continue
            day = a.date or on
            edit = ptp_edit(a.code, b.code, claim, day.isoformat() if day else None)
            if edit is None:
                continue
            seen.add((a.code, b.code))
            col2 = edit["column2"]
            pair = f"{edit['column1']}/{col2}"
            whose = {
                "medicare": "",
                "medicare_advantage": " (Medicare's edit; Medicare Advantage plans commonly apply it)",
                "medicaid": " (Medicare's edit: Medicaid's NCCI edition is not in the data)",
            }.get(payer, " (Medicare's edit; many commercial payers apply NCCI too)")
            if edit["modifier_indicator"] == "0":
                out.append(
                    Finding(
                        "error",
                        "N-PTP",
                        f"{pair} is an NCCI pair with modifier indicator 0: {col2} "
                        f"is never paid with {edit['column1']} on one date, whatever the modifier"
                        f"{whose} {cite('N-PTP')}",
                        code=col2,
                    )
                )
            elif not (set(a.modifiers) | set(b.modifiers)) & PTP_BYPASS:
                out.append(
                    Finding(
                        "warning",
                        "N-PTP",
                        f"{pair} is an NCCI pair with modifier indicator 1: "
                        f"{col2} is paid with {edit['column1']} only with a modifier saying the "
                        f"services are distinct (59, XS, XE, XP, XU; 25 on an E/M) on the {col2} "
                        f"line{whose} {cite('N-PTP')}",
                        code=col2,
                        modifier="XS",
                    )
                )
    return out
