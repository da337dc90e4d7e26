"""Transparency in Coverage in-network rate files (schema 1.x and 2.0), streamed.

Schema 2.0 lists provider groups once in a top-level ``provider_references`` array and points to
them by id; 1.x may put ``provider_groups`` inline in each negotiated rate. A provider reference
with a ``location`` URL (a remote file) is not fetched: its rows are kept with
``remote_reference=True`` and the file's extraction carries a warning naming it.
"""

from __future__ import annotations

import gzip
import io
import json
import queue
import re
import threading
import zlib
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, cast

from .fetch import HttpStream, is_url, url_name
from .jsonscan import MAX_ITEM, SPAN, MissingField, RawItems, StreamError, TooLarge, Values, iter_object_fast
from .model import ILLUSTRATIVE_MARK, Extraction, classify_payer, join
from .providers import (
    RAW,
    ProviderFilter,
    RateProviders,
    file_error,
    group_id,
    rate_providers,
    read_reference,
    read_references,
    resolve,
)
from .refscan import RefTable

igzip: Any
_ISAL_ERRORS: tuple[type[BaseException], ...]
try:
    import isal.igzip as igzip
    import isal.igzip_lib as _isal_lib

    _ISAL_ERRORS = (cast(type[BaseException], _isal_lib.IsalError),)
except ImportError:  # a platform without its wheels: the standard gzip reader
    igzip = None
    _ISAL_ERRORS = ()
# a truncated or damaged gzip stream
GZIP_ERRORS: tuple[type[BaseException], ...] = (EOFError, zlib.error, gzip.BadGzipFile, *_ISAL_ERRORS)

TOP_FIELDS = (
    "reporting_entity_name",
    "reporting_entity_type",
    "plan_name",
    "plan_id",
    "plan_market_type",
    "issuer_name",
    "last_updated_on",
    "version",
)


class CountingReader(io.RawIOBase):
    """Wraps a binary file and counts the bytes read from it (for progress and error offsets)."""

    def __init__(self, raw: io.RawIOBase | io.BufferedReader, on_read=None) -> None:
        self.raw = raw
        self.count = 0
        self.on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = self.raw.readinto(b)
        n = n or 0
        self.count += n
        if self.on_read and n:
            self.on_read(n)
        return n


class ReadAhead(io.BufferedIOBase):
    """Decompress in a background thread while the caller scans (zlib releases the GIL)."""

    def __init__(self, inner: io.BufferedIOBase, chunk: int = 1 << 22, depth: int = 2) -> None:
        self.inner = inner
        self.q: "queue.Queue[bytes | BaseException]" = queue.Queue(maxsize=depth)
        self.buf = b""
        self.done = False
        self.stop = threading.Event()

        def work() -> None:
            try:
                while not self.stop.is_set():
                    data = inner.read(chunk)
                    self.q.put(data)
                    if not data:
                        return
            except BaseException as err:  # noqa: BLE001 - handed to the reader
                self.q.put(err)

        self.thread = threading.Thread(target=work, daemon=True)
        self.thread.start()

    def readable(self) -> bool:
        return True

    def read(self, n: int | None = -1) -> bytes:
        n = -1 if n is None else n
        while not self.done and (n < 0 or len(self.buf) < n):
            item = self.q.get()
            if isinstance(item, BaseException):
                self.done = True
                raise item
            if not item:
                self.done = True
                break
            self.buf += item
        if n < 0:
            out, self.buf = self.buf, b""
        else:
            out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read1(self, n: int = -1) -> bytes:
        return self.read(n)

    def close(self) -> None:
        self.stop.set()
        while self.thread.is_alive():
            try:
                self.q.get_nowait()
            except Exception:  # noqa: BLE001 - drain so the worker can finish
                self.thread.join(0.05)
        self.inner.close()
        super().close()


class UrlFile(str):
    """A file named by its http(s) URL: ``str`` is the URL, ``name`` the last part of its path (as
    ``Path.name`` for a local file, in messages)."""

    @property
    def name(self) -> str:
        return url_name(str(self))


def as_source(path: str | Path) -> Path | UrlFile:
    """A local path, or a :class:`UrlFile` for an http(s) URL (which ``Path`` would mangle)."""
    return UrlFile(str(path)) if isinstance(path, str) and is_url(path) else Path(path)


def fetched(raw: Any) -> dict | None:
    """What was fetched over HTTP for a stream (URL, size, ETag ...), None for a local file."""
    info = getattr(getattr(raw, "raw", None), "info", None)
    return info.as_dict() if info is not None else None


def open_stream(
    path: Path | UrlFile, on_read=None, read_ahead: bool = False
) -> tuple[io.BufferedIOBase, CountingReader]:
    """The decompressed stream of ``path`` (gzip by magic bytes) and the raw byte counter.

    With ``read_ahead``, a gzip file is decompressed in a background thread (by ``_gunzip``).
    """
    raw = CountingReader(HttpStream(str(path)) if isinstance(path, UrlFile) else open(path, "rb"), on_read)
    buffered = io.BufferedReader(raw, buffer_size=1 << 20)
    if buffered.peek(2)[:2] == b"\x1f\x8b":
        if read_ahead:  # the bulk reading: isal's reader, in a thread
            return ReadAhead(_gunzip(buffered)), raw
        return gzip.GzipFile(fileobj=buffered, mode="rb"), raw  # gives what precedes a damaged part
    return buffered, raw


def _gunzip(fileobj: Any) -> Any:
    """A gzip reader: python-isal's (three times zlib's speed on in-network files, which frees a
    core when files are read side by side: ``benchmarks/README.md``), or the standard library's."""
    if igzip is None:
        return gzip.GzipFile(fileobj=fileobj, mode="rb")
    return igzip.IGzipFile(fileobj=fileobj, mode="rb")


def _kind(value: Any) -> str:
    return {type(None): "null", dict: "an object", str: "text", bool: "a boolean"}.get(type(value), "a number")


def _num(value: Any, where: str, path: "Path | UrlFile") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise file_error(path, f"{where}: negotiated_rate {str(value)[:40]!r} is not a number")
    if value < 0:
        raise file_error(path, f"{where}: negotiated_rate {value} is negative")
    return float(value)


REQUIRED = {"in_network": "billing_code", "provider_references": "provider_group_id"}


def code_filter(codes: set[str]) -> "Values | re.Pattern[bytes]":
    """The in_network items to decode: those whose billing_code may be one of ``codes`` (seen where
    the scanner found its value); a bytes pattern for codes that ``Values`` cannot hold."""
    texts = tuple(sorted(c.encode() for c in codes))
    if all(t and len(t) <= SPAN // 2 and t.isascii() and not set(t) & set(b',}"\\ ') for t in texts):
        return Values(texts)
    return code_pattern(codes)


def code_pattern(codes: set[str]) -> "re.Pattern[bytes]":
    """Bytes pattern of a billing_code member holding one of ``codes`` (quoted or not)."""
    alts = b"|".join(re.escape(c.encode()) for c in sorted(codes))
    # a code written with escapes ("\u0039...") cannot be matched as bytes: such items are decoded
    # and their code compared once decoded
    return re.compile(rb'"billing_code"\s*:\s*(?:"?\s*(?:' + alts + rb')\s*["\s,}]|"[^"]*\\)')


def read_tic(
    path: str | Path, codes: set[str], on_read=None, max_item: int = MAX_ITEM, providers: ProviderFilter | None = None
) -> Extraction:
    """Rows for ``codes`` from one in-network file (``providers``: only those of the providers
    listed). DataError names the file and the byte offset (or the in_network item and field) of the
    first problem; nothing partial is returned."""
    p = as_source(path)
    stream, raw = open_stream(p, on_read, read_ahead=True)
    ex = Extraction(str(p), "tic")
    top: dict[str, Any] = {}
    matched: set = set()  # ids of the provider groups with a listed NPI or TIN (``providers``)
    pending: list[tuple[dict, RateProviders]] = []  # (row, its providers)
    counts: dict[str, int] = {}
    with closing(RefTable()) as refs:  # id -> groups << 32 | NPIs (-1: remote); its temp file removed at the end
        with _read_errors(p, raw, pending), stream:
            for m in iter_object_fast(
                stream,
                {"in_network": code_filter(codes), "provider_references": None},
                counts=counts,
                required=REQUIRED,
                max_item=max_item,
                raw_keys=frozenset() if providers is not None else RAW,
            ):
                if m.index is None:
                    _top_member(m, top, ex)
                elif isinstance(m.value, RawItems):
                    read_references(m.value, refs, ex, p)
                elif m.key == "provider_references":
                    refs.add(*read_reference(m, ex, p))
                    if (
                        providers is not None
                        and isinstance(m.value, dict)
                        and providers.matches(m.value.get("provider_groups"))
                    ):
                        matched.add(group_id(m.value.get("provider_group_id"), "", p))
                else:
                    pending += _item_rows(m, codes, ex, p, providers)
        ex.bytes_read = raw.count
        ex.fetched = fetched(raw)
        ex.items_read = counts.get("in_network", 0)
        if "in_network" not in counts and "in_network" not in top:
            ex.warnings.append("the file has no in_network member: no rates in this file")
        if providers is not None:
            pending = _of_providers(pending, matched, ex)
        _finish_rows(ex, pending, refs, top, p)
    return ex


def _of_providers(
    pending: list[tuple[dict, RateProviders]], matched: set, ex: Extraction
) -> list[tuple[dict, RateProviders]]:
    """The rows whose providers (inline groups, or referenced groups) hold a listed NPI or TIN; the
    others counted. A remote reference cannot be checked: its rates are not kept."""
    kept = []
    for row, rp in pending:
        if rp.listed if rp.refs is None else any(i in matched for i in rp.refs):
            kept.append((row, rp))
        else:
            ex.count("rate of providers not in the NPI/TIN list")
    return kept


def _top_member(m: Any, top: dict[str, Any], ex: Extraction) -> None:
    """A top-level member: the header's descriptive text, or an in_network that is not an array."""
    if m.key == "in_network":
        ex.warnings.append(f"in_network is {_kind(m.value)}, not an array: no rates in this file")
        top["in_network"] = None  # seen
    if m.key in TOP_FIELDS:  # descriptive text: a number or true in its place is kept as text
        top[m.key] = m.value if m.value is None or isinstance(m.value, str) else json.dumps(m.value)


@contextmanager
def _read_errors(p: "Path | UrlFile", raw: Any, pending: list) -> Iterator[None]:
    """The reading's failures as one DataError naming the file and where (nothing partial kept)."""
    try:
        yield
    except TooLarge as err:
        raise file_error(
            p,
            f"{err.reason} (at decompressed byte {err.offset}); refused so memory stays bounded; "
            f"{len(pending)} rows read before it are not used",
        ) from None
    except MissingField as err:
        raise file_error(
            p, f"{err.reason} (byte {err.offset}); {len(pending)} rows read before it are not used"
        ) from None
    except StreamError as err:
        raise file_error(
            p,
            f"invalid JSON at decompressed byte {err.offset} ({err.reason}); "
            f"{raw.count} bytes of the file read; {len(pending)} rows read before it are "
            "not used",
        ) from None
    except GZIP_ERRORS as err:
        raise file_error(
            p,
            f"gzip stream is damaged or truncated after {raw.count} bytes of the file "
            f"({err}); {len(pending)} rows read before it are not used",
        ) from None


def _item_rows(
    m: Any, codes: set[str], ex: Extraction, p: "Path | UrlFile", providers: ProviderFilter | None
) -> list[tuple[dict, RateProviders]]:
    """The rows of one in_network item of a requested code, each with its providers."""
    item = m.value
    where = f"in_network[{m.index}] (byte {m.offset})"
    if not isinstance(item, dict):
        raise file_error(p, f"{where}: expected an object, found {type(item).__name__}")
    code = item.get("billing_code")
    if code is None:
        raise file_error(p, f"{where}: missing required field billing_code")
    if str(code).strip() not in codes:
        return []
    ex.items_matched += 1
    rates = item.get("negotiated_rates")
    if not isinstance(rates, list):
        raise file_error(p, f"{where}: negotiated_rates is {type(rates).__name__}, not a list")
    out = []
    for j, nr in enumerate(rates):
        prices = nr.get("negotiated_prices") if isinstance(nr, dict) else None
        if not isinstance(prices, list):
            raise file_error(p, f"{where}.negotiated_rates[{j}]: missing negotiated_prices")
        rp = rate_providers(nr, f"{where}.negotiated_rates[{j}]", p, providers)
        out += [
            (_price_row(item, price, f"{where}.negotiated_rates[{j}].negotiated_prices[{k}]", p), rp)
            for k, price in enumerate(prices)
        ]
    return out


def _price_row(item: dict, price: Any, w: str, p: "Path | UrlFile") -> dict:
    """One negotiated price as a row (the item's code and arrangement, the price's fields)."""
    if not isinstance(price, dict):
        raise file_error(p, f"{w}: expected an object, found {type(price).__name__}")
    for req in ("negotiated_type", "negotiated_rate", "billing_class"):
        if req not in price:
            raise file_error(p, f"{w}: missing required field {req}")
    return {
        "billing_code": str(item["billing_code"]).strip(),
        "billing_code_type": item.get("billing_code_type"),
        "negotiation_arrangement": item.get("negotiation_arrangement"),
        "negotiated_type": str(price["negotiated_type"]).strip().lower(),
        "rate": _num(price["negotiated_rate"], w, p),
        "billing_class": str(price["billing_class"]).strip().lower(),
        "setting": price.get("setting"),
        "service_codes": join(price.get("service_code")),
        "modifiers": join(price.get("billing_code_modifier")),
        "expiration_date": price.get("expiration_date"),
    }


def _finish_rows(
    ex: Extraction, pending: list[tuple[dict, RateProviders]], table: RefTable, top: dict[str, Any], p: "Path | UrlFile"
) -> None:
    """The rows with the file's payer, plan and line of business and each one's providers."""
    refs = table.lookup(i for _, rp in pending for i in rp.refs or ())
    entity = top.get("reporting_entity_name") or ""
    payer = top.get("issuer_name") or entity
    # TiC in-network files are published for group and individual-market coverage (45 CFR 147.212,
    # 26 CFR 54.9815-2715A3): commercial lines, never Medicare Advantage or Medicaid managed care.
    fam, lob = classify_payer(payer, top.get("plan_name"), "commercial")
    if fam == "other":
        fam, lob = classify_payer(entity, top.get("plan_name"), "commercial")
    version = str(top.get("version") or "")
    ex.source_format = f"tic-{version}" if version else "tic"
    unresolved: set = set()
    for row, rp in pending:
        g, n, key, remote, missing = resolve(rp, refs, unresolved)
        row.update(
            {
                "source_file": str(p),
                "source_format": ex.source_format,
                "reporting_entity": entity,
                "payer_name": payer,
                "payer_family": fam,
                "plan_name": top.get("plan_name"),
                "plan_id": None if top.get("plan_id") is None else str(top.get("plan_id")),
                "plan_market_type": top.get("plan_market_type"),
                "provider_key": key,
                "provider_groups": g,
                "npi_count": None if remote else n,
                "remote_reference": remote,
                "last_updated": top.get("last_updated_on"),
                "illustrative": str(entity).upper().startswith(ILLUSTRATIVE_MARK),
                "line_of_business": lob,
                "source_column": None,
                "network": "in-network",
                "state": None,
            }
        )
        if missing:
            row["npi_count"] = None  # a reference to no group: flagged per row, its NPIs unknown
            row["unresolved_reference"] = True
        ex.rows.append(row)
    if unresolved:
        ex.warnings.append(
            f"provider reference ids {sorted(unresolved, key=str)[:10]} are used but no "
            "such group is defined in the file: their rates are kept with "
            "unresolved_reference=True and no NPI count"
        )
