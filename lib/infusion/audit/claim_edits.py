"""The audit's claim-wide edits, over the lines kept beside the family (``read.PARTNERS``):

=========  =========================================================================================
N-PTP      an NCCI procedure-to-procedure pair with the family on one claim and date of service:
           modifier indicator 0 (never paid together) an error; indicator 1 with no 59/XE/XS/XP/XU
           (25 on an E/M) on a line of either code a warning. Medicare's practitioner edits for
           professional claims, outpatient hospital edits for institutional ones; the finding is on
           the family code's line (its column-2 line when both are of the family)
U-MUE      a drug's units on one date of service (every line, JW too) above Medicare's MUE of the
           claim's setting
D-WASTE    a single-dose drug (``reference/drugs.csv``) on a traditional Medicare claim from 1 July
           2023 with neither JZ nor JW on any of its lines that date; or with both JZ and JW
=========  =========================================================================================

Each returns parts in the shape ``checks.find`` collects: (rule, positions, units at risk,
messages, severity).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..coding.drugs import JZ_FROM
from ..reference import catalog, rows
from .read import FAMILY, KEPT

Part = tuple[str, np.ndarray, np.ndarray, np.ndarray, str | None]
_EPOCH = dt.date(1970, 1, 1)
_NEVER = 10**9  # days: an edit in force with no deletion date


@dataclass(frozen=True)
class ClaimLines:
    """What the claim-wide edits read of the kept lines (one entry per line)."""

    fam: np.ndarray  # code index into ``read.KEPT``
    group: np.ndarray  # claim-date group id (per date of service)
    days: np.ndarray  # date of service, days since 1970
    units: np.ndarray
    distinct: np.ndarray  # a 59/XE/XS/XP/XU/25 modifier on the line
    jw: np.ndarray
    jz: np.ndarray
    institutional: np.ndarray
    medicare: np.ndarray  # traditional Medicare payer
    order: np.ndarray  # rank of each line in its claim: line number, then as written, then file order


def _days(text: str) -> int:
    return _NEVER if text.startswith("9999") else (dt.date.fromisoformat(text) - _EPOCH).days


def _ptp_index() -> dict[tuple[bool, int, int], list[tuple[str, int, str]]]:
    """(institutional, code index a, code index b) -> [(indicator, deletion day, column 2)] for the
    kept codes, both orders."""
    at = {c: i for i, c in enumerate(KEPT)}
    out: dict[tuple[bool, int, int], list[tuple[str, int, str]]] = {}
    for r in rows.table("reference", "ncci_ptp.csv"):
        a, b = at.get(r["column1"]), at.get(r["column2"])
        if a is None or b is None:
            continue
        inst = r["setting"] == "outpatient-hospital"
        entry = (r["modifier_indicator"], _days(r["deletion_date"]), r["column2"])
        out.setdefault((inst, a, b), []).append(entry)
        out.setdefault((inst, b, a), []).append(entry)
    return out


def code_mask(fam: np.ndarray, codes) -> np.ndarray:
    """Whether each line's code (its index into ``read.KEPT``) is one of ``codes`` (indexes): one
    lookup per line in a table of the kept codes (``np.isin`` sorts)."""
    table = np.zeros(len(KEPT), dtype=bool)
    table[np.asarray(codes, dtype=np.int64)] = True
    return table[fam]


def _ptp_lines(cl: ClaimLines, codes: np.ndarray) -> pd.DataFrame | None:
    """Per claim-date and code, the lines of listed codes on claim-dates with a trigger (a code other
    than 96369-96371) and a family line, where two or more codes meet; None when there are none."""
    listed = code_mask(cl.fam, codes)
    # every pair has a code other than 96369-96371 (96372, the E/M, 96523 ...): only claim-dates with
    # one are read further, so a file of infusions alone costs one pass
    trigger = listed & ~code_mask(cl.fam, [FAMILY.index(c) for c in ("96369", "96370", "96371")])
    if not trigger.any():
        return None
    # the claim-dates with a trigger and a family line, marked by group id (dense: no hashing)
    n_groups = int(cl.group.max()) + 1
    with_trigger = np.zeros(n_groups, dtype=bool)
    with_trigger[cl.group[trigger]] = True
    with_family = np.zeros(n_groups, dtype=bool)
    with_family[cl.group[cl.fam < len(FAMILY)]] = True
    keep = np.flatnonzero(listed & (with_trigger & with_family)[cl.group])
    per = _per_date_code(
        cl,
        keep,
        first={"day": cl.days, "inst": cl.institutional},
        total={"units": cl.units},
        any_of={"distinct": cl.distinct},
    )
    per = per[per["g"].map(per["g"].value_counts()) > 1]
    return None if per.empty else per


def ptp_parts(cl: ClaimLines) -> list[Part]:
    """N-PTP over the claim-dates that have a family line and a partner code."""
    index = _ptp_index()
    per = _ptp_lines(cl, np.unique([k[1] for k in index]))
    if per is None:
        return []
    pairs = per.merge(per, on="g", suffixes=("_a", "_b"))
    pairs = pairs[(pairs["fam_a"] < pairs["fam_b"]) & ((pairs["fam_a"] < len(FAMILY)) | (pairs["fam_b"] < len(FAMILY)))]
    found: dict[str, list] = {"pos": [], "risk": [], "msg": [], "sev": []}
    for r in pairs.itertuples(index=False):
        edits = [e for e in index.get((bool(r.inst_a), int(r.fam_a), int(r.fam_b)), []) if e[1] > r.day_a]
        if not edits:
            continue
        zero = [e for e in edits if e[0] == "0"]
        indicator, _, col2 = (zero or edits)[0]
        a, b = KEPT[r.fam_a], KEPT[r.fam_b]
        col1 = a if col2 == b else b
        if indicator == "1" and (r.distinct_a or r.distinct_b):
            continue
        # on the family line: column 2 when both are of the family
        on_b = r.fam_b < len(FAMILY) and (r.fam_a >= len(FAMILY) or col2 == b)
        pos, units, code = (r.pos_b, r.units_b, b) if on_b else (r.pos_a, r.units_a, a)
        found["pos"].append(pos)
        found["risk"].append(units if code == col2 else 0)
        setting = "outpatient hospital" if r.inst_a else "practitioner"
        if indicator == "0":
            found["msg"].append(
                f"{col1}/{col2} on the same claim-date: an NCCI {setting} pair with modifier "
                f"indicator 0, {col2} is never paid with {col1}"
            )
            found["sev"].append("error")
        else:
            found["msg"].append(
                f"{col1}/{col2} on the same claim-date with no 59/XE/XS/XP/XU (25 on an E/M) on "
                f"either line: an NCCI {setting} pair with modifier indicator 1, {col2} is paid "
                "only when marked distinct"
            )
            found["sev"].append("warning")
    if not found["pos"]:
        return []
    sev = np.array(found["sev"], dtype=object)
    pos, risk, msg = (np.array(found[k], dtype=np.int64 if k != "msg" else object) for k in ("pos", "risk", "msg"))
    return [
        ("N-PTP", pos[sev == s], risk[sev == s], msg[sev == s], s) for s in ("error", "warning") if (sev == s).any()
    ]


def drug_rows() -> dict[int, dict[str, str]]:
    """The drugs of ``reference/drugs.csv`` by their code index into ``read.KEPT``."""
    at = {c: i for i, c in enumerate(KEPT)}
    return {at[r["hcpcs"]]: r for r in rows.table("reference", "drugs.csv") if r["hcpcs"] in at}


def drug_parts(cl: ClaimLines) -> list[Part]:
    """U-MUE and D-WASTE of the drug lines, per code and date of service."""
    drugs = drug_rows()
    keep = np.flatnonzero(code_mask(cl.fam, list(drugs)))
    if not len(keep):
        return []
    per = _drug_dates(cl, keep)
    return _drug_mue(per, drugs) + _drug_waste(per, drugs)


def _drug_dates(cl: ClaimLines, keep: np.ndarray) -> pd.DataFrame:
    """The drug lines ``keep`` summed up per claim-date and code, in line order: the first line's
    position, kind of claim, payer and day; the units; whether any line has JW, JZ."""
    return _per_date_code(
        cl,
        keep,
        first={"inst": cl.institutional, "medicare": cl.medicare, "day": cl.days},
        total={"units": cl.units},
        any_of={"jw": cl.jw, "jz": cl.jz},
    )


def _per_date_code(
    cl: ClaimLines,
    keep: np.ndarray,
    first: dict[str, np.ndarray],
    total: dict[str, np.ndarray],
    any_of: dict[str, np.ndarray],
) -> pd.DataFrame:
    """The lines at positions ``keep`` summed up per claim-date and code: one row per (``g``, ``fam``),
    in order of each one's first line by ``cl.order``, with that first line's position (``pos``) and
    value of each column of ``first``, the sum of each column of ``total`` (int64) and whether any
    line has each of ``any_of`` (columns of every line, as ``cl``'s). A stable sort by (claim-date,
    code) of the lines in line order and one reduction per column (pandas' grouped ``first``, ``sum``
    and ``any`` did the same several times slower)."""
    line_order = np.argsort(cl.order[keep], kind="stable")
    at = keep[line_order]  # the lines in line order
    key = cl.group[at].astype(np.int64) * len(KEPT) + cl.fam[at]
    by_key = np.argsort(key, kind="stable")  # each (claim-date, code) together, its lines in line order
    sorted_key = key[by_key]
    heads = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]]) if len(at) else np.empty(0, np.int64)
    shown = np.argsort(by_key[heads], kind="stable")  # the groups in order of their first line
    firsts = at[by_key[heads]][shown]
    out = {"g": cl.group[firsts], "fam": cl.fam[firsts], "pos": firsts}
    for name, values in first.items():
        out[name] = values[firsts]
    for name, values in total.items():
        out[name] = (
            np.add.reduceat(values[at][by_key].astype(np.int64), heads)[shown] if len(heads) else np.empty(0, np.int64)
        )
    for name, values in any_of.items():
        out[name] = np.logical_or.reduceat(values[at][by_key], heads)[shown] if len(heads) else np.empty(0, bool)
    return pd.DataFrame(out)


def _drug_mue(per: pd.DataFrame, drugs: dict[int, dict]) -> list[Part]:
    """U-MUE of the drugs' units per claim-date (``_drug_dates``), by the kind of claim's MUE."""
    limits = {
        (f, inst): catalog.mue_for(KEPT[f], "institutional" if inst else "professional")
        for f in drugs
        for inst in (False, True)
    }
    table = np.full((len(KEPT), 2), -1, dtype=np.int64)  # code index, institutional -> MUE (-1: none)
    for (f, inst), row in limits.items():
        if row and str(row["mue"]).isdigit():
            table[f, int(inst)] = int(row["mue"])
    lim = table[per["fam"].to_numpy(np.int64), per["inst"].to_numpy(bool).astype(np.int64)]
    over = (lim >= 0) & (per["units"].to_numpy() > lim)
    if not over.any():
        return []
    o = per[over]
    names = [
        f"{KEPT[f]} x{u} on the date of service (every line, JW too) is above the MUE of {m} (Medicare "
        f"{'outpatient hospital' if i else 'practitioner'} MUE 2024-07-01, MAI "
        f"{(limits[(f, bool(i))] or {}).get('mai') or 'data not available'})"
        for f, u, m, i in zip(o["fam"], o["units"], lim[over], o["inst"])
    ]
    return [
        (
            "U-MUE",
            o["pos"].to_numpy(np.int64),
            (o["units"].to_numpy() - lim[over]).astype(np.int64),
            np.array(names, dtype=object),
            None,
        )
    ]


def _drug_waste(per: pd.DataFrame, drugs: dict[int, dict]) -> list[Part]:
    """D-WASTE per claim-date (``_drug_dates``): a single-dose drug on a Medicare claim from 1 July
    2023 with neither JZ nor JW, or with both."""
    single_dose = np.zeros(len(KEPT), dtype=bool)
    single_dose[[f for f, r in drugs.items() if r["single_dose"] == "yes"]] = True
    single = single_dose[per["fam"].to_numpy(np.int64)]
    due = single & per["medicare"].to_numpy(bool) & (per["day"].to_numpy() >= (JZ_FROM - _EPOCH).days)
    missing = due & ~per["jw"].to_numpy(bool) & ~per["jz"].to_numpy(bool)
    both = due & per["jw"].to_numpy(bool) & per["jz"].to_numpy(bool)
    out: list[Part] = []
    for mask, why in (
        (
            missing,
            "from single-dose vials on a Medicare claim with neither JZ (nothing discarded) "
            "nor a JW line (the discarded units): one of them is required from 1 July 2023",
        ),
        (
            both,
            "with both JZ and JW on the date of service: JZ says nothing was discarded, JW bills a discarded amount",
        ),
    ):
        if mask.any():
            o = per[mask]
            out.append(
                (
                    "D-WASTE",
                    o["pos"].to_numpy(np.int64),
                    np.zeros(int(mask.sum()), dtype=np.int64),
                    np.array([f"{KEPT[f]} {why}" for f in o["fam"]], dtype=object),
                    None,
                )
            )
    return out
