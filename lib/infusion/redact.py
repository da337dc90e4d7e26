"""What of an input may be written out: one place that decides how a value is shown.

Claims extracts hold patient data, in columns the audit never reads (names, member ids, notes) and,
in a misaligned or hostile file, in the columns it does read. So outputs and messages follow three
rules, applied here:

* a value is quoted only when it has the shape of what its column holds (``shape_of``: a date, a
  unit count, a code, a claim or line key); any other value is described by its length, never
  shown (``show_value``);
* a header is listed in a message only when it is a header: when the first line of a file names
  none of the columns the audit needs, it may be a data row (a file without its header line), and
  only the number of its fields is given (``header_listing``);
* a text cell written to a CSV output that a spreadsheet would run as a formula (it starts with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is prefixed with ``'``, as OWASP's "CSV
  injection" guidance says (``spreadsheet_safe``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

# the characters a value of each kind of column is made of (ASCII only)
_SHAPES = {
    "date": re.compile(r"[0-9][0-9/.\- :T]{0,24}", re.ASCII),
    # a count, or the 837 reader's own note on a quantity that is not in units (``x12``)
    "units": re.compile(r"[-+]?[0-9][0-9.,]{0,11}|[0-9.]{1,12} (minutes|unit basis [A-Z0-9]{1,3}) "
                        r"\(SV[12]0[345] [A-Z0-9]{1,3}, not units: not converted; bill units, UN\)", re.ASCII),
    "code": re.compile(r"(?=[A-Za-z]{0,7}[0-9])[A-Za-z0-9.\-]{1,8}", re.ASCII),
    "key": re.compile(r"(?=[^0-9]{0,39}[0-9])[A-Za-z0-9_.:#/\-]{1,40}", re.ASCII),
}


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
    kinds = [k for k, has in (("letters", any(c.isalpha() for c in text)), ("digits", any(c.isdigit() for c in text)),
                              ("spaces", any(c.isspace() for c in text)),
                              ("other characters", any(not (c.isalnum() or c.isspace()) for c in text))) if has]
    return f"(a value of {len(text):,} character{'s' if len(text) > 1 else ''}: {', '.join(kinds)}; not shown)"


def header_listing(header: list[str], found: Iterable[str], most: int = 40) -> str:
    """``columns: a, b, c`` when ``found`` (the columns recognised in it) is not empty; otherwise a
    sentence saying the first line names none of them and may be a data row, with only its number
    of fields (its values may be a patient's)."""
    if not list(found):
        return (f"its first line, of {len(header)} field(s), names none of the columns an audit needs: "
                "if the file has no header line, add one (the fields are not shown: they may be "
                "patient data)")
    names = [h if len(h) <= 40 else h[:37] + "..." for h in header[:most]]
    more = f" and {len(header) - most} more" if len(header) > most else ""
    return f"columns: {', '.join(names)}{more}"


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell that starts like a formula prefixed with ``'`` (numbers, dates
    and missing values as they are), for writing as CSV; a copy when anything changes."""
    out = df
    for name in df.columns:
        col = df[name]
        if col.dtype != object and not isinstance(col.dtype, pd.StringDtype):
            continue
        risky = col.map(lambda v: isinstance(v, str) and v.startswith(_FORMULA))
        if risky.any():
            if out is df:
                out = df.copy()
            out[name] = col.where(~risky, "'" + col.astype(str))
    return out
