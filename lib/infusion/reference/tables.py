"""The project's own Medicare tables (``data/medicare``) as pandas frames.

Each is read as ``validation.MEDICARE_READ`` says and checked against its schema when the data are
not the shipped ones (``validation``).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..config import data_file
from ..errors import DataError
from .validation import check_table, read_data_csv

__all__ = [
    "rvu_table",
    "gpci_table",
    "cf_table",
    "zip_table",
    "zip_localities",
    "opps_table",
    "asp_table",
    "read_data_csv",
    "read_data_parquet",
]


def read_data_parquet(path: Path, **options: object):
    """A Parquet data table (pyarrow); DataError naming the file when it is not one."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path, **options)
    except (pa.ArrowException, OSError, ValueError) as err:
        raise DataError(
            f"data/{path.parent.name}/{path.name} is not a readable Parquet table "
            f"({type(err).__name__}: {str(err).splitlines()[0][:100] if str(err) else ''}); "
            "restore data/ with `git checkout -- data`"
        ) from None


def _medicare_csv(name: str) -> pd.DataFrame:
    """``data/medicare/<name>`` read and checked (``validation.check_table``)."""
    return check_table("medicare", name)


@lru_cache(maxsize=None)
def rvu_table() -> pd.DataFrame:
    """``data/medicare/pfs_rvu.csv``: RVUs of the drug-administration family by year and release."""
    return _medicare_csv("pfs_rvu.csv")


@lru_cache(maxsize=None)
def gpci_table() -> pd.DataFrame:
    """``data/medicare/gpci.csv``: GPCIs for every year we have, by MAC and locality."""
    return _medicare_csv("gpci.csv")


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
    t = read_data_parquet(
        data_file("medicare", "zip_locality.parquet"),
        columns=["zip", "carrier", "locality"],
        filters=[("zip", "in", wanted)],
    )
    return {
        z: f"{c}-{loc}" for z, c, loc in zip(t["zip"].to_pylist(), t["carrier"].to_pylist(), t["locality"].to_pylist())
    }


@lru_cache(maxsize=None)
def asp_table() -> pd.DataFrame:
    """``data/medicare/asp_limits.csv``: CMS ASP payment limits of the drugs by quarter."""
    return _medicare_csv("asp_limits.csv")


@lru_cache(maxsize=None)
def opps_table() -> pd.DataFrame:
    """``data/medicare/opps_rates.csv``: OPPS status indicator, APC and rate by quarter."""
    return _medicare_csv("opps_rates.csv")
