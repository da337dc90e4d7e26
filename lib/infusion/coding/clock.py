"""One grammar of clock times, for the engine and the audit alike.

A clock time is ``HH:MM``, ``HH:MM:SS`` (a fraction of a second is dropped), ``H:MM AM``/``PM``
(``a.m.``, any case) or ``HHMM`` (``0930``, as claim extracts write it); ASCII digits only.
"""

from __future__ import annotations

import re

CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?(?:\s*([AaPp])\.?[Mm]\.?)?", re.ASCII)
DIGITS_CLOCK = re.compile(r"([0-9]{1,2})([0-9]{2})", re.ASCII)


def hour_24(hour: int, half: str | None) -> int | None:
    """``hour`` on a 24-hour clock: read with ``half``, the a or p of AM/PM (any case; None or empty
    for a 24-hour reading); None when the hour cannot be read so (13 PM, 0 AM)."""
    if not half:
        return hour
    return hour % 12 + (12 if half in "Pp" else 0) if 1 <= hour <= 12 else None


def clock_seconds(text: str) -> int | None:
    """Seconds of the day of a clock time (see the module doc), or None when ``text`` is not one."""
    t = text.strip()
    if m := CLOCK.fullmatch(t):
        h24, mi, s = hour_24(int(m[1]), m[4]), int(m[2]), int(m[3] or 0)
        if h24 is None:
            return None
        h = h24
    elif m := DIGITS_CLOCK.fullmatch(t):
        h, mi, s = int(m[1]), int(m[2]), 0
    else:
        return None
    return h * 3600 + mi * 60 + s if h < 24 and mi < 60 and s < 60 else None
