"""Claims audit: check claim lines for 96369-96372 against the coding rules, at volume.

``python -m infusion audit CLAIMS --out FINDINGS [--summary]``. CLAIMS is CSV or Parquet with, by
default, the columns below (a column map names others). Columns that can identify patients are
never read; a notice names them. Outputs carry claim and line keys only.

Everything runs in DuckDB (vectorised, multi-threaded, ``memory_limit`` with spilling), in one pass
over the lines and one over claim-date aggregates. Rows that cannot be read (bad date, non-numeric
units, unknown code format, missing claim key) go to a rejects file with their row number and
reason; lines in = lines checked + rejects.

Checks, with their rule ids (``infusion.rules``):

=========  =========================================================================================
U-ADDON    96370 or 96371 without 96369 on the same claim and date of service
U-INIT     96369 with more than 1 unit, or on more than one line of a claim-date without 59/X{EPSU}
U-PUMP     96371 with more than 1 unit
U-HOUR     96370 units above what the documented time supports (time = latest stop minus earliest
           start of the claim-date's 96369/96370 lines; pauses inside cannot be seen on a claim line)
T-DOC      96370 with no start/stop times documented on the claim-date
T-DATE     a stop time before its start time
U-MUE      units per claim-date above the MUE (Medicaid practitioner file; Medicare: not available)
S-FACILITY 96360-96379 on a professional claim with a facility place of service
S-HOME     96369/96370 with place of service 12 (home)
M-VALID    a modifier that is not a CPT/HCPCS modifier (00, 11, ...)
U-SHORT    96372 with 96369 on the same claim-date (one infusion is not also an injection)
A-DUP      the same code, units and modifiers twice on one claim-date
=========  =========================================================================================

Dollars at risk = units at risk x Medicare payment per unit (PFS for professional claims, by locality
when a ZIP or locality column is given; national OPPS for institutional claims), for the year of
service; "data not available" (null) where we lack that year or locality.
"""

from __future__ import annotations

import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from .errors import InputError
from .modifiers import CPT_NUMERIC_MODIFIERS
from .rules import cite

CANONICAL = ("claim_id", "line_number", "date_of_service", "code", "units", "modifiers", "pos",
             "claim_type", "payer", "start_time", "stop_time", "zip", "locality")
REQUIRED = ("claim_id", "line_number", "date_of_service", "code", "units")
ALIASES = {
    "claim_id": ["claim_id", "claim_number", "claim_no", "clm_id", "icn"],
    "line_number": ["line_number", "line_no", "line", "ln", "claim_line"],
    "date_of_service": ["date_of_service", "dos", "service_date", "from_date", "line_dos"],
    "code": ["code", "hcpcs", "cpt", "procedure_code", "hcpcs_code", "cpt_code"],
    "units": ["units", "service_units", "unit_count", "qty", "quantity"],
    "modifiers": ["modifiers", "modifier", "mods"],
    "pos": ["pos", "place_of_service", "pos_code"],
    "claim_type": ["claim_type", "bill_type_kind", "form_type"],
    "payer": ["payer", "payer_name", "payer_family", "plan"],
    "start_time": ["start_time", "infusion_start", "start"],
    "stop_time": ["stop_time", "infusion_stop", "stop", "end_time"],
    "zip": ["zip", "zip_code", "service_zip", "provider_zip"],
    "locality": ["locality", "mac_locality"],
}
PHI_PATTERN = re.compile(r"(name|member|subscriber|insured|dob|birth|ssn|social|mrn|medical_record|"
                         r"address|street|phone|email|patient)", re.I)
FAMILY = ("96369", "96370", "96371", "96372")


@dataclass
class AuditResult:
    lines_in: int
    lines_checked: int
    rejects: int
    findings: pd.DataFrame
    summary: pd.DataFrame
    dropped_phi: list[str] = field(default_factory=list)
    seconds: float = 0.0
    outputs: dict[str, str] = field(default_factory=dict)
    source_kind: str = "csv"


def resolve_columns(header: list[str], mapping: dict[str, str] | None = None) -> tuple[dict[str, str], list[str], list[str]]:
    """Canonical name -> source column; modifier columns; PHI columns seen (never read)."""
    mapping = dict(mapping or {})
    lower = {h.lower().strip(): h for h in header}
    out: dict[str, str] = {}
    for canon, src in mapping.items():
        if canon not in CANONICAL:
            raise InputError("map", f"{canon!r} is not one of {', '.join(CANONICAL)}")
        if src not in header:
            raise InputError(f"map {canon}", f"column {src!r} is not in the file (columns: {', '.join(header)})")
        out[canon] = src
    for canon in CANONICAL:
        if canon in out:
            continue
        for alias in ALIASES[canon]:
            if alias in lower:
                out[canon] = lower[alias]
                break
    mod_cols = []
    if "modifiers" not in out:
        mod_cols = [h for h in header if re.fullmatch(r"(modifier|mod)_?\d", h.lower())]
    missing = [c for c in REQUIRED if c not in out]
    if missing:
        raise InputError(missing[0], f"no column for {missing[0]} (columns: {', '.join(header)}); "
                         f"map one with --map {missing[0]}=COLUMN")
    used = set(out.values()) | set(mod_cols)
    phi = [h for h in header if h not in used and PHI_PATTERN.search(h)]
    return out, mod_cols, phi


def _header(con: duckdb.DuckDBPyConnection, source: str) -> list[str]:
    return [d[0] for d in con.execute(f"SELECT * FROM {source} LIMIT 0").description]


def _source(path: Path) -> str:
    p = str(path).replace("'", "''")
    if path.suffix.lower() in (".parquet", ".pq"):
        return f"read_parquet('{p}')"
    return f"read_csv('{p}', all_varchar=true, header=true)"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def audit(claims: str | Path, mapping: dict[str, str] | None = None, memory_limit: str = "2GB",
          progress: bool = False) -> AuditResult:
    """Audit a claims file; returns findings, summary and counts (see module doc)."""
    t0 = time.monotonic()
    path = Path(claims)
    if not path.is_file():
        raise InputError("claims", f"{str(path)!r} does not exist")
    con = duckdb.connect()
    con.execute(f"SET memory_limit='{memory_limit}'")
    con.execute(f"SET enable_progress_bar={'true' if progress else 'false'}")
    source = _source(path)
    try:
        header = _header(con, source)
    except duckdb.Error as err:
        raise InputError("claims", f"{path.name} is not a readable CSV or Parquet file ({str(err).splitlines()[0]})") from None
    cols, mod_cols, phi = resolve_columns(header, mapping)
    sel = [f"CAST({_q(src)} AS VARCHAR) AS {canon}" for canon, src in cols.items()]
    if mod_cols:
        sel.append("concat_ws('|', " + ", ".join(f"CAST({_q(c)} AS VARCHAR)" for c in mod_cols) + ") AS modifiers")
    for canon in CANONICAL:
        if canon not in cols and not (canon == "modifiers" and mod_cols):
            sel.append(f"CAST(NULL AS VARCHAR) AS {canon}")
    _load_reference(con)
    # one pass over the file: parse, validate, keep typed columns (patient columns never selected)
    # one pass over the file (rowid keeps file order), then parse and validate with cheap casts;
    # patient columns are never selected
    con.execute(r"""
        CREATE TEMP TABLE lines AS
        WITH src AS (SELECT """ + ", ".join(sel) + " FROM " + source + r"""),
        p AS (
          SELECT trim(claim_id) AS claim_id, trim(line_number) AS line_number,
                 try_cast(trim(line_number) AS INTEGER) AS line_no,
                 CASE WHEN try_cast(trim(date_of_service) AS DATE) IS NOT NULL THEN try_cast(trim(date_of_service) AS DATE)
                      ELSE try_strptime(trim(date_of_service), '%m/%d/%Y')::DATE END AS dos,
                 date_of_service AS dos_text, upper(trim(code)) AS code,
                 CASE WHEN try_cast(trim(units) AS DOUBLE) >= 0 AND try_cast(trim(units) AS DOUBLE) = floor(try_cast(trim(units) AS DOUBLE))
                      THEN CAST(try_cast(trim(units) AS DOUBLE) AS INTEGER) END AS units,
                 units AS units_text, coalesce(upper(trim(modifiers)), '') AS modifiers,
                 lpad(CAST(try_cast(trim(pos) AS INTEGER) AS VARCHAR), 2, '0') AS pos,
                 lower(trim(claim_type)) AS claim_type, coalesce(nullif(trim(payer), ''), 'unknown') AS payer,
                 trim(start_time) AS start_text, trim(stop_time) AS stop_text, trim(zip) AS zip,
                 trim(locality) AS locality
          FROM src)
        SELECT * EXCLUDE (dos_text, units_text), CASE
            WHEN claim_id IS NULL OR claim_id = '' THEN 'missing claim_id'
            WHEN line_number IS NULL OR line_number = '' THEN 'missing line_number'
            WHEN dos IS NULL THEN 'bad date_of_service ' || coalesce(chr(39) || dos_text || chr(39), '(empty)')
            WHEN units IS NULL THEN 'non-numeric units ' || coalesce(chr(39) || units_text || chr(39), '(empty)')
            WHEN length(code) <> 5 OR NOT regexp_full_match(code, '[0-9A-Z]{5}') THEN 'unknown code format ' || coalesce(chr(39) || code || chr(39), '(empty)')
          END AS reject_reason
        FROM p""")
    lines_in, rejects = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE reject_reason IS NOT NULL) FROM lines").fetchone()
    con.execute(r"""
        CREATE TEMP TABLE ok AS
        SELECT l.* EXCLUDE (start_text, stop_text, reject_reason),
          CASE WHEN regexp_full_match(start_text, '\d{1,2}:\d{2}') THEN dos + CAST(start_text AS TIME)
               ELSE try_cast(replace(start_text, 'T', ' ') AS TIMESTAMP) END AS t_start,
          CASE WHEN regexp_full_match(stop_text, '\d{1,2}:\d{2}') THEN dos + CAST(stop_text AS TIME)
               ELSE try_cast(replace(stop_text, 'T', ' ') AS TIMESTAMP) END AS t_stop,
          l.locality AS loc
        FROM lines l
        WHERE l.reject_reason IS NULL AND l.code IN ('96369', '96370', '96371', '96372')""")
    _run_checks(con)
    _price(con)
    findings = con.execute(FINDINGS_SQL).df()
    summary = con.execute(SUMMARY_SQL).df()
    res = AuditResult(int(lines_in), int(lines_in - rejects), int(rejects), findings, summary, phi)
    res.source_kind = "parquet" if path.suffix.lower() in (".parquet", ".pq") else "csv"
    res.seconds = round(time.monotonic() - t0, 2)
    res._con = con  # kept for writing the outputs
    return res


FINDINGS_SQL = ("SELECT claim_id, line_number, dos AS date_of_service, code, payer, rule, severity, "
                "message, units_at_risk, dollars_at_risk FROM priced "
                "ORDER BY claim_id, line_no, line_number, rule")
SUMMARY_SQL = ("SELECT rule, severity, payer, count(*) AS lines, sum(units_at_risk) AS units_at_risk, "
               "round(sum(dollars_at_risk), 2) AS dollars_at_risk, "
               "count(*) FILTER (WHERE dollars_at_risk IS NULL) AS lines_without_price "
               "FROM priced GROUP BY ALL ORDER BY rule, payer")


def _load_reference(con: duckdb.DuckDBPyConnection) -> None:
    """The small tables the checks join: read by DuckDB from data/ (their schemas are tested in
    tests/unit/test_data.py; validating them here would cost more than the checks)."""
    from .paths import data_path
    from .rules import RULES

    def path(*parts: str) -> str:
        return str(data_path(*parts)).replace("'", "''")

    con.execute(f"CREATE TEMP TABLE mue AS SELECT code, CAST(mue AS INTEGER) AS mue "
                f"FROM read_csv('{path('reference', 'mue.csv')}', all_varchar=true)")
    con.execute(f"CREATE TEMP TABLE facility_pos AS SELECT pos FROM read_csv("
                f"'{path('reference', 'places_of_service.csv')}', all_varchar=true) "
                "WHERE facility_for_drug_admin = 'yes'")
    con.execute(f"CREATE TEMP TABLE zips AS SELECT zip, carrier, locality "
                f"FROM read_parquet('{path('medicare', 'zip_locality.parquet')}')")
    tables = {
        "cpt_numeric": pd.DataFrame({"m": sorted(CPT_NUMERIC_MODIFIERS)}),
        "rule_refs": pd.DataFrame([{"rule": r, "severity": _SEVERITY[r], "ref": cite(r)}
                                   for r in _SEVERITY if r in RULES]),
    }
    for name, df in tables.items():
        con.register(f"{name}_df", df)
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {name}_df")
        con.unregister(f"{name}_df")


_SEVERITY = {"U-ADDON": "error", "U-INIT": "error", "U-PUMP": "error", "U-HOUR": "error",
             "T-DOC": "warning", "T-DATE": "error", "U-MUE": "warning", "S-FACILITY": "error",
             "S-HOME": "error", "M-VALID": "error", "U-SHORT": "warning", "A-DUP": "warning"}


def _run_checks(con: duckdb.DuckDBPyConnection) -> None:
    """Create the table ``findings`` (one row per line and rule) with every check in one query."""
    # claim-date aggregates, the first line of each code and duplicate groups: hash aggregates
    # joined back (parallel), not window functions over every line
    order = "CAST(coalesce(line_no, 0) AS BIGINT) * 1000000000 + hash(line_number) % 1000000000"
    con.execute(f"""
        CREATE TEMP TABLE per_code AS
        SELECT claim_id, dos, code, count(*) AS n, sum(units) AS u, min(t_start) AS t0, max(t_stop) AS t1
        FROM ok GROUP BY ALL""")
    # ordering and duplicates matter only where a code repeats on a claim-date: a small subset
    con.execute(f"""
        CREATE TEMP TABLE repeats AS
        WITH r AS (SELECT o.claim_id, o.dos, o.code, o.line_number, o.units, o.modifiers, {order.replace('line_no', 'o.line_no').replace('line_number', 'o.line_number')} AS k
                   FROM ok o SEMI JOIN (SELECT claim_id, dos, code FROM per_code WHERE n > 1) USING (claim_id, dos, code))
        SELECT claim_id, line_number, dos, code,
               CASE WHEN k = min(k) OVER (PARTITION BY claim_id, dos, code) THEN 1 ELSE 2 END AS nth_code,
               CASE WHEN k = min(k) OVER (PARTITION BY claim_id, dos, code, units, modifiers) THEN 1 ELSE 2 END AS nth_dup,
               arg_min(line_number, k) OVER (PARTITION BY claim_id, dos, code, units, modifiers) AS first_line
        FROM r""")
    con.execute("""
        CREATE TEMP TABLE fam AS
        WITH cd AS (
          SELECT claim_id, dos,
                 coalesce(sum(n) FILTER (WHERE code = '96369'), 0) AS n69,
                 sum(u) FILTER (WHERE code = '96370') AS u70,
                 -- whole minutes (BIGINT): partial minutes are dropped, as in the engine
                 date_diff('second', min(t0) FILTER (WHERE code IN ('96369', '96370')),
                                     max(t1) FILTER (WHERE code IN ('96369', '96370'))) // 60 AS minutes
          FROM per_code GROUP BY ALL)
        SELECT o.*, cd.n69, cd.u70, pc.u AS code_total, cd.minutes,
               coalesce(r.nth_code, 1) AS nth_code, coalesce(r.nth_dup, 1) AS nth_dup, r.first_line,
               -- U-HOUR, as units.additional_hours: whole hours k with minutes > 60k + 30
               CASE WHEN cd.minutes > 90 THEN (cd.minutes - 91) // 60 + 1 ELSE 0 END AS supported
        FROM ok o JOIN per_code pc USING (claim_id, dos, code) JOIN cd USING (claim_id, dos)
        LEFT JOIN repeats r USING (claim_id, line_number, dos, code)""")

    # (rule, units at risk, message, FROM, WHERE): one vectorised branch per check
    branches = [
        ("U-ADDON", "units", "'add-on ' || code || ' without 96369 on the same claim and date of service'",
         "f", "code IN ('96370', '96371') AND n69 = 0"),
        ("U-INIT", "units - 1", "'96369 x' || units || ': one unit per encounter'", "f",
         "code = '96369' AND units > 1"),
        ("U-INIT", "units", "'a second 96369 on the claim-date without 59/XS/XE/XP/XU: one initial "
         "code per encounter'", "f", "code = '96369' AND nth_code > 1 AND NOT regexp_matches("
         "modifiers, '(^|[ ,;|])(59|XS|XE|XP|XU)($|[ ,;|])')"),
        ("U-PUMP", "units - 1", "'96371 x' || units || ': reported once per encounter whatever the "
         "number of extra pumps'", "f", "code = '96371' AND units > 1"),
        ("T-DOC", "units", "'96370 x' || units || ' with no start/stop times documented on the "
         "claim-date: the additional hours cannot be supported'", "f", "code = '96370' AND minutes IS NULL"),
        ("U-HOUR", "least(units, u70 - supported)",
         "'96370 x' || u70 || ' on the claim-date, but ' || minutes || ' documented minutes support ' || supported",
         "f", "code = '96370' AND minutes IS NOT NULL AND minutes >= 0 AND u70 > supported"),
        ("T-DATE", "0", "'stop time before start time on this line: give dates for an infusion that "
         "crosses midnight'", "f", "code IN ('96369', '96370') AND t_start IS NOT NULL AND "
         "t_stop IS NOT NULL AND t_stop < t_start"),
        ("U-MUE", "least(f.units, f.code_total - m.mue)",
         "f.code || ' x' || f.code_total || ' on the claim-date is above the MUE of ' || m.mue || "
         "' (Medicaid practitioner; Medicare: data not available)'",
         "f JOIN mue m USING (code)", "f.code_total > m.mue AND f.nth_code = 1"),
        ("S-FACILITY", "units", "code || ' on a professional claim with facility place of service ' "
         "|| pos || ': the facility bills the administration'", "f",
         "coalesce(claim_type, 'professional') LIKE 'prof%' AND pos IN (SELECT pos FROM facility_pos)"),
        ("S-HOME", "units", "code || ' with place of service 12 (home): home infusion uses 99601/99602 "
         "and a per diem, or Medicare home infusion G-codes'", "f", "pos = '12' AND code IN ('96369', '96370')"),
        ("U-SHORT", "units", "'96372 with 96369 on the same claim-date: one infusion is not also an "
         "injection'", "f", "code = '96372' AND n69 > 0"),
        ("A-DUP", "units", "'duplicate of line ' || first_line || ' (same code, units and modifiers)'",
         "f", "nth_dup > 1"),
        ("M-VALID", "units", "'modifier ' || chr(39) || m || chr(39) || ' is not a CPT or HCPCS modifier'",
         "mods", "m IN ('00', '11') OR NOT regexp_full_match(m, '[0-9A-Z]{2}') "
         "OR (regexp_full_match(m, '[0-9]{2}') AND m NOT IN (SELECT m FROM cpt_numeric))"),
    ]
    keys = ("{p}claim_id AS claim_id, {p}line_number AS line_number, {p}line_no AS line_no, {p}dos AS dos, {p}code AS code, "
            "{p}units AS units, {p}payer AS payer, {p}claim_type AS claim_type, {p}loc AS loc, {p}pos AS pos, "
            "{p}zip AS zip")
    parts = []
    for rule, risk, msg, frm, where in branches:
        prefix = "f." if " JOIN " in frm else ""
        parts.append(f"SELECT {keys.format(p=prefix)}, '{rule}' AS rule, {risk} AS at_risk, "
                     f"CAST({msg} AS VARCHAR) AS msg FROM {frm} WHERE {where}")
    con.execute(
        "CREATE TEMP TABLE findings AS "
        "WITH f AS (SELECT * FROM fam), "
        "mods AS (SELECT f.claim_id, f.line_number, f.line_no, f.dos, f.code, f.units, f.payer, f.claim_type, "
        "f.loc, f.pos, f.zip, trim(m) AS m FROM f, unnest(regexp_split_to_array(f.modifiers, '[ ,;|]+')) AS t(m) "
        "WHERE trim(m) <> ''), "
        "u AS (" + "\nUNION ALL\n".join(parts) + ") "
        "SELECT u.* EXCLUDE (at_risk, msg, loc, zip), coalesce(u.loc, z.carrier || '-' || z.locality) AS loc, "
        "greatest(u.at_risk, 0) AS units_at_risk, r.severity, u.msg || ' ' || r.ref AS message "
        "FROM u JOIN rule_refs r USING (rule) LEFT JOIN zips z ON z.zip = u.zip")


def _price(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``priced``: findings with dollars_at_risk = units at risk x Medicare payment per unit
    (PFS by locality for professional claims, national OPPS for institutional ones; null, shown as
    "data not available", where we lack that year or locality; never a national stand-in)."""
    from .payment import opps_rate, payment

    combos = con.execute("SELECT DISTINCT code, year(dos) AS year, coalesce(claim_type, '') LIKE 'inst%' "
                         "AS inst, loc FROM findings").fetchall()
    rows = []
    for code, year, inst, loc in combos:
        price = None
        try:
            if inst:
                o = opps_rate(code, int(year))
                price = o.get("payment_rate") if o.get("available") else None
            else:
                pay = payment(code, int(year), locality=loc)
                price = pay.per_unit if pay.available else None
        except InputError:
            price = None
        rows.append({"code": code, "year": int(year), "inst": bool(inst), "loc": loc, "price": price})
    prices = pd.DataFrame(rows, columns=["code", "year", "inst", "loc", "price"]).astype(
        {"code": "string", "year": "int64", "inst": "bool", "loc": "string", "price": "float64"})
    con.register("prices_df", prices)
    con.execute("""
        CREATE TEMP TABLE priced AS
        SELECT f.*, round(f.units_at_risk * p.price, 2) AS dollars_at_risk
        FROM findings f LEFT JOIN prices_df p
          ON p.code = f.code AND p.year = year(f.dos)
         AND p.inst = (coalesce(f.claim_type, '') LIKE 'inst%') AND p.loc IS NOT DISTINCT FROM f.loc""")
    con.unregister("prices_df")


def write_outputs(res: AuditResult, out: str | Path, rejects: str | Path | None = None) -> dict[str, str]:
    """Write findings (CSV or Parquet by extension), the summary and the rejects, with DuckDB's
    COPY, each to a temporary name renamed when complete. Claim and line keys only."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rej = Path(rejects) if rejects else out.with_name(out.stem + ".rejects" + out.suffix)
    summ = out.with_name(out.stem + ".summary.csv")
    file_line = ", rowid + 2 AS file_line" if res.source_kind == "csv" else ""
    queries = {
        out: FINDINGS_SQL,
        rej: f"SELECT rowid + 1 AS data_row{file_line}, claim_id, line_number, reject_reason AS reason "
             "FROM lines WHERE reject_reason IS NOT NULL ORDER BY rowid",
        summ: SUMMARY_SQL,
    }
    for path, query in queries.items():
        tmp = path.with_name(f".{path.name}.tmp")
        fmt = "PARQUET" if path.suffix.lower() in (".parquet", ".pq") else "CSV, HEADER"
        res._con.execute(f"COPY ({query}) TO '{str(tmp).replace(chr(39), chr(39) * 2)}' (FORMAT {fmt})")
        os.replace(tmp, path)
    res.outputs = {"findings": str(out), "rejects": str(rej), "summary": str(summ)}
    return res.outputs
