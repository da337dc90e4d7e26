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
    "items": [
        {"s": '{[,"\\', "n": [1, 2, {"x": "]"}]},
        {"s": "é€ é", "n": []},
        [],
        "x,y",
        12.5e3,
        None,
        True,
        {"deep": [[[{"k": ","}]]]},
    ],
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
    got = [
        m.value
        for m in iter_object_fast(
            io.BytesIO(raw), {"in_network": pat, "provider_references": None}, chunk=chunk, counts=counts
        )
        if m.key == "in_network"
    ]
    assert got == [i for i in full["in_network"] if i["billing_code"] == "27448"]
    assert counts["in_network"] == len(full["in_network"])


def test_pretty_printed_files_work():
    raw = json.dumps(TRICKY, indent=3).encode()
    assert [m.value for m in iter_object_fast(io.BytesIO(raw), {"items": None}, chunk=5) if m.key == "items"] == TRICKY[
        "items"
    ]


@pytest.mark.parametrize(
    "doc, needle",
    [
        (b'{"items": [1, 2', "data ends inside 'items'"),
        (b'{"items": [1, {"a": 1,, "b": 2}]}', "items[1]"),
        (b'{"items": [1, , 2]}', "items[1]"),
        (b"[1]", "expected '{'"),
        (b'{"items": [1]} junk', "extra data"),
        (b'{"a": tru}', "'a'"),
        (b'{"items": [1, 2,, 3]}', "byte 16"),
    ],
)
def test_errors(doc, needle):
    with pytest.raises(StreamError) as e:
        list(iter_object_fast(io.BytesIO(doc), {"items": None}, chunk=4))
    assert needle in str(e.value)


def test_required_member_checked_without_decoding():
    doc = b'{"items": [{"code": "1"}, {"other": 2}, {"code": "3"}]}'
    with pytest.raises(MissingField) as e:
        list(
            iter_object_fast(
                io.BytesIO(doc), {"items": re.compile(rb'"code": "3"')}, chunk=8, required={"items": "code"}
            )
        )
    assert "items[1]: missing required field code" in str(e.value) and e.value.offset == doc.index(b'{"other"')


@pytest.mark.parametrize(
    "item", [b'{"x": {"code": 1}}', b'{"x": "code"}', b'["code", 1]', b'"code"', b"7", b'{"cod": 1, "codes": 2}']
)
@pytest.mark.parametrize("chunk", [3, 1 << 20])
def test_a_required_member_counts_only_among_the_items_own_members(item, chunk):
    doc = b'{"items": [{"code": 1}, ' + item + b', {"code": 2}]}'
    with pytest.raises(MissingField, match=r"items\[1\]: missing required field code"):
        list(iter_object_fast(io.BytesIO(doc), {"items": None}, chunk=chunk, required={"items": "code"}))
    ok = b'{"items": [{"code": 1}, {"x": {"code": 0}, "code" : 3}, {"y": [], "code": 2}]}'
    assert [
        m.value["code"]
        for m in iter_object_fast(io.BytesIO(ok), {"items": None}, chunk=chunk, required={"items": "code"})
    ] == [1, 3, 2]


# ---- untrusted files (issue 18): structure checked in every item, decoded or not ------------------

NONE_MATCH = {"items": re.compile(rb"(?!x)x")}  # a pattern that matches nothing: items are only scanned


@pytest.mark.parametrize(
    "doc, needle",
    [
        (b'{"items": [[1}, 2]}', "items[0]: mismatched bracket"),
        (b'{"items": [{"a": [1, 2}]}', "items[0]: mismatched bracket"),
        (b'{"items": [1, nope, 3]}', "items[1]: a character that is not JSON outside a string"),
        (b'{"items": [1, "a\x01b"]}', "items[1]: control character inside a string"),
        (b'{"items": [' + b"[" * 600 + b"]" * 600 + b"]}", "nested more than 512 levels deep"),
        (b'{"a\nb": 1}', "member name not valid JSON text"),
        (b'{"a\xff": 1}', "member name not valid JSON text"),
    ],
)
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
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None)
@given(
    items=st.lists(_JSON, max_size=6),
    head=st.dictionaries(st.text(max_size=8), _JSON, max_size=3),
    chunk=st.sampled_from([1, 2, 3, 7, 64, 4096]),
    ascii_only=st.booleans(),
    indent=st.sampled_from([None, 2]),
)
def test_scanner_items_equal_json_loads(items, head, chunk, ascii_only, indent):
    head.pop("items", None)
    doc = {**head, "items": items}
    raw = json.dumps(doc, ensure_ascii=ascii_only, indent=indent).encode()
    members = list(iter_object_fast(io.BytesIO(raw), {"items": None}, chunk=chunk))
    assert [m.value for m in members if m.key == "items"] == json.loads(raw)["items"]
    assert {m.key: m.value for m in members if m.index is None} == head


@settings(max_examples=300, deadline=None)
@given(
    data=st.binary(max_size=200) | st.text(alphabet='{}[],:"\\ abtrue0123.-eE\n\x01', max_size=120).map(str.encode),
    chunk=st.sampled_from([1, 4, 64]),
)
def test_scanner_on_any_bytes_gives_items_or_its_own_error(data, chunk):
    doc = b'{"items": [' + data + b"]}"
    try:
        items = [m.value for m in iter_object_fast(io.BytesIO(doc), {"items": None}, chunk=chunk) if m.key == "items"]
    except StreamError:
        return
    assert items == json.loads(doc)["items"]  # whatever it accepts, json.loads reads the same


@settings(max_examples=300, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=200),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=8),
            lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=4), c, max_size=4),
            max_leaves=20,
        ).map(lambda v: json.dumps(v).encode()),
    ),
    first_only=st.booleans(),
    closer=st.sampled_from([93, 125]),
    word=st.sampled_from([b"", b"a", b"ab"]),
)
def test_the_python_scan_and_the_compiled_kernel_agree(data, first_only, closer, word):
    """Issue 17: small windows are scanned in Python (no numba loaded), large ones by the kernel."""
    from infusion.rates import jsonscan

    py = jsonscan._scan(data, first_only, closer, word, jsonscan.KINDS)
    nb = jsonscan.compiled_scan()(
        np.frombuffer(data, dtype=np.uint8),
        first_only,
        closer,
        np.frombuffer(word, dtype=np.uint8),
        np.frombuffer(jsonscan.KINDS, dtype=np.uint8),
    )
    assert py[1:] == tuple(int(x) for x in nb[1:])
    k, stop = py[1], py[2]  # separators, and where each item's ``word`` value starts (the last one's at the end)
    assert py[0][0, :k].tolist() == nb[0][0, :k].tolist()
    assert py[0][1, : k + (stop >= 0)].tolist() == nb[0][1, : k + (stop >= 0)].tolist()


def test_a_small_file_loads_no_compiler_and_a_large_one_gives_the_same_rows(tmp_path, monkeypatch):
    import subprocess
    import sys

    from infusion.rates import jsonscan
    from infusion.rates.extract import extract_file

    code = (
        "import sys; from infusion.rates.extract import extract_file; "
        f"extract_file({str(TIC_SAMPLE)!r}); print('numba' in sys.modules)"
    )
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
        == "False"
    )
    light = extract_file(TIC_SAMPLE).rows
    monkeypatch.setattr(jsonscan, "SMALL", 0)  # every window to the compiled kernel
    assert extract_file(TIC_SAMPLE).rows == light and light


code_value = st.one_of(
    st.sampled_from(["96369", "96370", "99213", "J1559", "9636", "963690"]),
    st.tuples(st.text(" \t", max_size=70), st.sampled_from(["96369", "96370"]), st.text(" ", max_size=3)).map("".join),
    st.sampled_from([96369, 96370, 96369.0, 12]),
    st.text(max_size=12),
    st.none(),
    st.just({"v": "96369"}),
)


@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(
        st.fixed_dictionaries(
            {"billing_code": code_value},
            optional={"a": st.text(',}"\\ 96369', max_size=6), "z": st.lists(st.integers(96360, 96372), max_size=3)},
        ),
        min_size=1,
        max_size=8,
    ),
    ascii_only=st.booleans(),
    sep=st.sampled_from([(",", ":"), (", ", ": "), (" ,", " :  ")]),
    chunk=st.sampled_from([5, 64, 1 << 20]),
)
def test_values_select_every_item_whose_code_is_wanted(items, ascii_only, sep, chunk):
    """``Values`` (issue 31: no regular expression over the window) never loses an item whose
    billing_code, decoded and stripped, is one of the codes, whatever its spelling (spaces, a
    number, escapes)."""
    from infusion.rates.jsonscan import Values

    want = {"96369", "96370"}
    doc = json.dumps({"items": items}, ensure_ascii=ascii_only, separators=sep).encode()
    got = [
        m.index
        for m in iter_object_fast(
            io.BytesIO(doc), {"items": Values((b"96369", b"96370"))}, chunk=chunk, required={"items": "billing_code"}
        )
    ]
    needed = [
        i
        for i, it in enumerate(items)
        if not isinstance(it["billing_code"], dict) and str(it["billing_code"]).strip() in want
    ]
    assert set(needed) <= set(got)


@pytest.mark.parametrize(
    "value",
    [
        rb'"\u0039\u0036\u0033\u0036\u0039"',
        b'"' + b" " * 100 + b'96369"',
        b" " * 100 + b"96369",
        rb'"9636\u0039 "',
        b'"96369"',
        b"96369",
    ],
)
def test_values_select_a_code_spelt_with_escapes_or_far_from_its_member(value):
    from infusion.rates.jsonscan import Values

    doc = b'{"items": [{"billing_code": "1"}, {"billing_code": ' + value + b', "x": 1}, {"billing_code": 2}]}'
    got = [
        m.value
        for m in iter_object_fast(io.BytesIO(doc), {"items": Values((b"96369",))}, required={"items": "billing_code"})
    ]
    assert [str(v["billing_code"]).strip() for v in got] == ["96369"]
