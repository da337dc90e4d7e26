"""The claims file kinds behind one protocol: each source has a header and yields units of work
that a worker thread turns into record batches of the columns the audit reads.

=============  ==================================================================================
Parquet        record batches (``read_dictionary`` for the text columns; a dictionary whose one
               value would unpack past the bounds is checked first)
Sheet          python-calamine rows in batches (``sheet``)
X12            the service lines of an 837 (``x12.X12Reader``)
CSV blocks     byte blocks cut between records (``csv_source.csv_blocks``), parsed by pyarrow in
               the worker threads; a malformed row holding a quote asks for a reading by records
CSV records    pyarrow's quote-aware streaming reader, one thread (values may hold line breaks)
=============  ==================================================================================

``read`` opens the source for a file (:func:`open_source`), resolves the columns from its header,
then runs ``source.units`` through ``source.parse`` in two worker threads.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..bounds import MAX_RECORD_BYTES, MAX_TOTAL_BYTES
from ..errors import InputError, shown
from . import x12
from .csv_source import (
    MAX_VALUE_CHARS,
    csv_blocks,
    csv_header,
    csv_records,
    malformed_reason,
    utf8_replaced,
    wire,
    with_replacement,
)
from .sheet import Sheet


@dataclass
class Parsed:
    """What a worker made of one unit: record batches, the malformed rows (row within the unit;
    reason), the data rows it held (parsed and malformed), the buffer to reuse, and whether a
    malformed row held a quote (the file is then read again by records)."""

    batches: list[Any]  # record batches; the reading replaces them by what it kept of each
    malformed: list[tuple[int, str]] = field(default_factory=list)
    rows: int = 0
    buffer: pa.Buffer | None = None
    quote_in_malformed: bool = False


class Source(Protocol):
    """A claims file as the audit reads it (see the module doc)."""

    kind: str  # csv, parquet, spreadsheet or x12
    header: list[str]

    def units(self, used: list[str], on_bytes: Callable[[int], object]) -> Iterator[Any]:
        """The units of work in file order (``on_bytes``: progress in bytes, for CSV)."""
        ...

    def parse(self, unit: Any) -> Parsed:
        """One unit as record batches of the ``used`` columns (runs in a worker thread)."""
        ...

    def total(self) -> int | None:
        """The progress bar's total (bytes for CSV, rows otherwise; None: not known)."""
        ...


def _batch(unit: pa.RecordBatch) -> Parsed:
    return Parsed([unit], rows=unit.num_rows)


@dataclass
class ParquetSource:
    path: Path
    kind: str = "parquet"
    header: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.schema = pq.read_schema(self.path)
        self.header = self.schema.names

    def units(self, used: list[str], on_bytes: Callable[[int], object]) -> Iterator[pa.RecordBatch]:
        # text columns other than the claim id come as dictionaries (as Parquet stores them; pyarrow
        # applies read_dictionary to byte-array columns, string and large_string alike, and leaves
        # numbers and dates as they are); not a list column, which it cannot read as one
        kinds = {f.name: f.type for f in self.schema}
        careful = large_parquet_chunks(self.path, used)
        # careful: the claim id too as a dictionary, its values' lengths checked before they are decoded
        dictionary = [u for u in used[0 if careful else 1 :] if not pa.types.is_nested(kinds[u])]
        batches = pq.ParquetFile(self.path, read_dictionary=dictionary).iter_batches(batch_size=1 << 18, columns=used)
        return values_bounded(batches, self.path) if careful else batches

    parse = staticmethod(_batch)

    def total(self) -> int | None:
        return pq.read_metadata(self.path).num_rows


@dataclass
class SheetSource:
    path: Path
    sheet: str | None
    kind: str = "spreadsheet"
    header: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.book = Sheet(self.path, self.sheet)
        self.header = self.book.header

    def units(self, used: list[str], on_bytes: Callable[[int], object]) -> Iterator[pa.RecordBatch]:
        return self.book.batches(used)

    parse = staticmethod(_batch)

    def total(self) -> int | None:
        return self.book.height


@dataclass
class X12Source:
    path: Path
    kind: str = "x12"
    header: list[str] = field(default_factory=lambda: list(x12.COLUMNS))

    def __post_init__(self) -> None:
        self.reader = x12.X12Reader(self.path)

    def units(self, used: list[str], on_bytes: Callable[[int], object]) -> Iterator[pa.RecordBatch]:
        return self.reader.batches()

    parse = staticmethod(_batch)

    def total(self) -> int | None:
        return None


def _convert(used: list[str]) -> pacsv.ConvertOptions:
    """The used columns only, as text. Not as dictionaries: building them in the parser halved its
    speed (a 64 MB block of the benchmark file: 0.30 s, against 0.14 s as text and 0.09 s for the
    dictionaries ``values.Distinct.encode`` builds afterwards)."""
    return pacsv.ConvertOptions(include_columns=used, column_types={c: pa.string() for c in used})


@dataclass
class CsvBlockSource:
    """CSV in blocks of whole records, parsed in the worker threads (four reused buffers: three
    blocks in flight, one being read)."""

    path: Path
    encoding: str
    block_mb: int
    kind: str = "csv"
    header: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.header, self.delim, self.skip = csv_header(self.path, self.encoding)
        self.seen = {"stray": False, "breaks": False}
        self.free: list[pa.Buffer | None] = [None] * 4

    def units(self, used: list[str], on_bytes: Callable[[int], object]) -> Iterator[tuple[pa.Buffer, int]]:
        self.convert = _convert(used)
        return csv_blocks(
            self.path, self.encoding, self.skip, self.block_mb, on_bytes, self.free, self.delim, self.seen
        )

    def _parse_bytes(self, data: pa.Buffer, on_invalid: Callable[[pacsv.InvalidRow], str]) -> pa.Table:
        return pacsv.read_csv(  # values are copied out of the block into new arrays
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(
                column_names=self.header, use_threads=False, block_size=len(data) + 1, encoding=wire(self.encoding)
            ),
            parse_options=pacsv.ParseOptions(delimiter=self.delim, invalid_row_handler=on_invalid),
            convert_options=self.convert,
        )

    def parse(self, unit: tuple[pa.Buffer, int]) -> Parsed:
        buf, length = unit
        bad: list[pacsv.InvalidRow] = []

        def on_invalid(row: pacsv.InvalidRow) -> str:
            bad.append(row)  # numbered: this block is parsed single-threaded
            return "skip"

        try:
            table = self._parse_bytes(buf.slice(0, length), on_invalid)
        except pa.ArrowInvalid as err:
            # pyarrow decodes a malformed row's text before it calls on_invalid: when that text is
            # not UTF-8 the handler cannot run and the block fails. Parsed again with such bytes
            # replaced (U+FFFD), the row is rejected as malformed like any other; a used column
            # that holds them still refuses the file (its encoding is not UTF-8: --encoding).
            fixed = (
                utf8_replaced(buf.slice(0, length))
                if "CSV parse error" in str(err) and wire(self.encoding) == "utf-8"
                else None
            )
            if fixed is None:
                raise
            bad.clear()
            table = self._parse_bytes(fixed, on_invalid)
            if (col := with_replacement(table)) is not None:
                raise pa.ArrowInvalid(f"invalid UTF8 data in column {col!r}") from None
        return Parsed(
            table.to_batches(),
            [(row.number, malformed_reason(row)) for row in bad],
            table.num_rows + len(bad),
            buf,
            any('"' in (row.text or "") for row in bad),
        )

    def release(self, buf: pa.Buffer) -> None:
        self.free.append(buf)

    def total(self) -> int | None:
        return self.path.stat().st_size


@dataclass
class CsvRecordSource:
    """CSV record by record (quote-aware, one thread); its malformed rows are data rows already."""

    path: Path
    encoding: str
    block_mb: int
    replace: bool = False
    kind: str = "csv"
    header: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.header, self.delim, _ = csv_header(self.path, self.encoding)
        self.malformed: list[tuple[int, str]] = []
        self.seen = {"stray": False, "breaks": False}

    def units(self, used: list[str], on_bytes: Callable[[int], object]) -> Iterator[pa.RecordBatch]:
        return csv_records(
            self.path,
            self.header,
            self.delim,
            self.encoding,
            self.block_mb,
            _convert(used),
            self.malformed,
            on_bytes,
            self.replace,
        )

    parse = staticmethod(_batch)

    def total(self) -> int | None:
        return self.path.stat().st_size


def unreadable(kind: str) -> tuple[type[BaseException], ...]:
    """The errors that mean a file of this kind cannot be read (not a bug of ours)."""
    errors: tuple[type[BaseException], ...] = (pa.ArrowException, OSError, UnicodeError, csv.Error)
    if kind == "spreadsheet":
        from python_calamine import CalamineError

        errors += (CalamineError, ValueError)
    return errors


def open_source(
    path: Path, kind: str, encoding: str, sheet: str | None, block_mb: int, records: bool, replace: bool = False
) -> Source:
    """The source for ``path`` of this ``kind``; InputError for a file that cannot be opened."""
    if sheet is not None and kind != "spreadsheet":
        raise InputError("sheet", f"{shown(sheet)} given, but {path.name} is not a spreadsheet")
    try:
        if kind == "parquet":
            return ParquetSource(path)
        if kind == "spreadsheet":
            return SheetSource(path, sheet)
        if kind == "x12":
            return X12Source(path)
        if records:
            return CsvRecordSource(path, encoding, block_mb, replace)
        return CsvBlockSource(path, encoding, block_mb)
    except InputError:  # a ValueError too: not to be taken for an unreadable file
        raise
    except unreadable(kind) as err:
        what = "spreadsheet" if kind == "spreadsheet" else "CSV or Parquet file"
        raise InputError("claims", f"{path.name} is not a readable {what} ({err})") from None


def large_parquet_chunks(path: Path, used: list[str]) -> bool:
    """Whether a column chunk the audit reads unpacks to more than the record bound (a dictionary
    may hold one huge value that every row repeats: decoded as plain text it would be that size
    times the rows); InputError when the used columns unpack to more than the total bound."""
    meta = pq.read_metadata(path)
    names = [meta.schema.column(i).path.split(".")[0] for i in range(meta.num_columns)]
    wanted = [i for i, n in enumerate(names) if n in used]
    sizes = [meta.row_group(g).column(i).total_uncompressed_size for g in range(meta.num_row_groups) for i in wanted]
    if sum(sizes) > MAX_TOTAL_BYTES:
        raise InputError(
            "claims", f"{path.name}: the columns read unpack to more than {MAX_TOTAL_BYTES >> 30} GB: refused"
        )
    return any(size > MAX_RECORD_BYTES for size in sizes)


def values_bounded(batches: Iterator[pa.RecordBatch], path: Path) -> Iterator[pa.RecordBatch]:
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
                        raise InputError(
                            "claims",
                            f"{path.name}: column {name!r} holds a value of {longest:,} "
                            "bytes (a claim field is never that long): refused",
                        )
                if name == batch.schema.names[0]:
                    col = col.cast(values.type)
            cols.append(col)
        yield pa.RecordBatch.from_arrays(cols, names=batch.schema.names)
