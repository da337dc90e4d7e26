"""Drug line rules: D-UNITS (units from the HCPCS dosage, rounded up), D-WASTE (JZ, or a JW line for
the discarded amount of single-dose vials) and D-DME (a DME supplier's claim: E0779 and the drug with
JB, the least-waste vials, JZ).

An encounter names its drug (HCPCS code or product, ``reference/drugs.csv``), the dose given and,
when known, the vials opened: ``{"product": "Hizentra", "dose": "10.25 g", "vials": ["10 g", "1 g"]}``.
Units are counted in the drug code's dosage (J1559: 100 mg): 10.25 g is 102.5, billed 103 (W14); a
10 g vial and a 1 g vial hold 110, so 7 units were discarded and go on a JW line (W13).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import InputError, shown
from ..reference.catalog import drug_for
from .records import ClaimLine, Finding
from .rules import cite

MAX_DOSE_MG = 1_000_000  # a kilogram: far above any dose of a pump drug
MAX_VIALS = 200
JZ_FROM = dt.date(2023, 7, 1)  # JZ required on Medicare Part B claims from this date (S27)
JZ_DME_FROM = dt.date(2024, 1, 1)  # ... and on DME supplier claims (S53)
PUMP_CODE = "E0779"  # the only pump covered for SC immune globulin (W16)
_TO_MG = {"mg": 1.0, "g": 1000.0, "mcg": 0.001}
_AMOUNT = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(mg|g|mcg)\s*", re.ASCII | re.IGNORECASE)
_COUNTED = re.compile(r"\s*([0-9]{1,3})\s*[x×]\s*(.+)", re.IGNORECASE)


@dataclass(frozen=True)
class DrugGiven:
    """The drug of an encounter: its HCPCS code and product, the code's dosage in mg, the dose given
    (mg; None when not documented), the vials opened (mg each; empty when not given), whether its
    vials are single-dose, and the vial sizes the CMS crosswalk lists (in billing units)."""

    hcpcs: str
    product: str
    dosage_mg: float
    dose_mg: float | None = None
    vials_mg: tuple[float, ...] = ()
    single_dose: bool = True
    vial_units: tuple[int, ...] = ()
    source: str = ""

    def units(self, mg: float) -> float:
        """``mg`` in billing units of the code (not rounded)."""
        return mg / self.dosage_mg


def parse_amount(value: Any, where: str) -> float:
    """``"10.25 g"``, ``"10250 mg"`` or ``"500 mcg"`` as milligrams; InputError names ``where``."""
    m = _AMOUNT.fullmatch(str(value)) if isinstance(value, str) and len(value) <= 40 else None
    if not m:
        raise InputError(where, f"{shown(value)} is not an amount with its unit (10.25 g, 500 mg)")
    mg = float(m[1]) * _TO_MG[m[2].lower()]
    if not 0 < mg <= MAX_DOSE_MG:
        raise InputError(where, f"{shown(value)} is not a plausible amount (more than 0, at most 1 kg)")
    return mg


def parse_drug(value: Any, where: str = "drug") -> DrugGiven | None:
    """The drug of an encounter from a product or code (text) or a mapping with ``code`` or
    ``product``, ``dose`` and ``vials``. Text naming no drug we know gives None (a description)."""
    if isinstance(value, str):
        row = drug_for(value)
        return _given(row) if row else None
    if not isinstance(value, Mapping):
        raise InputError(where, f"{shown(value)} is not a drug name or a mapping with code/product, dose, vials")
    unknown = sorted(set(value) - {"code", "product", "dose", "vials"})
    if unknown:
        raise InputError(f"{where}.{unknown[0]}", "unknown field; known fields: code, dose, product, vials")
    name = value.get("code") or value.get("product")
    if not isinstance(name, str) or not name.strip():
        raise InputError(where, "give the drug's HCPCS code (code: J1559) or product (product: Hizentra)")
    row = drug_for(name)
    if row is None:
        raise InputError(
            f"{where}.{'code' if value.get('code') else 'product'}",
            f"{shown(name)} is not a drug in data/reference/drugs.csv (SC immune globulins and SC pump drugs)",
        )
    dose = parse_amount(value["dose"], f"{where}.dose") if value.get("dose") is not None else None
    vials = _parse_vials(value.get("vials"), f"{where}.vials")
    return _given(row, dose, vials)


def _given(row: Mapping[str, str], dose: float | None = None, vials: tuple[float, ...] = ()) -> DrugGiven:
    dosage = float(row["dosage_amount"]) * _TO_MG[row["dosage_unit"]]
    return DrugGiven(
        row["hcpcs"],
        row["product"],
        dosage,
        dose,
        vials,
        row["single_dose"] == "yes",
        tuple(int(u) for u in row["vial_units"].split()),
        row["source"],
    )


def _parse_vials(value: Any, where: str) -> tuple[float, ...]:
    if value in (None, []):
        return ()
    if not isinstance(value, list):
        raise InputError(where, f"{shown(value)} is not a list of vial sizes (10 g, 2 x 1 g)")
    out: list[float] = []
    for i, v in enumerate(value):
        count, text = 1, v
        if isinstance(v, str) and (m := _COUNTED.fullmatch(v)):
            count, text = int(m[1]), m[2]
        out += [parse_amount(text, f"{where}[{i}]")] * count
        if len(out) > MAX_VIALS:
            raise InputError(where, f"more than {MAX_VIALS} vials")
    return tuple(out)


def least_waste(needed: int, sizes: tuple[int, ...]) -> tuple[int, ...]:
    """The vials (in billing units) holding at least ``needed`` units with the least left over, then
    the fewest vials (D-DME, W15: two 1 g vials rather than one 2.5 g vial); () without sizes."""
    if not sizes or needed <= 0:
        return ()
    top = needed + max(sizes)
    best: list[tuple[int, ...] | None] = [None] * (top + 1)
    best[0] = ()
    for total in range(1, top + 1):
        for s in sizes:
            prev = best[total - s] if total >= s else None
            if prev is not None and (best[total] is None or len(prev) + 1 < len(best[total] or ())):
                best[total] = tuple(sorted(prev + (s,), reverse=True))
    for total in range(needed, top + 1):
        if best[total] is not None:
            return best[total] or ()
    return ()


def drug_lines(
    drug: DrugGiven, claim: str, date: dt.date | None, payer: str = "other"
) -> tuple[list[ClaimLine], list[Finding]]:
    """The drug's claim lines (D-UNITS, D-WASTE; D-DME on a ``claim`` of ``"dme"``) and findings."""
    if drug.dose_mg is None:
        return [], [
            Finding(
                "warning",
                "D-UNITS",
                f"{drug.product} ({drug.hcpcs}) without a dose: the drug "
                "line needs the dose given (dose: 10 g) to count its units "
                f"{cite('D-UNITS')}",
                code=drug.hcpcs,
            )
        ]
    exact = drug.units(drug.dose_mg)
    given = math.ceil(exact - 1e-9)
    findings: list[Finding] = []
    per = f"{drug.dosage_mg:g} mg"
    why_units = (
        f"{_mg(drug.dose_mg)} of {drug.product} is {exact:g} units of {drug.hcpcs} (per {per})"
        + (f", rounded up to {given}" if given != exact else "")
        + f" {cite('D-UNITS')}"
    )
    opened = _vials_opened(drug, given, per, findings)
    if claim == "dme":
        return _dme_lines(drug, given, opened, date, why_units, findings)
    lines = [ClaimLine(drug.hcpcs, given, (), ("D-UNITS",), why_units)]
    _discards(drug, (exact, given, opened), date, payer, lines, findings)
    return lines, findings


def _vials_opened(drug: DrugGiven, given: int, per: str, findings: list[Finding]) -> int:
    """The units in the vials opened (0: none given); InputError when a vial is not whole units or
    the vials hold less than the dose's ``given`` units; a D-UNITS finding for a vial that is not one
    of the code's packages."""
    vial_units = [drug.units(v) for v in drug.vials_mg]
    for mg, u in zip(drug.vials_mg, vial_units):
        if abs(u - round(u)) > 1e-9:
            raise InputError(
                "drug.vials",
                f"a {_mg(mg)} vial is {u:g} units of {drug.hcpcs} (per {per}): "
                "vials hold whole units; check the vial size",
            )
        if drug.vial_units and round(u) not in drug.vial_units:
            findings.append(
                Finding(
                    "warning",
                    "D-UNITS",
                    f"a {_mg(mg)} vial ({round(u)} units) is not a "
                    f"package of {drug.hcpcs} in the CMS NDC-HCPCS crosswalk (January 2026: "
                    f"{', '.join(str(x) for x in drug.vial_units)} units) {cite('D-UNITS')}",
                    code=drug.hcpcs,
                )
            )
    opened = sum(round(u) for u in vial_units)
    if drug.vials_mg and opened < given:
        raise InputError(
            "drug.vials",
            f"the vials hold {opened} units of {drug.hcpcs}, less than the "
            f"{given} units of the dose ({_mg(drug.dose_mg or 0)})",
        )
    return opened


def _discards(
    drug: DrugGiven,
    units: tuple[float, int, int],
    date: dt.date | None,
    payer: str,
    lines: list[ClaimLine],
    findings: list[Finding],
) -> None:
    """D-WASTE on a practitioner's or hospital's claim: the discarded units of single-dose vials on a
    JW line, or JZ on the dose line (``lines[0]``) when nothing was discarded (``lines`` and
    ``findings`` extended). ``units``: of the dose (exact, and rounded up) and of the vials opened."""
    if not drug.single_dose:
        findings.append(
            Finding(
                "info",
                "D-WASTE",
                f"{drug.product} comes in multi-dose vials: JW and JZ "
                f"apply only to single-dose containers {cite('D-WASTE')}",
                code=drug.hcpcs,
            )
        )
        return
    if not drug.vials_mg:
        findings.append(
            Finding(
                "warning",
                "D-WASTE",
                f"{drug.product} comes in single-dose vials: give the "
                "vials opened (vials: [10 g, 1 g]) so the line can carry JZ (nothing "
                f"discarded) or a JW line the discarded units {cite('D-WASTE')}",
                code=drug.hcpcs,
                modifier="JZ",
            )
        )
        return
    _jw_or_jz(drug, units, date, lines)
    if payer not in ("medicare", "medicare_advantage", "medicaid"):
        findings.append(
            Finding(
                "info",
                "D-WASTE",
                "JW and JZ are Medicare's requirement (S27); commercial "
                f"payers' policies on them vary {cite('D-WASTE')}",
                code=drug.hcpcs,
            )
        )


def _jw_or_jz(drug: DrugGiven, units: tuple[float, int, int], date: dt.date | None, lines: list[ClaimLine]) -> None:
    """The discarded units of single-dose vials on a JW line after the dose line (``lines[0]``), or JZ
    on the dose line when nothing was discarded (from 1 July 2023)."""
    exact, given, opened = units
    wasted = opened - given
    if wasted:
        held = sum(drug.vials_mg)
        part = (
            f"; {_mg(held - (drug.dose_mg or 0))} was discarded, of which the part inside the rounded-up unit "
            f"is already billed on the dose line"
            if given != exact
            else ""
        )
        lines.append(
            ClaimLine(
                drug.hcpcs,
                wasted,
                ("JW",),
                ("D-WASTE",),
                f"single-dose vials of {opened} units ({_mg(held)}) were opened for {given}{part}: "
                f"the {wasted} whole units discarded go on their own line with JW, paid with the "
                f"dose; the two lines add up to the {opened} units opened {cite('D-WASTE')}",
            )
        )
    elif date is None or date >= JZ_FROM:
        lines[0] = ClaimLine(
            drug.hcpcs,
            given,
            ("JZ",),
            ("D-UNITS", "D-WASTE"),
            lines[0].rationale + f"; nothing discarded from the single-dose vials, so JZ "
            f"(Medicare from 1 July 2023) {cite('D-WASTE')}",
        )


def _dme_lines(
    drug: DrugGiven, given: int, opened: int, date: dt.date | None, why_units: str, findings: list[Finding]
) -> tuple[list[ClaimLine], list[Finding]]:
    """D-DME: E0779 and the drug with JB; the units billed are the vials dispensed, the least-waste
    combination (W15); JZ from 2024 (S53): a patient's own discards are not reported."""
    best = least_waste(given, drug.vial_units)
    dispensed = opened or sum(best)
    if opened and best and opened > sum(best):
        findings.append(
            Finding(
                "warning",
                "D-DME",
                f"the vials dispensed hold {opened} units; the least-waste combination of "
                f"{drug.hcpcs} packages is {' + '.join(str(b) for b in best)} = {sum(best)} units: a DME MAC pays "
                f"the least-waste combination {cite('D-DME')}",
                code=drug.hcpcs,
            )
        )
    mods = ("JB",) + (("JZ",) if drug.single_dose and (date is None or date >= JZ_DME_FROM) else ())
    how = (
        f"{' + '.join(str(round(drug.units(v))) for v in drug.vials_mg)} units dispensed"
        if opened
        else f"the least-waste packages {' + '.join(str(b) for b in best)} units"
        if best
        else f"{given} units"
    )
    lines = [
        ClaimLine(
            PUMP_CODE,
            1,
            ("JB",),
            ("D-DME",),
            f"the pump for SC immune globulin is E0779, the only pump covered for it, with JB "
            f"(subcutaneous) {cite('D-DME')}",
        ),
        ClaimLine(
            drug.hcpcs,
            dispensed or given,
            mods,
            ("D-UNITS", "D-DME"),
            f"{why_units}; a DME supplier bills what it dispenses, {how}, with JB"
            + (" and JZ (the supplier discarded nothing)" if "JZ" in mods else "")
            + f": the drug is a supply to the pump {cite('D-DME')}",
        ),
    ]
    return lines, findings


def _mg(mg: float) -> str:
    return f"{mg / 1000:g} g" if mg >= 1000 else f"{mg:g} mg"
