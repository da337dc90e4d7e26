#!/usr/bin/env python3
"""The audit's checks as a user of DuckDB or polars would write them: one whole process per run.

``python benchmarks/competitors.py duckdb|polars FILE [--out FINDINGS.csv]`` reads FILE (CSV as
text, or Parquet), keeps the lines of the codes the audit reads (96369-96372, the other initial
administration codes, the codes of NCCI pairs with them and the drugs), and runs every rule of the
audit (``infusion.audit.checks``, ``claim_edits``) with the engine's lists and limits, passed in:

- on the 96369-96372 lines of each claim and date of service: U-ADDON, U-INIT (units, a second
  line), U-PUMP, U-SHORT, U-HOUR (documented minutes: the union of the start-stop intervals of the
  96369/96370 lines), T-DOC, T-DATE, U-MUE (per setting), S-FACILITY (Medicare's places or the
  payers'), S-HOME, S-INITIAL, A-DUP, M-DRUG, M-25, M-PO-PN, M-VALID (one finding per modifier);
- N-PTP: the NCCI pairs (``reference/ncci_ptp.csv``, per setting, in force on the date) between
  the codes of a claim-date with a 96369-96372 line, indicator 0 always, 1 without 59/X{EPSU}/25;
- per drug (``reference/drugs.csv``), claim and date on every claim: U-MUE and D-WASTE.

An institutional date with add-ons and no 96369 is one encounter with the day before when that day
has a 96369 (100-04 ch. 4 §230.2), as in the audit. The flagged lines (claim, line number, rule) are
written to ``--out`` and the counts by rule printed as JSON. ``bench_audit_commands`` compares the
lines with the audit's findings on a file where every rule fires and on each benchmark file.

Left out, as an analyst's query would leave them (the benchmark files have none of them): an
encounter joined over more than one midnight; times other than ``HH:MM``, dates other than ISO and
units other than whole numbers (NULL, where the audit reads them or rejects the row with a reason);
claim types other than ``prof...`` / ``inst...``; payer names other than "Medicare" and "Medicare
Part B" as traditional Medicare. Not written: the audit's messages, dollars at risk (a ZIP-to-locality
fee schedule lookup per finding), summary, rejects and shares by payer.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

# as ``infusion.audit.read``'s (which loads pandas: the test of this file checks they are the same)
FAMILY = ("96369", "96370", "96371", "96372")
OTHER_INITIAL = ("96360", "96365", "96374", "96409", "96413")
MEDICARE = r"^\s*(medicare|mcr|mcare)(\s+part\s+[ab])?\s*$"  # traditional Medicare itself (case-insensitive)


def reference() -> dict:
    """The engine's lists, limits and edits, read the light way (no pandas imported)."""
    from infusion.coding.drugs import JZ_FROM
    from infusion.coding.modifiers import CPT_NUMERIC_MODIFIERS, DISTINCT, DRUG_LINE
    from infusion.reference import catalog, rows

    ptp = rows.table("reference", "ncci_ptp.csv")
    partners = {
        c for r in ptp if r["column1"] in FAMILY or r["column2"] in FAMILY for c in (r["column1"], r["column2"])
    }
    drugs = {r["hcpcs"]: r for r in rows.table("reference", "drugs.csv")}
    kept = list(FAMILY + OTHER_INITIAL) + sorted((partners | set(drugs)) - set(FAMILY) - set(OTHER_INITIAL))
    mue = []  # (code, institutional, limit)
    for code in list(FAMILY) + sorted(drugs):
        for inst, claim in ((False, "professional"), (True, "institutional")):
            r = catalog.mue_for(code, claim)
            if r and str(r["mue"]).isdigit():
                mue.append((code, inst, int(r["mue"])))
    pairs = [
        (r["setting"] == "outpatient-hospital", r["column1"], r["column2"], r["modifier_indicator"], r["deletion_date"])
        for r in ptp
        if r["column1"] in kept and r["column2"] in kept
    ]
    return {
        "kept": kept,
        "drugs": sorted(drugs),
        "single_dose": sorted(c for c, r in drugs.items() if r["single_dose"] == "yes"),
        "facility": sorted(catalog.facility_places()),
        "facility_medicare": sorted(catalog.facility_places("medicare")),
        "invalid": sorted(r["modifier"] for r in rows.table("reference", "modifiers.csv") if r["valid"] == "no"),
        "numeric": sorted(CPT_NUMERIC_MODIFIERS),
        "mue": mue,
        "pairs": pairs,
        "distinct": sorted(DISTINCT),
        "drug_line": sorted(DRUG_LINE),
        "jz_from": JZ_FROM.isoformat(),
    }


def _minutes_sql(col: str) -> str:
    t = f"try_strptime({col}::VARCHAR, '%H:%M')"
    return f"hour({t}) * 60 + minute({t})"


DUCKDB_SQL = r"""
CREATE TEMP TABLE found AS
WITH l AS (
  SELECT trim(claim_id::VARCHAR) AS claim_id, line_number::VARCHAR AS line_number,
         try_cast(trim(line_number::VARCHAR) AS BIGINT) AS ln, try_cast(date_of_service::VARCHAR AS DATE) AS dos,
         trim(hcpcs::VARCHAR) AS code, try_cast(units AS BIGINT) AS units,
         '|' || regexp_replace(upper(coalesce(modifiers::VARCHAR, '')), '[ ,;|]+', '|', 'g') || '|' AS mtext,
         lpad(trim(pos::VARCHAR), 2, '0') AS pos, lower(coalesce(claim_type::VARCHAR, '')) LIKE 'inst%' AS inst,
         lower(coalesce(claim_type::VARCHAR, '')) = '' OR lower(claim_type::VARCHAR) LIKE 'prof%' AS prof,
         regexp_matches(coalesce(payer::VARCHAR, ''), $medicare, 'i') AS medicare,
         {t0} AS t0, {t1} AS t1
  FROM {source}
  WHERE list_contains($kept, trim(hcpcs::VARCHAR))),
fc AS (SELECT DISTINCT claim_id FROM l WHERE code IN ('96369', '96370', '96371', '96372')),
r0 AS (SELECT *, regexp_matches(mtext, $distinct_rx) AS dist FROM l
       WHERE list_contains($drugs, code) OR claim_id IN (SELECT claim_id FROM fc)),
cd AS (SELECT claim_id, dos, bool_or(inst) AS inst, count(*) FILTER (WHERE code = '96369') AS n69,
              count(*) FILTER (WHERE code IN ('96370', '96371')) AS nadd
       FROM r0 WHERE code IN ('96369', '96370', '96371', '96372') GROUP BY ALL),
-- an institutional date with add-ons and no 96369 joins the day before when that day has one
jn AS (SELECT a.claim_id, a.dos FROM cd a JOIN cd b ON a.claim_id = b.claim_id AND b.dos = a.dos - 1
       WHERE a.inst AND a.nadd > 0 AND a.n69 = 0 AND b.inst AND b.n69 > 0),
r AS (SELECT r0.*, CASE WHEN jn.claim_id IS NULL THEN r0.dos ELSE r0.dos - 1 END AS enc
      FROM r0 LEFT JOIN jn USING (claim_id, dos)),
f AS (SELECT *, list_filter(string_split(mtext, '|'), lambda x: x <> '') AS mods
      FROM r WHERE code IN ('96369', '96370', '96371', '96372')),
tm AS (SELECT claim_id, enc, t0 + (dos - enc) * 1440 AS t0, t1 + (dos - enc) * 1440 AS t1
       FROM f WHERE code IN ('96369', '96370')),
iv AS (SELECT claim_id, enc, t0, t1,
              max(t1) OVER (PARTITION BY claim_id, enc ORDER BY t0, t1 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                AS reach
       FROM tm WHERE t0 IS NOT NULL AND t1 IS NOT NULL AND t1 >= t0),
cov AS (SELECT claim_id, enc, sum(greatest(t1 - greatest(t0, coalesce(reach, t0)), 0)) AS covered FROM iv GROUP BY ALL),
g AS (SELECT claim_id, enc, count(*) FILTER (WHERE code = '96369') AS n69,
             coalesce(sum(units) FILTER (WHERE code = '96370'), 0) AS u70,
             min(t0 + (dos - enc) * 1440) FILTER (WHERE code IN ('96369', '96370')) AS s0,
             max(t1 + (dos - enc) * 1440) FILTER (WHERE code IN ('96369', '96370')) AS s1
      FROM f GROUP BY ALL),
gt AS (SELECT g.*, CASE WHEN s0 IS NULL OR s1 IS NULL THEN NULL ELSE coalesce(c.covered, s1 - s0) END AS minutes
       FROM g LEFT JOIN cov c USING (claim_id, enc)),
fx AS (SELECT f.*, gt.n69, gt.u70, gt.minutes, coalesce(gt.minutes BETWEEN 0 AND 15, false) AS short,
              CASE WHEN gt.minutes > 90 THEN (gt.minutes - 91) // 60 + 1 ELSE 0 END AS supported
       FROM f JOIN gt USING (claim_id, enc)),
i69 AS (SELECT claim_id, line_number, dist,
               row_number() OVER (PARTITION BY claim_id, enc ORDER BY coalesce(ln, 0), line_number) AS nth
        FROM fx WHERE code = '96369' AND n69 > 1),
dk AS (SELECT claim_id, line_number, ln, dos, code, units, array_to_string(list_sort(mods), '|') AS mk FROM f),
dg AS (SELECT claim_id, dos, code, units, mk FROM dk GROUP BY ALL HAVING count(*) > 1),
dup AS (SELECT claim_id, line_number,
               row_number() OVER (PARTITION BY claim_id, dos, code, units, mk
                                  ORDER BY coalesce(ln, 0), line_number) AS k
        FROM dk SEMI JOIN dg USING (claim_id, dos, code, units, mk)),
oi AS (SELECT claim_id, enc, bool_or(dist) AS odist FROM r WHERE list_contains($other_initial, code) GROUP BY ALL),
fm AS (SELECT claim_id, dos, code, sum(units) AS total, arg_min(inst, coalesce(ln, 0)) AS inst,
              arg_min(line_number, coalesce(ln, 0)) AS line_number FROM f GROUP BY claim_id, dos, code),
mue AS (SELECT unnest($mue_codes) AS code, unnest($mue_inst) AS inst, unnest($mue_limits) AS lim),
m AS (SELECT claim_id, line_number, trim(t.m) AS m FROM f, unnest(f.mods) AS t(m) WHERE mtext <> '||'),
-- every pair has a code other than 96369-96371: only claim-dates with one and a family line
fd AS (SELECT claim_id, dos FROM r WHERE list_contains($ptp_codes, code) GROUP BY ALL
       HAVING bool_or(code IN ('96369', '96370', '96371', '96372'))
          AND bool_or(code NOT IN ('96369', '96370', '96371'))),
pc AS (SELECT claim_id, dos, code, bool_or(inst) AS inst,
              bool_or(regexp_matches(mtext, $bypass_rx)) AS byp,
              arg_min(line_number, coalesce(ln, 0)) AS line_number
       FROM r SEMI JOIN fd USING (claim_id, dos) WHERE list_contains($ptp_codes, code) GROUP BY claim_id, dos, code),
edits AS (SELECT unnest($e_inst) AS inst, unnest($e_c1) AS c1, unnest($e_c2) AS c2, unnest($e_ind) AS ind,
                 unnest($e_del)::DATE AS del, unnest(range(len($e_c1))) AS idx),
pp AS (SELECT a.claim_id, a.dos, a.code AS ca, b.code AS cb, a.inst, a.byp OR b.byp AS byp,
              a.line_number AS la, b.line_number AS lb
       FROM pc a JOIN pc b ON a.claim_id = b.claim_id AND a.dos = b.dos AND a.code < b.code
       WHERE a.code IN ('96369', '96370', '96371', '96372') OR b.code IN ('96369', '96370', '96371', '96372')),
ptp AS (SELECT pp.claim_id, pp.ca, pp.cb, pp.la, pp.lb, any_value(pp.byp) AS byp, bool_or(e.ind = '0') AS zero,
               arg_min(e.c2, (e.ind <> '0', e.idx)) AS c2  -- the edit named: indicator 0 first, then file order
        FROM pp JOIN edits e ON e.inst = pp.inst AND e.del > pp.dos AND
                               ((e.c1 = pp.ca AND e.c2 = pp.cb) OR (e.c1 = pp.cb AND e.c2 = pp.ca))
        GROUP BY ALL),
dd AS (SELECT claim_id, dos, code, sum(units) AS total, bool_or(contains(mtext, '|JW|')) AS jw,
              bool_or(contains(mtext, '|JZ|')) AS jz, arg_min(inst, coalesce(ln, 0)) AS inst,
              arg_min(medicare, coalesce(ln, 0)) AS medicare, arg_min(line_number, coalesce(ln, 0)) AS line_number
       FROM r WHERE list_contains($drugs, code) GROUP BY claim_id, dos, code)
SELECT claim_id, line_number, 'U-ADDON' AS rule FROM fx
  WHERE code IN ('96370', '96371') AND n69 = 0
UNION ALL SELECT claim_id, line_number, 'U-INIT' FROM fx WHERE code = '96369' AND units > 1
UNION ALL SELECT claim_id, line_number, 'U-INIT' FROM i69 WHERE nth > 1 AND NOT dist
UNION ALL SELECT claim_id, line_number, 'U-PUMP' FROM fx WHERE code = '96371' AND units > 1
UNION ALL SELECT claim_id, line_number, 'T-DOC' FROM fx WHERE code = '96370' AND minutes IS NULL
UNION ALL SELECT claim_id, line_number, 'U-SHORT' FROM fx WHERE code IN ('96369', '96370', '96371') AND short
UNION ALL SELECT claim_id, line_number, 'U-HOUR' FROM fx
  WHERE code = '96370' AND minutes >= 0 AND NOT short AND u70 > supported
UNION ALL SELECT claim_id, line_number, 'T-DATE' FROM fx WHERE code IN ('96369', '96370') AND t1 < t0
UNION ALL SELECT claim_id, line_number, 'U-MUE' FROM fm JOIN mue USING (code, inst) WHERE total > lim
UNION ALL SELECT claim_id, line_number, 'S-FACILITY' FROM fx
  WHERE prof AND list_contains(CASE WHEN medicare THEN $facility_medicare ELSE $facility END, pos)
UNION ALL SELECT claim_id, line_number, 'S-HOME' FROM fx WHERE code IN ('96369', '96370') AND pos = '12'
UNION ALL SELECT fx.claim_id, fx.line_number, 'S-INITIAL' FROM fx JOIN oi USING (claim_id, enc)
  WHERE code = '96369' AND NOT dist AND NOT odist
UNION ALL SELECT claim_id, line_number, 'A-DUP' FROM dup WHERE k > 1
UNION ALL SELECT claim_id, line_number, 'M-DRUG' FROM fx WHERE list_has_any(mods, $drug_line)
UNION ALL SELECT claim_id, line_number, 'M-25' FROM fx WHERE list_contains(mods, '25')
UNION ALL SELECT claim_id, line_number, 'M-PO-PN' FROM fx WHERE list_contains(mods, 'PO') AND list_contains(mods, 'PN')
UNION ALL SELECT claim_id, line_number, 'M-VALID' FROM m
  WHERE m <> '' AND (list_contains($invalid, m) OR NOT regexp_full_match(m, '[0-9A-Z]{{2}}')
                     OR (regexp_full_match(m, '[0-9]{{2}}') AND NOT list_contains($numeric, m)))
UNION ALL SELECT claim_id,
                 CASE WHEN cb IN ('96369', '96370', '96371', '96372')
                           AND (ca NOT IN ('96369', '96370', '96371', '96372') OR c2 = cb) THEN lb ELSE la END,
                 'N-PTP' FROM ptp WHERE zero OR NOT byp
UNION ALL SELECT claim_id, line_number, 'U-MUE' FROM dd JOIN mue USING (code, inst) WHERE total > lim
UNION ALL SELECT claim_id, line_number, 'D-WASTE' FROM dd
  WHERE list_contains($single_dose, code) AND medicare AND dos >= DATE '{jz_from}' AND jw = jz
"""


def run_duckdb(path: str, ref: dict, out: str | None = None) -> dict[str, int]:
    import duckdb

    source = (
        f"read_csv('{path}', all_varchar = true, header = true)" if path.endswith(".csv") else f"read_parquet('{path}')"
    )
    pairs = ref["pairs"]
    params = {
        "medicare": MEDICARE,
        "distinct_rx": r"\|(" + "|".join(ref["distinct"]) + r")\|",  # a modifier of them, in |JZ|59|
        "bypass_rx": r"\|(" + "|".join([*ref["distinct"], "25"]) + r")\|",
        "kept": ref["kept"],
        "drugs": ref["drugs"],
        "single_dose": ref["single_dose"],
        "other_initial": list(OTHER_INITIAL),
        "drug_line": ref["drug_line"],
        "ptp_codes": sorted({c for p in pairs for c in p[1:3]}),
        "facility": ref["facility"],
        "facility_medicare": ref["facility_medicare"],
        "invalid": ref["invalid"],
        "numeric": ref["numeric"],
        "mue_codes": [m[0] for m in ref["mue"]],
        "mue_inst": [m[1] for m in ref["mue"]],
        "mue_limits": [m[2] for m in ref["mue"]],
        "e_inst": [p[0] for p in pairs],
        "e_c1": [p[1] for p in pairs],
        "e_c2": [p[2] for p in pairs],
        "e_ind": [p[3] for p in pairs],
        "e_del": [p[4] for p in pairs],
    }
    sql = DUCKDB_SQL.format(
        source=source, t0=_minutes_sql("start_time"), t1=_minutes_sql("stop_time"), jz_from=ref["jz_from"]
    )
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute("SET preserve_insertion_order = false")
    con.execute(sql, params)
    if out:
        con.execute(f"COPY found TO '{out}' (HEADER)")
    return {
        r: int(n) for r, n in con.execute("SELECT rule, count(*) FROM found GROUP BY rule ORDER BY rule").fetchall()
    }


def run_polars(path: str, ref: dict, out: str | None = None) -> dict[str, int]:  # noqa: PLR0915 - one query, as DUCKDB_SQL
    import polars as pl

    cols = ["claim_id", "line_number", "date_of_service", "hcpcs", "units", "modifiers", "pos", "claim_type", "payer"]
    cols += ["start_time", "stop_time"]
    src = (pl.scan_csv(path, infer_schema=False) if path.endswith(".csv") else pl.scan_parquet(path)).select(cols)
    c, fam = pl.col, list(FAMILY)

    def minutes(name: str) -> pl.Expr:
        t = c(name).cast(pl.Utf8).str.strptime(pl.Time, "%H:%M", strict=False)
        return t.dt.hour().cast(pl.Int64) * 60 + t.dt.minute().cast(pl.Int64)

    def has(tokens: list[str]) -> pl.Expr:  # a modifier among ``tokens`` (``mtext``: |JZ|59|)
        return c("mtext").str.contains_any([f"|{t}|" for t in tokens])

    ctype = c("claim_type").cast(pl.Utf8).fill_null("").str.to_lowercase()
    lines = (
        src.with_columns(code=c("hcpcs").cast(pl.Utf8).str.strip_chars())
        .filter(c("code").is_in(ref["kept"]))
        .select(
            claim_id=c("claim_id").cast(pl.Utf8).str.strip_chars(),
            line_number=c("line_number").cast(pl.Utf8),
            ln0=c("line_number").cast(pl.Utf8).str.strip_chars().cast(pl.Int64, strict=False).fill_null(0),
            dos=c("date_of_service").cast(pl.Utf8).str.to_date(strict=False),
            code="code",
            units=c("units").cast(pl.Int64, strict=False),
            mtext="|"
            + c("modifiers").cast(pl.Utf8).fill_null("").str.to_uppercase().str.replace_all(r"[ ,;|]+", "|")
            + "|",
            pos=c("pos").cast(pl.Utf8).str.strip_chars().str.zfill(2),
            inst=ctype.str.starts_with("inst"),
            prof=(ctype == "") | ctype.str.starts_with("prof"),
            medicare=c("payer").cast(pl.Utf8).fill_null("").str.contains("(?i)" + MEDICARE),
            t0=minutes("start_time"),
            t1=minutes("stop_time"),
        )
    )
    with_family = lines.filter(c("code").is_in(fam)).select("claim_id").unique().with_columns(has_family=pl.lit(True))
    r0 = (
        lines.join(with_family, on="claim_id", how="left")
        .filter(c("code").is_in(ref["drugs"]) | c("has_family").fill_null(False))
        .with_columns(dist=has(ref["distinct"]))
    )
    # an institutional date with add-ons and no 96369 joins the day before when that day has one
    cd = (
        r0.filter(c("code").is_in(fam))
        .group_by("claim_id", "dos")
        .agg(inst=c("inst").any(), n69=(c("code") == "96369").sum(), nadd=c("code").is_in(["96370", "96371"]).sum())
    )
    day = pl.duration(days=1)
    joined = (
        cd.filter(c("inst") & (c("nadd") > 0) & (c("n69") == 0))
        .with_columns(before=c("dos") - day)
        .join(cd.filter(c("inst") & (c("n69") > 0)).select("claim_id", before="dos"), on=["claim_id", "before"])
        .select("claim_id", "dos", joined=pl.lit(True))
    )
    r = r0.join(joined, on=["claim_id", "dos"], how="left").with_columns(
        enc=pl.when(c("joined").fill_null(False)).then(c("dos") - day).otherwise(c("dos"))
    )
    r = r.collect().lazy()  # read once: every rule below reads these lines
    f = r.filter(c("code").is_in(fam)).with_columns(
        mods=c("mtext").str.split("|").list.eval(pl.element().filter(pl.element() != ""))
    )
    shift = (c("dos") - c("enc")).dt.total_days() * 1440
    timed = c("code").is_in(["96369", "96370"])
    tm = f.filter(timed).select("claim_id", "enc", t0=c("t0") + shift, t1=c("t1") + shift)
    covered = (
        tm.filter(c("t0").is_not_null() & c("t1").is_not_null() & (c("t1") >= c("t0")))
        .sort("claim_id", "enc", "t0", "t1")
        .with_columns(reach=c("t1").cum_max().shift(1).over("claim_id", "enc"))
        .group_by("claim_id", "enc")
        .agg(covered=pl.max_horizontal(c("t1") - pl.max_horizontal(c("t0"), c("reach").fill_null(c("t0"))), 0).sum())
    )
    per_enc = (
        f.group_by("claim_id", "enc")
        .agg(
            n69=(c("code") == "96369").sum(),
            u70=c("units").filter(c("code") == "96370").sum(),
            s0=(c("t0") + shift).filter(timed).min(),
            s1=(c("t1") + shift).filter(timed).max(),
        )
        .join(covered, on=["claim_id", "enc"], how="left")
        .with_columns(
            minutes=pl.when(c("s0").is_null() | c("s1").is_null())
            .then(None)
            .otherwise(pl.coalesce(c("covered"), c("s1") - c("s0")))
        )
    )
    fx = (
        f.join(per_enc, on=["claim_id", "enc"])
        .with_columns(
            short=c("minutes").is_between(0, 15).fill_null(False),
            supported=pl.when(c("minutes") > 90).then((c("minutes") - 91) // 60 + 1).otherwise(0),
        )
        .collect()
        .lazy()
    )
    first_order = ["ln0", "line_number"]
    nth69 = (
        f.filter(c("code") == "96369")
        .filter(pl.len().over("claim_id", "enc") > 1)
        .sort(["claim_id", "enc", *first_order])
        .with_columns(nth=pl.int_range(pl.len()).over("claim_id", "enc"))
    )
    same = ["claim_id", "dos", "code", "units", "mk"]
    dup = f.with_columns(mk=c("mods").list.sort().list.join("|")).filter(pl.len().over(same) > 1)
    dup = dup.sort(first_order).with_columns(k=pl.int_range(pl.len()).over(same))
    other = r.filter(c("code").is_in(list(OTHER_INITIAL))).group_by("claim_id", "enc").agg(odist=c("dist").any())

    def firsts(*names: str) -> list[pl.Expr]:
        return [c(n).get(c("ln0").arg_min()) for n in names]

    limits = pl.LazyFrame(
        {"code": [m[0] for m in ref["mue"]], "inst": [m[1] for m in ref["mue"]], "lim": [m[2] for m in ref["mue"]]}
    )
    fam_mue = f.group_by("claim_id", "dos", "code").agg(c("units").sum().alias("total"), *firsts("inst", "line_number"))
    m = c("m")
    bad_mods = (
        f.filter(c("mtext") != "||")
        .select("claim_id", "line_number", m=c("mods"))
        .explode("m")
        .with_columns(m=m.str.strip_chars())
        .filter(
            (m != "")
            & (
                m.is_in(ref["invalid"])
                | ~m.str.contains(r"^[0-9A-Z]{2}$")
                | (m.str.contains(r"^[0-9]{2}$") & ~m.is_in(ref["numeric"]))
            )
        )
    )
    pairs = ref["pairs"]
    listed = r.filter(c("code").is_in(sorted({x for p in pairs for x in p[1:3]})))
    # every pair has a code other than 96369-96371: only claim-dates with one and a family line
    dates = (
        listed.group_by("claim_id", "dos")
        .agg(fam=c("code").is_in(fam).any(), trigger=(~c("code").is_in(["96369", "96370", "96371"])).any())
        .filter(c("fam") & c("trigger"))
    )
    per_code = (
        listed.join(dates, on=["claim_id", "dos"], how="semi")
        .group_by("claim_id", "dos", "code")
        .agg(inst=c("inst").any(), byp=has([*ref["distinct"], "25"]).any(), line_number=firsts("line_number")[0])
    )
    edits = pl.LazyFrame(
        {
            "inst": [p[0] for p in pairs],
            "c1": [p[1] for p in pairs],
            "c2": [p[2] for p in pairs],
            "ind": [p[3] for p in pairs],
            "del": [p[4] for p in pairs],
            "idx": list(range(len(pairs))),
        }
    ).with_columns(c("del").str.to_date())
    pp = per_code.join(per_code.drop("inst"), on=["claim_id", "dos"], suffix="_b").filter(
        (c("code") < c("code_b")) & (c("code").is_in(fam) | c("code_b").is_in(fam))
    )
    ptp = (
        pl.concat(
            [
                pp.join(edits, left_on=["inst", "code", "code_b"], right_on=["inst", "c1", "c2"]).with_columns(
                    c2=c("code_b")
                ),
                pp.join(edits, left_on=["inst", "code_b", "code"], right_on=["inst", "c1", "c2"]).with_columns(
                    c2=c("code")
                ),
            ]
        )
        .filter(c("del") > c("dos"))
        .group_by("claim_id", "dos", "code", "code_b")
        .agg(
            c("byp").first() | c("byp_b").first(),
            zero=(c("ind") == "0").any(),
            c2=c("c2").sort_by([c("ind") != "0", c("idx")]).first(),
            la=c("line_number").first(),
            lb=c("line_number_b").first(),
        )
        .filter(c("zero") | ~c("byp"))
        .select(
            "claim_id",
            line_number=pl.when(c("code_b").is_in(fam) & (~c("code").is_in(fam) | (c("c2") == c("code_b"))))
            .then(c("lb"))
            .otherwise(c("la")),
            rule=pl.lit("N-PTP"),
        )
    )
    drugs = (
        r.filter(c("code").is_in(ref["drugs"]))
        .group_by("claim_id", "dos", "code")
        .agg(
            c("units").sum().alias("total"),
            has(["JW"]).any().alias("jw"),
            has(["JZ"]).any().alias("jz"),
            *firsts("inst", "medicare", "line_number"),
        )
    )
    facility = (
        pl.when(c("medicare")).then(c("pos").is_in(ref["facility_medicare"])).otherwise(c("pos").is_in(ref["facility"]))
    )
    code = c("code")
    on_lines = {
        "U-ADDON": (fx, code.is_in(["96370", "96371"]) & (c("n69") == 0)),
        "U-INIT": (fx, (code == "96369") & (c("units") > 1)),
        "U-INIT ": (nth69, (c("nth") > 0) & ~c("dist")),
        "U-PUMP": (fx, (code == "96371") & (c("units") > 1)),
        "T-DOC": (fx, (code == "96370") & c("minutes").is_null()),
        "U-SHORT": (fx, code.is_in(["96369", "96370", "96371"]) & c("short")),
        "U-HOUR": (fx, (code == "96370") & (c("minutes") >= 0) & ~c("short") & (c("u70") > c("supported"))),
        "T-DATE": (fx, code.is_in(["96369", "96370"]) & (c("t1") < c("t0"))),
        "U-MUE": (fam_mue.join(limits, on=["code", "inst"]), c("total") > c("lim")),
        "S-FACILITY": (fx, c("prof") & facility),
        "S-HOME": (fx, code.is_in(["96369", "96370"]) & (c("pos") == "12")),
        "S-INITIAL": (fx.join(other, on=["claim_id", "enc"]), (code == "96369") & ~c("dist") & ~c("odist")),
        "A-DUP": (dup, c("k") > 0),
        "M-DRUG": (fx, has(ref["drug_line"])),
        "M-25": (fx, has(["25"])),
        "M-PO-PN": (fx, has(["PO"]) & has(["PN"])),
        "M-VALID": (bad_mods, pl.lit(True)),
        "U-MUE ": (drugs.join(limits, on=["code", "inst"]), c("total") > c("lim")),
        "D-WASTE": (
            drugs,
            code.is_in(ref["single_dose"])
            & c("medicare")
            & (c("dos") >= pl.lit(ref["jz_from"]).str.to_date())
            & (c("jw") == c("jz")),
        ),
    }
    found = pl.concat(
        [
            frame.filter(where).select("claim_id", "line_number", rule=pl.lit(rule.strip()))
            for rule, (frame, where) in on_lines.items()
        ]
        + [ptp]
    ).collect()
    if out:
        found.write_csv(out)
    counts = found.group_by("rule").len().sort("rule")
    return {rule: int(n) for rule, n in counts.iter_rows()}


def main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tool", choices=["duckdb", "polars"])
    ap.add_argument("file")
    ap.add_argument("--out", help="write the flagged lines (claim_id, line_number, rule) here as CSV")
    args = ap.parse_args(argv)
    ref = reference()
    run = run_duckdb if args.tool == "duckdb" else run_polars
    print(json.dumps(run(args.file, ref, args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
