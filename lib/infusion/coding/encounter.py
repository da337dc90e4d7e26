"""An encounter as documented: the input of the coding engine.

Records are dataclasses. ``parse_encounter`` builds one from a plain mapping (a JSON or YAML file,
a scenario in the bank) and raises :class:`~infusion.errors.InputError` naming the field and the
value on anything it cannot accept. Times are ``HH:MM`` on the encounter date or ISO datetimes;
an ``HH:MM`` stop earlier than its start is an error (rule T-DATE): an infusion that crosses
midnight must be given with dates.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..errors import InputError, nesting_error, shown
from ..reference.catalog import known_pos
from ..yamlio import load_yaml_file, no_constant, number_problem, read_text_file
from .choices import CLAIM_TYPES, PAYERS
from .clock import CLOCK, DIGITS_CLOCK, clock_seconds
from .drugs import DrugGiven, parse_drug
from .edits import Injection, parse_injections

ROUTES = ("subcutaneous", "intravenous")
OFF_CAMPUS = ("excepted", "nonexcepted")
MAX_PUMPS = 20
MAX_SITES = 50  # sites fed by one pump: a handful in practice; 50 is far past any real set-up
MAX_MINUTES = 24 * 60
# A nominal date for HH:MM times when the encounter gives none; never shown as a fact.
NOMINAL_DATE = dt.date(2000, 1, 1)

_TIME_FORMS = "HH:MM, H:MM AM/PM, HHMM or an ISO datetime"


@dataclass(frozen=True)
class Segment:
    """One stretch of infusion on one pump.

    Either ``start`` and ``stop`` (either may be missing when undocumented) or, for a documented
    duration without clock times, ``minutes``. ``flush`` segments are never counted (T-SUM).
    """

    number: int
    start: dt.datetime | None = None
    stop: dt.datetime | None = None
    minutes: int | None = None
    pump: int = 1
    flush: bool = False
    text: str = ""

    @property
    def documented(self) -> bool:
        """True when the segment's length is known (both times, or a duration)."""
        return self.minutes is not None or (self.start is not None and self.stop is not None)

    @property
    def label(self) -> str:
        return f"segment {self.number}"


@dataclass(frozen=True)
class Infusion:
    """One infusion: a route, its pump set-ups (each with new sites) and its time segments."""

    route: str = "subcutaneous"
    pumps: int = 1
    sites: int | None = None
    segments: tuple[Segment, ...] = ()
    drug: str = ""
    separate_site_required: bool = False


@dataclass(frozen=True)
class Encounter:
    """A documented encounter: where, on what claim, for which payer, and its infusions."""

    infusions: tuple[Infusion, ...]
    date: dt.date | None = None
    pos: str = "11"
    claim: str = "professional"
    payer: str = "other"
    modifiers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    em_same_day: bool = False
    off_campus: str | None = None
    self_administered: bool = False
    note: str = ""
    drug: DrugGiven | None = None  # the drug line's input (``drugs``)
    injections: tuple[Injection, ...] = ()  # SC injections beside the infusion (``edits``)
    first_visit: bool = False  # a home visit that is the patient's first (Medicare G0089)


# ----------------------------------------------------------------------------- times


def parse_time(value: Any, where: str, date: dt.date | None) -> dt.datetime:
    """Parse ``HH:MM`` or ``H:MM AM``/``PM`` (on ``date``) or an ISO datetime; InputError names
    ``where`` and the value."""
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not value.strip():
        raise InputError(where, f"{shown(value)} is not a time ({_TIME_FORMS})", "T-DATE")
    text = value.strip()
    if m := (CLOCK.fullmatch(text) or DIGITS_CLOCK.fullmatch(text)):  # the audit's grammar (coding.clock)
        secs = clock_seconds(text)
        if secs is None:
            twelve = m.re is CLOCK and m[4]  # with AM/PM
            raise InputError(
                where,
                f"{shown(text)} is not a time of day ({'1:00-12:59 AM or PM' if twelve else '00:00-23:59'})",
                "T-DATE",
            )
        return dt.datetime.combine(date or NOMINAL_DATE, dt.time(secs // 3600, secs // 60 % 60, secs % 60))
    if "T" not in text and " " not in text:
        raise InputError(where, f"{shown(text)} is not a time ({_TIME_FORMS})", "T-DATE")
    try:
        return dt.datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        raise InputError(where, f"{shown(text)} is not a time ({_TIME_FORMS})", "T-DATE") from None


def _fmt(value: Any) -> str:
    return value.strip() if isinstance(value, str) else str(value)


def make_segment(
    number: int,
    start: Any = None,
    stop: Any = None,
    *,
    minutes: Any = None,
    pump: Any = 1,
    flush: bool = False,
    date: dt.date | None = None,
) -> Segment:
    """Build and check one segment (rule T-DATE): stop after start, time zones not mixed."""
    where = f"segment {number}"
    if minutes is not None:
        if start is not None or stop is not None:
            raise InputError(where, "give either start/stop or minutes, not both")
        return Segment(
            number,
            minutes=parse_minutes(minutes, f"{where} minutes"),
            pump=parse_pump_number(pump, where),
            flush=bool(flush),
        )
    t0 = parse_time(start, f"{where} start", date) if start not in (None, "") else None
    t1 = parse_time(stop, f"{where} stop", date) if stop not in (None, "") else None
    if t0 is not None and t1 is not None:
        if (t0.tzinfo is None) != (t1.tzinfo is None):
            raise InputError(
                where,
                f"start {_fmt(start)} and stop {_fmt(stop)} mix a time zone with none; give both with the same form",
                "T-DATE",
            )
        if t1 < t0:
            both_clock = (
                isinstance(start, str)
                and isinstance(stop, str)
                and clock_seconds(start) is not None
                and clock_seconds(stop) is not None
            )
            hint = "; give dates for an infusion that crosses midnight" if both_clock else ""
            raise InputError(where, f"stop {_fmt(stop)} is before start {_fmt(start)}{hint}", "T-DATE")
        if t1 == t0:
            raise InputError(
                where, f"stop {_fmt(stop)} equals start {_fmt(start)}; a segment needs a positive duration", "T-DATE"
            )
        if (t1 - t0) > dt.timedelta(minutes=MAX_MINUTES):
            raise InputError(where, f"{_fmt(start)} to {_fmt(stop)} is longer than 24 hours; check the dates", "T-DATE")
    return Segment(
        number,
        start=t0,
        stop=t1,
        pump=parse_pump_number(pump, where),
        flush=bool(flush),
        text=f"{_fmt(start) if start else '?'}-{_fmt(stop) if stop else '?'}",
    )


_WHOLE = re.compile(r"[+-]?[0-9]+", re.ASCII)


def _whole(value: Any) -> int:
    """``value`` as a whole number: an int, a float with no fraction, or text of ASCII digits
    (``int()`` also takes ``٩١``, ``１２`` and ``1_000``); ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError
        return int(value)
    text = str(value).strip()
    if not _WHOLE.fullmatch(text) or len(text) > 12:
        raise ValueError
    return int(text)


def _whole_in(value: Any, where: str, what: str, too_small: str, maximum: int, too_big: str) -> int:
    """``value`` as a whole number from 1 to ``maximum``; InputError(where) with ``too_small`` or
    ``too_big`` (``{n}`` is the number) otherwise, or saying it is not a whole number of ``what``."""
    try:
        n = _whole(value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(where, f"{shown(value)} is not a whole number of {what}") from None
    if n < 1 or n > maximum:
        raise InputError(where, (too_small if n < 1 else too_big).format(n=shown(n)))
    return n


def parse_minutes(value: Any, where: str) -> int:
    """A whole number of minutes, 1 to 1440."""
    return _whole_in(
        value,
        where,
        "minutes",
        "{n} is not a positive number of minutes",
        MAX_MINUTES,
        f"{{n}} is more than 24 hours ({MAX_MINUTES} minutes)",
    )


def parse_pump_number(value: Any, where: str) -> int:
    """The pump a segment ran on: a whole number from 1 (pumps count from 1)."""
    text = str(value).strip()
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()):
        raise InputError(f"{where} pump", f"{shown(value)} is not a pump number")
    n = int(text)
    if n < 1:
        raise InputError(f"{where} pump", f"{shown(n)} is not a pump number (pumps count from 1)")
    return n


def parse_segment_arg(text: str, number: int, date: dt.date | None = None) -> Segment:
    """Parse a CLI ``--segment``: ``HH:MM-HH:MM`` (``9:30 AM-11:05 AM`` too) or ``ISO/ISO``
    (``2026-03-01T23:30/2026-03-02T01:05``)."""
    where = f"segment {number}"
    raw = text.strip()
    if "/" in raw:
        parts = raw.split("/")
    elif raw.count("-") == 1 and "T" not in raw:
        parts = raw.split("-")
    else:
        raise InputError(
            where, f"{shown(raw)} is not START-STOP (HH:MM-HH:MM) or START/STOP (ISO datetimes joined by /)"
        )
    if len(parts) != 2:
        raise InputError(
            where, f"{shown(raw)} is not START-STOP (HH:MM-HH:MM) or START/STOP (ISO datetimes joined by /)"
        )
    start, stop = (p.strip() for p in parts)
    return make_segment(number, start or None, stop or None, date=date)


# ----------------------------------------------------------------------------- values


def parse_choice(value: Any, where: str, choices: tuple[str, ...]) -> str:
    text = str(value).strip().lower() if value is not None else ""
    if text not in choices:
        raise InputError(where, f"{shown(value)} is not one of {', '.join(choices)}")
    return text


def parse_pos(value: Any, where: str = "pos") -> str:
    """A two-digit place-of-service code known to ``data/reference/places_of_service.csv``."""
    text = str(value).strip() if value is not None else ""
    if isinstance(value, int) and not isinstance(value, bool):
        text = f"{value:02d}"
    if not re.fullmatch(r"\d{2}", text):
        raise InputError(where, f"{shown(value)} is not a two-digit place-of-service code")
    if not known_pos(text):
        raise InputError(
            where, f"{text} is not a place-of-service code in the CMS code set (data/reference/places_of_service.csv)"
        )
    return text


def parse_pumps(value: Any, where: str = "pumps") -> int:
    """Number of pump set-ups, 1 to 20."""
    return _whole_in(
        value,
        where,
        "pump set-ups",
        "{n}: an infusion needs at least 1 pump set-up",
        MAX_PUMPS,
        f"{{n}} pump set-ups is not plausible (at most {MAX_PUMPS})",
    )


def parse_date(value: Any, where: str = "date") -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(where, f"{shown(value)} is not a date (YYYY-MM-DD)") from None


def parse_modifier_map(value: Any, where: str = "modifiers") -> dict[str, tuple[str, ...]]:
    """``{"96369": ["59"]}``: modifiers the coder proposes for a code's line (checked, M-VALID)."""
    if value in (None, {}):
        return {}
    if not isinstance(value, Mapping):
        raise InputError(where, f"{shown(value)} is not a mapping of code to a list of modifiers")
    out: dict[str, tuple[str, ...]] = {}
    for code, mods in value.items():
        if isinstance(mods, str):
            mods = [mods]
        if not isinstance(mods, (list, tuple)):
            raise InputError(f"{where}.{code}", f"{shown(mods)} is not a list of modifiers")
        out[str(code).strip()] = tuple(str(m).strip().upper() for m in mods)
    return out


# ----------------------------------------------------------------------------- files

_KNOWN_ENCOUNTER_KEYS = {
    "date",
    "pos",
    "claim",
    "payer",
    "infusions",
    "modifiers",
    "em_same_day",
    "off_campus",
    "self_administered",
    "note",
    "segments",
    "pumps",
    "minutes",
    "route",
    "drug",
    "sites",
    "injections",
    "first_visit",
}
_KNOWN_INFUSION_KEYS = {"route", "pumps", "sites", "segments", "drug", "separate_site_required", "minutes"}
_KNOWN_SEGMENT_KEYS = {"start", "stop", "minutes", "pump", "flush"}


def _check_keys(obj: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(obj) - known)
    if unknown:
        label = f"{where}." if where else ""
        raise InputError(f"{label}{unknown[0]}", f"unknown field; known fields: {', '.join(sorted(known))}")


def parse_encounter(obj: Any) -> Encounter:
    """Build an :class:`Encounter` from a mapping (JSON/YAML). Bad input raises InputError.

    A single-infusion shorthand is accepted: ``segments``/``minutes``/``pumps``/``route`` at the
    top level instead of an ``infusions`` list.
    """
    if not isinstance(obj, Mapping):
        raise InputError("encounter", f"expected a mapping of fields, got {type(obj).__name__}")
    _check_keys(obj, _KNOWN_ENCOUNTER_KEYS, "")
    date = parse_date(obj["date"]) if obj.get("date") not in (None, "") else None
    if "infusions" in obj:
        raw_infusions = obj["infusions"]
        if not isinstance(raw_infusions, list) or not raw_infusions:
            raise InputError("infusions", f"{shown(raw_infusions)} is not a non-empty list")
    else:
        raw_infusions = [{k: obj[k] for k in ("segments", "pumps", "minutes", "route", "sites") if k in obj}]
        if isinstance(obj.get("drug"), str):
            raw_infusions[0]["drug"] = obj["drug"]
    infusions = []
    drugs: list[DrugGiven | None] = []
    if obj.get("drug") is not None:
        drugs.append(parse_drug(obj["drug"], "drug"))
    numbers = iter(range(1, 10**9))  # segments are numbered across the infusions
    for i, inf in enumerate(raw_infusions):
        infusion, drug = _parse_infusion(inf, f"infusions[{i}]" if "infusions" in obj else "", date, numbers)
        infusions.append(infusion)
        if drug is not None:
            drugs.append(drug)
    off_campus = obj.get("off_campus")
    if off_campus is not None:
        off_campus = parse_choice(off_campus, "off_campus", OFF_CAMPUS)
    enc = Encounter(
        infusions=tuple(infusions),
        date=date,
        pos=parse_pos(obj.get("pos", "11")),
        claim=parse_choice(obj.get("claim", "professional"), "claim", CLAIM_TYPES),
        payer=parse_choice(obj.get("payer", "other"), "payer", PAYERS),
        modifiers=parse_modifier_map(obj.get("modifiers")),
        em_same_day=bool(obj.get("em_same_day", False)),
        off_campus=off_campus,
        self_administered=bool(obj.get("self_administered", False)),
        note=str(obj.get("note", "") or ""),
        drug=next((d for d in drugs if d is not None), None),
        injections=parse_injections(obj.get("injections")),
        first_visit=_flag(obj, "first_visit"),
    )
    check_time_zones(enc)
    return enc


def _parse_infusion(
    inf: Any, where: str, date: dt.date | None, numbers: Iterator[int]
) -> tuple[Infusion, DrugGiven | None]:
    """One infusion of an encounter (``where``: ``infusions[i]``, or "" for the shorthand) and the
    drug it names in full, if any."""
    if not isinstance(inf, Mapping):
        raise InputError(where or "infusion", f"{shown(inf)} is not a mapping")
    _check_keys(inf, _KNOWN_INFUSION_KEYS, where)
    pre = f"{where}." if where else ""
    route = parse_choice(inf.get("route", "subcutaneous"), f"{pre}route", ROUTES)
    pumps = parse_pumps(inf.get("pumps", 1), f"{pre}pumps")
    sites = None
    if inf.get("sites") is not None:
        try:
            sites = _whole(inf["sites"])
            if sites < 1 or sites > MAX_SITES:
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            raise InputError(
                f"{pre}sites", f"{shown(inf['sites'])} is not a number of sites from 1 to {MAX_SITES}"
            ) from None
    raw_segments = inf.get("segments")
    if raw_segments is None and "minutes" in inf:
        raw_segments = [{"minutes": inf["minutes"]}]
    if not isinstance(raw_segments, list) or not raw_segments:
        raise InputError(f"{pre}segments", f"{shown(raw_segments)}: give a list of segments (start/stop or minutes)")
    segs = tuple(_parse_segment(s, next(numbers), pumps, date) for s in raw_segments)
    inf_drug = inf.get("drug")
    drug = parse_drug(inf_drug, f"{pre}drug") if isinstance(inf_drug, Mapping) else None
    name = (
        str(inf_drug.get("product") or inf_drug.get("code") or "")
        if isinstance(inf_drug, Mapping)
        else str(inf_drug or "")[:200]
    )
    return Infusion(
        route=route,
        pumps=pumps,
        sites=sites,
        segments=segs,
        drug=name,
        separate_site_required=bool(inf.get("separate_site_required", False)),
    ), drug


def _parse_segment(s: Any, seg_no: int, pumps: int, date: dt.date | None) -> Segment:
    if not isinstance(s, Mapping):
        raise InputError(f"segment {seg_no}", f"{shown(s)} is not a mapping with start/stop or minutes")
    _check_keys(s, _KNOWN_SEGMENT_KEYS, f"segment {seg_no}")
    seg = make_segment(
        seg_no,
        s.get("start"),
        s.get("stop"),
        minutes=s.get("minutes"),
        pump=s.get("pump", 1),
        flush=bool(s.get("flush", False)),
        date=date,
    )
    if seg.pump > pumps:
        raise InputError(f"segment {seg_no} pump", f"{seg.pump} but the infusion has {pumps} pump set-up(s)")
    return seg


def _flag(obj: Mapping[str, Any], name: str) -> bool:
    value = obj.get(name, False)
    if not isinstance(value, bool):
        raise InputError(name, f"{shown(value)} is not true or false")
    return value


def check_time_zones(enc: Encounter) -> None:
    """T-DATE: the times of an encounter all give a UTC offset, or none does. Offsets may differ
    (a daylight-saving change during the infusion: ``01:30-05:00`` to ``03:10-04:00`` is 40
    minutes, counted exactly); local times and times with an offset cannot be compared."""
    kinds: dict[bool, str] = {}  # has an offset -> the first segment of that kind
    for inf in enc.infusions:
        for s in inf.segments:
            for t in (s.start, s.stop):
                if t is not None:
                    kinds.setdefault(t.utcoffset() is not None, s.label)
    if len(kinds) > 1:
        raise InputError(
            kinds[True],
            f"{kinds[True]} gives times with a UTC offset and {kinds[False]} "
            "local times without one: they cannot be compared; give every time in one form",
            "T-DATE",
        )


def read_encounter_file(path: str | Path) -> Encounter:
    """Read an encounter from ``.json``, ``.yaml`` or ``.yml``; errors name the file."""
    p = Path(path)
    if p.suffix.lower() in (".yaml", ".yml"):
        obj = load_yaml_file(p, "file")
    elif p.suffix.lower() == ".json":
        try:
            obj = json.loads(read_text_file(p, "file"), parse_constant=no_constant)
        except json.JSONDecodeError as e:
            raise InputError("file", f"{p.name} line {e.lineno} column {e.colno}: {e.msg}") from None
        except RecursionError:
            raise nesting_error("file", p.name) from None
        except ValueError as e:
            raise InputError("file", f"{p.name}: {number_problem(e)}") from None
    else:
        read_text_file(p, "file")  # a missing file says so first
        raise InputError("file", f"{str(p)!r} is not .json, .yaml or .yml")
    if isinstance(obj, Mapping) and isinstance(obj.get("encounter"), Mapping) and "expected" in obj:
        obj = obj["encounter"]  # a scenario of the bank (data/scenarios/*.yaml): its encounter
    try:
        return parse_encounter(obj)
    except InputError as e:
        raise InputError(f"{p.name}: {e.field}", str(e).split(": ", 1)[1], e.rule) from None
