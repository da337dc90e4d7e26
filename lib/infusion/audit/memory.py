"""Memory the audit hands back while it runs (``release``), and the page size it asks numpy for
(``small_pages``): the audit allocates and frees many arrays of a few MB, whose freed memory the
allocators would otherwise keep."""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import pyarrow as pa


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` (None elsewhere: musl, macOS, Windows)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


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
