"""The coding rules the engine applies: one entry per rule id, with its sources and confidence.

The ids and statements follow ``shared/domain/coding-rules.md`` (the specification). The source tags
(S1-S44) are listed with titles and addresses in ``data/reference/sources.csv``. Rules whose
confidence is M or L say so in the rationale a trainee reads, so a trainer can judge them.

The rule *logic* lives in the module named by :attr:`Rule.module` (``timing``, ``units``,
``setting``, ``modifiers``); this module only describes the rules.
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

    def reference(self) -> str:
        """Short reference for a rationale: ``[U-HOUR; S6 S7 S8 S9; confidence M]``."""
        tags = " ".join(self.sources) if self.sources else "CPT/HCPCS code sets"
        return f"[{self.id}; {tags}; confidence {self.confidence}]"


_RULES: tuple[Rule, ...] = (
    # Time
    Rule("T-DOC", "Documented start and stop times",
         "Time-based codes need a documented start and stop time for every infusion segment; a "
         "segment without a stop time gives no time-based units.", ("S38",), "M", "timing"),
    Rule("T-SUM", "Infusion time is the sum of the segments",
         "Infusion time is the sum of the encounter's segments; overlapping time is counted once, "
         "gaps (pump stopped) and flush time are not counted. Separate subcutaneous infusions in one "
         "encounter are added too: this engine's reading, stated in a finding beside the other "
         "(IV guidance, by analogy, does not add separate infusions' times, S43).",
         ("S2", "S6", "S38"), "M", "timing"),
    Rule("T-DATE", "Dates and midnight",
         "A stop earlier than its start is an error unless dates make the order clear; times with a "
         "UTC offset and local times are not mixed within an encounter (offsets may differ across "
         "a daylight-saving change: counted exactly); local times across a clock change are flagged.",
         (), "H", "timing"),
    # Units
    Rule("U-SHORT", "15 minutes or less is an injection",
         "A total of 15 minutes or less is not an infusion: report 96372 x1 instead of 96369.",
         ("S19", "S21", "S44"), "M", "units"),
    Rule("U-INIT", "Initial hour, once per encounter",
         "More than 15 minutes: 96369 x1, once per encounter, covering the pump set-up and every "
         "site that pump feeds.", ("S2", "S3", "S16"), "M", "units"),
    Rule("U-HOUR", "Each additional hour needs more than 30 minutes of it",
         "96370 units = the number of whole hours k >= 1 with total minutes > 60k + 30: "
         "61-90 min -> 0, 91-150 -> 1, 151-210 -> 2, 211-270 -> 3.",
         ("S6", "S7", "S8", "S9"), "M", "units"),
    Rule("U-PUMP", "Additional pump set-up, at most once",
         "One or more additional pump set-ups with new sites in the encounter: 96371 x1, never "
         "more, whatever the count.", ("S16",), "M", "units"),
    Rule("U-ADDON", "Add-on codes need their primary",
         "96370 and 96371 are reported only with 96369 on the same claim and date (global ZZZ).",
         ("S2", "S10", "S11", "S12"), "H", "units"),
    Rule("U-MUE", "Units above the MUE are flagged, not cut",
         "The line keeps the units that time supports; a finding says that units above the MUE "
         "are likely to deny and what the MAI means for appeal.", ("S16", "S17"), "M", "units"),
    # Setting and payer
    Rule("S-FACILITY", "No administration codes on a professional claim in a facility",
         "A professional claim with a facility place of service cannot carry 96360-96379: the "
         "facility bills the administration on its institutional claim. Which places are facilities "
         "depends on the program: Medicare's list (100-04 ch. 12 §20.4.2, S42) or the payer's policy.",
         ("S18", "S19", "S42"), "M", "setting",
         caveat="the CPT instruction as Regence policy 109 quotes it (S18); Medicare's list as quoted (S42)"),
    Rule("S-HOME", "Home infusion uses other codes",
         "Home infusion (POS 12) is not coded with 96369/96370: commercial plans use nursing visits "
         "99601/99602 plus an S-code per diem; Medicare uses the home infusion therapy G-codes "
         "through a qualified supplier; a self-administered infusion has no administration code.",
         ("S20", "S21", "S22", "S23", "S24", "S25", "S26", "S37"), "M", "setting"),
    Rule("S-INITIAL", "One initial administration code per encounter",
         "Only one initial administration code per encounter per access site; a second initial "
         "code needs protocol-required separate sites and modifier 59 or XS/XE/XP/XU.",
         ("S4", "S5"), "H", "setting"),
    Rule("S-IV", "IV and subcutaneous infusion in one encounter",
         "An IV infusion (96365 family) in the same encounter as a subcutaneous infusion is unusual; "
         "at a separate site both initial codes may be reported, the second with a distinct-service "
         "modifier.", ("S1", "S5"), "L", "setting"),
    # Modifiers
    Rule("M-VALID", "Only real modifiers",
         "Modifiers that are not real CPT/HCPCS modifiers (for example 00 or 11) are an error on a "
         "claim line.", (), "H", "modifiers"),
    Rule("M-DISTINCT", "Distinct-service modifiers",
         "59 / XE / XS / XP / XU mark a second initial service at a separate site.", ("S5",), "H",
         "modifiers"),
    Rule("M-DRUG", "Drug-wastage modifiers go on the drug line",
         "JW / JZ go on the drug line (the J-code), not on the administration line.", ("S27",), "H",
         "modifiers"),
    Rule("M-25", "Separately identifiable E/M",
         "Modifier 25 goes on a significant, separately identifiable E/M on the same day, not on the "
         "administration line; Cigna asks for records with E/M plus 25.", ("S31",), "M",
         "modifiers"),
    # Audit of claim lines (claims data, not encounters)
    Rule("A-DUP", "Duplicate claim lines",
         "The same code, units and modifiers on two lines of one claim and date of service is a "
         "duplicate: payers pay it once; keep one line or add the modifier that explains the repeat.",
         ("S17",), "M", "audit"),
    Rule("M-PO-PN", "Off-campus hospital departments",
         "Institutional claims from off-campus provider-based departments carry PO (excepted) or PN "
         "(non-excepted) on every line, never both.", ("S28",), "M", "modifiers"),
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
    """All rules as a table (id, title, statement, confidence, sources), for reports and widgets."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "rule": r.id,
                "title": r.title,
                "statement": r.statement,
                "confidence": r.confidence,
                "sources": " ".join(r.sources) or "CPT/HCPCS code sets",
            }
            for r in _RULES
        ]
    )
