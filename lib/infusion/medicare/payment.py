"""Medicare payment for the drug-administration family.

Physician fee schedule (office, professional claims), non-facility:

    payment = (work RVU x work GPCI + non-facility PE RVU x PE GPCI + MP RVU x MP GPCI) x CF

rounded to cents per unit; the amount is the per-unit payment times the units. National means all
GPCIs 1.0. These codes have no facility price (facility NA). Anything we lack (a year's RVUs or
GPCIs, a code, a locality) gives a :class:`Payment` with ``available=False`` and the reason, never 0.

Conversion factor periods: 2024 has two (32.7442 to 8 March, 33.2875 from 9 March) and 2026 two
variants (non-QP 33.4009, QP 33.5675). Without ``date`` the period in force at the end of the year
is used, and the result says so. The 2026 work GPCI floor of 1.0 ran to 31 January 2026; later
dates (and no date) use the work GPCI without the floor.

OPPS (hospital outpatient, institutional claims): :func:`opps_rate` gives the national Addendum B
status indicator and payment rate by quarter.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from ..config import data_file
from ..errors import InputError
from ..reference import rows
from .drugs import Unpriced, drug_payment, is_drug_code

NOT_AVAILABLE = "data not available"
GPCI_FLOOR_END_2026 = dt.date(2026, 1, 31)


@dataclass(frozen=True)
class Payment:
    """A Medicare PFS payment, or why there is none (``available=False`` and ``reason``)."""

    code: str
    year: int
    units: int
    available: bool
    locality: str = "national"
    locality_name: str = "national (all GPCIs 1.0)"
    setting: str = "non-facility"
    cf: float | None = None
    cf_period: str = ""
    gpci: dict[str, float] = field(default_factory=dict)
    rvu: dict[str, float] = field(default_factory=dict)
    per_unit: float | None = None
    amount: float | None = None
    reason: str = ""
    missing: str = ""
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["notes"] = list(self.notes)
        d["sources"] = list(self.sources)
        if not self.available:
            d["per_unit"] = d["amount"] = NOT_AVAILABLE
        return d

    def describe(self) -> str:
        """A few readable lines for the CLI."""
        head = f"{self.code} x{self.units}, {self.year}, {self.locality_name} ({self.locality}), {self.setting}"
        if not self.available:
            return f"{head}\n  {NOT_AVAILABLE}: {self.reason}"
        g = self.gpci
        lines = [
            head,
            f"  per unit ${self.per_unit:,.2f}   amount ${self.amount:,.2f}",
            f"  = ({self.rvu['work']:.2f} x {g['work']:.3f} + {self.rvu['pe']:.2f} x "
            f"{g['pe']:.3f} + {self.rvu['mp']:.2f} x {g['mp']:.3f}) x CF {self.cf:.4f} "
            f"({self.cf_period})",
        ]
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  source: {s}" for s in self.sources]
        return "\n".join(lines)


def _unavailable(code: str, year: int, units: int, reason: str, **kw: Any) -> Payment:
    return Payment(code=code, year=year, units=units, available=False, reason=reason, **kw)


# The tables are read as plain rows (``rows``: validated, no pandas), so that ``price`` and the
# audit's prices answer without loading pandas.
Row = dict[str, str]


def _num(text: str) -> float | None:
    return None if text == "" else float(text)


def _rvu_codes() -> frozenset[str]:
    return frozenset(code for code, _ in rows.grouped("medicare", "pfs_rvu.csv", "code", "year"))


def known_years() -> list[int]:
    """Years with RVUs in ``data/medicare/pfs_rvu.csv``."""
    return sorted({int(year) for _, year in rows.grouped("medicare", "pfs_rvu.csv", "code", "year")})


def _normalise_code(code: str) -> str:
    c = str(code).strip().upper()
    if not re.fullmatch(r"[0-9A-Z]{5}", c):
        raise InputError("code", f"{code!r} is not a five-character HCPCS/CPT code")
    return c


def _rvus(code: str, year: int, qp: bool = False) -> Row | None:
    found = rows.grouped("medicare", "pfs_rvu.csv", "code", "year").get((code, str(year)))
    if not found:
        return None
    wanted = [r for r in found if r["variant"] in ("all", "qp" if qp else "nonqp")] or found
    # prefer CMS's own file (confidence H) over a processed copy, then the latest release
    return sorted(wanted, key=lambda r: (r["confidence"] == "H", r["release"]))[-1]


def _cf(year: int, qp: bool, date: dt.date | None) -> tuple[dict[str, Any] | None, list[str], str]:
    found: list[dict[str, Any]] = [
        {**r, "start": dt.date.fromisoformat(r["start"]), "end": dt.date.fromisoformat(r["end"]), "cf": float(r["cf"])}
        for r in rows.grouped("medicare", "conversion_factors.csv", "year").get((str(year),), [])
    ]
    if not found:
        return None, [], f"no conversion factor for {year} in data/medicare/conversion_factors.csv"
    variants = {r["variant"] for r in found}
    if variants != {"all"}:
        found = [r for r in found if r["variant"] == ("qp" if qp else "nonqp")]
    elif qp:
        raise InputError("qp", f"{year} has one conversion factor; the QP variant exists from 2026")
    notes: list[str] = []
    if date is not None:
        if date.year != year:
            raise InputError("date", f"{date.isoformat()} is not in {year}")
        hit = [r for r in found if r["start"] <= date <= r["end"]]
        if not hit:
            return None, [], f"no conversion factor period covers {date.isoformat()}"
        return hit[0], notes, ""
    found = sorted(found, key=lambda r: r["start"])
    if len(found) > 1:
        periods = "; ".join(f"{r['start']:%d %b}-{r['end']:%d %b}: {r['cf']}" for r in found)
        notes.append(
            f"{year} has {len(found)} conversion factor periods ({periods}); the last is "
            "used: give a date of service for another"
        )
    return found[-1], notes, ""


def _zip_row(z: str) -> Row | None:
    """The CMS ZIP5 row of one ZIP code (read from the Parquet file, that row only)."""
    from ..reference.tables import read_data_parquet

    t = read_data_parquet(data_file("medicare", "zip_locality.parquet"), filters=[("zip", "=", z)])
    if not t.num_rows:
        return None
    return {k: str(v[0]) for k, v in t.to_pydict().items()}


def resolve_locality(year: int, locality: str | None, zip_code: str | None) -> tuple[Row | None, list[str], str]:
    """GPCI row for ``MAC-LOCALITY`` or a ZIP code in ``year``; (None, notes, reason) if missing."""
    notes: list[str] = []
    if locality and zip_code:
        raise InputError("zip", "give either --locality or --zip, not both")
    if zip_code is not None:
        z = str(zip_code).strip()
        if not re.fullmatch(r"\d{5}", z, re.ASCII):
            raise InputError("zip", f"{zip_code!r} is not a five-digit ZIP code")
        zr = _zip_row(z)
        if zr is None:
            raise InputError("zip", f"{z} is not in the CMS ZIP5 file (ZIP5_OCT2025.txt)")
        locality = f"{zr['carrier']}-{zr['locality']}"
        notes.append(
            f"ZIP {z} -> locality {locality} (CMS ZIP5 file, {zr['year_quarter'][:4]} Q{zr['year_quarter'][4]})"
        )
        if zr.get("plus_four", "0") == "1":
            notes.append(f"ZIP {z} is split by ZIP+4 between localities; the ZIP5 default is used")
    if locality is None:
        return None, notes, ""
    m = re.fullmatch(r"\s*(\d{4,5})\s*-\s*(\d{1,2})\s*", str(locality), re.ASCII)
    if not m:
        raise InputError("locality", f"{locality!r} is not MAC-LOCALITY (for example 01112-05)")
    mac, loc = m.group(1).zfill(5), m.group(2).zfill(2)
    all_years = rows.grouped("medicare", "gpci.csv", "mac", "locality").get((mac, loc))
    if not all_years:
        raise InputError(
            "locality", f"{mac}-{loc} is not a Medicare locality in any GPCI file we have (data/medicare/gpci.csv)"
        )
    row = [r for r in all_years if r["year"] == str(year)]
    if not row:
        have = ", ".join(sorted({r["year"] for r in rows.table("medicare", "gpci.csv")}))
        return (
            None,
            notes,
            (
                f"GPCIs for {year} are not in data/medicare/gpci.csv (we have {have}); "
                "the CMS Addendum E file for that year would fill it"
            ),
        )
    return row[0], notes, ""


def _gpci(loc_row: dict | None, year: int, date: dt.date | None, notes: list[str]) -> dict[str, float]:
    """The locality's GPCIs (1.0 each for the national payment); 2026's work GPCI with or without
    its 1.0 floor by the date of service (the floor ended 31 January 2026), said in ``notes``."""
    if loc_row is None:
        return {"work": 1.0, "pe": 1.0, "mp": 1.0}
    work = float(loc_row["pw_gpci"])
    if year == 2026 and loc_row.get("pw_gpci_no_floor", "") != "":
        if date is not None and date <= GPCI_FLOOR_END_2026:
            notes.append("work GPCI with the 1.0 floor (in force to 31 January 2026)")
        else:
            work = float(loc_row["pw_gpci_no_floor"])
            notes.append("work GPCI without the 1.0 floor (the floor ended 31 January 2026)")
    return {"work": work, "pe": float(loc_row["pe_gpci"]), "mp": float(loc_row["mp_gpci"])}


def payment(
    code: str,
    year: int,
    units: int = 1,
    locality: str | None = None,
    zip: str | None = None,
    qp: bool = False,
    date: dt.date | str | None = None,
) -> Payment:
    """Medicare PFS non-facility payment for ``units`` of ``code`` in ``year`` (see module doc).

    Unknown codes, localities and ZIPs, and malformed input, raise InputError; a year, code or
    locality we have no data for gives ``Payment(available=False, reason=...)``.
    """
    code, date = _checked(code, units, date)
    years = known_years()
    rv = _rvus(code, year, qp)
    if rv is None:
        return _unavailable(
            code,
            year,
            units,
            f"no RVUs for {code} in {year} (we have {years[0]}-{years[-1]} where CMS files were found)",
            missing="year",
        )
    cf_row, notes, why = _cf(year, qp, date)
    if cf_row is None:
        return _unavailable(code, year, units, why, missing="year")
    loc_row, loc_notes, why = resolve_locality(year, locality, zip)
    notes += loc_notes
    loc_kw = _locality_fields(loc_row)
    if why:
        return _unavailable(code, year, units, why, missing="locality", **loc_kw)
    sources = [f"RVUs: {rv['source']}", f"CF: {cf_row['source']}"]
    gpci = _gpci(loc_row, year, date, notes)
    if loc_row is not None:
        sources.append(f"GPCI: {loc_row['source']}")
    rvu = {"work": float(rv["work_rvu"]), "pe": float(rv["pe_nonfac"]), "mp": float(rv["mp_rvu"])}
    raw = (rvu["work"] * gpci["work"] + rvu["pe"] * gpci["pe"] + rvu["mp"] * gpci["mp"]) * float(cf_row["cf"])
    per_unit = round(raw + 1e-9, 2)
    notes += _confidence_notes(rv, cf_row)
    return Payment(
        code=code,
        year=year,
        units=units,
        available=True,
        cf=float(cf_row["cf"]),
        cf_period=_cf_period(cf_row),
        gpci=gpci,
        rvu=rvu,
        per_unit=per_unit,
        amount=round(per_unit * units, 2),
        notes=tuple(notes),
        sources=tuple(sources),
        **loc_kw,
    )


def _locality_fields(loc_row: dict[str, Any] | None) -> dict[str, Any]:
    """A ``Payment``'s locality (``01112-05``) and its name, from the GPCI row (none: national)."""
    if loc_row is None:
        return {}
    return {
        "locality": f"{loc_row['mac']}-{loc_row['locality']}",
        "locality_name": f"{loc_row['locality_name'].title()} ({loc_row['state']})",
    }


def _checked(code: str, units: int, date: dt.date | str | None) -> tuple[str, dt.date | None]:
    """``payment``'s code (normalised, one of the RVU file's) and date (parsed); InputError naming
    the field for a malformed code, date or number of units."""
    code = _normalise_code(code)
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            raise InputError("date", f"{date!r} is not a date (YYYY-MM-DD)") from None
    if not isinstance(units, int) or units < 1:
        raise InputError("units", f"{units!r} is not a positive whole number")
    if code not in _rvu_codes():
        raise InputError(
            "code",
            f"{code} is not in data/medicare/pfs_rvu.csv (the drug "
            "administration codes 96360-96379, 96401-96417, 96521-96523)",
        )
    return code, date


def _confidence_notes(rv: dict[str, Any], cf_row: dict[str, Any]) -> list[str]:
    """Notes on RVUs or a conversion factor that do not come straight from a CMS file."""
    notes = []
    if rv["confidence"] != "H":
        notes.append(f"RVUs from a processed copy of the CMS file (confidence {rv['confidence']})")
    if cf_row["confidence"] != "H":
        notes.append(f"conversion factor from secondary sources (confidence {cf_row['confidence']})")
    return notes


def _cf_period(cf_row: dict[str, Any]) -> str:
    """The conversion factor's period, and the APM participants it is for when not all."""
    period = f"{cf_row['start']:%Y-%m-%d} to {cf_row['end']:%Y-%m-%d}"
    if cf_row["variant"] != "all":
        period += f", {'qualifying' if cf_row['variant'] == 'qp' else 'non-qualifying'} APM participant"
    return period


@dataclass(frozen=True)
class OppsRate:
    """The OPPS Addendum B status indicator and national rate of a code in a year, or why there is
    none (``available=False`` and ``reason``)."""

    code: str
    year: int
    available: bool
    edition: str = ""
    si: str = ""
    apc: str = ""
    payment_rate: float | None = None
    packaged: bool = False
    confidence: str = ""
    source: str = ""
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class OppsPayment:
    """``OppsRate`` for a number of units: ``amount`` (None when the year has no edition or the code
    no separate payment), ``note`` (Q1: conditionally packaged) and ``why`` there is no amount."""

    rate: OppsRate
    units: int
    amount: float | None
    note: str = ""
    why: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {**self.rate.to_dict(), "units": self.units, "amount": self.amount, "note": self.note, "why": self.why}


@dataclass(frozen=True)
class LinePrice:
    """The Medicare payment of one claim line: the figure (None: data not available, or packaged),
    its display text, the detail it came from (a ``Payment``, an ``OppsPayment``, a ``DrugPayment``
    or an ``Unpriced``), and whether it is packaged into another line's payment (P-PACKAGE: never
    in the separately paid total)."""

    code: str
    units: int
    amount: float | None
    text: str
    detail: Any
    packaged: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = self.detail.to_dict()
        if d.get("amount") is None:
            d["amount"] = NOT_AVAILABLE
        d["packaged"] = self.packaged
        if self.packaged:
            d["amount"] = "packaged"
        return d


@dataclass(frozen=True)
class PricedResult:
    """Medicare payment of each line of a coding result, the separately paid total (None when a
    line that is paid separately has no price) and the system that pays (PFS for professional
    claims, OPPS for institutional, the DME fee schedule and ASP for DME claims)."""

    lines: tuple[LinePrice, ...]
    year: int
    total: float | None
    total_text: str
    system: str

    def to_dict(self) -> dict[str, Any]:
        """Without the lines (the CLI puts each line's ``to_dict`` beside its claim line)."""
        return {"year": self.year, "total": self.total, "total_text": self.total_text, "system": self.system}


SEPARATELY_PAID_SI = frozenset({"S", "T", "V"})  # a Q1 line beside one of these is packaged (W26)
_HOME_CODES = {"G0068", "G0069", "G0070", "G0088", "G0089", "G0090", "99601", "99602", "S9338"}


def _day(line: Any, date: str | None) -> dt.date | None:
    if getattr(line, "date", None) is not None:
        return line.date
    return dt.date.fromisoformat(date) if date else None


def _unpriced(line: Any, why: str) -> LinePrice:
    return LinePrice(line.code, line.units, None, f"{NOT_AVAILABLE} ({why})", Unpriced(line.code, line.units, why))


def _drug_price(line: Any, year: int, date: str | None) -> LinePrice:
    d = drug_payment(line.code, line.units, year, _day(line, date))
    text = (
        f"${d.amount:,.2f} (ASP limit {d.quarter}, ${d.per_unit:,.3f} per {d.dosage})"
        if d.available
        else f"{NOT_AVAILABLE} ({d.reason})"
    )
    return LinePrice(line.code, line.units, d.amount, text, d)


def _professional_line(
    line: Any, year: int, locality: str | None, zip_code: str | None, qp: bool, date: str | None
) -> LinePrice:
    if is_drug_code(line.code):
        return _drug_price(line, year, date)
    if line.code not in _rvu_codes():
        why = (
            "a home infusion code: PFS status X or I, not priced on the physician fee schedule"
            if line.code in _HOME_CODES
            else "E0779 is paid on the DMEPOS fee schedule, which is not in the data"
            if line.code == "E0779"
            else f"{line.code} is not in data/medicare/pfs_rvu.csv"
        )
        return _unpriced(line, why)
    p = payment(line.code, year, units=line.units, locality=locality, zip=zip_code, qp=qp, date=date)
    return LinePrice(
        line.code,
        line.units,
        p.amount if p.available else None,
        f"${p.amount:,.2f}" if p.available else f"{NOT_AVAILABLE} ({p.reason})",
        p,
    )


def _institutional_lines(result: Any, year: int) -> list[LinePrice]:
    """OPPS per line, then P-PACKAGE: a Q1 line with an S, T or V line on the same date, and every N
    line, is packaged (shown with its rate, never in the total)."""
    priced = [(line, opps_payment(line.code, year, line.units)) for line in result.lines]
    paid_days = {line.date for line, o in priced if o.rate.si in SEPARATELY_PAID_SI}
    out = []
    for line, o in priced:
        si = o.rate.si
        if si == "Q1" and line.date in paid_days:
            beside, beside_si = next(
                (x.code, y.rate.si) for x, y in priced if y.rate.si in SEPARATELY_PAID_SI and x.date == line.date
            )
            rate = f"${o.amount:,.2f} " if o.amount is not None else ""
            out.append(
                LinePrice(
                    line.code,
                    line.units,
                    None,
                    f"packaged: status indicator Q1 with {beside} (status {beside_si}) on the same "
                    f"date: paid within {beside}'s APC; its Addendum B rate {rate}is not paid "
                    "separately (P-PACKAGE)",
                    o,
                    packaged=True,
                )
            )
        elif si == "N":
            out.append(
                LinePrice(
                    line.code,
                    line.units,
                    None,
                    "packaged: status indicator N, no separate payment (P-PACKAGE)",
                    o,
                    packaged=True,
                )
            )
        elif o.amount is not None:
            note = f" ({o.note}: paid separately, no S, T or V line on its date)" if si == "Q1" else ""
            out.append(LinePrice(line.code, line.units, o.amount, f"${o.amount:,.2f}{note}", o))
        else:
            out.append(LinePrice(line.code, line.units, None, f"{NOT_AVAILABLE} ({o.why})", o))
    return out


def price_result(
    result: Any,
    year: int,
    locality: str | None = None,
    zip_code: str | None = None,
    qp: bool = False,
    date: str | None = None,
    claim: str = "professional",
) -> PricedResult:
    """Medicare payment for each line of a coding result, and the separately paid total.

    Professional claims: the physician fee schedule (non-facility, locality-aware) and drug lines at
    the ASP payment limit of their quarter. Institutional claims: the national OPPS Addendum B rate
    (latest edition of ``year``, not wage-adjusted), Q1 and N lines packaged (P-PACKAGE). DME claims:
    the drug at the ASP limit; the pump's DMEPOS fee is not in the data.
    """
    if claim == "institutional":
        system = "Medicare OPPS, national Addendum B rate (not wage-adjusted)"
        lines = _institutional_lines(result, year)
    else:
        system = (
            "Medicare DME: drugs at the ASP payment limit"
            if claim == "dme"
            else "Medicare physician fee schedule, non-facility; drugs at the ASP payment limit"
        )
        lines = [_professional_line(line, year, locality, zip_code, qp, date) for line in result.lines]
    paid = [ln for ln in lines if not ln.packaged]
    total = sum(ln.amount for ln in paid if ln.amount is not None)
    missing = any(ln.amount is None for ln in paid)
    total_text = f"${total:,.2f}" if not missing else f"{NOT_AVAILABLE} for every line (lines with data: ${total:,.2f})"
    if any(ln.packaged for ln in lines):
        total_text += " separately paid (packaged lines not counted)"
    return PricedResult(tuple(lines), year, None if missing else round(total, 2), total_text, system)


def opps_payment(code: str, year: int, units: int = 1) -> OppsPayment:
    """``opps_rate`` of ``code`` for ``units`` (see ``OppsPayment``)."""
    o = opps_rate(code, year)
    if o.available and o.payment_rate is not None:
        return OppsPayment(
            o,
            units,
            round(o.payment_rate * units, 2),
            note="status indicator Q1: conditionally packaged" if o.si == "Q1" else "",
        )
    why = o.reason or {
        "N": "status indicator N: packaged, no separate payment",
        "E1": "status indicator E1: not paid by Medicare",
        "A": "status indicator A: paid under another fee schedule, not OPPS",
        "Y": "status indicator Y: paid on the DMEPOS fee schedule, not OPPS",
    }.get(o.si, f"status indicator {o.si}: no OPPS payment rate")
    return OppsPayment(o, units, None, why=why)


def opps_rate(code: str, year: int, quarter: int | None = None) -> OppsRate:
    """OPPS Addendum B status indicator and national payment rate for ``code``.

    Returns the latest edition of ``year`` (or the given quarter) with its source; ``available``
    False with a reason when the edition is not in ``data/medicare/opps_rates.csv``.
    """
    code = _normalise_code(code)
    found = rows.grouped("medicare", "opps_rates.csv", "code", "year").get((code, str(year)), [])
    if quarter is not None:
        found = [r for r in found if r["edition"] == f"{year}-{(quarter - 1) * 3 + 1:02d}"]
    if not found:
        return OppsRate(
            code,
            year,
            False,
            reason=f"no OPPS Addendum B edition for {code} in {year}" + (f" Q{quarter}" if quarter else ""),
        )
    r = sorted(found, key=lambda x: x["edition"])[-1]
    return OppsRate(
        code,
        year,
        True,
        edition=r["edition"],
        si=r["si"],
        apc=r["apc"],
        payment_rate=_num(r["payment_rate"]),
        packaged=r["si"] == "N",
        confidence=r["confidence"],
        source=r["source"],
    )
