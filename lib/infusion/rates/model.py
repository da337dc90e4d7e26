"""The tidy rate table and the payer families."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..reference.payers import PRIVATE_FAMILIES, PayerClass, classify, classify_payer, clean_name

__all__ = [
    "RATE_COLUMNS",
    "FAMILY_LABELS",
    "LOB_LABELS",
    "PRIVATE_FAMILIES",
    "DOLLAR_TYPES",
    "ILLUSTRATIVE_MARK",
    "PayerClass",
    "classify",
    "classify_payer",
    "clean_name",
    "Extraction",
    "to_frame",
    "join",
]

if TYPE_CHECKING:  # pandas is imported where a frame is built, not to read files
    import pandas as pd

RATE_COLUMNS = {
    "source_file": "string",
    "source_format": "string",
    "reporting_entity": "string",
    "payer_name": "string",
    "payer_family": "string",
    "plan_name": "string",
    "plan_id": "string",
    "plan_market_type": "string",
    "billing_code": "string",
    "billing_code_type": "string",
    "negotiation_arrangement": "string",
    "negotiated_type": "string",
    "rate": "float64",
    "billing_class": "string",
    "setting": "string",
    "service_codes": "string",
    "modifiers": "string",
    "provider_key": "string",
    "provider_groups": "Int64",
    "npi_count": "Int64",
    "remote_reference": "boolean",
    "expiration_date": "string",
    "last_updated": "string",
    "illustrative": "boolean",
    "line_of_business": "string",
    "source_column": "string",
    "unresolved_reference": "boolean",
    "network": "string",
    "state": "string",
}
# columns a rates file written before they existed may lack (read as null: in-network, state unknown)
OPTIONAL_COLUMNS = ("network", "state")
FAMILY_LABELS = {
    "aetna": "Aetna",
    "bcbs": "BCBS",
    "cigna": "Cigna",
    "uhc": "UnitedHealthcare",
    "medicare": "Medicare",
    "other": "Other",
}
LOB_LABELS = {
    "commercial": "commercial",
    "medicare_advantage": "Medicare Advantage",
    "medicaid_managed_care": "Medicaid managed care",
    "exchange": "exchange (individual market)",
    "tricare": "TRICARE / VA",
    "medicare": "Medicare (traditional)",
    "medicaid": "Medicaid (state program)",
    "workers_comp": "workers' comp / auto",
    "international": "international",
    "other_government": "other government program",
    "self_pay": "self-pay (not a payer)",
    "unknown": "unknown",
}
DOLLAR_TYPES = ("negotiated", "derived", "fee schedule")
# the two-letter codes a rate's state may have (states, DC and the territories)
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
    "OH OK OR PA PR RI SC SD TN TX UT VT VA WA WV WI WY GU VI AS MP".split()
)

ILLUSTRATIVE_MARK = "ILLUSTRATIVE"


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
    fetched: dict | None = None  # read over HTTP: URL, size, ETag, Last-Modified, bytes, retries
    reused: bool = False  # a URL whose ETag had not changed: rows taken from the last run's table

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


def payer_fields(
    payer: str | None, plan: str | None, setting: str | None = None, default_lob: str | None = None
) -> dict[str, str | None]:
    """The payer columns of a rate (family, line of business, network) and its setting: a setting
    the names state ("Blue Cross Inpatient", "HMO Outpatient") narrows the file's own (often "both");
    a row without a payer (a gross or cash charge) keeps the file's setting and no payer labels."""
    if not payer:
        return {"payer_family": None, "line_of_business": None, "network": None, "setting": setting}
    c = classify(payer, plan, default_lob)
    return {
        "payer_family": c.family,
        "line_of_business": c.line_of_business,
        "network": c.network,
        "setting": c.setting or setting,
    }
