"""The tidy rate table and the payer families."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from ..paths import data_path

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
}
FAMILY_LABELS = {"aetna": "Aetna", "bcbs": "BCBS", "cigna": "Cigna", "uhc": "UnitedHealthcare",
                 "medicare": "Medicare", "other": "Other"}
DOLLAR_TYPES = ("negotiated", "derived", "fee schedule")
ILLUSTRATIVE_MARK = "ILLUSTRATIVE"


@lru_cache(maxsize=1)
def _aliases() -> list[tuple[re.Pattern[str], str]]:
    with data_path("reference", "payer_aliases.csv").open(newline="", encoding="utf-8") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: int(r["order"]))
    return [(re.compile(r["pattern"], re.I), r["family"]) for r in rows]


def payer_family(*names: str | None) -> str:
    """The family of the first name that matches an alias (in the table's order), else "other"."""
    for name in names:
        if not name:
            continue
        for rx, fam in _aliases():
            if rx.search(name):
                return fam
    return "other"


@dataclass
class Extraction:
    """Rows read from one file, with what could not be used and any warnings."""

    source_file: str
    source_format: str
    rows: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    items_read: int = 0
    bytes_read: int = 0

    def frame(self) -> "pd.DataFrame":
        return to_frame(self.rows)


def to_frame(rows: list[dict]) -> "pd.DataFrame":
    import pandas as pd

    df = pd.DataFrame(rows, columns=list(RATE_COLUMNS))
    return df.astype(RATE_COLUMNS)


def join(values) -> str:
    return "|".join(str(v).strip() for v in values) if values else ""
