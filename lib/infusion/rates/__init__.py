"""Commercial negotiated rates from the public price-transparency files.

* :mod:`.model`: the tidy rate table (columns); payer classes come from ``reference.payers``;
* :mod:`.tic`: payers' Transparency in Coverage in-network files (JSON, ``.json.gz``);
* :mod:`.hospital`: hospitals' standard-charge files (CSV v2/v3 tall and wide, JSON v3);
* :mod:`.extract`: files -> one Parquet table, several files in parallel, or on Dask;
* :mod:`.summary`: percentiles per payer family and the ratio to Medicare (DuckDB).

Exports are loaded on first use, so reading a TiC file does not import pandas or DuckDB.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "extract_file": ".extract",
    "extract_files": ".extract",
    "RATE_COLUMNS": ".model",
    "classify": ".model",
    "summarize": ".summary",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
