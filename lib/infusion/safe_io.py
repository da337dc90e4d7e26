"""Writing files so that a failure loses nothing, and one lock for everything that writes reports.

* ``atomic_write``: the new content goes to a temporary file beside the target, is flushed to disk
  (fsync) and renamed over the target: a reader sees the old file or the new one, never half.
* ``Lock``: an exclusive ``flock`` on ``reports/.lock``. Every path that writes ``reports/``
  (``render --all``, ``--notebook``, ``--config``) takes it, so two runs never write at once: the
  second exits at once naming the holder (the CLI's exit 75), or waits up to ``wait_seconds``.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import math
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from .errors import InputError

MAX_WAIT_SECONDS = 86_400  # a day: a longer wait is a mistake in the schedule


@contextmanager
def atomic_files(paths: Sequence[Path]) -> Iterator[list[Path]]:
    """Temporary paths beside each of ``paths`` for the block to write; when it ends without an
    error each is flushed to disk (fsync) and renamed over its target, together; when it fails
    they are removed and the targets are as they were. The one place files are replaced."""
    tmps = [p.with_name(f".{p.name}.{os.getpid()}.tmp") for p in paths]
    try:
        yield tmps
        for t in tmps:
            with open(t, "rb") as fh:
                os.fsync(fh.fileno())
        for t, p in zip(tmps, paths):
            os.replace(t, p)
    except BaseException:
        for t in tmps:
            t.unlink(missing_ok=True)
        raise


def atomic_write(path: Path, data: str | bytes, encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` through a temporary file, fsync and rename (see module doc)."""
    with atomic_files([path]) as (tmp,):
        tmp.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


def wait_seconds(value: object, field: str = "wait_seconds") -> float:
    """``value`` as seconds to wait for the lock: a finite number from 0 to a day; InputError
    naming ``field`` otherwise (``nan`` or ``1e400`` would wait for ever, holding nothing)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(field, f"{str(value)[:40]!r} is not a number of seconds")
    if not math.isfinite(value) or not 0 <= value <= MAX_WAIT_SECONDS:
        raise InputError(field, f"{value} is not a number of seconds from 0 to {MAX_WAIT_SECONDS:,}")
    return float(value)


class LockedError(RuntimeError):
    """Another run holds the reports lock."""


class Lock:
    """An exclusive flock on ``path``; the holder's pid and start are written in it."""

    def __init__(self, path: Path, wait: float = 0) -> None:
        self.path = path
        self.wait = wait_seconds(wait)
        self.fh: TextIO | None = None

    def __enter__(self) -> "Lock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = fh = open(self.path, "a+")
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    holder = fh.read().strip()[:200] or "another process"
                    fh.close()
                    self.fh = None
                    raise LockedError(
                        f"another render run holds {self.path} ({holder}); try again when it ends"
                    ) from None
                time.sleep(0.5)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {dt.datetime.now().isoformat(timespec='seconds')}")
        fh.flush()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fh:
            self.fh.seek(0)
            self.fh.truncate()
            fcntl.flock(self.fh, fcntl.LOCK_UN)
            self.fh.close()
            self.fh = None
