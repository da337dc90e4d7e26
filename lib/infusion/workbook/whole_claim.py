"""The publication's whole-claim sections: Medicare's NCCI edits (MUE with MAI by setting, add-on
code edits, PTP pairs), the drug line (SCIG codes, units, JZ/JW, ASP by quarter, OPPS status) and
OPPS status indicators by year. Every figure comes from ``data/`` with its source column, or from the
coding engine run on an encounter; nothing is typed in.
"""

from __future__ import annotations

import pandas as pd

from ..coding.engine import code_encounter
from ..medicare.payment import NOT_AVAILABLE, price_result
from ..reference import catalog, rows
from ..reference.tables import asp_table, opps_table

FAMILY = ("96369", "96370", "96371", "96372")
MUE_COLUMNS = {
    "medicare-practitioner": "Medicare practitioner",
    "medicare-outpatient-hospital": "Medicare outpatient hospital",
    "medicare-dme": "Medicare DME supplier",
    "medicaid-practitioner": "Medicaid practitioner",
}
SCIG = ("J1559", "J1555", "J1558", "J1551", "J1575")
HOME = ("99601", "99602", "E0779")


def mue_table(codes: tuple[str, ...] = FAMILY + HOME) -> pd.DataFrame:
    """Units per date of service by program and setting, ``MUE (MAI n)``; "data not available" where
    a file has no value for the code; with the effective date and the MUE's rationale."""
    m = catalog.mue().reset_index(drop=True)
    out = []
    for code in codes:
        row: dict[str, str] = {"code": code}
        mine = m[m["code"] == code]
        for program, label in MUE_COLUMNS.items():
            hit = mine[mine["program"] == program]
            if hit.empty:
                row[label] = NOT_AVAILABLE
                continue
            r = hit.iloc[0]
            mai = r["mai"] if isinstance(r["mai"], str) and r["mai"] else None
            row[label] = f"{r['mue']}" + (f" (MAI {mai})" if mai else "")
        medicare = mine[mine["program"] == "medicare-practitioner"]
        row["rationale (Medicare practitioner)"] = medicare.iloc[0]["rationale"] if not medicare.empty else ""
        out.append(row)
    return pd.DataFrame(out)


MAI_MEANING = pd.DataFrame(
    [
        (
            "1",
            "line edit: units above the MUE on one line deny; more units may go on a second line with a "
            "modifier, when documented",
        ),
        ("2", "date-of-service edit, absolute: units above the MUE on one date are never paid"),
        (
            "3",
            "date-of-service edit: units above the MUE deny but may be appealed with records showing they were given",
        ),
    ],
    columns=["MAI", "meaning"],
)


def aoc_table(add_ons: tuple[str, ...] = ("96370", "96371", "99602")) -> pd.DataFrame:
    """NCCI add-on code edits: each add-on with the primary codes it is paid with."""
    t = [r for r in rows.table("reference", "ncci_aoc.csv") if r["add_on"] in add_ons]
    by: dict[str, list[str]] = {}
    for r in t:
        by.setdefault(r["add_on"], []).append(r["primary"])
    return pd.DataFrame(
        [
            {
                "add-on code": a,
                "paid only with": ", ".join(sorted(by[a])),
                "edit type": "1 (only paid when a primary is paid)",
                "effective": "2024-06-03",
            }
            for a in add_ons
            if a in by
        ]
    )


def ptp_table(codes: tuple[str, ...] = FAMILY) -> pd.DataFrame:
    """NCCI PTP pairs in force that involve ``codes``, one row per family code, direction, modifier
    indicator and settings (practitioner, outpatient hospital), the partner codes joined."""
    settings: dict[tuple[str, str, str], set[str]] = {}
    why: dict[tuple[str, str, str], str] = {}
    for r in rows.table("reference", "ncci_ptp.csv"):
        if r["deletion_date"] == "9999-12-31" and (r["column1"] in codes or r["column2"] in codes):
            key = (r["column1"], r["column2"], r["modifier_indicator"])
            settings.setdefault(key, set()).add(r["setting"].replace("-", " "))
            why[key] = r["rationale"]
    groups: dict[tuple[str, str, str, str, str], list[str]] = {}
    for (a, b, ind), places in settings.items():
        mine, other, side = (a, b, "column 1") if a in codes else (b, a, "column 2")
        groups.setdefault((mine, side, ind, ", ".join(sorted(places)), why[(a, b, ind)]), []).append(other)
    out = []
    for (mine, side, ind, where, rationale), others in sorted(groups.items()):
        listed = ", ".join(sorted(others))
        c1, c2 = (mine, listed) if side == "column 1" else (listed, mine)
        out.append(
            {
                "column 1": c1,
                "column 2 (denied)": c2,
                "modifier indicator": ind,
                "meaning": (
                    "never paid together"
                    if ind == "0"
                    else "paid together with 59/XE/XS/XP/XU (25 on an E/M) when distinct"
                ),
                "settings": where,
                "rationale": rationale,
            }
        )
    return pd.DataFrame(out)


def drug_codes_table(quarter: str | None = None) -> pd.DataFrame:
    """The SC drugs of ``reference/drugs.csv``: HCPCS dosage, packages in billing units, single dose,
    the ASP payment limit of ``quarter`` (default: the latest we have) and the OPPS status of the
    latest Addendum B edition."""
    asp = asp_table()
    q = quarter or max(asp["quarter"])
    limits = asp[asp["quarter"] == q].set_index("hcpcs")["payment_limit"]
    opps = opps_table()
    last = opps[opps["code"].isin(limits.index.union(pd.Index(SCIG)))].sort_values("edition").groupby("code").last()
    out = []
    for r in rows.table("reference", "drugs.csv"):
        code = r["hcpcs"]
        o = last.loc[code] if code in last.index else None
        out.append(
            {
                "code": code,
                "product": r["product"],
                "therapy": r["therapy"],
                "billing unit": f"{float(r['dosage_amount']):g} {r['dosage_unit']}",
                "packages (units)": r["vial_units"].replace(" ", ", "),
                "single-dose": r["single_dose"],
                f"ASP limit per unit, {q}": f"${limits[code]:,.3f}" if code in limits.index else NOT_AVAILABLE,
                "OPPS status": (f"{o['si']} ({o['edition']})" if o is not None else NOT_AVAILABLE),
            }
        )
    return pd.DataFrame(out)


def asp_trend(codes: tuple[str, ...] = SCIG) -> pd.DataFrame:
    """Payment limit per billing unit by quarter (long: hcpcs, product, quarter, limit)."""
    t = asp_table()
    t = t[t["hcpcs"].isin(codes)].copy()
    names = {r["hcpcs"]: r["product"] for r in rows.table("reference", "drugs.csv")}
    t["product"] = t["hcpcs"].map(names)
    t = t[["hcpcs", "product", "quarter", "payment_limit", "dosage"]]
    return t.sort_values(["hcpcs", "quarter"]).reset_index(drop=True)


def asp_trend_wide(codes: tuple[str, ...] = SCIG) -> pd.DataFrame:
    """:func:`asp_trend` with a column per code (``J1559 Hizentra``), dollars per unit."""
    t = asp_trend(codes)
    t["drug"] = t["hcpcs"] + " " + t["product"]
    wide = t.pivot(index="quarter", columns="drug", values="payment_limit").map(
        lambda x: NOT_AVAILABLE if pd.isna(x) else f"${x:,.3f}"
    )
    wide.columns.name = None
    return wide.reset_index()


EXAMPLE = {
    "date": "2026-01-15",
    "pos": "11",
    "payer": "medicare",
    "drug": {"product": "Hizentra", "dose": "10.25 g", "vials": ["10 g", "1 g"]},
    "segments": [{"start": "09:00", "stop": "10:35"}],
}


def drug_line_example(encounter: dict | None = None, year: int = 2026) -> pd.DataFrame:
    """The engine's lines for an example visit (default: Hizentra 10.25 g from a 10 g and a 1 g
    vial, 95 minutes, office, January 2026) with each line's Medicare payment."""
    enc = encounter or EXAMPLE
    result = code_encounter(enc)
    priced = price_result(result, year, claim=str(enc.get("claim", "professional")))
    return pd.DataFrame(
        [
            {
                "code": ln.code,
                "units": ln.units,
                "modifiers": " ".join(ln.modifiers) or "-",
                "rules": " ".join(ln.rules),
                "Medicare payment": p.text,
            }
            for ln, p in zip(result.lines, priced.lines)
        ]
    )


DRUG_LINE_TEXT = (
    "The administration lines travel with the drug's own line. Its units are the dose in the HCPCS "
    "code's billing unit (J1559, Hizentra: 100 mg), rounded up when the dose is not a multiple (D-UNITS; "
    "CMS RAC topic 0074): 10.25 g is 102.5, billed 103. SC immune globulins come in single-dose vials: "
    "what was opened but not given goes on a second line of the same code with JW and is paid too; when "
    "nothing is discarded the line carries JZ, which Medicare requires from 1 July 2023 (D-WASTE). A 10 g "
    "and a 1 g vial hold 110 units, so the example below bills J1559 x103 and J1559-JW x7. JW and JZ never "
    "go on 96369-96371 (M-DRUG). When the patient infuses at home with a pump from a DME supplier, the "
    "supplier bills E0779 and the drug as its supply, JB on every line, in the least-waste combination of "
    "packages, with JZ from 2024 (D-DME). Medicare pays the drug at the quarter's ASP payment limit (106% "
    "of the average sales price) in the office and on DME claims; a hospital outpatient claim pays it by "
    "status indicator: K at the Addendum B rate per unit, N packaged (J1551, Cutaquig, from 2025)."
)


def opps_by_year(codes: tuple[str, ...] = FAMILY) -> pd.DataFrame:
    """Each code's OPPS status indicator and national rate in the latest edition of each year."""
    t = opps_table()
    t = t[t["code"].isin(codes)].sort_values("edition").groupby(["year", "code"]).last().reset_index()
    t["value"] = [f"{si} ${r:,.2f}" if pd.notna(r) else f"{si}" for si, r in zip(t["si"], t["payment_rate"])]
    wide = t.pivot(index="year", columns="code", values="value").fillna(NOT_AVAILABLE)
    wide.insert(0, "edition", t.groupby("year")["edition"].max())
    wide.columns.name = None
    return wide.reset_index()


Q1_TEXT = (
    "Under OPPS, 96371 and 96372 have status indicator Q1: conditionally packaged. On a Medicare "
    "outpatient hospital claim a Q1 line is paid separately only when no line with status indicator S, T "
    "or V is on the claim the same date. 96369 is S, so beside it 96371 is packaged: its cost is paid "
    "within 96369's APC and it adds nothing to the separately paid total (P-PACKAGE). The line is still "
    "reported, so the hospital's costs reach the rate setting."
)
