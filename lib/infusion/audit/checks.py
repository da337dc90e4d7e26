"""The audit's checks: one small function per rule over the claim-dates (``claim_dates.build``).

Each check is a vectorised mask over the lines of its code, reading the claim-date aggregates built
once; ``CHECKS`` maps each rule id (declared with its severity and sources in ``coding.rules``) to
its function, and :func:`find` runs them all:

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

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from ..coding.modifiers import DISTINCT
from ..coding.rules import RULES, cite
from ..coding.units import SHORT_MAX_MINUTES
from ..reference import tables
from .claim_dates import CHUNK_LINES, I69, I70, I71, I72, NA, ClaimDates, contexts, first_in_group
from .claim_edits import ClaimLines, Part, drug_parts, ptp_parts
from .read import FAMILY, KEPT, Lines

# each rule's severity as the registry declares it (``coding.rules``)
SEVERITY = {r.id: r.severity for r in RULES.values()}
FAMILY_CODE = np.array(KEPT, dtype=object)
EMPTY_COLUMNS = ["pos", "rule", "at_risk", "msg", "severity"]


def _s(x) -> np.ndarray:
    """Elementwise text (object array) so that ``+`` concatenates."""
    return np.asarray(x).astype(str).astype(object)


def part(rule: str, where: np.ndarray, at_risk, msg, severity: str | None = None) -> list[Part]:
    """The finding of ``rule`` on the lines at positions ``where`` (none when empty). ``at_risk`` and
    ``msg`` are values or functions of the indexes into ``where``; ``severity`` None: the rule's."""
    if not len(where):
        return []
    ix = np.arange(len(where))
    risk = np.broadcast_to(np.asarray(at_risk(ix) if callable(at_risk) else at_risk), ix.shape)
    text = msg(ix) if callable(msg) else np.full(len(ix), msg, dtype=object)
    return [(rule, where, risk, text, severity)]


def code_part(
    cx: ClaimDates, rule: str, k: int, mask: np.ndarray, at_risk, msg, severity: str | None = None
) -> list[Part]:
    """The finding of ``rule`` on the lines of code ``FAMILY[k]`` where ``mask`` (one entry per line
    of the code); ``at_risk`` and ``msg`` take indexes into those lines."""
    i = np.flatnonzero(mask)
    return part(
        rule,
        cx.at[k][i],
        (lambda j: at_risk(i[j])) if callable(at_risk) else at_risk,
        (lambda j: msg(i[j])) if callable(msg) else msg,
        severity,
    )


def u_addon(cx: ClaimDates) -> list[Part]:
    """96370/96371 without 96369 on the claim-date (or, institutional, the day before)."""
    out: list[Part] = []
    for k in (I70, I71):
        out += code_part(
            cx,
            "U-ADDON",
            k,
            cx.count[I69][cx.g[k]] == 0,
            lambda i, k=k: cx.u[k][i],
            lambda i, k=k: (
                f"add-on {FAMILY[k]} without 96369 on the same claim and date of service"
                + np.where(
                    cx.institutional[cx.at[k][i]], " or the day before (one hospital encounter may pass midnight)", ""
                )
            ),
        )
    return out


def u_init(cx: ClaimDates) -> list[Part]:
    """96369 with more than one unit, or a second 96369 line without a distinct-service modifier."""
    u = cx.u[I69]
    second = (cx.nth[I69] > 1) & ~cx.mods.distinct[cx.c["modifiers"][cx.at[I69]]]
    return code_part(
        cx, "U-INIT", I69, u > 1, lambda i: u[i] - 1, lambda i: "96369 x" + _s(u[i]) + ": one unit per encounter"
    ) + code_part(
        cx,
        "U-INIT",
        I69,
        second,
        lambda i: u[i],
        "a second 96369 on the claim-date without 59/XS/XE/XP/XU: one initial code per encounter",
    )


def u_pump(cx: ClaimDates) -> list[Part]:
    """96371 with more than one unit."""
    u = cx.u[I71]
    return code_part(
        cx,
        "U-PUMP",
        I71,
        u > 1,
        lambda i: u[i] - 1,
        lambda i: "96371 x" + _s(u[i]) + ": reported once per encounter whatever the number of extra pumps",
    )


def t_doc(cx: ClaimDates) -> list[Part]:
    """96370 on a claim-date with no documented start and stop."""
    u = cx.u[I70]
    return code_part(
        cx,
        "T-DOC",
        I70,
        cx.times.minutes[cx.g[I70]] == NA,
        lambda i: u[i],
        lambda i: (
            "96370 x" + _s(u[i]) + " with no start/stop times documented on the claim-date: "
            "the additional hours cannot be supported"
        ),
    )


def _short(cx: ClaimDates) -> np.ndarray:
    """Per group: 15 documented minutes or less (the span of the times is at least the infusion
    time, so a short span is a short infusion)."""
    t = cx.times
    return t.documented & (t.minutes >= 0) & (t.minutes <= SHORT_MAX_MINUTES)


def u_short(cx: ClaimDates) -> list[Part]:
    """96369 (and its add-ons) on a claim-date of 15 documented minutes or less: 96372."""
    short, minutes = _short(cx), cx.times.minutes
    out = code_part(
        cx,
        "U-SHORT",
        I69,
        short[cx.g[I69]],
        lambda i: cx.u[I69][i],
        lambda i: (
            "96369 on a claim-date with " + _s(minutes[cx.g[I69][i]]) + f" documented minutes: "
            f"{SHORT_MAX_MINUTES} minutes or less is not an infusion, report 96372 (at risk: "
            "96369's payment less 96372's)"
        ),
        "error",
    )
    for k in (I70, I71):
        out += code_part(
            cx,
            "U-SHORT",
            k,
            short[cx.g[k]],
            lambda i, k=k: cx.u[k][i],
            lambda i, k=k: (
                f"{FAMILY[k]} x"
                + _s(cx.u[k][i])
                + " on a claim-date with "
                + _s(minutes[cx.g[k][i]])
                + f" documented minutes: {SHORT_MAX_MINUTES} minutes or "
                "less is 96372, which takes no add-on"
            ),
            "error",
        )
    return out


def u_hour(cx: ClaimDates) -> list[Part]:
    """96370 units on a claim-date above what its documented minutes support."""
    if not len(cx.at[I70]):
        return []
    g = cx.g[I70]
    minutes, u70, supported = cx.times.minutes[g], cx.total[I70][g], cx.times.supported[g]
    over = (minutes != NA) & (minutes >= 0) & (u70 > supported) & ~_short(cx)[g]
    return code_part(
        cx,
        "U-HOUR",
        I70,
        over,
        lambda i: np.minimum(cx.u[I70][i], u70[i] - supported[i]),
        lambda i: (
            "96370 x"
            + _s(u70[i])
            + " on the claim-date, but "
            + _s(minutes[i])
            + " documented minutes support "
            + _s(supported[i])
        ),
    )


def t_date(cx: ClaimDates) -> list[Part]:
    """A stop time before its start time."""
    t = cx.times
    return part(
        "T-DATE",
        t.timed[(t.start != NA) & (t.stop != NA) & (t.stop < t.start)],
        0,
        "stop time before start time on this line: give dates for an infusion that crosses midnight",
    )


def _mue_code(cx: ClaimDates, k: int) -> list[Part]:
    code_total, first_of_date = cx.total[k][cx.g[k]], cx.nth[k] == 1
    if cx.groups.joined:  # per date of service, not per encounter
        gd = cx.groups.by_date[cx.at[k]]
        code_total = np.bincount(gd, weights=cx.u[k], minlength=cx.ng).astype(np.int64)[gd]
        order, first = first_in_group([gd], [cx.lines.row[cx.at[k]]])
        first_of_date = np.zeros(len(gd), dtype=bool)
        first_of_date[order[first]] = True
    inst = cx.institutional[cx.at[k]]
    limit = np.where(inst, cx.mue.institutional[k], cx.mue.professional[k])
    over = (limit >= 0) & (code_total > limit) & first_of_date
    return code_part(
        cx,
        "U-MUE",
        k,
        over,
        lambda i: np.minimum(cx.u[k][i], code_total[i] - limit[i]),
        lambda i: (
            f"{FAMILY[k]} x"
            + _s(code_total[i])
            + " on the claim-date is above the MUE of "
            + _s(limit[i])
            + " ("
            + np.where(inst[i], cx.mue.institutional_name[k], cx.mue.professional_name[k])
            + ")"
        ),
    )


def u_mue(cx: ClaimDates) -> list[Part]:
    """Units of a family code per date of service above Medicare's MUE for the claim's setting."""
    return [p for k in range(len(FAMILY)) if len(cx.at[k]) for p in _mue_code(cx, k)]


def s_facility(cx: ClaimDates) -> list[Part]:
    """A family code on a professional claim with a facility place of service."""
    pos_text = cx.d["pos"].field(0)
    w = np.flatnonzero(cx.checked(cx.professional & cx.facility))
    return part(
        "S-FACILITY",
        w,
        lambda i: cx.units[w[i]],
        lambda i: (
            FAMILY_CODE[cx.fam[w[i]]]
            + " on a professional claim with facility place of service "
            + pos_text[cx.c["pos"][w[i]]]
            + np.where(cx.medicare[w[i]], " (a facility setting for Medicare: 100-04 ch. 12 §20.4.2)", "")
            + ": the facility bills the administration"
        ),
    )


def s_home(cx: ClaimDates) -> list[Part]:
    """96369/96370 with place of service 12 (home)."""
    timed = cx.times.timed
    where = timed[(cx.d["pos"].field(0) == "12")[cx.c["pos"][timed]]]
    return part(
        "S-HOME",
        where,
        lambda i: cx.units[where[i]],
        lambda i: (
            FAMILY_CODE[cx.fam[where[i]]] + " with place of service 12 (home): home infusion uses "
            "99601/99602 and a per diem, or Medicare home infusion G-codes"
        ),
    )


def s_initial(cx: ClaimDates) -> list[Part]:
    """96369 beside another initial administration code, neither with a distinct-service modifier."""
    if not (len(cx.other) and len(cx.at[I69])):
        return []
    distinct = cx.mods.distinct[cx.c["modifiers"]]
    g_o = cx.gid[cx.other]
    other_n = np.bincount(g_o, minlength=cx.ng)
    other_distinct = np.bincount(g_o, weights=distinct[cx.other], minlength=cx.ng) > 0
    other_code = np.zeros(cx.ng, dtype=np.int64)
    other_code[g_o] = cx.fam[cx.other]  # the code named in the message (one of them)
    g69 = cx.g[I69]
    named = FAMILY_CODE[other_code[g69]]
    iv_note = np.where(
        named == "96365", " (an IV infusion beside a subcutaneous one is unusual " + cite("S-IV") + ")", ""
    )
    return code_part(
        cx,
        "S-INITIAL",
        I69,
        (other_n[g69] > 0) & ~other_distinct[g69] & ~distinct[cx.at[I69]],
        lambda i: cx.u[I69][i],
        lambda i: (
            "96369 and " + named[i] + " on the same claim-date, neither with 59/XE/XS/XP/XU: "
            "one initial administration code per encounter unless protocol requires separate "
            "sites" + iv_note[i]
        ),
    )


def a_dup(cx: ClaimDates) -> list[Part]:
    """The same code, units and modifiers again on one claim-date."""
    ln_text = cx.d["line_number"].field(0)
    return [
        p
        for where, first in cx.dups
        for p in part(
            "A-DUP",
            where,
            lambda i, w=where: cx.units[w[i]],
            lambda i, f=first: "duplicate of line " + _s(ln_text[f[i]]) + " (same code, units and modifiers)",
        )
    ]


def _misplaced(cx: ClaimDates, rule: str) -> list[Part]:
    why, mods = cx.mods.misplaced[rule], cx.c["modifiers"]
    where = np.flatnonzero(cx.checked((why != "")[mods]))
    return part(rule, where, 0, lambda i: FAMILY_CODE[cx.fam[where[i]]] + ": " + why[mods[where[i]]])


def m_drug(cx: ClaimDates) -> list[Part]:
    """JW / JZ / JB on the administration line (no units at risk)."""
    return _misplaced(cx, "M-DRUG")


def m_25(cx: ClaimDates) -> list[Part]:
    """Modifier 25 on the administration line (no units at risk)."""
    return _misplaced(cx, "M-25")


def m_po_pn(cx: ClaimDates) -> list[Part]:
    """Both PO and PN on one line."""
    where = np.flatnonzero(cx.checked(cx.mods.po_and_pn[cx.c["modifiers"]]))
    return part(
        "M-PO-PN",
        where,
        lambda i: cx.units[where[i]],
        "both PO and PN on one line: an off-campus department is excepted (PO) or not (PN), never both",
    )


def m_valid(cx: ClaimDates) -> list[Part]:
    """One finding per modifier that is not a CPT/HCPCS modifier, judged once per distinct text."""
    problems, mods = cx.mods.problems, cx.c["modifiers"]
    n_bad_d = np.array([len(p) for p in problems], dtype=np.int64)
    ix = np.flatnonzero(cx.checked((n_bad_d > 0)[mods]))
    if not len(ix):
        return []
    n_bad = n_bad_d[mods[ix]]
    flat = np.array([p for ps in problems for p in ps], dtype=object)
    start = np.concatenate([[0], np.cumsum(n_bad_d)])[mods[ix]]
    rows = np.repeat(ix, n_bad)
    within = np.arange(len(rows)) - np.repeat(np.cumsum(n_bad) - n_bad, n_bad)
    return [("M-VALID", rows, cx.units[rows], "modifier " + flat[np.repeat(start, n_bad) + within], None)]


def claim_wide(cx: ClaimDates) -> list[Part]:
    """N-PTP, the drug lines' MUE and D-WASTE (``claim_edits``), when a partner line is there."""
    if not (cx.fam >= I72).any():
        return []
    tokens, mods = cx.mods.tokens, cx.c["modifiers"]
    ptp_bypass = np.array([any(t in DISTINCT or t == "25" for t in ts) for ts in tokens], dtype=bool)
    cl = ClaimLines(
        fam=cx.fam,
        group=cx.groups.by_date,
        days=cx.days,
        units=cx.units,
        distinct=ptp_bypass[mods],
        jw=np.array(["JW" in ts for ts in tokens], dtype=bool)[mods],
        jz=np.array(["JZ" in ts for ts in tokens], dtype=bool)[mods],
        institutional=cx.institutional,
        medicare=cx.medicare,
        order=cx.order(),
    )
    return ptp_parts(cl) + drug_parts(cl)


# rule id -> its check; the claim-wide edits give N-PTP, U-MUE of drugs and D-WASTE
CHECKS: dict[str, Callable[[ClaimDates], list[Part]]] = {
    "U-ADDON": u_addon,
    "U-INIT": u_init,
    "U-PUMP": u_pump,
    "T-DOC": t_doc,
    "U-SHORT": u_short,
    "U-HOUR": u_hour,
    "T-DATE": t_date,
    "U-MUE": u_mue,
    "S-FACILITY": s_facility,
    "S-HOME": s_home,
    "S-INITIAL": s_initial,
    "A-DUP": a_dup,
    "M-DRUG": m_drug,
    "M-25": m_25,
    "M-PO-PN": m_po_pn,
    "M-VALID": m_valid,
    "N-PTP": claim_wide,
}


def zip_localities(zips: list[str | None]) -> np.ndarray:
    """MAC-locality (``01112-05``) of each ZIP (5 digits, or ZIP+4), None where not found."""
    five = [z[:5] if z and z[:5].isdigit() else None for z in zips]
    loc = tables.zip_localities(z for z in five if z)
    return np.array([loc.get(z) if z else None for z in five], dtype=object)


def _frame(cx: ClaimDates, parts: list[Part], localities: np.ndarray) -> pd.DataFrame:
    """The findings with the keys of their lines (but the claim id: ``find`` adds it) and what
    pricing needs (``localities``: of each distinct ZIP)."""
    d, c, lines = cx.d, cx.c, cx.lines
    where = np.concatenate([p[1] for p in parts])
    pos = where if cx.kept is None else cx.kept[where]  # the line's position in the lines read
    f = pd.DataFrame(
        {
            "pos": pos,
            "rule": np.concatenate([np.full(len(p[1]), p[0], dtype=object) for p in parts]),
            "at_risk": np.maximum(np.concatenate([p[2] for p in parts]).astype(np.int64), 0),
            "msg": np.concatenate([np.asarray(p[3], dtype=object) for p in parts]),
            "severity": np.concatenate([np.full(len(p[1]), p[4] or SEVERITY[p[0]], dtype=object) for p in parts]),
        }
    )
    loc_given = d["locality"].field(0)[c["locality"][where]]
    loc_zip = localities[c["zip"][where]]
    f["line_number"] = d["line_number"].field(0)[c["line_number"][where]]
    number = d["line_number"].field(1)[c["line_number"][where]]
    f["line_no"] = np.where(number == NA, np.iinfo(np.int64).max, number)
    f["row"] = lines.row[where]
    f["days"] = cx.days[where]
    f["code"] = FAMILY_CODE[cx.fam[where]]
    f["payer"] = d["payer"].field(0)[c["payer"][where]]
    f["institutional"] = cx.institutional[where]
    f["claim_kind_known"] = f["institutional"] | cx.professional[where]
    f["loc"] = np.where(pd.isna(loc_given), loc_zip, loc_given)
    return f


def find(lines: Lines, chunk_lines: int = CHUNK_LINES, progress: bool = False) -> pd.DataFrame:
    """One row per finding: keys of the line (claim, line, date, code, payer), the rule, units at
    risk and message (without the rule's reference), plus what pricing needs (institutional, loc).
    Claims are checked ``chunk_lines`` lines at a time (``claim_dates.contexts``): a worker thread
    runs the checks of one chunk while the next chunk's context is built (at most two waiting).
    ``progress``: a bar of the lines checked on stderr."""
    ((_, found),) = find_each([lines], len(lines.row), chunk_lines, progress)  # run to its end: the bar closed
    return found


def find_each(
    parts: Iterable[Lines], total: int, chunk_lines: int = CHUNK_LINES, progress: bool = False
) -> Iterator[tuple[Lines, pd.DataFrame]]:
    """``find`` of each of ``parts`` (lines of whole claims sharing one set of distinct values, as
    a spill gives them; ``total`` lines in all), in order, each with its findings: the chunks of
    every part go through one worker, so that the checks of a part's last chunk run while the
    next part's first context is built."""
    with _lines_bar(total, progress) as bar:
        yield from _find_chunks(parts, chunk_lines, bar)
        bar.update(bar.total - bar.n)  # the lines no check can use (``claim_dates._relevant``) need none


def _findings(lines: Lines, frames: list[pd.DataFrame | None]) -> pd.DataFrame:
    """The findings of ``lines`` from the frames of its chunks, with each line's claim id."""
    frames = [f for f in frames if f is not None]
    if not frames:
        return pd.DataFrame(columns=EMPTY_COLUMNS)
    f = pd.concat(frames, ignore_index=True)
    for name in f.columns:  # text held by arrow in one chunk per frame: one chunk (a take across many is slow)
        arr = pa.array(f[name]) if isinstance(f[name].dtype, pd.StringDtype) else None
        if isinstance(arr, pa.ChunkedArray) and arr.num_chunks > 1:
            f[name] = pd.Series(arr.combine_chunks(), dtype=f[name].dtype, index=f.index)
    f.insert(5, "claim_id", claims_at(lines.claim, f["pos"].to_numpy()))
    return f


def _find_chunks(parts: Iterable[Lines], chunk_lines: int, bar) -> Iterator[tuple[Lines, pd.DataFrame]]:
    """Each part with its findings, the chunks of all parts checked by one worker in order (at
    most two waiting); ``bar`` counts the lines."""
    localities: np.ndarray | None = None

    def check_all(cx: ClaimDates) -> pd.DataFrame | None:
        assert localities is not None
        found = [p for check in CHECKS.values() for p in check(cx)]
        return _frame(cx, found, localities) if found else None

    waiting: deque[_Part] = deque()  # the parts whose findings are not all in, in order
    pending: deque = deque()  # (future, lines in the chunk, its part)

    def collect() -> None:
        done, n, part = pending.popleft()
        part.frames.append(done.result())
        part.unchecked -= 1
        bar.update(n)

    def finished() -> Iterator[tuple[Lines, pd.DataFrame]]:
        while waiting and waiting[0].submitted and not waiting[0].unchecked:
            part = waiting.popleft()
            yield part.lines, _findings(part.lines, part.frames)

    with ThreadPoolExecutor(max_workers=1) as pool:  # two workers measured no faster on 2 cores
        for lines in parts:
            if localities is None:  # the parts share their distinct values
                localities = zip_localities(lines.distinct["zip"].field(0).tolist())
            part = _Part(lines)
            waiting.append(part)
            for cx in contexts(lines, chunk_lines) if len(lines.row) else ():
                pending.append((pool.submit(check_all, cx), len(cx.lines.row), part))
                part.unchecked += 1
                del cx
                while len(pending) >= 2 or (pending and pending[0][0].done()):
                    collect()
            part.submitted = True
            del lines, part
            yield from finished()
        while pending:
            collect()
        yield from finished()


@dataclass
class _Part:
    """A part of the lines on its way through the checks: the findings of its chunks so far."""

    lines: Lines
    frames: list[pd.DataFrame | None] = field(default_factory=list)
    unchecked: int = 0  # chunks submitted, not yet checked
    submitted: bool = False  # every chunk submitted


class _Count:
    """A progress bar that shows nothing (tqdm is not loaded): it counts."""

    def __init__(self, total: int) -> None:
        self.total, self.n = total, 0

    def update(self, k: int) -> None:
        self.n += k


@contextmanager
def _lines_bar(total: int, shown: bool) -> Iterator:
    """A progress bar of the lines checked on stderr (tqdm) when ``shown``, else a ``_Count``."""
    if not shown:
        yield _Count(total)
        return
    from tqdm import tqdm

    bar = tqdm(total=total, unit="lines", unit_scale=True, desc="checks", leave=False)
    try:
        yield bar
    finally:
        bar.close()


def claims_at(claim: pa.ChunkedArray, pos: np.ndarray) -> np.ndarray:
    """The claim ids at positions ``pos`` of the lines read, as an object array (one filter of
    the chunks as read: a take from many chunks is several times slower)."""
    at, which = np.unique(pos, return_inverse=True)
    mask = np.zeros(len(claim), dtype=bool)
    mask[at] = True
    return claim.filter(pa.array(mask)).to_numpy(zero_copy_only=False)[which]
