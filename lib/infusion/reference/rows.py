"""Reference and Medicare tables as plain rows (the ``csv`` module), for the paths that answer
one question at a time: ``code``, ``price``, the quiz and the scenario bank import no pandas.

The shipped tables are used as they are (validated where they are made and by the tests); tables
from another ``INFUSION_DATA_DIR`` are first checked against the same schema on the pandas path
(``validation``), so a table that fails raises the same DataError, naming the file, line and
column, on either path.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from ..config import data_file
from ..errors import DataError
from .validation import check_table, other_data, tables

Row = dict[str, str]


def table(group: str, name: str) -> tuple[Row, ...]:
    """The rows of ``data/<group>/<name>`` as dicts of text, once the table is known to be valid
    (read once per file: another ``INFUSION_DATA_DIR`` reads its own)."""
    return _table_at(group, name, str(data_file(group, name)))


@lru_cache(maxsize=None)
def _table_at(group: str, name: str, path: str) -> tuple[Row, ...]:
    data = Path(path).read_bytes()
    if other_data() and (group, name) in tables():
        check_table(group, name)
    try:
        return tuple(csv.DictReader(data.decode("utf-8").splitlines()))
    except (UnicodeDecodeError, csv.Error) as err:
        raise DataError(
            f"data/{group}/{name} is not a readable CSV table ({type(err).__name__}); restore data/ "
            "with `git checkout -- data`"
        ) from None


def index(group: str, name: str, key: str) -> dict[str, Row]:
    """``table`` keyed by column ``key`` (its first row per value, as ``set_index`` then ``loc``)."""
    return _index_at(group, name, key, str(data_file(group, name)))


@lru_cache(maxsize=None)
def _index_at(group: str, name: str, key: str, path: str) -> dict[str, Row]:
    out: dict[str, Row] = {}
    for row in _table_at(group, name, path):
        out.setdefault(row[key], row)
    return out


def grouped(group: str, name: str, *keys: str) -> dict[tuple[str, ...], list[Row]]:
    """``table`` grouped by the values of columns ``keys`` (rows in file order)."""
    return _grouped_at(group, name, keys, str(data_file(group, name)))


@lru_cache(maxsize=None)
def _grouped_at(group: str, name: str, keys: tuple[str, ...], path: str) -> dict[tuple[str, ...], list[Row]]:
    out: dict[tuple[str, ...], list[Row]] = {}
    for row in _table_at(group, name, path):
        out.setdefault(tuple(row[k] for k in keys), []).append(row)
    return out
