"""Time rules: T-DOC (documented start and stop), T-SUM (sum the segments once), T-DATE (order),
T-DOS (each line's date of service).

T-DATE is enforced when segments are built (:func:`infusion.coding.encounter.make_segment`): a stop before
its start is invalid input. This module turns an encounter's segments into the counted infusion
time, with a finding for every segment it could not count and every overlap, gap and flush.

Counting: the segments' clock intervals are merged, so time on the clock is counted once even when
two segments (on one pump, or on two pumps running at once) overlap; segments given only as a
duration (``minutes``) are added. Partial minutes are dropped: 90 min 59 s counts as 90.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .encounter import NOMINAL_DATE, Segment
from .records import ClaimLine, Finding
from .rules import cite

if TYPE_CHECKING:
    from .encounter import Encounter


@dataclass(frozen=True)
class Interval:
    """A merged stretch of clock time and the segments it came from."""

    start: dt.datetime
    stop: dt.datetime
    segments: tuple[int, ...]

    @property
    def minutes(self) -> float:
        return (self.stop - self.start).total_seconds() / 60


@dataclass(frozen=True)
class Timeline:
    """The counted time of an encounter's subcutaneous segments."""

    total_minutes: int
    intervals: tuple[Interval, ...]
    duration_minutes: int
    segments: tuple[Segment, ...]
    uncounted: tuple[Segment, ...]


def _fmt_minutes(m: float) -> str:
    return f"{m:g} min"


def merge_intervals(segments: list[Segment]) -> tuple[list[Interval], list[tuple[int, int, float]]]:
    """Merge timed segments into disjoint intervals; also return overlaps (seg a, seg b, minutes)."""
    timed = sorted((s for s in segments if s.start is not None and s.stop is not None), key=lambda s: (s.start, s.stop))
    merged: list[Interval] = []
    overlaps: list[tuple[int, int, float]] = []
    for s in timed:
        assert s.start is not None and s.stop is not None
        if merged and s.start < merged[-1].stop:
            last = merged[-1]
            overlap = (min(last.stop, s.stop) - s.start).total_seconds() / 60
            overlaps.append((last.segments[-1], s.number, overlap))
            merged[-1] = Interval(last.start, max(last.stop, s.stop), last.segments + (s.number,))
        elif merged and s.start == merged[-1].stop:
            last = merged[-1]
            merged[-1] = Interval(last.start, s.stop, last.segments + (s.number,))
        else:
            merged.append(Interval(s.start, s.stop, (s.number,)))
    return merged, overlaps


def us_clock_changes(year: int) -> tuple[dt.date, dt.date]:
    """The dates US clocks change (since 2007): the second Sunday of March (forward at 02:00) and
    the first Sunday of November (back at 02:00)."""
    march = dt.date(year, 3, 1)
    november = dt.date(year, 11, 1)
    spring = march + dt.timedelta(days=(6 - march.weekday()) % 7 + 7)
    fall = november + dt.timedelta(days=(6 - november.weekday()) % 7)
    return spring, fall


def clock_changes(intervals: list[Interval]) -> tuple[list[Finding], int]:
    """T-DATE: local times (no UTC offset) that span 02:00 on a date US clocks change. The clock
    difference is an hour more (spring) or less (autumn) than the infusion ran if the clock was
    changed during it; units are counted from the lower of the two counts (the clock's in autumn,
    an hour less in spring), and a warning names both. Returns the findings and the minutes to
    take off the clock count. Times with offsets are counted exactly and need none."""
    out, less = [], 0
    for iv in intervals:
        if iv.start.tzinfo is not None:
            continue
        for day in sorted({iv.start.date(), iv.stop.date()}):
            spring, fall = us_clock_changes(day.year)
            if day not in (spring, fall):
                continue
            at = dt.datetime.combine(day, dt.time(2, 0))
            if not iv.start < at < iv.stop:
                continue
            clock = int((iv.stop - iv.start).total_seconds() // 60)
            if day == spring:
                less += 60
                counted, how = (
                    clock - 60,
                    (
                        f"counted as {clock - 60} min, the lower count: if the clock was "
                        f"changed during the infusion it ran {clock - 60} min, not the "
                        f"{clock} the clock shows"
                    ),
                )
            else:
                counted, how = (
                    clock,
                    (
                        f"counted as the clock shows ({clock} min), the lower count: if the "
                        f"clock was changed during the infusion, it ran {clock + 60} min"
                    ),
                )
            change = "forward" if day == spring else "back"
            out.append(
                Finding(
                    "warning",
                    "T-DATE",
                    f"local times {iv.start:%H:%M}-{iv.stop:%H:%M} on {day.isoformat()}, the day US clocks move "
                    f"{change} an hour at 02:00: {how}; units rest on {counted} min. Give the times with their UTC "
                    f"offsets ({iv.start:%Y-%m-%dT%H:%M}-05:00 ...) to count exactly {cite('T-DATE')}",
                )
            )
    return out, less


def count_time(segments: list[Segment]) -> tuple[Timeline, list[Finding]]:
    """Apply T-DOC and T-SUM to the segments of one encounter; return the timeline and findings."""
    findings: list[Finding] = []
    counted: list[Segment] = []
    uncounted: list[Segment] = []
    for s in segments:
        if s.flush:
            uncounted.append(s)
            findings.append(
                Finding(
                    "info",
                    "T-SUM",
                    f"{s.label} is a flush: flush time is not infusion time and is not counted {cite('T-SUM')}",
                )
            )
        elif not s.documented:
            uncounted.append(s)
            missing = " and ".join(n for n, t in (("start", s.start), ("stop", s.stop)) if t is None)
            findings.append(
                Finding(
                    "error",
                    "T-DOC",
                    f"{s.label} has no {missing} time: its time "
                    "cannot be counted toward time-based units; document the "
                    f"{missing} time {cite('T-DOC')}",
                )
            )
        else:
            counted.append(s)
    intervals, overlaps = merge_intervals(counted)
    for a, b, minutes in overlaps:
        findings.append(
            Finding(
                "info",
                "T-SUM",
                f"segments {a} and {b} overlap by "
                f"{_fmt_minutes(minutes)}: the overlapping time is counted once "
                f"{cite('T-SUM')}",
            )
        )
    for prev, nxt in zip(intervals, intervals[1:]):
        gap = (nxt.start - prev.stop).total_seconds() / 60
        findings.append(
            Finding(
                "info",
                "T-SUM",
                f"gap of {_fmt_minutes(gap)} between segment "
                f"{prev.segments[-1]} and segment {nxt.segments[0]}: time with the "
                f"pump stopped is not counted {cite('T-SUM')}",
            )
        )
    clock_findings, less = clock_changes(intervals)
    findings.extend(clock_findings)
    clock_seconds = sum((i.stop - i.start).total_seconds() for i in intervals)
    duration = sum(s.minutes or 0 for s in counted if s.minutes is not None)
    total = max(int(clock_seconds // 60) - less, 0) + duration
    timeline = Timeline(total, tuple(intervals), duration, tuple(segments), tuple(uncounted))
    return timeline, findings


def service_date(enc: Encounter, timeline: Timeline) -> dt.date | None:
    """The date the encounter's infusion started: its first counted interval's date (ISO times, or
    clock times on the encounter date), else the encounter date; None when neither is known."""
    if timeline.intervals:
        first = timeline.intervals[0].start
        if enc.date is not None or first.date() != NOMINAL_DATE:
            return first.date()
    return enc.date


def hour_dates(timeline: Timeline, hours: int) -> list[dt.date]:
    """T-DOS: the date each additional hour k = 1..``hours`` began (counted minute 60k of the merged
    intervals; an interval of a segment given only as minutes adds none)."""
    out = []
    for k in range(1, hours + 1):
        want, seen = 60 * k, 0.0
        for iv in timeline.intervals:
            if seen + iv.minutes > want:
                out.append((iv.start + dt.timedelta(minutes=want - seen)).date())
                break
            seen += iv.minutes
        else:
            out.append(timeline.intervals[-1].stop.date() if timeline.intervals else NOMINAL_DATE)
    return out


def date_lines(lines: list[ClaimLine], enc: Encounter, timeline: Timeline) -> tuple[list[ClaimLine], list[Finding]]:
    """T-DOS: every line's date of service. Professional and DME claims: the date the infusion
    started. Institutional claims: the date each service was given: 96370 units split by the date
    their hour began, 96371 on the date of the first set-up after the first pump."""
    start = service_date(enc, timeline)
    if start is None:
        return lines, []
    if enc.claim != "institutional":
        dated = [replace(ln, date=start) for ln in lines]
        crosses = bool(timeline.intervals) and timeline.intervals[-1].stop.date() != start
        return dated, (
            [
                Finding(
                    "info",
                    "T-DOS",
                    f"the infusion crosses midnight: on a professional claim every "
                    f"line is dated {start.isoformat()}, the day it started {cite('T-DOS')}",
                )
            ]
            if crosses
            else []
        )
    out: list[ClaimLine] = []
    findings: list[Finding] = []
    for ln in lines:
        if ln.code == "96370" and timeline.intervals:
            by_day: dict[dt.date, int] = {}
            for day in hour_dates(timeline, ln.units):
                by_day[day] = by_day.get(day, 0) + 1
            for day, n in by_day.items():
                out.append(replace(ln, units=n, date=day, rules=ln.rules + (("T-DOS",) if len(by_day) > 1 else ())))
            if len(by_day) > 1:
                findings.append(
                    Finding(
                        "info",
                        "T-DOS",
                        "the infusion crosses midnight: on an institutional claim "
                        "each additional hour goes on the date it began ("
                        + ", ".join(f"96370 x{n} on {d.isoformat()}" for d, n in by_day.items())
                        + f"), still one 96369 for the encounter {cite('T-DOS')}",
                        code="96370",
                    )
                )
        elif ln.code == "96371":
            second = [s.start for s in timeline.segments if s.pump > 1 and s.start is not None and not s.flush]
            day = min(second).date() if second and (enc.date or min(second).date() != NOMINAL_DATE) else start
            out.append(replace(ln, date=day))
        else:
            out.append(replace(ln, date=start))
    return out, findings
