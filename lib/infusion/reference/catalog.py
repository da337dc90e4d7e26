"""Reference tables from ``data/reference/``: codes, places of service, modifiers, MUEs, sources.

The tables are pandas DataFrames for reports and notebooks; the lookups the coding engine makes
(``facility_places``, ``pos_name``, ``mue_for``, ``known_pos``, ``modifier_row``) read plain rows
(``rows``), so that ``code``, the quiz and the scenario bank import no pandas. Both are validated.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from ..config import data_file
from . import rows

if TYPE_CHECKING:
    import pandas as pd


def validated_frame(name: str) -> pd.DataFrame:
    """``data/reference/<name>`` as text, checked against its schema (and marked valid)."""
    from .tables import read_data_csv, validated

    path = data_file("reference", name)
    return validated(read_data_csv(path, dtype=str, keep_default_na=False), "reference", name, path)


def _read(name: str, index: str) -> pd.DataFrame:
    return validated_frame(name).set_index(index, drop=False)


@lru_cache(maxsize=None)
def codes() -> pd.DataFrame:
    """The code catalog: code, our description, kind, primary codes, time based, source."""
    return _read("codes.csv", "code")


@lru_cache(maxsize=None)
def places_of_service() -> pd.DataFrame:
    """CMS place-of-service codes with our facility flag for drug administration."""
    return _read("places_of_service.csv", "pos")


@lru_cache(maxsize=None)
def modifiers() -> pd.DataFrame:
    """Modifiers relevant to the family, in our words, including invalid ones (00, 11)."""
    return _read("modifiers.csv", "modifier")


@lru_cache(maxsize=None)
def mue() -> pd.DataFrame:
    """MUE values we have (program, code, limit, rationale, MAI where known, source)."""
    return _read("mue.csv", "code")


@lru_cache(maxsize=None)
def payer_policies() -> pd.DataFrame:
    """Payer policies for these codes (Aetna, BCBS plans, Cigna, UnitedHealthcare, Medicare)."""
    return _read("payer_policies.csv", "payer_family")


@lru_cache(maxsize=None)
def policy_timeline() -> pd.DataFrame:
    """Dated policy updates (conversion factors, JZ, home infusion benefit, price transparency)."""
    return _read("policy_timeline.csv", "date").sort_index()


PROGRAMS = ("commercial", "medicare")


@lru_cache(maxsize=None)
def facility_places(program: str = "commercial") -> frozenset[str]:
    """Places of service that are facility settings, where a physician may not report 96360-96379
    on a professional claim (S-FACILITY), for ``program``: ``medicare`` as CMS 100-04 ch. 12
    §20.4.2 lists them (S42: POS 32, 25 and 54 are non-facility, 41, 42, 53 and 56 facility), or
    ``commercial`` as the payers' policies say (S18, S19). The one list the engine and the audit use."""
    if program not in PROGRAMS:
        raise ValueError(f"program {program!r} is not one of {PROGRAMS}")
    column = "medicare_facility" if program == "medicare" else "facility_for_drug_admin"
    return frozenset(r["pos"] for r in rows.table("reference", "places_of_service.csv") if r[column] == "yes")


def program_of(payer: str) -> str:
    """The facility list that applies to an encounter's payer: ``medicare`` (traditional Medicare)
    or ``commercial`` (every other payer, Medicare Advantage plans included: their own policies)."""
    return "medicare" if payer == "medicare" else "commercial"


def is_facility_pos(pos: str, payer: str = "other") -> bool:
    """True where a physician may not report 96360-96379 on a professional claim for this payer."""
    return pos in facility_places(program_of(payer))


def known_pos(pos: str) -> bool:
    """Whether ``pos`` is in the CMS place-of-service code set (``places_of_service.csv``)."""
    return pos in rows.index("reference", "places_of_service.csv", "pos")


def pos_name(pos: str) -> str:
    return rows.index("reference", "places_of_service.csv", "pos")[pos]["name"]


def mue_for(code: str) -> dict | None:
    """The MUE row for ``code`` (Medicaid practitioner file; Medicare values are not available)."""
    row = rows.index("reference", "mue.csv", "code").get(code)
    return dict(row) if row is not None else None


def modifier_row(modifier: str) -> dict | None:
    """The row of ``modifiers.csv`` for ``modifier`` (valid, meaning, when to use), or None."""
    row = rows.index("reference", "modifiers.csv", "modifier").get(modifier)
    return dict(row) if row is not None else None
