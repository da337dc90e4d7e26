"""CSV claims files: encoding, header and delimiter, and the two ways of reading their rows.

* In blocks (``csv_blocks``): ``block_mb`` of whole records at a time, cut at a line break outside
  quoted values (``_record_cut``: an even number of quotes before it), read into reused buffers
  and parsed by pyarrow in worker threads (``read``).
* Record by record (``csv_records``): pyarrow's quote-aware streaming reader, one parsing thread,
  when a block's quotes are not of the form the cut relies on (a quote inside a value) or a
  malformed row holds a quote.

Files may be compressed (``.gz``, ``.bz2``, ``.zst``, ``.lz4``) or UTF-16/32 with a byte-order mark
(transcoded to UTF-8 as they are read).
"""

from __future__ import annotations

import codecs
import csv
import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..bounds import MAX_RECORD_BYTES, MAX_TOTAL_BYTES
from ..errors import InputError


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "|", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def ascii_compatible(encoding: str) -> bool:
    """Whether ``encoding`` writes delimiters, digits and line breaks as ASCII bytes (UTF-8,
    cp1252, Latin-1 ... yes; UTF-16 and UTF-32 no)."""
    return "a,1\n".encode(encoding) == b"a,1\n"


def wire(encoding: str) -> str:
    """The encoding the CSV parser sees: the file's own, or UTF-8 when ``open_decoded`` transcodes it."""
    return encoding if ascii_compatible(encoding) else "utf-8"


def sniff_encoding(path: Path, encoding: str) -> str:
    """``encoding``, or UTF-16 / UTF-32 when the default (UTF-8) was asked for and the file starts
    with a UTF-16 or UTF-32 byte-order mark (Excel's "Unicode text" export is UTF-16)."""
    if codecs.lookup(encoding).name != "utf-8":
        return encoding
    with open_decoded(path) as fh:
        head = fh.read(4)
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return encoding


def open_decoded(path: Path, encoding: str = "utf-8") -> pa.NativeFile:
    """The file's bytes, decompressed when its name says so (``.gz``, ``.bz2``, ``.zst``, ``.lz4``),
    and transcoded to UTF-8 when its encoding is not ASCII-compatible (UTF-16: blocks could not be
    cut at line-break bytes otherwise)."""
    stream = pa.input_stream(str(path), compression="detect")
    return stream if ascii_compatible(encoding) else pa.transcoding_input_stream(stream, encoding, "utf-8")


def csv_header(path: Path, encoding: str) -> tuple[list[str], str, int]:
    """Column names, delimiter and the byte length of the header line (as ``open_decoded`` gives it)."""
    with open_decoded(path, encoding) as fh:
        start = fh.read(1 << 20)
    raw = start[: start.find(b"\n") + 1] if b"\n" in start else start
    first = raw.decode(wire(encoding), errors="replace").lstrip("\ufeff")
    delim = _delimiter(first)
    header = next(csv.reader(io.StringIO(first), delimiter=delim), [])
    rest = start[len(raw) :]
    second = rest[: rest.find(b"\n") + 1] if b"\n" in rest else b""
    try:  # only to see whether every data line ends with a delimiter; a quoted line break may cut it
        row = next(
            csv.reader(io.StringIO(second.decode(wire(encoding), errors="replace"), newline=""), delimiter=delim), []
        )
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
QUOTE = b'"'


BLOCK_UNIT = 1 << 20  # bytes per ``block_mb`` (tests make it small to cut blocks often)
MAX_RECORD_LINES = 1000  # a claim record whose quoted values span more line breaks has an unclosed quote
MAX_VALUE_CHARS = 1 << 16  # the longest value of a column the audit reads (a key, a code, a name)


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
    closes_ok = (closing + 1 >= end) | (after == d) | (after == _LF) | (after == _CR) | (after == _QUOTE)
    return cut, not (opens_ok.all() and closes_ok.all()), bool(inside[breaks < cut].any())


def csv_blocks(
    path: Path,
    encoding: str,
    skip: int,
    block_mb: int,
    on_bytes: Callable[[int], object],
    free: list[pa.Buffer | None],
    delim: str = ",",
    seen: dict[str, bool] | None = None,
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
    total = skip
    with open_decoded(path, encoding) as fh:
        fh.read(skip)  # the header (a compressed stream cannot seek)
        while True:
            if len(carry) > MAX_RECORD_BYTES:
                _refuse_long_record(path, total - len(carry))
            buf = free.pop()
            if buf is None or buf.size < len(carry) + size:
                buf = pa.allocate_buffer(len(carry) + size)
            with memoryview(buf).cast("B") as view:
                view[: len(carry)] = carry
                n = fh.readinto(view[len(carry) : len(carry) + size])
                on_bytes(n)
                total += n
                _bound_unpacked(path, total)
                end = len(carry) + n
                if n == 0 and end == 0:
                    free.append(buf)
                    return
                if n == 0 and bytes(view[:end]).count(QUOTE) % 2:  # the last record opens a quote it never closes
                    line = _unclosed_quote_line(path, encoding, delim)
                    raise InputError(
                        "claims",
                        f"{path.name}: a quote opens a value on line {line or 0:,} and is "
                        "never closed, so the rest of the file would be one value; fix that quote",
                    )
                cut, odd, breaks = _record_cut(view, end, delim, eof=n == 0)
                if seen is not None:
                    seen["stray"] |= odd
                    seen["breaks"] |= breaks
                if odd:  # the caller reads the file record by record: no more blocks
                    free.append(buf)
                    return
                carry = bytes(view[cut:end]) if cut else bytes(view[:end])
            if cut == 0:  # a line longer than the block: read on with a larger block (up to the record bound)
                free.append(buf)
                size = min(size * 2, MAX_RECORD_BYTES + BLOCK_UNIT)
                continue
            yield buf, cut


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


def csv_records(
    path: Path,
    header: list[str],
    delim: str,
    encoding: str,
    block_mb: int,
    convert: pacsv.ConvertOptions,
    malformed: list[tuple[int, str]],
    on_bytes: Callable[[int], object],
    replace: bool = False,
) -> Iterator[pa.RecordBatch]:
    """``path`` after its header as record batches from pyarrow's quote-aware streaming reader
    (values in quotes may hold line breaks). Its malformed rows are appended to ``malformed`` as
    (data row, 1-based; reason): the reader numbers records, header included, when it runs in
    one thread. ``replace``: bytes that are not UTF-8 are replaced first (U+FFFD), so that a
    malformed row holding them is rejected like any other; a used column holding them still
    refuses the file."""

    unclosed: list[tuple[int, int]] = []  # (data row, line breaks) of malformed records spanning many lines

    def on_invalid(row: pacsv.InvalidRow) -> str:
        malformed.append((row.number - 1, malformed_reason(row)))
        breaks = (row.text or "").count("\n")
        if breaks > MAX_RECORD_LINES and not unclosed:
            unclosed.append((row.number - 1, breaks))
        return "skip"

    if (line := _unclosed_quote_line(path, encoding, delim)) is not None:
        raise InputError(
            "claims",
            f"{path.name}: a quote opens a value on line {line:,} and is never closed, so the "
            "rest of the file would be one value; fix that quote",
        )
    with open_decoded(path, encoding) as fh:
        reader = pacsv.open_csv(
            io.BufferedReader(_Utf8Replacing(fh)) if replace else fh,
            read_options=pacsv.ReadOptions(
                column_names=header,
                skip_rows=1,
                use_threads=False,
                block_size=max(block_mb * BLOCK_UNIT, MAX_RECORD_BYTES),
                encoding=wire(encoding),
            ),
            parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=True, invalid_row_handler=on_invalid),
            convert_options=convert,
        )
        seen = 0
        for batch in reader:
            at = fh.tell()
            on_bytes(at - seen)
            seen = at
            _bound_unpacked(path, at)
            _refuse_swallowed_lines(path, batch, unclosed)
            if replace and (col := with_replacement(pa.Table.from_batches([batch]))) is not None:
                raise pa.ArrowInvalid(f"invalid UTF8 data in column {col!r}")
            yield batch


def _refuse_long_record(path: Path, at: int) -> NoReturn:
    """InputError: a record starting at byte ``at`` (after decompression) is over the record bound."""
    raise InputError(
        "claims",
        f"{path.name}: a record longer than {MAX_RECORD_BYTES >> 20} MB starts "
        f"at byte {at:,} (after decompression): no claim line is that long "
        "(a value bomb, or a quote that is never closed); refused",
    )


def _bound_unpacked(path: Path, total: int) -> None:
    """InputError when the bytes read so far (after decompression) are over the file bound."""
    if total > MAX_TOTAL_BYTES:
        raise InputError("claims", f"{path.name} unpacks to more than {MAX_TOTAL_BYTES >> 30} GB: refused")


def _refuse_swallowed_lines(path: Path, batch: pa.RecordBatch, unclosed: list[tuple[int, int]]) -> None:
    """InputError when a quoted value of the record reader's ``batch`` swallowed lines: a malformed
    record over many line breaks (``unclosed``: its data row and breaks) or a value over the bound."""
    if unclosed:
        row, breaks = unclosed[0]
        raise InputError(
            "claims",
            f"{path.name}: data row {row} is a quoted value running over {breaks:,} "
            "line breaks: a quote that is never closed, which would make the rest of the file "
            "one value; fix the quote in that row",
        )
    for name, col in zip(batch.schema.names, batch.columns):
        values = col.dictionary if pa.types.is_dictionary(col.type) else col
        longest = pc.max(pc.utf8_length(values)).as_py() if len(values) else 0
        if longest and longest > MAX_VALUE_CHARS:
            raise InputError(
                "claims",
                f"{path.name}: column {name!r} holds a value of {longest:,} characters "
                "(a claim field is never that long: a quote that is never closed?); refused",
            )


def _unclosed_quote_line(path: Path, encoding: str, delim: str = ",") -> int | None:
    """The line where a quoted value opens that is never closed (pyarrow would take the rest of the
    file as that value), else None. Quotes are followed as a CSV reader reads them: a quote opens a
    value only at the start of a field (after a delimiter or a line break); inside one, ``""`` is a
    quote and a lone quote closes it; any other quote is a character (``5" tube``). Only the quotes
    are visited, so a file with few is scanned at the speed of reading it."""
    d = ord(delim)
    inside = escape = False
    opened_at = 0  # byte offset of the quote that opened the current value
    offset, prev = 0, _LF  # bytes before this chunk; the byte before it
    with open_decoded(path, encoding) as fh:
        while chunk := fh.read(1 << 22):
            data = np.frombuffer(bytes(chunk), dtype=np.uint8)
            for q in np.flatnonzero(data == _QUOTE).tolist():
                before = data[q - 1] if q else prev
                if escape:  # the second quote of ""
                    escape = False
                elif not inside:
                    if before in (d, _LF, _CR):
                        inside, opened_at = True, offset + q
                else:
                    after = data[q + 1] if q + 1 < len(data) else None
                    if after == _QUOTE:
                        escape = True
                    else:
                        inside = False
            offset += len(data)
            prev = data[-1] if len(data) else prev
    if not inside:
        return None
    line = 1
    with open_decoded(path, encoding) as fh:  # the line of the opening quote: line breaks before it, plus one
        seen = 0
        while seen < opened_at and (chunk := fh.read(min(1 << 22, opened_at - seen))):
            line += bytes(chunk).count(b"\n")
            seen += len(chunk)
    return line


def utf8_replaced(data: pa.Buffer) -> pa.Buffer | None:
    """``data`` with its bytes that are not UTF-8 replaced by U+FFFD; None when it is all UTF-8."""
    raw = data.to_pybytes()
    try:
        raw.decode("utf-8")
        return None
    except UnicodeDecodeError:
        return pa.py_buffer(raw.decode("utf-8", "replace").encode("utf-8"))


def with_replacement(table: pa.Table) -> str | None:
    """The first column of ``table`` with a value that holds U+FFFD, or None."""
    for name, col in zip(table.column_names, table.columns):
        for chunk in col.chunks:
            values = chunk.dictionary if pa.types.is_dictionary(chunk.type) else chunk
            if pc.any(pc.match_substring(values, "\ufffd")).as_py():
                return name
    return None


@contextmanager
def quiet_row_decoding() -> Iterator[None]:
    """Keep Python from printing the UnicodeDecodeError pyarrow meets (and ignores) when it
    decodes a malformed row that is not UTF-8 for ``on_invalid``: the block is parsed again (see
    ``task``). Any other unraisable exception is reported as before."""
    previous = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if not (
            unraisable.exc_type is UnicodeDecodeError and getattr(unraisable.object, "__name__", "") == "on_invalid"
        ):
            previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous


def malformed_reason(row: pacsv.InvalidRow) -> str:
    return f"malformed row: {row.actual_columns} fields, expected {row.expected_columns}"
