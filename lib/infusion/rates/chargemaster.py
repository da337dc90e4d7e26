"""Hospital chargemasters that predate the CMS template (CSV or a spreadsheet, any sheet).

Such files (2020-2022 chargemasters and shoppable-service lists) have a free layout: a few rows of
preamble, then a header row naming a code column (``CPT/HCPCS``, ``CPT Cd.``, ``Code``), a
description, and one or more amount columns. Each column's role is read from its header:

* ``code``: a header naming CPT or HCPCS, else one named just ``Code`` / ``Service ID`` /
  ``Procedure Code``;
* ``gross charge``: ``Gross``, ``Charge(s)``, ``Price``, ``Fee``, ``Unit Price`` ...; on a sheet
  whose name or title says cash (``Discount Cash Price - Gross``), such a column is a cash price;
* ``discounted cash``: ``Cash``, ``Self-Pay``, ``Prompt Pay``;
* ``de-identified min / max``: ``Minimum`` / ``Maximum`` / ``Min Reimb`` (kept out of the rates);
* a payer: ``Payer Negotiated Charge: NAME``; ``... Expected Reimbursement`` with the payer's name in
  the cell above; or a header that is none of the above, is not an identifier (department,
  revenue code, charge code, NDC, ...) and holds amounts in the rows of the requested codes.

``column_map`` (``--map ROLE=HEADER``, roles ``code``, ``gross``, ``cash``, ``payer:NAME``) names a
column's role where the header does not say it. Every column's role goes in the manifest, and the
file is refused, naming the columns found and the map that would read them, when no code column
is found. Rows get ``billing_class`` from the caller (hospital charges: institutional).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..bounds import check_spreadsheet
from ..errors import DataError, shown
from ..reference.payers import known_payer
from .model import Extraction, payer_fields

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
MAX_CHARGEMASTER_BYTES = 256 << 20  # the largest real chargemaster CSV seen is 4 MB; read whole, decoded
HEADER_SCAN_ROWS = 60
_CPT = re.compile(r"\bcpt|hcpcs", re.I)
_CODE = re.compile(r"^\s*(code|service id|procedure code|cpt code|hcpcs code)\s*$", re.I)
_CASH = re.compile(r"cash|self[- ]?pay|prompt pay", re.I)
_MINMAX = re.compile(r"\bmin(imum)?\b|\bmax(imum)?\b", re.I)
_GROSS = re.compile(
    r"gross|^\s*charges?\s*$|price|\bfee\b|standard charge|^\s*amount\s*$|^\s*rate\s*$|"
    r"^\s*charges?\s*[(\[-]?\s*(in|out)[- ]?patient\s*[)\]]?\s*$|"
    r"^\s*(in|out)[- ]?patient\s+charges?\s*$",
    re.I,
)
_PAYER_HEADER = re.compile(r"payer negotiated (charge|rate)s?\s*:\s*(.+)", re.I)
_EXPECTED = re.compile(r"expected (reimbursement|payment)|negotiated (charge|rate)|reimb", re.I)
# identifiers and account numbers, never amounts: codes, departments, revenue codes, general-ledger
# accounts (GL), OSHPD's NRV (the revenue code column of California chargemasters), cost centres
_IDENT = re.compile(
    r"\bcodes?\b|\bcd\b|dept|department|\brev\b|revenue|\bcdm\b|charge ?code|chargecode|item|\bid\b|#|"
    r"\bgl\b|general ledger|\bnrv\b|\bacct\b|account|cost ?cent|\bsub ?acct\b|\bledger\b|"
    r"number|\bndc\b|units?\b|qty|quantity|category|service line|type|description|"
    r"\bdesc\b|name|location only|status|modifier",
    re.I,
)
_SETTING = re.compile(
    r"inpatient\s*/\s*outpatient|^\s*(service\s*)?setting\s*$|service_setting|patient type|"
    r"^\s*ip\s*/\s*op\s*$",
    re.I,
)
_NOT_GIVEN = {"", "N/A", "NA", "-", "NONE", "NULL", "TBD", "N/C", "NC"}


@dataclass
class Column:
    """One column of the header row and what it is read as."""

    index: int
    header: str
    role: str  # code, description, gross charge, discounted cash, payer, min/max, setting, not read
    payer: str = ""
    setting: str = ""


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v).strip()


def _code(v: Any) -> str:
    text = _text(v).upper()
    return text[:-2] if re.fullmatch(r"\d{5}\.0", text) else text


def _rows_of(path: Path) -> Iterator[tuple[str, Iterator[list[Any]]]]:
    """(sheet name, rows) for each sheet of a spreadsheet, or ("", rows) for a CSV."""
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if path.suffix.lower() in SPREADSHEET_SUFFIXES or magic == b"PK":
        from python_calamine import CalamineWorkbook

        check_spreadsheet(path, "file")  # before the reader, which aborts on a sheet it cannot hold
        try:
            wb = CalamineWorkbook.from_path(str(path))
        except Exception as err:  # noqa: BLE001 - calamine raises its own types for a damaged file
            raise DataError(f"{path.name}: not a readable spreadsheet ({type(err).__name__}: {err})") from None
        for name in wb.sheet_names:
            yield name, iter(wb.get_sheet_by_name(name).to_python(skip_empty_area=False))
        return
    if path.stat().st_size > MAX_CHARGEMASTER_BYTES:
        raise DataError(
            f"{path.name}: a CSV of more than {MAX_CHARGEMASTER_BYTES >> 20} MB is not a chargemaster "
            "this reader holds in memory; refused"
        )
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig") if _is_utf8(raw) else raw.decode("cp1252", errors="replace")
    yield "", csv.reader(io.StringIO(text, newline=""))


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _roles(header: list[Any], above: list[Any], sheet_kind: str | None, column_map: dict[str, str]) -> list[Column]:
    """Each column's role. ``sheet_kind`` is the kind of amount a sheet holds when its name or
    title says so ("Gross Charges", "Discount Cash Price - Gross"): its amount columns are that
    kind, whatever their header says."""
    mapped = {v.strip().lower(): k for k, v in column_map.items()}
    names = [_text(h) for h in header]
    code_at = next((i for i, h in enumerate(names) if mapped.get(h.lower()) == "code"), None)
    if code_at is None and "code" not in column_map:
        code_at = next((i for i, h in enumerate(names) if _CPT.search(h)), None)
        if code_at is None:
            code_at = next((i for i, h in enumerate(names) if _CODE.match(h)), None)
    cols = []
    for i, h in enumerate(names):
        ip = bool(re.search(r"inpatient|\bip\b", h, re.I)) and not _SETTING.search(h)
        op = bool(re.search(r"outpatient|\bop\b", h, re.I)) and not _SETTING.search(h)
        setting = "both" if ip and op else "inpatient" if ip else "outpatient" if op else ""
        role = mapped.get(h.lower())
        if i == code_at:
            cols.append(Column(i, h, "code"))
        elif role in ("gross", "cash"):
            cols.append(Column(i, h, "gross charge" if role == "gross" else "discounted cash", setting=setting))
        elif role and role.startswith("payer:"):
            cols.append(Column(i, h, "payer", role.split(":", 1)[1].strip(), setting))
        else:
            cols.append(_header_role(i, h, above, sheet_kind, setting))
    return cols


def _header_role(i: int, h: str, above: list[Any], sheet_kind: str | None, setting: str) -> Column:
    """The role a column's header (and the row above it) says, when no --map names it."""
    if not h:
        return Column(i, h, "empty")
    if m := _PAYER_HEADER.search(h):
        return Column(i, h, "payer", m.group(2).strip(), setting)
    if _MINMAX.search(h):
        return Column(i, h, "min/max")
    if _EXPECTED.search(h) and i < len(above) and _text(above[i]):
        return Column(i, h, "payer", _text(above[i]), setting)
    if _CASH.search(h):
        return Column(i, h, "discounted cash", setting=setting)
    if _GROSS.search(h):
        return Column(i, h, "discounted cash" if sheet_kind == "discounted cash" else "gross charge", setting=setting)
    descriptive = _IDENT.search(h) or _SETTING.search(h) or re.search(r"desc", h, re.I)
    if sheet_kind and not descriptive:
        return Column(i, h, sheet_kind, setting=setting)
    if _SETTING.search(h):
        return Column(i, h, "setting")
    if re.search(r"desc", h, re.I):
        return Column(i, h, "description")
    if _IDENT.search(h) or (re.fullmatch(r"[A-Z]{1,4}", h.strip()) and not known_payer(h)):
        return Column(i, h, "not read")  # an id, or a short code (GL, NRV, RC): an account, not a payer
    return Column(i, h, "payer?", h, setting)  # a payer if it holds amounts


def _find_header(
    rows: Iterator[list[Any]], column_map: dict[str, str]
) -> tuple[list[Any] | None, list[Any], int, list[list[Any]]]:
    """(header row, the row above it, its 1-based row number, the rows before it)."""
    before: list[list[Any]] = []
    want = column_map.get("code", "").strip().lower()
    for n, row in enumerate(rows, start=1):
        names = [_text(c) for c in row]
        if (want and want in (x.lower() for x in names)) or (
            not want
            and (
                any(_CPT.search(x) and len(x) < 60 for x in names)
                or (any(_CODE.match(x) for x in names) and sum(bool(x) for x in names) >= 3)
            )
        ):
            return row, (before[-1] if before else []), n, before
        before.append(row)
        if n >= HEADER_SCAN_ROWS:
            break
    return None, [], 0, before


def read_chargemaster(
    path: str | Path, codes: set[str], billing_class: str = "institutional", column_map: dict[str, str] | None = None
) -> Extraction:
    """Rates of ``codes`` from a non-template chargemaster (see module doc)."""
    p = Path(path)
    column_map = _checked_map(p, column_map)
    ex = Extraction(str(p), "chargemaster-" + ("xlsx" if p.suffix.lower() in SPREADSHEET_SUFFIXES else "csv"))
    entity = ""
    sheets_read = 0
    seen_headers: list[str] = []
    for sheet, rows in _rows_of(p):
        where = f"sheet {shown(sheet)}" if sheet else "the file"
        header, above, at, preamble = _find_header(rows, column_map)
        name = _entity(preamble) or entity or p.stem  # a workbook may hold one hospital per sheet
        entity = entity or _entity(preamble)
        if header is None:
            if preamble:
                seen_headers.append(f"{where}: " + ", ".join(repr(_text(c)) for c in preamble[0] if _text(c))[:200])
            ex.warnings.append(
                f"{where}: no header row naming a CPT/HCPCS code column in its first {HEADER_SCAN_ROWS} rows: not read"
            )
            continue
        display = f"{sheet} {_charge_display(preamble)}"
        sheet_kind = (
            "discounted cash"
            if _CASH.search(display)
            else "gross charge"
            if re.search(r"gross charges?|charge display", display, re.I)
            else None
        )
        read = _SheetRead(
            ex, p, name, f"{sheet}: " if sheet else "", _roles(header, above, sheet_kind, column_map), billing_class
        )
        sheets_read += 1
        read.rows(rows, codes)
    if not sheets_read:
        found = "; ".join(seen_headers) or "none"
        raise DataError(
            f"{p.name}: not a CMS template file, and no header row naming a CPT/HCPCS code "
            f"column was found (first rows: {found}); name the code column with "
            "--map code=HEADER (and gross=, cash=, payer:NAME= for amount columns)"
        )
    _column_warnings(ex)
    return ex


def _checked_map(p: Path, column_map: dict[str, str] | None) -> dict[str, str]:
    """The ``--map`` roles, lower-cased; DataError for a role a chargemaster has not."""
    column_map = {k.strip().lower(): v for k, v in (column_map or {}).items()}
    for role in column_map:
        if role not in ("code", "gross", "cash") and not role.startswith("payer:"):
            raise DataError(
                f"{p.name}: --map {role}=...: a chargemaster column map takes the roles "
                "code, gross, cash and payer:NAME"
            )
    return column_map


def _column_warnings(ex: Extraction) -> None:
    unread = [k for k, v in ex.columns.items() if v == "not read"]
    if unread:
        ex.warnings.append(f"{len(unread)} column(s) not read: " + ", ".join(repr(u) for u in unread[:20]))
    guessed = [k for k, v in ex.columns.items() if "header read as a payer name" in v]
    if guessed:
        ex.warnings.append(
            "column(s) read as payers from their header alone: " + ", ".join(repr(g) for g in guessed[:20])
        )


class _SheetRead:
    """The rows of one sheet (or CSV) whose header was found: each amount of a requested code."""

    def __init__(self, ex: Extraction, p: Path, name: str, prefix: str, cols: list, billing_class: str):
        self.ex, self.p, self.name, self.prefix, self.cols = ex, p, name, prefix, cols
        self.billing_class = billing_class
        self.code_col = next(c for c in cols if c.role == "code")
        self.setting_col = next((c for c in cols if c.role == "setting"), None)
        self.amount_cols = [c for c in cols if c.role in ("gross charge", "discounted cash", "payer", "payer?")]
        self.payer_guess_seen = {c.index: False for c in cols if c.role == "payer?"}
        for c in cols:
            if c.role != "empty":
                ex.columns[prefix + c.header] = c.role + (f" ({c.payer})" if c.payer else "")

    def rows(self, rows: Iterable[list], codes: set[str]) -> None:
        ex = self.ex
        for row in rows:
            if not any(_text(v) for v in row):
                continue
            ex.items_read += 1
            code = _code(row[self.code_col.index]) if self.code_col.index < len(row) else ""
            if code not in codes:
                continue
            ex.items_matched += 1
            before = len(ex.rows)
            self.amounts(row, code)
            if len(ex.rows) == before:
                ex.count("row of a requested code with no charge in it")
        for c in self.cols:
            if c.role == "payer?":
                ex.columns[self.prefix + c.header] = (
                    f"payer ({c.payer}): header read as a payer name" if self.payer_guess_seen[c.index] else "not read"
                )

    def amounts(self, row: list, code: str) -> None:
        ex, sc = self.ex, self.setting_col
        row_setting = _text(row[sc.index]).lower() if sc and sc.index < len(row) else ""
        for c in self.amount_cols:
            raw = row[c.index] if c.index < len(row) else None
            value = _amount(raw)
            if value is None:
                text = _text(raw)
                if c.role == "payer?" and text and text.upper() not in _NOT_GIVEN:
                    continue  # text, not amounts: not a payer column after all
                if text:
                    ex.count(f"charge given as {shown(text)} (no amount)")
                continue
            if value == 0:
                ex.count("charge of 0 (taken as not given)")
                continue
            if c.role == "payer?":
                self.payer_guess_seen[c.index] = True
            kind = "negotiated" if c.role in ("payer", "payer?") else c.role
            payer = c.payer if kind == "negotiated" else ""
            setting = c.setting or (row_setting if row_setting in ("inpatient", "outpatient") else None)
            ex.rows.append(
                {
                    "source_file": str(self.p),
                    "source_format": ex.source_format,
                    "reporting_entity": self.name,
                    "payer_name": payer or None,
                    "plan_name": None,
                    "plan_id": None,
                    "plan_market_type": None,
                    "billing_code": code,
                    "billing_code_type": "CPT",
                    "negotiation_arrangement": "ffs",
                    "negotiated_type": kind,
                    "rate": value,
                    "billing_class": self.billing_class,
                    "service_codes": "",
                    "modifiers": "",
                    "provider_key": f"hospital:{self.name}",
                    "provider_groups": 1,
                    "npi_count": None,
                    "remote_reference": False,
                    "expiration_date": None,
                    "last_updated": None,
                    "illustrative": False,
                    "state": None,
                    **payer_fields(payer, "", setting),
                    "source_column": self.prefix
                    + c.header
                    + (f" [{c.payer}]" if payer and payer not in c.header else ""),
                }
            )


def _amount(v: Any) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v) if v == v and abs(v) != float("inf") and v >= 0 else None
    text = str(v).strip().replace("$", "").replace(",", "")
    if not text or text.upper() in _NOT_GIVEN:
        return None
    try:
        f = float(text)
    except ValueError:
        return None
    return f if f == f and abs(f) != float("inf") and f >= 0 else None


def _charge_display(preamble: list[list[Any]]) -> str:
    """The value of a "Charge Display" cell in the preamble (what kind of charge a sheet lists)."""
    for row in preamble:
        cells = [_text(c) for c in row]
        for j, c in enumerate(cells):
            if re.fullmatch(r"charge display:?", c, re.I):
                return next((x for x in cells[j + 1 :] if x), "")
    return ""


def _entity(preamble: list[list[Any]]) -> str:
    """The hospital's name where the preamble gives it ("Hospital Name", then the value beside or
    below it)."""
    for i, row in enumerate(preamble):
        cells = [_text(c) for c in row]
        for j, c in enumerate(cells):
            if re.fullmatch(r"hospital name:?", c, re.I):
                if j + 1 < len(cells) and cells[j + 1]:
                    return cells[j + 1]
                if i + 1 < len(preamble):
                    below = _text(preamble[i + 1][j]) if j < len(preamble[i + 1]) else ""
                    if below:
                        return below
    return ""
