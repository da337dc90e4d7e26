"""The project's own data tables (``data/medicare``), each validated once per content.

Every table is validated against its schema (``infusion.schemas``, pandera) before use. Validation
itself is quick, but importing pandera costs about half a second in a new process, and these files
change a few times a year; so after a table passes, a marker is written under the cache directory,
named by the SHA-256 of the file's bytes, the schema and loader sources and the pandera and pandas
versions. A later load of the same bytes with the same code skips validation; any change validates
again. Cache directory: ``$INFUSION_CACHE_DIR``, else ``$XDG_CACHE_HOME/infusion-workbook``, else
``~/.cache/infusion-workbook``; ``INFUSION_CACHE_DIR=off`` (or an unwritable directory) validates
every time.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import pandas as pd

from .paths import data_path

_HERE = Path(__file__).resolve().parent
_CODE = ("schemas.py", "tables.py", "catalog.py")


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


def validated(df: pd.DataFrame, group: str, name: str, path: Path | str,
              line_offset: int = 2) -> pd.DataFrame:
    """``df`` (read from ``path``) checked against schema ``name`` of ``group`` ("reference" or
    "medicare"); DataError naming file, line, column and value on failure. Skips validation when
    these bytes passed the same schema before (see module doc)."""
    path = Path(path)
    root = cache_dir()
    marker = None
    if root is not None:
        h = hashlib.sha256(f"{group}/{name}\n{_code_digest()}\n".encode())
        h.update(path.read_bytes())
        marker = root / "validated" / f"{name}-{h.hexdigest()[:32]}.json"
        if marker.is_file():
            return df
    from .schemas import MEDICARE_SCHEMAS, REFERENCE_SCHEMAS, validate

    schema = {"reference": REFERENCE_SCHEMAS, "medicare": MEDICARE_SCHEMAS}[group][name]
    out = validate(df, schema, path, line_offset)
    if marker is not None:
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            tmp = marker.with_suffix(".tmp")
            tmp.write_text(json.dumps({"file": str(path), "schema": f"{group}/{name}", "rows": len(df)}))
            os.replace(tmp, marker)
        except OSError:
            pass  # no cache: validate again next time
    return out


def _medicare_csv(name: str, **read_csv: object) -> pd.DataFrame:
    """``data/medicare/<name>`` read (blank cells kept as text unless ``na_values`` says) and
    validated against its schema."""
    path = data_path("medicare", name)
    return validated(pd.read_csv(path, keep_default_na=False, **read_csv), "medicare", name, path)


@lru_cache(maxsize=None)
def rvu_table() -> pd.DataFrame:
    """``data/medicare/pfs_rvu.csv``: RVUs of the drug-administration family by year and release."""
    return _medicare_csv("pfs_rvu.csv", dtype={"code": str},
                         na_values={c: [""] for c in ("work_rvu", "pe_nonfac", "mp_rvu", "total_nonfac", "cf")})


@lru_cache(maxsize=None)
def gpci_table() -> pd.DataFrame:
    """``data/medicare/gpci.csv``: GPCIs for every year we have, by MAC and locality."""
    return _medicare_csv("gpci.csv", dtype={"mac": str, "locality": str}, na_values={"pw_gpci_no_floor": [""]})


@lru_cache(maxsize=None)
def cf_table() -> pd.DataFrame:
    """``data/medicare/conversion_factors.csv``: CF by year and date period (and QP variant)."""
    df = _medicare_csv("conversion_factors.csv")
    df["start"] = pd.to_datetime(df["start"]).dt.date
    df["end"] = pd.to_datetime(df["end"]).dt.date
    return df


@lru_cache(maxsize=None)
def zip_table() -> pd.DataFrame:
    """``data/medicare/zip_locality.parquet``: ZIP code to carrier/locality (CMS ZIP5 file)."""
    return pd.read_parquet(data_path("medicare", "zip_locality.parquet")).set_index("zip")


def zip_localities(zips: Iterable[str]) -> dict[str, str]:
    """MAC-locality (``01112-05``) of each of these five-digit ZIPs found in the ZIP file: only
    their rows are read (an audit needs a handful; ``zip_table`` loads all 40,000)."""
    import pyarrow.parquet as pq

    wanted = sorted(set(zips))
    if not wanted:
        return {}
    t = pq.read_table(data_path("medicare", "zip_locality.parquet"), columns=["zip", "carrier", "locality"],
                      filters=[("zip", "in", wanted)])
    return {z: f"{c}-{loc}" for z, c, loc in zip(t["zip"].to_pylist(), t["carrier"].to_pylist(),
                                                  t["locality"].to_pylist())}


@lru_cache(maxsize=None)
def opps_table() -> pd.DataFrame:
    """``data/medicare/opps_rates.csv``: OPPS status indicator, APC and rate by quarter."""
    return _medicare_csv("opps_rates.csv", dtype={"code": str, "apc": str}, na_values={"payment_rate": [""]})
