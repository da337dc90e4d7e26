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

from .catalog import mue, places_of_service
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
    con.execute(f"CREATE TEMP TABLE raw AS SELECT row_number() OVER () AS row_no, {', '.join(sel)} FROM {source}")
    _load_reference(con)
    con.execute(r"""
        CREATE TEMP TABLE parsed AS
        SELECT row_no, trim(claim_id) AS claim_id, trim(line_number) AS line_number,
               coalesce(try_strptime(trim(date_of_service), '%Y-%m-%d'),
                        try_strptime(trim(date_of_service), '%m/%d/%Y'))::DATE AS dos,
               date_of_service AS dos_text,
               upper(trim(code)) AS code,
               CASE WHEN regexp_full_match(trim(units), '\d+(\.0+)?') THEN CAST(CAST(trim(units) AS DOUBLE) AS INTEGER) END AS units,
               units AS units_text,
               coalesce(upper(trim(modifiers)), '') AS modifiers,
               CASE WHEN regexp_full_match(trim(pos), '\d{1,2}') THEN lpad(trim(pos), 2, '0') END AS pos,
               lower(trim(claim_type)) AS claim_type,
               coalesce(nullif(trim(payer), ''), 'unknown') AS payer,
               trim(start_time) AS start_text, trim(stop_time) AS stop_text,
               trim(zip) AS zip, trim(locality) AS locality
        FROM raw""")
    con.execute(r"""
        CREATE TEMP TABLE checked AS
        SELECT *, CASE
            WHEN claim_id IS NULL OR claim_id = '' THEN 'missing claim_id'
            WHEN line_number IS NULL OR line_number = '' THEN 'missing line_number'
            WHEN dos IS NULL THEN 'bad date_of_service ' || coalesce('''' || dos_text || '''', '(empty)')
            WHEN units IS NULL THEN 'non-numeric units ' || coalesce('''' || units_text || '''', '(empty)')
            WHEN NOT regexp_full_match(code, '[0-9A-Z]{5}') THEN 'unknown code format ' || coalesce('''' || code || '''', '(empty)')
        END AS reject_reason FROM parsed""")
    lines_in = con.execute("SELECT count(*) FROM checked").fetchone()[0]
    rejects = con.execute("SELECT count(*) FROM checked WHERE reject_reason IS NOT NULL").fetchone()[0]
    con.execute(r"""
        CREATE TEMP TABLE ok AS
        SELECT c.*,
          CASE WHEN regexp_full_match(start_text, '\d{1,2}:\d{2}') THEN dos + CAST(start_text AS TIME)
               ELSE try_cast(replace(start_text, 'T', ' ') AS TIMESTAMP) END AS t_start,
          CASE WHEN regexp_full_match(stop_text, '\d{1,2}:\d{2}') THEN dos + CAST(stop_text AS TIME)
               ELSE try_cast(replace(stop_text, 'T', ' ') AS TIMESTAMP) END AS t_stop,
          coalesce(c.locality, z.carrier || '-' || z.locality) AS loc
        FROM checked c LEFT JOIN zips z ON z.zip = c.zip
        WHERE reject_reason IS NULL""")
    lines_checked = lines_in - rejects
    findings = _run_checks(con)
    con.register("findings_df", findings)
    findings = _price(con, findings)
    summary = summarize(findings)
    res = AuditResult(lines_in, lines_checked, rejects, findings, summary, phi)
    res.source_kind = "parquet" if path.suffix.lower() in (".parquet", ".pq") else "csv"
    res.seconds = round(time.monotonic() - t0, 2)
    res._con = con  # kept for writing the rejects
    return res


def _load_reference(con: duckdb.DuckDBPyConnection) -> None:
    from .medicare import zip_table

    m = mue()[["code", "mue"]].copy()
    m["mue"] = m["mue"].astype(int)
    con.register("mue_df", m)
    con.execute("CREATE TEMP TABLE mue AS SELECT * FROM mue_df")
    pos = places_of_service()
    fac = pos[pos["facility_for_drug_admin"] == "yes"][["pos"]]
    con.register("fac_df", fac)
    con.execute("CREATE TEMP TABLE facility_pos AS SELECT * FROM fac_df")
    z = zip_table().reset_index()[["zip", "carrier", "locality"]]
    con.register("zip_df", z)
    con.execute("CREATE TEMP TABLE zips AS SELECT * FROM zip_df")
    num = pd.DataFrame({"m": sorted(CPT_NUMERIC_MODIFIERS)})
    con.register("num_df", num)
    con.execute("CREATE TEMP TABLE cpt_numeric AS SELECT * FROM num_df")


_MESSAGES = {
    "U-ADDON": "add-on {code} without 96369 on the same claim and date of service",
    "U-INIT": "{detail}",
    "U-PUMP": "96371 x{units}: reported once per encounter whatever the number of extra pumps",
    "U-HOUR": "{detail}",
    "T-DOC": "96370 x{units} with no start/stop times documented on the claim-date: the additional hours cannot be supported",
    "T-DATE": "stop time before start time on this line: give dates for an infusion that crosses midnight",
    "U-MUE": "{detail}",
    "S-FACILITY": "{code} on a professional claim with facility place of service {pos}: the facility bills the administration",
    "S-HOME": "{code} with place of service 12 (home): home infusion uses 99601/99602 and a per diem, or Medicare home infusion G-codes",
    "M-VALID": "{detail}",
    "U-SHORT": "96372 with 96369 on the same claim-date: one infusion is not also an injection",
    "A-DUP": "duplicate of line {detail} (same code, units and modifiers)",
}
_SEVERITY = {"U-ADDON": "error", "U-INIT": "error", "U-PUMP": "error", "U-HOUR": "error",
             "T-DOC": "warning", "T-DATE": "error", "U-MUE": "warning", "S-FACILITY": "error",
             "S-HOME": "error", "M-VALID": "error", "U-SHORT": "warning", "A-DUP": "warning"}


def _run_checks(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    con.execute("""
        CREATE TEMP TABLE cd AS
        SELECT claim_id, dos,
               count(*) FILTER (WHERE code = '96369') AS n69,
               count(*) FILTER (WHERE code = '96372') AS n72,
               sum(units) FILTER (WHERE code = '96370') AS u70,
               min(t_start) FILTER (WHERE code IN ('96369', '96370')) AS t0,
               max(t_stop) FILTER (WHERE code IN ('96369', '96370')) AS t1
        FROM ok WHERE code IN ('96369', '96370', '96371', '96372') GROUP BY claim_id, dos""")
    con.execute("""
        CREATE TEMP TABLE fam AS
        SELECT o.*, cd.n69, cd.n72, cd.u70,
               CAST(floor(date_diff('second', cd.t0, cd.t1) / 60) AS INTEGER) AS minutes,
               row_number() OVER (PARTITION BY o.claim_id, o.dos, o.code ORDER BY try_cast(o.line_number AS INTEGER), o.line_number) AS nth_code,
               row_number() OVER (PARTITION BY o.claim_id, o.dos, o.code, o.units, o.modifiers ORDER BY try_cast(o.line_number AS INTEGER), o.line_number) AS nth_dup,
               first_value(o.line_number) OVER (PARTITION BY o.claim_id, o.dos, o.code, o.units, o.modifiers ORDER BY try_cast(o.line_number AS INTEGER), o.line_number) AS first_line
        FROM ok o JOIN cd USING (claim_id, dos)""")
    # (rule, units at risk, detail, FROM, WHERE): one vectorised branch per check
    branches = [
        ("U-ADDON", "units", "''", "f", "code IN ('96370', '96371') AND n69 = 0"),
        ("U-INIT", "units - 1", "'96369 x' || units || ': one unit per encounter'", "f",
         "code = '96369' AND units > 1"),
        ("U-INIT", "units", "'a second 96369 on the claim-date without 59/XS/XE/XP/XU: one initial "
         "code per encounter'", "f", "code = '96369' AND nth_code > 1 AND NOT regexp_matches("
         "modifiers, '(^|[ ,;|])(59|XS|XE|XP|XU)($|[ ,;|])')"),
        ("U-PUMP", "units - 1", "''", "f", "code = '96371' AND units > 1"),
        ("T-DOC", "units", "''", "f", "code = '96370' AND minutes IS NULL"),
        ("U-HOUR", "least(units, u70 - supported)",
         "'96370 x' || u70 || ' on the claim-date, but ' || minutes || ' documented minutes support ' || supported",
         "f", "code = '96370' AND minutes IS NOT NULL AND minutes >= 0 AND u70 > supported"),
        ("T-DATE", "0", "''", "f", "code IN ('96369', '96370') AND t_start IS NOT NULL AND "
         "t_stop IS NOT NULL AND t_stop < t_start"),
        ("U-MUE", "least(f.units, s.total - m.mue)",
         "f.code || ' x' || s.total || ' on the claim-date is above the MUE of ' || m.mue || "
         "' (Medicaid practitioner; Medicare: data not available)'",
         "f JOIN mue_sum s USING (claim_id, dos, code) JOIN mue m USING (code)",
         "s.total > m.mue AND f.nth_code = 1"),
        ("S-FACILITY", "units", "''", "f",
         "coalesce(claim_type, 'professional') LIKE 'prof%' AND pos IN (SELECT pos FROM facility_pos)"),
        ("S-HOME", "units", "''", "f", "pos = '12' AND code IN ('96369', '96370')"),
        ("U-SHORT", "units", "''", "f", "code = '96372' AND n69 > 0"),
        ("A-DUP", "units", "first_line", "f", "nth_dup > 1"),
        ("M-VALID", "units", "'modifier ' || chr(39) || m || chr(39) || ' is not a CPT or HCPCS modifier'",
         "mods", "m IN ('00', '11') OR NOT regexp_full_match(m, '[0-9A-Z]{2}') "
         "OR (regexp_full_match(m, '[0-9]{2}') AND m NOT IN (SELECT m FROM cpt_numeric))"),
    ]
    keys = ("{p}claim_id AS claim_id, {p}line_number AS line_number, {p}dos AS dos, {p}code AS code, "
            "{p}units AS units, {p}payer AS payer, {p}claim_type AS claim_type, {p}loc AS loc")
    parts = []
    for rule, risk, detail, frm, where in branches:
        prefix = "f." if " JOIN " in frm else ""
        parts.append(f"SELECT {keys.format(p=prefix)}, '{rule}' AS rule, {risk} AS at_risk, "
                     f"CAST({detail} AS VARCHAR) AS detail FROM {frm} WHERE {where}")
    sql = ("WITH f AS (SELECT *, CASE WHEN minutes > 90 THEN (minutes - 91) // 60 + 1 ELSE 0 END "
           "AS supported FROM fam), "
           "mods AS (SELECT f.claim_id, f.line_number, f.dos, f.code, f.units, f.payer, f.claim_type, "
           "f.loc, trim(m) AS m FROM f, unnest(regexp_split_to_array(f.modifiers, '[ ,;|]+')) AS t(m) "
           "WHERE trim(m) <> ''), "
           "mue_sum AS (SELECT claim_id, dos, code, sum(units) AS total FROM fam GROUP BY ALL) "
           "SELECT * FROM (" + "\nUNION ALL\n".join(parts) + ") "
           "ORDER BY claim_id, try_cast(line_number AS INTEGER), line_number, rule")
    df = con.execute(sql).df()
    if df.empty:
        return pd.DataFrame(columns=["claim_id", "line_number", "date_of_service", "code", "payer",
                                     "claim_type", "loc", "rule", "severity", "message", "units_at_risk"])
    df["severity"] = df["rule"].map(_SEVERITY)
    df["message"] = [
        _MESSAGES[r].format(code=c, units=u, pos="", detail=d) + " " + cite(r)
        for r, c, u, d in zip(df["rule"], df["code"], df["units"], df["detail"])]
    pos = con.execute("SELECT claim_id, line_number, pos FROM ok").df().drop_duplicates(["claim_id", "line_number"])
    df = df.merge(pos, on=["claim_id", "line_number"], how="left")
    fac = df["rule"] == "S-FACILITY"
    df.loc[fac, "message"] = [f"{c} on a professional claim with facility place of service {p}: the facility "
                              f"bills the administration {cite('S-FACILITY')}"
                              for c, p in zip(df.loc[fac, "code"], df.loc[fac, "pos"])]
    df = df.rename(columns={"dos": "date_of_service", "at_risk": "units_at_risk"})
    df["units_at_risk"] = df["units_at_risk"].clip(lower=0).astype(int)
    return df[["claim_id", "line_number", "date_of_service", "code", "payer", "claim_type", "loc",
               "rule", "severity", "message", "units_at_risk"]]


def _price(con: duckdb.DuckDBPyConnection, findings: pd.DataFrame) -> pd.DataFrame:
    """Add dollars_at_risk: units at risk x Medicare payment per unit (null where not available)."""
    from .errors import InputError as _IE
    from .payment import opps_rate, payment

    if findings.empty:
        findings["dollars_at_risk"] = pd.Series(dtype="float64")
        return findings
    f = findings.copy()
    f["year"] = pd.to_datetime(f["date_of_service"]).dt.year
    f["institutional"] = f["claim_type"].fillna("").str.startswith("inst")
    cache: dict[tuple, float | None] = {}
    prices = []
    for code, year, inst, loc in zip(f["code"], f["year"], f["institutional"], f["loc"]):
        key = (code, int(year), bool(inst), None if pd.isna(loc) else loc)
        if key not in cache:
            try:
                if inst:
                    o = opps_rate(code, int(year))
                    cache[key] = o.get("payment_rate") if o.get("available") else None
                else:
                    p = payment(code, int(year), locality=key[3])
                    cache[key] = p.per_unit if p.available else None  # never a national stand-in
            except _IE:
                cache[key] = None
        prices.append(cache[key])
    f["price_per_unit"] = prices
    f["dollars_at_risk"] = (f["units_at_risk"] * f["price_per_unit"]).round(2)
    return f.drop(columns=["year", "institutional", "price_per_unit"])


def summarize(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings, units and dollars at risk by rule and payer."""
    if findings.empty:
        return pd.DataFrame(columns=["rule", "severity", "payer", "lines", "units_at_risk",
                                     "dollars_at_risk", "lines_without_price"])
    g = findings.groupby(["rule", "severity", "payer"], dropna=False)
    out = g.agg(lines=("line_number", "size"), units_at_risk=("units_at_risk", "sum"),
                dollars_at_risk=("dollars_at_risk", "sum"),
                lines_without_price=("dollars_at_risk", lambda s: int(s.isna().sum()))).reset_index()
    out["dollars_at_risk"] = out["dollars_at_risk"].round(2)
    return out.sort_values(["rule", "payer"]).reset_index(drop=True)


def write_outputs(res: AuditResult, out: str | Path, rejects: str | Path | None = None) -> dict[str, str]:
    """Write findings (CSV or Parquet by extension), the summary and the rejects; atomically."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rej = Path(rejects) if rejects else out.with_name(out.stem + ".rejects" + out.suffix)
    summ = out.with_name(out.stem + ".summary.csv")
    cols = ["claim_id", "line_number", "date_of_service", "code", "payer", "rule", "severity",
            "message", "units_at_risk", "dollars_at_risk"]
    rej_df = res._con.execute(
        "SELECT row_no AS data_row, claim_id, line_number, reject_reason AS reason FROM checked "
        "WHERE reject_reason IS NOT NULL ORDER BY row_no").df()
    if res.source_kind == "csv":  # the header is line 1
        rej_df.insert(1, "file_line", rej_df["data_row"] + 1)
    for df, path in ((res.findings[cols], out), (rej_df, rej), (res.summary, summ)):
        tmp = path.with_name(f".{path.name}.tmp")
        if path.suffix.lower() in (".parquet", ".pq"):
            df.to_parquet(tmp, index=False)
        else:
            df.to_csv(tmp, index=False)
        os.replace(tmp, path)
    res.outputs = {"findings": str(out), "rejects": str(rej), "summary": str(summ)}
    return res.outputs
