"""Hospital price-transparency standard-charge files: CMS CSV v2/v3 (tall and wide) and JSON v3.

CSV layout: row 1 general headers, row 2 their values, row 3 the data headers, data from row 4.
Headers are normalised (spaces around pipes and letter case do not matter; a BOM is dropped).
Files are read in chunks, so memory stays bounded. Hospital standard charges are facility charges:
rows get ``billing_class="institutional"``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

import pandas as pd

from ..bounds import BoundedStream
from ..errors import DataError, shown
from .jsonscan import MAX_ITEM, StreamError, TooLarge, iter_object_fast
from .model import ILLUSTRATIVE_MARK, US_STATES, Extraction, clean_name, payer_fields
from .tic import UrlFile, as_source, fetched, open_stream

_PIPE = re.compile(r"\s*\|\s*")
CODE_TYPES = {"CPT", "HCPCS"}


def norm_header(h: str, lower: bool = True) -> str:
    text = _PIPE.sub("|", str(h).replace("\ufeff", "")).strip()
    return text.lower() if lower else text


def _money(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip().replace("$", "").replace(",", "")
    if not text:
        return None
    return float(text)


def _head(path: "Path | UrlFile") -> tuple[dict[str, str], list[str], list[str]]:
    stream, _ = open_stream(path)
    with stream:
        text = io.TextIOWrapper(cast(BinaryIO, stream), encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.reader(text)
        try:
            names, values, data_header = next(reader), next(reader), next(reader)
        except StopIteration:
            raise DataError(
                f"{path.name}: fewer than 3 rows; a CMS hospital CSV has the general "
                "headers on row 1, their values on row 2 and the data headers on row 3"
            ) from None
    general = {norm_header(n): v for n, v in zip(names, values)}
    general["_state"] = hospital_state([norm_header(n) for n in names], general.get("hospital_address")) or ""
    header = [norm_header(h) or f"_blank_{i}" for i, h in enumerate(data_header)]  # trailing commas
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise DataError(f"{path.name}: the data header (row 3) names the column {shown(twice[0])} more than once")
    return general, header, [norm_header(h, False) for h in data_header]


def hospital_state(headers: list[str], address: Any = None, licence_state: Any = None) -> str | None:
    """The hospital's state: the two letters before the ZIP of its address, else the licence's
    state (v3 JSON ``license_information.state``, a CSV's ``license_number|XX`` header; a template
    copied from another hospital may keep the wrong one, as Lake Martin's ``license_number|CA`` in
    Alabama); None when neither says (a state is never guessed)."""
    for a in address if isinstance(address, list) else [address]:
        m = re.search(r"\b([A-Z]{2})[ ,]+\d{5}(?:-\d{4})?\s*$", a.strip()) if isinstance(a, str) else None
        if m and m.group(1) in US_STATES:
            return m.group(1)
    for value in [licence_state] + [h.split("|", 1)[1] for h in headers if h.lower().startswith("license_number|")]:
        if isinstance(value, str) and value.strip().upper() in US_STATES:
            return value.strip().upper()
    return None


def iso_date(value: Any) -> str | None:
    """A file's date as YYYY-MM-DD when it is written M/D/YYYY or YYYY-MM-DD, else as written
    (None when empty)."""
    text = str(value).strip() if value is not None else ""
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if m:
        return f"{m.group(3)}-{int(m.group(1)):02d}-{int(m.group(2)):02d}"
    return text[:40] or None


def _code_columns(header: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for h in header:
        m = re.fullmatch(r"code\|(\d+)", h)
        if m and f"code|{m.group(1)}|type" in header:
            pairs.append((h, f"code|{m.group(1)}|type"))
    if not pairs:
        raise DataError("no code|N / code|N|type columns in the data header (row 3)")
    return pairs


def _matching(chunk: pd.DataFrame, pairs: list[tuple[str, str]], codes: set[str]) -> pd.DataFrame:
    mask = pd.Series(False, index=chunk.index)
    code_of = pd.Series("", index=chunk.index, dtype=object)
    for c, t in pairs:
        hit = chunk[c].str.strip().isin(codes) & chunk[t].str.strip().str.upper().isin(CODE_TYPES)
        code_of = code_of.where(~(hit & ~mask), chunk[c].str.strip())
        mask |= hit
    out = chunk[mask].copy()
    out["_code"] = code_of[mask]
    return out


# Data-header columns that are read, or known and deliberately not rates (CMS template v2/v3).
_GENERAL = re.compile(
    r"description|code\|\d+|code\|\d+\|type|modifiers|setting|billing_class|"
    r"drug_unit_of_measurement|drug_type_of_measurement|standard_charge\|gross|"
    r"standard_charge\|discounted_cash|standard_charge\|min|standard_charge\|max|"
    r"additional_generic_notes|additional_payer_specific_notes|_blank_\d+"
)
_TALL = re.compile(
    r"payer_name|plan_name|standard_charge\|negotiated_(dollar|percentage|algorithm)|"
    r"standard_charge\|methodology|estimated_amount|additional_payer_notes|"
    r"median_amount|10th_percentile|90th_percentile|count"
)
_PAYER_FIELD = re.compile(
    r"standard_charge\|(.+)\|(negotiated_dollar|negotiated_percentage|"
    r"negotiated_algorithm|methodology)"
)
_PAYER_AUX = re.compile(
    r"(estimated_amount|additional_payer_notes|median_amount|10th_percentile|"
    r"90th_percentile|count)\|.+"
)
CLASS_OF = {
    "facility": "institutional",
    "institutional": "institutional",
    "professional": "professional",
    "both": "both",
}
_PROFESSIONAL_NAME = re.compile(
    r"\b(physicians?|physician group|medical group|professional|"
    r"practice|clinic associates)\b",
    re.I,
)


def _payer_key(text: str) -> str:
    return clean_name(text).lower()


@dataclass
class WidePayer:
    """The columns of one payer and plan in a wide CSV (plan empty when the header has none)."""

    payer: str
    plan: str
    dollar: str | None = None
    percentage: str | None = None
    algorithm: str | None = None
    methodology: str | None = None


def wide_payers(header: list[str], original: list[str]) -> tuple[list[WidePayer], list[str]]:
    """The payer/plan columns of a wide data header and the columns that are not read.

    ``standard_charge|PAYER|PLAN|FIELD`` and ``standard_charge|PAYER|FIELD`` (no plan segment) are
    both payer columns; payer and plan are matched without case, brackets or underscores, so a
    methodology column spelled ``AMERIHEALTH_CARITAS`` pairs with ``AMERIHEALTH CARITAS``.
    """
    groups: dict[tuple[str, str], WidePayer] = {}
    unread = []
    for h, orig in zip(header, original):
        m = _PAYER_FIELD.fullmatch(h)
        if m:
            parts = m.group(1).split("|")
            shown = orig.split("|")[1:-1]
            if not parts[0].strip() or "payer_name" in parts[0]:  # no payer, or the template's placeholder
                unread.append(orig)
                continue
            # PAYER, PAYER|PLAN, or a plan written with pipes in it (PAYER|Medicare|DSNP)
            payer, plan = shown[0], " / ".join(x.strip() for x in shown[1:] if x.strip())
            key = (_payer_key(parts[0]), _payer_key(" / ".join(x.strip() for x in parts[1:] if x.strip())))
            wp = groups.setdefault(key, WidePayer(clean_name(payer), clean_name(plan)))
            field_name = m.group(2).replace("negotiated_", "")
            if getattr(wp, field_name) is None:
                setattr(wp, field_name, h)
            continue
        if not (_GENERAL.fullmatch(h) or _PAYER_AUX.fullmatch(h) or h.endswith("|") and _PAYER_AUX.fullmatch(h + "x")):
            unread.append(orig)
    return list(groups.values()), unread


def file_billing_class(entity: str, given: str | None) -> tuple[str, str | None]:
    """(billing class, warning) for rows of a file whose rows do not carry one: ``given`` (the
    ``--billing-class`` option) first; a physician group's name says professional; else
    institutional (hospital standard charges are facility charges, 45 CFR 180.20)."""
    if given:
        return given, None
    if _PROFESSIONAL_NAME.search(entity or ""):
        return "professional", (
            f"billing class taken as professional from the publisher's name "
            f"{entity!r} (the file has no billing_class column); give "
            "--billing-class institutional if that is wrong"
        )
    return "institutional", None


def read_hospital_csv(
    path: str | Path, codes: set[str], chunksize: int = 200_000, billing_class: str | None = None
) -> Extraction:
    p = as_source(path)
    f = _HospitalCsv(p, billing_class)
    ex = f.ex
    stream, raw = open_stream(p)
    with stream:
        bounded = BoundedStream(stream, name=p.name)  # no line past the record bound, no bomb
        reader = pd.read_csv(
            bounded,
            skiprows=3,
            header=None,
            names=f.header,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            encoding_errors="replace",
            chunksize=chunksize,
        )
        first_row = 4
        try:
            for chunk in reader:
                rows = _matching(chunk, f.pairs, codes)
                ex.items_matched += len(rows)
                for idx, r in rows.iterrows():
                    f.row(r, first_row + (idx - chunk.index[0]))
                ex.items_read += len(chunk)
                first_row += len(chunk)
        except pd.errors.ParserError as err:
            raise DataError(f"{p.name}: CSV not readable near line {first_row}: {shown(str(err), 200)}") from None
        except ValueError as err:  # the bounds (BoundedStream)
            if "refused" not in str(err):
                raise
            raise DataError(str(err)) from None
    ex.bytes_read = raw.count
    ex.fetched = fetched(raw)
    return ex


class _HospitalCsv:
    """A CMS template CSV (v2/v3, tall or wide): its header, payer columns and the rows read."""

    def __init__(self, p: "Path | UrlFile", billing_class: str | None):
        self.p = p
        self.general, self.header, self.original = _head(p)
        version = self.general.get("version", "")
        header = self.header
        self.wide = not ("payer_name" in header and "plan_name" in header)
        self.fmt = f"hpt-csv-{'wide' if self.wide else 'tall'}-{version or '?'}"
        self.ex = Extraction(str(p), self.fmt)
        self.hospital = self.general.get("hospital_name", "")
        try:
            self.pairs = _code_columns(header)
        except DataError as e:
            raise DataError(f"{p.name}: {e}") from None
        if self.wide:
            self.payers, unread = wide_payers(header, self.original)
        else:
            self.payers = []
            unread = [o for h, o in zip(header, self.original) if not (_GENERAL.fullmatch(h) or _TALL.fullmatch(h))]
        if unread:
            self.ex.warnings.append(
                f"{len(unread)} column(s) of the data header are not read: "
                + ", ".join(repr(u) for u in unread[:20])
                + (" ..." if len(unread) > 20 else "")
            )
        self.file_class, why = file_billing_class(self.hospital, None if "billing_class" in header else billing_class)
        if why and "billing_class" not in header:
            self.ex.warnings.append(why)
        self.charges_seen: set[tuple] = set()

    def _add(self, r: Any, payer: str, plan: str, value: float, kind: str, method: str, cls: str, col: str) -> None:
        self.ex.rows.append(
            _row(
                self.p,
                self.fmt,
                self.hospital,
                self.general,
                r,
                payer,
                plan,
                value,
                kind,
                method,
                cls,
                self.original[self.header.index(col)] if col in self.header else col,
            )
        )

    def row(self, r: Any, line: int) -> None:
        """One row of a requested code: its gross and cash charges and its payers' rates."""
        cls = CLASS_OF.get(str(r.get("billing_class", "")).strip().lower(), self.file_class)
        before = len(self.ex.rows)
        had_charge = self._charges(r, line, cls)
        self._payer_rates(r, line, cls)
        if len(self.ex.rows) == before and not had_charge:
            self.ex.count("row of a requested code with no charge in it")

    def _charges(self, r: Any, line: int, cls: str) -> bool:
        """Gross and cash charges (a tall file repeats them per payer: kept once, from the first
        row that gave them); whether the row had one already kept."""
        item = (
            r["_code"],
            r.get("description", ""),
            r.get("setting", ""),
            r.get("modifiers", ""),
            r.get("standard_charge|gross", ""),
            r.get("standard_charge|discounted_cash", ""),
        )
        repeated = not self.wide and item in self.charges_seen
        self.charges_seen.add(item)
        had_charge = False
        for col, kind in (
            ("standard_charge|gross", "gross charge"),
            ("standard_charge|discounted_cash", "discounted cash"),
        ):
            v = _amount(self.p, line, col, r.get(col, ""), self.ex)
            if v is not None and repeated:
                had_charge = True
            elif v is not None:
                self._add(r, "", "", v, kind, "", cls, col)
        return had_charge

    def _payer_rates(self, r: Any, line: int, cls: str) -> None:
        """Each payer's dollar amount (or percentage when no dollar amount is given)."""
        ex, p = self.ex, self.p
        if self.wide:
            found = [(wp.payer, wp.plan, wp.dollar, wp.percentage, wp.algorithm, wp.methodology) for wp in self.payers]
        else:
            found = [
                (
                    r.get("payer_name", ""),
                    r.get("plan_name", ""),
                    "standard_charge|negotiated_dollar",
                    "standard_charge|negotiated_percentage",
                    "standard_charge|negotiated_algorithm",
                    "standard_charge|methodology",
                )
            ]
        for payer, plan, dcol, qcol, acol, mcol in found:
            d = _amount(p, line, dcol, r.get(dcol, "") if dcol else "", ex, payer)
            q = _amount(p, line, qcol, r.get(qcol, "") if qcol else "", ex, payer)
            method = str(r.get(mcol, "") if mcol else "")
            if d is not None:
                value, kind, used = d, "negotiated", dcol or ""
                if q is not None:
                    ex.count("percentage given beside a dollar amount (the dollar amount is the rate kept)")
            elif q is not None:
                value, kind, used = q, "percentage", qcol or ""
            else:
                if acol and str(r.get(acol, "")).strip():
                    ex.count("payer charge given only as an algorithm (no dollar amount or percentage)")
                continue
            self._add(r, payer, plan, value, kind, method, cls, used)


def _amount(
    p: "Path | UrlFile", line: int, col: str | None, value: Any, ex: Extraction, payer: str = ""
) -> float | None:
    """A charge cell as a number (None when empty; DataError naming line, column and value when it
    is text that is not an amount; "N/A" and the like are counted as not given)."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    if text.upper() in ("N/A", "NA", "-", "NONE", "NULL", "TBD"):
        ex.count(f"charge given as {shown(text)} (no amount)")
        return None
    try:
        v = _money(text)
    except ValueError:
        raise DataError(
            f"{p.name} line {line}: column {shown(col)}: {shown(text)}"
            + (f" for {shown(payer)}" if payer else "")
            + " is not an amount"
        ) from None
    if v is None or v != v or v in (float("inf"), float("-inf")) or v < 0:
        raise DataError(f"{p.name} line {line}: column {shown(col)}: {shown(text)} is not an amount")
    return v


def _row(
    p: "Path | UrlFile",
    fmt: str,
    hospital: str,
    general: dict,
    r: Any,
    payer: str,
    plan: str,
    rate: float,
    negotiated_type: str,
    method: str,
    billing_class: str = "institutional",
    column: str = "",
    default_lob: str | None = None,
) -> dict:
    setting = str(r.get("setting") or "").strip().lower() or None
    return {
        "source_file": str(p),
        "source_format": fmt,
        "reporting_entity": hospital,
        "payer_name": payer or None,
        "plan_name": plan or None,
        "plan_id": None,
        "plan_market_type": None,
        "billing_code": r["_code"] if "_code" in r else r.get("code"),
        "billing_code_type": "CPT",
        "negotiation_arrangement": "ffs",
        "negotiated_type": negotiated_type,
        "rate": rate,
        "billing_class": billing_class,
        "service_codes": "",
        "modifiers": (r.get("modifiers") or "").strip(),
        "provider_key": f"hospital:{hospital}",
        "provider_groups": 1,
        "npi_count": None,
        "remote_reference": False,
        "expiration_date": None,
        "last_updated": iso_date(general.get("last_updated_on")),
        "illustrative": hospital.upper().startswith(ILLUSTRATIVE_MARK),
        "source_column": column or None,
        "state": general.get("_state") or None,
        **payer_fields(payer, plan, setting, default_lob),
    }


def _objects(value: Any, where: str, path: "Path | UrlFile") -> list[dict]:
    """``value`` as a list of objects (None or absent: none); DataError naming ``where`` when it is
    something else (the file does not follow the schema there)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise DataError(f"{path.name}: {where}: expected a list of objects, found {json.dumps(value)[:60]}")
    return value


def _text(value: Any) -> str:
    """A descriptive member as text (a number or true given for a name stays readable)."""
    return "" if value is None else value if isinstance(value, str) else json.dumps(value)


def _json_amount(v: Any, where: str, path: "Path | UrlFile") -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or v in (float("inf"), float("-inf")) or v < 0:
        raise DataError(f"{path.name}: {where}: {shown(v)} is not an amount")
    return float(v)


def read_hospital_json(
    path: str | Path, codes: set[str], billing_class: str | None = None, max_item: int = MAX_ITEM
) -> Extraction:
    p = as_source(path)
    stream, raw = open_stream(p)
    top: dict[str, Any] = {}
    ex = Extraction(str(p), "hpt-json")
    file_class = billing_class or "institutional"
    counts: dict[str, int] = {}
    try:
        with stream:
            alternatives = b"|".join(re.escape(c.encode()) for c in sorted(codes))
            codes_rx = re.compile(rb'"code"\s*:\s*"(?:\s*(?:' + alternatives + rb')\s*"|[^"]*\\)')
            for m in iter_object_fast(
                stream, {"standard_charge_information": codes_rx}, counts=counts, max_item=max_item
            ):
                if m.index is None:
                    _json_top(m, top, ex)
                else:
                    _json_item(m, codes, top, ex, p, file_class)
    except TooLarge as err:
        raise DataError(f"{p.name}: {err.reason} (at byte {err.offset}); refused so memory stays bounded") from None
    except StreamError as err:
        raise DataError(
            f"{p.name}: invalid JSON at byte {err.offset} ({err.reason}); "
            f"{len(ex.rows)} rows read before it are not used"
        ) from None
    ex.items_read = counts.get("standard_charge_information", 0)
    if "standard_charge_information" not in counts and not any("not an array" in w for w in ex.warnings):
        ex.warnings.append("the file has no standard_charge_information member: no charges in this file")
    ex.source_format = f"hpt-json-{top.get('version', '?')}"
    ex.fetched = fetched(raw)
    licence = top.get("license_information")
    state = hospital_state([], top.get("hospital_address"), licence.get("state") if isinstance(licence, dict) else None)
    for row in ex.rows:  # the members may follow the items: set once all are read
        row["source_format"] = ex.source_format
        row["last_updated"] = iso_date(top.get("last_updated_on"))
        row["state"] = state
    ex.bytes_read = raw.count
    return ex


def _json_top(m: Any, top: dict[str, Any], ex: Extraction) -> None:
    """A top-level member of a JSON file: text and numbers, and the address and licence (the state)."""
    if isinstance(m.value, (str, int, float)):
        top[m.key] = m.value
    elif m.key in ("license_information", "hospital_address"):
        top[m.key] = m.value
    if m.key == "standard_charge_information":
        ex.warnings.append("standard_charge_information is not an array: no charges in this file")


def _json_item(
    m: Any, codes: set[str], top: dict[str, Any], ex: Extraction, p: "Path | UrlFile", file_class: str
) -> None:
    """One standard_charge_information item: its charges and payer rates when it has a requested code."""
    item = m.value
    where = f"standard_charge_information[{m.index}] (byte {m.offset})"
    if not isinstance(item, dict) or "code_information" not in item:
        raise DataError(f"{p.name}: {where}: missing required field code_information")
    hit = next(
        (
            str(c.get("code")).strip()
            for c in _objects(item["code_information"], f"{where}.code_information", p)
            if str(c.get("type", "")).upper() in CODE_TYPES and str(c.get("code", "")).strip() in codes
        ),
        None,
    )
    if hit is None:
        return
    ex.items_matched += 1
    before = len(ex.rows)
    hospital = str(top.get("hospital_name", ""))
    for i, sc in enumerate(_objects(item.get("standard_charges"), f"{where}.standard_charges", p)):
        at = f"{where}.standard_charges[{i}]"
        cls = CLASS_OF.get(_text(sc.get("billing_class")).strip().lower(), file_class)
        mods = sc.get("modifier_code") or []
        r = {
            "_code": hit,
            "setting": _text(sc.get("setting")) or None,
            "modifiers": "|".join(_text(x) for x in (mods if isinstance(mods, list) else [mods])),
        }
        for member, kind in (("gross_charge", "gross charge"), ("discounted_cash", "discounted cash")):
            v = sc.get(member)
            if v is not None:
                ex.rows.append(
                    _row(
                        p,
                        "hpt-json",
                        hospital,
                        top,
                        r,
                        "",
                        "",
                        _json_amount(v, f"{at}.{member}", p),
                        kind,
                        "",
                        cls,
                        member,
                    )
                )
        for pi in _objects(sc.get("payers_information"), f"{at}.payers_information", p):
            _json_payer(pi, at, r, cls, top, ex, p)
    if len(ex.rows) == before:
        ex.count("item of a requested code with no charge in it")


def _json_payer(pi: dict, at: str, r: dict, cls: str, top: dict[str, Any], ex: Extraction, p: "Path | UrlFile") -> None:
    """One payers_information entry: its dollar amount, or its percentage when no dollar amount."""
    d = pi.get("standard_charge_dollar")
    q = pi.get("standard_charge_percentage")
    if not _text(pi.get("payer_name")) and (d is not None or q is not None):
        ex.count(
            "payer charge with no payer_name (the template requires one; not read: a negotiated rate must "
            "name its payer)"
        )
        return
    if d is None and q is None:
        if pi.get("standard_charge_algorithm"):
            ex.count("payer charge given only as an algorithm (no dollar amount or percentage)")
        return
    member = "standard_charge_dollar" if d is not None else "standard_charge_percentage"
    if d is not None and q is not None:
        ex.count("percentage given beside a dollar amount (the dollar amount is the rate kept)")
    value = _json_amount(d if d is not None else q, f"{at}.{member} for {pi.get('payer_name')!r}", p)
    ex.rows.append(
        _row(
            p,
            "hpt-json",
            str(top.get("hospital_name", "")),
            top,
            r,
            _text(pi.get("payer_name")),
            _text(pi.get("plan_name")),
            value,
            "negotiated" if d is not None else "percentage",
            _text(pi.get("methodology")),
            cls,
            member,
        )
    )
