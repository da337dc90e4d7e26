"""Loaders for the official CMS physician fee schedule files, and the Medicare tables in ``data/``.

Official formats read here, so an analyst can drop in next year's CMS files:

* ``PPRRVUyy_*.csv``: the PFS relative value file, with its header block (title, copyright,
  ``RELEASED mm/dd/yyyy``) and a header spread over several rows. CMS's DESCRIPTION column holds
  AMA short descriptors and is dropped on read.
* ``GPCIyyyy.csv``: Addendum E, GPCIs by MAC and locality, with a title row and footnotes.
* ``ZIP5_*.txt``: the fixed-width ZIP code to carrier/locality file (layout ``ZIP5lyout.txt``).

Every load is validated (pandera); a failure names the file, line, column and value. The tidy
tables in ``data/medicare/`` are built from these files by ``scripts/import_shared_data.py`` and
each row carries its source; ``infusion.reference.tables`` loads them.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ..errors import DataError
from ..reference.schemas import validate

# ----------------------------------------------------------------------------- PPRRVU

# Our names for the columns of the PPRRVU file, keyed by CMS's header words joined top to bottom.
PPRRVU_COLUMNS = {
    "HCPCS": "code",
    "MOD": "mod",
    "DESCRIPTION": "description",
    "STATUS CODE": "status",
    "WORK RVU": "work_rvu",
    "NON-FAC PE RVU": "pe_nonfac",
    "NON-FAC NA INDICATOR": "nonfac_na",
    "FACILITY PE RVU": "pe_fac",
    "FACILITY NA INDICATOR": "fac_na",
    "MP RVU": "mp_rvu",
    "NON-FACILITY TOTAL": "total_nonfac",
    "FACILITY TOTAL": "total_fac",
    "PCTC IND": "pctc",
    "GLOB DAYS": "glob",
    "MULT PROC": "mult",
    "PRIC IND": "pric_ind",
    "CONV FACTOR": "cf",
}
PPRRVU_REQUIRED = ("code", "mod", "status", "work_rvu", "pe_nonfac", "fac_na", "mp_rvu", "glob", "cf")
_NUM = ("work_rvu", "pe_nonfac", "pe_fac", "mp_rvu", "total_nonfac", "total_fac", "cf")

PPRRVU_SCHEMA = pa.DataFrameSchema(
    {
        "code": pa.Column(str, pa.Check.str_matches(r"^[0-9A-Z]{4}[0-9A-Z]$")),
        "mod": pa.Column(str, pa.Check.str_matches(r"^([0-9A-Z]{2})?$")),
        "status": pa.Column(str, pa.Check.str_matches(r"^[A-Z]$")),
        "work_rvu": pa.Column(float, pa.Check.ge(0)),
        "pe_nonfac": pa.Column(float, pa.Check.ge(0)),
        "mp_rvu": pa.Column(float, pa.Check.ge(0)),
        "cf": pa.Column(float, pa.Check.in_range(10, 100)),
    },
    strict=False,
)


def _header_block(path: Path, max_lines: int = 20) -> tuple[list[list[str]], int]:
    """The rows up to and including the one whose first cell is HCPCS, and its index."""
    rows: list[list[str]] = []
    with path.open(newline="", encoding="latin-1") as fh:
        for i, row in enumerate(csv.reader(fh)):
            rows.append(row)
            if row and row[0].strip().upper() == "HCPCS":
                return rows, i
            if i >= max_lines:
                break
    raise DataError(
        f"{path.name}: no header row starting with HCPCS in the first {max_lines} lines; is this a CMS PPRRVU file?"
    )


def read_pprrvu(path: str | Path, codes: list[str] | None = None) -> pd.DataFrame:
    """Read a CMS PPRRVU CSV into a tidy frame (no DESCRIPTION), optionally only ``codes``.

    Adds ``release`` (the RELEASED date in the header block, ISO) and ``title`` columns.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: file not found")
    rows, header_idx = _header_block(p)
    title = next((c.strip() for r in rows for c in r if "Relative Value File" in c), "")
    released = next(
        (m.group(1) for r in rows for c in r for m in [re.search(r"RELEASED\s+(\d{2}/\d{2}/\d{4})", c)] if m), ""
    )
    width = len(rows[header_idx])
    # The header's words are spread over the rows after the RELEASED line: join them per column.
    start = next((i for i, r in enumerate(rows) if any("RELEASED" in c for c in r)), 0) + 1
    names = []
    for col in range(width):
        parts = [r[col].strip() for r in rows[start : header_idx + 1] if col < len(r) and r[col].strip()]
        # the top row's NON-FACILITY/FACILITY only label the OPPS columns at the right
        names.append(" ".join(parts))
    mapped = {}
    for col, name in enumerate(names):
        key = re.sub(r"\s+", " ", name.upper()).strip()
        if key in PPRRVU_COLUMNS:
            mapped[col] = PPRRVU_COLUMNS[key]
    missing = [c for c in PPRRVU_REQUIRED if c not in mapped.values()]
    if missing:
        raise DataError(
            f"{p.name}: header has no column for {', '.join(missing)} (found: {', '.join(n for n in names if n)})"
        )
    df = pd.read_csv(
        p,
        skiprows=header_idx + 1,
        header=None,
        dtype=str,
        keep_default_na=False,
        encoding="latin-1",
        usecols=sorted(mapped),
    )
    df.columns = [mapped[c] for c in sorted(mapped)]
    df = df.drop(columns=["description"], errors="ignore")
    for c in df.columns:  # strip blanks and control characters (a DOS end-of-file byte, 0x1A)
        df[c] = df[c].str.strip(" \t\r\n\x1a")
    df = df[df["code"] != ""].copy()
    if codes is not None:
        df = df[df["code"].isin(codes)].copy()
    for c in _NUM:
        if c in df.columns:
            bad = pd.to_numeric(df[c], errors="coerce").isna() & (df[c] != "")
            if bad.any():
                i = bad.idxmax()
                raise DataError(
                    f"{p.name} line {int(i) + header_idx + 2} column {c!r}: value {df.at[i, c]!r} is not a number"
                )
            df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
    df["release"] = pd.to_datetime(released, format="%m/%d/%Y").date().isoformat() if released else ""
    df["title"] = title
    # row label i (0-based after the header row, kept through filtering) is file line header_idx + 2 + i
    return validate(df, PPRRVU_SCHEMA, p, line_offset=header_idx + 2)


# ----------------------------------------------------------------------------- GPCI

GPCI_SCHEMA = pa.DataFrameSchema(
    {
        "mac": pa.Column(str, pa.Check.str_matches(r"^\d{5}$")),
        "state": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{2}$")),
        "locality": pa.Column(str, pa.Check.str_matches(r"^\d{2}$")),
        "locality_name": pa.Column(str),
        "pw_gpci": pa.Column(float, pa.Check.in_range(0.3, 3.0)),
        "pe_gpci": pa.Column(float, pa.Check.in_range(0.3, 3.0)),
        "mp_gpci": pa.Column(float, pa.Check.in_range(0.1, 5.0)),
    },
    strict=False,
    unique=["mac", "locality"],
)


def read_gpci(path: str | Path) -> pd.DataFrame:
    """Read a CMS Addendum E GPCI CSV: mac, state, locality, name, pw (with floor), pe, mp GPCIs.

    Where the file also gives the work GPCI without the 1.0 floor (2026), it is kept as
    ``pw_gpci_no_floor``. The year is read from the title row (``... CY 2025 GEOGRAPHIC ...``).
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: file not found")
    with p.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    title = rows[0][0] if rows and rows[0] else ""
    m = re.search(r"CY\s*(\d{4})", title)
    year = int(m.group(1)) if m else None
    hdr = next((i for i, r in enumerate(rows) if r and r[0].startswith("Medicare Administrative")), None)
    if hdr is None:
        raise DataError(f"{p.name}: no header row starting with 'Medicare Administrative Contractor'")
    header = [h.strip() for h in rows[hdr]]

    def find_optional(pattern: str) -> int | None:
        return next((i for i, h in enumerate(header) if re.search(pattern, h, re.I)), None)

    def find(pattern: str) -> int:
        i = find_optional(pattern)
        if i is None:
            raise DataError(f"{p.name} line {hdr + 1}: no column matching {pattern!r} in {header}")
        return i

    c_state, c_loc, c_name = find(r"^State"), find(r"Locality Number"), find(r"Locality Name")
    c_pw = find(r"PW GPCI \(with 1\.0 Floor\)")
    c_pw_nf = find_optional(r"PW GPCI \(without 1\.0 Floor\)")
    c_pe, c_mp = find(r"PE GPCI"), find(r"MP GPCI")
    out = []
    for i, r in enumerate(rows[hdr + 1 :], start=hdr + 2):
        if not r or not r[0].strip().isdigit():
            continue  # footnotes and blank lines
        rec = {
            "mac": r[0].strip().zfill(5),
            "state": r[c_state].strip(),
            "locality": r[c_loc].strip().zfill(2),
            "locality_name": r[c_name].strip().rstrip("*"),
            "line": i,
        }
        for key, col in (("pw_gpci", c_pw), ("pe_gpci", c_pe), ("mp_gpci", c_mp), ("pw_gpci_no_floor", c_pw_nf)):
            if col is None:
                continue
            try:
                rec[key] = float(r[col])
            except ValueError:
                raise DataError(f"{p.name} line {i} column {header[col]!r}: value {r[col]!r} is not a number") from None
        out.append(rec)
    df = pd.DataFrame(out)
    df["year"] = year
    df = validate(df.set_index("line"), GPCI_SCHEMA, p, line_offset=0)  # labels are file lines
    return df.reset_index(drop=True)


# ----------------------------------------------------------------------------- ZIP5

# (name, first column, last column), 1-based inclusive, from ZIP5lyout.txt
ZIP5_LAYOUT = (
    ("state", 1, 2),
    ("zip", 3, 7),
    ("carrier", 8, 12),
    ("locality", 13, 14),
    ("rural", 15, 15),
    ("plus_four", 21, 21),
    ("year_quarter", 76, 80),
)

ZIP5_SCHEMA = pa.DataFrameSchema(
    {
        "state": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{2}$")),
        "zip": pa.Column(str, pa.Check.str_matches(r"^\d{5}$")),
        "carrier": pa.Column(str, pa.Check.str_matches(r"^\d{5}$")),
        "locality": pa.Column(str, pa.Check.str_matches(r"^\d{2}$")),
        "year_quarter": pa.Column(str, pa.Check.str_matches(r"^\d{5}$")),
    },
    strict=False,
)


def read_zip5(path: str | Path) -> pd.DataFrame:
    """Read the CMS ZIP5 fixed-width file (ZIP code to carrier and pricing locality)."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: file not found")
    colspecs = [(a - 1, b) for _, a, b in ZIP5_LAYOUT]
    df = pd.read_fwf(
        p, colspecs=colspecs, names=[n for n, _, _ in ZIP5_LAYOUT], dtype=str, keep_default_na=False, encoding="latin-1"
    )
    for c in df.columns:
        df[c] = df[c].str.strip()
    return validate(df, ZIP5_SCHEMA, p, line_offset=1)  # no header: label 0 is line 1
