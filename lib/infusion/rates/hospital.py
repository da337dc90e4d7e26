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
from pathlib import Path
from typing import Any, BinaryIO, cast

import pandas as pd

from ..errors import DataError
from ..jsonscan import StreamError, iter_object_fast
from .model import ILLUSTRATIVE_MARK, Extraction, payer_family
from .tic import open_stream

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


def _head(path: Path) -> tuple[dict[str, str], list[str], list[str]]:
    stream, _ = open_stream(path)
    with stream:
        text = io.TextIOWrapper(cast(BinaryIO, stream), encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.reader(text)
        try:
            names, values, data_header = next(reader), next(reader), next(reader)
        except StopIteration:
            raise DataError(f"{path.name}: fewer than 3 rows; a CMS hospital CSV has the general "
                            "headers on row 1, their values on row 2 and the data headers on row 3") from None
    general = {norm_header(n): v for n, v in zip(names, values)}
    header = [norm_header(h) or f"_blank_{i}" for i, h in enumerate(data_header)]  # trailing commas
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise DataError(f"{path.name}: the data header (row 3) names the column {twice[0]!r} more than once")
    return general, header, [norm_header(h, False) for h in data_header]


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


def read_hospital_csv(path: str | Path, codes: set[str], chunksize: int = 200_000) -> Extraction:
    p = Path(path)
    general, header, original = _head(p)
    version = general.get("version", "")
    wide = not ("payer_name" in header and "plan_name" in header)
    fmt = f"hpt-csv-{'wide' if wide else 'tall'}-{version or '?'}"
    ex = Extraction(str(p), fmt)
    hospital = general.get("hospital_name", "")
    try:
        pairs = _code_columns(header)
    except DataError as e:
        raise DataError(f"{p.name}: {e}") from None
    stream, raw = open_stream(p)
    skipped_algorithm = 0
    with stream:
        reader = pd.read_csv(stream, skiprows=3, header=None, names=header, dtype=str,
                             keep_default_na=False, encoding="utf-8-sig", encoding_errors="replace",
                             chunksize=chunksize)
        first_row = 4
        try:
            for chunk in reader:
                rows = _matching(chunk, pairs, codes)
                for idx, r in rows.iterrows():
                    line = first_row + (idx - chunk.index[0])
                    if wide:
                        payers = _wide_payers(header, original, r)
                    else:
                        payers = [(r.get("payer_name", ""), r.get("plan_name", ""),
                                   r.get("standard_charge|negotiated_dollar", ""),
                                   r.get("standard_charge|negotiated_percentage", ""),
                                   r.get("standard_charge|methodology", ""))]
                    for payer, plan, dollar, pct, method in payers:
                        try:
                            d, q = _money(dollar), _money(pct)
                        except ValueError:
                            raise DataError(f"{p.name} line {line}: negotiated charge {dollar or pct!r} "
                                            f"for {payer!r} is not a number") from None
                        if d is not None:
                            value, kind = d, "negotiated"
                        elif q is not None:
                            value, kind = q, "percentage"
                        else:
                            skipped_algorithm += 1
                            continue
                        ex.rows.append(_row(p, fmt, hospital, general, r, payer, plan, value, kind, method))
                ex.items_read += len(chunk)
                first_row += len(chunk)
        except pd.errors.ParserError as err:
            raise DataError(f"{p.name}: CSV not readable near line {first_row}: {err}") from None
    ex.bytes_read = raw.count
    if skipped_algorithm:
        ex.warnings.append(f"{skipped_algorithm} payer charges given only as an algorithm (no dollar "
                           "amount or percentage) were not used")
    return ex


def _wide_payers(header: list[str], original: list[str], r: pd.Series
                 ) -> list[tuple[str, str, str, str, str]]:
    out = []
    seen = set()
    for h, orig in zip(header, original):
        m = re.fullmatch(r"standard_charge\|(.+?)\|(.+?)\|negotiated_dollar", h)
        if not m:
            continue
        payer, plan = m.group(1), m.group(2)
        shown = re.fullmatch(r"(?i)standard_charge\|(.+?)\|(.+?)\|negotiated_dollar", orig)
        assert shown is not None  # orig is the original spelling of the column m matched
        if (payer, plan) in seen:
            continue
        seen.add((payer, plan))
        base = f"standard_charge|{payer}|{plan}|"
        out.append((shown.group(1).replace("_", " "), shown.group(2).replace("_", " "),
                    r.get(base + "negotiated_dollar", ""),
                    r.get(base + "negotiated_percentage", ""), r.get(base + "methodology", "")))
    return out


def _row(p: Path, fmt: str, hospital: str, general: dict, r: Any, payer: str, plan: str,
         rate: float, negotiated_type: str, method: str) -> dict:
    return {
        "source_file": str(p), "source_format": fmt, "reporting_entity": hospital,
        "payer_name": payer, "payer_family": payer_family(payer, plan), "plan_name": plan,
        "plan_id": None, "plan_market_type": None, "billing_code": r["_code"] if "_code" in r else r.get("code"),
        "billing_code_type": "CPT", "negotiation_arrangement": "ffs",
        "negotiated_type": negotiated_type, "rate": rate, "billing_class": "institutional",
        "setting": (r.get("setting") or None), "service_codes": "",
        "modifiers": (r.get("modifiers") or "").strip(), "provider_key": f"hospital:{hospital}",
        "provider_groups": 1, "npi_count": None, "remote_reference": False,
        "expiration_date": None, "last_updated": general.get("last_updated_on"),
        "illustrative": hospital.upper().startswith(ILLUSTRATIVE_MARK),
    }


def _objects(value: Any, where: str, path: Path) -> list[dict]:
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


def read_hospital_json(path: str | Path, codes: set[str]) -> Extraction:
    p = Path(path)
    stream, raw = open_stream(p)
    top: dict[str, Any] = {}
    ex = Extraction(str(p), "hpt-json")
    try:
        with stream:
            alternatives = b"|".join(re.escape(c.encode()) for c in sorted(codes))
            codes_rx = re.compile(rb'"code"\s*:\s*"\s*(?:' + alternatives + rb')\s*"')
            counts: dict[str, int] = {}
            for m in iter_object_fast(stream, {"standard_charge_information": codes_rx}, counts=counts):
                if m.index is None:
                    if isinstance(m.value, (str, int, float)):
                        top[m.key] = m.value
                    continue
                item = m.value
                where = f"standard_charge_information[{m.index}] (byte {m.offset})"
                if not isinstance(item, dict) or "code_information" not in item:
                    raise DataError(f"{p.name}: {where}: missing required field code_information")
                hit = next((str(c.get("code")).strip()
                            for c in _objects(item["code_information"], f"{where}.code_information", p)
                            if str(c.get("type", "")).upper() in CODE_TYPES
                            and str(c.get("code", "")).strip() in codes), None)
                if hit is None:
                    continue
                for i, sc in enumerate(_objects(item.get("standard_charges"), f"{where}.standard_charges", p)):
                    at = f"{where}.standard_charges[{i}]"
                    payers = _objects(sc.get("payers_information"), f"{at}.payers_information", p)
                    for pi in payers:
                        d = pi.get("standard_charge_dollar")
                        q = pi.get("standard_charge_percentage")
                        if d is None and q is None:
                            continue
                        for v in (d, q):
                            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                                raise DataError(f"{p.name}: {where}: standard charge {v!r} for "
                                                f"{pi.get('payer_name')!r} is not a number")
                        mods = sc.get("modifier_code") or []
                        r = {"_code": hit, "setting": _text(sc.get("setting")) or None,
                             "modifiers": "|".join(_text(m) for m in (mods if isinstance(mods, list) else [mods]))}
                        ex.rows.append(_row(p, "hpt-json", str(top.get("hospital_name", "")), top, r,
                                            _text(pi.get("payer_name")), _text(pi.get("plan_name")),
                                            float(cast(float, d if d is not None else q)),
                                            "negotiated" if d is not None else "percentage",
                                            _text(pi.get("methodology"))))
    except StreamError as err:
        raise DataError(f"{p.name}: invalid JSON at byte {err.offset} ({err.reason}); "
                        f"{len(ex.rows)} rows read before it are not used") from None
    ex.items_read = counts.get("standard_charge_information", 0)
    ex.source_format = f"hpt-json-{top.get('version', '?')}"
    for row in ex.rows:
        row["source_format"] = ex.source_format
        row["last_updated"] = top.get("last_updated_on")
    ex.bytes_read = raw.count
    return ex
