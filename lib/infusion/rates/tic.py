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
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DataError, shown
from .jsonscan import MAX_ITEM, MissingField, StreamError, TooLarge, iter_object_fast, loads
from .model import ILLUSTRATIVE_MARK, Extraction, classify_payer, join

TOP_FIELDS = ("reporting_entity_name", "reporting_entity_type", "plan_name", "plan_id",
              "plan_market_type", "issuer_name", "last_updated_on", "version")


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
        import queue
        import threading

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
        from .fetch import url_name

        return url_name(str(self))


def as_source(path: str | Path) -> Path | UrlFile:
    """A local path, or a :class:`UrlFile` for an http(s) URL (which ``Path`` would mangle)."""
    from .fetch import is_url

    return UrlFile(str(path)) if isinstance(path, str) and is_url(path) else Path(path)


def fetched(raw: Any) -> dict | None:
    """What was fetched over HTTP for a stream (URL, size, ETag ...), None for a local file."""
    info = getattr(getattr(raw, "raw", None), "info", None)
    return info.as_dict() if info is not None else None


def open_stream(path: Path | UrlFile, on_read=None, read_ahead: bool = False
                ) -> tuple[io.BufferedIOBase, CountingReader]:
    """The decompressed stream of ``path`` (gzip by magic bytes) and the raw byte counter.

    With ``read_ahead``, a gzip file is decompressed in a background thread.
    """
    from .fetch import HttpStream

    raw = CountingReader(HttpStream(str(path)) if isinstance(path, UrlFile) else open(path, "rb"), on_read)
    buffered = io.BufferedReader(raw, buffer_size=1 << 20)
    if buffered.peek(2)[:2] == b"\x1f\x8b":
        gz = gzip.GzipFile(fileobj=buffered, mode="rb")
        return (ReadAhead(gz) if read_ahead else gz), raw
    return buffered, raw


def _kind(value: Any) -> str:
    return {type(None): "null", dict: "an object", str: "text", bool: "a boolean"}.get(type(value), "a number")


def _fail(path: "Path | UrlFile", message: str) -> DataError:
    return DataError(f"{path.name}: {message}")


def _num(value: Any, where: str, path: "Path | UrlFile") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(path, f"{where}: negotiated_rate {str(value)[:40]!r} is not a number")
    if value < 0:
        raise _fail(path, f"{where}: negotiated_rate {value} is negative")
    return float(value)


@dataclass(frozen=True)
class ProviderFilter:
    """Keep only the rates of providers with one of these NPIs or TINs (digits only)."""

    npi: frozenset[str] = frozenset()
    tin: frozenset[str] = frozenset()

    def matches(self, groups: Any) -> bool:
        """Whether a ``provider_groups`` list holds one of the NPIs or TINs."""
        for g in groups if isinstance(groups, list) else ():
            if not isinstance(g, dict):
                continue
            if self.npi and any(str(n) in self.npi for n in (g.get("npi") or []) if not isinstance(n, bool)):
                return True
            tin = g.get("tin")
            if self.tin and isinstance(tin, dict) and "".join(c for c in str(tin.get("value", "")) if c.isdigit()) \
                    in self.tin:
                return True
        return False


def _provider_summary(groups: Any, where: str, path: "Path | UrlFile") -> tuple[int, int]:
    """(provider groups, distinct NPIs) of a ``provider_groups`` list; DataError naming ``where``
    when it does not have the schema's shape (a list of objects whose ``npi`` is a list)."""
    if not isinstance(groups, list):
        raise _fail(path, f"{where}.provider_groups is {type(groups).__name__}, not a list")
    npis = set()
    for i, g in enumerate(groups):
        if not isinstance(g, dict):
            raise _fail(path, f"{where}.provider_groups[{i}]: expected an object, found {type(g).__name__}")
        ids = g.get("npi") or []
        if not isinstance(ids, list) or not all(isinstance(n, (int, str)) and not isinstance(n, bool) for n in ids):
            raise _fail(path, f"{where}.provider_groups[{i}].npi: {shown(ids)} is not a list of NPI numbers")
        for n in ids:
            if n not in (0, "0"):
                npis.add(n)
    return len(groups), len(npis)


def _group_id(value: Any, where: str, path: "Path | UrlFile") -> int | float | str:
    """A provider group id: the key that negotiated rates refer to. The schema types it as a
    number and real 1.x files carry fractional ones (62.0004808658, mrfparse issue 17), so any
    finite number is kept as it is (an integral float as its int, so 7.0 and 7 are one key), and
    text too; what is neither is refused saying what it is."""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _fail(path, f"{where}: provider group id {shown(value)} is not a finite number")
        return int(value) if value.is_integer() else value
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise _fail(path, f"{where}: provider group id {json.dumps(value)[:40]} is "
                    f"{'a boolean' if isinstance(value, bool) else 'not a number or text'}")
    return value


REQUIRED = {"in_network": ("billing_code", re.compile(rb'"billing_code"\s*:')),
            "provider_references": ("provider_group_id", re.compile(rb'"provider_group_id"\s*:'))}


def code_pattern(codes: set[str]) -> "re.Pattern[bytes]":
    """Bytes pattern of a billing_code member holding one of ``codes`` (quoted or not)."""
    alts = b"|".join(re.escape(c.encode()) for c in sorted(codes))
    # a code written with escapes ("\u0039...") cannot be matched as bytes: such items are decoded
    # and their code compared once decoded
    return re.compile(rb'"billing_code"\s*:\s*(?:"?\s*(?:' + alts + rb')\s*["\s,}]|"[^"]*\\)')


def read_tic(path: str | Path, codes: set[str], on_read=None, max_item: int = MAX_ITEM,
             providers: ProviderFilter | None = None) -> Extraction:
    """Rows for ``codes`` from one in-network file (``providers``: only those of the providers
    listed). DataError names the file and the byte offset (or the in_network item and field) of the
    first problem; nothing partial is returned."""
    p = as_source(path)
    stream, raw = open_stream(p, on_read, read_ahead=True)
    ex = Extraction(str(p), "tic")
    top: dict[str, Any] = {}
    refs: dict[Any, int] = {}  # id -> groups << 32 | NPIs; -1 for a remote reference (one int per group)
    matched: set = set()  # ids of the provider groups with a listed NPI or TIN (``providers``)
    pending: list[tuple[dict, dict]] = []  # (row, its negotiated_rates entry)
    counts: dict[str, int] = {}
    with _read_errors(p, raw, pending), stream:
        for m in iter_object_fast(stream, {"in_network": code_pattern(codes), "provider_references": None},
                                  counts=counts, required=REQUIRED, max_item=max_item,
                                  raw_keys=frozenset() if providers is not None else RAW):
            if m.index is None:
                _top_member(m, top, ex)
            elif m.key == "provider_references":
                _reference(m, refs, ex, p)
                if providers is not None and isinstance(m.value, dict) and \
                        providers.matches(m.value.get("provider_groups")):
                    matched.add(_group_id(m.value.get("provider_group_id"), "", p))
            else:
                pending += _item_rows(m, codes, ex, p)
    ex.bytes_read = raw.count
    ex.fetched = fetched(raw)
    ex.items_read = counts.get("in_network", 0)
    if "in_network" not in counts and "in_network" not in top:
        ex.warnings.append("the file has no in_network member: no rates in this file")
    if providers is not None:
        pending = _of_providers(pending, providers, matched, ex, p)
    _finish_rows(ex, pending, refs, top, p)
    return ex


def _of_providers(pending: list[tuple[dict, dict]], providers: ProviderFilter, matched: set, ex: Extraction,
                  p: "Path | UrlFile") -> list[tuple[dict, dict]]:
    """The rows whose providers (inline groups, or referenced groups) hold a listed NPI or TIN; the
    others counted. A remote reference cannot be checked: its rates are not kept."""
    kept = []
    for row, nr in pending:
        if "provider_groups" in nr:
            ok = providers.matches(nr.get("provider_groups"))
        else:
            ok = any(_group_id(i, "", p) in matched for i in nr.get("provider_references") or [])
        if ok:
            kept.append((row, nr))
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
        raise _fail(p, f"{err.reason} (at decompressed byte {err.offset}); refused so memory stays bounded; "
                    f"{len(pending)} rows read before it are not used") from None
    except MissingField as err:
        raise _fail(p, f"{err.reason} (byte {err.offset}); {len(pending)} rows read before it are "
                    "not used") from None
    except StreamError as err:
        raise _fail(p, f"invalid JSON at decompressed byte {err.offset} ({err.reason}); "
                    f"{raw.count} bytes of the file read; {len(pending)} rows read before it are "
                    "not used") from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise _fail(p, f"gzip stream is damaged or truncated after {raw.count} bytes of the file "
                    f"({err}); {len(pending)} rows read before it are not used") from None


RAW = frozenset({"provider_references"})  # read from their bytes (``_reference_bytes``), not decoded
_GID = re.compile(rb'"provider_group_id"\s*:\s*(-?[0-9][0-9.eE+-]*|"[^"\\]*")')
_NPIS = re.compile(rb'"npi"\s*:\s*\[([^\]\[{}"]*)\]')
_TIN = re.compile(rb'"tin"\s*:\s*\{')
_GROUPS = re.compile(rb'"provider_groups"\s*:\s*\[')
_NPI_KEY = re.compile(rb'"npi"\s*:')  # the key (a TIN's type may be the text "npi")


def _reference_bytes(raw: bytes) -> tuple[Any, int, int] | None:
    """(group id, groups, distinct NPIs) of a provider_references entry read from its bytes, for the
    plain shape (one id, no location, each group an ``npi`` list of numbers and a ``tin``, no escape);
    None for anything else, which is decoded and checked as JSON."""
    if b"\\" in raw or b'"location"' in raw:
        return None
    gid = _GID.findall(raw)
    lists = _NPIS.findall(raw)
    if (len(gid) != 1 or len(lists) != len(_TIN.findall(raw)) or len(_NPI_KEY.findall(raw)) != len(lists)
            or len(_GROUPS.findall(raw)) != 1 or raw.count(b'"provider_groups"') != 1):
        return None  # another shape (provider_groups not a list ...): decoded and checked as JSON
    npis: set[bytes] = set()
    for text in lists:
        tokens = text.translate(None, b" \n\t\r")
        if not tokens:
            continue
        if not tokens.replace(b",", b"").isdigit() or b",," in tokens or tokens[:1] == b"," or tokens[-1:] == b",":
            return None  # not a plain list of numbers: read as JSON
        npis.update(tokens.split(b","))
    npis.discard(b"0")  # a 0 in place of an NPI is none
    g = gid[0]
    return (int(g) if g.isdigit() else loads(g)), len(lists), len(npis)


def _reference(m: Any, refs: dict[Any, int], ex: Extraction, p: "Path | UrlFile") -> None:
    """One provider_references entry: its groups and NPIs counted, or a remote file noted."""
    where = f"provider_references[{m.index}] (byte {m.offset})"
    if isinstance(m.value, bytes):
        fast = _reference_bytes(m.value)
        if fast is not None:
            gid, g, n = fast
            refs[_group_id(gid, where, p)] = g << 32 | n
            return
        try:
            ref = loads(m.value)
        except ValueError as err:
            raise _fail(p, f"{where}: {err.args[0].split(':')[0]}") from None
    else:
        ref = m.value
    if not isinstance(ref, dict) or "provider_group_id" not in ref:
        raise _fail(p, f"{where}: missing provider_group_id")
    gid = _group_id(ref["provider_group_id"], where, p)
    if ref.get("location"):
        refs[gid] = -1
        ex.warnings.append(f"provider_references[{m.index}] id {gid} is a remote file ({ref['location']}): not "
                           "fetched; its rates are kept with remote_reference=True and no NPI count")
    else:
        g, n = _provider_summary(ref.get("provider_groups") or [], where, p)
        refs[gid] = g << 32 | n


def _check_providers(nr: dict, where: str, p: "Path | UrlFile") -> None:
    """A negotiated_rates entry's providers: inline groups (1.x) or reference ids."""
    if "provider_groups" in nr:
        _provider_summary(nr["provider_groups"] or [], where, p)
        return
    ids = nr.get("provider_references") or []
    if not isinstance(ids, list):
        raise _fail(p, f"{where}.provider_references is {type(ids).__name__}, not a list")
    for i in ids:
        _group_id(i, f"{where}.provider_references", p)


def _item_rows(m: Any, codes: set[str], ex: Extraction, p: "Path | UrlFile") -> list[tuple[dict, dict]]:
    """The rows of one in_network item of a requested code, each with its negotiated_rates entry."""
    item = m.value
    where = f"in_network[{m.index}] (byte {m.offset})"
    if not isinstance(item, dict):
        raise _fail(p, f"{where}: expected an object, found {type(item).__name__}")
    code = item.get("billing_code")
    if code is None:
        raise _fail(p, f"{where}: missing required field billing_code")
    if str(code).strip() not in codes:
        return []
    ex.items_matched += 1
    rates = item.get("negotiated_rates")
    if not isinstance(rates, list):
        raise _fail(p, f"{where}: negotiated_rates is {type(rates).__name__}, not a list")
    out = []
    for j, nr in enumerate(rates):
        prices = nr.get("negotiated_prices") if isinstance(nr, dict) else None
        if not isinstance(prices, list):
            raise _fail(p, f"{where}.negotiated_rates[{j}]: missing negotiated_prices")
        _check_providers(nr, f"{where}.negotiated_rates[{j}]", p)
        out += [(_price_row(item, price, f"{where}.negotiated_rates[{j}].negotiated_prices[{k}]", p), nr)
                for k, price in enumerate(prices)]
    return out


def _price_row(item: dict, price: Any, w: str, p: "Path | UrlFile") -> dict:
    """One negotiated price as a row (the item's code and arrangement, the price's fields)."""
    if not isinstance(price, dict):
        raise _fail(p, f"{w}: expected an object, found {type(price).__name__}")
    for req in ("negotiated_type", "negotiated_rate", "billing_class"):
        if req not in price:
            raise _fail(p, f"{w}: missing required field {req}")
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


def _providers_of(nr: dict, refs: dict[Any, int], p: "Path | UrlFile", unresolved: set
                  ) -> tuple[int, int, str, bool, bool]:
    """(groups, NPIs, provider key, remote, a reference to no group) of a negotiated_rates entry."""
    if "provider_groups" in nr:  # schema 1.x inline (checked as it was read)
        groups = nr.get("provider_groups") or []
        g, n = _provider_summary(groups, "", p)
        key = "inline:" + join(sorted(str(x["tin"].get("value", "") if isinstance(x.get("tin"), dict) else "")
                                      for x in groups))
        return g, n, key, False, False
    ids = nr.get("provider_references") or []
    g = n = 0
    remote = missing = False
    for i in ids:
        i = _group_id(i, "", p)
        if i not in refs:
            unresolved.add(i)
            missing = True
            continue
        packed = refs[i]
        if packed < 0:
            remote = True
            continue
        g += packed >> 32
        n += packed & 0xFFFFFFFF
    return g, n, "refs:" + join(sorted(str(i) for i in ids)), remote, missing


def _finish_rows(ex: Extraction, pending: list[tuple[dict, dict]], refs: dict[Any, int],
                 top: dict[str, Any], p: "Path | UrlFile") -> None:
    """The rows with the file's payer, plan and line of business and each one's providers."""
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
    for row, nr in pending:
        g, n, key, remote, missing = _providers_of(nr, refs, p, unresolved)
        row.update({
            "source_file": str(p), "source_format": ex.source_format, "reporting_entity": entity,
            "payer_name": payer, "payer_family": fam, "plan_name": top.get("plan_name"),
            "plan_id": None if top.get("plan_id") is None else str(top.get("plan_id")),
            "plan_market_type": top.get("plan_market_type"), "provider_key": key,
            "provider_groups": g, "npi_count": None if remote else n, "remote_reference": remote,
            "last_updated": top.get("last_updated_on"),
            "illustrative": str(entity).upper().startswith(ILLUSTRATIVE_MARK),
            "line_of_business": lob, "source_column": None, "network": "in-network", "state": None,
        })
        if missing:
            row["npi_count"] = None  # a reference to no group: flagged per row, its NPIs unknown
            row["unresolved_reference"] = True
        ex.rows.append(row)
    if unresolved:
        ex.warnings.append(f"provider reference ids {sorted(unresolved, key=str)[:10]} are used but no "
                           "such group is defined in the file: their rates are kept with "
                           "unresolved_reference=True and no NPI count")
