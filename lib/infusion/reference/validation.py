"""When the data tables are checked against their schemas (``schemas``, pandera), and how they are read.

The data shipped in ``data/`` are validated where they are made (``scripts/import_shared_data.py``)
and by the tests (``tests/unit/test_data.py`` checks every table against its schema), so a run on
them does not pay for pandera. A table is validated at run time only when ``INFUSION_DATA_DIR``
points at another data folder (a copy with next year's CMS files, say): once per table and
process, on the pandas path and on the light one (``rows``) alike, with the same DataError naming
the file, line, column and value.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import data_file
from ..errors import DataError

if TYPE_CHECKING:
    import pandas as pd

# how each table is read (pandas ``read_csv`` options): text unless a column says otherwise, blank
# cells kept as text except where ``na_values`` names them
REFERENCE_READ: dict[str, object] = {"dtype": str, "keep_default_na": False}
MEDICARE_READ: dict[str, dict[str, object]] = {
    "pfs_rvu.csv": {
        "dtype": {"code": str},
        "na_values": {c: [""] for c in ("work_rvu", "pe_nonfac", "mp_rvu", "total_nonfac", "cf")},
    },
    "gpci.csv": {"dtype": {"mac": str, "locality": str}, "na_values": {"pw_gpci_no_floor": [""]}},
    "conversion_factors.csv": {},
    "asp_limits.csv": {"dtype": {"hcpcs": str, "quarter": str}},
    "opps_rates.csv": {"dtype": {"code": str, "apc": str}, "na_values": {"payment_rate": [""]}},
}


def other_data() -> bool:
    """Whether the data come from ``INFUSION_DATA_DIR`` rather than the shipped ``data/``."""
    return bool(os.environ.get("INFUSION_DATA_DIR"))


def read_data_csv(path: Path, **read_csv: object) -> pd.DataFrame:
    """A data table read by pandas; DataError naming the file when it is not a CSV (binary,
    another encoding, damaged)."""
    import pandas as pd

    try:
        return pd.read_csv(path, **read_csv)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OSError) as err:
        raise DataError(
            f"data/{path.parent.name}/{path.name} is not a readable CSV table "
            f"({type(err).__name__}: {str(err).splitlines()[0][:100] if str(err) else ''}); "
            "restore data/ with `git checkout -- data`"
        ) from None


def read_table(group: str, name: str) -> tuple[pd.DataFrame, Path]:
    """``data/<group>/<name>`` read as its loader reads it, and its path."""
    path = data_file(group, name)
    options = REFERENCE_READ if group == "reference" else {"keep_default_na": False, **MEDICARE_READ[name]}
    return read_data_csv(path, **options), path


def checked(df: pd.DataFrame, group: str, name: str, path: Path | str, always: bool = False) -> pd.DataFrame:
    """``df`` (read from ``path``) checked against schema ``name`` of ``group`` when the data are not
    the shipped ones (or ``always``); DataError naming file, line, column and value on failure."""
    if not (always or other_data()):
        return df
    from .schemas import MEDICARE_SCHEMAS, REFERENCE_SCHEMAS, validate

    return validate(df, {"reference": REFERENCE_SCHEMAS, "medicare": MEDICARE_SCHEMAS}[group][name], path)


def check_table(group: str, name: str, always: bool = False) -> pd.DataFrame:
    """Read and check one table (see :func:`checked`)."""
    df, path = read_table(group, name)
    return checked(df, group, name, path, always)


def tables() -> list[tuple[str, str]]:
    """Every (group, name) with a schema: what the tests and the data build check."""
    from .schemas import MEDICARE_SCHEMAS, REFERENCE_SCHEMAS

    return [("reference", n) for n in REFERENCE_SCHEMAS] + [("medicare", n) for n in MEDICARE_SCHEMAS]
