"""Unit rules: U-SHORT, U-INIT, U-HOUR, U-PUMP, U-ADDON, U-MUE.

The rule for "each additional hour" (96370) is :func:`additional_hours`; everything that needs
96370 units (the engine, the widgets' hour marks, the publication's time-to-units table) calls it.
"""

from __future__ import annotations

import datetime as dt

from ..reference.catalog import mue_for
from .records import ClaimLine, Finding
from .rules import cite as _ref

SHORT_MAX_MINUTES = 15  # U-SHORT: 15 minutes or less is not an infusion
FIRST_HOUR_MINUTES = 60  # U-INIT: 96369 covers up to the first hour
PAST_HALF_MINUTES = 30  # U-HOUR: an additional hour counts once more than 30 min of it passed


def additional_hours(minutes: int) -> int:
    """U-HOUR: units of 96370 for ``minutes`` of counted infusion time.

    The number of whole hours k >= 1 with ``minutes > 60k + 30``: 61-90 -> 0, 91-150 -> 1,
    151-210 -> 2, 211-270 -> 3.
    """
    if minutes <= FIRST_HOUR_MINUTES + PAST_HALF_MINUTES:
        return 0
    return (minutes - (FIRST_HOUR_MINUTES + PAST_HALF_MINUTES + 1)) // 60 + 1


def next_unit_at(minutes: int) -> int:
    """The smallest total minutes that would earn one more 96370 unit than ``minutes`` does."""
    return FIRST_HOUR_MINUTES * (additional_hours(minutes) + 1) + PAST_HALF_MINUTES + 1


def hour_thresholds(up_to_minutes: int) -> list[int]:
    """Minutes at which each 96370 unit starts (91, 151, 211, ...) up to ``up_to_minutes``."""
    out, t = [], FIRST_HOUR_MINUTES + PAST_HALF_MINUTES + 1
    while t <= up_to_minutes:
        out.append(t)
        t += 60
    return out


def time_codes(minutes: int, pumps: int) -> tuple[dict[str, int], list[str]]:
    """Codes and units for counted ``minutes`` and ``pumps`` set-ups, without rationale.

    Returns ``({code: units}, [rule ids])``; an empty mapping when ``minutes`` is 0.
    """
    if minutes <= 0:
        return {}, ["T-DOC"]
    if minutes <= SHORT_MAX_MINUTES:
        return {"96372": 1}, ["U-SHORT"]
    out = {"96369": 1}
    ids = ["U-INIT"]
    hours = additional_hours(minutes)
    if hours:
        out["96370"] = hours
        ids += ["U-HOUR", "U-ADDON"]
    if pumps > 1:
        out["96371"] = 1
        ids += ["U-PUMP", "U-ADDON"]
    return out, ids


_LINE_RULES = {
    "96372": ("U-SHORT",),
    "96369": ("U-INIT",),
    "96370": ("U-HOUR", "U-ADDON"),
    "96371": ("U-PUMP", "U-ADDON"),
}


def _rationale(code: str, units: int, minutes: int, pumps: int) -> str:
    beyond = minutes - FIRST_HOUR_MINUTES
    text = {
        "96372": f"{minutes} min of infusion is {SHORT_MAX_MINUTES} minutes or less, so it is not "
        "reported as an infusion: report the injection code 96372 x1 instead of 96369",
        "96369": f"{minutes} min is more than {SHORT_MAX_MINUTES} minutes, so the first hour is "
        "96369 x1, once for the encounter; it covers the pump set-up and every site that "
        "pump feeds",
        "96370": f"{minutes} min is {beyond} min beyond the first hour; each additional hour counts "
        "once more than 30 minutes of it have passed (at 91, 151, 211, ... min), so "
        f"{units} {'unit' if units == 1 else 'units'}; the next unit would need "
        f"{next_unit_at(minutes)} min. 96370 is "
        "an add-on reported with 96369",
        "96371": f"{pumps} pump set-ups: each set-up after the first has new sites, which is 96371, "
        "reported once whatever the count; sites fed by one pump are already in 96369",
    }[code]
    return f"{text} {_ref(*_LINE_RULES[code])}"


def code_time(minutes: int, pumps: int) -> tuple[list[ClaimLine], list[Finding]]:
    """Claim lines, with rationale, for ``minutes`` of counted time and ``pumps`` set-ups, and the
    unit findings (the MUE is judged over the whole claim: :func:`mue_findings`)."""
    units, _ = time_codes(minutes, pumps)
    lines = [
        ClaimLine(code, n, (), _LINE_RULES[code], _rationale(code, n, minutes, pumps)) for code, n in units.items()
    ]
    findings: list[Finding] = []
    if not units:
        findings.append(
            Finding(
                "error",
                "T-DOC",
                "no documented infusion time: no time-based code "
                "(96369, 96370) and no 96372 can be assigned; document start and "
                f"stop times {_ref('T-DOC')}. Another reading, in hospital billing "
                "guidance as reported (HCPro, 2013, about infusions of undocumented "
                "length): report the injection code, 96372 x1 [S43; confidence L: not a "
                "CPT or CMS instruction; this engine does not apply it]",
            )
        )
    elif "96372" in units and pumps > 1:
        findings.append(
            Finding(
                "warning",
                "U-ADDON",
                f"{pumps} pump set-ups, but 96371 is an "
                "add-on that needs 96369 on the same claim; with 96372 it cannot "
                f"be reported {_ref('U-ADDON')}",
                code="96371",
            )
        )
    elif "96369" in units and "96370" not in units and minutes > FIRST_HOUR_MINUTES:
        findings.append(
            Finding(
                "info",
                "U-HOUR",
                f"{minutes} min is "
                f"{minutes - FIRST_HOUR_MINUTES} min beyond the first hour: an "
                "additional hour needs more than 30 minutes of it, so no 96370 "
                f"(it starts at 91 min) {_ref('U-HOUR')}",
                code="96370",
            )
        )
    return lines, findings


def mue_findings(
    lines: list[ClaimLine] | tuple[ClaimLine, ...], claim: str = "professional", payer: str = "other"
) -> list[Finding]:
    """U-MUE: units above the MUE are kept, and flagged with what the MAI means for appeal. The MUE
    is Medicare's for the claim's setting (``catalog.mue_for``: practitioner, outpatient hospital or
    DME supplier, 2024-07-01), or the Medicaid practitioner file's for a Medicaid payer. Units are
    summed per code and date of service over every line (JW lines too: MAI 2 and 3 are date-of-service
    edits); the finding is on the code's first line of that date."""
    totals: dict[tuple[str, dt.date | None], int] = {}
    for line in lines:
        key = (line.code, line.date)
        totals[key] = totals.get(key, 0) + line.units
    out = []
    for (code, day), given in totals.items():
        m = mue_for(code, claim, payer)
        if m is None or not str(m["mue"]).isdigit() or given <= int(m["mue"]):
            continue
        if int(m["mue"]) == 0 and payer != "medicare":
            continue  # Medicare's "not billable by this provider type" (99601 by a practitioner): its policy only
        mai = m.get("mai") or ""
        mai_text = {
            "1": "MAI 1: a line edit; units above it on one line deny, a second line with a modifier "
            "may be used when documented",
            "2": "MAI 2: a date-of-service edit that is absolute: units above it are never paid",
            "3": "MAI 3: a date-of-service edit that may be appealed with documentation showing the units were given",
        }.get(mai, "MAI: data not available")
        on = f" on {day.isoformat()}" if day else ""
        out.append(
            Finding(
                "warning",
                "U-MUE",
                f"{code} x{given}{on} is above the MUE of {m['mue']} ({m['program'].replace('-', ' ')}, "
                f"{m['effective']}): the units are kept because the record supports them, but units "
                f"above {m['mue']} are likely to deny; {mai_text} {_ref('U-MUE')}",
                code=code,
            )
        )
    return out
