"""The project's own data tables (``data/medicare``), each validated once per content.

Every table is validated against its schema (``infusion.reference.schemas``, pandera) before use. Validation
itself is quick, but importing pandera costs about half a second in a new process, and these files
change a few times a year; so after a table passes, a marker is written under the cache directory,
named by the SHA-256 of the file's bytes, the schema and loader sources and the pandera and pandas
versions. A later load of the same bytes with the same code skips validation; any change validates
again. Cache directory: ``$INFUSION_CACHE_DIR``, else ``$XDG_CACHE_HOME/infusion-workbook``, else
``~/.cache/infusion-workbook``; ``INFUSION_CACHE_DIR=off`` (or an unwritable directory) validates
every time.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..config import data_file
from ..errors import DataError
from .markers import cache_dir, marker_path, write_marker

__all__ = ["cache_dir", "validated", "rvu_table", "gpci_table", "cf_table", "zip_table", "zip_localities",
           "opps_table", "asp_table"]


def validated(df: pd.DataFrame, group: str, name: str, path: Path | str,
              line_offset: int = 2) -> pd.DataFrame:
    """``df`` (read from ``path``) checked against schema ``name`` of ``group`` ("reference" or
    "medicare"); DataError naming file, line, column and value on failure. Skips validation when
    these bytes passed the same schema before (see module doc)."""
    path = Path(path)
    marker = marker_path(group, name, path.read_bytes())
    if marker is not None and marker.is_file():
        return df
    from .schemas import MEDICARE_SCHEMAS, REFERENCE_SCHEMAS, validate

    schema = {"reference": REFERENCE_SCHEMAS, "medicare": MEDICARE_SCHEMAS}[group][name]
    out = validate(df, schema, path, line_offset)
    write_marker(marker, path, group, name, len(df))
    return out


def read_data_csv(path: Path, **read_csv: object) -> pd.DataFrame:
    """A data table read by pandas; DataError naming the file when it is not a CSV (binary,
    another encoding, damaged)."""
    try:
        return pd.read_csv(path, **read_csv)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OSError) as err:
        raise DataError(f"data/{path.parent.name}/{path.name} is not a readable CSV table "
                        f"({type(err).__name__}: {str(err).splitlines()[0][:100] if str(err) else ''}); "
                        "restore data/ with `git checkout -- data`") from None


def read_data_parquet(path: Path, **options: object):
    """A Parquet data table (pyarrow); DataError naming the file when it is not one."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path, **options)
    except (pa.ArrowException, OSError, ValueError) as err:
        raise DataError(f"data/{path.parent.name}/{path.name} is not a readable Parquet table "
                        f"({type(err).__name__}: {str(err).splitlines()[0][:100] if str(err) else ''}); "
                        "restore data/ with `git checkout -- data`") from None


def _medicare_csv(name: str, **read_csv: object) -> pd.DataFrame:
    """``data/medicare/<name>`` read (blank cells kept as text unless ``na_values`` says) and
    validated against its schema."""
    path = data_file("medicare", name)
    return validated(read_data_csv(path, keep_default_na=False, **read_csv), "medicare", name, path)


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
    return read_data_parquet(data_file("medicare", "zip_locality.parquet")).to_pandas().set_index("zip")


def zip_localities(zips: Iterable[str]) -> dict[str, str]:
    """MAC-locality (``01112-05``) of each of these five-digit ZIPs found in the ZIP file: only
    their rows are read (an audit needs a handful; ``zip_table`` loads all 40,000)."""

    wanted = sorted(set(zips))
    if not wanted:
        return {}
    t = read_data_parquet(data_file("medicare", "zip_locality.parquet"), columns=["zip", "carrier", "locality"],
                          filters=[("zip", "in", wanted)])
    return {z: f"{c}-{loc}" for z, c, loc in zip(t["zip"].to_pylist(), t["carrier"].to_pylist(),
                                                  t["locality"].to_pylist())}


@lru_cache(maxsize=None)
def asp_table() -> pd.DataFrame:
    """``data/medicare/asp_limits.csv``: CMS ASP payment limits of the drugs by quarter."""
    return _medicare_csv("asp_limits.csv", dtype={"hcpcs": str, "quarter": str})


@lru_cache(maxsize=None)
def opps_table() -> pd.DataFrame:
    """``data/medicare/opps_rates.csv``: OPPS status indicator, APC and rate by quarter."""
    return _medicare_csv("opps_rates.csv", dtype={"code": str, "apc": str}, na_values={"payment_rate": [""]})
