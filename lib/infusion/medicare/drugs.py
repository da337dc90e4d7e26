"""Medicare payment of a drug line: the CMS ASP payment limit of the date's quarter.

Physician offices and DME suppliers are paid the quarter's payment limit (106% of ASP, W10-W12,
``data/medicare/asp_limits.csv``) per billing unit, the JW line's discarded units too. Hospital
outpatient claims are paid by OPPS status indicator (``payment.opps_rate``: K per unit at the
Addendum B rate, N packaged). The file does not decide coverage.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from ..reference import rows

NOT_AVAILABLE = "data not available"


@dataclass(frozen=True)
class DrugPayment:
    """The ASP payment limit of a drug code for a quarter times the units, or why there is none."""

    code: str
    units: int
    available: bool
    quarter: str = ""
    dosage: str = ""
    per_unit: float | None = None
    amount: float | None = None
    note: str = ""
    reason: str = ""
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if not self.available:
            d["per_unit"] = d["amount"] = NOT_AVAILABLE
        return d


@dataclass(frozen=True)
class Unpriced:
    """A line Medicare's files here give no price for, and why (never a 0)."""

    code: str
    units: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "units": self.units, "amount": NOT_AVAILABLE, "reason": self.reason}


def quarter_of(day: dt.date) -> str:
    """``2026-Q1`` for a date in January to March 2026."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def is_drug_code(code: str) -> bool:
    """Whether ``code`` has ASP payment limits in ``data/medicare/asp_limits.csv``."""
    return any(code == c for c, _ in rows.grouped("medicare", "asp_limits.csv", "hcpcs", "quarter"))


def asp_quarters(code: str) -> list[str]:
    """The quarters with a payment limit for ``code``, oldest first."""
    return sorted(q for c, q in rows.grouped("medicare", "asp_limits.csv", "hcpcs", "quarter") if c == code)


def drug_payment(code: str, units: int, year: int, day: dt.date | None = None) -> DrugPayment:
    """ASP payment limit of ``code`` for the quarter of ``day`` (without one, the latest quarter of
    ``year`` we have, said in ``note``) times ``units``."""
    have = asp_quarters(code)
    if day is not None:
        quarter, note = quarter_of(day), ""
    else:
        in_year = [q for q in have if q.startswith(f"{year}-")]
        if not in_year:
            return DrugPayment(
                code,
                units,
                False,
                reason=f"no ASP payment limit for {code} in {year} (we have {have[0]} to {have[-1]})"
                if have
                else f"{code} is not in the ASP files we have",
            )
        quarter, note = in_year[-1], f"no date of service: the latest quarter of {year} we have ({in_year[-1]})"
    found = rows.grouped("medicare", "asp_limits.csv", "hcpcs", "quarter").get((code, quarter))
    if not found:
        span = f" (we have {have[0]} to {have[-1]})" if have else ""
        return DrugPayment(code, units, False, quarter, reason=f"no ASP payment limit for {code} in {quarter}{span}")
    r = found[0]
    per = float(r["payment_limit"])
    return DrugPayment(code, units, True, quarter, r["dosage"], per, round(per * units, 2), note, source=r["source"])
