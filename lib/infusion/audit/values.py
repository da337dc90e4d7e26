"""Parsing the values of a claims column, once per distinct value.

A month of claims has a million lines but only a few hundred distinct dates, times, unit counts,
modifiers and places of service. Each column of a block is dictionary-encoded (pyarrow, vectorised)
and only its *new* distinct values are parsed here, in Python; rows then refer to them by an integer
id (``Distinct.encode``) and every per-line step is an array operation.

The parse functions say what the audit accepts:

* date of service: ``YYYY-MM-DD`` (also ``YYYY/MM/DD``, one-digit month or day, and a trailing time,
  as a Parquet timestamp has), ``MM/DD/YYYY`` (and a trailing time), ``YYYYMMDD`` (the X12 ``D8``
  form, also with ``HHMM`` after it) or ``02MAR2026`` / ``02-Mar-2026`` (SAS ``DATE9.``, Oracle);
  anything else rejects the line;
* units: a whole number >= 0 (``2``, ``2.0``, ``1e1``); anything else rejects the line;
* code: five letters or digits after trimming and upper-casing; anything else rejects the line;
* start/stop times: a clock time on the date of service, ``HH:MM`` or ``HH:MM:SS``, 12-hour with
  ``AM``/``PM`` (``9:30 PM``), or four (or three) digits, ``0930``, ``1405``; or a date and time:
  ISO (``2026-03-02T23:30``), a date as above followed by a clock time (``03/02/2026 11:30 PM``),
  or ``YYYYMMDDHHMM``; anything else counts as not documented;
* place of service: a number, written with two digits (``2`` -> ``02``);
* modifiers: tokens split on space, comma, semicolon or ``|``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..coding.clock import clock_seconds
from ..redact import show_org
from ..reference.payers import known_payer

NA_DAYS = np.iinfo(np.int32).min
NA_INT = np.iinfo(np.int64).min
EPOCH = dt.date(1970, 1, 1)
_ISO_DATE = re.compile(r"([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})(?:[ T].*)?")
_US_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})(?: .*)?")
_COMPACT_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})(?:[0-9]{4}(?:[0-9]{2})?)?")
# 02MAR2026 (SAS), 02-Mar-2026
_NAMED_MONTH_DATE = re.compile(r"([0-9]{1,2})[- ]?([A-Za-z]{3})[- ]?([0-9]{4})(?:[ :].*)?")
_MONTHS = {
    m: i
    for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)
}
_UNITS = re.compile(r"\+?([0-9]+\.?[0-9]*|\.[0-9]+)([eE]\+?[0-9]+)?")
_DATE_AND_CLOCK = re.compile(r"(\S+?)(?:[ T]+|(?<=[0-9]{8}))([0-9].*)")
_COMPACT_DATETIME = re.compile(r"([0-9]{8})([0-9]{4}(?:[0-9]{2})?)")
_HAS_CLOCK = re.compile(r"[0-9][T ]+[0-9]")  # a date and then a time: a date alone is not a time
_CODE = re.compile(r"[0-9A-Z]{5}")
_MOD_SPLIT = re.compile(r"[ ,;|]+")


def as_text(value: Any) -> str | None:
    """A value as the text a CSV would hold: None for null, whole floats without ``.0`` (Parquet
    numbers, spreadsheet cells), dates and times as ISO text (``str``)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def text_batch(columns: dict[str, list[str | None]]) -> pa.RecordBatch:
    """The ``columns`` (name -> values as text) as one record batch of strings; the lists are
    emptied, to be filled again with the next rows."""
    out = pa.RecordBatch.from_arrays([pa.array(v, pa.string()) for v in columns.values()], names=list(columns))
    for v in columns.values():
        v.clear()
    return out


def dictionary(arr: pa.Array) -> pa.Array:
    """``arr`` dictionary-encoded (nulls as an entry of their own), as ``Distinct.encode`` reads it;
    as it is when it is a dictionary already or holds only nulls."""
    if pa.types.is_dictionary(arr.type) or (len(arr) and arr.null_count == len(arr)):
        return arr
    return pc.dictionary_encode(arr, null_encoding="encode")


def id_type(n_distinct: int) -> type:
    """The narrowest integer type for the ids of ``n_distinct`` values: int16 while they fit (most
    columns have a few hundred distinct values: it halves the memory the lines keep), else int32."""
    return np.int16 if n_distinct <= np.iinfo(np.int16).max else np.int32


def joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    """One array of ``parts`` in ``dtype``; each part is dropped from the list once copied, so the
    peak is one copy, not two."""
    out: np.ndarray = np.empty(sum(len(p) for p in parts), dtype=dtype)
    at = 0
    while parts:
        part = parts.pop(0)
        out[at : at + len(part)] = part
        at += len(part)
    return out


class Distinct:
    """The distinct values of one column across blocks, each parsed once.

    ``parse(text)`` returns a tuple of fields; ``field(k)`` is field ``k`` of every distinct value
    as a numpy array (index = id), so ``field(k)[ids]`` gives it per row.
    """

    def __init__(self, parse: Callable[[str | None], tuple], dtypes: tuple):
        self.parse = parse
        self.dtypes = dtypes
        self.ids: dict[str | None, int] = {}
        self.values: list[str | None] = []
        self._parsed: list[list] = [[] for _ in dtypes]
        self._arrays: list[np.ndarray] = [np.empty(0, dtype=d) for d in dtypes]

    def encode(self, arr: pa.Array, narrow: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Ids of the rows of ``arr`` (int32; int16 when ``narrow`` and the distinct values so far
        fit), and the ids of its distinct values; new distinct values are parsed."""
        if len(arr) and arr.null_count == len(arr):  # a column the file does not have: no hashing
            local = self._ids([None])
            return np.full(len(arr), local[0], dtype=self._dtype(narrow)), local
        enc = dictionary(arr)
        raws = _python_values(enc.dictionary)
        indices = enc.indices
        if indices.null_count:  # a dictionary array read with nulls: one more entry for them
            indices = pc.fill_null(indices, len(raws))
            raws.append(None)
        local = self._ids(raws)
        at = indices.to_numpy(zero_copy_only=False)
        dtype = self._dtype(narrow)
        if np.array_equal(local, np.arange(len(local))):  # the batch's dictionary in the order of ours
            return at.astype(dtype), local
        return local.astype(dtype)[at], local

    def _dtype(self, narrow: bool) -> type:
        return id_type(len(self.values)) if narrow else np.int32

    def _ids(self, raws: list) -> np.ndarray:
        """The id of each of ``raws`` (as text), parsing those not seen before."""
        local = np.empty(len(raws), dtype=np.int32)
        for i, raw in enumerate(raws):
            text = as_text(raw)
            j = self.ids.get(text)
            if j is None:
                j = self.ids[text] = len(self.values)
                self.values.append(text)
                for k, v in enumerate(self.parse(text)):
                    self._parsed[k].append(v)
            local[i] = j
        return local

    def field(self, k: int) -> np.ndarray:
        """Field ``k`` of every distinct value so far, as an array indexed by id."""
        have = len(self._arrays[k])
        if have < len(self.values):
            part = self._parsed[k][have:]
            if self.dtypes[k] is object:  # one by one, so that lists stay lists in an object array
                new = np.empty(len(part), dtype=object)
                for i, v in enumerate(part):
                    new[i] = v
            else:
                new = np.array(part, dtype=self.dtypes[k])
            self._arrays[k] = np.concatenate([self._arrays[k], new])
        return self._arrays[k]


def _digits(text: str) -> bool:
    """Whether ``text`` is ASCII digits only (``str.isdigit`` also takes ``²`` and ``٣``)."""
    return text.isascii() and text.isdigit()


def strip(text: str | None) -> str | None:
    """Trimmed text, None when blank."""
    text = text.strip() if text is not None else None
    return text or None


def _python_values(values: pa.Array) -> list:
    """``values`` as Python objects; a date or time Python cannot hold (a Parquet timestamp in the
    year 31 million) becomes the text ``out of range``, which no parser takes (a reject, not a crash)."""
    try:
        return values.to_pylist()
    except (OverflowError, ValueError):
        out = []
        for i in range(len(values)):
            try:
                out.append(values[i].as_py())
            except (OverflowError, ValueError):
                out.append("out of range")
        return out


def parse_line_number(text: str | None) -> tuple[str | None, int]:
    """(line number as written, trimmed; its integer value or NA_INT)."""
    t = strip(text)
    return t, int(t) if t is not None and _digits(t) else NA_INT


def parse_date(text: str | None) -> tuple[int]:
    """(days since 1970-01-01, or NA_DAYS when not a date)."""
    t = strip(text)
    if t is None:
        return (NA_DAYS,)
    if m := _ISO_DATE.fullmatch(t):
        ymd = (m[1], m[2], m[3])
    elif m := _US_DATE.fullmatch(t):
        ymd = (m[3], m[1], m[2])
    elif m := _COMPACT_DATE.fullmatch(t):
        ymd = (m[1], m[2], m[3])
    elif (m := _NAMED_MONTH_DATE.fullmatch(t)) and m[2].lower() in _MONTHS:
        ymd = (m[3], _MONTHS[m[2].lower()], m[1])
    else:
        return (NA_DAYS,)
    try:
        return ((dt.date(*map(int, ymd)) - EPOCH).days,)
    except ValueError:
        return (NA_DAYS,)


def parse_units(text: str | None) -> tuple[int]:
    """(whole units >= 0, or -1 when not a whole non-negative number)."""
    t = strip(text)
    if t is None or not _UNITS.fullmatch(t):
        return (-1,)
    v = float(t)
    return (int(v),) if v.is_integer() and v < 2**31 else (-1,)


def parse_code(text: str | None, family: tuple[str, ...]) -> tuple[str | None, bool, int]:
    """(code trimmed and upper-cased; five letters/digits; index in ``family`` or -1)."""
    t = strip(text)
    t = t.upper() if t else None
    return t, bool(t and _CODE.fullmatch(t)), family.index(t) if t in family else -1


def parse_time(text: str | None) -> tuple[int, int]:
    """(kind: 0 none, 1 clock time on the date of service, 2 date and time; seconds: of the day
    for kind 1, since 1970 for kind 2)."""
    t = strip(text)
    if t is None:
        return 0, 0
    secs = clock_seconds(t)
    if secs is not None:
        return 1, secs
    try:
        stamp = dt.datetime.fromisoformat(t) if _HAS_CLOCK.search(t) else None
    except ValueError:
        stamp = None
    if stamp is not None:
        if stamp.tzinfo is not None:
            stamp = stamp.replace(tzinfo=None)
        return 2, int((stamp - dt.datetime(1970, 1, 1)).total_seconds())
    m = _COMPACT_DATETIME.fullmatch(t) or _DATE_AND_CLOCK.fullmatch(t)
    if m:  # a date (any form parse_date takes) and a clock time
        (days,), secs = parse_date(m[1]), clock_seconds(m[2].strip())
        if days != NA_DAYS and secs is not None:
            return 2, days * 86400 + secs
    return 0, 0


def modifier_tokens(text: str | None) -> list[str]:
    """The modifiers of a line, upper-cased: ``"jz|11"`` -> ``["JZ", "11"]``."""
    t = (text or "").strip().upper()
    return [m for m in _MOD_SPLIT.split(t) if m]


def parse_pos(text: str | None) -> tuple[str | None]:
    """(place of service as two digits, or None when not a number)."""
    t = strip(text)
    return (f"{int(t):02d}",) if t is not None and _digits(t) else (None,)


# Claim type values. NCH claim type codes (ResDAC, "NCH Claim Type Code", NCH_CLM_TYPE_CD, as in
# CCLF's CLM_TYPE_CD): 71/72 local carrier and 81/82 DME regional carrier claims are professional;
# 10 HHA, 20/30 SNF, 40 hospital outpatient, 50 hospice, 60/61 inpatient are institutional. A type
# of bill (three digits, or four with a leading 0: 131, 0131) is only on institutional claims.
_PROFESSIONAL = {
    "p",
    "pro",
    "837p",
    "1500",
    "cms1500",
    "cms-1500",
    "hcfa",
    "hcfa1500",
    "hcfa-1500",
    "carrier",
    "71",
    "72",
    "81",
    "82",
}
_INSTITUTIONAL = {"i", "837i", "ub04", "ub-04", "ub92", "ub-92", "ub", "10", "20", "30", "40", "50", "60", "61"}
_TYPE_OF_BILL = re.compile(r"0?[1-8][0-9][0-9xX]")


def parse_claim_type(text: str | None) -> tuple[bool, bool, bool]:
    """(professional, institutional, void). Professional: ``prof...``, ``837P``, ``CMS-1500``, NCH
    claim type 71/72/81/82, or not given; institutional: ``inst...``, ``837I``, ``UB-04``, NCH claim
    type 10-61, or a type of bill (``131``). Anything else is neither (``undetermined``): the
    professional-claim checks skip it and its dollars at risk are not available. Void: a type of
    bill whose last digit, the claim frequency, is 8 (``0138``: it cancels an earlier claim)."""
    t = (strip(text) or "").lower()
    professional = t == "" or t.startswith("prof") or t in _PROFESSIONAL
    type_of_bill = t != "837" and bool(_TYPE_OF_BILL.fullmatch(t))  # 837 alone: P or I?
    institutional = t.startswith("inst") or t in _INSTITUTIONAL or type_of_bill
    return professional, institutional, type_of_bill and t.endswith("8")


# Claim frequency (NUBC; the third digit of a type of bill, CLM05-3 of an 837, CMS-1500 item 22;
# ResDAC CLM_FREQ_CD, https://resdac.org/cms-data/variables/claim-frequency-code-ffs): 1 original,
# 7 replacement of a prior claim, 8 void/cancel of a prior claim.
_VOID = {"8", "08", "void", "cancel", "void/cancel", "void/cancel of prior claim"}


def parse_frequency(text: str | None) -> tuple[bool]:
    """(void,): the claim frequency code 8, or the words ``void`` / ``cancel``. Lines of a void
    claim are not lines to audit (the claim only cancels an earlier one)."""
    return ((strip(text) or "").lower() in _VOID,)


def parse_payer(text: str | None) -> tuple[str]:
    """(payer name as it may be written out, ``unknown`` when blank): a name the payer table knows or
    an organisation's name as written, any other (a person's name in a misaligned column) as its
    digest (``redact.show_org``)."""
    return (show_org(strip(text), "payer", known_payer) or "unknown",)


def parse_provider(text: str | None) -> tuple[str]:
    """(provider: an NPI, a clinic or a department as written, any other text as its digest;
    ``not given`` when blank)."""
    return (show_org(strip(text), "provider", known_payer) or "not given",)
