"""What of an input may be written out: one place that decides how a value is shown.

Claims extracts hold patient data, in columns the audit never reads (names, member ids, notes) and,
in a misaligned or hostile file, in the columns it does read. So outputs and messages follow three
rules, applied here:

* a value is quoted only when it has the shape of what its column holds (``shape_of``: a date, a
  unit count, a code, a modifier, a claim or line key); any other value is described by its length,
  never shown (``show_value``);
* a value written to an output (claim id, line number, payer, provider) is written as it is only
  when it has its column's shape: a key with a digit and no spaces that is not shaped like a Social
  Security or phone number (``show_key``), a line number of at most six digits (``show_line``), a
  payer or provider that the payer table knows or whose name says it is an organisation ("Health",
  "Plan", "Clinic", "Medical Group" ...), an NPI or an identifier, holding no member id
  (``MBR998877665``) or date (``show_org``); any other is replaced by a keyed
  digest (``digest``: HMAC-SHA256 under a key drawn for each run, or ``$INFUSION_REDACT_KEY``), the
  same value giving the same digest within a run, so lines still group by it;
* a header is listed in a message only when it is a header: when the first line of a file names
  none of the columns the audit needs, it may be a data row (a file without its header line), and
  only the number of its fields is given (``header_listing``);
* a text cell written to a CSV output that a spreadsheet would run as a formula (it starts with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is prefixed with ``'``, as OWASP's "CSV
  injection" guidance says (``spreadsheet_safe``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas only where a frame is made safe: the engine's messages import this module too
    import numpy as np
    import pandas as pd

# the characters a value of each kind of column is made of (ASCII only)
_SHAPES = {
    "date": re.compile(r"[0-9][0-9/.\- :T]{0,24}", re.ASCII),
    # a count, or the 837 reader's own note on a quantity that is not in units (``x12``)
    "units": re.compile(
        r"[-+]?[0-9][0-9.,]{0,11}|[0-9.]{1,12} (minutes|unit basis [A-Z0-9]{1,3}) "
        r"\(SV[12]0[345] [A-Z0-9]{1,3}, not units: not converted; bill units, UN\)",
        re.ASCII,
    ),
    "code": re.compile(r"(?=[A-Za-z]{0,7}[0-9])[A-Za-z0-9.\-]{1,8}", re.ASCII),
    "key": re.compile(r"(?=[^0-9]{0,39}[0-9])[A-Za-z0-9_.:#/\-]{1,40}", re.ASCII),
    "modifier": re.compile(r"[A-Za-z0-9]{1,3}", re.ASCII),
    "line": re.compile(r"[0-9]{1,6}", re.ASCII),
}
# keys that are shaped like a person's number: a Social Security number, a phone number
# (written with their separators: a plain run of nine digits is as likely a claim number)
_PERSON_NUMBER = re.compile(r"\b\d{3}-\d{2}-\d{4}\b|\(?\b\d{3}\)?[-. ]\d{3}[-. ]\d{4}\b", re.ASCII)
# words that say a name is an organisation's (a payer, a clinic, a department), not a person's
_ORG = re.compile(
    r"\b(health|healthcare|plan|plans|insurance|insurer|assurance|mutual|benefits?|care|medicare|medicaid|"
    r"tricare|blue|cross|shield|hmo|ppo|epo|pos|inc|llc|llp|corp|corporation|company|co|group|associates|"
    r"partners|network|services?|systems?|hospital|clinic|center|centre|medical|medicine|physicians?|"
    r"practice|department|dept|unit|infusion|pharmacy|oncology|rheumatology|immunology|neurology|"
    r"foundation|trust|fund|administrators?|tpa|commercial|government|state|county|university|"
    r"self[- ]?pay|unknown|other)\b",
    re.I,
)
_NPI = re.compile(r"\d{10}", re.ASCII)
# characters no payer or clinic name needs, that markup or a terminal would act on
_MARKUP = re.compile(r"[<>`\\\x00-\x1f\x7f-\x9f]")


def shape_of(value: object, kind: str) -> bool:
    """Whether ``value`` is made only of what a value of ``kind`` (date, units, code, key)
    is made of: digits and separators, a code's letters and digits, an identifier with a digit."""
    return isinstance(value, str) and _SHAPES[kind].fullmatch(value.strip()) is not None


def show_value(value: object, kind: str) -> str:
    """``'2026-13-01'`` when the value has the shape of its kind (``shape_of``); ``(empty)``; or
    ``(a value of N characters, not shown)``: text of another shape may be a patient's."""
    if value is None or not str(value).strip():
        return "(empty)"
    text = str(value).strip()
    if shape_of(text, kind):
        return f"'{text}'"
    kinds = [
        k
        for k, has in (
            ("letters", any(c.isalpha() for c in text)),
            ("digits", any(c.isdigit() for c in text)),
            ("spaces", any(c.isspace() for c in text)),
            ("other characters", any(not (c.isalnum() or c.isspace()) for c in text)),
        )
        if has
    ]
    return f"(a value of {len(text):,} character{'s' if len(text) > 1 else ''}: {', '.join(kinds)}; not shown)"


@lru_cache(maxsize=1)
def _key() -> bytes:
    given = os.environ.get("INFUSION_REDACT_KEY", "")
    return given.encode() if given else secrets.token_bytes(16)


def digest(value: object, kind: str) -> str:
    """``kind#`` and 10 hex digits of HMAC-SHA256(value) under the run's key (see module doc)."""
    mac = hmac.new(_key(), str(value).strip().encode("utf-8", "surrogatepass"), hashlib.sha256)
    return f"{kind}#{mac.hexdigest()[:10]}"


def show_key(value: object) -> str | None:
    """A claim id as written when it has a key's shape and is not shaped like a person's number,
    else its digest (None for none)."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if shape_of(text, "key") and not _PERSON_NUMBER.fullmatch(text):
        return text
    return digest(text, "claim")


# RE2 (pyarrow) forms of a subset of what ``show_key`` and ``show_line`` write as they are: values
# with no space around them, of the key's characters with a digit (and not a person's number), or a
# line number's digits. ``show_all`` finds those in bulk; every other value goes to the function.
_PLAIN_RE2 = {"key": (r"^[A-Za-z0-9_.:#/\-]{1,40}$", r"[0-9]"), "line": (r"^[0-9]{1,6}$", r"^")}
_PERSON_RE2 = r"^(?:\b\d{3}-\d{2}-\d{4}\b|\(?\b\d{3}\)?[-. ]\d{3}[-. ]\d{4}\b)$"


def show_all(values: Iterable[object], kind: str) -> list[str | None]:
    """``show_key`` (``kind`` "key") or ``show_line`` ("line") of each value, the same answers, with
    the plain values (most claim ids and line numbers) recognised in bulk, not one call each."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    show = show_key if kind == "key" else show_line
    if isinstance(values, (pa.Array, pa.ChunkedArray)) and (
        pa.types.is_string(values.type) or pa.types.is_large_string(values.type)
    ):
        arr = values
        texts = arr.to_pylist()
    else:
        texts = [v if v is None or isinstance(v, str) else str(v) for v in values]
        arr = pa.array(texts, type=pa.string())
    shape, must = _PLAIN_RE2[kind]
    plain = pc.and_(pc.match_substring_regex(arr, shape), pc.match_substring_regex(arr, must))
    if kind == "key":
        plain = pc.and_(plain, pc.invert(pc.match_substring_regex(arr, _PERSON_RE2)))
    out: list[str | None] = list(texts)
    for i in np.flatnonzero(~plain.fill_null(False).to_numpy(zero_copy_only=False)).tolist():
        out[i] = show(texts[i])
    return out


def show_line(value: object) -> str | None:
    """A line number as written when it is at most six digits, else its digest."""
    if value is None:
        return None
    text = str(value).strip()
    return text if not text or shape_of(text, "line") else digest(text, "line")


def show_org(value: object, kind: str = "payer", known: Callable[[str], bool] = lambda _: False) -> str:
    """A payer or provider name as written when ``known`` says the payer table knows it, its words
    say it is an organisation, or it is an NPI or an identifier (a key with a digit: ``P24``,
    ``60054``), and it holds no person's number, member id, date, markup or control character; else
    its digest (``payer#...``)."""
    text = "" if value is None else str(value).strip()
    if not text:
        return text
    if (
        len(text) <= 120
        and (_NPI.fullmatch(text) or shape_of(text, "key") or _ORG.search(text) or known(text))
        and not _PERSON_NUMBER.search(text)
        and not _has_member_id(text)
        and not _MARKUP.search(text)
    ):
        return text
    return digest(text, kind)


def _has_member_id(text: str) -> bool:
    """Whether a name holds what looks like a member or person id: a run of 6 or more digits with
    letters before it (``MBR998877665``), or a date of birth."""
    return bool(
        re.search(r"[A-Za-z]{1,4}\d{6,}|\b(19|20)\d{2}[-/]?\d{2}[-/]?\d{2}\b|\b\d{1,2}/\d{1,2}/(19|20)\d{2}\b", text)
    )


def header_listing(header: list[str], found: Iterable[str], most: int = 40) -> str:
    """``columns: a, b, c`` when ``found`` (the columns recognised in it) is not empty; otherwise a
    sentence saying the first line names none of them and may be a data row, with only its number
    of fields (its values may be a patient's)."""
    if not list(found):
        return (
            f"its first line, of {len(header)} field(s), names none of the columns an audit needs: "
            "if the file has no header line, add one (the fields are not shown: they may be "
            "patient data)"
        )
    names = [h if len(h) <= 40 else h[:37] + "..." for h in header[:most]]
    more = f" and {len(header) - most} more" if len(header) > most else ""
    return f"columns: {', '.join(names)}{more}"


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _starts_like_formula(values: Iterable[object]) -> "np.ndarray":
    """Whether each of ``values`` (the distinct values of a column) is text that starts like a
    formula: judged by pyarrow when they are all text (a column of claim ids has a value per
    line), else one by one (text among other objects)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        texts = pa.array(values, from_pandas=True)  # text infers a string type; bytes, numbers ... do not
    except (pa.ArrowException, TypeError):
        texts = None
    if texts is None or not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
        return np.array([isinstance(v, str) and v.startswith(_FORMULA) for v in values], dtype=bool)
    firsts = pc.utf8_slice_codeunits(texts, 0, 1)
    return pc.fill_null(pc.is_in(firsts, pa.array(_FORMULA, pa.large_string())), False).to_numpy(zero_copy_only=False)


def spreadsheet_safe(df: "pd.DataFrame") -> "pd.DataFrame":
    """``df`` with every text cell that starts like a formula prefixed with ``'`` (numbers, dates
    and missing values as they are), for writing as CSV; a copy when anything changes."""
    import numpy as np
    import pandas as pd

    out = df
    for name in df.columns:
        col = df[name]
        if col.dtype != object and not isinstance(col.dtype, pd.StringDtype):
            continue
        # judged once per distinct value (a findings column repeats a few hundred texts)
        codes, values = pd.factorize(col)
        risky_value = _starts_like_formula(values)
        risky = pd.Series(np.append(risky_value, False)[codes], index=col.index)  # -1 (missing): not risky
        if risky.any():
            if out is df:
                out = df.copy()
            out[name] = col.where(~risky, "'" + col.astype(str))
    return out
