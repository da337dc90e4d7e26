"""Validation markers: which table bytes already passed their schema (no pandas, no pandera).

A marker is a small file under the cache directory, named by the SHA-256 of the table's bytes, the
schema and loader sources and the pandera and pandas versions (``tables.validated`` writes it after
a table passes). The light readers (``rows``) use a table only when its marker exists, and
otherwise have it validated once through the pandas path. Cache directory: ``$INFUSION_CACHE_DIR``,
else ``$XDG_CACHE_HOME/infusion-workbook``, else ``~/.cache/infusion-workbook``;
``INFUSION_CACHE_DIR=off`` validates every time.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_CODE = ("schemas.py", "tables.py", "catalog.py", "markers.py")


def cache_dir() -> Path | None:
    """Where validation markers are kept (None: caching off)."""
    env = os.environ.get("INFUSION_CACHE_DIR")
    if env:
        return None if env.lower() == "off" else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "infusion-workbook"


@lru_cache(maxsize=1)
def _code_digest() -> str:
    h = hashlib.sha256()
    for name in _CODE:
        h.update((_HERE / name).read_bytes())
    h.update(f"pandera {version('pandera')} pandas {version('pandas')}".encode())
    return h.hexdigest()


def marker_path(group: str, name: str, data: bytes) -> Path | None:
    """The marker of these bytes of table ``name`` of ``group`` (None when caching is off)."""
    root = cache_dir()
    if root is None:
        return None
    h = hashlib.sha256(f"{group}/{name}\n{_code_digest()}\n".encode())
    h.update(data)
    return root / "validated" / f"{name}-{h.hexdigest()[:32]}.json"


def write_marker(marker: Path | None, path: Path, group: str, name: str, rows: int) -> None:
    """Record that ``path`` passed its schema (nothing when caching is off or not writable)."""
    if marker is None:
        return
    from ..safe_io import atomic_write

    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(marker, json.dumps({"file": str(path), "schema": f"{group}/{name}", "rows": rows}))
    except OSError:
        pass  # no cache: validate again next time
