"""Reference tables from ``data/reference/``: codes, places of service, modifiers, MUEs, sources.

The tables are pandas DataFrames for reports and notebooks; the lookups the coding engine makes
(``facility_places``, ``pos_name``, ``mue_for``, ``known_pos``, ``modifier_row``) read plain rows
(``rows``), so that ``code``, the quiz and the scenario bank import no pandas. Both are validated.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from . import rows
from .validation import check_table

if TYPE_CHECKING:
    import pandas as pd


def validated_frame(name: str) -> pd.DataFrame:
    """``data/reference/<name>`` as text, checked against its schema when the data are not the
    shipped ones (``validation``)."""
    return check_table("reference", name)


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


MUE_PROGRAMS = {
    "professional": "medicare-practitioner",
    "institutional": "medicare-outpatient-hospital",
    "dme": "medicare-dme",
}


def mue_for(code: str, claim: str = "professional", payer: str = "other") -> dict | None:
    """The MUE row that applies to ``code`` on a ``claim`` of this type: Medicare's NCCI MUE for the
    setting (practitioner for professional claims, outpatient hospital for institutional ones, DME
    supplier for DME claims; 2024-07-01, with its MAI), or for a Medicaid payer's professional claim
    the Medicaid practitioner file; None when the data has no value for the code there."""
    by_program = rows.grouped("reference", "mue.csv", "program", "code")
    programs = ["medicaid-practitioner"] if payer == "medicaid" and claim == "professional" else []
    programs.append(MUE_PROGRAMS.get(claim, "medicare-practitioner"))
    for program in programs:
        found = by_program.get((program, code))
        if found:
            return dict(found[0])
    return None


def aoc_primaries(add_on: str) -> frozenset[str]:
    """The primary codes an add-on code is paid with (NCCI add-on code edits; empty when the code
    is not an add-on there): 96370 and 96371 are paid only with 96369."""
    return frozenset(r["primary"] for r in rows.table("reference", "ncci_aoc.csv") if r["add_on"] == add_on)


PTP_SETTINGS = {"professional": "practitioner", "institutional": "outpatient-hospital", "dme": "practitioner"}


def ptp_edit(code_a: str, code_b: str, claim: str = "professional", on: str | None = None) -> dict | None:
    """The NCCI procedure-to-procedure edit between two codes, in either order, for a claim of this
    type, in force on ``on`` (YYYY-MM-DD; deleted edits are not, an edit is in force until its
    deletion date), or None. ``column2`` is the code the edit denies, ``modifier_indicator`` 0 (never
    together) or 1 (together with a modifier that says the services are distinct)."""
    setting = PTP_SETTINGS.get(claim, "practitioner")
    day = on or "9999-12-30"
    edits = rows.grouped("reference", "ncci_ptp.csv", "setting", "column1", "column2")
    for c1, c2 in ((code_a, code_b), (code_b, code_a)):
        live = [r for r in edits.get((setting, c1, c2), []) if r["deletion_date"] > day]
        if live:
            return dict(live[0])
    return None


def drug_for(text: str) -> dict | None:
    """The drug row (``drugs.csv``) named by its HCPCS code (``J1559``) or product (``Hizentra``,
    case and spacing ignored), or None."""
    key = " ".join(str(text).split()).lower()
    for r in rows.table("reference", "drugs.csv"):
        names = {r["hcpcs"].lower(), r["product"].lower()}
        names |= {n.strip().lower() for n in re.split(r"[/()]", r["product"]) if n.strip()}
        if key in names:
            return dict(r)
    return None


def modifier_row(modifier: str) -> dict | None:
    """The row of ``modifiers.csv`` for ``modifier`` (valid, meaning, when to use), or None."""
    row = rows.index("reference", "modifiers.csv", "modifier").get(modifier)
    return dict(row) if row is not None else None
