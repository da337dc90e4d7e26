"""The providers of an in-network file's rates: provider references, inline groups, the NPI/TIN filter.

A rate names its providers inline (schema 1.x ``provider_groups``) or by the ids of groups defined
in the file's ``provider_references``. Inline groups are summed up as the rate is read (groups,
distinct NPIs, a key of their TINs) so that the decoded entry is not kept; references are kept in
a ``RefTable`` (arrays: 16 bytes per group) and resolved for the few rates kept, at the end.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ..errors import DataError, shown
from .jsonscan import RawItems, loads
from .model import Extraction, join
from .refscan import RefTable, read_window


class Named(Protocol):
    """A file (a local path or a URL) as messages name it."""

    @property
    def name(self) -> str: ...


RAW = frozenset({"provider_references"})  # read a window at a time from their bytes (``refscan``)


def file_error(path: Named, message: str) -> DataError:
    """A DataError naming the file."""
    return DataError(f"{path.name}: {message}")


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
            if (
                self.tin
                and isinstance(tin, dict)
                and "".join(c for c in str(tin.get("value", "")) if c.isdigit()) in self.tin
            ):
                return True
        return False


def provider_summary(groups: Any, where: str, path: Named) -> tuple[int, int]:
    """(provider groups, distinct NPIs) of a ``provider_groups`` list; DataError naming ``where``
    when it does not have the schema's shape (a list of objects whose ``npi`` is a list)."""
    if not isinstance(groups, list):
        raise file_error(path, f"{where}.provider_groups is {type(groups).__name__}, not a list")
    npis = set()
    for i, g in enumerate(groups):
        if not isinstance(g, dict):
            raise file_error(path, f"{where}.provider_groups[{i}]: expected an object, found {type(g).__name__}")
        ids = g.get("npi") or []
        if not isinstance(ids, list) or not all(isinstance(n, (int, str)) and not isinstance(n, bool) for n in ids):
            raise file_error(path, f"{where}.provider_groups[{i}].npi: {shown(ids)} is not a list of NPI numbers")
        for n in ids:
            if n not in (0, "0"):
                npis.add(n)
    return len(groups), len(npis)


def group_id(value: Any, where: str, path: Named) -> int | float | str:
    """A provider group id: the key that negotiated rates refer to. The schema types it as a
    number and real 1.x files carry fractional ones (62.0004808658, mrfparse issue 17), so any
    finite number is kept as it is (an integral float as its int, so 7.0 and 7 are one key), and
    text too; what is neither is refused saying what it is."""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise file_error(path, f"{where}: provider group id {shown(value)} is not a finite number")
        return int(value) if value.is_integer() else value
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise file_error(
            path,
            f"{where}: provider group id {json.dumps(value)[:40]} is "
            f"{'a boolean' if isinstance(value, bool) else 'not a number or text'}",
        )
    return value


def read_references(raw: RawItems, refs: RefTable, ex: Extraction, p: Named) -> None:
    """A window of provider_references: the plain ones read from their bytes, the others decoded
    and checked one by one; all kept in file order."""
    plain, ids, packed = read_window(raw)
    for i in np.flatnonzero(~plain).tolist():
        gid, summary = read_reference(raw.item(i), ex, p)
        if isinstance(gid, int) and -(1 << 63) <= gid < (1 << 63):
            ids[i], packed[i], plain[i] = gid, summary, True
        else:
            refs.add(gid, summary)
    refs.add_many(ids[plain], packed[plain])


def read_reference(m: Any, ex: Extraction, p: Named) -> tuple[Any, int]:
    """(group id, groups << 32 | distinct NPIs) of one provider_references entry decoded as JSON
    (-1 and a warning for a remote file)."""
    where = f"provider_references[{m.index}] (byte {m.offset})"
    if isinstance(m.value, bytes):
        try:
            ref = loads(m.value)
        except ValueError as err:
            raise file_error(p, f"{where}: {err.args[0].split(':')[0]}") from None
    else:
        ref = m.value
    if not isinstance(ref, dict) or "provider_group_id" not in ref:
        raise file_error(p, f"{where}: missing provider_group_id")
    gid = group_id(ref["provider_group_id"], where, p)
    if ref.get("location"):
        ex.warnings.append(
            f"provider_references[{m.index}] id {gid} is a remote file ({ref['location']}): not "
            "fetched; its rates are kept with remote_reference=True and no NPI count"
        )
        return gid, -1
    g, n = provider_summary(ref.get("provider_groups") or [], where, p)
    return gid, g << 32 | n


@dataclass(frozen=True)
class RateProviders:
    """A rate's providers as read: inline groups summed up (``refs`` is None), or the ids of the
    groups it refers to (summed up once every reference is known)."""

    groups: int
    npis: int
    key: str
    refs: tuple | None = None
    listed: bool = False  # inline groups with an NPI or TIN of the provider filter


def rate_providers(nr: dict, where: str, p: Named, providers: ProviderFilter | None) -> RateProviders:
    """A negotiated_rates entry's providers, checked: inline groups (1.x) or reference ids."""
    if "provider_groups" in nr:
        groups = nr["provider_groups"] or []
        g, n = provider_summary(groups, where, p)
        key = "inline:" + join(
            sorted(str(x["tin"].get("value", "") if isinstance(x.get("tin"), dict) else "") for x in groups)
        )
        return RateProviders(g, n, key, None, providers is not None and providers.matches(groups))
    ids = nr.get("provider_references") or []
    if not isinstance(ids, list):
        raise file_error(p, f"{where}.provider_references is {type(ids).__name__}, not a list")
    refs = tuple(group_id(i, f"{where}.provider_references", p) for i in ids)
    return RateProviders(0, 0, "refs:" + join(sorted(str(i) for i in ids)), refs)


def resolve(rp: RateProviders, refs: dict[Any, int], unresolved: set) -> tuple[int, int, str, bool, bool]:
    """(groups, NPIs, provider key, remote, a reference to no group) of a rate."""
    if rp.refs is None:
        return rp.groups, rp.npis, rp.key, False, False
    g = n = 0
    remote = missing = False
    for i in rp.refs:
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
    return g, n, rp.key, remote, missing
