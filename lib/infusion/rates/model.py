"""The tidy rate table and the payer families."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from ..config import data_path

if TYPE_CHECKING:  # pandas is imported where a frame is built, not to read files
    import pandas as pd

RATE_COLUMNS = {
    "source_file": "string", "source_format": "string", "reporting_entity": "string",
    "payer_name": "string", "payer_family": "string", "plan_name": "string", "plan_id": "string",
    "plan_market_type": "string", "billing_code": "string", "billing_code_type": "string",
    "negotiation_arrangement": "string", "negotiated_type": "string", "rate": "float64",
    "billing_class": "string", "setting": "string", "service_codes": "string",
    "modifiers": "string", "provider_key": "string", "provider_groups": "Int64",
    "npi_count": "Int64", "remote_reference": "boolean", "expiration_date": "string",
    "last_updated": "string", "illustrative": "boolean",
    "line_of_business": "string", "source_column": "string", "unresolved_reference": "boolean",
}
FAMILY_LABELS = {"aetna": "Aetna", "bcbs": "BCBS", "cigna": "Cigna", "uhc": "UnitedHealthcare",
                 "medicare": "Medicare", "other": "Other"}
LOB_LABELS = {"commercial": "commercial", "medicare_advantage": "Medicare Advantage",
              "medicaid_managed_care": "Medicaid managed care", "exchange": "exchange",
              "tricare": "TRICARE", "medicare": "Medicare (traditional)",
              "medicaid": "Medicaid (state program)", "unknown": "unknown"}
PRIVATE_FAMILIES = ("aetna", "bcbs", "cigna", "uhc")
# Words that leave a payer name "just the program" (Medicare or Medicaid itself, not a plan of a
# private payer), with US state names and abbreviations as hospitals write them ("[Alabama]").
_PROGRAM_WORDS = re.compile(
    r"\b(medicare|medicaid|part|a|b|traditional|original|ffs|fee|for|service|all|plans?|government|"
    r"cms|state|of|the|program|alabama|al|delaware|de|washington|wa|oregon|or|alaska|ak|"
    r"[a-z]{2})\b", re.I)
DOLLAR_TYPES = ("negotiated", "derived", "fee schedule")
ILLUSTRATIVE_MARK = "ILLUSTRATIVE"


@lru_cache(maxsize=1)
def _aliases() -> list[tuple[re.Pattern[str], str]]:
    with data_path("reference", "payer_aliases.csv").open(newline="", encoding="utf-8") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: int(r["order"]))
    return [(re.compile(r["pattern"], re.I), r["family"]) for r in rows]


def clean_name(name: str | None) -> str:
    """A payer or plan name as matched: template brackets and underscores gone, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"[\[\]_]", " ", name or "")).strip()


def payer_family(*names: str | None) -> str:
    """The private family (aetna, bcbs, cigna, uhc) of the first name that matches an alias (in the
    table's order), else "other". Medicare itself is a line of business, see :func:`classify_payer`."""
    for name in names:
        text = clean_name(name)
        if not text:
            continue
        for rx, fam in _aliases():
            if rx.search(text):
                return fam
    return "other"


@lru_cache(maxsize=1)
def _lines() -> list[tuple[re.Pattern[str], str]]:
    with data_path("reference", "lines_of_business.csv").open(newline="", encoding="utf-8") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: int(r["order"]))
    return [(re.compile(r["pattern"], re.I), r["line_of_business"]) for r in rows]


def _just_program(payer: str) -> bool:
    """True when ``payer`` names only the public program (e.g. "MEDICARE", "[Medicaid]",
    "Alabama Medicaid", "Medicare Part B"), not a private plan of it."""
    return not _PROGRAM_WORDS.sub(" ", payer).strip(" -/&,.()")


@lru_cache(maxsize=4096)
def classify_payer(payer: str | None, plan: str | None = None,
                   default_lob: str | None = None) -> tuple[str, str]:
    """(payer family, line of business) from a payer and plan name.

    Family: aetna, bcbs, cigna, uhc (``payer_aliases.csv``), medicare for traditional Medicare
    itself, else other. Line of business (``lines_of_business.csv``, first match over payer and plan
    together): exchange, medicare_advantage, medicaid_managed_care, tricare; the bare programs are
    medicare (traditional) and medicaid (the state program); otherwise ``default_lob`` when given
    (a TiC file is commercial by the rule that requires it), commercial for the four private
    families, and unknown for any other payer.
    """
    p, q = clean_name(payer), clean_name(plan)
    fam = payer_family(p, q)
    text = f"{p} {q}".strip()
    lob = next((lob for rx, lob in _lines() if rx.search(text)), None)
    if lob == "medicare":
        if fam == "other" and _just_program(p) and (not q or _just_program(q)):
            return "medicare", "medicare"
        lob = "medicare_advantage"
    if lob == "medicaid_managed_care" and fam == "other" and _just_program(p) and (not q or _just_program(q)):
        lob = "medicaid"
    if lob is None:
        lob = default_lob or ("commercial" if fam in PRIVATE_FAMILIES else "unknown")
    return fam, lob


@dataclass
class Extraction:
    """Rows read from one file, with what could not be used and any warnings."""

    source_file: str
    source_format: str
    rows: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    items_read: int = 0
    bytes_read: int = 0
    items_matched: int = 0
    not_read: dict[str, int] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)

    def count(self, reason: str, n: int = 1) -> None:
        """Count a value of a requested code that was seen and not made a rate, with why."""
        self.not_read[reason] = self.not_read.get(reason, 0) + n

    def frame(self) -> "pd.DataFrame":
        return to_frame(self.rows)


def to_frame(rows: list[dict]) -> "pd.DataFrame":
    import pandas as pd

    df = pd.DataFrame(rows, columns=list(RATE_COLUMNS))
    df["unresolved_reference"] = df["unresolved_reference"].astype("boolean").fillna(False)
    return df.astype(RATE_COLUMNS)


def join(values) -> str:
    return "|".join(str(v).strip() for v in values) if values else ""
