"""Commercial negotiated rates from the public price-transparency files.

* :mod:`.model`: the tidy rate table (columns, schema) and payer families;
* :mod:`.tic`: payers' Transparency in Coverage in-network files (JSON, ``.json.gz``);
* :mod:`.hospital`: hospitals' standard-charge files (CSV v2/v3 tall and wide, JSON v3);
* :mod:`.extract`: files -> one Parquet table, several files in parallel, or on Dask;
* :mod:`.summary`: percentiles per payer family and the ratio to Medicare (DuckDB).
"""

from .extract import extract_file, extract_files
from .model import RATE_COLUMNS, payer_family
from .summary import summarize

__all__ = ["RATE_COLUMNS", "extract_file", "extract_files", "payer_family", "summarize"]
