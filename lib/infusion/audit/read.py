"""Reading a claims file, batch by batch, into the compact arrays the checks use (the CSV reading
itself is ``csv_source``'s, the spreadsheet's ``sheet``'s, the 837's ``x12``'s).

CSV is read in blocks of whole lines (``block_mb``, into four reused buffers), each parsed by
pyarrow in one of two worker threads; Parquet by record batches; a spreadsheet (``.xlsx``,
``.xlsm``, ``.xlsb``, ``.xls``, ``.ods``: its first sheet or the one named, header in the first row)
by python-calamine, in batches of rows; an X12 837 by ``x12.X12Reader``. Only the columns the audit
uses are converted (patient columns are never read; a spreadsheet's are parsed with its sheet, never
kept), as text (a Parquet file's dictionaries as they are), each column dictionary-encoded and its
values parsed per distinct value (``values.Distinct``) in a worker thread while the next block is
read: the columns that judge a row (``EVERY_ROW``) on every row, the others on the lines kept only.
Rows that cannot be read go to rejects with their row number and reason:

* a malformed CSV row (wrong number of fields),
* missing claim id or line number,
* a date of service that is not a date, units that are not a whole number >= 0,
* a code that is not five letters or digits.

Of the rest, only lines of the 96369-96372 family are kept (and those of the other initial
administration codes, ``OTHER_INITIAL``, for S-INITIAL, and of ``PARTNERS``: the codes of NCCI pairs
with the family and the SC drugs, for the claim-wide edits), so memory grows with those lines, not
with the file; past ``hold_bytes`` of them they are written to temporary files in parts by claim
(``spill``) and the checks take them a part at a time. Lines of void claims (claim frequency 8, in
a ``claim_frequency`` column, as the last digit of a type of bill, or an 837's CLM05-3) are left
out and counted (``Lines.void``, and a note): a void claim cancels an earlier one, its lines are
not services to audit. So for every input, lines in = lines checked + lines of void claims +
rejects.

A value in quotes may hold line breaks (a free-text column, for example). The blocks are cut at the
last line break of each block, which may fall inside such a value: the record cut in two is then
malformed on one side of the cut or the other (it has fewer fields than the header), and the
malformed piece holds a quote. So when a malformed row holds a quote, the file is read again with
pyarrow's quote-aware reader (``newlines_in_values``, records parsed in order by one thread:
slower, never cut inside a value), and that second reading is the result.
"""

from __future__ import annotations

import tempfile
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from ..reference import rows
from . import values as V
from . import x12
from .columns import resolve_columns
from .csv_source import ascii_compatible, open_decoded, quiet_row_decoding, sniff_encoding, wire
from .memory import release
from .sources import CsvRecordSource, Parsed, Source, X12Source, open_source
from .spill import Spill, parts_for

FAMILY = ("96369", "96370", "96371", "96372")
# the other initial drug administration codes of CMS's RAC topic 0071 (S-INITIAL): their lines are
# kept (code index 4 and up, after FAMILY) only to be seen beside a 96369, never checked themselves
OTHER_INITIAL = ("96360", "96365", "96374", "96409", "96413")


def _partners() -> tuple[str, ...]:
    """Codes kept after ``OTHER_INITIAL`` for the claim-wide edits (``claim_edits``): every code of an
    NCCI PTP pair with the family, and the drugs of ``reference/drugs.csv`` (their MUE, JZ/JW)."""
    ptp = {
        c
        for r in rows.table("reference", "ncci_ptp.csv")
        for c in (r["column1"], r["column2"])
        if r["column1"] in FAMILY or r["column2"] in FAMILY
    }
    drugs = {r["hcpcs"] for r in rows.table("reference", "drugs.csv")}
    return tuple(sorted((ptp | drugs) - set(FAMILY) - set(OTHER_INITIAL)))


PARTNERS = _partners()
KEPT = FAMILY + OTHER_INITIAL + PARTNERS
SPREADSHEET = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
REJECT_REASONS = (
    "",
    "missing claim_id",
    "missing line_number",
    "bad date_of_service",
    "non-numeric units",
    "unknown code format",
)
VALUE_OF = {3: "date_of_service", 4: "units", 5: "code"}  # reason -> the column whose value it quotes
SHAPE_OF = {"date_of_service": "date", "units": "units", "code": "code"}  # its kind (``redact.show_value``)
WHY = {"line_number": 2, "date_of_service": 3, "units": 4, "code": 5}  # column -> its reject reason
EVERY_ROW = (*WHY, "claim_type", "claim_frequency")  # read on every row; the other columns on lines kept
# the least a spill's part is made to hold: with a tiny memory setting (1 MB) parts of a few kB made
# a 1M-line audit 11x slower (hundreds of parts, each checked on its own), for memory that the
# interpreter's own 150 MB dwarfs
MIN_PART_BYTES = 8 << 20


@dataclass
class Lines:
    """Family lines (one array entry per line; with the lines of ``OTHER_INITIAL`` codes, whose
    code index is ``len(FAMILY)`` or more) and what the reading found."""

    claim: pa.ChunkedArray  # claim id, trimmed
    row: np.ndarray  # data row (0-based, among well-formed rows; int32 while they fit)
    cols: dict[str, np.ndarray]  # per column: ids into ``distinct[column]`` (int16 or int32)
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
    provider_given: bool = False  # the file has a provider column with a value in some row
    spill: Spill | None = None  # the lines kept, when written out in parts (claim, row, cols: empty)


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


def _flat(arr: pa.Array) -> pa.Array:
    """A Parquet list column (modifiers as ``["25", "XS"]``) as text, its items joined by ``|``;
    other columns as they are."""
    if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type) or pa.types.is_fixed_size_list(arr.type):
        items = pa.list_(pa.string())
        return pc.binary_join(arr.cast(items), "|")
    return arr


def read_lines(
    path: Path,
    mapping: dict[str, str] | None = None,
    block_mb: int = 16,
    progress: bool = False,
    encoding: str = "utf-8",
    sheet: str | None = None,
    not_patient: tuple[str, ...] = (),
    hold_bytes: int | None = None,
) -> Lines:
    """Read ``path`` (CSV, Parquet, a spreadsheet: ``sheet`` or its first, or an X12 837) into
    ``Lines``; InputError for an unreadable file.

    Units of the source (``sources``: CSV blocks, record batches) are parsed and encoded by two
    worker threads, at most three in flight; their results are merged in file order. A CSV whose
    malformed rows hold a quote is read again record by record (see the module doc). Past
    ``hold_bytes`` of lines kept (None: no limit) they are written out in parts by claim
    (``spill``): the ``Lines`` returned then hold none, their ``spill`` has them (the caller closes it).
    """
    suffix = path.suffix.lower()
    kind = (
        "parquet"
        if suffix in (".parquet", ".pq")
        else "spreadsheet"
        if suffix in SPREADSHEET
        else "x12"
        if x12.is_x12(path)
        else "csv"
    )
    if kind == "csv":
        encoding = _csv_encoding(path, encoding)
    if kind == "x12" and mapping:
        raise InputError("map", f"{path.name} is an X12 837: its fields are fixed, a column map does not apply")
    options = _Options(path, kind, mapping, not_patient, block_mb, progress, encoding, sheet, hold_bytes)
    lines, quote_in_malformed = _read_once(options, records=False)
    if quote_in_malformed:
        if lines.spill is not None:
            lines.spill.close()
        try:
            lines, _ = _read_once(options, records=True)
        except _ParseError:  # a malformed row that is not UTF-8, perhaps: once more, such bytes replaced
            lines, _ = _read_once(options, records=True, replace=True)
    return lines


def _csv_encoding(path: Path, encoding: str) -> str:
    """The CSV file's encoding (a BOM says UTF-16/32); InputError for an 837 saved as UTF-16 or one
    without its envelope."""
    try:
        encoding = sniff_encoding(path, encoding)
    except (pa.ArrowException, OSError) as err:
        raise InputError("claims", f"{path.name} is not a readable CSV file ({err})") from None
    if not ascii_compatible(encoding) and _starts_with_isa(path, encoding):
        raise InputError(
            "claims",
            f"{path.name} is an X12 837 saved as {encoding.upper()}; X12 is ASCII "
            "text: save it as ASCII or UTF-8 (for example iconv -f UTF-16 -t UTF-8)",
        )
    if x12.missing_envelope(path):
        raise InputError(
            "claims",
            f"{path.name} holds X12 segments (GS/ST/BHT) but no ISA interchange "
            "header: the X12 envelope is missing; add the ISA segment the sender's file had",
        )
    return encoding


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


@dataclass(frozen=True)
class _Options:
    """What one reading of a file needs (as ``read_lines`` was called)."""

    path: Path
    kind: str
    mapping: dict[str, str] | None
    not_patient: tuple[str, ...]
    block_mb: int
    progress: bool
    encoding: str
    sheet: str | None
    hold_bytes: int | None = None


def _progress_bar(o: _Options, source: Source, records: bool):
    """A progress bar on stderr (None when not asked for)."""
    if not o.progress:
        return None
    from tqdm import tqdm

    # bytes out != file size when decompressed or transcoded
    compressed = o.path.suffix.lower() in (".gz", ".bz2", ".zst", ".lz4") or not ascii_compatible(o.encoding)
    total = None if o.kind == "csv" and compressed else source.total()
    what = f"audit {o.path.name}" + (" (again: quoted line breaks)" if records else "")
    return tqdm(total=total, unit="B" if o.kind == "csv" else "lines", unit_scale=True, desc=what, leave=False)


def _read_once(o: _Options, records: bool, replace: bool = False) -> tuple[Lines, bool]:
    """One reading of the file. ``records``: CSV by the quote-aware record reader; otherwise in
    blocks cut at line breaks. Also returned: whether a malformed row held a quote (the caller
    then reads again with ``records``; this reading stops at the block where it saw one, and its
    lines are incomplete)."""
    source = open_source(o.path, o.kind, o.encoding, o.sheet, o.block_mb, records, replace)
    if not any(h.strip() for h in source.header):
        raise InputError(
            "claims", f"{o.path.name} has no header line naming the columns (empty file or blank first line)"
        )
    column_notes: list[str] = []
    cols, mod_cols, phi = resolve_columns(source.header, o.mapping, o.not_patient, column_notes)
    used = list(dict.fromkeys(list(cols.values()) + mod_cols))
    used = [cols["claim_id"]] + [u for u in used if u != cols["claim_id"]]  # the claim id first: as text
    reading = _Reading(cols, mod_cols, o.hold_bytes)
    bar = _progress_bar(o, source, records)
    try:
        quote = _run(source, used, reading, bar)
    except (pa.ArrowException, OSError, UnicodeError) as err:
        reading.discard()
        why = str(err).splitlines()[0]
        hint = "; give --encoding (for example cp1252) for a file that is not UTF-8" if "UTF8" in why else ""
        retry = records and not replace and "CSV parse error" in why and wire(o.encoding) == "utf-8"
        raise (_ParseError if retry else InputError)("claims", f"{o.path.name}: cannot be read ({why}){hint}") from None
    except BaseException:
        reading.discard()
        raise
    finally:
        if bar is not None:
            bar.close()
    if isinstance(source, CsvRecordSource):
        reading.malformed.extend(source.malformed)
    x12_reader = source.reader if isinstance(source, X12Source) else None
    lines = reading.lines(
        dropped_phi=[x12.SKIPPED] if x12_reader else phi,
        notes=(x12_reader.notes if x12_reader else []) + column_notes,
        segments=np.array(x12_reader.segments, dtype=np.int64) if x12_reader else None,
        source_kind=o.kind,
        by_record=records,
        quoted_breaks=bool(getattr(source, "seen", {}).get("breaks", False)),
    )
    return lines, quote or bool(getattr(source, "seen", {}).get("stray", False))


def _run(source: Source, used: list[str], reading: _Reading, bar) -> bool:
    """Units of ``source`` parsed and encoded by two workers (at most three in flight), merged in
    file order; whether a malformed row held a quote (the reading then stops)."""
    shown = bar.update if bar is not None and source.kind == "csv" else (lambda n: None)
    reading.total = source.total()

    def on_bytes(n: int) -> None:
        reading.done += n
        shown(n)

    units = source.units(used, on_bytes)
    release = getattr(source, "release", None)
    quote = False

    def task(unit: Any) -> Parsed:
        parsed = source.parse(unit)
        parsed.batches = [reading.process(b) for b in parsed.batches]  # now _Part, merged in order
        return parsed

    def merge(parsed: Parsed) -> None:
        if parsed.buffer is not None and release is not None:
            release(parsed.buffer)
        reading.merge(parsed)

    with quiet_row_decoding(), ThreadPoolExecutor(max_workers=2) as pool:
        pending: deque = deque()
        for unit in units:  # the next unit is read while the workers parse the last ones
            pending.append(pool.submit(task, unit))
            if source.kind != "csv":
                reading.done += unit.num_rows
                if bar is not None:
                    bar.update(unit.num_rows)
            if len(pending) >= 3:
                parsed = pending.popleft().result()
                quote |= parsed.quote_in_malformed
                merge(parsed)
            if quote:  # the file is to be read again record by record: stop here
                break
        while pending:
            parsed = pending.popleft().result()
            quote |= parsed.quote_in_malformed
            merge(parsed)
    if hasattr(units, "close"):
        units.close()  # a generator stopped early: its file is closed now, not when collected
    return quote


class _Reading:
    """The state of one reading: the distinct values (shared by the workers, under a lock), the
    kept lines and the rejects of the units merged so far, in file order."""

    def __init__(self, cols: dict[str, str], mod_cols: list[str], hold_bytes: int | None = None):
        self.cols, self.mod_cols = cols, mod_cols
        self.hold_bytes, self.held = hold_bytes, 0  # see ``read_lines``
        self.spill: Spill | None = None
        self.done = 0  # progress of the source (bytes for CSV, else rows) and its size
        self.total: int | None = None
        self.distinct = _distinct()
        self.lock = threading.Lock()
        self.claim_dated = 0  # lines whose empty date of service took the claim's date
        self.kept: dict[str, list] = {k: [] for k in ("claim", "row", *self.distinct)}
        self.rejects: dict[str, list] = {k: [] for k in ("row", "claim", "line_number", "reason", *VALUE_OF.values())}
        self.malformed: list[tuple[int, str]] = []
        self.rows = self.physical = self.void_rows = 0  # rows parsed; data rows (parsed and malformed); void
        self.provider_given = False  # a provider column with a value in some row (of any code)

    def column(self, batch: pa.RecordBatch, canon: str) -> pa.Array:
        cols, mod_cols = self.cols, self.mod_cols
        if canon == "date_of_service" and "claim_date" in cols:
            dates, took = _date_or_claim_date(batch.column(cols["date_of_service"]), batch.column(cols["claim_date"]))
            with self.lock:  # the workers count into one total
                self.claim_dated += took
            return dates
        if canon == "modifiers" and mod_cols:
            # an empty cell is "" (not null): a join with nulls skipped drops the rows where every
            # modifier column is empty, and the line count with them
            parts = [pc.fill_null(_flat(batch.column(c)).cast(pa.string()), "") for c in mod_cols]
            return pc.binary_join_element_wise(*parts, "|") if len(parts) > 1 else parts[0]
        if canon in cols:
            return _flat(batch.column(cols[canon]))
        return pa.nulls(batch.num_rows, pa.string())

    def _reject_code(self, k: str) -> np.ndarray:
        """For each distinct value of column ``k``: 0, or the reject reason it causes."""
        f = self.distinct[k]
        bad = {
            "line_number": lambda: f.field(0) == None,  # noqa: E711 (elementwise, object array)
            "date_of_service": lambda: f.field(0) == V.NA_DAYS,
            "units": lambda: f.field(0) < 0,
            "code": lambda: ~f.field(1),
        }[k]()
        return np.where(bad, WHY[k], 0).astype(np.int8)

    def _claim(self, batch: pa.RecordBatch) -> pa.Array:
        """The claim ids as text, not yet trimmed (only the lines kept and rejected are)."""
        claim = self.column(batch, "claim_id")
        return claim if pa.types.is_string(claim.type) else claim.cast(pa.string())

    def process(self, batch: pa.RecordBatch) -> _Part:
        """One batch's lines: value ids, the rejected rows with their reason, the family lines kept.

        The columns that judge every row (``EVERY_ROW``: its reject reason, whether it is a family
        line, whether its claim is void) are encoded for all rows; the others, and the claim id's
        trimming, only for the lines kept (most lines of a claims file are other codes: their
        places, times and payers are never read)."""
        n = batch.num_rows
        claim = self._claim(batch)
        no_claim = _blank(claim)
        # each column's distinct values found here, in parallel; only their ids are taken under the lock
        columns = {k: V.dictionary(self.column(batch, k)) for k in EVERY_ROW}
        with self.lock:
            ids, seen = self._encode(columns)
            why = {k: self._reject_code(k) for k in WHY}  # reason code of each distinct value so far
            family_of = self.distinct["code"].field(2)
            void_type = self.distinct["claim_type"].field(2)
            void_frequency = self.distinct["claim_frequency"].field(0)
        reason, rejected = None, None
        if no_claim.any() or any(why[k][seen[k]].any() for k in WHY):
            reason, rejected = _rejected(no_claim, why, ids, claim)
        family = family_of[ids["code"]] >= 0
        void = void_type[ids["claim_type"]] | void_frequency[ids["claim_frequency"]]
        if reason is not None:
            void &= reason == 0
            family &= reason == 0
        n_void = int(void.sum())
        if n_void:
            family &= ~void
        keep = None if family.all() else pa.array(np.flatnonzero(family))
        rest = {k: self.column(batch, k) for k in self.distinct if k not in EVERY_ROW}
        if rest["provider"].null_count < n:  # only ever set, never cleared: no update of another worker lost
            self.provider_given = True
        rest = {k: V.dictionary(v if keep is None else v.take(keep)) for k, v in rest.items()}
        with self.lock:
            ids.update(self._encode(rest)[0])
        if keep is None:
            return _Part(n, pc.utf8_trim_whitespace(claim), np.arange(n), ids, rejected)
        at = keep.to_numpy()
        return _Part(
            n,
            pc.utf8_trim_whitespace(claim.take(keep)),
            at,
            {k: v if k in rest else v[at] for k, v in ids.items()},
            rejected,
            n_void,
        )

    def _encode(self, columns: dict[str, pa.Array]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """The value ids of ``columns``' rows (under the lock), int16 where the distinct values so far
        fit (most columns; the lines read are held until the end, and int32 ids of 14 columns were
        the largest part of them); and the ids of the distinct values each holds."""
        encoded = {k: self.distinct[k].encode(arr, narrow=True) for k, arr in columns.items()}
        return {k: e[0] for k, e in encoded.items()}, {k: e[1] for k, e in encoded.items()}

    def merge(self, parsed: Parsed) -> None:
        for part in parsed.batches:
            assert isinstance(part, _Part)
            self.kept["claim"].append(part.claim)
            row = self.rows + part.row  # int32 while the rows fit (the lines read are held until the end)
            self.kept["row"].append(row.astype(np.int32) if self.rows + part.n < 2**31 else row)
            for k in self.distinct:
                self.kept[k].append(part.ids[k])
            self.held += part.claim.nbytes + row.nbytes + sum(v.nbytes for v in part.ids.values())
            if part.rejects is not None:
                for k, v in part.rejects.items():
                    self.rejects[k].append(self.rows + v if k == "row" else v)
            self.rows += part.n
            self.void_rows += part.void
        self.malformed.extend((self.physical + number, why) for number, why in parsed.malformed)
        self.physical += parsed.rows
        if self.hold_bytes is not None and self.held > self.hold_bytes:
            self._spill_held()

    def _spill_held(self) -> None:
        """The lines held written to the spill's parts (the spill made at the first time: as many
        parts as the file's size, estimated from what was read of it, needs)."""
        assert self.hold_bytes is not None
        try:
            if self.spill is None:
                read = self.done / self.total if self.total and 0 < self.done <= self.total else 1 / 8
                budget = max(self.hold_bytes, MIN_PART_BYTES)
                self.spill = Spill(list(self.distinct), parts_for(2 * self.held / read, budget), budget)
            kept = self.kept
            for i, claim in enumerate(kept["claim"]):
                self.spill.add(claim, kept["row"][i], {k: kept[k][i] for k in self.distinct})
        except (OSError, pa.ArrowException) as err:  # not the claims file's fault: say where and what to do
            where = self.spill.folder if self.spill is not None else tempfile.gettempdir()
            raise InputError(
                "memory_mb",
                f"the lines read outgrew the memory set ({self.hold_bytes * 2 >> 20} MB) and cannot be "
                f"written to {where} ({getattr(err, 'strerror', None) or err}): free space there, point "
                "TMPDIR elsewhere, or give more memory (--memory-mb)",
            ) from None
        for parts in kept.values():
            parts.clear()
        self.held = 0
        release()  # what the lines held and the batches since the last time used, back to the system

    def discard(self) -> None:
        """The spilled lines deleted (a reading that failed or is read again)."""
        if self.spill is not None:
            self.spill.close()

    def lines(self, **fields: Any) -> Lines:
        release()  # what the batches used, before the lines kept are joined
        malformed = sorted(self.malformed)
        kept, rejects = self.kept, self.rejects
        cat = lambda parts, dtype: np.concatenate(parts) if parts else np.empty(0, dtype)
        dated = self.claim_dated
        notes = _void_note(self.void_rows) + (
            [f"{dated} line(s) with no line date of service took their claim's date ({self.cols['claim_date']})"]
            if dated
            else []
        )
        if self.spill is not None:  # the last lines held join the others in the spill's parts
            self._spill_held()
        return Lines(
            claim=pa.chunked_array(kept["claim"], type=pa.string()),
            row=cat(kept.pop("row"), np.int32),
            cols={k: V.joined(kept.pop(k), V.id_type(len(d.values))) for k, d in self.distinct.items()},
            distinct=self.distinct,
            lines_in=self.rows + len(malformed),
            rejects={
                "row": cat(rejects["row"], np.int64),
                "claim": pa.chunked_array(rejects["claim"], type=pa.string()),
                "line_number": cat(rejects["line_number"], np.int32),
                "reason": cat(rejects["reason"], np.int8),
                **{name: cat(rejects[name], np.int32) for name in VALUE_OF.values()},
            },
            malformed=malformed,
            void=self.void_rows,
            provider_given=self.provider_given,
            spill=self.spill,
            **{**fields, "notes": notes + fields.get("notes", [])},
        )


def _rejected(
    no_claim: np.ndarray, why: dict[str, np.ndarray], ids: dict[str, np.ndarray], claim: pa.Array
) -> tuple[np.ndarray, dict[str, Any]]:
    """Each row's reject reason (0: none; the first in REJECT_REASONS order wins) and the rejected
    rows: row, claim, line number id, reason, and the id of the value that made each unreadable."""
    reason = np.where(no_claim, 1, 0).astype(np.int8)
    for k in WHY:
        reason = np.where(reason == 0, why[k][ids[k]], reason)
    bad = np.flatnonzero(reason)
    r = reason[bad]
    rejected: dict[str, Any] = {
        "row": bad,
        "claim": pc.utf8_trim_whitespace(claim.take(pa.array(bad))),
        "line_number": ids["line_number"][bad],
        "reason": r,
    }
    for code, name in VALUE_OF.items():
        rejected[name] = np.where(r == code, ids[name][bad], -1).astype(np.int32)
    return reason, rejected


def _blank(claim: pa.Array) -> np.ndarray:
    """Whether each claim id is missing: null, empty, or only white space."""
    empty = pc.or_kleene(pc.equal(pc.binary_length(claim), 0), pc.utf8_is_space(claim))
    return pc.fill_null(empty, True).to_numpy(zero_copy_only=False)


def _as_text(arr: pa.Array) -> pa.Array:
    """A column as text (dictionary-encoded text decoded; a date or a timestamp as ISO text)."""
    arr = _flat(arr)
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if pa.types.is_timestamp(arr.type):
        arr = arr.cast(pa.date32())
    return arr if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) else arr.cast(pa.string())


def _date_or_claim_date(line_date: pa.Array, claim_date: pa.Array) -> tuple[pa.Array, int]:
    """The line's date of service, or the claim's date where the line's is empty; and how many lines
    took the claim's."""
    d, c = _as_text(line_date), _as_text(claim_date)
    empty = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(d), ""), True)
    has_claim = pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(c), ""), False)
    took = pc.and_(empty, has_claim)
    return pc.if_else(took, c, d), int(pc.sum(took).as_py() or 0)


def _void_note(n: int) -> list[str]:
    """The notice for ``n`` lines of void claims (none when there are none)."""
    return [f"{n} service line(s) of void claims (frequency code 8) were left out, not audited"] if n else []
