"""Time rules: T-DOC (documented start and stop), T-SUM (sum the segments once), T-DATE (order).

T-DATE is enforced when segments are built (:func:`infusion.coding.encounter.make_segment`): a stop before
its start is invalid input. This module turns an encounter's segments into the counted infusion
time, with a finding for every segment it could not count and every overlap, gap and flush.

Counting: the segments' clock intervals are merged, so time on the clock is counted once even when
two segments (on one pump, or on two pumps running at once) overlap; segments given only as a
duration (``minutes``) are added. Partial minutes are dropped: 90 min 59 s counts as 90.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .encounter import Segment
from .records import Finding
from .rules import cite


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
    timed = sorted((s for s in segments if s.start is not None and s.stop is not None),
                   key=lambda s: (s.start, s.stop))
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


def clock_change_findings(intervals: list[Interval]) -> list[Finding]:
    """T-DATE: local times (no UTC offset) that span 02:00 on a date US clocks change: the clock
    difference is an hour more (spring) or less (autumn) than the infusion ran. A warning naming
    the ambiguity and both counts; times with offsets are counted exactly and need none."""
    out = []
    for iv in intervals:
        if iv.start.tzinfo is not None:
            continue
        for day in {iv.start.date(), iv.stop.date()}:
            spring, fall = us_clock_changes(day.year)
            if day not in (spring, fall):
                continue
            at = dt.datetime.combine(day, dt.time(2, 0))
            if not iv.start < at < iv.stop:
                continue
            clock = int((iv.stop - iv.start).total_seconds() // 60)
            real = clock - 60 if day == spring else clock + 60
            change = "forward" if day == spring else "back"
            out.append(Finding(
                "warning", "T-DATE",
                f"local times {iv.start:%H:%M}-{iv.stop:%H:%M} on {day.isoformat()}, the day US clocks move "
                f"{change} an hour at 02:00: counted as the clock shows ({clock} min); if the clock was changed "
                f"during the infusion, it ran {real} min. Give the times with their UTC offsets "
                f"({iv.start:%Y-%m-%dT%H:%M}-05:00 ...) to count exactly {cite('T-DATE')}"))
    return out


def count_time(segments: list[Segment]) -> tuple[Timeline, list[Finding]]:
    """Apply T-DOC and T-SUM to the segments of one encounter; return the timeline and findings."""
    findings: list[Finding] = []
    counted: list[Segment] = []
    uncounted: list[Segment] = []
    for s in segments:
        if s.flush:
            uncounted.append(s)
            findings.append(Finding("info", "T-SUM", f"{s.label} is a flush: flush time is not "
                                    f"infusion time and is not counted {cite('T-SUM')}"))
        elif not s.documented:
            uncounted.append(s)
            missing = " and ".join(n for n, t in (("start", s.start), ("stop", s.stop)) if t is None)
            findings.append(Finding("error", "T-DOC", f"{s.label} has no {missing} time: its time "
                                    "cannot be counted toward time-based units; document the "
                                    f"{missing} time {cite('T-DOC')}"))
        else:
            counted.append(s)
    intervals, overlaps = merge_intervals(counted)
    for a, b, minutes in overlaps:
        findings.append(Finding("info", "T-SUM", f"segments {a} and {b} overlap by "
                                f"{_fmt_minutes(minutes)}: the overlapping time is counted once "
                                f"{cite('T-SUM')}"))
    for prev, nxt in zip(intervals, intervals[1:]):
        gap = (nxt.start - prev.stop).total_seconds() / 60
        findings.append(Finding("info", "T-SUM", f"gap of {_fmt_minutes(gap)} between segment "
                                f"{prev.segments[-1]} and segment {nxt.segments[0]}: time with the "
                                f"pump stopped is not counted {cite('T-SUM')}"))
    findings.extend(clock_change_findings(intervals))
    clock_seconds = sum((i.stop - i.start).total_seconds() for i in intervals)
    duration = sum(s.minutes or 0 for s in counted if s.minutes is not None)
    total = int(clock_seconds // 60) + duration
    timeline = Timeline(total, tuple(intervals), duration, tuple(segments), tuple(uncounted))
    return timeline, findings
