"""Reading a claims file, batch by batch, into the compact arrays the checks use (the CSV reading
itself is ``csv_source``'s, the spreadsheet's ``sheet``'s, the 837's ``x12``'s).

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
administration codes, ``OTHER_INITIAL``, for S-INITIAL, and of ``PARTNERS``: the codes of NCCI pairs
with the family and the SC drugs, for the claim-wide edits), so memory grows with those lines, not
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

import csv
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..bounds import MAX_RECORD_BYTES, MAX_TOTAL_BYTES
from ..errors import InputError, shown
from . import values as V
from . import x12
from .columns import resolve_columns
from .csv_source import (
    MAX_VALUE_CHARS,
    ascii_compatible,
    csv_blocks,
    csv_header,
    csv_records,
    malformed_reason,
    open_decoded,
    quiet_row_decoding,
    sniff_encoding,
    utf8_replaced,
    wire,
    with_replacement,
)
from .sheet import Sheet

FAMILY = ("96369", "96370", "96371", "96372")
# the other initial drug administration codes of CMS's RAC topic 0071 (S-INITIAL): their lines are
# kept (code index 4 and up, after FAMILY) only to be seen beside a 96369, never checked themselves
OTHER_INITIAL = ("96360", "96365", "96374", "96409", "96413")


def _partners() -> tuple[str, ...]:
    """Codes kept after ``OTHER_INITIAL`` for the claim-wide edits (``claim_edits``): every code of an
    NCCI PTP pair with the family, and the drugs of ``reference/drugs.csv`` (their MUE, JZ/JW)."""
    from ..reference import rows

    ptp = {c for r in rows.table("reference", "ncci_ptp.csv") for c in (r["column1"], r["column2"])
           if r["column1"] in FAMILY or r["column2"] in FAMILY}
    drugs = {r["hcpcs"] for r in rows.table("reference", "drugs.csv")}
    return tuple(sorted((ptp | drugs) - set(FAMILY) - set(OTHER_INITIAL)))


PARTNERS = _partners()
KEPT = FAMILY + OTHER_INITIAL + PARTNERS
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


@dataclass
class _Part:
    """What one batch of rows contributes (rows numbered within the batch)."""

    n: int
    claim: pa.Array
    row: np.ndarray
    ids: dict[str, np.ndarray]
    rejects: dict[str, Any] | None = None
    void: int = 0  # readable rows of void claims, left out


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
    if kind == "csv":
        try:
            encoding = sniff_encoding(path, encoding)
        except (pa.ArrowException, OSError) as err:
            raise InputError("claims", f"{path.name} is not a readable CSV file ({err})") from None
        if not ascii_compatible(encoding) and _starts_with_isa(path, encoding):
            raise InputError("claims", f"{path.name} is an X12 837 saved as {encoding.upper()}; X12 is ASCII "
                             "text: save it as ASCII or UTF-8 (for example iconv -f UTF-16 -t UTF-8)")
        if x12.missing_envelope(path):
            raise InputError("claims", f"{path.name} holds X12 segments (GS/ST/BHT) but no ISA interchange "
                             "header: the X12 envelope is missing; add the ISA segment the sender's file had")
    lines, quote_in_malformed = _read_lines(path, kind, mapping, not_patient, block_mb, progress, encoding, sheet,
                                            records=False)
    if quote_in_malformed:
        try:
            lines, _ = _read_lines(path, kind, mapping, not_patient, block_mb, progress, encoding, sheet, records=True)
        except _ParseError:  # a malformed row that is not UTF-8, perhaps: once more, such bytes replaced
            lines, _ = _read_lines(path, kind, mapping, not_patient, block_mb, progress, encoding, sheet, records=True,
                                   replace=True)
    return lines


def _starts_with_isa(path: Path, encoding: str) -> bool:
    """Whether ``path``, read as ``encoding`` (UTF-16 or UTF-32, transcoded as the CSV reader would),
    starts with an X12 interchange header."""
    try:
        with open_decoded(path, encoding) as fh:
            return bytes(fh.read(64)).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"ISA")
    except (pa.ArrowException, OSError, UnicodeError):
        return False


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
            book = Sheet(path, sheet)
            header = book.header
        elif kind == "x12":
            if mapping:
                raise InputError("map", f"{path.name} is an X12 837: its fields are fixed, a column map "
                                 "does not apply")
            claims837 = x12.X12Reader(path)
            header = list(x12.COLUMNS)
        else:
            header, delim, skip = csv_header(path, encoding)
    except InputError:  # a ValueError too: not to be taken for an unreadable file
        raise
    except _unreadable(kind) as err:
        what = "spreadsheet" if kind == "spreadsheet" else "CSV or Parquet file"
        raise InputError("claims", f"{path.name} is not a readable {what} ({err})") from None
    if not any(h.strip() for h in header):
        raise InputError("claims", f"{path.name} has no header line naming the columns "
                         "(empty file or blank first line)")
    column_notes: list[str] = []
    cols, mod_cols, phi = resolve_columns(header, mapping, not_patient, column_notes)
    used = list(dict.fromkeys(list(cols.values()) + mod_cols))
    # the claim id column first: read as text, the others dictionary-encoded
    used = [cols["claim_id"]] + [u for u in used if u != cols["claim_id"]]
    bar = None
    if progress:
        from tqdm import tqdm

        # bytes out != file size when decompressed or transcoded
        compressed = path.suffix.lower() in (".gz", ".bz2", ".zst", ".lz4") or not ascii_compatible(encoding)
        total = (pq.read_metadata(path).num_rows if is_parquet else book.height if kind == "spreadsheet"
                 else None if compressed or kind == "x12" else path.stat().st_size)
        what = f"audit {path.name}" + (" (again: quoted line breaks)" if records else "")
        bar = tqdm(total=total, unit="B" if kind == "csv" else "lines", unit_scale=True, desc=what, leave=False)
    if is_parquet:
        # text columns other than the claim id come as dictionaries (as Parquet stores them; pyarrow
        # applies read_dictionary to byte-array columns, string and large_string alike, and leaves
        # numbers and dates as they are); not a list column, which it cannot read as one (joined as text)
        kinds = {f.name: f.type for f in schema}
        careful = _large_parquet_chunks(path, used)
        # careful: the claim id too as a dictionary, its values' lengths checked before they are decoded
        dictionary = [u for u in used[0 if careful else 1:] if not pa.types.is_nested(kinds[u])]
        pf = pq.ParquetFile(path, read_dictionary=dictionary)
        sources = pf.iter_batches(batch_size=1 << 18, columns=used)
        if careful:
            sources = _values_bounded(sources, path)
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
            sources = csv_records(path, header, delim, encoding, block_mb, convert, record_malformed, on_bytes,
                                   replace)
        else:
            sources = csv_blocks(path, encoding, skip, block_mb, on_bytes, buffers, delim, seen)

    distinct = _distinct()
    lock = threading.Lock()  # the distinct values are shared by the workers
    claim_dated = [0]  # lines whose empty date of service took the claim's date (counted under the lock)

    def column(batch: pa.RecordBatch, canon: str) -> pa.Array:
        if canon == "date_of_service" and "claim_date" in cols:
            return _date_or_claim_date(batch.column(cols["date_of_service"]), batch.column(cols["claim_date"]),
                                       claim_dated)
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
                                               encoding=wire(encoding)),
                parse_options=pacsv.ParseOptions(delimiter=delim, invalid_row_handler=on_invalid),
                convert_options=convert)
        try:
            table = parse(buf.slice(0, length))
        except pa.ArrowInvalid as err:
            # pyarrow decodes a malformed row's text before it calls on_invalid: when that text is
            # not UTF-8 the handler cannot run and the block fails. Parsed again with such bytes
            # replaced (U+FFFD), the row is rejected as malformed like any other; a used column
            # that holds them still refuses the file (its encoding is not UTF-8: --encoding).
            fixed = (utf8_replaced(buf.slice(0, length))
                     if "CSV parse error" in str(err) and wire(encoding) == "utf-8" else None)
            if fixed is None:
                raise
            bad.clear()
            table = parse(fixed)
            if (col := with_replacement(table)) is not None:
                raise pa.ArrowInvalid(f"invalid UTF8 data in column {col!r}") from None
        if any('"' in (row.text or "") for row in bad):
            quote_in_malformed = True
        malformed = [(row.number, malformed_reason(row)) for row in bad]
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
        with quiet_row_decoding(), ThreadPoolExecutor(max_workers=2) as pool:
            pending: deque = deque()
            for source in sources:  # the next block is read while the workers parse the last ones
                pending.append(pool.submit(task, source))
                if bar is not None and kind != "csv":
                    bar.update(source.num_rows)
                if len(pending) >= 3:
                    merge(*pending.popleft().result())
                if quote_in_malformed:  # the file is to be read again record by record: stop here
                    break
            while pending:
                merge(*pending.popleft().result())
            quote_in_malformed |= seen["stray"]  # the blocks stopped at a quote they cannot rely on
        if hasattr(sources, "close"):
            sources.close()  # a generator stopped early: its file is closed now, not when collected
    except (pa.ArrowException, OSError, UnicodeError) as err:
        why = str(err).splitlines()[0]
        hint = "; give --encoding (for example cp1252) for a file that is not UTF-8" if "UTF8" in why else ""
        retry = records and not replace and "CSV parse error" in why and wire(encoding) == "utf-8"
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
        notes=_void_note(void_rows) + ([f"{claim_dated[0]} line(s) with no line date of service took their claim's "
                                        f"date ({cols['claim_date']})"] if claim_dated[0] else [])
        + (claims837.notes if kind == "x12" else []) + column_notes,
        void=void_rows,
        segments=np.array(claims837.segments, dtype=np.int64) if kind == "x12" else None,
        source_kind=kind,
        by_record=records,
        quoted_breaks=seen["breaks"],
    ), quote_in_malformed


def _as_text(arr: pa.Array) -> pa.Array:
    """A column as text (dictionary-encoded text decoded; a date or a timestamp as ISO text)."""
    arr = _flat(arr)
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if pa.types.is_timestamp(arr.type):
        arr = arr.cast(pa.date32())
    return arr if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) else arr.cast(pa.string())


def _date_or_claim_date(line_date: pa.Array, claim_date: pa.Array, counter: list[int]) -> pa.Array:
    """The line's date of service, or the claim's date where the line's is empty; ``counter[0]`` counts
    the lines that took the claim's."""
    d, c = _as_text(line_date), _as_text(claim_date)
    empty = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(d), ""), True)
    has_claim = pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(c), ""), False)
    took = pc.and_(empty, has_claim)
    counter[0] += int(pc.sum(took).as_py() or 0)
    return pc.if_else(took, c, d)


def _large_parquet_chunks(path: Path, used: list[str]) -> bool:
    """Whether a column chunk the audit reads unpacks to more than the record bound (a dictionary
    may hold one huge value that every row repeats: decoded as plain text it would be that size
    times the rows); InputError when the used columns unpack to more than the total bound."""
    meta = pq.read_metadata(path)
    names = [meta.schema.column(i).path.split(".")[0] for i in range(meta.num_columns)]
    wanted = [i for i, n in enumerate(names) if n in used]
    sizes = [meta.row_group(g).column(i).total_uncompressed_size for g in range(meta.num_row_groups) for i in wanted]
    if sum(sizes) > MAX_TOTAL_BYTES:
        raise InputError("claims", f"{path.name}: the columns read unpack to more than {MAX_TOTAL_BYTES >> 30} GB: "
                         "refused")
    return any(size > MAX_RECORD_BYTES for size in sizes)


def _values_bounded(batches: Iterator[pa.RecordBatch], path: Path) -> Iterator[pa.RecordBatch]:
    """``batches`` with every dictionary's longest value checked against ``MAX_VALUE_CHARS`` (the
    claim id is then decoded to text, as the reading expects it)."""
    for batch in batches:
        cols = []
        for name, col in zip(batch.schema.names, batch.columns):
            if pa.types.is_dictionary(col.type):
                values = col.dictionary
                kind = values.type
                if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind):
                    longest = pc.max(pc.binary_length(values)).as_py() if len(values) else 0
                    if longest and longest > MAX_VALUE_CHARS:
                        raise InputError("claims", f"{path.name}: column {name!r} holds a value of {longest:,} "
                                         "bytes (a claim field is never that long): refused")
                if name == batch.schema.names[0]:
                    col = col.cast(values.type)
            cols.append(col)
        yield pa.RecordBatch.from_arrays(cols, names=batch.schema.names)


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
