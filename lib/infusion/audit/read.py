"""Reading a claims file block by block into the compact arrays the checks use.

CSV is read in blocks of whole lines (``block_mb``, into four reused buffers), each parsed by
pyarrow in one of two worker threads; Parquet by record batches; a spreadsheet (``.xlsx``,
``.xlsm``, ``.xlsb``, ``.xls``, ``.ods``: its first sheet or the one named, header in the first row)
by python-calamine, in batches of rows; an X12 837 by ``x12.X12Reader``. Only the columns the audit
uses are converted (patient columns are never read; a spreadsheet's are parsed with its sheet, never
kept), the short repeated values as dictionaries, and each block's values are parsed per distinct
value (``values.Distinct``) in a worker thread while the next block is read. Rows that cannot be
read go to rejects with their row number and reason:

* a malformed CSV row (wrong number of fields),
* missing claim id or line number,
* a date of service that is not a date, units that are not a whole number >= 0,
* a code that is not five letters or digits.

Of the rest, only lines of the 96369-96372 family are kept (and those of the other initial
administration codes, ``OTHER_INITIAL``, for S-INITIAL), so memory grows with those lines, not
with the file. Lines of void claims (claim frequency 8, in a ``claim_frequency`` column, as the
last digit of a type of bill, or an 837's CLM05-3) are left out and counted (``Lines.void``, and
a note): a void claim cancels an earlier one, its lines are not services to audit. So for every
input, lines in = lines checked + lines of void claims + rejects.

A value in quotes may hold line breaks (a free-text column, for example). The blocks are cut at the
last line break of each block, which may fall inside such a value: the record cut in two is then
malformed on one side of the cut or the other (it has fewer fields than the header), and the
malformed piece holds a quote. So when a malformed row holds a quote, the file is read again with
pyarrow's quote-aware reader (``newlines_in_values``, records parsed in order by one thread:
slower, never cut inside a value), and that second reading is the result.
"""

from __future__ import annotations

import codecs
import csv
import io
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..errors import InputError, shown
from . import values as V
from . import x12
from .columns import resolve_columns

FAMILY = ("96369", "96370", "96371", "96372")
# the other initial drug administration codes of CMS's RAC topic 0071 (S-INITIAL): their lines are
# kept (code index 4 and up, after FAMILY) only to be seen beside a 96369, never checked themselves
OTHER_INITIAL = ("96360", "96365", "96374", "96409", "96413")
KEPT = FAMILY + OTHER_INITIAL
SPREADSHEET = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
REJECT_REASONS = ("", "missing claim_id", "missing line_number", "bad date_of_service",
                  "non-numeric units", "unknown code format")
VALUE_OF = {3: "date_of_service", 4: "units", 5: "code"}  # reason -> the column whose value it quotes
SHAPE_OF = {"date_of_service": "date", "units": "units", "code": "code"}  # its kind (``redact.show_value``)
WHY = {"line_number": 2, "date_of_service": 3, "units": 4, "code": 5}  # column -> its reject reason


@dataclass
class Lines:
    """Family lines (one array entry per line; with the lines of ``OTHER_INITIAL`` codes, whose
    code index is ``len(FAMILY)`` or more) and what the reading found."""

    claim: pa.ChunkedArray          # claim id, trimmed
    row: np.ndarray                 # data row (0-based, among well-formed rows)
    cols: dict[str, np.ndarray]     # per column: ids into ``distinct[column]`` (int16 or int32)
    distinct: dict[str, V.Distinct]
    lines_in: int = 0
    rejects: dict[str, Any] = field(default_factory=dict)  # row, claim, line_number, reason, value ids
    malformed: list[tuple[int, str]] = field(default_factory=list)  # (data row, 1-based; reason)
    dropped_phi: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the reader left out, for the user
    source_kind: str = "csv"
    by_record: bool = False  # read record by record (quote-aware): data rows may not be file lines
    quoted_breaks: bool = False  # values in quotes hold line breaks: data rows are not file lines
    segments: np.ndarray | None = None  # X12: the SV1/SV2 segment number of each data row
    void: int = 0  # readable lines of void claims: lines in, left out of the audit (not checked)


def _distinct() -> dict[str, V.Distinct]:
    i64, i32, b, o = np.int64, np.int32, np.bool_, object
    return {
        "line_number": V.Distinct(V.parse_line_number, (o, i64)),
        "date_of_service": V.Distinct(V.parse_date, (i32,)),
        "code": V.Distinct(lambda t: V.parse_code(t, KEPT), (o, b, np.int8)),
        "units": V.Distinct(V.parse_units, (i32,)),
        "modifiers": V.Distinct(lambda t: (V.modifier_tokens(t),), (o,)),
        "pos": V.Distinct(V.parse_pos, (o,)),
        "claim_type": V.Distinct(V.parse_claim_type, (b, b, b)),
        "claim_frequency": V.Distinct(V.parse_frequency, (b,)),
        "payer": V.Distinct(V.parse_payer, (o,)),
        "provider": V.Distinct(V.parse_provider, (o,)),
        "start_time": V.Distinct(V.parse_time, (np.int8, i64)),
        "stop_time": V.Distinct(V.parse_time, (np.int8, i64)),
        "zip": V.Distinct(lambda t: (V.strip(t),), (o,)),
        "locality": V.Distinct(lambda t: (V.strip(t),), (o,)),
    }


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "|", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _ascii_compatible(encoding: str) -> bool:
    """Whether ``encoding`` writes delimiters, digits and line breaks as ASCII bytes (UTF-8,
    cp1252, Latin-1 ... yes; UTF-16 and UTF-32 no)."""
    return "a,1\n".encode(encoding) == b"a,1\n"


def _wire(encoding: str) -> str:
    """The encoding the CSV parser sees: the file's own, or UTF-8 when ``_open`` transcodes it."""
    return encoding if _ascii_compatible(encoding) else "utf-8"


def sniff_encoding(path: Path, encoding: str) -> str:
    """``encoding``, or UTF-16 / UTF-32 when the default (UTF-8) was asked for and the file starts
    with a UTF-16 or UTF-32 byte-order mark (Excel's "Unicode text" export is UTF-16)."""
    if codecs.lookup(encoding).name != "utf-8":
        return encoding
    with _open(path) as fh:
        head = fh.read(4)
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return encoding


def _open(path: Path, encoding: str = "utf-8") -> pa.NativeFile:
    """The file's bytes, decompressed when its name says so (``.gz``, ``.bz2``, ``.zst``, ``.lz4``),
    and transcoded to UTF-8 when its encoding is not ASCII-compatible (UTF-16: blocks could not be
    cut at line-break bytes otherwise)."""
    stream = pa.input_stream(str(path), compression="detect")
    return stream if _ascii_compatible(encoding) else pa.transcoding_input_stream(stream, encoding, "utf-8")


def _csv_header(path: Path, encoding: str) -> tuple[list[str], str, int]:
    """Column names, delimiter and the byte length of the header line (as ``_open`` gives it)."""
    with _open(path, encoding) as fh:
        start = fh.read(1 << 20)
    raw = start[: start.find(b"\n") + 1] if b"\n" in start else start
    first = raw.decode(_wire(encoding), errors="replace").lstrip("\ufeff")
    delim = _delimiter(first)
    header = next(csv.reader(io.StringIO(first), delimiter=delim), [])
    rest = start[len(raw):]
    second = rest[: rest.find(b"\n") + 1] if b"\n" in rest else b""
    try:  # only to see whether every data line ends with a delimiter; a quoted line break may cut it
        row = next(csv.reader(io.StringIO(second.decode(_wire(encoding), errors="replace"), newline=""),
                              delimiter=delim), [])
    except csv.Error:
        row = []
    if header and header[-1] != "" and len(row) == len(header) + 1 and row[-1] == "":
        # every line ends with the delimiter but the header (CCW RIF extracts): an empty last field
        header.append(TRAILING_FIELD)
    return header, delim, len(raw)


TRAILING_FIELD = "(empty field after the last delimiter)"


def _last_line_break(view: memoryview, end: int) -> int:
    """Position after the last ``\n`` in ``view[:end]`` (0 if none), looking at its tail first."""
    tail = 1 << 16
    while True:
        start = max(end - tail, 0)
        at = bytes(view[start:end]).rfind(b"\n")
        if at >= 0 or start == 0:
            return start + at + 1 if at >= 0 else 0
        tail *= 4


_QUOTE, _LF, _CR = 34, 10, 13
BLOCK_UNIT = 1 << 20  # bytes per ``block_mb`` (tests make it small to cut blocks often)


def _record_cut(view: memoryview, end: int, delim: str, eof: bool) -> tuple[int, bool, bool]:
    """Where to cut ``view[:end]`` (which starts at a record): after its last line break that is
    not inside a quoted value (0: none; ``end`` at the end of the file), and whether its quotes
    are outside the form this reading relies on, and whether a quoted value before the cut holds a
    line break (data rows are then not file lines).

    Without a quote the cut is after the last line break. With quotes, a line break ends a record
    when an even number of quotes precede it in the block: true of every file whose quotes open a
    field (after a delimiter or a line break, or as the second of ``""``) and close one (before a
    delimiter, a line break or ``"``), as RFC 4180 and every spreadsheet write them. A quote out of
    that form (``5" tube``, ``"a"b``) anywhere in the block makes the second result True: the caller then
    reads the file record by record, where pyarrow's own quote rules apply."""
    if bytes(view[:end]).find(b'"') < 0:  # memchr: most blocks of most files (0.7 ms per 16 MB)
        return (end if eof else _last_line_break(view, end)), False, False
    data = np.frombuffer(view, dtype=np.uint8, count=end)
    quotes = np.flatnonzero(data == _QUOTE)
    breaks = np.flatnonzero(data == _LF)
    inside = np.searchsorted(quotes, breaks) % 2 == 1
    outside = breaks[~inside]
    cut = end if eof else int(outside[-1]) + 1 if len(outside) else 0
    opening, closing = quotes[0::2], quotes[1::2]  # all of the block's: a stray quote may leave no cut
    d = ord(delim)
    before = data[np.maximum(opening - 1, 0)]
    opens_ok = (opening == 0) | (before == d) | (before == _LF) | (before == _QUOTE)
    after = data[np.minimum(closing + 1, end - 1)]
    closes_ok = ((closing + 1 >= end) | (after == d) | (after == _LF) | (after == _CR) | (after == _QUOTE))
    return cut, not (opens_ok.all() and closes_ok.all()), bool(inside[breaks < cut].any())


def _csv_blocks(path: Path, encoding: str, skip: int, block_mb: int, on_bytes: Callable[[int], object],
                free: list[pa.Buffer | None], delim: str = ",", seen: dict[str, bool] | None = None
                ) -> Iterator[tuple[pa.Buffer, int]]:
    """``path`` after its header as (buffer, length): ``block_mb`` of whole records at a time (cut
    at a line break outside quoted values, ``_record_cut``; when the quotes are not of the form
    that cut relies on, ``seen["stray"]`` is set and the caller reads the file again record by
    record: see the module doc; ``seen["breaks"]`` when a quoted value holds a line break). Each block is read
    into a buffer taken from ``free`` (None: allocate one); the caller puts it back when the block
    is parsed (no copy of the file is made). Buffers come from pyarrow's memory pool, which maps
    memory in large pages."""
    size = block_mb * BLOCK_UNIT
    carry = b""  # the start of a line not yet complete
    with _open(path, encoding) as fh:
        fh.read(skip)  # the header (a compressed stream cannot seek)
        while True:
            buf = free.pop()
            if buf is None or buf.size < len(carry) + size:
                buf = pa.allocate_buffer(len(carry) + size)
            with memoryview(buf).cast("B") as view:
                view[: len(carry)] = carry
                n = fh.readinto(view[len(carry): len(carry) + size])
                on_bytes(n)
                end = len(carry) + n
                if n == 0 and end == 0:
                    free.append(buf)
                    return
                cut, odd, breaks = _record_cut(view, end, delim, eof=n == 0)
                if seen is not None:
                    seen["stray"] |= odd
                    seen["breaks"] |= breaks
                if odd:  # the caller reads the file record by record: no more blocks
                    free.append(buf)
                    return
                carry = bytes(view[cut:end]) if cut else bytes(view[:end])
            if cut == 0:  # a line longer than the block: read on with a larger block
                free.append(buf)
                size *= 2
                continue
            yield buf, cut


@dataclass
class _Part:
    """What one batch of rows contributes (rows numbered within the batch)."""

    n: int
    claim: pa.Array
    row: np.ndarray
    ids: dict[str, np.ndarray]
    rejects: dict[str, Any] | None = None
    void: int = 0  # readable rows of void claims, left out


class _Utf8Replacing(io.RawIOBase):
    """The bytes of ``raw`` with those that are not UTF-8 replaced by U+FFFD (for pyarrow's record
    reader, which cannot hand a malformed row that is not UTF-8 to its handler)."""

    def __init__(self, raw: pa.NativeFile):
        self.raw = raw
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self.pending:
            chunk = self.raw.read(1 << 20)
            self.pending = self.decoder.decode(chunk, final=not chunk).encode("utf-8")
            if not chunk:
                break
        n = min(len(b), len(self.pending))
        b[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def _csv_records(path: Path, header: list[str], delim: str, encoding: str, block_mb: int,
                 convert: pacsv.ConvertOptions, malformed: list[tuple[int, str]],
                 on_bytes: Callable[[int], object], replace: bool = False) -> Iterator[pa.RecordBatch]:
    """``path`` after its header as record batches from pyarrow's quote-aware streaming reader
    (values in quotes may hold line breaks). Its malformed rows are appended to ``malformed`` as
    (data row, 1-based; reason): the reader numbers records, header included, when it runs in
    one thread. ``replace``: bytes that are not UTF-8 are replaced first (U+FFFD), so that a
    malformed row holding them is rejected like any other; a used column holding them still
    refuses the file."""

    def on_invalid(row: pacsv.InvalidRow) -> str:
        malformed.append((row.number - 1, _malformed_reason(row)))
        return "skip"

    with _open(path, encoding) as fh:
        reader = pacsv.open_csv(
            io.BufferedReader(_Utf8Replacing(fh)) if replace else fh,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=block_mb * BLOCK_UNIT,
                                           use_threads=False, encoding=_wire(encoding)),
            parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=True,
                                             invalid_row_handler=on_invalid),
            convert_options=convert)
        seen = 0
        for batch in reader:
            at = fh.tell()
            on_bytes(at - seen)
            seen = at
            if replace and (col := _with_replacement(pa.Table.from_batches([batch]))) is not None:
                raise pa.ArrowInvalid(f"invalid UTF8 data in column {col!r}")
            yield batch


class _Sheet:
    """The first (or the named) sheet of a workbook: its header and its rows as record batches."""

    def __init__(self, path: Path, sheet: str | None):
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        self.names = list(book.sheet_names)
        if sheet is not None and sheet not in self.names:
            raise InputError("sheet", f"{shown(sheet)} is not a sheet of {path.name} "
                             f"(sheets: {', '.join(self.names)})")
        self.sheet = book.get_sheet_by_index(0) if sheet is None else book.get_sheet_by_name(sheet)
        self.rows = self.sheet.iter_rows()
        first = next(self.rows, [])
        self.header = [V.as_text(h) or "" for h in first]
        self.height = max(self.sheet.height - 1, 0)

    def batches(self, used: list[str], batch_rows: int = 1 << 16) -> Iterator[pa.RecordBatch]:
        """Rows of the ``used`` columns, as text. Blank rows inside the data are kept (they are
        rejected like any row without a claim id, so row numbers stay the sheet's); blank rows
        after the last data row are not lines."""
        at = [self.header.index(u) for u in used]
        named: dict[str, list[str | None]] = {u: [] for u in used}
        cols = list(named.values())
        blank = 0  # blank rows not yet known to be inside the data
        for row in self.rows:
            if all(v is None or v == "" for v in row):
                blank += 1
                continue
            for _ in range(blank):
                for c in cols:
                    c.append(None)
            blank = 0
            for c, i in zip(cols, at):
                c.append((V.as_text(row[i]) or None) if i < len(row) else None)  # an empty cell: None
            if len(cols[0]) >= batch_rows:
                yield V.text_batch(named)
        if cols[0]:
            yield V.text_batch(named)


def _unreadable(kind: str) -> tuple[type[BaseException], ...]:
    """The errors that mean a file of this kind cannot be read (not a bug of ours)."""
    errors: tuple[type[BaseException], ...] = (pa.ArrowException, OSError, UnicodeError, csv.Error)
    if kind == "spreadsheet":
        from python_calamine import CalamineError

        errors += (CalamineError, ValueError)
    return errors


def _flat(arr: pa.Array) -> pa.Array:
    """A Parquet list column (modifiers as ``["25", "XS"]``) as text, its items joined by ``|``;
    other columns as they are."""
    if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type) or pa.types.is_fixed_size_list(arr.type):
        items = pa.list_(pa.string())
        return pc.binary_join(arr.cast(items), "|")
    return arr


def _utf8_replaced(data: pa.Buffer) -> pa.Buffer | None:
    """``data`` with its bytes that are not UTF-8 replaced by U+FFFD; None when it is all UTF-8."""
    raw = data.to_pybytes()
    try:
        raw.decode("utf-8")
        return None
    except UnicodeDecodeError:
        return pa.py_buffer(raw.decode("utf-8", "replace").encode("utf-8"))


def _with_replacement(table: pa.Table) -> str | None:
    """The first column of ``table`` with a value that holds U+FFFD, or None."""
    for name, col in zip(table.column_names, table.columns):
        for chunk in col.chunks:
            values = chunk.dictionary if pa.types.is_dictionary(chunk.type) else chunk
            if pc.any(pc.match_substring(values, "\ufffd")).as_py():
                return name
    return None


@contextmanager
def _quiet_row_decoding() -> Iterator[None]:
    """Keep Python from printing the UnicodeDecodeError pyarrow meets (and ignores) when it
    decodes a malformed row that is not UTF-8 for ``on_invalid``: the block is parsed again (see
    ``task``). Any other unraisable exception is reported as before."""
    previous = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if not (unraisable.exc_type is UnicodeDecodeError
                and getattr(unraisable.object, "__name__", "") == "on_invalid"):
            previous(unraisable)
    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous


def _malformed_reason(row: pacsv.InvalidRow) -> str:
    return f"malformed row: {row.actual_columns} fields, expected {row.expected_columns}"


def read_lines(path: Path, mapping: dict[str, str] | None = None, block_mb: int = 16,
               progress: bool = False, encoding: str = "utf-8", sheet: str | None = None,
               not_patient: tuple[str, ...] = ()) -> Lines:
    """Read ``path`` (CSV, Parquet, a spreadsheet: ``sheet`` or its first, or an X12 837) into
    ``Lines``; InputError for an unreadable file.

    Blocks (CSV) or record batches (Parquet, spreadsheet, X12) are parsed and encoded by two worker
    threads, at most three in flight; their results are merged in file order. A CSV whose malformed rows hold a
    quote is read again record by record (see the module doc).
    """
    suffix = path.suffix.lower()
    kind = ("parquet" if suffix in (".parquet", ".pq") else "spreadsheet" if suffix in SPREADSHEET
            else "x12" if x12.is_x12(path) else "csv")
    if kind == "csv" and x12.is_wide_x12(path):
        raise InputError("claims", f"{path.name} is an X12 837 saved as UTF-16 or UTF-32; X12 is ASCII text: "
                         "save it as ASCII or UTF-8 (for example iconv -f UTF-16 -t UTF-8)")
    if kind == "csv" and x12.missing_envelope(path):
        raise InputError("claims", f"{path.name} holds X12 segments (GS/ST/BHT) but no ISA interchange "
                         "header: the X12 envelope is missing; add the ISA segment the sender's file had")
    if kind == "csv":
        try:
            encoding = sniff_encoding(path, encoding)
        except (pa.ArrowException, OSError) as err:
            raise InputError("claims", f"{path.name} is not a readable CSV file ({err})") from None
    lines, quote_in_malformed = _read_lines(path, kind, mapping, not_patient, block_mb, progress, encoding, sheet,
                                            records=False)
    if quote_in_malformed:
        try:
            lines, _ = _read_lines(path, kind, mapping, not_patient, block_mb, progress, encoding, sheet, records=True)
        except _ParseError:  # a malformed row that is not UTF-8, perhaps: once more, such bytes replaced
            lines, _ = _read_lines(path, kind, mapping, not_patient, block_mb, progress, encoding, sheet, records=True,
                                   replace=True)
    return lines


class _ParseError(InputError):
    """The record reader met a row it could not parse (which a reading with the bytes that are
    not UTF-8 replaced may get past)."""


def _read_lines(path: Path, kind: str, mapping: dict[str, str] | None, not_patient: tuple[str, ...],
                block_mb: int, progress: bool,
                encoding: str, sheet: str | None, records: bool, replace: bool = False) -> tuple[Lines, bool]:
    """One reading of ``path``. ``records``: CSV by the quote-aware record reader (one thread
    parses, two encode); otherwise in blocks cut at line breaks. Also returned: whether a malformed
    row held a quote (the caller then reads again with ``records``; this reading stops at the
    block where it saw one, and its lines are incomplete). ``kind``: csv, parquet, spreadsheet or
    x12, as ``read_lines`` found it."""
    is_parquet = kind == "parquet"
    batched = kind != "csv" or records  # sources are record batches, not blocks of bytes
    record_malformed: list[tuple[int, str]] = []  # from the record reader: data rows already
    quote_in_malformed = False
    # a CSV block whose quotes a cut at line breaks cannot rely on; a quoted value holding a line break
    seen = {"stray": False, "breaks": False}
    if sheet is not None and kind != "spreadsheet":
        raise InputError("sheet", f"{shown(sheet)} given, but {path.name} is not a spreadsheet")
    try:
        if is_parquet:
            schema = pq.read_schema(path)
            header = schema.names
        elif kind == "spreadsheet":
            book = _Sheet(path, sheet)
            header = book.header
        elif kind == "x12":
            if mapping:
                raise InputError("map", f"{path.name} is an X12 837: its fields are fixed, a column map "
                                 "does not apply")
            claims837 = x12.X12Reader(path)
            header = list(x12.COLUMNS)
        else:
            header, delim, skip = _csv_header(path, encoding)
    except InputError:  # a ValueError too: not to be taken for an unreadable file
        raise
    except _unreadable(kind) as err:
        what = "spreadsheet" if kind == "spreadsheet" else "CSV or Parquet file"
        raise InputError("claims", f"{path.name} is not a readable {what} ({err})") from None
    if not any(h.strip() for h in header):
        raise InputError("claims", f"{path.name} has no header line naming the columns "
                         "(empty file or blank first line)")
    cols, mod_cols, phi = resolve_columns(header, mapping, not_patient)
    used = list(dict.fromkeys(list(cols.values()) + mod_cols))
    # the claim id column first: read as text, the others dictionary-encoded
    used = [cols["claim_id"]] + [u for u in used if u != cols["claim_id"]]
    if is_parquet and (twice := [u for u in used if header.count(u) > 1]):  # Parquet reads columns by name
        raise InputError("claims", f"{path.name} has two columns named {shown(twice[0])}: rename one")
    bar = None
    if progress:
        from tqdm import tqdm

        # bytes out != file size when decompressed or transcoded
        compressed = path.suffix.lower() in (".gz", ".bz2", ".zst", ".lz4") or not _ascii_compatible(encoding)
        total = (pq.read_metadata(path).num_rows if is_parquet else book.height if kind == "spreadsheet"
                 else None if compressed or kind == "x12" else path.stat().st_size)
        what = f"audit {path.name}" + (" (again: quoted line breaks)" if records else "")
        bar = tqdm(total=total, unit="B" if kind == "csv" else "lines", unit_scale=True, desc=what, leave=False)
    if is_parquet:
        # text columns other than the claim id come as dictionaries (as Parquet stores them; pyarrow
        # applies read_dictionary to byte-array columns, string and large_string alike, and leaves
        # numbers and dates as they are); not a list column, which it cannot read as one (joined as text)
        kinds = {f.name: f.type for f in schema}
        pf = pq.ParquetFile(path, read_dictionary=[u for u in used[1:] if not pa.types.is_nested(kinds[u])])
        sources: Iterator = pf.iter_batches(batch_size=1 << 18, columns=used)
    elif kind == "spreadsheet":
        sources = book.batches(used)
    elif kind == "x12":
        sources = claims837.batches()
    else:
        types = {c: pa.dictionary(pa.int32(), pa.string()) for c in used}
        types[used[0]] = pa.string()  # the claim id: too many distinct values for a dictionary
        convert = pacsv.ConvertOptions(include_columns=used, column_types=types)
        on_bytes = bar.update if bar is not None else (lambda n: None)
        buffers: list[pa.Buffer | None] = [None] * 4  # three blocks in flight, one being read
        if records:
            sources = _csv_records(path, header, delim, encoding, block_mb, convert, record_malformed, on_bytes,
                                   replace)
        else:
            sources = _csv_blocks(path, encoding, skip, block_mb, on_bytes, buffers, delim, seen)

    distinct = _distinct()
    lock = threading.Lock()  # the distinct values are shared by the workers

    def column(batch: pa.RecordBatch, canon: str) -> pa.Array:
        if canon == "modifiers" and mod_cols:
            # an empty cell is "" (not null): a join with nulls skipped drops the rows where every
            # modifier column is empty, and the line count with them
            parts = [pc.fill_null(_flat(batch.column(c)).cast(pa.string()), "") for c in mod_cols]
            return pc.binary_join_element_wise(*parts, "|") if len(parts) > 1 else parts[0]
        if canon in cols:
            return _flat(batch.column(cols[canon]))
        return pa.nulls(batch.num_rows, pa.string())

    def reject_code(k: str) -> np.ndarray:
        """For each distinct value of column ``k``: 0, or the reject reason it causes."""
        f = distinct[k]
        bad = {"line_number": lambda: f.field(0) == None,  # noqa: E711 (elementwise, object array)
               "date_of_service": lambda: f.field(0) == V.NA_DAYS,
               "units": lambda: f.field(0) < 0,
               "code": lambda: ~f.field(1)}[k]()
        return np.where(bad, WHY[k], 0).astype(np.int8)

    def process(batch: pa.RecordBatch) -> _Part:
        n = batch.num_rows
        claim = column(batch, "claim_id")
        if not pa.types.is_string(claim.type):
            claim = claim.cast(pa.string())
        claim = pc.utf8_trim_whitespace(claim)
        no_claim = pc.fill_null(pc.equal(pc.utf8_length(claim), 0), True).to_numpy(zero_copy_only=False)
        with lock:
            encoded = {k: d.encode(column(batch, k)) for k, d in distinct.items()}
            why = {k: reject_code(k) for k in WHY}  # reason code of each distinct value so far
            family_of = distinct["code"].field(2)
            void_type, void_frequency = distinct["claim_type"].field(2), distinct["claim_frequency"].field(0)
        ids = {k: v[0] for k, v in encoded.items()}
        reason, rejected = None, None
        if no_claim.any() or any(why[k][encoded[k][1]].any() for k in WHY):
            reason = np.where(no_claim, 1, 0).astype(np.int8)
            for k in WHY:  # the first reason in REJECT_REASONS order wins
                reason = np.where(reason == 0, why[k][ids[k]], reason)
            bad = np.flatnonzero(reason)
            r = reason[bad]
            rejected = {"row": bad, "claim": claim.take(pa.array(bad)), "line_number": ids["line_number"][bad],
                        "reason": r}
            for code, name in VALUE_OF.items():  # the value that made the row unreadable, by id
                rejected[name] = np.where(r == code, ids[name][bad], -1).astype(np.int32)
        family = family_of[ids["code"]] >= 0
        void = void_type[ids["claim_type"]] | void_frequency[ids["claim_frequency"]]
        if reason is not None:
            void &= reason == 0
            family &= reason == 0
        n_void = int(void.sum())
        if n_void:
            family &= ~void
        if family.all():
            return _Part(n, claim, np.arange(n), ids, rejected)
        keep = np.flatnonzero(family)
        return _Part(n, claim.take(pa.array(keep)), keep, {k: v[keep] for k, v in ids.items()}, rejected, n_void)

    def task(source: tuple[pa.Buffer, int] | pa.RecordBatch
             ) -> tuple[list[_Part], list[tuple[int, str]], int, pa.Buffer | None]:
        """Parts of one block or batch, its malformed rows (row within the block), its rows, and
        the buffer it was read into (free again)."""
        nonlocal quote_in_malformed
        if batched:
            assert not isinstance(source, tuple)  # a record batch
            return [process(source)], [], source.num_rows, None
        buf, length = source
        bad: list[pacsv.InvalidRow] = []

        def on_invalid(row: pacsv.InvalidRow) -> str:
            bad.append(row)  # numbered: this block is parsed single-threaded
            return "skip"

        def parse(data: pa.Buffer) -> pa.Table:
            return pacsv.read_csv(  # values are copied out of the block into new arrays
                pa.BufferReader(data),
                read_options=pacsv.ReadOptions(column_names=header, use_threads=False, block_size=len(data) + 1,
                                               encoding=_wire(encoding)),
                parse_options=pacsv.ParseOptions(delimiter=delim, invalid_row_handler=on_invalid),
                convert_options=convert)
        try:
            table = parse(buf.slice(0, length))
        except pa.ArrowInvalid as err:
            # pyarrow decodes a malformed row's text before it calls on_invalid: when that text is
            # not UTF-8 the handler cannot run and the block fails. Parsed again with such bytes
            # replaced (U+FFFD), the row is rejected as malformed like any other; a used column
            # that holds them still refuses the file (its encoding is not UTF-8: --encoding).
            fixed = (_utf8_replaced(buf.slice(0, length))
                     if "CSV parse error" in str(err) and _wire(encoding) == "utf-8" else None)
            if fixed is None:
                raise
            bad.clear()
            table = parse(fixed)
            if (col := _with_replacement(table)) is not None:
                raise pa.ArrowInvalid(f"invalid UTF8 data in column {col!r}") from None
        if any('"' in (row.text or "") for row in bad):
            quote_in_malformed = True
        malformed = [(row.number, _malformed_reason(row)) for row in bad]
        return [process(b) for b in table.to_batches()], malformed, table.num_rows + len(bad), buf

    kept: dict[str, list] = {k: [] for k in ("claim", "row", *distinct)}
    rejects: dict[str, list] = {k: [] for k in ("row", "claim", "line_number", "reason", *VALUE_OF.values())}
    malformed: list[tuple[int, str]] = []
    rows = physical = 0  # rows parsed so far; data rows so far (parsed and malformed)
    void_rows = 0  # readable rows of void claims

    def merge(parts: list[_Part], bad: list[tuple[int, str]], n_physical: int, buf: pa.Buffer | None) -> None:
        nonlocal rows, physical, void_rows
        if buf is not None:
            buffers.append(buf)
        for part in parts:
            kept["claim"].append(part.claim)
            kept["row"].append(rows + part.row)
            for k in distinct:
                kept[k].append(part.ids[k])
            if part.rejects is not None:
                for k, v in part.rejects.items():
                    rejects[k].append(rows + v if k == "row" else v)
            rows += part.n
            void_rows += part.void
        malformed.extend((physical + number, why) for number, why in bad)
        physical += n_physical

    try:
        with _quiet_row_decoding(), ThreadPoolExecutor(max_workers=2) as pool:
            pending: deque = deque()
            for source in sources:  # the next block is read while the workers parse the last ones
                pending.append(pool.submit(task, source))
                if bar is not None and kind != "csv":
                    bar.update(source.num_rows)
                if len(pending) >= 3:
                    merge(*pending.popleft().result())
                if quote_in_malformed or seen["stray"]:  # the file is to be read again record by record: stop here
                    quote_in_malformed = True
                    break
            while pending:
                merge(*pending.popleft().result())
            quote_in_malformed |= seen["stray"]  # the blocks stopped at a quote they cannot rely on
        if hasattr(sources, "close"):
            sources.close()  # a generator stopped early: its file is closed now, not when collected
    except (pa.ArrowException, OSError, UnicodeError) as err:
        why = str(err).splitlines()[0]
        hint = "; give --encoding (for example cp1252) for a file that is not UTF-8" if "UTF8" in why else ""
        retry = records and not replace and "CSV parse error" in why and _wire(encoding) == "utf-8"
        raise (_ParseError if retry else InputError)("claims", f"{path.name}: cannot be read ({why}){hint}") from None
    finally:
        if bar is not None:
            bar.close()

    malformed = sorted(malformed + record_malformed)
    cat = (lambda parts, dtype: np.concatenate(parts) if parts else np.empty(0, dtype))
    return Lines(
        claim=pa.chunked_array(kept["claim"], type=pa.string()),
        row=cat(kept.pop("row"), np.int64),
        cols={k: _joined_ids(kept.pop(k), len(d.values)) for k, d in distinct.items()},
        distinct=distinct,
        lines_in=rows + len(malformed),
        rejects={"row": cat(rejects["row"], np.int64),
                 "claim": pa.chunked_array(rejects["claim"], type=pa.string()),
                 "line_number": cat(rejects["line_number"], np.int32),
                 "reason": cat(rejects["reason"], np.int8),
                 **{name: cat(rejects[name], np.int32) for name in VALUE_OF.values()}},
        malformed=malformed,
        dropped_phi=[x12.SKIPPED] if kind == "x12" else phi,
        notes=_void_note(void_rows),
        void=void_rows,
        segments=np.array(claims837.segments, dtype=np.int64) if kind == "x12" else None,
        source_kind=kind,
        by_record=records,
        quoted_breaks=seen["breaks"],
    ), quote_in_malformed


def _void_note(n: int) -> list[str]:
    """The notice for ``n`` lines of void claims (none when there are none)."""
    return [f"{n} service line(s) of void claims (frequency code 8) were left out, not audited"] if n else []


def _joined_ids(parts: list[np.ndarray], n_distinct: int) -> np.ndarray:
    """One array of the blocks' value ids, in the narrowest integer type that holds them (most
    columns have a few hundred distinct values: int16 halves the memory the lines keep). The
    blocks' arrays are released as they are copied, so the peak is one copy, not two."""
    dtype = np.int16 if n_distinct <= np.iinfo(np.int16).max else np.int32
    out = np.empty(sum(len(p) for p in parts), dtype=dtype)
    at = 0
    while parts:
        part = parts.pop(0)
        out[at: at + len(part)] = part
        at += len(part)
    return out
