"""Payer and plan names -> family, line of business, network and setting (``payer_names.csv``).

One table of name patterns, each row with its source, decides every label; this module holds only
the order in which the rows are asked:

* **family** (aetna, bcbs, cigna, uhc, other; medicare for traditional Medicare itself): the first
  ``brand`` row that matches the payer's name, else the plan's;
* **line of business**: the plan's words before the payer's. First the ``lob-word`` rows (words that
  say it: "Medicare Managed Care Plan", "Commercial", "Exchange", "Medi-Cal" ...), in the plan, then
  in the payer; then a ``brand`` row's own line (WellCare is Medicare Advantage, Molina Medicaid
  managed care); then the ``plan-type`` words (HMO, PPO ...: commercial); else the caller's
  default (a TiC file is commercial), commercial for the four private families, and ``unknown``
  for anyone else: never a guess. A word that names the program itself ("Medicare", "Medicaid")
  means the program when the payer's name is just the program (``program`` rows strip it to
  nothing: "MEDICARE [2001]", "[Medicaid] [Alabama]") and the plan names no brand, else a plan of
  a private payer (Medicare Advantage, Medicaid managed care);
* **network**: in-network unless a ``network`` row matches (out-of-network, and its emergency
  amounts: kept, never a negotiated rate);
* **setting**: inpatient or outpatient where a ``setting`` row matches ("Blue Cross Inpatient",
  "HMO Outpatient", "Cigna I/P"), else None (the file's own setting stands).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from ..config import data_file
from ..errors import DataError, shown

FAMILIES = ("aetna", "bcbs", "cigna", "uhc", "medicare", "other")
PRIVATE_FAMILIES = ("aetna", "bcbs", "cigna", "uhc")
LINES_OF_BUSINESS = (
    "commercial",
    "medicare_advantage",
    "medicaid_managed_care",
    "exchange",
    "tricare",
    "medicare",
    "medicaid",
    "workers_comp",
    "international",
    "other_government",
    "self_pay",
    "unknown",
)
NETWORKS = ("in-network", "out-of-network", "out-of-network emergency")
SETTINGS = ("inpatient", "outpatient")
KINDS = ("network", "setting", "lob-word", "brand", "plan-type", "program")
TABLE = "payer_names.csv"


@dataclass(frozen=True)
class PayerClass:
    """What a payer and plan name say: family, line of business, network and (when the name says
    so) the setting of the contract."""

    family: str
    line_of_business: str
    network: str = "in-network"
    setting: str | None = None


@dataclass(frozen=True)
class _Row:
    line: int
    kind: str
    rx: re.Pattern[str]
    family: str
    lob: str
    network: str
    setting: str


def _check(value: str, allowed: tuple[str, ...], column: str, line: int) -> str:
    if value and value not in allowed:
        raise DataError(f"{TABLE} line {line}: column {column!r}: {shown(value)} is not one of {', '.join(allowed)}")
    return value


@lru_cache(maxsize=1)
def _rows() -> tuple[_Row, ...]:
    """The table's rows in its order; DataError naming the line and column of a bad row (a pattern
    that is not a regular expression, a label that is not one of ours, a row without a source)."""
    path = data_file("reference", TABLE)
    out = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        want = ["order", "kind", "pattern", "family", "line_of_business", "network", "setting", "note", "source"]
        if reader.fieldnames != want:
            raise DataError(f"{TABLE}: columns are {reader.fieldnames}, expected {want}")
        for line, r in enumerate(reader, start=2):
            try:
                rx = re.compile(r["pattern"], re.I)
            except re.error as err:
                raise DataError(f"{TABLE} line {line}: column 'pattern': not a regular expression ({err})") from None
            if len(r["source"] or "") < 10:
                raise DataError(f"{TABLE} line {line}: column 'source' is empty: every row needs its source")
            out.append(
                _Row(
                    line,
                    _check(r["kind"], KINDS, "kind", line),
                    rx,
                    _check(r["family"], FAMILIES, "family", line),
                    _check(r["line_of_business"], LINES_OF_BUSINESS, "line_of_business", line),
                    _check(r["network"], NETWORKS, "network", line),
                    _check(r["setting"], SETTINGS, "setting", line),
                )
            )
    return tuple(out)


def clean_name(name: str | None) -> str:
    """A payer or plan name as matched: template brackets and underscores gone, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"[\[\]_]", " ", name or "")).strip()


def _first(kind: str, field: str, texts: tuple[str, ...]) -> str:
    """The ``field`` of the first row of ``kind`` (that sets it) matching the first text that any
    such row matches; "" when none does."""
    rows = [r for r in _rows() if r.kind == kind and getattr(r, field)]
    for text in texts:
        if text:
            for r in rows:
                if r.rx.search(text):
                    return str(getattr(r, field))
    return ""


def just_program(name: str) -> bool:
    """True when ``name`` names only a public program ("MEDICARE", "[Medicaid] [Alabama]", "Medicare
    Part B", "MEDICARE [2001]"), not a private plan of it."""
    text = clean_name(name)
    for r in _rows():
        if r.kind == "program":
            text = r.rx.sub(" ", text)
    return not text.strip(" -/&,.()#:;'")


@lru_cache(maxsize=8192)
def classify(payer: str | None, plan: str | None = None, default_lob: str | None = None) -> PayerClass:
    """Family, line of business, network and setting of a payer and plan name (see module doc)."""
    p, q = clean_name(payer)[:500], clean_name(plan)[:500]  # bounded: names come from input files
    family = _first("brand", "family", (p, q)) or "other"
    lob = _first("lob-word", "lob", (q, p))
    if lob in ("medicare", "medicaid"):
        brand_in_plan = bool(_first("brand", "family", (q,)))
        if just_program(p) and not brand_in_plan:
            family = "medicare" if lob == "medicare" and family == "other" else family
        else:
            lob = "medicare_advantage" if lob == "medicare" else "medicaid_managed_care"
    lob = (
        lob
        or _first("brand", "lob", (q, p))
        or _first("plan-type", "lob", (q, p))
        or default_lob
        or ("commercial" if family in PRIVATE_FAMILIES else "unknown")
    )
    network = _first("network", "network", (q, p)) or "in-network"
    setting = _first("setting", "setting", (q, p)) or None
    return PayerClass(family, lob, network, setting)


def classify_payer(payer: str | None, plan: str | None = None, default_lob: str | None = None) -> tuple[str, str]:
    """(family, line of business): :func:`classify` without network and setting."""
    c = classify(payer, plan, default_lob)
    return c.family, c.line_of_business


def known_payer(name: str | None) -> bool:
    """Whether a name is one the table knows as a payer: a brand, or words that say a line of
    business ("Medicare", "Workers Comp"). A chargemaster column headed by a short code (GL, NRV)
    is read as a payer only when it is."""
    text = clean_name(name)
    return bool(text) and any(r.rx.search(text) for r in _rows() if r.kind in ("brand", "lob-word"))
