"""S-HOME as claim lines: the codes a home infusion visit takes instead of 96369/96370.

Commercial plans (and, by default, Medicaid): the nursing visit 99601 (up to 2 hours) with 99602 for
each further hour, plus the per diem S9338 (immunotherapy). Medicare: the home infusion therapy
G-codes a qualified supplier bills, G0089 for the first visit and G0069 for later visits of SC
immunotherapy, one per infusion day.
"""

from __future__ import annotations

from .encounter import Encounter
from .records import ClaimLine, Finding
from .rules import cite

VISIT_MINUTES = 120  # 99601 covers a visit of up to 2 hours
PAST_HALF = 30  # a further hour counts once more than 30 minutes of it have passed


def further_hours(minutes: int) -> int:
    """Units of 99602 for a visit of ``minutes``: whole hours k >= 1 past the first two with
    ``minutes > 120 + 60(k - 1) + 30``: 151-210 min -> 1, 211-270 -> 2."""
    if minutes <= VISIT_MINUTES + PAST_HALF:
        return 0
    return (minutes - (VISIT_MINUTES + PAST_HALF + 1)) // 60 + 1


def home_lines(enc: Encounter, minutes: int) -> tuple[list[ClaimLine], list[Finding]]:
    """The home visit's lines for ``enc`` (POS 12, not self-administered) and ``minutes`` of visit."""
    ref = cite("S-HOME")
    if enc.payer in ("medicare", "medicare_advantage"):
        return _medicare_home(enc)
    if minutes <= 0:
        return [], []
    extra = further_hours(minutes)
    lines = [
        ClaimLine(
            "99601", 1, (), ("S-HOME",), f"home nursing visit of {minutes} min: 99601 x1 covers up to 2 hours {ref}"
        )
    ]
    if extra:
        lines.append(
            ClaimLine(
                "99602",
                extra,
                (),
                ("S-HOME",),
                f"{minutes} min is {minutes - VISIT_MINUTES} min past the first 2 hours: each "
                "further hour counts once more than 30 minutes of it have passed (at 151, 211, "
                f"... min), so 99602 x{extra}; an add-on to 99601 (NCCI add-on edit) {ref}",
            )
        )
    lines.append(
        ClaimLine(
            "S9338",
            1,
            (),
            ("S-HOME",),
            "the pharmacy's per diem for home immunotherapy (supplies, pharmacy services, care "
            f"coordination), once per infusion day; drugs and nursing are billed apart {ref}",
        )
    )
    findings = []
    if enc.payer == "medicaid":
        findings.append(
            Finding(
                "info",
                "S-HOME",
                f"Medicaid home infusion codes are set by each state's program: check the state's fee schedule {ref}",
            )
        )
    return lines, findings


def _medicare_home(enc: Encounter) -> tuple[list[ClaimLine], list[Finding]]:
    """Medicare's (and a Medicare Advantage plan's) home infusion therapy G-code for ``enc``."""
    ref = cite("S-HOME")
    code, which = ("G0089", "the first visit") if enc.first_visit else ("G0069", "a later visit")
    lines = [
        ClaimLine(
            code,
            1,
            (),
            ("S-HOME",),
            f"Medicare home infusion therapy, SC immunotherapy (category 2), {which}: {code} "
            f"x1 for the infusion day, billed by a qualified home infusion supplier {ref}",
        )
    ]
    findings = [
        Finding(
            "info",
            "S-HOME",
            "the home infusion G-codes have PFS status X and OPPS status A: "
            "they are not priced on the physician fee schedule (data not available here) "
            f"{ref}",
            code=code,
        )
    ]
    if enc.payer == "medicare_advantage":
        findings.append(
            Finding(
                "info",
                "S-HOME",
                "a Medicare Advantage plan covers home infusion under its "
                "own billing rules; some take 99601/S9338 instead: check the plan "
                f"{ref}",
                code=code,
            )
        )
    return lines, findings
