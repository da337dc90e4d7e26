"""Setting rules: S-FACILITY, S-INPATIENT, S-HOME, S-INITIAL, S-IV.

:func:`check_setting` decides whether the subcutaneous administration codes can go on this claim at
all (``allowed``) and explains the decision in findings; :func:`check_routes` handles an IV and a
subcutaneous infusion in one encounter.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..reference.catalog import is_facility_pos, pos_name
from .encounter import Encounter
from .records import Finding
from .rules import cite


@dataclass(frozen=True)
class SettingDecision:
    """Whether 96369-96372 may be reported on this claim, and why."""

    allowed: bool
    findings: tuple[Finding, ...]
    kind: str = "administration"  # or facility, inpatient, home, dme: which lines the claim takes


def check_setting(enc: Encounter) -> SettingDecision:
    """S-FACILITY and S-HOME for the claim type, place of service and payer of ``enc``."""
    name = pos_name(enc.pos)
    refused = _elsewhere(enc, name)
    if refused is not None:
        return refused
    if enc.pos == "12":
        return _home(enc)
    return SettingDecision(True, tuple(_institutional(enc, name) if enc.claim == "institutional" else []))


def _elsewhere(enc: Encounter, name: str) -> SettingDecision | None:
    """The decision for a claim whose administration is billed by someone else or not at all (a
    professional claim from a facility place, ``name``; an inpatient stay; self-administered), or None."""
    if enc.claim == "professional" and is_facility_pos(enc.pos, enc.payer):
        whose = (
            "Medicare (CMS 100-04 ch. 12 §20.4.2 [S42]) lists it as a facility setting"
            if enc.payer == "medicare"
            else "payer policies list it as a facility setting"
        )
        return SettingDecision(
            False,
            (
                Finding(
                    "error",
                    "S-FACILITY",
                    f"professional claim with facility place of service {enc.pos} ({name}): {whose}; 96360-96379 "
                    "are not reported by the physician here; the facility bills the administration on its "
                    f"institutional claim {cite('S-FACILITY')}",
                    code="96369",
                ),
            ),
            "facility",
        )
    if enc.claim == "institutional" and enc.pos == "21":
        return SettingDecision(
            False,
            (
                Finding(
                    "info",
                    "S-INPATIENT",
                    "inpatient stay (place of service 21, institutional claim): the infusion is part of the stay, "
                    "which Medicare Part A pays per discharge by MS-DRG (other payers per their inpatient "
                    f"contract); no 96369-96372 line and no separate drug line {cite('S-INPATIENT')}",
                    code="96369",
                ),
            ),
            "inpatient",
        )
    if enc.self_administered or enc.claim == "dme":
        return SettingDecision(
            False,
            (
                Finding(
                    "info",
                    "S-HOME",
                    "self-administered infusion: no administration code applies; the DME supplier bills the pump "
                    f"(E0779) and the drug as its supply, with JB {cite('S-HOME', 'D-DME')}",
                    code="96369",
                ),
            ),
            "dme",
        )
    return None


def _home(enc: Encounter) -> SettingDecision:
    """S-HOME: home infusion (POS 12) takes the home codes, not 96369/96370."""
    if enc.payer in ("medicare", "medicare_advantage"):
        alt = (
            "Medicare pays home infusion through the home infusion therapy benefit: a "
            "qualified supplier bills G0089 for the first visit and G0069 for subcutaneous "
            "immunotherapy visits, one payment per infusion day"
        )
    else:
        alt = (
            "commercial plans use the nursing visit 99601 (first 2 hours) with 99602 for each "
            "further hour, plus an S-code per diem (S9338 for immunotherapy)"
        )
    finding = Finding(
        "info", "S-HOME", f"home infusion (POS 12) is not coded with 96369/96370: {alt} {cite('S-HOME')}", code="96369"
    )
    return SettingDecision(False, (finding,), "home")


def _institutional(enc: Encounter, name: str) -> list[Finding]:
    """S-FACILITY on an institutional claim: who reports and pays; a warning when the place of
    service (``name``) is not a hospital setting."""
    pays = (
        "Medicare pays it through OPPS, not the physician fee schedule"
        if enc.payer == "medicare"
        else "the payer pays it under its hospital contract (OPPS, Medicare's outpatient system, is "
        "the Medicare benchmark), not a professional fee schedule"
    )
    findings = [
        Finding(
            "info",
            "S-FACILITY",
            f"institutional claim (place of service {enc.pos}, {name}): the hospital reports the "
            f"administration and {pays} {cite('S-FACILITY')}",
        )
    ]
    if not is_facility_pos(enc.pos, enc.payer):
        findings.append(
            Finding(
                "warning",
                "S-FACILITY",
                f"an institutional claim from place of service {enc.pos} ({name}), which is not a hospital "
                "setting: a hospital's outpatient infusion is on-campus (22) or off-campus (19), and its "
                "UB-04 claim carries a type of bill (13x), not this place of service; check the claim type "
                f"or the place of service {cite('S-FACILITY')}",
            )
        )
    return findings


def check_routes(enc: Encounter) -> list[Finding]:
    """S-IV and S-INITIAL: an IV infusion beside the subcutaneous one, two subcutaneous infusions."""
    findings: list[Finding] = []
    iv = [i for i in enc.infusions if i.route == "intravenous"]
    sc = [i for i in enc.infusions if i.route == "subcutaneous"]
    if len(sc) > 1:
        findings.append(
            Finding(
                "info",
                "S-INITIAL",
                f"{len(sc)} subcutaneous infusions in one encounter: one 96369 for the encounter, and pump "
                f"set-ups after the first give 96371 {cite('U-INIT', 'U-PUMP')}; how their times count is a "
                "reading of its own (see the T-SUM finding)",
            )
        )
    if iv and sc:
        findings += _iv_beside_sc(any(i.separate_site_required for i in iv))
    if iv and not sc:
        findings.append(
            Finding(
                "info",
                "S-IV",
                "no subcutaneous infusion in the encounter: this engine codes 96369-96372 only; code "
                f"the IV infusion with the 96365 family {cite('S-IV')}",
                code="96365",
            )
        )
    return findings


def _iv_beside_sc(separate_sites: bool) -> list[Finding]:
    """S-IV and S-INITIAL for an IV infusion beside the subcutaneous one, at separate sites the
    protocol requires or not."""
    if separate_sites:
        return [
            Finding(
                "info",
                "S-IV",
                "an IV infusion beside the subcutaneous one, at a site the protocol requires: it is coded "
                "with the IV family (96365 up to the first hour, 96366 for each further hour past 30 "
                f"minutes) {cite('S-IV')}",
                code="96365",
            ),
            Finding(
                "info",
                "S-INITIAL",
                "protocol requires separate sites: both initial codes may be reported (96365 and "
                "96369); the second-reported initial code takes modifier XS (or 59) "
                f"{cite('S-INITIAL', 'M-DISTINCT')}",
                code="96369",
                modifier="XS",
            ),
        ]
    return [
        Finding(
            "warning",
            "S-IV",
            "an IV infusion in the same encounter as a subcutaneous infusion is unusual; this "
            "engine codes the subcutaneous infusion only: code the IV infusion (96365 family) "
            f"separately {cite('S-IV')}",
            code="96365",
        ),
        Finding(
            "warning",
            "S-INITIAL",
            "only one initial administration code per encounter unless protocol requires "
            "separate sites: document that need (and use XS or 59 on the second initial code), "
            f"or report only one initial code {cite('S-INITIAL')}",
            code="96369",
        ),
    ]
