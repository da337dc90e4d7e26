"""Transparency in Coverage table-of-contents (index) files: the in-network files they list.

A payer publishes one index listing, per group of reporting plans, the locations (URLs) of its
in-network files. :func:`in_network_files` streams an index (a local file or a URL, gzip or not)
with the same scanner as the in-network files and returns each in-network file's location once,
with the plans it serves; ``plan`` keeps only the structures one of whose plans matches it (plan
name, plan id or the plan sponsor's name or EIN, case-insensitive, as a substring).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DataError
from .fetch import resolve
from .jsonscan import MAX_ITEM, StreamError, TooLarge, iter_object_fast
from .tic import UrlFile, as_source, open_stream


@dataclass(frozen=True)
class IndexedFile:
    location: str
    description: str
    plans: tuple[str, ...]


def _plan_text(plan: Any) -> str:
    if not isinstance(plan, dict):
        return ""
    keys = ("plan_name", "plan_id", "plan_sponsor_name", "issuer_name", "ein")
    return " | ".join(str(plan.get(k) or "") for k in keys).lower()


def _files_of(structure: Any, where: str, base: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(location, description) of a structure's in-network files, and its plans' texts."""
    if not isinstance(structure, dict):
        raise DataError(f"{where}: expected an object")
    plans = [_plan_text(p) for p in (structure.get("reporting_plans") or []) if isinstance(p, dict)]
    files = []
    for i, f in enumerate(structure.get("in_network_files") or []):
        location = f.get("location") if isinstance(f, dict) else None
        if not isinstance(location, str) or not location.strip():
            raise DataError(f"{where}.in_network_files[{i}]: no location")
        files.append((resolve(base, location.strip()), str(f.get("description") or "")))
    return files, plans


def in_network_files(index: str | Path, plan: str | None = None, max_item: int = MAX_ITEM) -> list[IndexedFile]:
    """The in-network files an index lists (see the module doc), in the order first listed."""
    source = as_source(index)
    base = str(source) if isinstance(source, UrlFile) else ""
    stream, _ = open_stream(source)
    found: dict[str, IndexedFile] = {}
    want = (plan or "").strip().lower()
    try:
        with stream:
            for m in iter_object_fast(stream, {"reporting_structure": None}, max_item=max_item):
                if m.index is None:
                    continue
                files, plans = _files_of(m.value, f"{source.name}: reporting_structure[{m.index}]", base)
                if want and not any(want in p for p in plans):
                    continue
                for location, description in files:
                    before = found.get(location)
                    found[location] = IndexedFile(
                        location,
                        description or (before.description if before else ""),
                        tuple(dict.fromkeys((before.plans if before else ()) + tuple(plans))),
                    )
    except (StreamError, TooLarge) as err:
        raise DataError(f"{source.name}: not a readable index file ({err})") from None
    return list(found.values())
