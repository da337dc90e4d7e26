"""Claims audit: check claim lines for 96369-96372 against the coding rules, at volume.

``python -m infusion audit CLAIMS --out FINDINGS [--summary]``. CLAIMS is CSV (plain or compressed),
Parquet, a spreadsheet (xlsx, xlsm, xlsb, xls, ods) or an X12 837P/837I claim file (``x12``); a
table has, by default, the columns of ``columns.CANONICAL`` (a column map names others). Columns
that can identify patients are never read; a notice names them. Outputs carry claim and line keys
only.

The modules: ``columns`` (which column holds what; patient columns), ``values`` (what is accepted
for a date, units, a time ..., parsed once per distinct value), ``sources`` (the file kinds behind
one protocol: CSV blocks or records via ``csv_source``, Parquet, spreadsheets via ``sheet``, the
service lines of an 837 via ``x12``), ``read`` (any source's units into compact arrays; rows that
cannot be read go to rejects with their row number and reason), ``claim_ids`` (each claim id
numbered), ``claim_dates`` (the claim-date contexts the checks share, whole claims ``chunk_lines``
lines at a time), ``checks`` (one small function per rule, keyed by rule id), ``claim_edits`` (NCCI
pairs, the drug lines' MUE and JZ/JW), ``memory`` (memory handed back after reading, one heap for
numpy and pyarrow), ``spill`` (the lines read, written out in parts by claim past ``memory_mb``
and checked a part at a time), ``result``, ``outputs`` (the files written, the report footer) and
this one (dollars at risk, the summary by rule and payer, the share of lines with findings by
payer and by provider). Lines in = lines checked + lines of void claims (left out, with a note) +
rejects (``AuditResult.accounting``).

Dollars at risk = units at risk x Medicare payment per unit (PFS for professional claims, by locality
when a ZIP or locality column is given; national OPPS for institutional claims), for the year of
service; "data not available" (null) where we lack that year or locality, or the claim type says
neither professional nor institutional.
"""

from __future__ import annotations

import codecs
import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..coding.rules import cite
from ..config import check_file
from ..errors import InputError, shown
from ..medicare.drugs import drug_payment, is_drug_code
from ..medicare.payment import opps_rate, payment
from ..redact import show_all, show_key, show_line, show_value
from .checks import SEVERITY, find_each
from .claim_dates import CHUNK_LINES
from .columns import ALIASES, CANONICAL, PHI_PATTERN, REQUIRED, resolve_columns
from .memory import one_heap, release, small_pages
from .outputs import describe_source, footer_html, output_paths, write_outputs
from .read import FAMILY, REJECT_REASONS, SHAPE_OF, VALUE_OF, Lines, read_lines
from .result import AuditResult

__all__ = [
    "AuditResult",
    "audit",
    "write_outputs",
    "output_paths",
    "describe_source",
    "footer_html",
    "resolve_columns",
    "CANONICAL",
    "REQUIRED",
    "ALIASES",
    "PHI_PATTERN",
    "FAMILY",
    "SEVERITY",
]

FINDING_COLUMNS = [
    "claim_id",
    "line_number",
    "date_of_service",
    "code",
    "payer",
    "rule",
    "severity",
    "message",
    "units_at_risk",
    "dollars_at_risk",
]
SUMMARY_COLUMNS = ["rule", "severity", "payer", "lines", "units_at_risk", "dollars_at_risk", "lines_without_price"]
PAYER_COLUMNS = [
    "payer",
    "infusion_lines",
    "lines_with_findings",
    "share_with_findings",
    "lines_with_errors",
    "dollars_at_risk",
    "lines_without_price",
]
PROVIDER_COLUMNS = ["provider"] + PAYER_COLUMNS[1:]
MEMORY_MB = 1024  # for the lines read and checked (``audit``'s ``memory_mb``)
MAX_MEMORY_MB = 1 << 30
HELD_SHARE = 0.5  # of ``memory_mb``: for the lines read (the rest for the checks of a part)


def audit(
    claims: str | Path,
    mapping: dict[str, str] | None = None,
    block_mb: int = 16,
    progress: bool = False,
    encoding: str = "utf-8",
    sheet: str | None = None,
    not_patient: tuple[str, ...] = (),
    chunk_lines: int = CHUNK_LINES,
    memory_mb: float = MEMORY_MB,
) -> AuditResult:
    """Audit a claims file; returns findings, summary, rejects and counts (see module doc).

    ``block_mb``: size of the CSV blocks read at a time (memory in flight); ``chunk_lines``: lines
    of whole claims checked at a time (the checks' memory); ``progress``: a progress bar on stderr;
    ``encoding``: of a CSV file (``cp1252`` for many Windows extracts);
    ``sheet``: of a spreadsheet (default: its first sheet); ``not_patient``: columns whose names
    say they can identify a patient (``Subscriber ID``) that a map may name all the same;
    ``memory_mb``: megabytes for the lines read and checked: past half of it the lines read are
    written to temporary files in parts by claim and checked a part at a time (``spill``; the same
    findings). The findings themselves are held, as the result holds them.
    """
    t0 = time.monotonic()
    path = check_file(claims, "claims")
    _check_options(block_mb, encoding, chunk_lines, memory_mb)
    with small_pages(), one_heap():
        lines = read_lines(
            path,
            mapping,
            block_mb=block_mb,
            progress=progress,
            encoding=encoding,
            sheet=sheet,
            not_patient=tuple(not_patient),
            hold_bytes=int(memory_mb * HELD_SHARE * 2**20),
        )
        release()  # the per-batch arrays the reading joined: their memory back for the checks
        spilled = lines.spill is not None
        try:
            found, infusion = _find_all(lines, chunk_lines, progress)
        finally:
            if lines.spill is not None:
                lines.spill.close()
        if spilled:  # memory is short: what the parts used back before the findings are sorted
            release()
        priced = _finish(found)
        del found
        if spilled:
            release()
        res = _result(lines, infusion, priced)
        del lines, priced  # the lines read (about 50 bytes each): freed before one_heap hands memory back
    res.seconds = round(time.monotonic() - t0, 2)
    return res


def _result(lines: Lines, infusion: dict[str, np.ndarray], priced: pd.DataFrame) -> AuditResult:
    """The audit's result: findings, summary, rejects, shares by payer and provider, counts."""
    findings = priced[FINDING_COLUMNS]
    rejected = _rejected(lines)
    return AuditResult(
        lines.lines_in,
        lines.lines_in - len(rejected) - lines.void,
        len(rejected),
        findings,
        _summary(findings),
        lines.dropped_phi,
        source_kind=lines.source_kind,
        rejected=rejected,
        by_record=lines.by_record,
        quoted_breaks=lines.quoted_breaks,
        by_payer=_share_by(lines, infusion, priced, "payer", "all payers"),
        by_provider=(
            _share_by(lines, infusion, priced, "provider", "all providers")
            if lines.provider_given
            else pd.DataFrame({c: pd.Series(dtype=object) for c in PROVIDER_COLUMNS})
        ),
        notes=lines.notes,
        lines_void=lines.void,
    )


def _check_options(block_mb: int, encoding: str, chunk_lines: int, memory_mb: float) -> None:
    """InputError naming the option when ``block_mb``, ``encoding``, ``chunk_lines`` or
    ``memory_mb`` is out of range."""
    if not 1 <= block_mb <= MAX_BLOCK_MB:
        raise InputError("block_mb", f"{block_mb} is not a number of megabytes from 1 to {MAX_BLOCK_MB}")
    check_encoding(encoding)
    if not 1 <= chunk_lines <= MAX_CHUNK_LINES:
        raise InputError("chunk_lines", f"{chunk_lines} is not a number of lines from 1 to {MAX_CHUNK_LINES:,}")
    if not 0 < memory_mb <= MAX_MEMORY_MB:  # NaN fails too
        raise InputError("memory_mb", f"{memory_mb} is not a number of megabytes above 0, at most {MAX_MEMORY_MB:,}")


MAX_BLOCK_MB = 1024
MAX_CHUNK_LINES = 2**31 - 1


def _find_all(lines: Lines, chunk_lines: int, progress: bool) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """``find``'s findings of all the lines read, each with its line's payer and provider ids and
    ``pos`` numbering the lines across the spill's parts; and per payer and provider id, how many
    96369-96372 lines were read (not the lines of other initial codes). The lines of a spill are
    checked a part at a time, read back one after the other."""
    narrow = {k: len(d.values) for k, d in lines.distinct.items()}
    if lines.spill is None:
        parts: Iterable[Lines] = [lines]
        total = len(lines.row)
    else:
        spill = lines.spill
        parts = (replace(lines, claim=k.claim, row=k.row, cols=k.cols, spill=None) for k in spill.kept(narrow))
        total = spill.lines
    frames: list[pd.DataFrame] = []
    infusion = {k: np.zeros(narrow[k], dtype=np.int64) for k in ("payer", "provider")}
    base = 0
    for part, f in find_each(parts, total, chunk_lines, progress):
        pos = f["pos"].to_numpy(dtype=np.int64)
        family = part.distinct["code"].field(2)[part.cols["code"]] < len(FAMILY)
        for k in ("payer", "provider"):
            f[f"{k}_id"] = part.cols[k][pos].astype(np.int64)
            infusion[k] += np.bincount(part.cols[k][family], minlength=narrow[k])
        f["pos"] += base
        base += len(part.row)
        del part
        if len(f):
            frames.append(f)
    found = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=EMPTY_FOUND)
    return found, infusion


EMPTY_FOUND = ["pos", "rule", "at_risk", "msg", "severity", "payer_id", "provider_id"]


def check_encoding(encoding: str) -> str:
    """``encoding`` when it is a text encoding a CSV can be in (one that writes ``a,1`` and a line
    break and reads them back); InputError("encoding") otherwise: an unknown name, a bytes-to-bytes
    codec (base64, zlib, rot13, hex ...), or one that cannot encode plain ASCII text (punycode,
    undefined, idna)."""
    try:
        info = codecs.lookup(encoding)
        text = "claim_id,1\r\n"
        ok = getattr(info, "_is_text_encoding", True) and text.encode(encoding).decode(encoding) == text
    except (LookupError, UnicodeError, TypeError, ValueError):
        ok = False
    if not ok:
        raise InputError(
            "encoding",
            f"{shown(encoding)} is not a text encoding a CSV can be in (for example utf-8, cp1252, latin-1, utf-16)",
        )
    if info.name in ("punycode", "idna", "undefined", "raw_unicode_escape", "unicode_escape"):
        raise InputError("encoding", f"{shown(encoding)} is not an encoding of text files")
    return encoding


def _prices(f: pd.DataFrame) -> np.ndarray:
    """Medicare payment per unit for each finding (NaN: data not available), computed once per
    (code, year, claim kind, locality, quarter): the PFS or OPPS rate, a drug's ASP payment limit of
    the quarter on a professional claim."""
    # quarters since 1970 (year * 4 + quarter - 1), whose year is the date's: drugs take the quarter's ASP limit
    quarter = f["days"].to_numpy().astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) // 3
    keys = [f["code"], f["institutional"], f["claim_kind_known"], f["loc"].fillna(""), quarter]
    codes, levels = zip(*(pd.factorize(k) for k in keys))  # each key's codes, then one code per combination
    flat = np.ravel_multi_index(codes, [max(len(v), 1) for v in levels])
    _, first, which = np.unique(flat, return_index=True, return_inverse=True)
    combos = zip(*(np.asarray(v, dtype=object)[c[first]] for c, v in zip(codes, levels)))
    prices = []
    for code, inst, known, loc, q in combos:
        year, q = 1970 + int(q) // 4, int(q) % 4 + 1
        price = None
        try:
            if not known:  # neither professional nor institutional: which system pays is not known
                price = None
            elif not inst and is_drug_code(code):
                d = drug_payment(code, 1, year, dt.date(year, (q - 1) * 3 + 1, 1))
                price = d.per_unit if d.available else None
            elif inst:
                o = opps_rate(code, year)
                price = o.payment_rate if o.available else None
            else:
                pay = payment(code, year, locality=loc or None)
                price = pay.per_unit if pay.available else None
        except InputError:
            price = None
        prices.append(np.nan if price is None else float(price))
    return np.array(prices, dtype=float)[which] if len(prices) else np.empty(0)


def _finish(f: pd.DataFrame) -> pd.DataFrame:
    """Findings in their published form: severity, message with the rule's reference, dollars at
    risk, sorted by claim, line and rule; plus ``pos`` (a line's number among the lines read) and
    the ids of its payer and provider (``_found``). ``f`` is used up: each column is dropped from it
    once it is no longer needed (the messages as Python text once joined with their references,
    each column once sorted), so that a million findings are not held twice."""
    extra = ["pos", "payer_id", "provider_id"]
    if f.empty:
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in FINDING_COLUMNS + extra})
        return out.astype(
            {
                "units_at_risk": "int64",
                "dollars_at_risk": "float64",
                "date_of_service": "datetime64[s]",
                **{c: "int64" for c in extra},
            }
        )
    f["date_of_service"] = f["days"].to_numpy().astype("datetime64[D]").astype("datetime64[s]")
    f["severity"] = f["severity"].fillna(f["rule"].map(SEVERITY))
    f["message"] = _with_references(f.pop("msg"), f["rule"])
    f["units_at_risk"] = f.pop("at_risk").astype("int64")
    prices = _prices(f)
    short = ((f["rule"] == "U-SHORT") & (f["code"] == "96369")).to_numpy()
    if short.any():  # billed as 96369, due as 96372: at risk is the difference (not available without 96372's)
        prices[short] -= _prices(f.loc[short].assign(code="96372"))
    f["dollars_at_risk"] = np.round(f["units_at_risk"].to_numpy() * prices, 2)
    order = _order(f, ["claim_id", "line_no", "line_number", "row", "rule", "message"])
    # only the columns published are reordered, one at a time, each dropped from ``f`` as it is
    out = pd.DataFrame({c: f.pop(c).iloc[order].reset_index(drop=True) for c in FINDING_COLUMNS + extra})
    out["claim_id"] = _shown(out["claim_id"], "key")  # a key as written; other text as its digest
    out["line_number"] = _shown(out["line_number"], "line")
    return out


def _with_references(msg: pd.Series, rule: pd.Series, rows_at_a_time: int = 1 << 18) -> pd.Series:
    """Each message followed by its rule's reference (``coding.rules.cite``), joined by pyarrow:
    several times faster than pandas' text addition on the findings of a large file;
    ``rows_at_a_time`` at a time, so that only their text is held twice, and then made one array."""
    codes, rules = pd.factorize(rule)
    text = pa.large_string()
    tails = pa.array([" " + cite(r) for r in rules], text)
    parts = []
    for at in range(0, max(len(msg), 1), rows_at_a_time):
        head = pa.array(msg.iloc[at : at + rows_at_a_time], type=text, from_pandas=True)
        head = head.combine_chunks() if isinstance(head, pa.ChunkedArray) else head
        tail = tails.take(pa.array(codes[at : at + rows_at_a_time]))
        parts.append(pc.binary_join_element_wise(head, tail, pa.scalar("", text)))
    joined = parts[0] if len(parts) == 1 else pa.chunked_array(parts).combine_chunks()
    return pd.Series(joined, dtype="str", index=msg.index)


def _order(f: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Positions of ``f``'s rows in the order of ``sort_values(keys, kind="stable")`` (missing
    values last), by pyarrow's multi-key sort (stable; text by UTF-8 bytes, which is the order
    of code points): several times faster on the findings of a large file. pandas sorts a column
    pyarrow cannot hold (text mixed with other objects)."""
    try:
        table = pa.table({k: pa.array(f[k], from_pandas=True) for k in keys})  # str columns: their arrow data
    except (pa.ArrowException, TypeError):
        return f.reset_index(drop=True).sort_values(keys, kind="stable").index.to_numpy()
    return pc.sort_indices(table, sort_keys=[(k, "ascending", "at_end") for k in keys]).to_numpy()


def _shown(col: pd.Series, kind: str) -> pd.Series:
    """``col`` with each distinct value as ``redact.show_key`` (``kind`` "key") or ``show_line``
    ("line") writes it (``redact.show_all``: the plain ones in bulk)."""
    codes, uniques = pd.factorize(col)  # -1: missing
    values = pa.array(uniques) if isinstance(uniques.dtype, pd.ArrowDtype | pd.StringDtype) else uniques.tolist()
    shown = np.array(show_all(values, kind) + [None], dtype=object)
    return pd.Series(shown[codes], index=col.index, dtype=object)


def _summary(f: pd.DataFrame) -> pd.DataFrame:
    """Findings, units and dollars at risk by rule, severity and payer."""
    if f.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SUMMARY_COLUMNS})
    g = f.assign(unpriced=f["dollars_at_risk"].isna()).groupby(["rule", "severity", "payer"], sort=True)
    s = g.agg(
        lines=("rule", "size"),
        units_at_risk=("units_at_risk", "sum"),
        dollars_at_risk=("dollars_at_risk", lambda x: x.sum(min_count=1)),
        lines_without_price=("unpriced", "sum"),
    ).reset_index()
    s["dollars_at_risk"] = s["dollars_at_risk"].round(2)
    return s.sort_values(["rule", "payer", "severity"]).reset_index(drop=True)[SUMMARY_COLUMNS]


def _share_by(
    lines: Lines, infusion: dict[str, np.ndarray], priced: pd.DataFrame, column: str, total: str
) -> pd.DataFrame:
    """Per payer (or provider: ``column``): the 96369-96372 lines read (``infusion``: per id), how
    many have a finding (any rule) and an error (severity ``error``), their share, and the dollars at risk counted once
    per line (the largest of its findings': a line with two findings is not at risk twice; lines
    whose findings have no Medicare price are counted in ``lines_without_price``); a ``total`` row
    last. The share is what a coding manager compares across payers or providers (findings by rule
    are in the summary)."""
    payer_of = lines.distinct[column].field(0)  # name per distinct value (blank: unknown / not given)
    n = len(payer_of)
    pos = priced["pos"].to_numpy(dtype=np.int64)
    ids = priced[f"{column}_id"].to_numpy(dtype=np.int64)  # of each finding's line
    dollars = priced["dollars_at_risk"].to_numpy(dtype=float)
    errors = (priced["severity"] == "error").to_numpy()
    # one entry per line with findings: its payer id and the largest of its findings' dollars
    order = np.argsort(pos, kind="stable")
    pos_sorted = pos[order]
    first = np.flatnonzero(np.r_[True, pos_sorted[1:] != pos_sorted[:-1]]) if len(pos) else np.empty(0, int)
    line_payer = ids[order[first]]
    line_dollars = np.fmax.reduceat(dollars[order], first) if len(pos) else np.empty(0)  # NaN only if none priced
    priced_line = ~np.isnan(line_dollars)
    per_id = pd.DataFrame(
        {
            column: payer_of,
            "infusion_lines": np.pad(infusion[column], (0, n - len(infusion[column]))),
            "lines_with_findings": np.bincount(line_payer, minlength=n),
            "lines_with_errors": np.bincount(ids[_first_of_each(pos, errors)], minlength=n),
            "priced_lines": np.bincount(line_payer[priced_line], minlength=n),
            "dollars_at_risk": np.bincount(line_payer[priced_line], weights=line_dollars[priced_line], minlength=n),
            "lines_without_price": np.bincount(line_payer[~priced_line], minlength=n),
        }
    )
    t = per_id.groupby(column, sort=True).sum()
    t = t[t["infusion_lines"] > 0]
    t.loc[total] = t.sum()
    # nothing at risk without findings (0); findings none of which has a price: not available
    t["dollars_at_risk"] = t["dollars_at_risk"].where((t["priced_lines"] > 0) | (t["lines_with_findings"] == 0))
    t["dollars_at_risk"] = t["dollars_at_risk"].round(2)
    t = t.reset_index().astype(
        {
            "infusion_lines": "int64",
            "lines_with_findings": "int64",
            "lines_with_errors": "int64",
            "lines_without_price": "int64",
        }
    )
    t["share_with_findings"] = (t["lines_with_findings"] / t["infusion_lines"]).round(4)
    return t[[column] + PAYER_COLUMNS[1:]]


def _first_of_each(pos: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Indexes of the first entry of each distinct ``pos`` among the entries ``where`` is true."""
    at = np.flatnonzero(where)
    return at[np.unique(pos[at], return_index=True)[1]]


def _rejected(lines: Lines) -> pd.DataFrame:
    """The rows that could not be read: data row (1-based, header not counted), file line for CSV
    (one header line; null, not known, when the file was read record by record because values in
    quotes may hold line breaks), claim and line keys, reason."""
    r = lines.rejects
    d = lines.distinct
    reason = np.array(REJECT_REASONS, dtype=object)[r["reason"]]
    for code, name in VALUE_OF.items():  # quote the value that made the row unreadable, if of its shape
        texts = d[name].values if name != "code" else list(d["code"].field(0))
        quoted = np.array([show_value(v, SHAPE_OF[name]) for v in texts] + [""], dtype=object)
        ix = r[name]
        sel = r["reason"] == code
        reason[sel] = reason[sel] + " " + quoted[ix[sel]]
    # rows numbered among well-formed rows -> data rows, counting the malformed rows before them
    bad_rows = np.sort(np.array([m[0] for m in lines.malformed], dtype=np.int64))
    valid_before = bad_rows - np.arange(1, len(bad_rows) + 1)
    v = r["row"] + 1
    data_row = v + np.searchsorted(valid_before, v, side="left")
    out = pd.DataFrame(
        {
            "data_row": np.concatenate([data_row, [m[0] for m in lines.malformed]]).astype(np.int64),
            "claim_id": np.concatenate(
                [
                    [show_key(c) for c in r["claim"].to_numpy(zero_copy_only=False)],
                    np.full(len(lines.malformed), None, dtype=object),
                ]
            ),
            "line_number": np.concatenate(
                [
                    [show_line(x) for x in d["line_number"].field(0)[r["line_number"]]],
                    np.full(len(lines.malformed), None, dtype=object),
                ]
            ),
            "reason": np.concatenate([reason, np.array([m[1] for m in lines.malformed], dtype=object)]),
        }
    )
    out = out.sort_values("data_row", kind="stable").reset_index(drop=True)
    if lines.source_kind == "spreadsheet":  # the header is row 1
        out.insert(1, "sheet_row", out["data_row"] + 1)
    if lines.segments is not None:  # X12: where the service line is in the file
        out.insert(1, "segment", lines.segments[out["data_row"].to_numpy() - 1])
    if lines.source_kind == "csv":
        out.insert(
            1,
            "file_line",
            pd.array([pd.NA] * len(out), dtype="Int64")
            if lines.by_record or lines.quoted_breaks
            else out["data_row"] + 1,
        )
    return out
