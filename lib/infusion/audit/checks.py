"""The audit's checks: one vectorised mask per rule over the family lines read by ``read``.

Lines are grouped by claim and date of service (a claim-date: one encounter as a claim shows it);
the aggregates of a claim-date (96369 lines, 96370 units, first start and last stop, units per code)
are ``np.bincount`` / ``ufunc.at`` over integer group ids, then each rule is a boolean mask:

=========  =========================================================================================
U-ADDON    96370 or 96371 without 96369 on the same claim and date of service (on an institutional
           claim, or the day before: a hospital encounter past midnight is one encounter, 100-04
           ch. 4 §230.2; its lines form one group for every check but the MUE, which is per date)
U-INIT     96369 with more than 1 unit, or on more than one line of a claim-date without 59/X{EPSU}
U-PUMP     96371 with more than 1 unit
U-HOUR     96370 units above what the documented time supports (time = the union of the start-stop
           intervals of the claim-date's 96369/96370 lines: a gap between two lines is not counted;
           a pause inside one line cannot be seen on a claim line)
T-DOC      96370 with no start/stop times documented on the claim-date
T-DATE     a stop time before its start time
U-MUE      units per date of service above Medicare's MUE for the claim's setting (practitioner for
           professional claims, outpatient hospital for institutional ones; 2024-07-01, with its MAI)
S-FACILITY 96369-96372 on a professional claim with a facility place of service
S-HOME     96369/96370 with place of service 12 (home)
M-VALID    a modifier that is not a CPT/HCPCS modifier (00, 11, ...), as ``modifiers.modifier_problem``
M-DRUG     JW / JZ / JB on the administration line: they belong on the drug line (no units at risk)
M-25       modifier 25 on the administration line: it belongs on the E/M (no units at risk)
M-PO-PN    both PO and PN on one line: an off-campus department is excepted or not, never both
U-SHORT    96369 (and its add-ons 96370, 96371) on a claim-date whose documented time is 15 minutes
           or less (``units.SHORT_MAX_MINUTES``: not an infusion, 96372 is reported; an error, at
           risk the payment of 96369 less 96372's). 96372 beside 96369 is the NCCI pair's (N-PTP):
           paid with XS/59 for an injection at a separate site
S-INITIAL  96369 with another initial administration code (96360, 96365, 96374, 96409, 96413: CMS
           RAC topic 0071) on the claim-date and no 59/XE/XS/XP/XU on either line
A-DUP      the same code, units and modifiers again on one claim-date
N-PTP,     NCCI pairs, the drug lines' MUE and JZ/JW: ``claim_edits``
D-WASTE
=========  =========================================================================================

"First" on a claim-date means the lowest line number (then the line number as written, then file
order); a second 96369, the MUE and duplicates are judged from it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..coding.modifiers import DISTINCT, modifier_problem, placement_problem
from ..coding.rules import cite
from ..coding.units import SHORT_MAX_MINUTES, additional_hours
from ..reference import catalog, tables
from ..reference.payers import classify
from . import values as V
from .claim_edits import ClaimLines, drug_parts, ptp_parts
from .read import FAMILY, KEPT, OTHER_INITIAL, Lines

SEVERITY = {"U-ADDON": "error", "U-INIT": "error", "U-PUMP": "error", "U-HOUR": "error",
            "T-DOC": "warning", "T-DATE": "error", "U-MUE": "warning", "S-FACILITY": "error",
            "S-HOME": "error", "M-VALID": "error", "U-SHORT": "warning", "A-DUP": "warning",
            "M-DRUG": "warning", "M-25": "warning", "M-PO-PN": "error", "S-INITIAL": "warning",
            "N-PTP": "warning", "D-WASTE": "warning"}
I69, I70, I71, I72 = range(4)
NA = V.NA_INT


def _s(x) -> np.ndarray:
    """Elementwise text (object array) so that ``+`` concatenates."""
    return np.asarray(x).astype(str).astype(object)


def _mue_by_family(claim: str) -> tuple[np.ndarray, list[str]]:
    """The MUE of 96369..96372 on a ``claim`` of this type (-1 where we have none) and, per code, the
    text naming it (file and MAI), from ``catalog.mue_for``: Medicare's practitioner MUE for
    professional claims, the outpatient hospital MUE for institutional ones."""
    rows_ = [catalog.mue_for(c, claim) for c in FAMILY]
    limits = np.array([int(r["mue"]) if r and str(r["mue"]).isdigit() else -1 for r in rows_])
    names = [f"{r['program'].replace('-', ' ')} MUE {r['effective']}, MAI {r['mai'] or 'data not available'}"
             if r else "" for r in rows_]
    return limits, names


def _facility_pos(program: str = "commercial") -> frozenset[str]:
    """Places of service where the facility, not the physician, bills drug administration, for
    ``program`` (the engine's lists, ``catalog.facility_places``)."""
    return catalog.facility_places(program)


def _traditional_medicare(payer: str | None) -> bool:
    """Whether a claim's payer is traditional Medicare (``reference.payers.classify``: "MEDICARE
    PART B", "Medicare"; not a Medicare Advantage plan, which follows its own policy)."""
    return classify(payer).family == "medicare"


def _zip_localities(zips: list[str | None]) -> np.ndarray:
    """MAC-locality (``01112-05``) of each ZIP (5 digits, or ZIP+4), None where not found."""
    five = [z[:5] if z and z[:5].isdigit() else None for z in zips]
    loc = tables.zip_localities(z for z in five if z)
    return np.array([loc.get(z) if z else None for z in five], dtype=object)


def _first_in_group(keys: list[np.ndarray], order_keys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Positions sorted by (keys..., order_keys...), and whether each is the first of its group of
    equal ``keys``."""
    order = np.lexsort(tuple(reversed(keys + order_keys)))  # lexsort's last key is the primary one
    same = np.ones(max(len(order) - 1, 0), dtype=bool)
    for k in keys:
        ks = k[order]
        same &= ks[1:] == ks[:-1]
    return order, np.concatenate([[True], ~same])[: len(order)]


def _claim_ids(claim: pa.ChunkedArray) -> tuple[np.ndarray, int]:
    """Dense ids of the claim ids, and how many there are.

    Extracts list a claim's lines together, so only the first line of each run of equal claim ids
    needs an id; every line takes its run's id. When the run heads are in increasing order (by
    text, or by length then text: ``C9`` < ``C10``), as in an extract sorted by claim, they are
    all different and a run's number is its claim's id. Otherwise the heads are hashed (pyarrow
    dictionary encoding), split in two by the low bit of their last byte (equal ids fall in the
    same half) and the halves hashed in parallel. Correct in any order: a claim in several runs
    gets the same id for each.
    """
    n = len(claim)
    if n == 0:
        return np.empty(0, dtype=np.int32), 0
    claim = claim.combine_chunks()
    new_run = np.ones(n, dtype=bool)
    new_run[1:] = pc.not_equal(claim.slice(1), claim.slice(0, n - 1)).to_numpy(zero_copy_only=False)
    heads = claim.take(pa.array(np.flatnonzero(new_run)))
    run = np.cumsum(new_run, dtype=np.int32) - 1
    offsets = np.frombuffer(heads.buffers()[1], dtype=np.int32)[heads.offset: heads.offset + len(heads) + 1]
    if _increasing(heads, np.diff(offsets)):
        return run, len(heads)
    data = np.frombuffer(heads.buffers()[2], dtype=np.uint8)
    half = data[np.maximum(offsets[1:] - 1, 0)] & 1
    parts = [np.flatnonzero(half == b) for b in (0, 1)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        encoded = list(pool.map(lambda p: pc.dictionary_encode(heads.take(pa.array(p))), parts))
    head_ids = np.empty(len(heads), dtype=np.int32)
    base = 0
    for p, enc in zip(parts, encoded):
        head_ids[p] = enc.indices.to_numpy(zero_copy_only=False) + base
        base += len(enc.dictionary)
    return head_ids[run], base


def _increasing(texts: pa.Array, lengths: np.ndarray) -> bool:
    """Whether each of ``texts`` (no nulls) is after the one before it, by bytes or by (length, bytes)."""
    if len(texts) < 2:
        return True
    after = pc.greater(texts.slice(1), texts.slice(0, len(texts) - 1)).to_numpy(zero_copy_only=False)
    if after.all():
        return True
    longer, same = lengths[1:] > lengths[:-1], lengths[1:] == lengths[:-1]
    return bool((longer | (same & after)).all())


def _overnight(gid: np.ndarray, ng: int, days: np.ndarray, fam: np.ndarray, institutional: np.ndarray,
               claim: np.ndarray) -> np.ndarray | None:
    """Group ids with each institutional claim-date that has 96370/96371 and no 96369 joined to the
    claim's day before, when that day has a 96369 (or has itself been joined to one that has): an
    infusion or observation stay past midnight is one hospital encounter (100-04 ch. 4 §230.2).
    Professional claims keep a group per date. ``claim``: each line's claim number. None when
    nothing is joined."""
    has69 = np.bincount(gid[fam == 0], minlength=ng) > 0
    addon = np.bincount(gid[(fam == 1) | (fam == 2)], minlength=ng) > 0
    inst = np.bincount(gid[institutional], minlength=ng) > 0
    candidates = np.flatnonzero(addon & ~has69 & inst)
    if not len(candidates):
        return None
    day = np.zeros(ng, dtype=np.int64)
    day[gid] = days
    claim_of = np.zeros(ng, dtype=np.int64)
    claim_of[gid] = claim
    # the claim-dates of the candidates' claims only (a file may hold millions of others)
    near = np.unique(gid[np.isin(claim, claim_of[candidates])])
    index = {(int(claim_of[x]), int(day[x])): x for x in near}
    root = np.arange(ng)
    for x in sorted(candidates, key=lambda x: (claim_of[x], day[x])):
        before = index.get((int(claim_of[x]), int(day[x]) - 1))
        if before is not None and inst[before] and has69[root[before]]:
            root[x] = root[before]
    return root[gid] if (root != np.arange(ng)).any() else None


def _covered_seconds(groups: np.ndarray, start: np.ndarray, stop: np.ndarray, ng: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Per group: the seconds covered by the union of the [start, stop] intervals of its lines that
    have both times in order, and whether it has any such line."""
    covered = np.zeros(ng, dtype=np.int64)
    has = np.zeros(ng, dtype=bool)
    ok = (start != NA) & (stop != NA) & (stop >= start)
    if not ok.any():
        return covered, has
    g, a, b = groups[ok], start[ok], stop[ok]
    order = np.lexsort((a, g))
    g, a, b = g[order], a[order], b[order]
    reach = pd.Series(b).groupby(g).cummax().to_numpy()   # the furthest stop so far in the group
    before = np.r_[np.iinfo(np.int64).min, reach[:-1]]
    before[np.r_[True, g[1:] != g[:-1]]] = np.iinfo(np.int64).min
    np.add.at(covered, g, np.maximum(b - np.maximum(a, before), 0))
    has[g] = True
    return covered, has


def _line_order(number: np.ndarray, rank: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Each line's rank in file-wide order by line number (NA first), as written, then file order:
    the "first" line of a group does not depend on the order of the file."""
    order = np.lexsort((row, rank, np.where(number == NA, 0, number)))
    out = np.empty(len(order), dtype=np.int64)
    out[order] = np.arange(len(order))
    return out


def _when(d: dict, c: dict, which: str, rows: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Start or stop of lines ``rows`` in seconds from the start of the line's date of service (NA
    where not documented). A claim-date's lines share that date, so these compare and subtract
    like times: a clock time is its seconds of the day, a date and time is moved to that day."""
    f = d[which]
    kind_d = f.field(0)
    t = np.where(kind_d == 0, NA, f.field(1))[c[which][rows]]
    if (kind_d == 2).any():
        dated = np.flatnonzero(kind_d[c[which][rows]] == 2)
        t[dated] -= days[rows[dated]].astype(np.int64) * 86400
    return t


def find(lines: Lines) -> pd.DataFrame:
    """One row per finding: keys of the line (claim, line, date, code, payer), the rule, units at
    risk and message (without the rule's reference), plus what pricing needs (institutional, loc).

    Work is done per code on that code's lines (``at[k]``: positions of the lines of FAMILY[k]),
    with claim-date totals as ``np.bincount`` over group ids: few large temporaries.
    """
    d, c = lines.distinct, lines.cols
    n = len(lines.row)
    if n == 0:
        return pd.DataFrame(columns=["pos", "rule", "at_risk", "msg", "severity"])
    # the claim ids are hashed (pyarrow, GIL released) while the per-distinct tables are prepared
    with ThreadPoolExecutor(max_workers=1) as pool:
        claim_ids = pool.submit(_claim_ids, lines.claim)
        fam = d["code"].field(2)[c["code"]]
        days = d["date_of_service"].field(0)[c["date_of_service"]]
        at = [np.flatnonzero(fam == k) for k in range(len(FAMILY))]
        # lines of other initial codes (S-INITIAL): seen, not checked; partner codes come after them
        other = np.flatnonzero((fam >= len(FAMILY)) & (fam < len(FAMILY) + len(OTHER_INITIAL)))
        ln_text = d["line_number"].field(0)
        ln_rank = np.empty(len(ln_text), dtype=np.int64)
        ln_rank[np.argsort(ln_text.astype(str), kind="stable")] = np.arange(len(ln_text))
        tokens = d["modifiers"].field(0)
        mod_key = pd.factorize(np.array(["|".join(sorted(t)) for t in tokens], dtype=object))[0]
        distinct_mod = np.array([any(t in DISTINCT for t in ts) for ts in tokens], dtype=bool)
        problems = [[p for t in ts if (p := modifier_problem(t))] for ts in tokens]
        placed = [[pl for t in ts if (pl := placement_problem(t))] for ts in tokens]
        misplaced = {rule: np.array(["; ".join(why for r, why in ps if r == rule) for ps in placed], dtype=object)
                     for rule in ("M-DRUG", "M-25")}  # per distinct modifier text: why, or ""
        po_and_pn = np.array(["PO" in ts and "PN" in ts for ts in tokens], dtype=bool)
        pos_text = d["pos"].field(0)
        # facility places by program: traditional Medicare's (100-04 ch. 12 §20.4.2) or the payers'
        medicare_payer = np.array([_traditional_medicare(p) for p in d["payer"].field(0)], dtype=bool)
        facility_com, facility_med = _facility_pos("commercial"), _facility_pos("medicare")
        facility_d = {prog: np.array([p in places for p in pos_text], dtype=bool)
                      for prog, places in (("commercial", facility_com), ("medicare", facility_med))}
        mue_pro, mue_pro_name = _mue_by_family("professional")
        mue_inst, mue_inst_name = _mue_by_family("institutional")
        units_d = d["units"].field(0)
        gid, ng = claim_ids.result()

    # claim-date groups: a claim is one group unless it has lines on several dates, whose
    # (claim, date) pairs get ids of their own
    claim_no = gid  # each line's claim, before the groups are split by date
    first_day = np.full(ng, np.iinfo(np.int32).max, dtype=np.int32)
    np.minimum.at(first_day, gid, days)
    multi = days != first_day[gid]              # not on the claim's first date ...
    if multi.any():                             # ... or its claim has such lines
        multi |= np.bincount(gid[multi], minlength=ng).astype(bool)[gid]
        pair = gid[multi].astype(np.int64) * (int(days.max()) - int(days.min()) + 1) + (days[multi] - days.min())
        which, uniq = pd.factorize(pair)
        gid = gid.astype(np.int64)
        gid[multi] = ng + which
        ng += len(uniq)
    gid_date = gid  # claim-date groups: the MUE is per date of service
    institutional_line = d["claim_type"].field(1)[c["claim_type"]]
    # 100-04 ch. 4 §230.2: a hospital encounter over midnight (an observation stay) is one encounter:
    # on an institutional claim, a date with add-ons and no 96369 joins the day before, when it has one
    joined = _overnight(gid, ng, days, fam, institutional_line, claim_no) if multi.any() else None
    if joined is not None:
        gid = joined

    g = [gid[a] for a in at]                                        # group of each line, per code
    u = [units_d[c["units"][a]] for a in at]                        # units of each line, per code
    count = [np.bincount(gk, minlength=ng) for gk in g]                 # lines of code k per claim-date
    total = [np.bincount(gk, weights=uk, minlength=ng).astype(np.int64)  # and their units
             for gk, uk in zip(g, u)]

    def n69(k: int) -> np.ndarray:  # 96369 lines on the claim-date of each line of code k
        return count[I69][g[k]]

    # documented time of a claim-date: last stop minus first start of its 96369/96370 lines
    timed = np.concatenate([at[I69], at[I70]])
    g_t = gid[timed]
    t_start, t_stop = _when(d, c, "start_time", timed, days), _when(d, c, "stop_time", timed, days)
    if joined is not None:  # times of an encounter's later dates, from its first date's midnight
        enc_day = np.full(ng, np.iinfo(np.int32).max, dtype=np.int64)
        np.minimum.at(enc_day, gid, days)
        shift = (days[timed].astype(np.int64) - enc_day[g_t]) * 86400
        t_start = np.where(t_start != NA, t_start + shift, NA)
        t_stop = np.where(t_stop != NA, t_stop + shift, NA)
    first_start = np.full(ng, np.iinfo(np.int64).max)
    last_stop = np.full(ng, NA)
    m = t_start != NA
    np.minimum.at(first_start, g_t[m], t_start[m])
    m = t_stop != NA
    np.maximum.at(last_stop, g_t[m], t_stop[m])
    documented = (first_start != np.iinfo(np.int64).max) & (last_stop != NA)
    secs = np.where(documented, last_stop - first_start, 0)
    # the lines with both times count the time they cover (their union: 96369 09:00-09:50 and 96370
    # 11:00-11:45 are 95 minutes, not the 165 between first start and last stop); the span is kept
    # for a claim-date where no line has both times
    covered, has_both = _covered_seconds(g_t, t_start, t_stop, ng)
    secs = np.where(has_both, covered, secs)
    # whole minutes, partial minutes dropped (as the engine's timing)
    minutes_g = np.where(documented, np.sign(secs) * (np.abs(secs) // 60), NA)
    # U-HOUR: the engine's rule (units.additional_hours), applied once per distinct number of minutes
    which, distinct_minutes = pd.factorize(np.where(documented, minutes_g, 0))
    supported_g = np.array([additional_hours(int(x)) for x in distinct_minutes], dtype=np.int64)[which]

    # order inside a claim-date: line number, then as written, then file order (repeated codes only)
    ln_no = d["line_number"].field(1)
    nth_code = [np.ones(len(a), dtype=np.int8) for a in at]
    dups: list[tuple[np.ndarray, np.ndarray]] = []     # (positions, line id of the first of its group)
    for k, a in enumerate(at):
        if not len(a) or count[k].max() < 2:
            continue
        rep = np.flatnonzero(count[k][g[k]] > 1)            # within code k
        pos_rep = a[rep]
        ln_id = c["line_number"][pos_rep]
        number = ln_no[ln_id]
        order_keys = [np.where(number == NA, 0, number), ln_rank[ln_id], lines.row[pos_rep]]
        order, first = _first_in_group([g[k][rep]], order_keys)
        nth_code[k][rep[order[~first]]] = 2
        order, first = _first_in_group([g[k][rep], u[k][rep], mod_key[c["modifiers"][pos_rep]]], order_keys)
        group_start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
        later = order[~first]
        dups.append((pos_rep[later], ln_id[order[group_start][~first]]))

    family_code = np.array(KEPT, dtype=object)
    # (rule, positions, at risk, message, severity: None for the rule's own, ``SEVERITY``)
    parts: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, str | None]] = []

    def checked(mask: np.ndarray) -> np.ndarray:
        """``mask`` (one entry per line) without the lines of other initial codes."""
        return mask & (fam < len(FAMILY))

    def add(rule: str, k: int | None, mask: np.ndarray, at_risk, msg, severity: str | None = None) -> None:
        """Lines of code k (or positions ``k is None``: ``mask`` already holds them) where ``mask``."""
        ix = np.flatnonzero(mask) if k is not None else mask
        if not len(ix):
            return
        risk = np.broadcast_to(np.asarray(at_risk(ix) if callable(at_risk) else at_risk), ix.shape)
        text = msg(ix) if callable(msg) else np.full(len(ix), msg, dtype=object)
        parts.append((rule, at[k][ix] if k is not None else ix, risk, text, severity))

    for k in (I70, I71):
        add("U-ADDON", k, n69(k) == 0, lambda i, k=k: u[k][i],
            lambda i, k=k: f"add-on {FAMILY[k]} without 96369 on the same claim and date of service"
                           + np.where(institutional_line[at[k][i]], " or the day before (one hospital encounter "
                                      "may pass midnight)", ""))
    add("U-INIT", I69, u[I69] > 1, lambda i: u[I69][i] - 1,
        lambda i: "96369 x" + _s(u[I69][i]) + ": one unit per encounter")
    add("U-INIT", I69, (nth_code[I69] > 1) & ~distinct_mod[c["modifiers"][at[I69]]], lambda i: u[I69][i],
        "a second 96369 on the claim-date without 59/XS/XE/XP/XU: one initial code per encounter")
    add("U-PUMP", I71, u[I71] > 1, lambda i: u[I71][i] - 1,
        lambda i: "96371 x" + _s(u[I71][i]) + ": reported once per encounter whatever the number of extra pumps")
    minutes = minutes_g[g[I70]]
    add("T-DOC", I70, minutes == NA, lambda i: u[I70][i],
        lambda i: "96370 x" + _s(u[I70][i]) + " with no start/stop times documented on the claim-date: "
                  "the additional hours cannot be supported")
    # U-SHORT: a claim-date of 15 documented minutes or less is not an infusion (the span of the
    # times is at least the infusion time, so a short span is a short infusion)
    short_g = documented & (minutes_g >= 0) & (minutes_g <= SHORT_MAX_MINUTES)
    add("U-SHORT", I69, short_g[g[I69]], lambda i: u[I69][i],
        lambda i: "96369 on a claim-date with " + _s(minutes_g[g[I69][i]]) + f" documented minutes: "
                  f"{SHORT_MAX_MINUTES} minutes or less is not an infusion, report 96372 (at risk: "
                  "96369's payment less 96372's)", "error")
    for k in (I70, I71):
        add("U-SHORT", k, short_g[g[k]], lambda i, k=k: u[k][i],
            lambda i, k=k: f"{FAMILY[k]} x" + _s(u[k][i]) + " on a claim-date with " + _s(minutes_g[g[k][i]])
                           + f" documented minutes: {SHORT_MAX_MINUTES} minutes or less is 96372, which "
                           "takes no add-on", "error")
    if len(at[I70]):
        u70, supported = total[I70][g[I70]], supported_g[g[I70]]
        add("U-HOUR", I70, (minutes != NA) & (minutes >= 0) & (u70 > supported) & ~short_g[g[I70]],
            lambda i: np.minimum(u[I70][i], u70[i] - supported[i]),
            lambda i: "96370 x" + _s(u70[i]) + " on the claim-date, but " + _s(minutes[i])
                      + " documented minutes support " + _s(supported[i]))
    add("T-DATE", None, timed[(t_start != NA) & (t_stop != NA) & (t_stop < t_start)], 0,
        "stop time before start time on this line: give dates for an infusion that crosses midnight")
    for k in range(len(FAMILY)):  # U-MUE: per date of service, by the claim's setting
        if not len(at[k]):
            continue
        code_total, first_of_date = total[k][g[k]], nth_code[k] == 1
        if joined is not None:  # per date of service, not per encounter
            gd = gid_date[at[k]]
            code_total = np.bincount(gd, weights=u[k], minlength=ng).astype(np.int64)[gd]
            order, first = _first_in_group([gd], [lines.row[at[k]]])
            first_of_date = np.zeros(len(gd), dtype=bool)
            first_of_date[order[first]] = True
        inst_k = institutional_line[at[k]]
        limit = np.where(inst_k, mue_inst[k], mue_pro[k])
        over = (limit >= 0) & (code_total > limit) & first_of_date
        add("U-MUE", k, over,
            lambda i, k=k, t=code_total, lim=limit: np.minimum(u[k][i], t[i] - lim[i]),
            lambda i, k=k, t=code_total, lim=limit, inst=inst_k: (
                f"{FAMILY[k]} x" + _s(t[i]) + " on the claim-date is above the MUE of " + _s(lim[i]) + " ("
                + np.where(inst[i], mue_inst_name[k], mue_pro_name[k]) + ")"))
    professional = d["claim_type"].field(0)[c["claim_type"]]
    line_medicare = medicare_payer[c["payer"]]
    facility = np.where(line_medicare, facility_d["medicare"][c["pos"]], facility_d["commercial"][c["pos"]])
    add("S-FACILITY", None, np.flatnonzero(checked(professional & facility)),
        lambda i: units_d[c["units"][i]],
        lambda i: family_code[fam[i]] + " on a professional claim with facility place of service "
                  + pos_text[c["pos"][i]] + np.where(line_medicare[i], " (a facility setting for Medicare: "
                                                     "100-04 ch. 12 §20.4.2)", "")
                  + ": the facility bills the administration")
    add("S-HOME", None, timed[(pos_text == "12")[c["pos"][timed]]], lambda i: units_d[c["units"][i]],
        lambda i: family_code[fam[i]] + " with place of service 12 (home): home infusion uses 99601/99602 "
                  "and a per diem, or Medicare home infusion G-codes")
    if len(other) and len(at[I69]):  # S-INITIAL: another initial code beside 96369
        g_o = gid[other]
        other_n = np.bincount(g_o, minlength=ng)
        other_distinct = np.bincount(g_o, weights=distinct_mod[c["modifiers"][other]], minlength=ng) > 0
        other_code = np.zeros(ng, dtype=np.int64)
        other_code[g_o] = fam[other]  # the code named in the message (one of them)
        g69 = g[I69]
        named = family_code[other_code[g69]]
        iv_note = np.where(named == "96365", " (an IV infusion beside a subcutaneous one is unusual "
                           + cite("S-IV") + ")", "")
        add("S-INITIAL", I69, (other_n[g69] > 0) & ~other_distinct[g69] & ~distinct_mod[c["modifiers"][at[I69]]],
            lambda i: u[I69][i],
            lambda i: "96369 and " + named[i] + " on the same claim-date, neither with 59/XE/XS/XP/XU: one "
                      "initial administration code per encounter unless protocol requires separate sites"
                      + iv_note[i])
    for positions, first_ln in dups:
        add("A-DUP", None, positions, lambda i: units_d[c["units"][i]],
            lambda i, f=first_ln: "duplicate of line " + _s(ln_text[f]) + " (same code, units and modifiers)")

    # modifiers in the wrong place, judged once per distinct modifier text
    mods = c["modifiers"]
    for rule, why in misplaced.items():  # M-DRUG, M-25: one finding per line, no units at risk
        add(rule, None, np.flatnonzero(checked((why != "")[mods])), 0,
            lambda i, why=why: family_code[fam[i]] + ": " + why[mods[i]])
    add("M-PO-PN", None, np.flatnonzero(checked(po_and_pn[mods])), lambda i: units_d[c["units"][i]],
        "both PO and PN on one line: an off-campus department is excepted (PO) or not (PN), never both")

    # M-VALID: one finding per invalid modifier, judged once per distinct modifier text
    n_bad_d = np.array([len(p) for p in problems], dtype=np.int64)
    ix = np.flatnonzero(checked((n_bad_d > 0)[c["modifiers"]]))
    if len(ix):
        n_bad = n_bad_d[c["modifiers"][ix]]
        flat = np.array([p for ps in problems for p in ps], dtype=object)
        start = np.concatenate([[0], np.cumsum(n_bad_d)])[c["modifiers"][ix]]
        rows = np.repeat(ix, n_bad)
        within = np.arange(len(rows)) - np.repeat(np.cumsum(n_bad) - n_bad, n_bad)
        parts.append(("M-VALID", rows, units_d[c["units"][rows]], "modifier " + flat[np.repeat(start, n_bad) + within],
                      None))

    # claim-wide edits: NCCI pairs with partner codes, the drug lines' MUE and JZ/JW (``claim_edits``)
    if (fam >= I72).any():  # 96372, other initial codes or partners: a pair or a drug line may be there
        ptp_bypass = np.array([any(t in DISTINCT or t == "25" for t in ts) for ts in tokens], dtype=bool)
        cl = ClaimLines(fam=fam, group=gid_date, days=days, units=units_d[c["units"]],
                        distinct=ptp_bypass[mods], jw=np.array(["JW" in ts for ts in tokens], dtype=bool)[mods],
                        jz=np.array(["JZ" in ts for ts in tokens], dtype=bool)[mods],
                        institutional=institutional_line, medicare=line_medicare,
                        order=_line_order(ln_no[c["line_number"]], ln_rank[c["line_number"]], lines.row))
        parts += ptp_parts(cl) + drug_parts(cl)

    if not parts:
        return pd.DataFrame(columns=["pos", "rule", "at_risk", "msg", "severity"])
    where = np.concatenate([p[1] for p in parts])
    f = pd.DataFrame({
        "pos": where,
        "rule": np.concatenate([np.full(len(p[1]), p[0], dtype=object) for p in parts]),
        "at_risk": np.maximum(np.concatenate([p[2] for p in parts]).astype(np.int64), 0),
        "msg": np.concatenate([np.asarray(p[3], dtype=object) for p in parts]),
        "severity": np.concatenate([np.full(len(p[1]), p[4] or SEVERITY[p[0]], dtype=object) for p in parts]),
    })
    claims = lines.claim.take(pa.array(where))
    loc_given = d["locality"].field(0)[c["locality"][where]]
    loc_zip = _zip_localities(d["zip"].field(0).tolist())[c["zip"][where]]
    f["claim_id"] = claims.to_numpy(zero_copy_only=False)
    f["line_number"] = ln_text[c["line_number"][where]]
    number = ln_no[c["line_number"][where]]
    f["line_no"] = np.where(number == NA, np.iinfo(np.int64).max, number)
    f["row"] = lines.row[where]
    f["days"] = days[where]
    f["code"] = family_code[fam[where]]
    f["payer"] = d["payer"].field(0)[c["payer"][where]]
    f["institutional"] = d["claim_type"].field(1)[c["claim_type"][where]]
    f["claim_kind_known"] = f["institutional"] | d["claim_type"].field(0)[c["claim_type"][where]]
    f["loc"] = np.where(pd.isna(loc_given), loc_zip, loc_given)
    return f
