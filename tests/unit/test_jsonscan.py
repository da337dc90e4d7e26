"""The fast array scanner: same items as json.load at any window size; strings, escapes, errors."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
from infusion.config import REPO_ROOT
from infusion.rates.jsonscan import MissingField, StreamError, iter_object_fast
from shared_files import SHARED

TIC_SAMPLE = REPO_ROOT / "data" / "samples" / "tic" / "illustrative_aetna_in-network-rates.json"

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


# ---- untrusted files (issue 18): structure checked in every item, decoded or not ------------------

NONE_MATCH = {"items": re.compile(rb"(?!x)x")}  # a pattern that matches nothing: items are only scanned


@pytest.mark.parametrize("doc, needle", [
    (b'{"items": [[1}, 2]}', "items[0]: mismatched bracket"),
    (b'{"items": [{"a": [1, 2}]}', "items[0]: mismatched bracket"),
    (b'{"items": [1, nope, 3]}', "items[1]: a character that is not JSON outside a string"),
    (b'{"items": [1, "a\x01b"]}', "items[1]: control character inside a string"),
    (b'{"items": [' + b"[" * 600 + b"]" * 600 + b"]}", "nested more than 512 levels deep"),
    (b'{"a\nb": 1}', "member name not valid JSON text"),
    (b'{"a\xff": 1}', "member name not valid JSON text"),
])
@pytest.mark.parametrize("chunk", [3, 1 << 20])
def test_items_that_are_not_decoded_are_still_checked(doc, needle, chunk):
    with pytest.raises(StreamError) as e:
        list(iter_object_fast(io.BytesIO(doc), NONE_MATCH, chunk=chunk))
    assert needle in str(e.value)


@pytest.mark.parametrize("value", [b"NaN", b"Infinity", b"-Infinity", b"1e999"])
def test_nan_infinity_and_overflow_are_not_values(value):
    doc = b'{"items": [{"rate": ' + value + b"}]}"
    with pytest.raises(StreamError, match="items\\[0\\]"):
        list(iter_object_fast(io.BytesIO(doc), {"items": None}))
    with pytest.raises(StreamError, match="'rate'"):
        list(iter_object_fast(io.BytesIO(b'{"rate": ' + value + b"}"), {}))


def test_byte_order_mark_is_accepted():
    doc = b'\xef\xbb\xbf{"items": [1, 2]}'
    assert [m.value for m in iter_object_fast(io.BytesIO(doc), {"items": None})] == [1, 2]


@pytest.mark.parametrize("chunk", [1, 2, 5, 8, 16, 1 << 20])
def test_error_offsets_are_right_across_refills(chunk):
    doc = b'{"aaaaaaaaaa": [1, 2, {"b": ]}'  # the stray ] is at byte 27
    with pytest.raises(StreamError) as e:
        list(iter_object_fast(io.BytesIO(doc), {}, chunk=chunk))
    assert e.value.offset == doc.index(b"]")
    doc = b'{"a": 1, "b": "unterminated'  # a member whose value never ends: offset of its start
    with pytest.raises(StreamError) as e:
        list(iter_object_fast(io.BytesIO(doc), {}, chunk=chunk))
    assert e.value.offset == doc.index(b'"unterminated')


def test_junk_where_a_key_is_expected_is_refused_without_reading_on():
    class Endless(io.RawIOBase):
        reads = 0

        def readable(self):
            return True

        def readinto(self, b):
            self.reads += 1
            b[: len(b)] = b"x" * len(b)
            return len(b)

    src = Endless()
    head = io.BytesIO(b'{"a": 1, junk')
    stream = io.BufferedReader(_Chain(head, src))
    with pytest.raises(StreamError, match="expected a member name"):
        list(iter_object_fast(stream, {}, chunk=16))
    assert src.reads < 3


class _Chain(io.RawIOBase):
    def __init__(self, *parts):
        self.parts = list(parts)

    def readable(self):
        return True

    def readinto(self, b):
        while self.parts:
            n = self.parts[0].readinto(b)
            if n:
                return n
            self.parts.pop(0)
        return 0


# ---- differential: the scanner against json.loads -------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10 ** 30), max_value=10 ** 30)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=25)


@settings(max_examples=150, deadline=None)
@given(items=st.lists(_JSON, max_size=6), head=st.dictionaries(st.text(max_size=8), _JSON, max_size=3),
       chunk=st.sampled_from([1, 2, 3, 7, 64, 4096]), ascii_only=st.booleans(), indent=st.sampled_from([None, 2]))
def test_scanner_items_equal_json_loads(items, head, chunk, ascii_only, indent):
    head.pop("items", None)
    doc = {**head, "items": items}
    raw = json.dumps(doc, ensure_ascii=ascii_only, indent=indent).encode()
    members = list(iter_object_fast(io.BytesIO(raw), {"items": None}, chunk=chunk))
    assert [m.value for m in members if m.key == "items"] == json.loads(raw)["items"]
    assert {m.key: m.value for m in members if m.index is None} == head


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=200) | st.text(alphabet='{}[],:"\\ abtrue0123.-eE\n\x01', max_size=120).map(str.encode),
       chunk=st.sampled_from([1, 4, 64]))
def test_scanner_on_any_bytes_gives_items_or_its_own_error(data, chunk):
    doc = b'{"items": [' + data + b"]}"
    try:
        items = [m.value for m in iter_object_fast(io.BytesIO(doc), {"items": None}, chunk=chunk)
                 if m.key == "items"]
    except StreamError:
        return
    assert items == json.loads(doc)["items"]  # whatever it accepts, json.loads reads the same


@settings(max_examples=300, deadline=None)
@given(data=st.one_of(st.binary(max_size=200),
                      st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                                   lambda c: (st.lists(c, max_size=4)
                                              | st.dictionaries(st.text(max_size=4), c, max_size=4)),
                                   max_leaves=20).map(lambda v: json.dumps(v).encode())),
       first_only=st.booleans(), closer=st.sampled_from([93, 125]))
def test_the_python_scan_and_the_compiled_kernel_agree(data, first_only, closer):
    """Issue 17: small windows are scanned in Python (no numba loaded), large ones by the kernel."""
    from infusion.rates import jsonscan

    py = jsonscan._scan(data, first_only, closer)
    nb = jsonscan.compiled_scan()(np.frombuffer(data, dtype=np.uint8), first_only, closer)
    assert list(py[0][: py[1]]) == list(nb[0][: nb[1]]) and py[1:] == tuple(int(x) for x in nb[1:])


def test_a_small_file_loads_no_compiler_and_a_large_one_gives_the_same_rows(tmp_path, monkeypatch):
    import subprocess
    import sys

    from infusion.rates import jsonscan
    from infusion.rates.extract import extract_file

    code = ("import sys; from infusion.rates.extract import extract_file; "
            f"extract_file({str(TIC_SAMPLE)!r}); print('numba' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"
    light = extract_file(TIC_SAMPLE).rows
    monkeypatch.setattr(jsonscan, "SMALL", 0)  # every window to the compiled kernel
    assert extract_file(TIC_SAMPLE).rows == light and light


@pytest.mark.parametrize("ref", [
    {"provider_group_id": 7,
     "provider_groups": [{"npi": [1111111111, 2222222222], "tin": {"type": "ein", "value": "1"}}]},
    {"provider_group_id": 8,
     "provider_groups": [{"npi": [1111111111, 1111111111, 0], "tin": {"type": "ein", "value": "2"}},
                         {"npi": [3333333333], "tin": {"type": "npi", "value": "3"}}]},
    {"provider_group_id": 9, "provider_groups": []},
    {"provider_group_id": 10, "provider_groups": [{"npi": [], "tin": {"type": "ein", "value": "4"}}]},
])
def test_a_provider_reference_read_from_its_bytes_counts_as_decoded(ref):
    """The fast path (no json.loads per reference) gives the groups and distinct NPIs the checked
    JSON path gives; other shapes fall back to the JSON path."""
    from pathlib import Path

    from infusion.rates.tic import _provider_summary, _reference_bytes

    for raw in (json.dumps(ref).encode(), json.dumps(ref, separators=(",", ":")).encode()):
        fast = _reference_bytes(raw)
        assert fast is not None and fast[0] == ref["provider_group_id"]
        assert fast[1:] == _provider_summary(ref["provider_groups"], "", Path("x"))
    odd = dict(ref, provider_groups=True)
    assert _reference_bytes(json.dumps(odd).encode()) is None
    assert _reference_bytes(json.dumps(dict(ref, location="https://x/y.json")).encode()) is None
