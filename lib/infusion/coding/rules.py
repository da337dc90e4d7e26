"""The coding rules the engine applies: one entry per rule id, with its sources and confidence.

The ids and statements follow ``shared/domain/coding-rules.md`` (the specification). The source tags
(S1-S55) are listed with titles and addresses in ``data/reference/sources.csv``. Rules whose
confidence is M or L say so in the rationale a trainee reads, so a trainer can judge them.

The rule *logic* lives in the module named by :attr:`Rule.module` (``timing``, ``units``,
``setting``, ``modifiers``, ``drugs``, ``edits``, ``home``; ``payment`` for P-PACKAGE); this module
only describes the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from ..config import data_file

if TYPE_CHECKING:
    import pandas as pd

CONFIDENCE_NOTE = {
    "H": "primary text or CMS file",
    "M": "secondary sources; verbatim CPT/CMS text not in the data",
    "L": "weakly sourced; commonly cited CPT instruction, verbatim text not in the data",
}


@dataclass(frozen=True)
class Rule:
    """One coding rule: its id, what it says in our words, where it comes from."""

    id: str
    title: str
    statement: str
    sources: tuple[str, ...]
    confidence: str
    module: str
    caveat: str = ""  # replaces the confidence note where a source quotes the text (S-FACILITY)
    severity: str = "error"  # of a claims-audit finding under this rule ("error" or "warning")
    codes: tuple[str, ...] = ()  # the codes the rule concerns (for the quiz, publication, audit)
    modifiers: tuple[str, ...] = ()  # and the modifiers

    def reference(self) -> str:
        """Short reference for a rationale: ``[U-HOUR; S6 S7 S8 S9; confidence M]``."""
        tags = " ".join(self.sources) if self.sources else "CPT/HCPCS code sets"
        return f"[{self.id}; {tags}; confidence {self.confidence}]"


_RULES: tuple[Rule, ...] = (
    # Time
    Rule(
        "T-DOC",
        "Documented start and stop times",
        "Time-based codes need a documented start and stop time for every infusion segment; a "
        "segment without a stop time gives no time-based units.",
        ("S38",),
        "M",
        "timing",
        severity="warning",
        codes=("96369", "96370"),
        modifiers=(),
    ),
    Rule(
        "T-SUM",
        "Infusion time is the sum of the segments",
        "Infusion time is the sum of the encounter's segments; overlapping time is counted once, "
        "gaps (pump stopped) and flush time are not counted. Separate subcutaneous infusions in one "
        "encounter are added too: this engine's reading, stated in a finding beside the other "
        "(IV guidance, by analogy, does not add separate infusions' times, S43).",
        ("S2", "S6", "S38"),
        "M",
        "timing",
        severity="error",
        codes=("96369", "96370"),
        modifiers=(),
    ),
    Rule(
        "T-DATE",
        "Dates and midnight",
        "A stop earlier than its start is an error unless dates make the order clear; times with a "
        "UTC offset and local times are not mixed within an encounter (offsets may differ across "
        "a daylight-saving change: counted exactly); local times across a clock change are flagged.",
        (),
        "H",
        "timing",
        severity="error",
        codes=("96369", "96370"),
        modifiers=(),
    ),
    Rule(
        "T-DOS",
        "Date of service of each line",
        "Institutional claims: each line carries the date its service was given (Medicare: CMS "
        "Transmittal 1702, S45), so an infusion past midnight puts 96369 on the start date and each "
        "additional hour on the date it began, still one initial code for the encounter. Professional "
        "claims: every line on the date the infusion started (a MAC's answer for another time-based "
        "family, by analogy, S46).",
        ("S45", "S46"),
        "M",
        "timing",
        caveat="the institutional reading is CMS's as quoted (S45); the professional one is an analogy (S46)",
        severity="error",
        codes=("96369", "96370", "96371"),
        modifiers=(),
    ),
    # Units
    Rule(
        "U-SHORT",
        "15 minutes or less is an injection",
        "A total of 15 minutes or less is not an infusion: report 96372 x1 instead of 96369.",
        ("S19", "S21", "S44"),
        "M",
        "units",
        severity="warning",
        codes=("96369", "96370", "96371", "96372"),
        modifiers=(),
    ),
    Rule(
        "U-INIT",
        "Initial hour, once per encounter",
        "More than 15 minutes: 96369 x1, once per encounter, covering the pump set-up and every site that pump feeds.",
        ("S2", "S3", "S16"),
        "M",
        "units",
        severity="error",
        codes=("96369",),
        modifiers=(),
    ),
    Rule(
        "U-HOUR",
        "Each additional hour needs more than 30 minutes of it",
        "96370 units = the number of whole hours k >= 1 with total minutes > 60k + 30: "
        "61-90 min -> 0, 91-150 -> 1, 151-210 -> 2, 211-270 -> 3.",
        ("S6", "S7", "S8", "S9"),
        "M",
        "units",
        severity="error",
        codes=("96370",),
        modifiers=(),
    ),
    Rule(
        "U-PUMP",
        "Additional pump set-up, at most once",
        "One or more additional pump set-ups with new sites in the encounter: 96371 x1, never "
        "more, whatever the count.",
        ("S16",),
        "M",
        "units",
        severity="error",
        codes=("96371",),
        modifiers=(),
    ),
    Rule(
        "U-ADDON",
        "Add-on codes need their primary",
        "96370 and 96371 are reported only with 96369 on the same claim and date (global ZZZ).",
        ("S2", "S10", "S11", "S12", "S48"),
        "H",
        "units",
        severity="error",
        codes=("96369", "96370", "96371"),
        modifiers=(),
    ),
    Rule(
        "U-MUE",
        "Units above the MUE are flagged, not cut",
        "The line keeps the units that time supports; a finding says that units above the MUE "
        "are likely to deny and what the MAI means for appeal. Medicare's MUE of the claim's setting "
        "(practitioner, outpatient hospital, DME supplier) applies, summed over every line of the code "
        "on the date (JW lines too); a Medicaid payer's professional claim uses the Medicaid file.",
        ("S16", "S17", "S47"),
        "M",
        "units",
        severity="warning",
        codes=("96369", "96370", "96371", "96372"),
        modifiers=(),
    ),
    # Setting and payer
    Rule(
        "S-FACILITY",
        "No administration codes on a professional claim in a facility",
        "A professional claim with a facility place of service cannot carry 96360-96379: the "
        "facility bills the administration on its institutional claim. Which places are facilities "
        "depends on the program: Medicare's list (100-04 ch. 12 §20.4.2, S42) or the payer's policy.",
        ("S18", "S19", "S42"),
        "M",
        "setting",
        caveat="the CPT instruction as Regence policy 109 quotes it (S18); Medicare's list as quoted (S42)",
        severity="error",
        codes=("96369", "96370", "96371", "96372"),
        modifiers=(),
    ),
    Rule(
        "S-HOME",
        "Home infusion uses other codes",
        "Home infusion (POS 12) is not coded with 96369/96370: commercial plans use the nursing visit "
        "99601 (up to 2 hours) with 99602 for each further hour (counted, as other CPT hours, once more "
        "than 30 minutes of it have passed) plus an S-code per diem (S9338, immunotherapy); Medicare "
        "uses the home infusion therapy G-codes through a qualified supplier (G0089 the first visit, "
        "G0069 later visits of SC immunotherapy, one per infusion day); a self-administered infusion "
        "has no administration code (the DME supplier's lines, D-DME).",
        ("S20", "S21", "S22", "S23", "S24", "S25", "S26", "S37"),
        "M",
        "setting",
        severity="error",
        codes=("96369", "96370", "99601", "99602", "S9338", "G0089", "G0069"),
        modifiers=(),
    ),
    Rule(
        "S-INITIAL",
        "One initial administration code per encounter",
        "Only one initial administration code per encounter per access site; a second initial "
        "code needs protocol-required separate sites and modifier 59 or XS/XE/XP/XU.",
        ("S4", "S5"),
        "H",
        "setting",
        severity="warning",
        codes=("96369", "96360", "96365", "96374", "96409", "96413"),
        modifiers=(),
    ),
    Rule(
        "S-IV",
        "IV and subcutaneous infusion in one encounter",
        "An IV infusion (96365 family) in the same encounter as a subcutaneous infusion is unusual; "
        "at a separate site both initial codes may be reported, the second with a distinct-service "
        "modifier.",
        ("S1", "S5"),
        "L",
        "setting",
        severity="warning",
        codes=("96365", "96366", "96369"),
        modifiers=(),
    ),
    Rule(
        "S-INPATIENT",
        "Inpatient stays have no administration line",
        "An infusion during an inpatient stay (POS 21 with an institutional claim) is paid within the "
        "stay: Medicare Part A pays the hospital per discharge by MS-DRG; no 96369-96372 line is billed "
        "for it.",
        ("S55",),
        "M",
        "setting",
        severity="error",
        codes=("96369", "96370", "96371", "96372"),
        modifiers=(),
    ),
    Rule(
        "S-INJECTION",
        "An SC injection beside an infusion",
        "A subcutaneous injection of another drug at a separate site in the encounter of an infusion is "
        "96372 per injection; the NCCI edit 96369/96372 has modifier indicator 1, so 96372 carries XS "
        "(or 59) when the site is separate, and is not paid beside 96369 otherwise.",
        ("S5", "S49"),
        "M",
        "setting",
        severity="warning",
        codes=("96372", "96369"),
        modifiers=("59", "XS"),
    ),
    # Drug lines
    Rule(
        "D-UNITS",
        "Drug units: the dose in the code's dosage, rounded up",
        "The drug line's units are the dose divided by the HCPCS code's dosage (J1559: 100 mg), "
        "rounded up to the next whole unit when not a multiple; vials hold whole units (the CMS "
        "NDC-HCPCS crosswalk).",
        ("S50", "S51"),
        "H",
        "drugs",
        severity="error",
        codes=(),
        modifiers=(),
    ),  # codes: the drugs of data/reference/drugs.csv
    Rule(
        "D-WASTE",
        "Single-dose vials: JZ, or JW for the discarded amount",
        "From single-dose vials, the discarded amount (units opened less units given) goes on a second "
        "line of the drug with JW and is paid; when nothing is discarded the line carries JZ (Medicare "
        "from 1 July 2023). Not for multi-dose vials, nor on the administration line.",
        ("S27", "S50"),
        "H",
        "drugs",
        severity="warning",
        codes=(),
        modifiers=("JW", "JZ"),
    ),
    Rule(
        "D-DME",
        "DME supplier claims for SC immune globulin",
        "When the patient infuses at home with a pump from a DME supplier, the supplier bills E0779 (the "
        "only pump covered for SCIG) and the drug as a supply to it, JB on every line, in the "
        "least-waste combination of packages; JZ from 1 January 2024 (discards by the patient are not "
        "reported).",
        ("S37", "S52", "S53"),
        "M",
        "drugs",
        severity="error",
        codes=("E0779",),
        modifiers=("JB", "JZ"),
    ),
    # Medicare edits and payment
    Rule(
        "N-PTP",
        "NCCI procedure-to-procedure edits",
        "Two codes of a PTP pair on one claim and date: with modifier indicator 0 the column-2 code is "
        "never paid with the column-1 code; with indicator 1 it is paid only when a modifier says the "
        "services are distinct (59, XE, XS, XP, XU; 25 on an E/M).",
        ("S49",),
        "M",
        "edits",
        severity="warning",
        codes=("96369", "96372"),
        modifiers=("59", "XE", "XS", "XP", "XU", "25"),
    ),
    Rule(
        "P-PACKAGE",
        "OPPS packaging by status indicator",
        "On a Medicare outpatient hospital claim a Q1 line (96371, 96372) is packaged when a line with "
        "status indicator S, T or V (96369) is on the claim the same date: paid within that line's APC, "
        "never in the separately paid total; N lines (J1551 from 2025) are always packaged; K drugs are "
        "paid per unit at the Addendum B rate.",
        ("S54",),
        "M",
        "payment",
        severity="error",
        codes=("96369", "96371", "96372"),
        modifiers=(),
    ),
    # Modifiers
    Rule(
        "M-VALID",
        "Only real modifiers",
        "Modifiers that are not real CPT/HCPCS modifiers (for example 00 or 11) are an error on a claim line.",
        (),
        "H",
        "modifiers",
        severity="error",
        codes=(),
        modifiers=(),
    ),
    Rule(
        "M-DISTINCT",
        "Distinct-service modifiers",
        "59 / XE / XS / XP / XU mark a second initial service at a separate site.",
        ("S5",),
        "H",
        "modifiers",
        severity="error",
        codes=(),
        modifiers=("59", "XE", "XS", "XP", "XU"),
    ),
    Rule(
        "M-DRUG",
        "Drug-wastage modifiers go on the drug line",
        "JW / JZ go on the drug line (the J-code), not on the administration line.",
        ("S27",),
        "H",
        "modifiers",
        severity="warning",
        codes=(),
        modifiers=("JW", "JZ", "JB"),
    ),
    Rule(
        "M-25",
        "Separately identifiable E/M",
        "Modifier 25 goes on a significant, separately identifiable E/M on the same day, not on the "
        "administration line; Cigna asks for records with E/M plus 25.",
        ("S31",),
        "M",
        "modifiers",
        severity="warning",
        codes=(),
        modifiers=("25",),
    ),
    # Audit of claim lines (claims data, not encounters)
    Rule(
        "A-DUP",
        "Duplicate claim lines",
        "The same code, units and modifiers on two lines of one claim and date of service is a "
        "duplicate: payers pay it once; keep one line or add the modifier that explains the repeat.",
        ("S17",),
        "M",
        "audit",
        severity="warning",
        codes=("96369", "96370", "96371", "96372"),
        modifiers=(),
    ),
    Rule(
        "M-PO-PN",
        "Off-campus hospital departments",
        "Institutional claims from off-campus provider-based departments carry PO (excepted) or PN "
        "(non-excepted) on every line, never both.",
        ("S28",),
        "M",
        "modifiers",
        severity="error",
        codes=(),
        modifiers=("PO", "PN"),
    ),
)

RULES: dict[str, Rule] = {r.id: r for r in _RULES}


def cite(*rule_ids: str) -> str:
    """Reference text for a rationale or finding: id, confidence, sources, and for M/L rules the
    caveat that the CPT instruction is commonly cited but its verbatim text is not in the data."""
    parts = []
    for rid in rule_ids:
        r = rule(rid)
        ref = r.reference()
        if r.confidence != "H":
            ref = ref[:-1] + f": {r.caveat or CONFIDENCE_NOTE[r.confidence]}]"
        parts.append(ref)
    return " ".join(parts)


def short_refs(text: str) -> tuple[str, list[str]]:
    """``text`` with the caveat of each reference left out (``[U-HOUR; S6 S7 S8 S9; confidence M]``)
    and the caveats it had, each once, for a page that shows many references and one legend."""
    seen: list[str] = []
    caveats = {f": {c}]": c for c in CONFIDENCE_NOTE.values()}
    caveats |= {f": {r.caveat}]": r.caveat for r in _RULES if r.caveat}
    for long, note in caveats.items():
        if long in text:
            text = text.replace(long, "]")
            seen.append(note)
    return text, seen


def confidence_legend() -> str:
    """One line that says what H, M and L mean (shown once where references are shortened)."""
    return "Confidence: " + "; ".join(f"{k} = {v}" for k, v in CONFIDENCE_NOTE.items()) + "."


def rule(rule_id: str) -> Rule:
    """Return the rule with this id; KeyError names the id if it is unknown."""
    try:
        return RULES[rule_id]
    except KeyError:
        raise KeyError(f"unknown rule id {rule_id!r}; known: {', '.join(RULES)}") from None


@lru_cache(maxsize=1)
def sources() -> pd.DataFrame:
    """The source index (tag, title, address) from ``data/reference/sources.csv``."""
    import pandas as pd

    return pd.read_csv(data_file("reference", "sources.csv"), dtype=str).set_index("tag")


def rules_table() -> pd.DataFrame:
    """All rules as a table (id, title, statement, confidence, sources, the audit's severity, the codes
    and modifiers each concerns), for reports and widgets."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "rule": r.id,
                "title": r.title,
                "statement": r.statement,
                "confidence": r.confidence,
                "sources": " ".join(r.sources) or "CPT/HCPCS code sets",
                "audit severity": r.severity,
                "applies to": " ".join(r.codes + r.modifiers) or "every line",
            }
            for r in _RULES
        ]
    )
