"""Stream a large JSON object whose big members are arrays, one array item at a time.

Price-transparency files are one top-level object holding a few scalars and one or two huge arrays
(``in_network``, ``provider_references``, ``standard_charge_information``). :func:`iter_object`
yields the top-level members in file order; the items of the named arrays are decoded one by one
with the standard library's C scanner (``json.JSONDecoder.raw_decode``), so memory stays bounded by
the largest single item, not the file. Errors carry the byte offset in the (decompressed) stream.
"""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterator

_WS = " \t\n\r"
_DECODER = json.JSONDecoder()


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


class _Reader:
    def __init__(self, fp: BinaryIO, chunk: int) -> None:
        self.fp = fp
        self.chunk = chunk
        self.dec = codecs.getincrementaldecoder("utf-8")()
        self.buf = ""
        self.pos = 0
        self.consumed_bytes = 0  # bytes of the stream before buf[0]
        self.eof = False
        self.bytes_read = 0

    def offset(self, pos: int | None = None) -> int:
        p = self.pos if pos is None else pos
        return self.consumed_bytes + len(self.buf[:p].encode("utf-8"))

    def fill(self, want: int | None = None) -> bool:
        """Read more; drop what is consumed. False at end of stream."""
        if self.eof:
            return False
        if self.pos:
            self.consumed_bytes += len(self.buf[:self.pos].encode("utf-8"))
            self.buf = self.buf[self.pos:]
            self.pos = 0
        data = self.fp.read(max(self.chunk, want or 0))
        self.bytes_read += len(data)
        if not data:
            self.eof = True
            self.buf += self.dec.decode(b"", final=True)
            return False
        self.buf += self.dec.decode(data)
        return True

    def peek(self) -> str:
        """Next non-blank character ('' at end of stream), without consuming it."""
        while True:
            n = len(self.buf)
            while self.pos < n and self.buf[self.pos] in _WS:
                self.pos += 1
            if self.pos < n:
                return self.buf[self.pos]
            if not self.fill():
                return ""

    def expect(self, ch: str, what: str) -> None:
        got = self.peek()
        if got != ch:
            found = repr(got) if got else "end of data"
            raise StreamError(f"expected {ch!r} {what}, found {found}", self.offset())
        self.pos += 1

    def value(self) -> Any:
        """Decode one JSON value at the cursor, reading more as needed."""
        self.peek()
        grow = self.chunk
        while True:
            try:
                obj, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as err:
                near_end = err.pos >= len(self.buf) - 64 or err.msg.startswith("Unterminated string")
                if near_end and not self.eof:
                    self.fill(grow)
                    grow *= 2
                    continue
                if self.eof and near_end:
                    raise StreamError(f"data ends inside a value ({err.msg})", self.offset(err.pos)) from None
                raise StreamError(err.msg, self.offset(err.pos)) from None
            if end == len(self.buf) and not self.eof and not isinstance(obj, (dict, list, str)):
                # a number (or literal) that may continue in the next chunk
                self.fill(grow)
                continue
            self.pos = end
            return obj


def iter_object(fp: BinaryIO, arrays: set[str], chunk: int = 1 << 22) -> Iterator[Member]:
    """Yield the members of the top-level JSON object in ``fp`` (binary, decompressed).

    Members named in ``arrays`` whose value is an array are streamed item by item
    (``Member.index`` = 0, 1, ...); any other member is decoded whole.
    """
    r = _Reader(fp, chunk)
    r.expect("{", "at the start of the file (a JSON object)")
    if r.peek() == "}":
        return
    while True:
        at = r.offset()
        key = r.value()
        if not isinstance(key, str):
            raise StreamError(f"expected a member name, found {type(key).__name__}", at)
        r.expect(":", f"after member name {key!r}")
        if key in arrays and r.peek() == "[":
            r.pos += 1
            i = 0
            if r.peek() == "]":
                r.pos += 1
            else:
                while True:
                    at = r.offset()
                    yield Member(key, r.value(), i, at)
                    i += 1
                    nxt = r.peek()
                    if nxt == ",":
                        r.pos += 1
                        continue
                    if nxt == "]":
                        r.pos += 1
                        break
                    raise StreamError(f"expected ',' or ']' in {key!r} after item {i - 1}, found "
                                      f"{nxt!r}" if nxt else f"data ends inside {key!r} after item "
                                      f"{i - 1}", r.offset())
        else:
            yield Member(key, r.value(), None, at)
        nxt = r.peek()
        if nxt == ",":
            r.pos += 1
            continue
        if nxt == "}":
            r.pos += 1
            break
        raise StreamError(f"expected ',' or '}}' after member {key!r}, found {nxt!r}" if nxt
                          else f"data ends after member {key!r}", r.offset())
    if r.peek() != "":
        raise StreamError("extra data after the top-level object", r.offset())
