"""The publication on one code: every section built from ``data/`` and the engine.

The sections follow the reference publication's structure (summary and overview, billing code
overview, clinical context, coding specifications with modifiers, payers, benchmarks, policy updates,
documentation guidance) in our own words. Anything missing reads "data not available" with what
would fill it. ``notebooks/03_code_publication.ipynb`` calls these functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import pandas as pd

from ..coding.rules import RULES, rules_table, sources
from ..coding.units import time_codes
from ..errors import InputError
from ..escape import md
from ..footer import DEFAULT_DATA_SOURCES as DEFAULT_DATA_SOURCES  # the notebooks use pub.DEFAULT_DATA_SOURCES
from ..footer import report_footer
from ..medicare.payment import NOT_AVAILABLE, known_years, opps_rate, payment
from ..rates.model import FAMILY_LABELS
from ..reference.catalog import codes, modifiers, mue_for, payer_policies, places_of_service, policy_timeline
from ..reference.tables import gpci_table

PUBLICATION_CODES = ("96369", "96370", "96371")
PAYER_FAMILIES = {
    "aetna": "Aetna",
    "bcbs": "Blue Cross Blue Shield",
    "cigna": "Cigna",
    "uhc": "UnitedHealthcare",
    "medicare": "Medicare",
}
SECTIONS = (
    "Summary and overview",
    "Billing code overview",
    "Clinical context",
    "Coding specifications",
    "Modifiers",
    "Payers",
    "Benchmarks",
    "Policy updates",
    "Claims documentation and medical record alignment",
    "Sources",
)


@dataclass(frozen=True)
class Params:
    """Validated publication parameters."""

    code: str
    year: int
    payers: tuple[str, ...]
    locality: str | None
    rates_path: str | None


def validate_params(
    code: str, year: int, payers: Iterable[str] | str, locality: str | None, rates_path: str | None
) -> Params:
    """Check papermill's parameters; InputError names the parameter and the value."""
    c = str(code).strip()
    if c not in PUBLICATION_CODES:
        raise InputError("code", f"{code!r} is not one of {', '.join(PUBLICATION_CODES)}")
    try:
        y = int(year)
    except (TypeError, ValueError):
        raise InputError("year", f"{year!r} is not a year") from None
    if y not in known_years():
        raise InputError("year", f"{y} has no fee schedule data (we have {known_years()[0]}-{known_years()[-1]})")
    ps = [payers] if isinstance(payers, str) else list(payers)
    ps = [p.strip().lower() for p in ps]
    bad = [p for p in ps if p not in PAYER_FAMILIES]
    if bad:
        raise InputError("payers", f"{bad[0]!r} is not one of {', '.join(PAYER_FAMILIES)}")
    if locality:
        payment(c, y, locality=locality)  # raises InputError for an unknown locality
    return Params(c, y, tuple(ps), locality or None, rates_path or None)


def _code_row(code: str) -> pd.Series:
    return codes().loc[code]


def fmt_money(x: float | None) -> str:
    return NOT_AVAILABLE if x is None or pd.isna(x) else f"${x:,.2f}"


# ----------------------------------------------------------------------------- sections


def summary(p: Params) -> str:
    """Markdown: what the code is, why it matters, what the publication covers."""
    row = _code_row(p.code)
    pay = payment(p.code, p.year)
    opps = opps_rate(p.code, p.year).to_dict()
    kind = (
        "an add-on code, reported only with 96369 on the same claim and date"
        if row["kind"] == "add-on"
        else "a primary code"
    )
    opps_txt = (
        f"Under OPPS its {opps['edition']} status indicator is {opps['si']} with a national "
        f"rate of {fmt_money(opps['payment_rate'])}"
        if opps["available"]
        else f"OPPS: {NOT_AVAILABLE}"
    )
    if opps["available"] and opps["si"] == "Q1":
        opps_txt += (
            " (conditionally packaged: beside 96369, status S, on the same claim and date it is paid "
            "within 96369's APC and adds nothing to the separately paid total; see Payers)"
        )
    return (
        f"**CPT {p.code}** — {row['description']}. It is {kind}"
        f"{' and is counted in time' if row['time_based'] == 'yes' else ''}.\n\n"
        f"In {p.year} Medicare's physician fee schedule pays {fmt_money(pay.per_unit)} per unit "
        f"nationally in the office (non-facility); there is no facility price. {opps_txt}.\n\n"
        "This publication covers the code's place in the subcutaneous infusion family, the clinical "
        "settings where it is used, the coding rules and modifiers that decide it, what "
        f"{', '.join(PAYER_FAMILIES[x] for x in p.payers)} say about it, payment benchmarks, dated "
        "policy updates, and what the medical record must show. Figures come from the project's "
        "`data/` tables with their sources; where data is missing the text says "
        f'"{NOT_AVAILABLE}".'
    )


def family_table() -> pd.DataFrame:
    """The subcutaneous infusion family and its neighbours, in our words."""
    t = codes()
    t = t[t["family"].isin(["sc-infusion", "injection", "home"])]
    return t[["code", "description", "kind", "primary_codes", "time_based"]].reset_index(drop=True)


def billing_overview(p: Params) -> str:
    row = _code_row(p.code)
    service = {
        "96369": "initial subcutaneous infusion, up to one hour, pump set-up and sites included",
        "96370": "continuing subcutaneous infusion, in additional-hour increments",
        "96371": "an additional pump set-up with new subcutaneous sites",
    }[p.code]
    return (
        f"- **Service type:** {service}.\n"
        f"- **Kind:** {row['kind']}{' of ' + row['primary_codes'] if row['primary_codes'] else ''}; "
        f"time based: {row['time_based']}.\n"
        "- **Typical sites of service:** physician office (POS 11) and stand-alone infusion suites "
        "(POS 49) on professional claims; hospital outpatient departments (POS 19/22) on the "
        "hospital's institutional claim. Home infusion (POS 12) is billed with other codes "
        "(99601/99602 and a per diem commercially; home infusion therapy G-codes for Medicare).\n"
        "- **Not for:** a physician's professional claim in a facility place of service, infusions "
        "of 15 minutes or less (96372), and intravenous infusions (96365 family)."
    )


def sites_of_service_table() -> pd.DataFrame:
    pos = places_of_service()
    keep = ["11", "49", "19", "22", "12", "21", "23", "32"]
    t = pos.loc[keep, ["pos", "name", "facility_for_drug_admin", "medicare_facility"]].copy()
    verdict = {
        "11": "professional claim: 96369-96371 reported",
        "49": "professional claim: 96369-96371 reported",
        "19": "physician: not reported (S-FACILITY); hospital: institutional claim with PO/PN",
        "22": "physician: not reported (S-FACILITY); hospital: institutional claim",
        "12": "home: 99601/99602 + per diem, or Medicare home infusion G-codes (S-HOME)",
        "21": "inpatient: not reported by the physician (S-FACILITY); the hospital's stay is paid by MS-DRG, "
        "no administration line (S-INPATIENT)",
        "23": "emergency room: not reported by the physician (S-FACILITY)",
        "32": "nursing facility: Medicare Part B resident, professional claim (non-facility for Medicare, "
        "100-04 ch. 12 §20.4.2); a facility setting in payers' policies (S-FACILITY)",
    }
    t["what is billed"] = [verdict[x] for x in t["pos"]]
    return t.rename(
        columns={"facility_for_drug_admin": "facility (payer policies)", "medicare_facility": "facility (Medicare)"}
    ).reset_index(drop=True)


CLINICAL_CONTEXT = (
    "Subcutaneous infusion delivers a drug into the fatty tissue under the skin through one or "
    "more small needles fed by a portable pump. The most common use in ambulatory care is "
    "subcutaneous immune globulin (SCIG) for primary immune deficiency, given weekly or every "
    "other week through an E0779 pump with two to four needle sites in the abdomen, thighs, upper "
    "arms or hips. Other pump therapies include iron chelation with deferoxamine, subcutaneous "
    "prostacyclins for pulmonary hypertension, pain and anti-nausea infusions, and subcutaneous "
    "hydration. Visits follow the same path: confirm the order, drug and dose; set up and prime "
    "the pump; place the needle sites (all sites fed by one pump belong to that set-up); start "
    "the infusion and chart the time; watch the sites and the patient; stop the infusion, flush "
    "and remove the needles, and chart the stop time. Many patients move to self-infusion at home "
    "after training, where the drug and pump are billed as DME and no administration code "
    "applies. Sources: research-notes.md 5.2 (S3, S37, S40), 1.7 (S2)."
)

CODE_FOCUS = {
    "96369": "96369 is the anchor of the family: it is reported once per encounter when the counted "
    "infusion time is more than 15 minutes, and covers setting up the pump and placing every "
    "site that pump feeds.",
    "96370": "96370 carries the time beyond the first hour: each unit needs more than 30 minutes of "
    "its hour (91, 151, 211 minutes ...). Start and stop times decide it, so missing stop "
    "times are the commonest reason it is denied.",
    "96371": "96371 pays for a second pump set-up with its own new sites in the same encounter. It is "
    "reported once however many extra pumps there are, never per site.",
}


def units_table(max_minutes: int = 330) -> pd.DataFrame:
    """Bands of counted minutes and the lines they give (one pump), from the engine's unit rules."""
    bands: list[list] = []
    for m in range(1, max_minutes + 1):
        units, _ = time_codes(m, 1)
        label = " + ".join(f"{c} x{u}" for c, u in units.items())
        if bands and bands[-1][2] == label:
            bands[-1][1] = m
        else:
            bands.append([m, m, label])
    mue_96370 = int((mue_for("96370", "professional") or {"mue": 10**6})["mue"])  # Medicare practitioner
    rows = []
    for a, b, label in bands:
        note = ""
        if "96372" in label:
            note = "15 minutes or less is not an infusion (U-SHORT)"
        elif "96370" not in label and b > 60:
            note = "U-INIT; no 96370 until more than 30 minutes of the next hour (U-HOUR)"
        elif "96370" in label:
            n = int(label.split("96370 x")[1])
            note = f"above Medicare's practitioner MUE of {mue_96370} (U-MUE)" if n > mue_96370 else "U-HOUR"
        else:
            note = "U-INIT"
        rows.append({"counted minutes": f"{a}-{b}", "lines": label, "rule": note})
    return pd.DataFrame(rows)


def coding_rules_table() -> pd.DataFrame:
    t = rules_table()
    return t[["rule", "title", "applies to", "audit severity", "confidence", "sources"]]


def modifiers_table() -> pd.DataFrame:
    m = modifiers()
    out = m[["modifier", "valid", "meaning", "when_to_use", "line"]].copy()
    out["valid"] = out["valid"].map({"yes": "valid", "no": "NOT a modifier"})
    return out.reset_index(drop=True)


def payer_table(p: Params) -> pd.DataFrame:
    """Per payer family: policies that bear on these codes."""
    pol = payer_policies()
    pol = pol[pol["payer_family"].isin(p.payers)]
    out = pol[["payer_family", "plan_or_entity", "policy", "number", "date", "what_it_says", "address"]].copy()
    out["payer_family"] = out["payer_family"].map(PAYER_FAMILIES)
    out = out.rename(
        columns={
            "payer_family": "payer",
            "plan_or_entity": "plan or entity",
            "number": "policy number",
            "what_it_says": "what it says",
        }
    )
    return out.reset_index(drop=True)


def medicare_payment_table(p: Params) -> pd.DataFrame:
    """The Medicare facts for this code and year: PFS national, locality, OPPS."""
    rows = []
    nat = payment(p.code, p.year)
    rows.append(
        {
            "system": "Physician fee schedule (office, professional claim)",
            "where": "national",
            "per unit": fmt_money(nat.per_unit),
            "basis": f"RVUs {sum(nat.rvu.values()):.2f} x CF {nat.cf}" if nat.available else nat.reason,
        }
    )
    if p.year == 2026:
        qp = payment(p.code, p.year, qp=True)
        rows.append(
            {
                "system": "Physician fee schedule, qualifying APM participant",
                "where": "national",
                "per unit": fmt_money(qp.per_unit),
                "basis": f"CF {qp.cf}",
            }
        )
    if p.locality:
        loc = payment(p.code, p.year, locality=p.locality)
        rows.append(
            {
                "system": "Physician fee schedule (office)",
                "where": loc.locality_name if loc.available else p.locality,
                "per unit": fmt_money(loc.per_unit),
                "basis": "GPCI-adjusted" if loc.available else loc.reason,
            }
        )
    rows.append(
        {
            "system": "Physician fee schedule, facility setting",
            "where": "any",
            "per unit": "not payable",
            "basis": "facility NA indicator: no facility price",
        }
    )
    return pd.DataFrame(rows + _opps_rows(p))


def _opps_rows(p: Params) -> list[dict[str, str]]:
    """The OPPS rows of ``medicare_payment_table``: the national rate, and packaging beside 96369."""
    o = opps_rate(p.code, p.year).to_dict()
    rows = [
        {
            "system": "OPPS (hospital outpatient, institutional claim)",
            "where": "national",
            "per unit": fmt_money(o.get("payment_rate")) if o["available"] else NOT_AVAILABLE,
            "basis": (
                f"SI {o['si']}, APC {o['apc'] or NOT_AVAILABLE}, Addendum B {o['edition']}"
                if o["available"]
                else o["reason"]
            ),
        }
    ]
    if o["available"] and o["si"] == "Q1":
        rows.append(
            {
                "system": "OPPS, beside 96369 (status S) on the same date",
                "where": "national",
                "per unit": "packaged ($0 separately)",
                "basis": "status indicator Q1: conditionally packaged into 96369's APC (P-PACKAGE)",
            }
        )
    return rows


def medicare_by_year(codes_: Iterable[str] = PUBLICATION_CODES) -> pd.DataFrame:
    """National PFS payment per unit by year (2024: the CF from 9 March); NaN where not available."""
    rows = []
    years = range(min(known_years()), max(known_years()) + 1)
    for code in codes_:
        for y in years:
            pay = payment(code, y)
            rows.append(
                {
                    "code": code,
                    "year": y,
                    "amount": pay.per_unit if pay.available else float("nan"),
                    "cf": pay.cf,
                    "label": "" if pay.available else pay.reason,
                }
            )
    return pd.DataFrame(rows)


def medicare_by_year_wide(codes_: Iterable[str] = PUBLICATION_CODES) -> pd.DataFrame:
    t = medicare_by_year(codes_)
    wide = t.pivot(index="year", columns="code", values="amount")
    wide = wide.map(fmt_money)
    wide.insert(0, "CF", t.drop_duplicates("year").set_index("year")["cf"])
    wide.columns.name = None
    return wide.reset_index()


def locality_table(code: str, year: int) -> pd.DataFrame:
    """PFS payment for ``code`` in every locality of ``year`` (empty when GPCIs are missing)."""
    g = gpci_table()
    g = g[g["year"] == year]
    rows = []
    for r in g.itertuples():
        pay = payment(code, year, locality=f"{r.mac}-{r.locality}")
        if pay.available:
            rows.append(
                {"locality": pay.locality, "locality_name": pay.locality_name, "state": r.state, "amount": pay.per_unit}
            )
    return pd.DataFrame(rows, columns=["locality", "locality_name", "state", "amount"])


def locality_summary(code: str, year: int) -> pd.DataFrame:
    t = locality_table(code, year)
    if t.empty:
        return pd.DataFrame({"statistic": ["localities"], "value": [NOT_AVAILABLE]})
    lo, hi = t.loc[t["amount"].idxmin()], t.loc[t["amount"].idxmax()]
    return pd.DataFrame(
        {
            "statistic": ["localities", "lowest", "median", "highest"],
            "value": [
                str(len(t)),
                f"{fmt_money(lo['amount'])} ({lo['locality_name']})",
                fmt_money(t["amount"].median()),
                f"{fmt_money(hi['amount'])} ({hi['locality_name']})",
            ],
        }
    )


def policy_updates(limit_from: str = "2016-01-01") -> pd.DataFrame:
    t = policy_timeline()
    t = t[t["date"] >= limit_from]
    out = t[["date", "payer_family", "topic", "event", "confidence"]].reset_index(drop=True)
    out["payer_family"] = out["payer_family"].map(lambda f: PAYER_FAMILIES.get(f, f))
    return out.rename(columns={"payer_family": "payer"})


DOCUMENTATION_CHECKLIST = (
    ("Start and stop time of every infusion segment, with dates when it crosses midnight", "T-DOC, T-DATE"),
    ("Pauses (pump stopped) charted, so gaps are not counted", "T-SUM"),
    ("Flush charted separately from infusion time", "T-SUM"),
    ("Number of pump set-ups and the new sites of each", "U-INIT, U-PUMP"),
    ("Drug or substance, dose and route (subcutaneous)", "D-UNITS; CPT: specify substance or drug"),
    ("Vials opened (size and count) of a single-dose drug, and the amount discarded", "D-WASTE"),
    ("An SC injection beside the infusion: its drug and its separate site", "S-INJECTION, N-PTP"),
    ("Site(s) of administration", "S-INITIAL"),
    ("Why separate access sites were needed, when a second initial code is reported", "S-INITIAL, M-DISTINCT"),
    ("A separately identifiable E/M, documented on its own, when modifier 25 is used", "M-25"),
    ("Drug wasted or not (JW/JZ on the drug line, never on the administration line)", "D-WASTE, M-DRUG"),
    ("Place of service and claim type consistent with who furnished the service", "S-FACILITY, S-HOME"),
)


def documentation_table() -> pd.DataFrame:
    return pd.DataFrame(DOCUMENTATION_CHECKLIST, columns=["the record shows", "rule"])


def sources_table(extra: Iterable[str] = ()) -> pd.DataFrame:
    """Source tags used by the rules, plus the data files behind the figures."""
    cited = re.findall(r"\bS(\d{1,2})\b", CLINICAL_CONTEXT + " ".join(CODE_FOCUS.values()))
    tags = sorted({t for r in RULES.values() for t in r.sources} | {f"S{n}" for n in cited}, key=lambda s: int(s[1:]))
    src = sources()
    rows = [{"source": t, "title": src.loc[t, "title"], "address": src.loc[t, "address"]} for t in tags]
    files = [
        ("data/medicare/pfs_rvu.csv", "CMS PPRRVU files 2022, July 2024, 2025, 2026 (and processed 2019-2024)"),
        ("data/medicare/conversion_factors.csv", "CMS PPRRVU CONV FACTOR and final-rule summaries"),
        ("data/medicare/gpci.csv", "CMS Addendum E GPCIs 2022, 2024, 2025, 2026"),
        (
            "data/medicare/opps_rates.csv",
            "CMS OPPS Addendum B 2023-2026 (via softek/CMS.HCPCS; January 2024 and "
            "October 2025 from CMS's files, drug and home codes included)",
        ),
        ("data/medicare/asp_limits.csv", "CMS ASP payment limits, January 2024 to January 2026"),
        (
            "data/reference/mue.csv",
            "Medicare NCCI MUEs with MAI 2024-07-01 (practitioner, outpatient hospital, "
            "DME supplier); Medicaid practitioner MUEs Q1 2026",
        ),
        ("data/reference/ncci_aoc.csv", "Medicare NCCI add-on code edits 2024-06-03"),
        ("data/reference/ncci_ptp.csv", "Medicare NCCI PTP edits 2024-07-01 (practitioner, outpatient hospital)"),
        ("data/reference/drugs.csv", "SC drugs: HCPCS dosage (ASP file), packages (NDC-HCPCS crosswalk January 2026)"),
        ("data/reference/payer_policies.csv", "payer policy pages listed in the table"),
        ("data/reference/policy_timeline.csv", "dated policy sources listed in the table"),
        *((e, "loaded for this report") for e in extra),
    ]
    rows += [{"source": f, "title": t, "address": "(file in this repository)"} for f, t in files]
    return pd.DataFrame(rows)


def footer_html(p: Params, data_sources: Iterable[str] = ()) -> str:
    """Footer: render date, parameters and the data sources."""
    return report_footer(
        f"parameters: code {p.code}, year {p.year}, payers {', '.join(p.payers)}, locality {p.locality or 'national'}.",
        data_sources,
    )


# ----------------------------------------------------------------------------- commercial


@dataclass(frozen=True)
class Benchmarks:
    """The negotiated-rate benchmark section: a note, a table by payer, the individual rates it is
    made of (table, chart and list come from the same rows) and the files it used."""

    note: str
    table: pd.DataFrame | None
    caption: str
    figure: object | None
    sources: tuple[str, ...]
    rates: pd.DataFrame | None = None
    rates_caption: str = ""


BENCHMARK_LINES = ("Aetna", "BCBS", "Cigna", "UnitedHealthcare", "Other")
MA_LINE = "Medicare Advantage (all payers)"
_FILL = {
    "institutional": "a hospital standard-charge file naming this payer (`infusion rates extract`)",
    "professional": "the payer's Transparency in Coverage in-network file (`infusion rates extract`)",
}


def default_rates_path() -> str:
    from ..rates.summary import rates_file

    return str(rates_file(None))


def _line(rows: pd.DataFrame, payer: str, lob: str, cls: str, medicare: float | None) -> dict:
    """One line of the benchmark table from the individual rates ``rows`` (n, hospitals, states,
    median and range, median as a % of Medicare); "data not available" when there are none."""
    base = {"payer": payer, "line of business": lob, "billing class": cls}
    if rows.empty:
        return {
            **base,
            "n": 0,
            "hospitals": 0,
            "states": "",
            "median": NOT_AVAILABLE,
            "range": NOT_AVAILABLE,
            "median % of Medicare": NOT_AVAILABLE,
            "would fill it": _FILL[cls],
        }
    med = float(rows["rate"].median())
    states = sorted(str(s) for s in rows["state"].dropna().unique())
    return {
        **base,
        "n": len(rows),
        "hospitals": int(rows["provider_key"].nunique()),
        "states": ", ".join(states) if states else "not stated",
        "median": fmt_money(med),
        "range": f"{fmt_money(rows['rate'].min())}-{fmt_money(rows['rate'].max())}",
        "median % of Medicare": f"{100 * med / medicare:.0f}%" if medicare else NOT_AVAILABLE,
        "would fill it": "",
    }


def _no_rates_file(path: Path) -> Benchmarks:
    """The benchmarks section when the rates file ``path`` is missing: what would fill it."""
    return Benchmarks(
        f"**Negotiated rates: {NOT_AVAILABLE}.** The rates file {md(path.name)} is missing. Extract "
        "hospital standard-charge files or payers' Transparency in Coverage in-network files with "
        "`infusion rates extract FILE... --out rates.parquet` and render with `rates_path` set to it.",
        None,
        "",
        None,
        (),
    )


def commercial_benchmarks(p: Params) -> Benchmarks:
    """Negotiated in-network rates for ``p.code``: commercial lines per payer family and one
    Medicare Advantage line, each with n, hospitals, states, median and range and the median as a %
    of Medicare; the individual rates (hospital, file date, payer, plan, amount, file) below."""
    from ..rates.summary import rates_file, summarize
    from .figures import rates_box_figure

    path = rates_file(p.rates_path)
    if not path.exists():
        return _no_rates_file(path)
    s = summarize(path, p.code, p.year)
    wanted = [FAMILY_LABELS[f] for f in p.payers if f != "medicare"] + ["Other"]
    r = s.rates
    shown_rates = r[
        ((r["line_of_business"] == "commercial") & r["payer_family"].isin(wanted))
        | (r["line_of_business"] == "Medicare Advantage")
    ].copy()
    shown_rates["group"] = shown_rates["payer_family"].where(shown_rates["line_of_business"] == "commercial", MA_LINE)
    classes = [c for c in ("institutional", "professional") if c in set(r["billing_class"])] or ["institutional"]
    table = _benchmark_table(shown_rates, classes, wanted, s.medicare)
    detail = _rates_detail(shown_rates)
    fig = (
        rates_box_figure(
            shown_rates,
            p.code,
            s.medicare.get(classes[0]),
            s.illustrative,
            payer_col="group",
            reference=("OPPS" if classes[0] == "institutional" else "PFS"),
            source=(
                "Illustrative rates generated by scripts/make_sample_rates.py (fixed seed)."
                if s.illustrative
                else f"Source: {path.name}, the rates listed in the table."
            ),
        )
        if len(shown_rates)
        else None
    )
    caption = (
        "ILLUSTRATIVE negotiated rates" if s.illustrative else "Negotiated in-network rates"
    ) + f" for {p.code}, by payer (n = distinct rates)"
    extra = (path.name + " (illustrative)",) if s.illustrative else (path.name, "real_rate_files.csv")
    left = "; ".join(f"{int(x.n)} {md(x.reason)}" for x in s.excluded.itertuples()) or "none"
    return Benchmarks(
        _benchmark_note(p, s, shown_rates, left),
        table,
        caption,
        fig,
        extra,
        detail,
        f"The {len(detail)} rates behind the table, each with its hospital, file and date",
    )


def _benchmark_table(shown_rates: pd.DataFrame, classes: list[str], wanted: list[str], medicare: dict) -> pd.DataFrame:
    """One line per payer family (commercial) and one Medicare Advantage line, per billing class."""
    lines = []
    for cls in classes:
        ref = medicare.get(cls)
        mine = shown_rates[shown_rates["billing_class"] == cls]
        for fam in [f for f in BENCHMARK_LINES if f in wanted]:
            lines.append(_line(mine[mine["group"] == fam], fam, "commercial", cls, ref))
        lines.append(_line(mine[mine["group"] == MA_LINE], MA_LINE, "Medicare Advantage", cls, ref))
    table = pd.DataFrame(lines)
    return table if (table["would fill it"] != "").any() else table.drop(columns="would fill it")


def _benchmark_note(p: Params, s, shown_rates: pd.DataFrame, left: str) -> str:
    """What the benchmark shows, from which files, compared with which Medicare payment."""
    hospitals = shown_rates["reporting_entity"].nunique()
    dates = sorted(str(d)[:4] for d in shown_rates["last_updated"].dropna())
    span = f"files dated {dates[0]}-{dates[-1]}" if dates else "file dates not stated"
    label = (
        "**ILLUSTRATIVE SAMPLE DATA** — generated by `scripts/make_sample_rates.py` around Medicare "
        "times published commercial-to-Medicare ratios (HCCI 122% professional, RAND 254% hospital "
        "outpatient); not real payer rates. "
        if s.illustrative
        else ""
    )
    origin = (
        "generated payer files"
        if s.illustrative
        else f"{hospitals} hospitals' price-transparency files ({span}; each rate below with its hospital, "
        "file and date)"
    )
    return (
        f"{label}In-network negotiated rates for {p.code} from {origin}: commercial plans by payer "
        f"family, and Medicare Advantage plans of every payer as one line. The median is compared with "
        f"Medicare {p.year}: hospital (institutional) rates with the national OPPS rate "
        f"{fmt_money(s.medicare['institutional'])} (national, not wage-adjusted, so a hospital in a "
        "high-wage area is paid more by Medicare too), professional rates with the national PFS "
        f"payment {fmt_money(s.medicare['professional'])}. A rate repeated by one hospital for one payer "
        "family under several plan names counts once; out-of-network amounts and inpatient contracts are "
        f"left out. Where a payer has no rate: {NOT_AVAILABLE}, with what would fill it. Left out: {left}."
    )


def _rates_detail(shown_rates: pd.DataFrame) -> pd.DataFrame:
    """The individual rates with readable column names, as the report lists them."""
    detail = shown_rates.rename(
        columns={
            "reporting_entity": "hospital",
            "last_updated": "file date",
            "payer_name": "payer",
            "plan_name": "plan",
            "payer_family": "family",
            "line_of_business": "line of business",
            "rate": "amount",
            "source_file": "file",
            "billing_class": "billing class",
        }
    )
    detail["amount"] = detail["amount"].map(fmt_money)
    detail["plan"] = detail["plan"].fillna("")  # a payer-only column names no plan
    for col in ("state", "file date", "setting"):
        detail[col] = detail[col].fillna("not stated")
    detail["file"] = detail["file"].map(lambda f: Path(str(f)).name)
    return detail[
        [
            "hospital",
            "state",
            "file date",
            "payer",
            "plan",
            "family",
            "line of business",
            "setting",
            "billing class",
            "amount",
            "file",
        ]
    ].reset_index(drop=True)
