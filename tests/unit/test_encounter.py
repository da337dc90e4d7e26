"""Input parsing: files, YAML times, and errors that name the field and the value."""

from __future__ import annotations

import json

import pytest
from infusion.coding.encounter import parse_encounter, read_encounter_file
from infusion.errors import InputError
from infusion.yamlio import load_yaml


def test_yaml_keeps_clock_times_as_strings():
    # YAML 1.1 would read 10:35 as the sexagesimal number 635
    assert load_yaml("t: 10:35\nn: 5\nf: 1.5") == {"t": "10:35", "n": 5, "f": 1.5}


def test_yaml_file_round_trip(tmp_path):
    p = tmp_path / "enc.yaml"
    p.write_text("date: 2026-03-01\npos: '11'\npayer: cigna\nsegments:\n  - {start: 09:00, stop: 10:35}\n")
    enc = read_encounter_file(p)
    assert enc.payer == "cigna" and enc.infusions[0].segments[0].stop.hour == 10


@pytest.mark.parametrize(
    "obj, field, value",
    [
        ({"segments": [{"start": "09:00", "stop": "9:7"}]}, "segment 1 stop", "9:7"),
        ({"segments": []}, "segments", "[]"),
        ({"segments": [{"minutes": -3}]}, "segment 1 minutes", "-3"),
        ({"segments": [{"minutes": 30}], "pumps": "two"}, "pumps", "two"),
        ({"segments": [{"minutes": 30}], "pos": "7"}, "pos", "7"),
        ({"segments": [{"minutes": 30}], "payer": "kaiser"}, "payer", "kaiser"),
        ({"segments": [{"minutes": 30}], "date": "2026-13-01"}, "date", "2026-13-01"),
        ({"segments": [{"minutes": 30, "pump": 2}]}, "segment 1 pump", "2"),
        ({"segments": [{"minutes": 30, "pump": "²"}]}, "segment 1 pump", "²"),  # isdigit(), not a number
        ({"segments": [{"minutes": 30}], "colour": "red"}, "colour", "unknown field"),
        ({"infusions": [{"route": "oral", "segments": [{"minutes": 30}]}]}, "infusions[0].route", "oral"),
        ({"segments": [{"start": "10:00", "stop": "10:00"}]}, "segment 1", "10:00"),
        ({"segments": [{"start": "13:00 PM", "stop": "2:00 PM"}]}, "segment 1 start", "13:00 PM"),
        ({"segments": [{"start": "0:30 AM", "stop": "2:00 AM"}]}, "segment 1 start", "0:30 AM"),
    ],
)
def test_bad_input_names_field_and_value(obj, field, value):
    with pytest.raises(InputError) as e:
        parse_encounter(obj)
    assert str(e.value).startswith(field + ":"), str(e.value)
    assert value in str(e.value)


@pytest.mark.parametrize(
    "start, stop, minutes",
    [
        ("9:30 AM", "11:05 AM", 95),
        ("11:30am", "1:05 p.m.", 95),
        ("12:00 AM", "12:30 AM", 30),
        ("11:45 AM", "12:15 PM", 30),
        ("9:30 AM", "14:00", 270),
    ],
)
def test_twelve_hour_times_with_am_or_pm(start, stop, minutes):
    enc = parse_encounter({"segments": [{"start": start, "stop": stop}]})
    seg = enc.infusions[0].segments[0]
    assert (seg.stop - seg.start).total_seconds() / 60 == minutes


def test_bad_json_file_names_file_and_line(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"segments": [\n  {"minutes": 30,}\n]}')
    with pytest.raises(InputError, match=r"bad.json line 2"):
        read_encounter_file(p)


def test_field_error_inside_a_file_names_the_file(tmp_path):
    p = tmp_path / "e.json"
    p.write_text(json.dumps({"segments": [{"start": "22:00", "stop": "01:00"}]}))
    with pytest.raises(InputError, match=r"^e.json: segment 1: stop 01:00 is before start 22:00"):
        read_encounter_file(p)
