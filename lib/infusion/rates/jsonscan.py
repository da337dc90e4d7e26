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
            self.data = self.data[self.pos :]
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
                return self.data[self.pos : self.pos + 1]
            if not self.fill():
                return b""

    def offset(self, i: int | None = None) -> int:
        return self.base + (self.pos if i is None else i)


MAX_DEPTH = 512  # nesting the scanner accepts inside one item (json.loads recurses ~1,000 deep)
_SCAN_ERRORS = {
    1: "mismatched bracket",
    2: "control character inside a string",
    3: "a character that is not JSON outside a string (a bare word?)",
    4: f"nested more than {MAX_DEPTH} levels deep",
    5: "empty item (a comma with no value before it)",
    6: "missing required field",
}


# ``_scan``: one pass over bytes ``a`` that start outside any string at relative depth 0. Returns
# (seps, n_seps, stop, err_at, err): positions of commas at depth 0 (item separators), their count,
# and the position of the closing bracket ``closer`` at depth 0 (the end of the enclosing array or
# object), or -1 when the bytes end first. With ``first_only`` it returns at the first separator or
# closer (the end of one value). Brackets are matched (a stack of their kinds), strings are skipped
# with their escapes and may hold no control character, and outside strings only JSON's own bytes
# may appear (``kinds``: 1 whitespace and the comma, 2 digits, sign, point, exponent, the letters of
# true/false/null and the colon, 0 anything else); an item with nothing in it ("[1, ]", "[1,,2]")
# is an error unless ``first_only``, and so is an item without the member named ``word`` (when
# not empty) among its own members; the first violation stops the pass with ``err`` (see
# _SCAN_ERRORS) at ``err_at``.
KINDS = bytes(1 if c in b" \t\r\n," else 2 if c in b"0123456789-+.eEtrufalsn:" else 0 for c in range(256))


def _scan(a, first_only, closer, word, kinds):  # noqa: C901 - one state machine, compiled by numba
    """See the comment above (kept there: this body is the hot loop)."""
    n = len(a)
    out = np.empty((2, n // 2 + 2), dtype=np.int64)  # separators; where each item's ``word`` value starts
    stack = np.empty(MAX_DEPTH + 1, dtype=np.uint8)
    k = depth = ks = ke = i = 0
    vp = -1
    in_str = content = False
    while i < n:
        c = a[i]
        if in_str:
            if c == 92:  # backslash: skip the escaped byte
                i += 1
            elif c == 34:
                in_str = False
                ke = i
            elif c < 32:
                return out, k, -1, i, 2
        elif c == 34:
            in_str = content = True
            ks = i + 1
        elif c == 123 or c == 91:
            if depth == MAX_DEPTH:
                return out, k, -1, i, 4
            stack[depth] = c + 2  # the closer that matches: } is { + 2, ] is [ + 2
            depth += 1
            content = True
        elif depth > 0 and (c == 125 or c == 93):
            depth -= 1
            if stack[depth] != c:
                return out, k, -1, i, 1
        elif depth == 0 and (c == 125 or c == 93 or c == 44):  # the end of an item
            if c != 44 and c != closer:
                return out, k, -1, i, 1
            if not content and not first_only:
                return out, k, -1, i, 5
            if len(word) > 0 and vp < 0:  # (a caller with ``first_only`` gives no word)
                return out, k, -1, i, 6
            out[1, k] = vp
            if c != 44:
                return out, k, i, -1, 0
            out[0, k] = i
            k += 1
            content = False
            vp = -1
            if first_only:
                return out, k, -1, -1, 0
        elif kinds[c] == 0:
            return out, k, -1, i, 3
        elif c == 58:  # a member's value follows: the one named ``word`` (its last, as json.loads keeps)?
            if depth == 1 and ke - ks == len(word):
                t = 0
                while t < len(word) and a[ks + t] == word[t]:
                    t += 1
                if t == len(word):
                    vp = i + 1
        elif kinds[c] == 2:
            content = True
        i += 1
    return out, k, -1, -1, 0


SMALL = 1 << 18  # bytes: windows up to this size are scanned in Python (no numba import, ~0.3 s)
_compiled: list[Any] = []  # the numba kernel, once loaded
_KINDS_ARRAY = np.frombuffer(KINDS, dtype=np.uint8)


def kernel_loaded() -> bool:
    """Whether numba's kernels are loaded (then even a small window goes to them)."""
    return bool(_compiled)


def compiled_scan() -> Any:
    """``_scan`` compiled by numba (loaded and compiled, or read from numba's cache, on first use)."""
    if not _compiled:
        from numba import njit

        _compiled.append(njit(cache=True, nogil=True)(_scan))
    return _compiled[0]


def _separators(
    seg: bytes,
    first_only: bool = False,
    closer: int = 93,
    word: bytes = b"",
) -> tuple[np.ndarray, np.ndarray, int, int, int]:
    """(separators, value starts, stop, err_at, err) of ``seg``; see ``_scan`` (value starts: where
    the value of each complete item's ``word`` member starts). A window of more than ``SMALL``
    bytes (or any, once the kernel is loaded) goes to the compiled kernel; a smaller one is scanned
    by ``_scan`` as Python (same results: tests run both)."""
    if _compiled or len(seg) > SMALL:
        out, k, stop, err_at, err = compiled_scan()(
            np.frombuffer(seg, dtype=np.uint8), first_only, closer, np.frombuffer(word, dtype=np.uint8), _KINDS_ARRAY
        )
    else:
        out, k, stop, err_at, err = _scan(seg, first_only, closer, word, KINDS)
    return out[0, :k], out[1, : k + (stop >= 0)], int(stop), int(err_at), int(err)


def _scan_error(err: int, where: str, at: int) -> StreamError:
    return StreamError(f"{where}: {_SCAN_ERRORS[err]}", at)


MAX_ITEM = 64 << 20  # bytes: the largest single array item or top-level member decoded


class TooLarge(StreamError):
    """An item or member larger than the bound (memory stays bounded by the bound, not the file)."""


def _too_large(what: str, limit: int, at: int) -> TooLarge:
    return TooLarge(
        f"{what} is larger than {limit / (1 << 20):g} MB, the bound on one item "
        "(raise it with --max-item-mb if the file is genuine)",
        at,
    )


def _value_end(buf: _Buf, what: str, max_item: int = MAX_ITEM) -> int:
    """Index just after the value starting at buf.pos (ends at , or } or ] at depth 0)."""
    origin = buf.offset()  # absolute: the window moves when it is refilled
    while True:
        if len(buf.data) - buf.pos > max_item:
            raise _too_large(what, max_item, origin)
        seg = buf.data[buf.pos :]
        seps, _, stop, err_at, err = _separators(seg, first_only=True, closer=125)
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
        raise StreamError(
            f"expected a member name, found {got.decode(errors='replace')!r}"
            if got
            else "data ends where a member name was expected",
            buf.offset(),
        )
    try:
        key = json.loads(b'"' + m.group(1) + b'"')
    except (ValueError, UnicodeDecodeError) as err:  # a raw control character, bad UTF-8 or escape
        raise StreamError(f"member name not valid JSON text ({str(err).split(':')[0]})", buf.offset()) from None
    buf.pos = m.end()
    return key


def iter_object_fast(
    fp: Readable,
    arrays: dict[str, re.Pattern[bytes] | Values | None],
    chunk: int = 1 << 22,
    counts: dict[str, int] | None = None,
    required: dict[str, str] | None = None,
    max_item: int = MAX_ITEM,
    raw_keys: frozenset[str] = frozenset(),
) -> Iterator[Member]:
    """Yield the members of the top-level JSON object in ``fp`` (binary, decompressed), in order.

    Members named in ``arrays`` whose value is an array are streamed item by item: only items
    matching their byte pattern (all items when the pattern is None; with ``Values``, the items
    whose ``required`` member may hold one of its texts) are decoded and yielded, with
    their index; ``counts`` receives how many items each array had; ``required`` names, per array, a
    member every item must have among its own (checked by the scanner, without decoding);
    ``raw_keys`` names arrays whose items are yielded a window at a time as ``RawItems``, for the
    caller to read. Any other member is decoded whole.
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
            raw = buf.data[buf.pos : end]
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
        raise StreamError(
            f"expected ',' or '}}' after member {key!r}" if nxt else f"data ends after member {key!r}", buf.offset()
        )
    if buf.peek() != b"":
        raise StreamError("extra data after the top-level object", buf.offset())


def _skip_ws(seg: bytes, i: int) -> int:
    n = len(seg)
    while i < n and seg[i] in _WS:
        i += 1
    return i


@dataclass(frozen=True)
class RawItems:
    """The complete items of one window, as bytes, for a caller that reads many at once: item ``i``
    is ``data[starts[i]:ends[i]]`` (with the whitespace around it), its index ``first + i``, and
    ``data[0]`` is at byte ``base`` of the stream."""

    data: bytes
    starts: np.ndarray
    ends: np.ndarray
    first: int
    base: int

    def __len__(self) -> int:
        return len(self.ends)

    def item(self, i: int) -> Member:
        """Item ``i`` as a Member holding its bytes, at the offset of its first byte."""
        a = int(self.starts[i])
        return Member("", self.data[a : int(self.ends[i])], self.first + i, self.base + _skip_ws(self.data, a))


def _items_of(rx: re.Pattern[bytes], seg: bytes, starts: np.ndarray, end: int) -> np.ndarray:
    """The item (index into ``starts``) of each match of ``rx`` in ``seg[:end]``."""
    at = np.fromiter(map(re.Match.start, rx.finditer(seg, 0, end)), dtype=np.int64)
    return np.searchsorted(starts, at, side="right") - 1


@dataclass(frozen=True)
class Values:
    """Select the items whose required member may hold one of ``texts`` (a number or a string, with
    spaces around it, or a string with escapes): found from where the scanner saw that member's
    value start, with no regular expression over the window. A superset: the caller compares the
    decoded value. No text may hold a comma or a closing brace."""

    texts: tuple[bytes, ...]


SPAN = 16  # bytes of a value looked at; a value that does not end within them is decoded


def _may_hold(seg: bytes, at: np.ndarray, ends: np.ndarray, texts: tuple[bytes, ...]) -> np.ndarray:
    """Items whose value starting at ``at`` may be one of ``texts`` (see ``Values``)."""
    cols = np.arange(SPAN)
    idx = at[:, None] + cols
    m = np.frombuffer(seg, dtype=np.uint8)[np.minimum(idx, len(seg) - 1)]
    m[idx >= ends[:, None]] = 44  # the item ends: as a comma would
    lead = (m == 32) | (m == 34) | (m == 9) | (m == 10) | (m == 13)  # spaces and a quote before the text
    first = np.argmin(lead, axis=1)  # 0 when every byte is one of them: such a value is decoded
    end = (m == 44) | (m == 125)
    stop = np.where(end.any(1), np.argmax(end, axis=1), SPAN)
    hit = (stop == SPAN) | (lead[:, 0] & (first == 0)) | ((m == 92) & (cols < stop[:, None])).any(1)
    rows = np.arange(len(at))[:, None]
    for t in texts:
        got = m[rows, np.minimum(first[:, None] + np.arange(len(t)), SPAN - 1)]
        hit |= (got == np.frombuffer(t, dtype=np.uint8)).all(1) & (first + len(t) <= SPAN)
    return hit


def _decoded(
    buf: _Buf,
    seg: bytes,
    key: str,
    index: int,
    starts: np.ndarray,
    ends: np.ndarray,
    pattern: re.Pattern[bytes] | Values | None,
    values: np.ndarray,
) -> Iterator[Member]:
    """The window's complete items that match ``pattern`` (all when None), decoded in order."""
    if pattern is None:
        hits: Any = range(len(ends))
    elif isinstance(pattern, Values):
        hits = np.flatnonzero(_may_hold(seg, values[: len(ends)], ends, pattern.texts)).tolist()
    else:
        hits = np.unique(_items_of(pattern, seg, starts, int(ends[-1]))).tolist()
    for i in hits:
        a, b = int(starts[i]), int(ends[i])
        raw = seg[a:b]
        try:
            value = loads(raw)
        except ValueError as err:
            lead = len(raw) - len(raw.lstrip())
            pos = getattr(err, "pos", 0) or 0
            raise StreamError(
                f"{key}[{index + i}]: {err.args[0].split(':')[0]}",
                buf.offset(buf.pos + a) + pos if pos else buf.offset(buf.pos + a + lead),
            ) from None
        yield Member(key, value, index + i, buf.offset(buf.pos + _skip_ws(seg, a)))


def _scan_array(
    buf: _Buf,
    key: str,
    pattern: re.Pattern[bytes] | Values | None,
    counts: dict[str, int] | None = None,
    required: str | None = None,
    max_item: int = MAX_ITEM,
    raw: bool = False,
) -> Iterator[Member]:
    if isinstance(pattern, Values) and not required:
        raise ValueError(f"{key}: Values select items by their required member: name it in required")
    index = 0
    word = required.encode() if required else b""
    if buf.peek() == b"]":
        buf.pos += 1
        return
    while True:
        seg = buf.data[buf.pos :]
        seps, values, stop_at, err_at, bad = _separators(seg, word=word)
        if bad:
            done = int(np.searchsorted(seps, err_at))  # complete items before the error
            if bad == 6:  # at the item's own start
                at = _skip_ws(seg, int(seps[done - 1]) + 1 if done else 0)
                raise MissingField(
                    f"{key}[{index + done}]: missing required field {required}", buf.offset(buf.pos + at)
                )
            raise _scan_error(bad, f"{key}[{index + done}]", buf.offset(buf.pos + err_at))
        starts = np.concatenate(([0], seps + 1))  # item starts (relative); the last one may be incomplete
        ends = seps if stop_at < 0 else np.append(seps, stop_at)
        complete = len(ends)
        if complete and raw:
            yield Member(key, RawItems(seg, starts[:complete], ends, index, buf.offset()), index, buf.offset())
        elif complete:
            yield from _decoded(buf, seg, key, index, starts, ends, pattern, values)
        index += complete
        if counts is not None and complete:
            counts[key] = index
        if stop_at >= 0:
            buf.pos += stop_at + 1
            return
        consumed = int(starts[complete])
        buf.pos += consumed
        pending = len(buf.data) - buf.pos
        if pending > max_item:
            raise _too_large(f"{key}[{index}]", max_item, buf.offset())
        # read ahead geometrically (few rescans), but never far past the bound
        if not buf.fill(min(max(buf.chunk, 2 * pending), max(buf.chunk, max_item + 1 - pending))):
            raise StreamError(f"data ends inside {key!r} after item {index - 1}", buf.offset())
