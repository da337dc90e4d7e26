"""Memory the audit hands back while it runs (``release``), the page size it asks numpy for
(``small_pages``) and the heap numpy and pyarrow share while it runs (``one_heap``): the audit
allocates and frees many arrays of a few MB."""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa


def _glibc() -> tuple[Callable[[int], int] | None, Callable[[int, int], int] | None]:
    """glibc's ``malloc_trim`` and ``mallopt``, from the symbols this process has loaded (no search
    for the library: ``ctypes.util.find_library`` runs ``ldconfig``, 20 ms); None elsewhere (musl,
    macOS, Windows)."""
    try:
        libc = ctypes.CDLL(None)
        return libc.malloc_trim, libc.mallopt
    except (OSError, AttributeError, TypeError):
        return None, None


_TRIM, _MALLOPT = _glibc()
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_MMAP_MAX = -1, -3, -4  # glibc's malloc.h
GLIBC_MMAP_COUNT = 65536  # glibc's default M_MMAP_MAX (DEFAULT_MMAP_MAX): how many blocks it may map
GLIBC_MMAP_MAX = 32 << 20  # the highest mmap threshold glibc's own adjustment reaches (DEFAULT_MMAP_THRESHOLD_MAX)


def release() -> None:
    """Hand the memory freed so far back to the system: pyarrow's pool (the batches read) and
    malloc's free pages (glibc; numpy's arrays of a few MB come from its heaps, which keep what is
    freed). A few ms; called after the reading, so that the checks start from what is in use, not
    what the reading once used (on the 10M-line benchmark file: 370 MB less). Not after each chunk
    of claims: the next chunk reuses that memory, and memory handed back is faulted in again
    (0.6-0.9 s more on that file for 50-100 MB less at the peak)."""
    pa.default_memory_pool().release_unused()
    if _TRIM is not None:
        _TRIM(0)


@contextmanager
def small_pages() -> Iterator[None]:
    """Ask numpy not to madvise its large arrays into transparent huge pages while auditing.

    The audit allocates many short-lived arrays of a few MB; where the kernel compacts memory on
    a huge-page fault (``/sys/kernel/mm/transparent_hugepage/defrag`` = madvise, the default) that
    costs more than it saves: on the benchmark machine the checks of 3M lines took 0.76-0.79 s
    instead of 1.1-1.35 s (``NUMPY_MADVISE_HUGEPAGE=0`` does the same for a whole process). The
    setting is numpy's (``_set_madvise_hugepage``) and is restored afterwards.
    """
    setter = getattr(getattr(getattr(np, "_core", None), "multiarray", None), "_set_madvise_hugepage", None)
    previous = setter(False) if setter else None
    try:
        yield
    finally:
        if setter:
            setter(previous)


@contextmanager
def one_heap(mmap_mb: int = 32, keep_mb: int = 1024) -> Iterator[None]:
    """numpy's arrays and pyarrow's buffers from one malloc heap while auditing, freed memory kept
    there for the next array instead of handed back and faulted in again (glibc only; elsewhere
    nothing changes). Re-entrant: the settings change when the first is entered and come back when
    the last is left (the ``audit`` command holds it around the audit and its output files).

    By default pyarrow allocates from its own heap (mimalloc) and numpy from malloc, which maps each
    block over its threshold (128 kB, raised as blocks are freed) afresh and unmaps it when freed:
    each new array is faulted in page by page, and memory one library freed is not reused by the
    other. Inside: pyarrow's default pool is the system pool (malloc), blocks come from malloc's
    heaps (``mmap_mb``, the threshold set, is the largest glibc accepts, and mapping is turned off
    for larger blocks too, the columns of 4M lines and more; glibc still maps a block larger than a
    worker thread's heap, 64 MB, or one the main heap cannot grow for), and up to ``keep_mb`` of
    free memory stays at a heap's top. The pool and the thresholds are needed: the pool with only
    the trim threshold raised made a 10M-line audit 1.5x slower; blocks over 32 MB mapped afresh
    cost a 10M-line audit 0.2-0.5 s of page faults (benchmarks/README.md has the measurements).
    Afterwards: the previous pool; mapping on again; the thresholds where glibc's own adjustment
    leaves them once a process has freed a 32 MB block (blocks to 32 MB from the heaps, 64 MB of
    free memory kept at a heap's top: a setting cannot hand that adjustment back, and its starting
    point, every block over 128 kB mapped afresh, would slow what the process does next); and the
    free memory handed back (``malloc_trim``).
    """
    with _HOLD.lock:
        if not _HOLD.count:
            _HOLD.previous = _share_heap(mmap_mb, keep_mb)
        _HOLD.count += 1
    try:
        yield
    finally:
        with _HOLD.lock:
            _HOLD.count -= 1
            if not _HOLD.count and _HOLD.previous is not None:
                _unshare_heap(_HOLD.previous)
                _HOLD.previous = None


def _share_heap(mmap_mb: int, keep_mb: int) -> pa.MemoryPool | None:
    """one_heap's settings made, and the pool they replaced; None (nothing changed) where malloc is
    not glibc's or refuses them."""
    if _MALLOPT is None or _TRIM is None or not _MALLOPT(M_MMAP_THRESHOLD, mmap_mb << 20):
        return None
    _MALLOPT(M_TRIM_THRESHOLD, keep_mb << 20)
    _MALLOPT(M_MMAP_MAX, 0)  # larger blocks too: from the heaps, reused when freed
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    return previous


def _unshare_heap(previous: pa.MemoryPool) -> None:
    """one_heap's settings undone (see there), ``previous`` the default pool again."""
    assert _MALLOPT is not None and _TRIM is not None  # _share_heap made them
    pa.set_memory_pool(previous)
    _MALLOPT(M_MMAP_MAX, GLIBC_MMAP_COUNT)
    _MALLOPT(M_MMAP_THRESHOLD, GLIBC_MMAP_MAX)
    _MALLOPT(M_TRIM_THRESHOLD, 2 * GLIBC_MMAP_MAX)
    _TRIM(0)


@dataclass
class _Held:
    """How many one_heap holds are open, and the pool the first one replaced (None: it changed nothing)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    count: int = 0
    previous: pa.MemoryPool | None = None


_HOLD = _Held()
