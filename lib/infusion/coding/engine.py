"""The coding engine: an :class:`~infusion.coding.encounter.Encounter` in, claim lines and findings out.

Each rule is implemented once, in the module its id names (``timing``: T-*, ``units``: U-*,
``setting``: S-*, ``modifiers``: M-*); this module only puts them in order.
"""

from __future__ import annotations

from typing import Any, Mapping

from .encounter import Encounter, parse_encounter
from .modifiers import apply_modifiers
from .records import ClaimLine, CodingResult, Finding
from .rules import cite
from .setting import check_routes, check_setting
from .timing import count_time
from .units import code_time, time_codes

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def code_encounter(encounter: Encounter | Mapping[str, Any]) -> CodingResult:
    """Code one encounter.

    ``encounter`` is an :class:`Encounter` or a mapping accepted by
    :func:`~infusion.coding.encounter.parse_encounter` (bad input raises ``InputError``).
    """
    enc = encounter if isinstance(encounter, Encounter) else parse_encounter(encounter)
    findings: list[Finding] = []
    sc = [i for i in enc.infusions if i.route == "subcutaneous"]
    findings += check_routes(enc)
    segments = [s for i in sc for s in i.segments]
    timeline, time_findings = count_time(segments)
    findings += time_findings
    lines: list[ClaimLine] = []
    if sc:
        decision = check_setting(enc)
        findings += decision.findings
        if decision.allowed:
            pumps = sum(i.pumps for i in sc)
            lines, unit_findings = code_time(timeline.total_minutes, pumps, enc.claim)
            findings += unit_findings
            if len(sc) > 1 and lines:
                findings.append(_separate_infusions(sc, timeline.total_minutes, pumps))
            second_initial = any(i.route == "intravenous" and i.separate_site_required
                                 for i in enc.infusions)
            lines, mod_findings = apply_modifiers(enc, lines, second_initial)
            findings += mod_findings
    findings.sort(key=lambda f: _SEVERITY_ORDER[f.severity])
    return CodingResult(timeline.total_minutes, tuple(lines), tuple(findings), timeline)


def _separate_infusions(sc: list, total: int, pumps: int) -> Finding:
    """T-SUM: the reading applied to separate subcutaneous infusions in one encounter (their times
    added) and the other reading (each infusion's time on its own: the encounter coded from its
    longest infusion), with its source and confidence."""
    each = [count_time(list(i.segments))[0].total_minutes for i in sc]
    alt, _ = time_codes(max(each), pumps)
    alt_text = ", ".join(f"{c} x{u}" for c, u in alt.items()) or "no time-based code"
    return Finding(
        "info", "T-SUM",
        f"separate subcutaneous infusions ({' + '.join(f'{m} min' for m in each)}): this engine adds their "
        f"times ({total} min), reading one encounter's subcutaneous infusion time as one total (the "
        "subcutaneous family has no sequential-infusion code) " + cite("T-SUM") + ". The other reading: "
        "CPT Assistant guidance as quoted for IV infusions does not add the times of separate "
        f"infusions; by that analogy the encounter is coded from its longest infusion ({max(each)} min): "
        f"{alt_text} [S43; confidence L: IV guidance applied by analogy]")


def code_minutes(minutes: int, pumps: int = 1, **fields: Any) -> CodingResult:
    """Shortcut: code one subcutaneous infusion of ``minutes`` with ``pumps`` set-ups."""
    return code_encounter({"segments": [{"minutes": minutes}], "pumps": pumps, **fields})
