"""The coding engine: an :class:`~infusion.coding.encounter.Encounter` in, claim lines and findings out.

Each rule is implemented once, in the module its id names (``timing``: T-*, ``units``: U-*,
``setting``: S-*, ``modifiers``: M-*, ``drugs``: D-*, ``edits``: N-PTP and S-INJECTION, ``home``:
S-HOME's lines); this module only puts them in order:

1. time (T-DOC, T-SUM, T-DATE) and the setting (S-FACILITY, S-INPATIENT, S-HOME, DME);
2. the lines the setting takes: administration (U-*), injections (S-INJECTION), home visit codes, or
   the DME supplier's pump and drug; then the drug line (D-UNITS, D-WASTE, D-DME);
3. modifiers (M-*), dates of service (T-DOS), and Medicare's edits over the whole claim (U-MUE, N-PTP).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from .drugs import PUMP_CODE, drug_lines
from .edits import injection_lines, ptp_findings
from .encounter import Encounter, Infusion, parse_encounter
from .home import home_lines
from .modifiers import apply_modifiers
from .records import ClaimLine, CodingResult, Finding
from .rules import cite
from .setting import check_routes, check_setting
from .timing import Timeline, count_time, date_lines, service_date
from .units import SHORT_MAX_MINUTES, additional_hours, code_time, mue_findings, time_codes

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def code_encounter(encounter: Encounter | Mapping[str, Any]) -> CodingResult:
    """Code one encounter.

    ``encounter`` is an :class:`Encounter` or a mapping accepted by
    :func:`~infusion.coding.encounter.parse_encounter` (bad input raises ``InputError``).
    """
    enc = encounter if isinstance(encounter, Encounter) else parse_encounter(encounter)
    findings: list[Finding] = list(check_routes(enc))
    sc = [i for i in enc.infusions if i.route == "subcutaneous"]
    timeline, time_findings = count_time([s for i in sc for s in i.segments])
    findings += time_findings
    lines: list[ClaimLine] = []
    kind = "administration"
    if sc:
        decision = check_setting(enc)
        findings += decision.findings
        kind = decision.kind
        if decision.allowed:
            new, more = _administration(enc, sc, timeline)
        elif kind == "home":
            new, more = home_lines(enc, timeline.total_minutes)
        elif kind == "dme" and enc.drug is None:
            new, more = (
                [ClaimLine(PUMP_CODE, 1, ("JB",), ("D-DME",), f"the pump, E0779, with JB {cite('D-DME')}")],
                [
                    Finding(
                        "warning",
                        "D-DME",
                        "name the drug and its dose (drug: {product: Hizentra, dose: 10 g}) for "
                        f"the supplier's drug line {cite('D-DME')}",
                    )
                ],
            )
        else:
            new, more = [], []
        lines += new
        findings += more
    new, more = _drug(enc, kind, lines, service_date(enc, timeline))
    lines += new
    findings += more
    lines, more = date_lines(lines, enc, timeline)
    findings += more
    claim = "dme" if kind == "dme" else enc.claim
    findings += mue_findings(lines, claim, enc.payer)
    findings += ptp_findings(lines, claim, enc.payer, service_date(enc, timeline))
    findings.sort(key=lambda f: _SEVERITY_ORDER[f.severity])
    return CodingResult(timeline.total_minutes, tuple(lines), tuple(findings), timeline)


def _administration(enc: Encounter, sc: list[Infusion], timeline: Timeline) -> tuple[list[ClaimLine], list[Finding]]:
    """The administration lines (U-*), the injections beside them (S-INJECTION), and the modifiers."""
    pumps = sum(i.pumps for i in sc)
    lines, findings = code_time(timeline.total_minutes, pumps)
    if len(sc) > 1 and lines:
        findings.append(_separate_infusions(sc, timeline.total_minutes, pumps))
    if enc.injections:
        inj, more = injection_lines(enc.injections, any(ln.code == "96369" for ln in lines))
        lines += inj
        findings += more
    second_initial = any(i.route == "intravenous" and i.separate_site_required for i in enc.infusions)
    if second_initial and lines:
        lines = _iv_lines(enc) + lines
    lines, more = apply_modifiers(enc, lines, second_initial)
    return lines, findings + more


def _iv_lines(enc: Encounter) -> list[ClaimLine]:
    """S-IV: an IV infusion at a protocol-required separate site, coded with the IV family by the same
    time rules: more than 15 minutes is 96365 x1, each further hour past 30 minutes 96366; 15 minutes
    or less is an IV push, 96374."""
    iv = [s for i in enc.infusions if i.route == "intravenous" for s in i.segments]
    minutes = count_time(iv)[0].total_minutes
    if minutes <= 0:
        return []
    ref = cite("S-IV", "S-INITIAL")
    if minutes <= SHORT_MAX_MINUTES:
        return [
            ClaimLine(
                "96374",
                1,
                (),
                ("S-IV",),
                f"an IV infusion of {minutes} min is 15 minutes or less: reported as an IV push, 96374 {ref}",
            )
        ]
    out = [
        ClaimLine(
            "96365",
            1,
            (),
            ("S-IV", "S-INITIAL"),
            f"the IV infusion ({minutes} min) at its protocol-required separate site: 96365 x1 for its "
            f"first hour, an initial code of its own beside 96369 {ref}",
        )
    ]
    if extra := additional_hours(minutes):
        out.append(
            ClaimLine(
                "96366",
                extra,
                (),
                ("S-IV", "U-HOUR"),
                f"{minutes} min of IV infusion: each hour after the first counts once more than 30 "
                f"minutes of it have passed, 96366 x{extra} {ref}",
            )
        )
    return out


def _drug(
    enc: Encounter, kind: str, lines: list[ClaimLine], day: dt.date | None
) -> tuple[list[ClaimLine], list[Finding]]:
    """The drug line where this claim carries it: administration and DME claims; not in a facility
    (the facility's claim has it), an inpatient stay or a home visit (the pharmacy bills it)."""
    if enc.drug is None:
        return [], []
    if kind in ("administration", "dme"):
        claim = "dme" if kind == "dme" else enc.claim
        new, more = drug_lines(enc.drug, claim, day, enc.payer)
        if kind == "dme":
            new = [ln for ln in new if ln.code != PUMP_CODE or not any(x.code == PUMP_CODE for x in lines)]
        return new, more
    whose = {
        "facility": "the facility's institutional claim",
        "inpatient": "the inpatient stay",
        "home": "the home infusion pharmacy (or, for Medicare, the DME supplier with JB)",
    }[kind]
    return [], [
        Finding(
            "info",
            "D-UNITS",
            f"{enc.drug.product} ({enc.drug.hcpcs}) is not on this claim: {whose} carries the drug {cite('D-UNITS')}",
            code=enc.drug.hcpcs,
        )
    ]


def _separate_infusions(sc: list, total: int, pumps: int) -> Finding:
    """T-SUM: the reading applied to separate subcutaneous infusions in one encounter (their times
    added) and the other reading (each infusion's time on its own: the encounter coded from its
    longest infusion), with its source and confidence."""
    each = [count_time(list(i.segments))[0].total_minutes for i in sc]
    alt, _ = time_codes(max(each), pumps)
    alt_text = ", ".join(f"{c} x{u}" for c, u in alt.items()) or "no time-based code"
    return Finding(
        "info",
        "T-SUM",
        f"separate subcutaneous infusions ({' + '.join(f'{m} min' for m in each)}): this engine adds their "
        f"times ({total} min), reading one encounter's subcutaneous infusion time as one total (the "
        "subcutaneous family has no sequential-infusion code) " + cite("T-SUM") + ". The other reading: "
        "CPT Assistant guidance as quoted for IV infusions does not add the times of separate "
        f"infusions; by that analogy the encounter is coded from its longest infusion ({max(each)} min): "
        f"{alt_text} [S43; confidence L: IV guidance applied by analogy]",
    )


def code_minutes(minutes: int, pumps: int = 1, **fields: Any) -> CodingResult:
    """Shortcut: code one subcutaneous infusion of ``minutes`` with ``pumps`` set-ups."""
    return code_encounter({"segments": [{"minutes": minutes}], "pumps": pumps, **fields})
