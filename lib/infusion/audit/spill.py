"""The lines read, written to temporary files in parts by claim when they outgrow a memory budget.

The reading holds the lines it keeps (claim id, row number and the value ids of each column: about
50-80 bytes a line) until the checks run. Past the budget (``audit(memory_mb=...)``, the command's
``--memory-mb``) they go to a temporary folder (``TMPDIR``), each line to one of ``parts`` files
chosen by a hash of its claim id, so that every line of a claim lands in the same part; the checks
then run a part at a time (every rule is judged within a claim: the findings are those of one
pass). A part found larger than the budget when its turn comes is split again by other bits of
the hash (a part of a single claim cannot be: it is checked as it is). The files are Arrow IPC
streams, read back memory-mapped, and deleted as each part is taken and when the audit ends.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .claim_ids import run_starts
from .values import id_type, joined

BITS_PER_LEVEL = 8  # a level splits into at most 2**8 parts; 8 levels use the hash's 64 bits
MAX_PARTS = 1 << BITS_PER_LEVEL
_M1, _M2, _GOLD = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB), np.uint64(0x9E3779B97F4A7C15)


def claim_hash(claim: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A 64-bit hash of each text of ``claim`` (string type; equal texts, equal hashes: see
    ``_hash_texts``). Only the first line of each run of equal ids is hashed (extracts list a
    claim's lines together)."""
    chunks = claim.chunks if isinstance(claim, pa.ChunkedArray) else [claim]
    return np.concatenate([_hash_runs(c) for c in chunks] or [np.empty(0, np.uint64)])


def _hash_runs(texts: pa.Array) -> np.ndarray:
    new_run = run_starts(texts)
    heads = np.flatnonzero(new_run)
    if len(heads) > len(texts) // 2:  # runs of one line, mostly: hash every line
        return _hash_texts(texts)
    return _hash_texts(texts.take(pa.array(heads)))[np.cumsum(new_run) - 1]


def _hash_texts(texts: pa.Array) -> np.ndarray:
    """The hash of each text: its first 32 bytes and its last 8 (zero-padded, as five 64-bit
    words, made by pyarrow's kernels) and its length, mixed word by word (xor-multiply-shift) and
    finished by splitmix64's finaliser. A function of the text alone, whatever the batch."""
    n = len(texts)
    if n == 0:
        return np.empty(0, np.uint64)
    raw = pc.fill_null(texts.cast(pa.binary()), b"")
    empty = pa.scalar(b"", pa.binary())
    head = pc.binary_slice(pc.binary_join_element_wise(raw, _ZEROS, empty), 0, _HEAD)
    tail = pc.binary_slice(pc.binary_join_element_wise(_ZEROS, raw, empty), -8)
    words = [_fixed(head, _HEAD // 8), _fixed(tail, 1)]
    h = pc.binary_length(raw).to_numpy().astype(np.uint64) * _GOLD
    for block in words:
        for j in range(block.shape[1]):
            h ^= block[:, j]
            h *= _M1
            h ^= h >> np.uint64(29)
    h ^= h >> np.uint64(30)
    h *= _M1
    h ^= h >> np.uint64(27)
    h *= _M2
    h ^= h >> np.uint64(31)
    return h


_HEAD = 32  # bytes of a claim id's start that its hash reads (with its last 8 and its length)
_ZEROS = pa.scalar(b"\0" * _HEAD, pa.binary())


def _fixed(texts: pa.Array, words: int) -> np.ndarray:
    """Texts of ``words * 8`` bytes each as an (n, words) array of 64-bit words."""
    start = int(np.frombuffer(texts.buffers()[1], dtype=np.int32)[texts.offset])
    data = np.frombuffer(texts.buffers()[2], dtype=np.uint8)[start : start + len(texts) * words * 8]
    return (
        data.view(np.uint64).reshape(len(texts), words)
        if start % 8 == 0
        else data.copy().view(np.uint64).reshape(-1, words)
    )


@dataclass
class Kept:
    """The lines of one part: claim ids, rows, and each column's value ids (as ``read.Lines``)."""

    claim: pa.ChunkedArray
    row: np.ndarray
    cols: dict[str, np.ndarray]


class Spill:
    """Lines written to ``parts`` files by the hash of their claim id (see the module doc).

    ``columns``: the names of the value-id columns (written as int32, read back in the narrowest
    type that holds them: ``kept``); ``budget``: bytes a part may take on disk before it is split
    again when read back; ``level``: which bits of the hash choose the part.
    """

    def __init__(self, columns: list[str], parts: int, budget: int, level: int = 0, folder: Path | None = None) -> None:
        if not 2 <= parts <= MAX_PARTS or parts & (parts - 1):
            raise ValueError(f"parts={parts}: a power of 2 from 2 to {MAX_PARTS}")
        self.columns, self.parts, self.budget, self.level = columns, parts, budget, level
        self.folder = Path(tempfile.mkdtemp(prefix="infusion-audit-")) if folder is None else folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.schema = pa.schema([("claim", pa.string()), ("row", pa.int64())] + [(c, pa.int32()) for c in columns])
        self._writers: list = [None] * parts
        self.sizes = [0] * parts  # bytes written to each part
        self.lines = 0

    def _part_of(self, claim: pa.Array | pa.ChunkedArray) -> np.ndarray:
        shift = 64 - BITS_PER_LEVEL * (self.level % (64 // BITS_PER_LEVEL)) - self.parts.bit_length() + 1
        return ((claim_hash(claim) >> np.uint64(shift)) & np.uint64(self.parts - 1)).astype(np.uint8)

    def add(self, claim: pa.Array | pa.ChunkedArray, row: np.ndarray, ids: dict[str, np.ndarray]) -> None:
        """Write these lines (claim ids, rows, value ids per column) to their parts."""
        n = len(row)
        if n == 0:
            return
        part = self._part_of(claim)
        order = np.argsort(part, kind="stable")
        bounds = np.searchsorted(part[order], np.arange(self.parts + 1))
        claim = claim.take(pa.array(order))
        if isinstance(claim, pa.ChunkedArray):
            claim = claim.combine_chunks()
        batch = pa.record_batch(
            [claim, pa.array(row[order].astype(np.int64))]
            + [pa.array(ids[c][order].astype(np.int32)) for c in self.columns],
            schema=self.schema,
        )
        text = np.frombuffer(claim.buffers()[1], dtype=np.int32)[claim.offset : claim.offset + n + 1]
        per_line = 8 + 4 + 4 * len(self.columns)  # row, text offset, ids
        for p in np.flatnonzero(np.diff(bounds)).tolist():
            a, b = int(bounds[p]), int(bounds[p + 1])
            self._writer(p).write_batch(batch.slice(a, b - a))
            self.sizes[p] += (b - a) * per_line + int(text[b] - text[a])
        self.lines += n

    def _writer(self, p: int):
        if self._writers[p] is None:
            self._writers[p] = pa.ipc.new_stream(str(self._path(p)), self.schema)
        return self._writers[p]

    def _path(self, p: int) -> Path:
        return self.folder / f"part-{self.level}-{p:03d}.arrow"

    def _close_writers(self) -> None:
        for p, w in enumerate(self._writers):
            if w is not None:
                w.close()
                self._writers[p] = None

    def kept(self, narrow: dict[str, int]) -> Iterator[Kept]:
        """Each part's lines in file order (value ids in int16 where ``narrow[column]``, the number
        of distinct values, fits), a part split again when larger than the budget; its file is
        deleted once read."""
        self._close_writers()
        used = [p for p in range(self.parts) if self.sizes[p]]
        for p in used:
            path = self._path(p)
            if self.sizes[p] > self.budget and len(used) > 1 and self.level + 1 < 64 // BITS_PER_LEVEL:
                yield from self._split(path, self.sizes[p], narrow)
                continue
            with pa.memory_map(str(path)) as source:
                table = pa.ipc.open_stream(source).read_all()
            path.unlink()
            yield Kept(
                claim=table.column("claim"),
                row=_joined(table.column("row"), np.int64),
                cols={c: _joined(table.column(c), id_type(narrow[c])) for c in self.columns},
            )
            del table

    def _split(self, path: Path, size: int, narrow: dict[str, int]) -> Iterator[Kept]:
        """The part at ``path`` (``size`` bytes) split again by the next bits of the hash, into
        parts of about half the budget, and read part by part."""
        child = Spill(self.columns, parts_for(size, self.budget), self.budget, self.level + 1, self.folder / path.stem)
        with pa.memory_map(str(path)) as source:
            for batch in pa.ipc.open_stream(source):
                cols = batch.columns
                child.add(cols[0], cols[1].to_numpy(), {c: a.to_numpy() for c, a in zip(self.columns, cols[2:])})
        path.unlink()
        yield from child.kept(narrow)

    def close(self) -> None:
        """Close the files and delete the folder (the top spill's, with its parts' folders)."""
        self._close_writers()
        if self.level == 0:
            shutil.rmtree(self.folder, ignore_errors=True)


def parts_for(size: float, budget: int) -> int:
    """How many parts (a power of 2, 2 to ``MAX_PARTS``) make ``size`` bytes parts of half ``budget``."""
    want = int(-(-size // max(budget // 2, 1)))
    return min(MAX_PARTS, max(2, 1 << max(want - 1, 0).bit_length()))


def _joined(col: pa.ChunkedArray, dtype: type) -> np.ndarray:
    """One array of ``col``'s chunks, in ``dtype`` (a copy out of the mapped file)."""
    return joined([chunk.to_numpy() for chunk in col.chunks], dtype)
