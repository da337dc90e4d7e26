"""Spreadsheet claims files (xlsx, xlsm, xlsb, xls, ods), read with python-calamine: the header
in the first row, the used columns as text, batches of rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from ..bounds import check_spreadsheet
from ..errors import InputError, shown
from . import values as V


class Sheet:
    """The first (or the named) sheet of a workbook: its header and its rows as record batches."""

    def __init__(self, path: Path, sheet: str | None):
        from python_calamine import CalamineWorkbook

        check_spreadsheet(path, "claims")  # before the reader, which aborts on a sheet it cannot hold
        book = CalamineWorkbook.from_path(str(path))
        self.names = list(book.sheet_names)
        if sheet is not None and sheet not in self.names:
            raise InputError("sheet", f"{shown(sheet)} is not a sheet of {path.name} (sheets: {', '.join(self.names)})")
        self.sheet = book.get_sheet_by_index(0) if sheet is None else book.get_sheet_by_name(sheet)
        self.rows = self.sheet.iter_rows()
        first = next(self.rows, [])
        self.header = [V.as_text(h) or "" for h in first]
        self.height = max(self.sheet.height - 1, 0)

    def batches(self, used: list[str], batch_rows: int = 1 << 16) -> Iterator[pa.RecordBatch]:
        """Rows of the ``used`` columns, as text. Blank rows inside the data are kept (they are
        rejected like any row without a claim id, so row numbers stay the sheet's); blank rows
        after the last data row are not lines."""
        at = [self.header.index(u) for u in used]
        named: dict[str, list[str | None]] = {u: [] for u in used}
        cols = list(named.values())
        blank = 0  # blank rows not yet known to be inside the data
        for row in self.rows:
            if all(v is None or v == "" for v in row):
                blank += 1
                continue
            for _ in range(blank):
                for c in cols:
                    c.append(None)
            blank = 0
            for c, i in zip(cols, at):
                c.append((V.as_text(row[i]) or None) if i < len(row) else None)  # an empty cell: None
            if len(cols[0]) >= batch_rows:
                yield V.text_batch(named)
        if cols[0]:
            yield V.text_batch(named)
