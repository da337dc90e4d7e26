"""Fast streaming of big JSON arrays: find item boundaries with numpy, decode only what matches.

A Transparency in Coverage file is one object with a huge ``in_network`` array, in which the codes we
want are rare. Decoding every item into Python objects runs at ~20 MB/s; this scanner finds the item
boundaries with one compiled pass (numba, loaded only for windows of more than ``SMALL`` bytes: a
small file is scanned by the same function run as Python, no compiler loaded) over 4 MB windows
of bytes (strings and escapes skipped,
brackets matched on a stack) and hands only the items that a byte pattern matches to ``json.loads``
(which refuses NaN, Infinity and overflow here). Items that do not match are checked for structure,
not decoded: brackets matched, nesting at most ``MAX_DEPTH``, no control character in a string and
only JSON's own bytes outside strings (a bare word is refused; a misspelt literal made of the
letters of true/false/null is not caught). Memory is bounded by the window plus one item, and an
item larger than ``max_item`` bytes is refused (``TooLarge``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterator, Protocol

import numpy as np


class Readable(Protocol):
    """A byte stream: ``read(n)`` returns up to ``n`` bytes, ``b""`` at the end."""

    def read(self, n: int = -1, /) -> bytes: ...


class StreamError(ValueError):
    """Invalid or truncated JSON at ``offset`` (bytes into the decompressed stream)."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"byte {offset}: {message}")
        self.offset = offset
        self.reason = message


@dataclass(frozen=True)
class Member:
    """A top-level member (``index`` is None) or one item of a streamed array member."""

    key: str
    value: Any
    index: int | None
    offset: int

_WS = b" \t\r\n"


def _finite(text: str) -> float:
    v = float(text)
    if v in (float("inf"), float("-inf")):
        raise ValueError(f"number {text[:30]} is out of range: overflow")
    return v


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number: not a number")


def loads(raw: bytes | str) -> Any:
    """``json.loads`` that refuses NaN, Infinity and numbers that overflow to infinity (JSON has
    none of them; Python's decoder accepts them)."""
    return json.loads(raw, parse_float=_finite, parse_constant=_no_constant)


class MissingField(StreamError):
    """An array item without a required member (found without decoding the item)."""
_KEY = re.compile(rb'\s*"((?:[^"\\]|\\.)*)"\s*:\s*', re.S)


@dataclass
class _Buf:
    fp: Readable
    chunk: int
    data: bytes = b""
    pos: int = 0
    base: int = 0  # stream offset of data[0]
    eof: bool = False

    def fill(self, at_least: int = 0) -> bool:
        if self.eof:
            return False
        if self.pos:
            self.base += self.pos
            self.data = self.data[self.pos:]
            self.pos = 0
        more = self.fp.read(max(self.chunk, at_least))
        if not more:
            self.eof = True
            return False
        self.data += more
        return True

    def peek(self) -> bytes:
        while True:
            n = len(self.data)
            while self.pos < n and self.data[self.pos] in _WS:
                self.pos += 1
            if self.pos < n:
                return self.data[self.pos:self.pos + 1]
            if not self.fill():
                return b""

    def offset(self, i: int | None = None) -> int:
        return self.base + (self.pos if i is None else i)


MAX_DEPTH = 512  # nesting the scanner accepts inside one item (json.loads recurses ~1,000 deep)
_SCAN_ERRORS = {1: "mismatched bracket", 2: "control character inside a string",
                3: "a character that is not JSON outside a string (a bare word?)",
                4: f"nested more than {MAX_DEPTH} levels deep"}


def _scan(a, first_only, closer):  # noqa: C901 - one state machine, compiled by numba: split, it would cost a call per byte
    """One pass over bytes ``a`` that start outside any string at relative depth 0.

    Returns (seps, n_seps, stop, err_at, err): positions of commas at depth 0 (item separators),
    their count, and the position of the closing bracket ``closer`` at depth 0 (the end of the
    enclosing array or object), or -1 when the bytes end first. With ``first_only`` it returns at
    the first separator or closer (the end of one value). Brackets are matched (a stack of their
    kinds), strings are skipped with their escapes and may hold no control character, and outside
    strings only JSON's own bytes may appear (structure, digits, sign, point, exponent and the
    letters of true/false/null); the first violation stops the pass with ``err`` (see
    _SCAN_ERRORS) at ``err_at``.
    """
    n = len(a)
    seps = np.empty(n // 2 + 1, dtype=np.int64)
    stack = np.empty(MAX_DEPTH + 1, dtype=np.uint8)
    k = 0
    depth = 0
    in_str = False
    i = 0
    while i < n:
        c = a[i]
        if in_str:
            if c == 92:  # backslash: skip the escaped byte
                i += 2
                continue
            if c == 34:
                in_str = False
            elif c < 32:
                return seps, k, -1, i, 2
        elif c == 34:
            in_str = True
        elif c == 123 or c == 91:
            if depth == MAX_DEPTH:
                return seps, k, -1, i, 4
            stack[depth] = c + 2  # the closer that matches: } is { + 2, ] is [ + 2
            depth += 1
        elif c == 125 or c == 93:
            if depth == 0:
                if c != closer:
                    return seps, k, -1, i, 1
                return seps, k, i, -1, 0
            depth -= 1
            if stack[depth] != c:
                return seps, k, -1, i, 1
        elif c == 44:
            if depth == 0:
                seps[k] = i
                k += 1
                if first_only:
                    return seps, k, -1, -1, 0
        elif not (c == 32 or c == 10 or c == 13 or c == 9 or c == 58 or (48 <= c <= 57) or c == 45
                  or c == 43 or c == 46 or c == 101 or c == 69 or c == 116 or c == 114 or c == 117
                  or c == 102 or c == 97 or c == 108 or c == 115 or c == 110):
            return seps, k, -1, i, 3
        i += 1
    return seps, k, -1, -1, 0


SMALL = 1 << 18  # bytes: windows up to this size are scanned in Python (no numba import, ~0.3 s)
_compiled: list[Any] = []  # the numba kernel, once loaded


def compiled_scan() -> Any:
    """``_scan`` compiled by numba (loaded and compiled, or read from numba's cache, on first use)."""
    if not _compiled:
        from numba import njit

        _compiled.append(njit(cache=True, nogil=True)(_scan))
    return _compiled[0]


def _separators(seg: bytes, first_only: bool = False, closer: int = 93) -> tuple[np.ndarray, int, int, int]:
    """(separators, stop, err_at, err) of ``seg``; see ``_scan``. A window of more than ``SMALL``
    bytes (or any, once the kernel is loaded) goes to the compiled kernel; a smaller one is scanned
    by ``_scan`` as Python (same results: tests run both)."""
    if _compiled or len(seg) > SMALL:
        seps, k, stop, err_at, err = compiled_scan()(np.frombuffer(seg, dtype=np.uint8), first_only, closer)
    else:
        seps, k, stop, err_at, err = _scan(seg, first_only, closer)
    return seps[:k], int(stop), int(err_at), int(err)


def _scan_error(err: int, where: str, at: int) -> StreamError:
    return StreamError(f"{where}: {_SCAN_ERRORS[err]}", at)


MAX_ITEM = 64 << 20  # bytes: the largest single array item or top-level member decoded


class TooLarge(StreamError):
    """An item or member larger than the bound (memory stays bounded by the bound, not the file)."""


def _too_large(what: str, limit: int, at: int) -> TooLarge:
    return TooLarge(f"{what} is larger than {limit / (1 << 20):g} MB, the bound on one item "
                    "(raise it with --max-item-mb if the file is genuine)", at)


def _value_end(buf: _Buf, what: str, max_item: int = MAX_ITEM) -> int:
    """Index just after the value starting at buf.pos (ends at , or } or ] at depth 0)."""
    origin = buf.offset()  # absolute: the window moves when it is refilled
    while True:
        if len(buf.data) - buf.pos > max_item:
            raise _too_large(what, max_item, origin)
        seg = buf.data[buf.pos:]
        seps, stop, err_at, err = _separators(seg, first_only=True, closer=125)
        if len(seps) and (err_at < 0 or err_at > int(seps[0])):
            return buf.pos + int(seps[0])
        if err:
            raise _scan_error(err, what, buf.offset(buf.pos + err_at))
        if stop >= 0:
            return buf.pos + stop
        if not buf.fill(len(buf.data) - buf.pos + 1):
            raise StreamError(f"data ends inside {what}", origin)


def _member_name(buf: _Buf, max_item: int) -> str:
    """The next member's name (the window refilled while the name may go on); the buffer left at
    its value."""
    m = _KEY.match(buf.data, buf.pos)
    while (m is None or m.end() == len(buf.data)) and not buf.eof:
        if buf.peek() != b'"':  # not the start of a member name: no refill can make it one
            break
        if len(buf.data) - buf.pos > max_item:
            raise _too_large("the text where a member name was expected", max_item, buf.offset())
        buf.fill()  # the member name may continue in the next window
        m = _KEY.match(buf.data, buf.pos)
    if not m:
        got = buf.peek()
        raise StreamError(f"expected a member name, found {got.decode(errors='replace')!r}"
                          if got else "data ends where a member name was expected", buf.offset())
    try:
        key = json.loads(b'"' + m.group(1) + b'"')
    except (ValueError, UnicodeDecodeError) as err:  # a raw control character, bad UTF-8 or escape
        raise StreamError(f"member name not valid JSON text ({str(err).split(':')[0]})", buf.offset()) from None
    buf.pos = m.end()
    return key


def iter_object_fast(fp: Readable, arrays: dict[str, re.Pattern[bytes] | None],
                     chunk: int = 1 << 22, counts: dict[str, int] | None = None,
                     required: dict[str, tuple[str, re.Pattern[bytes]]] | None = None,
                     max_item: int = MAX_ITEM, raw_keys: frozenset[str] = frozenset()) -> Iterator[Member]:
    """Yield the members of the top-level JSON object in ``fp`` (binary, decompressed), in order.

    Members named in ``arrays`` whose value is an array are streamed item by item: only items
    matching their byte pattern (all items when the pattern is None) are decoded and yielded, with
    their index; ``counts`` receives how many items each array had; ``required`` names a member
    every item must have (checked without decoding); ``raw_keys`` names arrays whose items are
    yielded as their bytes, for the caller to read. Any other member is decoded whole.
    """
    buf = _Buf(fp, chunk)
    buf.peek()
    if buf.data.startswith(b"\xef\xbb\xbf", buf.pos):  # a UTF-8 byte-order mark (as editors on Windows write)
        buf.pos += 3
    if buf.peek() != b"{":
        raise StreamError("expected '{' at the start of the file (a JSON object)", buf.offset())
    buf.pos += 1
    if buf.peek() == b"}":
        return
    while True:
        key = _member_name(buf, max_item)
        if key in arrays and buf.peek() == b"[":
            buf.pos += 1
            yield from _scan_array(buf, key, arrays[key], counts, (required or {}).get(key), max_item, key in raw_keys)
        else:
            end = _value_end(buf, f"member {key!r}", max_item)
            at = buf.offset()
            raw = buf.data[buf.pos:end]
            try:
                value = loads(raw)
            except ValueError as err:
                raise StreamError(f"{key!r}: {err.args[0].split(':')[0]}", at + getattr(err, "pos", 0)) from None
            buf.pos = end
            yield Member(key, value, None, at)
        nxt = buf.peek()
        if nxt == b",":
            buf.pos += 1
            continue
        if nxt == b"}":
            buf.pos += 1
            break
        raise StreamError(f"expected ',' or '}}' after member {key!r}" if nxt else
                          f"data ends after member {key!r}", buf.offset())
    if buf.peek() != b"":
        raise StreamError("extra data after the top-level object", buf.offset())


def _skip_ws(seg: bytes, i: int) -> int:
    n = len(seg)
    while i < n and seg[i] in _WS:
        i += 1
    return i


def _items_with(rx: re.Pattern[bytes], seg: bytes, bounds: np.ndarray, item_ends: list) -> set[int]:
    """The complete items of the window in which ``rx`` matches."""
    starts = bounds[:len(item_ends)]
    at = np.fromiter((mm.start() for mm in rx.finditer(seg, 0, int(item_ends[-1]))), dtype=np.int64)
    return set((np.unique(np.searchsorted(starts, at, side="right")) - 1).tolist())


def _check_required(buf: _Buf, seg: bytes, key: str, index: int, bounds: np.ndarray, item_ends: list,
                    required: tuple[str, re.Pattern[bytes]]) -> None:
    """MissingField for the first complete item of the window without the required member."""
    name, rx = required
    have = _items_with(rx, seg, bounds, item_ends)
    for i in range(len(item_ends)):
        if i not in have:
            raise MissingField(f"{key}[{index + i}]: missing required field {name}",
                               buf.offset(buf.pos + _skip_ws(seg, int(bounds[i]))))


def _decoded(buf: _Buf, seg: bytes, key: str, index: int, bounds: np.ndarray, item_ends: list,
             pattern: re.Pattern[bytes] | None, raw_items: bool = False) -> Iterator[Member]:
    """The window's complete items that match ``pattern`` (all when None), decoded in order (with
    ``raw_items``, as their bytes: the caller decodes what it needs); an empty item ("[1, ]") is a
    JSON error."""
    complete = len(item_ends)
    hits = set(range(complete)) if pattern is None else _items_with(pattern, seg, bounds, item_ends)
    for i in sorted(hits):
        a, b = int(bounds[i]), int(item_ends[i])
        raw = seg[a:b]
        if raw_items:
            yield Member(key, bytes(raw), index + i, buf.offset(buf.pos + _skip_ws(seg, a)))
            continue
        try:
            value = loads(raw)
        except ValueError as err:
            lead = len(raw) - len(raw.lstrip())
            pos = getattr(err, "pos", 0) or 0
            raise StreamError(f"{key}[{index + i}]: {err.args[0].split(':')[0]}",
                              buf.offset(buf.pos + a) + pos if pos else buf.offset(buf.pos + a + lead)) from None
        yield Member(key, value, index + i, buf.offset(buf.pos + _skip_ws(seg, a)))
    for i in range(complete):
        if not seg[int(bounds[i]):int(item_ends[i])].strip():
            raise StreamError(f"{key}: empty item {index + i}", buf.offset(buf.pos + int(bounds[i])))


def _scan_array(buf: _Buf, key: str, pattern: re.Pattern[bytes] | None,
                counts: dict[str, int] | None = None,
                required: tuple[str, re.Pattern[bytes]] | None = None,
                max_item: int = MAX_ITEM, raw: bool = False) -> Iterator[Member]:
    index = 0
    if buf.peek() == b"]":
        buf.pos += 1
        return
    while True:
        seg = buf.data[buf.pos:]
        seps, stop_at, err_at, bad = _separators(seg)
        if bad:
            done = int(np.searchsorted(seps, err_at))  # complete items before the error
            raise _scan_error(bad, f"{key}[{index + done}]", buf.offset(buf.pos + err_at))
        stop = stop_at if stop_at >= 0 else None
        bounds = np.concatenate(([0], seps + 1))  # item starts (relative)
        item_ends = list(seps) + ([stop] if stop is not None else [])
        complete = len(item_ends)
        if complete and required is not None:
            _check_required(buf, seg, key, index, bounds, item_ends, required)
        if complete:
            yield from _decoded(buf, seg, key, index, bounds, item_ends, pattern, raw)
            index += complete
            if counts is not None:
                counts[key] = index
        if stop is not None:
            buf.pos += stop + 1
            return
        consumed = int(bounds[complete]) if complete else 0
        buf.pos += consumed
        pending = len(buf.data) - buf.pos
        if pending > max_item:
            raise _too_large(f"{key}[{index}]", max_item, buf.offset())
        # read ahead geometrically (few rescans), but never far past the bound
        if not buf.fill(min(max(buf.chunk, 2 * pending), max(buf.chunk, max_item + 1 - pending))):
            raise StreamError(f"data ends inside {key!r} after item {index - 1}", buf.offset())
