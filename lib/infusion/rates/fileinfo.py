"""What a price file may not say about itself: its hospital, the hospital's state, the file's date
and where it was published, from a sidecar CSV (``rates extract --file-info``).

Columns: ``file`` (the file's name, as given to ``rates extract``), ``hospital_in_file`` (empty, or
the hospital name the file gives, for a workbook with one hospital per sheet), ``hospital``,
``state`` (two letters, or empty when not known), ``file_date`` (``YYYY``, ``YYYY-MM`` or
``YYYY-MM-DD``, or empty), ``address`` (where the file was published) and ``source`` (where these
facts come from). A fact the file gives itself stands; the sidecar fills what it leaves empty (and
names a hospital the file names only by its file name).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, shown
from .model import US_STATES

COLUMNS = ("file", "hospital_in_file", "hospital", "state", "file_date", "address", "source")
MAX_BYTES = 1 << 20


@dataclass(frozen=True)
class FileInfo:
    """One row of the sidecar."""

    file: str
    hospital_in_file: str
    hospital: str
    state: str
    file_date: str
    address: str
    source: str


def read_file_info(path: str | Path) -> list[FileInfo]:
    """The sidecar's rows; InputError naming the line and column of a bad one."""
    p = Path(path)
    if not p.is_file():
        raise InputError("file-info", f"{shown(str(p))} is not a file")
    if p.stat().st_size > MAX_BYTES:
        raise InputError("file-info", f"{p.name} is larger than 1 MB: not a file-info sidecar")
    with p.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise InputError(
                "file-info",
                f"{p.name}: columns are {shown(','.join(reader.fieldnames or []), 120)}, expected {','.join(COLUMNS)}",
            )
        out = []
        for line, r in enumerate(reader, start=2):
            row = {k: (r.get(k) or "").strip() for k in COLUMNS}
            if not row["file"]:
                raise InputError("file-info", f"{p.name} line {line}: column 'file' is empty")
            if row["state"] and row["state"] not in US_STATES:
                raise InputError(
                    "file-info",
                    f"{p.name} line {line}: column 'state': {shown(row['state'])} is not a two-letter US state",
                )
            if row["file_date"] and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", row["file_date"]):
                raise InputError(
                    "file-info",
                    f"{p.name} line {line}: column 'file_date': "
                    f"{shown(row['file_date'])} is not YYYY, YYYY-MM or YYYY-MM-DD",
                )
            if len(row["source"]) < 10:
                raise InputError(
                    "file-info", f"{p.name} line {line}: column 'source' is empty: say where the facts come from"
                )
            out.append(FileInfo(**row))
    return out


def apply_file_info(rows: list[dict], file_name: str, info: list[FileInfo]) -> FileInfo | None:
    """Fill ``rows`` (of the file named ``file_name``) from the sidecar: hospital, state, date.
    Returns the file's row (the one without ``hospital_in_file``), or None when the sidecar has none."""
    mine = [i for i in info if i.file == file_name]
    if not mine:
        return None
    whole = next((i for i in mine if not i.hospital_in_file), None)
    stem = Path(file_name).stem
    for row in rows:
        entity = row.get("reporting_entity") or ""
        fact = next((i for i in mine if i.hospital_in_file and i.hospital_in_file == entity), whole)
        if fact is None:
            continue
        if fact.hospital and (not entity or entity == stem or fact.hospital_in_file == entity):
            row["reporting_entity"] = fact.hospital
            row["provider_key"] = f"hospital:{fact.hospital}"
        row["state"] = row.get("state") or fact.state or None
        row["last_updated"] = row.get("last_updated") or fact.file_date or None
    return whole
