"""The bounds on what one input file may make the workbook allocate, checked before the allocation.

Every reader keeps to two bounds, so a file that decompresses or expands to something huge (a
"bomb") fails alone and clearly, with memory well under 1 GB:

* ``MAX_RECORD_BYTES``: one record (a CSV line with every column, read or not; an X12 segment; a
  value of a Parquet column the audit reads; a spreadsheet's shared strings) is at most 32 MB;
* ``MAX_TOTAL_BYTES``: the uncompressed bytes of one file are at most 64 GB.

Spreadsheets are inspected before their reader (python-calamine) is called, which allocates a
sheet's whole rectangle from its first to its last cell and aborts the process, uncatchably, when
it cannot: an ``.xlsx`` (or ``.xlsm``) whose members unpack to more than the total bound, whose
shared strings are larger than the record bound, or whose sheet's rectangle (last row x last
column, read from the sheet's XML) exceeds ``MAX_SHEET_CELLS`` is refused. The other formats
(``.xls``, ``.xlsb``, ``.ods``) are opened first in a child process with a memory limit: a file that
makes the reader fail there is refused.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

from .errors import InputError, shown

MAX_RECORD_BYTES = 32 << 20
MAX_TOTAL_BYTES = 64 << 30
MAX_SHEET_CELLS = 20_000_000  # the reader holds about 32 bytes a cell: 640 MB
_CHILD_MEMORY = 2 << 30

_ROW = re.compile(rb'<row (?:[^>]* )?r="(\d{1,9})"')
_COLUMN = re.compile(rb'<c (?:[^>]* )?r="([A-Z]{2,4})\d')  # columns past Z (A-Z are never wide)


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _sheet_extent(stream) -> tuple[int, int]:
    """(last row, last column) of a worksheet's XML, read in chunks: every ``<row r=>`` and every
    ``<c r=>`` past column Z; cells without a reference count as one column each of their row."""
    last_row, width, tail = 0, 26, b""
    bare = 0
    while True:
        chunk = stream.read(1 << 22)
        if not chunk:
            break
        data = tail + chunk
        cut = data.rfind(b">") + 1
        part, tail = data[:cut], data[cut:]
        if len(tail) > MAX_RECORD_BYTES:
            raise ValueError("an XML element longer than the record bound")
        rows = _ROW.findall(part)
        if rows:
            last_row = max(last_row, max(map(int, rows)))
        for letters in set(_COLUMN.findall(part)):
            width = max(width, _column_number(letters))
        bare += part.count(b"<c>") + part.count(b"<c ") - part.count(b'<c r="')
    return last_row, max(width, bare)


def check_spreadsheet(path: Path, field: str) -> None:
    """InputError(``field``) when the spreadsheet ``path`` would make its reader allocate past the
    bounds (see the module doc); None when it may be read."""
    size = path.stat().st_size
    if size > MAX_TOTAL_BYTES:
        raise InputError(field, f"{path.name} is larger than {MAX_TOTAL_BYTES >> 30} GB")
    if zipfile.is_zipfile(path) and path.suffix.lower() in (".xlsx", ".xlsm"):
        _check_xlsx(path, field)
    elif path.suffix.lower() in (".xls", ".xlsb", ".ods") or not zipfile.is_zipfile(path):
        _check_in_child(path, field)


def _check_xlsx(path: Path, field: str) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            if total > MAX_TOTAL_BYTES:
                raise InputError(
                    field, f"{path.name} unpacks to {total:,} bytes (more than {MAX_TOTAL_BYTES >> 30} GB): refused"
                )
            for info in infos:
                name = info.filename.lower()
                if name.endswith("sharedstrings.xml") and info.file_size > MAX_RECORD_BYTES:
                    raise InputError(
                        field,
                        f"{path.name}: its shared strings unpack to {info.file_size:,} bytes "
                        f"(more than {MAX_RECORD_BYTES >> 20} MB): refused",
                    )
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    with z.open(info) as fh:
                        rows, cols = _sheet_extent(fh)
                    if rows * cols > MAX_SHEET_CELLS:
                        raise InputError(
                            field,
                            f"{path.name}: sheet {shown(Path(info.filename).stem)} spans "
                            f"{rows:,} rows x {cols:,} columns (more than {MAX_SHEET_CELLS:,} cells, "
                            "from its first cell to its last): refused; save only the rows and "
                            "columns of the claims",
                        )
    except InputError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as err:
        raise InputError(
            field, f"{path.name} is not a readable spreadsheet ({type(err).__name__}: {shown(str(err), 80)})"
        ) from None


_CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from python_calamine import CalamineWorkbook
wb = CalamineWorkbook.from_path(sys.argv[1])
for name in wb.sheet_names:
    sheet = wb.get_sheet_by_name(name)
    if sheet.height * max(sheet.width, 1) > {cells}:
        print("too many cells in sheet", repr(name)[:60]); sys.exit(3)
"""


def _check_in_child(path: Path, field: str) -> None:
    """Open every sheet of ``path`` in a child process limited to 2 GB of address space."""
    code = _CHILD.format(limit=_CHILD_MEMORY, cells=MAX_SHEET_CELLS)
    try:
        proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        raise InputError(field, f"{path.name}: its sheets took more than 300 s to open: refused") from None
    if proc.returncode == 3:
        raise InputError(field, f"{path.name}: {proc.stdout.strip()} (more than {MAX_SHEET_CELLS:,} cells): refused")
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["its reader failed"])[-1]
        raise InputError(
            field,
            f"{path.name} is not a readable spreadsheet (its reader, given "
            f"{_CHILD_MEMORY >> 30} GB, failed: {shown(last, 100)})",
        )


class BoundedStream:
    """A binary stream that counts the bytes it gives and fails (ValueError) past ``total`` bytes, or
    when more than ``record`` bytes pass without a line break (one CSV record larger than the bound)."""

    def __init__(self, raw, record: int = MAX_RECORD_BYTES, total: int = MAX_TOTAL_BYTES, name: str = "the file"):
        self.raw, self.record, self.total, self.name = raw, record, total, name
        self.count = 0
        self.since_break = 0

    def _seen(self, data: bytes) -> None:
        self.count += len(data)
        if self.count > self.total:
            raise ValueError(f"{self.name} unpacks to more than {self.total >> 30} GB: refused")
        at = data.rfind(b"\n")
        self.since_break = len(data) - at - 1 if at >= 0 else self.since_break + len(data)
        if self.since_break > self.record:
            raise ValueError(
                f"{self.name} has a line longer than {self.record >> 20} MB (at byte "
                f"{self.count - self.since_break:,}): no claim or price record is that long; refused"
            )

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n if n is not None and n >= 0 else self.record + 1)
        self._seen(data)
        return data

    def read1(self, n: int = -1) -> bytes:
        return self.read(n)

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.raw.close()

    @property
    def closed(self) -> bool:
        return bool(getattr(self.raw, "closed", False))

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        line = self.raw.readline(self.record + 1)
        if not line:
            raise StopIteration
        self._seen(line)
        return line
