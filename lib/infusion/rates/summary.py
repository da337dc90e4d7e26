"""Benchmarks over an extracted rate table (Parquet), queried with DuckDB.

Every row of the code is either in the table or counted under "left out" with why, in this order:

* hospital gross charges and cash prices: not payer rates;
* rates that are not dollar amounts (percentage of charges, per diem ...);
* rates that are missing or not finite numbers;
* out-of-network amounts (and their emergency amounts): a payer's allowed amount for care outside
  its network is not a negotiated rate;
* inpatient contracts: 96369-96372 are billed on outpatient claims (an inpatient stay is paid by
  DRG), so a rate a file gives for inpatients is not the benchmark of the code;
* a rate repeated for one provider (a hospital) and payer family, whatever the plan's name (a
  hospital that lists one BCBS contract under twelve plan columns gives one BCBS rate; "other"
  payers are kept apart by name);
* rates above 20x or below 0.1x Medicare (implausible, out of the percentiles).

Groups are payer family x line of business x billing class, so commercial rates are compared with
Medicare, and Medicare Advantage or Medicaid managed-care rates stand apart. Medicare reference:
national PFS non-facility payment for professional rates, national OPPS rate for institutional ones
(both for ``year``; OPPS national, not wage-adjusted).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from ..config import data_path
from ..errors import InputError, shown
from ..medicare.payment import opps_rate, payment
from .model import DOLLAR_TYPES, FAMILY_LABELS, LOB_LABELS, OPTIONAL_COLUMNS, RATE_COLUMNS, to_frame

REAL_RATES = "real_rates.parquet"  # data/benchmarks: real hospital rates (scripts/build_real_rates.py)
SAMPLE_RATES = "sample_rates.parquet"  # data/benchmarks: the illustrative sample (scripts/make_sample_rates.py)
ILLUSTRATIVE = "illustrative"  # the name that asks for the sample
IMPLAUSIBLE_HIGH = 20.0
IMPLAUSIBLE_LOW = 0.1


@dataclass(frozen=True)
class Summary:
    code: str
    year: int
    table: pd.DataFrame  # per payer family, line of business and billing class
    excluded: pd.DataFrame  # counts left out, with why
    illustrative: bool
    medicare: dict[str, float | None]
    rates: pd.DataFrame  # the individual rates the table is made of (one row each)


def rates_file(name: str | Path | None) -> Path:
    """The rates file a user named: None for the real hospital rates shipped in ``data/benchmarks``,
    "illustrative" for the generated sample, else the path given."""
    if name is None or str(name).strip() == "":
        return data_path("benchmarks", REAL_RATES)
    if str(name).strip().lower() == ILLUSTRATIVE:
        return data_path("benchmarks", SAMPLE_RATES)
    return Path(name)


def medicare_reference(code: str, year: int) -> dict[str, float | None]:
    pro = payment(code, year)
    inst = opps_rate(code, year).to_dict()
    return {
        "professional": pro.per_unit if pro.available else None,
        "institutional": inst.get("payment_rate") if inst.get("available") else None,
    }


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
        con.execute("CREATE TEMP TABLE r AS SELECT * FROM read_parquet(?) WHERE billing_code = ?", [str(p), code])
    except duckdb.Error as err:
        why = str(err).splitlines()[0]
        raise InputError(
            "rates", f"{p.name} is not a rates Parquet file as `python -m infusion rates extract` writes ({why})"
        ) from None
    described = con.execute("DESCRIBE r").fetchall()
    have = {d[0] for d in described}
    kinds = {d[0]: str(d[1]) for d in described}
    if "rate" in kinds and not re.match(
        r"(DOUBLE|FLOAT|REAL|DECIMAL|INTEGER|BIGINT|SMALLINT|TINYINT|HUGEINT)", kinds["rate"]
    ):
        raise InputError(
            "rates",
            f"{p.name}: column 'rate' is {kinds['rate']}, not a number (a rates file "
            "as `python -m infusion rates extract` writes holds rates as DOUBLE)",
        )
    expected = {
        "string": r"VARCHAR|\"NULL\"|NULL",
        "Int64": r"(BIG|SMALL|TINY|HUGE)?INT(EGER)?|DOUBLE|\"NULL\"|NULL",
        "boolean": r"BOOLEAN|\"NULL\"|NULL",
    }
    for name, kind in RATE_COLUMNS.items():  # text where text belongs: a list or struct column is refused
        if name in kinds and kind in expected and not re.fullmatch(expected[kind], kinds[name]):
            raise InputError(
                "rates",
                f"{p.name}: column {name!r} is {shown(kinds[name], 40)}, not "
                f"{'text' if kind == 'string' else 'a whole number' if kind == 'Int64' else 'true/false'} "
                "(as `infusion rates extract` writes it)",
            )
    for c in OPTIONAL_COLUMNS:  # a rates file written before these columns existed
        if c not in have:
            con.execute(f"ALTER TABLE r ADD COLUMN {c} VARCHAR")
            have.add(c)
    columns = [c for c in to_frame([]).columns if c not in OPTIONAL_COLUMNS]
    missing = [c for c in columns if c not in have]
    if missing:
        names = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
        raise InputError(
            "rates",
            f"{p.name} is not a rates Parquet file as `python -m infusion rates "
            f"extract` writes (missing {len(missing)} of its {len(columns)} columns: {names})",
        )


def load_rates(path: str | Path, code: str) -> pd.DataFrame:
    """The rows of ``code`` in the rates file ``path``."""
    con = duckdb.connect()
    _rates_table(con, path, code)
    return con.execute("SELECT * FROM r").df()


# each row: why it is left out of the benchmark (NULL: kept), and its rank among the rows that say
# the same rate for one provider and payer family (a repeat under another plan name counts once)
_CLASSIFY_SQL = """
    CREATE TEMP TABLE c AS
    SELECT r.*, CASE
        WHEN negotiated_type IN ('gross charge', 'discounted cash')
            THEN 'hospital ' || negotiated_type || ' (not a payer rate)'
        WHEN coalesce(negotiated_type, '') NOT IN ({types})
            THEN 'not a dollar amount (' || coalesce(negotiated_type, 'no type given') || ')'
        WHEN NOT {finite} THEN 'rate missing or not a finite number (NaN, infinite)'
        WHEN coalesce(network, 'in-network') <> 'in-network'
            THEN network || ' amount (not a negotiated rate)'
        WHEN setting = 'inpatient' THEN 'inpatient contract (the code is billed on outpatient claims)'
        END AS why,
        row_number() OVER (
            PARTITION BY coalesce(provider_key, ''), payer_family, line_of_business, billing_class,
                         coalesce(modifiers, ''), coalesce(service_codes, ''), rate,
                         CASE WHEN payer_family = 'other' THEN coalesce(payer_name, '') ELSE '' END,
                         (negotiated_type IN ({types}) AND {finite}
                          AND coalesce(network, 'in-network') = 'in-network'
                          AND coalesce(setting, '') <> 'inpatient')
            ORDER BY coalesce(setting, ''), payer_name, plan_name) AS nth
    FROM r"""
_LEFT_OUT_SQL = """
    CREATE TEMP TABLE d AS
    SELECT c.*, med.medicare,
           CASE WHEN why IS NOT NULL THEN why
                WHEN nth > 1 THEN 'same rate repeated for one provider and payer family'
                WHEN med.medicare IS NOT NULL AND (rate > {high} * med.medicare OR rate < {low} * med.medicare)
                THEN 'implausible: above {high:g}x or below {low:g}x Medicare'
           END AS left_out
    FROM c LEFT JOIN med USING (billing_class)"""
_EXCLUDED_SQL = """
    SELECT left_out AS reason, count(*) AS n FROM d WHERE left_out IS NOT NULL
    GROUP BY left_out ORDER BY n DESC, reason"""
_TABLE_SQL = """
    SELECT payer_family, coalesce(line_of_business, 'unknown') AS line_of_business, billing_class,
           count(*) AS n, count(DISTINCT provider_key) AS providers,
           string_agg(DISTINCT state, ', ' ORDER BY state) AS states,
           min(rate) AS min,
           quantile_cont(rate, 0.10) AS p10, quantile_cont(rate, 0.25) AS p25,
           quantile_cont(rate, 0.50) AS median, quantile_cont(rate, 0.75) AS p75,
           quantile_cont(rate, 0.90) AS p90, max(rate) AS max, any_value(medicare) AS medicare,
           100 * quantile_cont(rate, 0.50) / any_value(medicare) AS median_pct_of_medicare
    FROM d WHERE left_out IS NULL
    GROUP BY payer_family, coalesce(line_of_business, 'unknown'), billing_class
    ORDER BY billing_class, payer_family, line_of_business"""
_RATES_SQL = """
    SELECT reporting_entity, state, last_updated, payer_name, plan_name, payer_family,
           coalesce(line_of_business, 'unknown') AS line_of_business, setting, billing_class,
           billing_code, rate, source_file, source_column, provider_key, illustrative
    FROM d WHERE left_out IS NULL
    ORDER BY payer_family, line_of_business, rate, reporting_entity, payer_name, plan_name, setting,
             billing_class, source_column"""


def summarize(path: str | Path, code: str, year: int = 2026) -> Summary:
    """Percentiles per payer family, line of business and billing class, with the median as a % of
    Medicare, and the individual rates they are made of (see module doc)."""
    code = str(code).strip()
    ref = medicare_reference(code, year)
    con = duckdb.connect()
    _rates_table(con, path, code)
    con.execute("CREATE TEMP TABLE med(billing_class VARCHAR, medicare DOUBLE)")
    con.executemany("INSERT INTO med VALUES (?, ?)", [[k, v] for k, v in ref.items()])
    con.execute(_CLASSIFY_SQL.format(types=", ".join(f"'{t}'" for t in DOLLAR_TYPES), finite=FINITE))
    con.execute(_LEFT_OUT_SQL.format(high=IMPLAUSIBLE_HIGH, low=IMPLAUSIBLE_LOW))
    excluded = con.execute(_EXCLUDED_SQL).df()
    table = con.execute(_TABLE_SQL).df()
    rates = con.execute(_RATES_SQL).df()
    for t in (table, rates):
        t["payer_family"] = t["payer_family"].map(lambda f: FAMILY_LABELS.get(f, f))
        t["line_of_business"] = t["line_of_business"].map(lambda f: LOB_LABELS.get(f, f))
    flag = con.execute("SELECT coalesce(bool_or(illustrative), false) FROM r").fetchone()
    return Summary(code, year, table, excluded.reset_index(drop=True), bool(flag and flag[0]), ref, rates)


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
        for c in ("min", "p10", "p25", "median", "p75", "p90", "max", "medicare"):
            t[c] = t[c].map(lambda v: "" if pd.isna(v) else f"{v:,.2f}")
        t["states"] = t["states"].fillna("")
        t["median_pct_of_medicare"] = t["median_pct_of_medicare"].map(
            lambda v: "data not available" if pd.isna(v) else f"{v:.0f}%"
        )
        lines.append(t.rename(columns={"median_pct_of_medicare": "median % of Medicare"}).to_string(index=False))
    for r in s.excluded.itertuples():
        lines.append(f"left out: {r.n} {r.reason}")
    return "\n".join(lines)
