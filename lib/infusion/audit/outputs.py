"""What an audit writes: the output files (findings, rejects, summary, by payer, by provider), the
one line naming the file audited, and the report footer. Claim and line keys and aggregates only;
CSV cells that a spreadsheet would run as a formula are prefixed (``redact.spreadsheet_safe``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import check_outputs, data_dir
from ..errors import InputError, shown
from ..footer import DEFAULT_DATA_SOURCES, report_footer  # the Medicare files (PFS, GPCI, ZIP, OPPS, MUE)
from ..redact import spreadsheet_safe
from ..safe_io import atomic_files

if TYPE_CHECKING:
    import pandas as pd

    from .result import AuditResult


_KIND_NAMES = {"csv": "CSV", "parquet": "Parquet", "spreadsheet": "spreadsheet", "x12": "X12 837"}


def describe_source(claims: str | Path, res: AuditResult) -> str:
    """One line naming the file audited, its kind, and ILLUSTRATIVE when it is one of the samples
    the repository generates (under data/samples)."""
    path = Path(claims).resolve()
    illustrative = path.is_relative_to((data_dir() / "samples").resolve())
    return f"claims file: {path.name} ({_KIND_NAMES.get(res.source_kind, res.source_kind)})" + (
        "; ILLUSTRATIVE sample with planted errors, not real claims" if illustrative else ""
    )


def footer_html(claims: str | Path, res: AuditResult) -> str:
    """Report footer: the render date, the file audited, the data sources of prices and rules."""
    sources = [s for s in DEFAULT_DATA_SOURCES if s.startswith("CMS")] + [
        "Coding rules: shared/domain/coding-rules.md and research-notes.md (each message names its rule id and sources)"
    ]
    return report_footer(
        f"{describe_source(claims, res)}; {res.accounting()}.", sources, note="Claim and line keys and aggregates only."
    )


def output_paths(out: str | Path, rejects: str | Path | None = None) -> dict[str, Path]:
    """The files an audit writes, by the option they come from: findings (``out``), rejects (given,
    or OUT.rejects.EXT), and beside them OUT.summary.csv, OUT.payers.csv, OUT.providers.csv."""
    out = Path(out)
    if not str(out).strip() or out.name in ("", ".", "..") or out.is_dir():
        raise InputError("out", f"{shown(str(out))} is not a file name (findings.csv or findings.parquet)")
    return {
        "out": out,
        "rejects": Path(rejects) if rejects else out.with_name(out.stem + ".rejects" + out.suffix),
        "out (summary)": out.with_name(out.stem + ".summary.csv"),
        "out (by payer)": out.with_name(out.stem + ".payers.csv"),
        "out (by provider)": out.with_name(out.stem + ".providers.csv"),
    }


def write_outputs(res: AuditResult, out: str | Path, rejects: str | Path | None = None) -> dict[str, str]:
    """Write findings (CSV or Parquet by extension), the summary by rule and payer, the share of
    lines with findings by payer and by provider (CSV: OUT.summary.csv, OUT.payers.csv,
    OUT.providers.csv: no rows when the file names no provider) and the rejects. All
    are written to temporary names first and renamed only when all are complete, so a failed
    write leaves the previous outputs as they were (InputError naming the path). Claim and line
    keys only."""
    out, rej, summ, payers, providers = check_outputs(output_paths(out, rejects)).values()
    targets = [out, rej, summ, payers, providers]
    frames = [res.findings, res.rejected, res.summary, res.by_payer, res.by_provider]
    path = out
    try:
        for p in targets:
            p.parent.mkdir(parents=True, exist_ok=True)
        with atomic_files(targets) as tmps:
            for path, tmp, df in zip(targets, tmps, frames):
                if path.suffix.lower() in (".parquet", ".pq"):
                    df.to_parquet(tmp, index=False)
                else:
                    write_csv(df, tmp, safe=True)
    except OSError as err:
        field = "rejects" if rejects and path == rej else "out"
        raise InputError(field, f"cannot write {path}: {err.strerror or err}") from None
    res.outputs = {
        "findings": str(out),
        "rejects": str(rej),
        "summary": str(summ),
        "payers": str(payers),
        "providers": str(providers),
    }
    return res.outputs


def write_csv(df: pd.DataFrame, path: Path, rows_at_a_time: int = 1 << 17, safe: bool = False) -> None:
    """``df`` as CSV, byte for byte what ``df.to_csv(path, index=False, date_format="%Y-%m-%d")``
    writes (minimal quoting, floats as numpy prints them, missing values empty), each column made
    text by pyarrow's kernels and the rows joined there, ``rows_at_a_time`` at a time: several times
    faster than pandas for the findings of a large file, and the text of only so many rows in
    memory at once. Columns of another kind than text, whole numbers, floats, booleans and
    datetimes, or repeated column names: pandas writes the file. ``safe``: each part as
    ``redact.spreadsheet_safe`` makes it (cell by cell, so the same as the whole frame made safe)."""
    import pandas as pd

    if df.columns.duplicated().any() or not all(_csv_kind(df[c]) for c in df.columns) or not len(df.columns):
        (spreadsheet_safe(df) if safe else df).to_csv(path, index=False, date_format="%Y-%m-%d")
        return
    try:
        with open(path, "wb") as fh:
            fh.write(pd.DataFrame(columns=df.columns).to_csv(index=False).encode())  # the header line
            for at in range(0, len(df), rows_at_a_time):
                part = df.iloc[at : at + rows_at_a_time]
                part = spreadsheet_safe(part) if safe else part
                texts = [_csv_text(part[c]) for c in df.columns]
                if len(texts) > 1:
                    lines = pc.binary_join_element_wise(*texts, pa.scalar(",", pa.large_string()))
                else:  # a row of one empty field is written "" (a blank line would be no row)
                    lines = pc.if_else(pc.equal(texts[0], ""), pa.scalar('""', pa.large_string()), texts[0])
                lines = pc.binary_join_element_wise(
                    lines, pa.scalar("", pa.large_string()), pa.scalar("\n", pa.large_string())
                )  # each row, its line break
                offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[
                    lines.offset : lines.offset + len(lines) + 1
                ]
                fh.write(memoryview(lines.buffers()[2])[offsets[0] : offsets[-1]])
    except ValueError:  # a text column holding other objects
        (spreadsheet_safe(df) if safe else df).to_csv(path, index=False, date_format="%Y-%m-%d")


def _csv_kind(col: pd.Series) -> str | None:
    """How ``write_csv`` makes the column text: "text", "int", "float", "bool", "date"; None when it
    leaves the file to pandas (text columns holding other objects are found when converted)."""
    import pandas as pd

    t = col.dtype
    if (isinstance(t, np.dtype) and t.kind == "O") or isinstance(t, pd.StringDtype):
        return "text"
    if isinstance(t, np.dtype) and t.kind == "b":
        return "bool"
    if pd.api.types.is_integer_dtype(t):
        return "int"
    if pd.api.types.is_float_dtype(t) and t.kind == "f":
        return "float"
    if isinstance(t, np.dtype) and t.kind == "M":  # naive datetime64: written as its date (date_format)
        return "date"
    return None


def _csv_text(col: pd.Series) -> pa.Array:
    """The cells of ``col`` as ``to_csv`` writes them (large_string, no nulls): text quoted when it
    holds a comma, a quote or a line break (quotes doubled), floats as numpy prints each distinct
    value, whole numbers as digits, booleans as True/False, datetimes as YYYY-MM-DD, missing as
    empty. ValueError (then pandas writes) for a text column holding other objects."""
    import pandas as pd

    kind = _csv_kind(col)
    if kind == "float":
        values = col.to_numpy(dtype=np.float64)
        codes, uniques = pd.factorize(values.view(np.int64))  # by bits: 0.0 and -0.0 print differently
        shown = uniques.view(np.float64).astype(str)[codes]
        shown[np.isnan(values)] = ""  # missing: empty
        return pa.array(shown, type=pa.large_string())
    if kind == "bool":
        return pa.array(np.where(col.to_numpy(), "True", "False"), type=pa.large_string())
    if kind == "text":
        try:
            arr = pa.array(col, type=pa.large_string(), from_pandas=True)  # a str column: its arrow data
            arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        except (pa.ArrowException, TypeError) as err:
            raise ValueError(f"column {col.name!r} holds values that are not text") from err
        enc = arr.dictionary_encode()  # quoted once per distinct text (a findings column repeats many)
        texts, quote = enc.dictionary, pa.scalar('"', pa.large_string())
        quoted = pc.binary_join_element_wise(
            quote, pc.replace_substring(texts, '"', '""'), quote, pa.scalar("", pa.large_string())
        )
        texts = pc.if_else(pc.match_substring_regex(texts, '[,"\n]'), quoted, texts)
        arr = pa.DictionaryArray.from_arrays(enc.indices, texts).cast(pa.large_string())
    else:
        arr = pa.array(col, from_pandas=True)
        arr = arr.cast(pa.date32()) if kind == "date" else arr
        arr = arr.cast(pa.large_string())
    return pc.fill_null(arr, "")
