#!/usr/bin/env python3
"""The audit's checks as a user of DuckDB or polars would write them: one whole process per run.

``python benchmarks/competitors.py duckdb|polars FILE`` reads FILE (CSV as text, or Parquet), keeps
the 96369-96372 lines, groups them by claim and date of service and counts, by rule, the lines
that break U-ADDON, U-INIT, U-PUMP, U-SHORT, U-HOUR, T-DOC, S-FACILITY, M-VALID and U-MUE (the
engine's lists and limits, passed in), and prints the counts as JSON. A subset of the audit's
checks (no A-DUP, S-INITIAL, NCCI pairs, drug lines, dollars at risk or output files): what an
analyst would otherwise run, so a fair floor for the audit's time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

FAMILY = ("96369", "96370", "96371", "96372")


def reference() -> dict:
    """The engine's lists (facility places, invalid and numeric modifiers, MUEs), light path."""
    from infusion.coding.modifiers import CPT_NUMERIC_MODIFIERS
    from infusion.reference import catalog, rows

    mue = {c: catalog.mue_for(c, "professional") for c in FAMILY}  # as the audit's (no pandas imported)
    return {
        "facility": sorted(catalog.facility_places()),
        "invalid": sorted(r["modifier"] for r in rows.table("reference", "modifiers.csv") if r["valid"] == "no"),
        "numeric": sorted(CPT_NUMERIC_MODIFIERS),
        "mue": {c: int(r["mue"]) for c, r in mue.items() if r and str(r["mue"]).isdigit()},
    }


DUCKDB_SQL = """
WITH l AS (
  SELECT trim(claim_id::VARCHAR) AS claim_id, try_cast(date_of_service::VARCHAR AS DATE) AS dos,
         trim(hcpcs::VARCHAR) AS code, try_cast(units AS INTEGER) AS units,
         coalesce(modifiers::VARCHAR, '') AS modifiers, lpad(trim(pos::VARCHAR), 2, '0') AS pos,
         coalesce(claim_type::VARCHAR, 'professional') AS claim_type,
         hour(try_strptime(start_time::VARCHAR, '%H:%M')) * 60 + minute(try_strptime(start_time::VARCHAR, '%H:%M'))
           AS t0,
         hour(try_strptime(stop_time::VARCHAR, '%H:%M')) * 60 + minute(try_strptime(stop_time::VARCHAR, '%H:%M'))
           AS t1
  FROM {source}
  WHERE trim(hcpcs::VARCHAR) IN ('96369', '96370', '96371', '96372')),
g AS (
  SELECT claim_id, dos, count(*) FILTER (WHERE code = '96369') AS n69,
         sum(units) FILTER (WHERE code = '96370') AS u70,
         max(t1) FILTER (WHERE code IN ('96369', '96370')) - min(t0) FILTER (WHERE code IN ('96369', '96370'))
           AS minutes
  FROM l GROUP BY claim_id, dos),
f AS (
  SELECT l.*, g.n69, g.u70, g.minutes,
         CASE WHEN g.minutes > 90 THEN (g.minutes - 91) // 60 + 1 ELSE 0 END AS supported
  FROM l JOIN g USING (claim_id, dos)),
m AS (SELECT code, trim(t.m) AS m FROM f, unnest(regexp_split_to_array(upper(f.modifiers), '[ ,;|]+')) AS t(m)
      WHERE trim(t.m) <> ''),
mue AS (SELECT claim_id, dos, code, sum(units) AS total FROM f GROUP BY ALL)
SELECT rule, count(*) AS n FROM (
  SELECT 'U-ADDON' AS rule FROM f WHERE code IN ('96370', '96371') AND n69 = 0
  UNION ALL SELECT 'U-INIT' FROM f WHERE code = '96369' AND units > 1
  UNION ALL SELECT 'U-PUMP' FROM f WHERE code = '96371' AND units > 1
  UNION ALL SELECT 'U-SHORT' FROM f WHERE code IN ('96369', '96370', '96371') AND minutes BETWEEN 0 AND 15
  UNION ALL SELECT 'U-HOUR' FROM f WHERE code = '96370' AND minutes > 15 AND u70 > supported
  UNION ALL SELECT 'T-DOC' FROM f WHERE code = '96370' AND minutes IS NULL
  UNION ALL SELECT 'S-FACILITY' FROM f WHERE claim_type LIKE 'prof%' AND list_contains($facility, pos)
  UNION ALL SELECT 'M-VALID' FROM m WHERE list_contains($invalid, m) OR NOT regexp_full_match(m, '[0-9A-Z]{2}')
                                       OR (regexp_full_match(m, '[0-9]{2}') AND NOT list_contains($numeric, m))
  UNION ALL SELECT 'U-MUE' FROM mue JOIN (SELECT unnest($mue_codes) AS code, unnest($mue_limits) AS lim) USING (code)
            WHERE total > lim
) GROUP BY rule ORDER BY rule
"""


def run_duckdb(path: str, ref: dict) -> dict[str, int]:
    import duckdb

    source = (
        f"read_csv('{path}', all_varchar = true, header = true)" if path.endswith(".csv") else f"read_parquet('{path}')"
    )
    params = {
        "facility": ref["facility"],
        "invalid": ref["invalid"],
        "numeric": ref["numeric"],
        "mue_codes": list(ref["mue"]),
        "mue_limits": list(ref["mue"].values()),
    }
    con = duckdb.connect()
    con.execute("SET threads = 2")
    return {r: int(n) for r, n in con.execute(DUCKDB_SQL.replace("{source}", source), params).fetchall()}


def run_polars(path: str, ref: dict) -> dict[str, int]:
    import polars as pl

    cols = [
        "claim_id",
        "date_of_service",
        "hcpcs",
        "units",
        "modifiers",
        "pos",
        "claim_type",
        "start_time",
        "stop_time",
    ]
    src = (pl.scan_csv(path, infer_schema=False) if path.endswith(".csv") else pl.scan_parquet(path)).select(cols)

    def minutes(c: str) -> pl.Expr:
        t = pl.col(c).cast(pl.Utf8).str.strptime(pl.Time, "%H:%M", strict=False)
        return t.dt.hour().cast(pl.Int32) * 60 + t.dt.minute().cast(pl.Int32)

    lines = (
        src.with_columns(code=pl.col("hcpcs").cast(pl.Utf8).str.strip_chars())
        .filter(pl.col("code").is_in(list(FAMILY)))
        .select(
            claim_id=pl.col("claim_id").cast(pl.Utf8).str.strip_chars(),
            dos=pl.col("date_of_service").cast(pl.Utf8).str.to_date(strict=False),
            code="code",
            units=pl.col("units").cast(pl.Int32, strict=False),
            modifiers=pl.col("modifiers").cast(pl.Utf8).fill_null(""),
            pos=pl.col("pos").cast(pl.Utf8).str.strip_chars().str.zfill(2),
            claim_type=pl.col("claim_type").cast(pl.Utf8).fill_null("professional"),
            t0=minutes("start_time"),
            t1=minutes("stop_time"),
        )
    )
    timed = pl.col("code").is_in(["96369", "96370"])
    groups = lines.group_by("claim_id", "dos").agg(
        n69=(pl.col("code") == "96369").sum(),
        u70=pl.col("units").filter(pl.col("code") == "96370").sum(),
        minutes=pl.col("t1").filter(timed).max() - pl.col("t0").filter(timed).min(),
    )
    f = lines.join(groups, on=["claim_id", "dos"]).with_columns(
        supported=pl.when(pl.col("minutes") > 90).then((pl.col("minutes") - 91) // 60 + 1).otherwise(0)
    )
    code = pl.col("code")
    rules = {
        "U-ADDON": code.is_in(["96370", "96371"]) & (pl.col("n69") == 0),
        "U-INIT": (code == "96369") & (pl.col("units") > 1),
        "U-PUMP": (code == "96371") & (pl.col("units") > 1),
        "U-SHORT": code.is_in(["96369", "96370", "96371"]) & pl.col("minutes").is_between(0, 15),
        "U-HOUR": (code == "96370") & (pl.col("minutes") > 15) & (pl.col("u70") > pl.col("supported")),
        "T-DOC": (code == "96370") & pl.col("minutes").is_null(),
        "S-FACILITY": pl.col("claim_type").str.starts_with("prof") & pl.col("pos").is_in(ref["facility"]),
    }
    counts = f.select(**{r: e.sum() for r, e in rules.items()})
    mods = (
        f.select(m=pl.col("modifiers").str.to_uppercase().str.split_by_regex(r"[ ,;|]+"))  # type: ignore[attr-defined]
        if hasattr(pl.Expr.str, "split_by_regex")
        else f.select(m=pl.col("modifiers").str.to_uppercase().str.replace_all(r"[ ,;|]+", "|").str.split("|"))
    )
    m = pl.col("m").str.strip_chars()
    bad = (
        mods.explode("m")
        .filter(m != "")
        .select(
            **{
                "M-VALID": (
                    m.is_in(ref["invalid"])
                    | ~m.str.contains(r"^[0-9A-Z]{2}$")
                    | (m.str.contains(r"^[0-9]{2}$") & ~m.is_in(ref["numeric"]))
                ).sum()
            }
        )
    )
    limits = pl.LazyFrame({"code": list(ref["mue"]), "lim": list(ref["mue"].values())})
    mue = (
        f.group_by("claim_id", "dos", "code")
        .agg(total=pl.col("units").sum())
        .join(limits, on="code")
        .select(**{"U-MUE": (pl.col("total") > pl.col("lim")).sum()})
    )
    out = pl.concat([counts, bad, mue], how="horizontal").collect().row(0, named=True)
    return {r: int(n) for r, n in sorted(out.items()) if n}


def main(argv: list[str]) -> int:
    tool, path = argv
    ref = reference()
    counts = run_duckdb(path, ref) if tool == "duckdb" else run_polars(path, ref)
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
