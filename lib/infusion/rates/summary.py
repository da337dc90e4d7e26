"""Benchmarks over an extracted rate table (Parquet), queried with DuckDB.

* Dollar rates only (negotiated, derived, fee schedule); percentage-of-charges and per-diem rates
  are counted, not mixed in. No single negotiated type is imposed on every payer.
* A rate repeated for the same payer and plan, code, class, setting, modifiers and providers
  (for example a chargemaster listing one service under several charge codes) is counted once;
  two payers with the same rate at one hospital are two rates.
* Groups are payer family x line of business x billing class, so commercial rates are compared
  with Medicare, and Medicare Advantage or Medicaid managed-care rates stand apart.
* Gross charges and cash prices (hospital files) are not payer rates: counted, not mixed in.
* Medicare reference: national PFS non-facility payment for professional rates, national OPPS
  rate for institutional ones (both for ``year``). Rates above 20x or below 0.1x Medicare are
  flagged as implausible and left out of the percentiles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from ..errors import InputError
from ..medicare.payment import opps_rate, payment
from .model import DOLLAR_TYPES, FAMILY_LABELS, LOB_LABELS, to_frame

IMPLAUSIBLE_HIGH = 20.0
IMPLAUSIBLE_LOW = 0.1


@dataclass(frozen=True)
class Summary:
    code: str
    year: int
    table: pd.DataFrame          # per payer family and billing class
    excluded: pd.DataFrame       # counts left out, with why
    illustrative: bool
    medicare: dict[str, float | None]


def medicare_reference(code: str, year: int) -> dict[str, float | None]:
    pro = payment(code, year)
    inst = opps_rate(code, year).to_dict()
    return {"professional": pro.per_unit if pro.available else None,
            "institutional": inst.get("payment_rate") if inst.get("available") else None}


# a rate the percentiles can use (DuckDB sorts NaN above every number: it would pass for a high rate)
FINITE = "coalesce(isfinite(rate::DOUBLE), false)"


def _rates_table(con: duckdb.DuckDBPyConnection, path: str | Path, code: str) -> None:
    """Temp table ``r``: the rows of ``code`` in the rates file ``path``; InputError when the file
    is missing or is not a rates Parquet file (as ``rates extract`` writes)."""
    p = Path(path)
    if not p.exists():
        raise InputError("rates", f"{str(p)!r} does not exist; run `python -m infusion rates extract`")
    if not p.is_file():  # a FIFO or a device would block the read
        raise InputError("rates", f"{str(p)!r} is not a regular file")
    try:
        con.execute("CREATE TEMP TABLE r AS SELECT * FROM read_parquet(?) WHERE billing_code = ?",
                    [str(p), code])
    except duckdb.Error as err:
        why = str(err).splitlines()[0]
        raise InputError("rates", f"{p.name} is not a rates Parquet file as `python -m infusion rates "
                         f"extract` writes ({why})") from None
    described = con.execute("DESCRIBE r").fetchall()
    have = {d[0] for d in described}
    kinds = {d[0]: str(d[1]) for d in described}
    if "rate" in kinds and not re.match(r"(DOUBLE|FLOAT|REAL|DECIMAL|INTEGER|BIGINT|SMALLINT|TINYINT|HUGEINT)",
                                        kinds["rate"]):
        raise InputError("rates", f"{p.name}: column 'rate' is {kinds['rate']}, not a number (a rates file "
                         "as `python -m infusion rates extract` writes holds rates as DOUBLE)")
    columns = list(to_frame([]).columns)
    missing = [c for c in columns if c not in have]
    if missing:
        names = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
        raise InputError("rates", f"{p.name} is not a rates Parquet file as `python -m infusion rates "
                         f"extract` writes (missing {len(missing)} of its {len(columns)} columns: {names})")


def load_rates(path: str | Path, code: str) -> pd.DataFrame:
    """The rows of ``code`` in the rates file ``path``."""
    con = duckdb.connect()
    _rates_table(con, path, code)
    return con.execute("SELECT * FROM r").df()


def summarize(path: str | Path, code: str, year: int = 2026) -> Summary:
    """Percentiles per payer family and billing class, and the median as a % of Medicare."""
    code = str(code).strip()
    ref = medicare_reference(code, year)
    con = duckdb.connect()
    _rates_table(con, path, code)
    con.execute("CREATE TEMP TABLE med(billing_class VARCHAR, medicare DOUBLE)")
    con.executemany("INSERT INTO med VALUES (?, ?)", [[k, v] for k, v in ref.items()])
    types = ", ".join(f"'{t}'" for t in DOLLAR_TYPES)
    con.execute(f"""
        CREATE TEMP TABLE d AS
        SELECT DISTINCT payer_family, coalesce(line_of_business, 'unknown') AS line_of_business,
               coalesce(payer_name,'') AS payer_name, coalesce(plan_name,'') AS plan_name,
               billing_class, negotiated_type, rate, coalesce(setting,'') AS setting,
               coalesce(service_codes,'') AS service_codes, coalesce(modifiers,'') AS modifiers,
               coalesce(provider_key,'') AS provider_key, reporting_entity, illustrative
        FROM r WHERE negotiated_type IN ({types}) AND {FINITE}""")
    excluded = con.execute(f"""
        SELECT CASE WHEN negotiated_type IN ('gross charge', 'discounted cash')
                    THEN 'hospital ' || negotiated_type || ' (not a payer rate)'
                    ELSE 'not a dollar amount (' || negotiated_type || ')' END AS reason, count(*) AS n
        FROM r WHERE negotiated_type NOT IN ({types}) GROUP BY negotiated_type
        UNION ALL
        SELECT 'rate missing or not a finite number (NaN, infinite)', count(*)
        FROM r WHERE negotiated_type IN ({types}) AND NOT {FINITE}
        UNION ALL
        SELECT 'duplicate of a rate already counted',
               (SELECT count(*) FROM r WHERE negotiated_type IN ({types}) AND {FINITE}) - (SELECT count(*) FROM d)
        UNION ALL
        SELECT 'implausible: above {IMPLAUSIBLE_HIGH:g}x or below {IMPLAUSIBLE_LOW:g}x Medicare', count(*)
        FROM d JOIN med USING (billing_class)
        WHERE med.medicare IS NOT NULL
          AND (rate > {IMPLAUSIBLE_HIGH} * med.medicare OR rate < {IMPLAUSIBLE_LOW} * med.medicare)
    """).df()
    table = con.execute(f"""
        WITH k AS (
          SELECT d.*, med.medicare FROM d LEFT JOIN med USING (billing_class)
          WHERE med.medicare IS NULL
             OR (rate <= {IMPLAUSIBLE_HIGH} * med.medicare AND rate >= {IMPLAUSIBLE_LOW} * med.medicare))
        SELECT payer_family, line_of_business, billing_class, count(*) AS n,
               quantile_cont(rate, 0.10) AS p10, quantile_cont(rate, 0.25) AS p25,
               quantile_cont(rate, 0.50) AS median, quantile_cont(rate, 0.75) AS p75,
               quantile_cont(rate, 0.90) AS p90, any_value(medicare) AS medicare,
               100 * quantile_cont(rate, 0.50) / any_value(medicare) AS median_pct_of_medicare
        FROM k GROUP BY payer_family, line_of_business, billing_class
        ORDER BY billing_class, payer_family, line_of_business""").df()
    table["payer_family"] = table["payer_family"].map(lambda f: FAMILY_LABELS.get(f, f))
    table["line_of_business"] = table["line_of_business"].map(lambda f: LOB_LABELS.get(f, f))
    flag = con.execute("SELECT coalesce(bool_or(illustrative), false) FROM r").fetchone()
    illustrative = bool(flag and flag[0])
    excluded = excluded[excluded["n"] > 0].reset_index(drop=True)
    return Summary(code, year, table, excluded, illustrative, ref)


def format_summary(s: Summary) -> str:
    """Plain-text report for the CLI."""
    lines = []
    if s.illustrative:
        lines.append("ILLUSTRATIVE SAMPLE DATA: generated rates, not real payer rates.")
    med = ", ".join(f"{k} {'$%.2f' % v if v is not None else 'data not available'}" for k, v in s.medicare.items())
    lines.append(f"{s.code}, Medicare {s.year} national reference: {med}")
    if s.table.empty:
        lines.append("no dollar rates for this code in the file")
    else:
        t = s.table.copy()
        for c in ("p10", "p25", "median", "p75", "p90", "medicare"):
            t[c] = t[c].map(lambda v: "" if pd.isna(v) else f"{v:,.2f}")
        t["median_pct_of_medicare"] = t["median_pct_of_medicare"].map(
            lambda v: "data not available" if pd.isna(v) else f"{v:.0f}%")
        lines.append(t.rename(columns={"median_pct_of_medicare": "median % of Medicare"}).to_string(index=False))
    for r in s.excluded.itertuples():
        lines.append(f"left out: {r.n} {r.reason}")
    return "\n".join(lines)
