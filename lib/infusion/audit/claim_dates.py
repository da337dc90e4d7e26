"""The claim-dates of an audit: what every check reads, built once from the lines ``read`` gives.

Lines are grouped by claim and date of service (a claim-date: one encounter as a claim shows it;
on an institutional claim a date with add-ons and no 96369 joins the day before when that day has
one: 100-04 ch. 4 §230.2). Per group: lines and units of each code, documented minutes (the union
of the start-stop intervals of the 96369/96370 lines), the units of 96370 those minutes support,
which line is first of a repeated code, and the duplicates. Per distinct modifier text: what the
modifier checks need. The aggregates are ``np.bincount`` / ``ufunc.at`` over integer group ids.

Claims are numbered once (``claim_ids.claim_ids_of``) and the contexts built whole claims at a time
(``contexts``, ``CHUNK_LINES`` lines each by default): every rule is judged within a claim, so the
cut changes no finding, and the memory the checks take is bounded by the chunk, not by the file.

"First" on a claim-date means the lowest line number (then the line number as written, then file
order).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa

from ..coding.modifiers import DISTINCT, modifier_problem, placement_problem
from ..coding.units import additional_hours
from ..reference import catalog
from ..reference.payers import classify
from . import values as V
from .claim_edits import code_mask, drug_rows
from .claim_ids import claim_ids_of
from .read import FAMILY, OTHER_INITIAL, Lines

I69, I70, I71, I72 = range(4)
NA = V.NA_INT
_MAX64 = np.iinfo(np.int64).max


def mue_by_family(claim: str) -> tuple[np.ndarray, list[str]]:
    """The MUE of 96369..96372 on a ``claim`` of this type (-1 where we have none) and, per code, the
    text naming it (file and MAI), from ``catalog.mue_for``: Medicare's practitioner MUE for
    professional claims, the outpatient hospital MUE for institutional ones."""
    rows_ = [catalog.mue_for(c, claim) for c in FAMILY]
    limits = np.array([int(r["mue"]) if r and str(r["mue"]).isdigit() else -1 for r in rows_])
    names = [
        f"{r['program'].replace('-', ' ')} MUE {r['effective']}, MAI {r['mai'] or 'data not available'}" if r else ""
        for r in rows_
    ]
    return limits, names


def facility_pos(program: str = "commercial") -> frozenset[str]:
    """Places of service where the facility, not the physician, bills drug administration, for
    ``program`` (the engine's lists, ``catalog.facility_places``)."""
    return catalog.facility_places(program)


def traditional_medicare(payer: str | None) -> bool:
    """Whether a claim's payer is traditional Medicare (``reference.payers.classify``: "MEDICARE
    PART B", "Medicare"; not a Medicare Advantage plan, which follows its own policy)."""
    return classify(payer).family == "medicare"


def first_in_group(keys: list[np.ndarray], order_keys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Positions sorted by (keys..., order_keys...), and whether each is the first of its group of
    equal ``keys``."""
    order = np.lexsort(tuple(reversed(keys + order_keys)))  # lexsort's last key is the primary one
    same = np.ones(max(len(order) - 1, 0), dtype=bool)
    for k in keys:
        ks = k[order]
        same &= ks[1:] == ks[:-1]
    return order, np.concatenate([[True], ~same])[: len(order)]


def _overnight(
    gid: np.ndarray, ng: int, days: np.ndarray, fam: np.ndarray, institutional: np.ndarray, claim: np.ndarray
) -> np.ndarray | None:
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


def _covered_seconds(groups: np.ndarray, start: np.ndarray, stop: np.ndarray, ng: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group: the seconds covered by the union of the [start, stop] intervals of its lines that
    have both times in order, and whether it has any such line. The lines are taken in order of
    group and start: as they come when a file lists a claim's lines together in time order (no
    copy, no sort), else sorted (``_in_group_order``)."""
    covered = np.zeros(ng, dtype=np.int64)
    has = np.zeros(ng, dtype=bool)
    ok = (start != NA) & (stop != NA) & (stop >= start)
    if not ok.any():
        return covered, has
    g, a, b = (groups, start, stop) if ok.all() else (groups[ok], start[ok], stop[ok])
    has[g] = True
    same = g[1:] == g[:-1]
    if not (np.count_nonzero(~same) + 1 == np.count_nonzero(has) and ((a[1:] >= a[:-1]) | ~same).all()):
        (single, seconds), (g, a, b) = _in_group_order(g, a, b, ng)
        covered[single] = seconds
        if not len(g):
            return covered, has
        same = g[1:] == g[:-1]
    starts = np.r_[True, ~same]
    reach = _running_max(b, starts)  # the furthest stop so far in the group
    before = np.r_[np.iinfo(np.int64).min, reach[:-1]]
    before[starts] = np.iinfo(np.int64).min
    heads = np.flatnonzero(starts)  # each group's lines are one run now
    covered[g[heads]] = np.add.reduceat(np.maximum(b - np.maximum(a, before), 0), heads)
    return covered, has


def _in_group_order(
    g: np.ndarray, a: np.ndarray, b: np.ndarray, ng: int
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The groups of one line with the seconds their interval covers; and the intervals of the
    groups of two or more lines (group, start, stop), sorted by group and start."""
    one = np.bincount(g, minlength=ng)[g] == 1
    many = ~one
    g2, a2, b2 = g[many], a[many], b[many]
    order = np.lexsort((a2, g2))
    return (g[one], (b - a)[one]), (g2[order], a2[order], b2[order])


def _running_max(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The running maximum of ``values`` (int64), restarting where ``starts`` is True: each run
    lifted above the one before it, so one cumulative maximum serves all (pandas' grouped one when
    the lifted values would not fit in 64 bits)."""
    run = np.cumsum(starts) - 1
    low, span = int(values.min()), int(values.max()) - int(values.min()) + 1
    if span * (int(run[-1]) + 1) < 2**62:
        lift = run * span - low
        return np.maximum.accumulate(values + lift) - lift
    return pd.Series(values).groupby(run).cummax().to_numpy()


def line_order(number: np.ndarray, rank: np.ndarray, row: np.ndarray) -> np.ndarray:
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


@dataclass(frozen=True)
class ModifierTexts:
    """What the checks need of each distinct modifier text (index: ``cols["modifiers"]``)."""

    tokens: list  # the modifiers of each text
    key: np.ndarray  # one id per set of modifiers (A-DUP compares them)
    distinct: np.ndarray  # a 59/XE/XS/XP/XU among them
    problems: list[list[str]]  # invalid modifiers and why (M-VALID)
    misplaced: dict[str, np.ndarray]  # M-DRUG, M-25: why the modifier is misplaced, or ""
    po_and_pn: np.ndarray  # both PO and PN (M-PO-PN)


def modifier_texts(tokens) -> ModifierTexts:
    """Judge each distinct modifier text once."""
    placed = [[pl for t in ts if (pl := placement_problem(t))] for ts in tokens]
    return ModifierTexts(
        tokens=tokens,
        key=pd.factorize(np.array(["|".join(sorted(t)) for t in tokens], dtype=object))[0],
        distinct=np.array([any(t in DISTINCT for t in ts) for ts in tokens], dtype=bool),
        problems=[[p for t in ts if (p := modifier_problem(t))] for ts in tokens],
        misplaced={
            rule: np.array(["; ".join(why for r, why in ps if r == rule) for ps in placed], dtype=object)
            for rule in ("M-DRUG", "M-25")
        },
        po_and_pn=np.array(["PO" in ts and "PN" in ts for ts in tokens], dtype=bool),
    )


@dataclass(frozen=True)
class Mue:
    """Medicare's MUE of 96369..96372 for professional and institutional claims (-1: none) and the
    text naming each (file and MAI)."""

    professional: np.ndarray
    professional_name: list[str]
    institutional: np.ndarray
    institutional_name: list[str]

    @classmethod
    def load(cls) -> Mue:
        pro, pro_name = mue_by_family("professional")
        inst, inst_name = mue_by_family("institutional")
        return cls(pro, pro_name, inst, inst_name)


@dataclass(frozen=True)
class Groups:
    """Claim-date group ids of the lines."""

    gid: np.ndarray  # the encounter: claim-date, or claim-dates joined over midnight
    ng: int
    by_date: np.ndarray  # claim-date (the MUE is per date of service)
    joined: bool  # some claim-dates were joined
    split: bool  # some claims have lines on several dates


@dataclass(frozen=True)
class Times:
    """Documented time of each group, from its 96369/96370 lines (``timed``)."""

    timed: np.ndarray  # positions of the 96369/96370 lines
    start: np.ndarray  # their start and stop, seconds from the encounter's first midnight (NA)
    stop: np.ndarray
    documented: np.ndarray  # per group: a start and a stop are documented
    minutes: np.ndarray  # per group: documented whole minutes (NA where not documented)
    supported: np.ndarray  # per group: 96370 units those minutes support (``units.additional_hours``)


@dataclass(frozen=True)
class ClaimDates:
    """Everything the checks read, built once by :func:`build`."""

    lines: Lines
    fam: np.ndarray  # code index of each line into ``read.KEPT``
    days: np.ndarray  # date of service, days since 1970
    at: list[np.ndarray]  # positions of the lines of FAMILY[k]
    other: np.ndarray  # positions of the lines of OTHER_INITIAL
    groups: Groups
    g: list[np.ndarray]  # per code: group of each of its lines
    u: list[np.ndarray]  # per code: units of each of its lines
    count: list[np.ndarray]  # per code: its lines per group
    total: list[np.ndarray]  # per code: its units per group
    times: Times
    nth: list[np.ndarray]  # per code: 1 for the first line of the code in its group, 2 after
    dups: list[tuple[np.ndarray, np.ndarray]]  # (positions, line-number id of the first of their group)
    mods: ModifierTexts
    institutional: np.ndarray  # per line
    professional: np.ndarray  # per line
    medicare: np.ndarray  # per line: traditional Medicare payer
    facility: np.ndarray  # per line: a facility place of service for the line's program
    units: np.ndarray  # per line
    mue: Mue
    line_rank: np.ndarray  # per distinct line-number text: its rank as text
    kept: np.ndarray | None = None  # position in the lines read of each line here (None: the same)

    @property
    def d(self) -> dict:
        return self.lines.distinct

    @property
    def c(self) -> dict:
        return self.lines.cols

    @property
    def gid(self) -> np.ndarray:
        return self.groups.gid

    @property
    def ng(self) -> int:
        return self.groups.ng

    def checked(self, mask: np.ndarray) -> np.ndarray:
        """``mask`` (one entry per line) without the lines of other initial codes."""
        return mask & (self.fam < len(FAMILY))

    def order(self) -> np.ndarray:
        """Each line's rank in file-wide order (line number, as written, file order)."""
        ln = self.c["line_number"]
        return line_order(self.d["line_number"].field(1)[ln], self.line_rank[ln], self.lines.row)


def _text_rank(texts: np.ndarray) -> np.ndarray:
    rank = np.empty(len(texts), dtype=np.int64)
    rank[np.argsort(texts.astype(str), kind="stable")] = np.arange(len(texts))
    return rank


def _facility_lines(d: dict, c: dict, medicare: np.ndarray) -> np.ndarray:
    """Per line: a facility place of service for its program, traditional Medicare's (100-04 ch. 12
    §20.4.2) or the payers'."""
    pos_text = d["pos"].field(0)
    per_prog = {
        prog: np.array([p in facility_pos(prog) for p in pos_text], dtype=bool) for prog in ("commercial", "medicare")
    }
    return np.where(medicare, per_prog["medicare"][c["pos"]], per_prog["commercial"][c["pos"]])


def _split_by_date(gid: np.ndarray, ng: int, days: np.ndarray) -> tuple[np.ndarray, int, bool]:
    """Claim-date groups from claim ids: a claim is one group unless it has lines on several dates,
    whose (claim, date) pairs get ids of their own."""
    first_day = np.full(ng, np.iinfo(np.int32).max, dtype=np.int32)
    np.minimum.at(first_day, gid, days)
    multi = days != first_day[gid]  # not on the claim's first date ...
    if not multi.any():
        return gid, ng, False
    multi |= np.bincount(gid[multi], minlength=ng).astype(bool)[gid]  # ... or its claim has such lines
    pair = gid[multi].astype(np.int64) * (int(days.max()) - int(days.min()) + 1) + (days[multi] - days.min())
    which, uniq = pd.factorize(pair)
    gid = gid.astype(np.int64)
    gid[multi] = ng + which
    return gid, ng + len(uniq), True


def _groups(claim_gid: np.ndarray, ng: int, days: np.ndarray, fam: np.ndarray, institutional: np.ndarray) -> Groups:
    gid, ng, split = _split_by_date(claim_gid, ng, days)
    joined = _overnight(gid, ng, days, fam, institutional, claim_gid) if split else None
    return Groups(gid=gid if joined is None else joined, ng=ng, by_date=gid, joined=joined is not None, split=split)


def _times(lines: Lines, at: list[np.ndarray], groups: Groups, days: np.ndarray) -> Times:
    """Documented time per group (see :class:`Times`)."""
    d, c, gid, ng = lines.distinct, lines.cols, groups.gid, groups.ng
    timed = np.sort(np.concatenate([at[I69], at[I70]]), kind="stable")  # file order (two sorted runs)
    g_t = gid[timed]
    t_start, t_stop = _when(d, c, "start_time", timed, days), _when(d, c, "stop_time", timed, days)
    if groups.joined:  # times of an encounter's later dates, from its first date's midnight
        enc_day = np.full(ng, np.iinfo(np.int32).max, dtype=np.int64)
        np.minimum.at(enc_day, gid, days)
        shift = (days[timed].astype(np.int64) - enc_day[g_t]) * 86400
        t_start = np.where(t_start != NA, t_start + shift, NA)
        t_stop = np.where(t_stop != NA, t_stop + shift, NA)
    first_start = np.full(ng, _MAX64)
    last_stop = np.full(ng, NA)
    m = t_start != NA
    np.minimum.at(first_start, g_t[m], t_start[m])
    m = t_stop != NA
    np.maximum.at(last_stop, g_t[m], t_stop[m])
    documented = (first_start != _MAX64) & (last_stop != NA)
    secs = np.where(documented, last_stop - first_start, 0)
    # the lines with both times count the time they cover (their union: 96369 09:00-09:50 and 96370
    # 11:00-11:45 are 95 minutes, not the 165 between first start and last stop); the span is kept
    # for a claim-date where no line has both times
    covered, has_both = _covered_seconds(g_t, t_start, t_stop, ng)
    secs = np.where(has_both, covered, secs)
    minutes = np.where(documented, np.sign(secs) * (np.abs(secs) // 60), NA)  # partial minutes dropped
    # U-HOUR's rule (units.additional_hours), applied once per distinct number of minutes
    which, distinct_minutes = pd.factorize(np.where(documented, minutes, 0))
    supported = np.array([additional_hours(int(x)) for x in distinct_minutes], dtype=np.int64)[which]
    return Times(timed, t_start, t_stop, documented, minutes, supported)


def _repeats(
    lines: Lines,
    at: list[np.ndarray],
    g: list[np.ndarray],
    u: list[np.ndarray],
    count: list[np.ndarray],
    mod_key: np.ndarray,
    line_rank: np.ndarray,
    by_date: np.ndarray,
) -> tuple[list[np.ndarray], list[tuple[np.ndarray, np.ndarray]]]:
    """Per code, 1 for the first line of the code in its group (encounter) and 2 for the others;
    and the duplicates (same code, units and modifiers on one claim and date of service: an
    encounter past midnight has a line per date, T-DOS) with the line-number id of the first of each."""
    d, c = lines.distinct, lines.cols
    ln_no = d["line_number"].field(1)
    nth = [np.ones(len(a), dtype=np.int8) for a in at]
    dups: list[tuple[np.ndarray, np.ndarray]] = []
    for k, a in enumerate(at):
        if not len(a) or count[k].max() < 2:
            continue
        rep = np.flatnonzero(count[k][g[k]] > 1)  # within code k
        pos_rep = a[rep]
        ln_id = c["line_number"][pos_rep]
        number = ln_no[ln_id]
        order_keys = [np.where(number == NA, 0, number), line_rank[ln_id], lines.row[pos_rep]]
        order, first = first_in_group([g[k][rep]], order_keys)
        nth[k][rep[order[~first]]] = 2
        order, first = first_in_group([by_date[pos_rep], u[k][rep], mod_key[c["modifiers"][pos_rep]]], order_keys)
        group_start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
        dups.append((pos_rep[order[~first]], ln_id[order[group_start][~first]]))
    return nth, dups


def _relevant(fam: np.ndarray, claim_gid: np.ndarray, ng: int) -> np.ndarray | None:
    """Positions of the lines a check can use: every line of a claim with a 96369-96372 line, and
    every drug line (its MUE and JZ/JW are checked on any claim); None when that is all of them.
    A partner code (an E/M, another initial code) on a claim without the family is in no pair."""
    with_family = np.zeros(ng, dtype=bool)
    with_family[claim_gid[fam < len(FAMILY)]] = True
    keep = with_family[claim_gid] | code_mask(fam, list(drug_rows()))
    return None if keep.all() else np.flatnonzero(keep).astype(np.int32 if len(keep) < 2**31 else np.int64)


def _subset(lines: Lines, keep: np.ndarray) -> Lines:
    """``lines`` at positions ``keep`` (the same distinct values; rows keep their numbers). The claim
    ids are not carried (an empty array): a context numbers its claims (``claim_gid``), and a finding
    takes its claim id from the lines read, by its position there (``ClaimDates.kept``)."""
    return replace(
        lines,
        claim=pa.chunked_array([], pa.string()),
        row=lines.row[keep],
        cols={k: v[keep] for k, v in lines.cols.items()},
    )


@dataclass(frozen=True)
class Shared:
    """What every claim-date context reads of the distinct values (built once per audit)."""

    mods: ModifierTexts
    medicare_d: np.ndarray  # per distinct payer: traditional Medicare
    mue: Mue
    line_rank: np.ndarray  # per distinct line-number text: its rank as text


# lines of whole claims checked at a time (``contexts``): the memory the checks take grows with it
CHUNK_LINES = 500_000


def contexts(lines: Lines, chunk_lines: int = CHUNK_LINES) -> Iterator[ClaimDates]:
    """The claim-date contexts of ``lines``, whole claims at a time, each of about ``chunk_lines``
    lines (a claim with more lines is one context), holding the lines a check can use (``_relevant``);
    every rule is judged within a claim, so the findings do not depend on the cut. ``lines`` is not
    changed; each context's ``kept`` gives its lines' positions in ``lines``."""
    d, c = lines.distinct, lines.cols
    # the claim ids are hashed (GIL released) while the per-distinct tables are prepared
    with ThreadPoolExecutor(max_workers=1) as pool:
        claim_ids = pool.submit(claim_ids_of, lines.claim)
        fam = d["code"].field(2)[c["code"]]
        shared = Shared(
            mods=modifier_texts(d["modifiers"].field(0)),
            medicare_d=np.array([traditional_medicare(p) for p in d["payer"].field(0)], dtype=bool),
            mue=Mue.load(),
            line_rank=_text_rank(d["line_number"].field(0)),
        )
        claim_gid, ng = claim_ids.result()
    keep = _relevant(fam, claim_gid, ng)
    if keep is not None:  # the claims of the lines kept, numbered densely again
        claim_gid = claim_gid[keep]
        used = np.zeros(ng, dtype=bool)
        used[claim_gid] = True
        claim_gid = (np.cumsum(used, dtype=np.int32) - 1)[claim_gid]
        ng = int(used.sum())
    for part, first, n_claims in _chunks(claim_gid, ng, chunk_lines):
        at = part if keep is None else keep[part]
        sub, gid = (lines, claim_gid) if len(at) == len(lines.row) else (_subset(lines, at), claim_gid[part] - first)
        yield replace(_context(sub, gid, n_claims, shared), kept=at)


def _chunks(claim_gid: np.ndarray, ng: int, chunk_lines: int) -> Iterator[tuple[np.ndarray, int, int]]:
    """Parts of whole claims, about ``chunk_lines`` lines each: the positions of a part's lines (in
    file order), its first claim id and how many claims it has (a part holds a range of claim ids;
    ``claim_gid`` are dense, so every id of the range has lines)."""
    n = len(claim_gid)
    if n <= chunk_lines:
        yield np.arange(n), 0, ng
        return
    per_claim = np.bincount(claim_gid, minlength=ng)
    part_of_claim = (np.cumsum(per_claim) - per_claim) // chunk_lines  # rises with the claim id
    parts = int(part_of_claim.max()) + 1
    first_claim = np.searchsorted(part_of_claim, np.arange(parts + 1))
    part = part_of_claim.astype(np.uint16 if parts < 2**16 else np.int64)[claim_gid]
    del per_claim, part_of_claim
    order = np.argsort(part, kind="stable").astype(np.int32 if n < 2**31 else np.int64)
    bounds = np.r_[0, np.cumsum(np.bincount(part, minlength=parts))]
    del part
    for p in range(parts):
        if bounds[p + 1] > bounds[p]:
            yield order[bounds[p] : bounds[p + 1]], int(first_claim[p]), int(first_claim[p + 1] - first_claim[p])


def _context(lines: Lines, claim_gid: np.ndarray, ng: int, shared: Shared) -> ClaimDates:
    d, c = lines.distinct, lines.cols
    mods, medicare_d, mue, line_rank = shared.mods, shared.medicare_d, shared.mue, shared.line_rank
    fam = d["code"].field(2)[c["code"]]
    days = d["date_of_service"].field(0)[c["date_of_service"]]
    at = [np.flatnonzero(fam == k) for k in range(len(FAMILY))]
    # lines of other initial codes (S-INITIAL): seen, not checked; partner codes come after them
    other = np.flatnonzero((fam >= len(FAMILY)) & (fam < len(FAMILY) + len(OTHER_INITIAL)))
    medicare = medicare_d[c["payer"]]
    institutional = d["claim_type"].field(1)[c["claim_type"]]
    groups = _groups(claim_gid, ng, days, fam, institutional)
    units = d["units"].field(0)[c["units"]]
    g = [groups.gid[a] for a in at]
    u = [units[a] for a in at]
    count = [np.bincount(gk, minlength=groups.ng) for gk in g]
    total = [np.bincount(gk, weights=uk, minlength=groups.ng).astype(np.int64) for gk, uk in zip(g, u)]
    nth, dups = _repeats(lines, at, g, u, count, mods.key, line_rank, groups.by_date)
    return ClaimDates(
        lines=lines,
        fam=fam,
        days=days,
        at=at,
        other=other,
        groups=groups,
        g=g,
        u=u,
        count=count,
        total=total,
        times=_times(lines, at, groups, days),
        nth=nth,
        dups=dups,
        mods=mods,
        institutional=institutional,
        professional=d["claim_type"].field(0)[c["claim_type"]],
        medicare=medicare,
        facility=_facility_lines(d, c, medicare),
        units=units,
        mue=mue,
        line_rank=line_rank,
    )
