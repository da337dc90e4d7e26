"""The compiled pass that sums up provider references from their bytes (numba; imported only when
a window is big enough to be worth it, see ``refscan.read_window``).

One pass over each item of a window (the scanner has already matched its brackets and refused
control characters). Strings are compared with the few member names that matter; an item is
*plain* when it has exactly one ``provider_group_id`` holding a plain integer, exactly one
``provider_groups`` (an array), as many ``tin`` objects as ``npi`` lists, every ``npi`` list made
of plain numbers of at most ``MAX_DIGITS`` digits, no ``location`` and no escape. A plain item gives
its id, its number of ``npi`` lists (groups) and its distinct NPIs (a 0 is none; "01" and "1" are
two, as their text is); any other item is left to the JSON path, which checks it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

MAX_DIGITS = 15  # an NPI or id of more digits is read as JSON (NPIs have 10)
GID_WORD = np.frombuffer(b"provider_group_id", dtype=np.uint8)
GROUPS_WORD = np.frombuffer(b"provider_groups", dtype=np.uint8)
NPI_WORD = np.frombuffer(b"npi", dtype=np.uint8)
TIN_WORD = np.frombuffer(b"tin", dtype=np.uint8)
LOCATION_WORD = np.frombuffer(b"location", dtype=np.uint8)


@njit(cache=True, nogil=True)
def _ws(a, i, e):
    while i < e and (a[i] == 32 or a[i] == 10 or a[i] == 13 or a[i] == 9):
        i += 1
    return i


@njit(cache=True, nogil=True)
def _is(a, s, n, word):
    if n != len(word):
        return False
    for t in range(n):
        if a[s + t] != word[t]:
            return False
    return True


@njit(cache=True, nogil=True)
def _kind(a, s, n):
    """1 provider_group_id, 2 provider_groups, 3 npi, 4 tin, 5 location, 0 any other text."""
    if _is(a, s, n, GID_WORD):
        return 1
    if _is(a, s, n, GROUPS_WORD):
        return 2
    if _is(a, s, n, NPI_WORD):
        return 3
    if _is(a, s, n, TIN_WORD):
        return 4
    if _is(a, s, n, LOCATION_WORD):
        return 5
    return 0


@njit(cache=True, nogil=True)
def _number(a, i, e):
    """(value, digits, end) of the plain integer at ``i`` (digits 0: none; -1: not plain)."""
    v = 0
    d = 0
    while i < e and 48 <= a[i] <= 57:
        if d < MAX_DIGITS:
            v = v * 10 + (a[i] - 48)
        d += 1
        i += 1
    if d == 0 or d > MAX_DIGITS or (i < e and (a[i] == 46 or a[i] == 101 or a[i] == 69 or a[i] == 43 or a[i] == 45)):
        return v, -1 if d else 0, i
    return v, d, i


@njit(cache=True, nogil=True)
def _npi_list(a, i, e, buf, nn):
    """Read the plain list of numbers at ``a[i] == '['`` into ``buf`` from ``nn`` (each as
    value * 32 + digits; a single 0 left out). Returns (end, nn, plain, buf)."""
    i = _ws(a, i + 1, e)
    if i < e and a[i] == 93:
        return i + 1, nn, True, buf
    while True:
        v, d, i = _number(a, _ws(a, i, e), e)
        if d <= 0:
            return i, nn, False, buf
        if not (v == 0 and d == 1):
            if nn == len(buf):
                bigger = np.empty(2 * len(buf), dtype=np.int64)
                bigger[:nn] = buf[:nn]
                buf = bigger
            buf[nn] = v * 32 + d
            nn += 1
        i = _ws(a, i, e)
        if i < e and a[i] == 93:
            return i + 1, nn, True, buf
        if i >= e or a[i] != 44:
            return i, nn, False, buf
        i += 1


@njit(cache=True, nogil=True)
def _distinct(buf, nn):
    if nn == 0:
        return 0
    s = np.sort(buf[:nn])
    n = 1
    for t in range(1, nn):
        if s[t] != s[t - 1]:
            n += 1
    return n


@njit(cache=True, nogil=True)
def _item(a, i, e, buf):  # noqa: C901 - one pass over an item, compiled: each branch is a member name
    """(plain, id, lists, distinct NPIs, buf) of the reference in ``a[i:e]``."""
    gids = groups = group_keys = lists = tins = nn = 0
    gid = 0
    while i < e:
        c = a[i]
        if c == 92:
            return False, 0, 0, 0, buf
        if c != 34:
            i += 1
            continue
        j = i + 1
        while j < e and a[j] != 34 and a[j] != 92:
            j += 1
        if j >= e or a[j] == 92:
            return False, 0, 0, 0, buf
        kind = _kind(a, i + 1, j - i - 1)
        k = _ws(a, j + 1, e)
        i = j + 1
        if kind == 5:
            return False, 0, 0, 0, buf
        if kind == 2:
            group_keys += 1
        if kind == 0 or k >= e or a[k] != 58:
            continue
        i = _ws(a, k + 1, e)
        if kind == 1:
            gid, d, i = _number(a, i, e)
            if d <= 0:
                return False, 0, 0, 0, buf
            gids += 1
        elif kind == 2:
            if i < e and a[i] == 91:
                groups += 1
        elif kind == 3:
            if i >= e or a[i] != 91:
                return False, 0, 0, 0, buf
            i, nn, plain, buf = _npi_list(a, i, e, buf, nn)
            if not plain:
                return False, 0, 0, 0, buf
            lists += 1
        elif kind == 4:
            if i < e and a[i] == 123:
                tins += 1
    if gids != 1 or groups != 1 or group_keys != 1 or lists != tins:
        return False, 0, 0, 0, buf
    return True, gid, lists, _distinct(buf, nn), buf


@njit(cache=True, nogil=True)
def summaries(a, starts, ends):
    """(plain, ids, packed) per item ``a[starts[i]:ends[i]]``; packed = lists << 32 | distinct NPIs."""
    n = len(starts)
    plain = np.zeros(n, dtype=np.bool_)
    ids = np.zeros(n, dtype=np.int64)
    packed = np.zeros(n, dtype=np.int64)
    buf = np.empty(256, dtype=np.int64)
    for t in range(n):
        ok, gid, lists, distinct, buf = _item(a, starts[t], ends[t], buf)
        if ok:
            plain[t] = True
            ids[t] = gid
            packed[t] = (lists << 32) | distinct
    return plain, ids, packed
