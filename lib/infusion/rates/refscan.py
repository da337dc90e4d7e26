"""Provider references of an in-network file, read a window at a time and kept in arrays.

A payer's file defines hundreds of thousands to millions of provider groups in
``provider_references`` before the rates that use them; a handful of rates for 96369-96371 use a
few of them. Each reference is summed up as one packed int (groups << 32 | distinct NPIs, -1 for
a remote file) beside its id, in numpy arrays: 16 bytes per reference, with no Python object per
reference, and no ``json.loads``. A window of references is summed up by one compiled pass over
its bytes (``refkernel``): a reference whose bytes are not of the plain shape (one id, no
``location``, no escape, each group an ``npi`` list of plain numbers and a ``tin``) is handed back
to be decoded and checked as JSON, one at a time (``RefTable.add``).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import numpy as np

from . import jsonscan
from .jsonscan import RawItems

SPILL = 1 << 18  # references kept in memory before they go to a temporary file (4 MB)


@dataclass
class RefTable:
    """Provider group id -> packed summary (groups << 32 | distinct NPIs; -1 for a remote file).

    Integer ids live in arrays (the last definition of an id wins, as in a dict), spilled to a
    temporary file past ``spill`` references so that memory stays flat however many groups a
    file defines; other ids (text, fractional numbers, integers beyond 64 bits) in a dict.
    """

    spill: int = SPILL
    other: dict[Any, int] = field(default_factory=dict)
    _ids: list[np.ndarray] = field(default_factory=list)
    _packed: list[np.ndarray] = field(default_factory=list)
    _one: list[tuple[int, int]] = field(default_factory=list)
    _file: Any = None  # the temporary file: (id, packed) pairs as int64, in file order
    _spilled: int = 0

    def add(self, gid: Any, packed: int) -> None:
        """One reference (read as JSON)."""
        if isinstance(gid, int) and -(1 << 63) <= gid < (1 << 63):
            self._one.append((gid, packed))
            if len(self._one) >= 4096:
                self._flush()
        else:
            self.other[gid] = packed

    def add_many(self, ids: np.ndarray, packed: np.ndarray) -> None:
        """References read from their bytes, in file order."""
        self._flush()
        self._keep(ids, packed)

    def _flush(self) -> None:
        if self._one:
            one = np.array(self._one, dtype=np.int64)
            self._one.clear()
            self._keep(one[:, 0].copy(), one[:, 1].copy())

    def _keep(self, ids: np.ndarray, packed: np.ndarray) -> None:
        self._ids.append(ids)
        self._packed.append(packed)
        if sum(len(a) for a in self._ids) > self.spill:
            self._to_file()

    def _to_file(self) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="infusion-refs-")
        for ids, packed in zip(self._ids, self._packed):
            np.column_stack((ids, packed)).astype(np.int64).tofile(self._file)
            self._spilled += len(ids)
        self._ids.clear()
        self._packed.clear()

    def __len__(self) -> int:
        self._flush()
        return self._spilled + sum(len(a) for a in self._ids) + len(self.other)

    def _chunks(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, packed) in file order: the spilled ones read back a slice at a time."""
        if self._file is not None:
            self._file.flush()
            self._file.seek(0)
            while len(pairs := np.fromfile(self._file, dtype=np.int64, count=2 * self.spill)):
                yield pairs[0::2], pairs[1::2]
        yield from zip(self._ids, self._packed)

    def lookup(self, wanted: Iterable[Any]) -> dict[Any, int]:
        """The summaries of the ``wanted`` ids that are defined (the last definition of each)."""
        self._flush()
        wanted = set(wanted)
        found = {k: self.other[k] for k in wanted if k in self.other}
        ints = np.array([k for k in wanted if isinstance(k, int) and -(1 << 63) <= k < (1 << 63)], dtype=np.int64)
        if len(ints):
            for ids, packed in self._chunks():
                at = np.flatnonzero(np.isin(ids, ints))
                found.update(zip(ids[at].tolist(), packed[at].tolist()))  # in file order: the last one wins
        return found

    def close(self) -> None:
        """Remove the temporary file."""
        if self._file is not None:
            self._file.close()
            self._file = None


def read_window(raw: RawItems) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(plain, ids, packed), one entry per item of a window of provider_references: ``plain`` marks
    the items summed up from their bytes by the compiled pass (``refkernel``; ``ids`` and ``packed``
    hold their values); the others, and every item of a small window while numba is not loaded,
    are to be decoded as JSON."""
    n = len(raw)
    if not (jsonscan.kernel_loaded() or len(raw.data) > jsonscan.SMALL):
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    from .refkernel import summaries

    return summaries(np.frombuffer(raw.data, dtype=np.uint8), raw.starts, raw.ends)
