"""The fast array scanner: same items as json.load at any window size; strings, escapes, errors."""

from __future__ import annotations

import io
import json
import re

import pytest
from infusion.jsonscan import MissingField, StreamError, iter_object_fast
from shared_files import SHARED

TIC = SHARED / "reference-formats" / "tic"
TRICKY = {
    "a": 'text with , and ] and } and a " quote and a \\ backslash',
    "items": [{"s": '{[,"\\', "n": [1, 2, {"x": "]"}]}, {"s": "é€ é", "n": []}, [], "x,y", 12.5e3,
              None, True, {"deep": [[[{"k": ","}]]]}],
    "tail": {"k": [1, {"z": "}"}]},
}


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 1 << 20])
def test_all_items_match_json_load(chunk):
    raw = json.dumps(TRICKY, ensure_ascii=False).encode()
    members = list(iter_object_fast(io.BytesIO(raw), {"items": None}, chunk=chunk))
    assert [m.value for m in members if m.key == "items"] == TRICKY["items"]
    assert {m.key: m.value for m in members if m.index is None} == {"a": TRICKY["a"], "tail": TRICKY["tail"]}
    assert [m.index for m in members if m.key == "items"] == list(range(len(TRICKY["items"])))


@pytest.mark.parametrize("chunk", [1, 3, 17, 256, 1 << 20])
def test_official_tic_example_equals_json_load_at_any_window(chunk):
    raw = (TIC / "in-network-rates-all-negotiated-types-sample.json").read_bytes()
    full = json.loads(raw)
    members = list(iter_object_fast(io.BytesIO(raw), {"in_network": None, "provider_references": None}, chunk=chunk))
    assert [m.value for m in members if m.key == "in_network"] == full["in_network"]
    assert [m.value for m in members if m.key == "provider_references"] == full["provider_references"]
    scalars = {m.key: m.value for m in members if m.index is None}
    assert scalars["reporting_entity_name"] == full["reporting_entity_name"]


def test_multibyte_text_and_offsets():
    doc = '{"a": "é€", "items": [{"x": "ü"}, {"x": 2}]}'.encode()
    members = list(iter_object_fast(io.BytesIO(doc), {"items": None}, chunk=2))
    assert [m.value for m in members] == ["é€", {"x": "ü"}, {"x": 2}]
    assert members[1].offset == doc.index(b'{"x"')


@pytest.mark.parametrize("chunk", [3, 100, 1 << 20])
def test_pattern_decodes_only_matching_items_and_counts_all(chunk):
    raw = (TIC / "in-network-rates-multiple-plans-sample.json").read_bytes()
    full = json.loads(raw)
    counts: dict[str, int] = {}
    pat = re.compile(rb'"billing_code"\s*:\s*"27448"')
    got = [m.value for m in iter_object_fast(io.BytesIO(raw), {"in_network": pat, "provider_references": None},
                                             chunk=chunk, counts=counts) if m.key == "in_network"]
    assert got == [i for i in full["in_network"] if i["billing_code"] == "27448"]
    assert counts["in_network"] == len(full["in_network"])


def test_pretty_printed_files_work():
    raw = json.dumps(TRICKY, indent=3).encode()
    assert [m.value for m in iter_object_fast(io.BytesIO(raw), {"items": None}, chunk=5)
            if m.key == "items"] == TRICKY["items"]


@pytest.mark.parametrize("doc, needle", [
    (b'{"items": [1, 2', "data ends inside 'items'"),
    (b'{"items": [1, {"a": 1,, "b": 2}]}', "items[1]"),
    (b'{"items": [1, , 2]}', "items[1]"),
    (b'[1]', "expected '{'"),
    (b'{"items": [1]} junk', "extra data"),
    (b'{"a": tru}', "'a'"),
    (b'{"items": [1, 2,, 3]}', "byte 16"),
])
def test_errors(doc, needle):
    with pytest.raises(StreamError) as e:
        list(iter_object_fast(io.BytesIO(doc), {"items": None}, chunk=4))
    assert needle in str(e.value)


def test_required_member_checked_without_decoding():
    doc = b'{"items": [{"code": "1"}, {"other": 2}, {"code": "3"}]}'
    with pytest.raises(MissingField) as e:
        list(iter_object_fast(io.BytesIO(doc), {"items": re.compile(rb'"code": "3"')}, chunk=8,
                              required={"items": ("code", re.compile(rb'"code"\s*:'))}))
    assert "items[1]: missing required field code" in str(e.value) and e.value.offset == doc.index(b'{"other"')
