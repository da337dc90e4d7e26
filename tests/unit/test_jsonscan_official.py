"""The scanner on the official TiC example and on small documents: same items at any window size;
errors carry byte offsets (carried over from the first, str-based streamer)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from infusion.jsonscan import StreamError, iter_object_fast

TIC = Path(__file__).resolve().parents[3] / "shared" / "reference-formats" / "tic"


@pytest.mark.parametrize("chunk", [1, 3, 17, 256, 1 << 20])
def test_items_equal_json_load_at_any_chunk_size(chunk):
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


@pytest.mark.parametrize("doc, where", [
    (b'{"items": [1, 2', "data ends"),
    (b'{"items": [1, 2,, 3]}', "byte 16"),
    (b'{"items": [1] "x": 2}', "expected ','"),
    (b'[1, 2]', "expected '{'"),
    (b'{"items": [1]} trailing', "extra data"),
])
def test_errors_name_the_byte(doc, where):
    with pytest.raises(StreamError) as e:
        list(iter_object_fast(io.BytesIO(doc), {"items": None}, chunk=4))
    assert where in str(e.value)
