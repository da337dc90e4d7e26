"""Price-transparency files are untrusted (issue 18): each file ends in the manifest, every failure is
that file's, and what the scanner accepts it reads right."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from infusion.errors import DataError, InputError
from infusion.rates.extract import extract_file, extract_files

ROOT = Path(__file__).resolve().parents[2]
HEAD = '{"reporting_entity_name": "Aetna Life", "reporting_entity_type": "issuer", "version": "1.0.0", '
PRICE = (
    '{"negotiated_type": "negotiated", "negotiated_rate": %s, "expiration_date": "9999-12-31", '
    '"billing_class": "professional"}'
)


def tic(tmp_path: Path, body: str, name: str = "t.json") -> Path:
    f = tmp_path / name
    f.write_text(HEAD + body + "}")
    return f


def item(code: str = '"96370"', rate: str = "20.5") -> str:
    return (
        '{"negotiation_arrangement": "ffs", "billing_code_type": "CPT", "billing_code": %s, '
        '"negotiated_rates": [{"provider_groups": [{"npi": [1], "tin": {"type": "ein", "value": "1"}}], '
        '"negotiated_prices": [%s]}]}' % (code, PRICE % rate)
    )


def test_escaped_billing_code_is_matched(tmp_path):
    f = tic(tmp_path, '"in_network": [' + item('"\\u0039\\u0036\\u0033\\u0037\\u0030"') + "]")
    df = extract_file(f, ["96370"]).frame()
    assert list(df["billing_code"]) == ["96370"] and list(df["rate"]) == [20.5]


@pytest.mark.parametrize(
    "body, warning",
    [
        ('"in_network": null', "in_network is null, not an array"),
        ('"in_network": {"a": 1}', "in_network is an object, not an array"),
        ('"plan_name": "x"', "no in_network member"),
    ],
)
def test_in_network_missing_or_not_an_array_is_a_warning(tmp_path, body, warning):
    ex = extract_file(tic(tmp_path, body), ["96370"])
    assert ex.rows == [] and any(warning in w for w in ex.warnings)


@pytest.mark.parametrize("rate", ["-5", "NaN", "Infinity", "1e999"])
def test_rates_that_are_not_amounts_are_refused(tmp_path, rate):
    with pytest.raises(DataError, match="t.json"):
        extract_file(tic(tmp_path, '"in_network": [' + item(rate=rate) + "]"), ["96370"])


def test_good_and_bad_file_in_one_run(tmp_path):
    good = tic(tmp_path, '"in_network": [' + item() + "]", "good.json")
    bad = tic(tmp_path, '"in_network": [' + item() + ', {"billing_code": "1", "x": [1}]', "bad.json")
    out = tmp_path / "r.parquet"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "infusion",
            "rates",
            "extract",
            str(good),
            str(bad),
            "--out",
            str(out),
            "--partial",
            str(tmp_path / "p.parquet"),
            "--codes",
            "96370",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 2 and "bad.json" in proc.stderr and "mismatched bracket" in proc.stderr
    assert "byte" in proc.stderr and "in_network[1]" in proc.stderr and not out.exists()
    out = tmp_path / "p.parquet"
    m = json.loads((tmp_path / "p.parquet.manifest.json").read_text())
    assert [(Path(f["file"]).name, f["status"]) for f in m["files"]] == [("good.json", "ok"), ("bad.json", "failed")]
    assert m["complete"] is False and m["rows"] == 1
    import pandas as pd

    assert list(pd.read_parquet(out)["rate"]) == [20.5]


def test_a_file_failing_in_any_way_is_its_own_failure(tmp_path, monkeypatch):
    good = tic(tmp_path, '"in_network": [' + item() + "]", "good.json")
    odd = tic(tmp_path, '"in_network": [' + item() + "]", "odd.json")
    import infusion.rates.extract as ext

    real = ext.read_tic

    def flaky(p, *a, **k):
        if Path(p).name == "odd.json":
            raise LookupError("a failure no reader expects")
        return real(p, *a, **k)

    monkeypatch.setattr(ext, "read_tic", flaky)
    res = extract_files([good, odd], tmp_path / "r.parquet", codes=["96370"], jobs=1, progress=False)
    assert [f["status"] for f in res.files] == ["ok", "failed"]
    assert "odd.json: not readable (LookupError" in res.files[1]["error"] and res.rows == 1


def test_manifest_is_written_when_the_table_cannot_be(tmp_path, monkeypatch):
    good = tic(tmp_path, '"in_network": [' + item() + "]", "good.json")
    import pandas as pd

    def fail(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", fail)
    with pytest.raises(InputError, match="No space left"):
        extract_files([good], tmp_path / "r.parquet", codes=["96370"], jobs=1, progress=False)
    m = json.loads((tmp_path / "r.parquet.manifest.json").read_text())
    assert m["complete"] is False and "not written" in m["error"]
    assert not list(tmp_path.glob(".*.tmp"))


_HOSPITAL = '{"hospital_name": "H", "version": "3.0.0", "standard_charge_information": [%s]}'


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.binary(max_size=120) | st.text(alphabet='{}[],:"\\ codetypCPT96370.-1\n', max_size=80).map(str.encode))
def test_hospital_json_reader_on_any_item_bytes(tmp_path, junk):
    """Any bytes as an item: rows or a DataError naming the file, never another exception."""
    f = tmp_path / "h.json"
    f.write_bytes((_HOSPITAL % "").encode().replace(b"[]", b"[" + junk + b"]"))
    try:
        extract_file(f, ["96370"])
    except DataError as err:
        assert "h.json" in str(err)


def test_nan_and_infinite_rates_are_left_out_and_counted(tmp_path):
    """NaN rates vanished from the summary without appearing under "left out" (issue 22)."""
    import numpy as np
    import pandas as pd
    from infusion.config import data_dir
    from infusion.rates.summary import summarize

    df = pd.read_parquet(data_dir() / "benchmarks" / "sample_rates.parquet")
    d = df[df["billing_code"] == "96370"].reset_index(drop=True)
    before = summarize(data_dir() / "benchmarks" / "sample_rates.parquet", "96370", 2026)
    d.loc[0, "rate"], d.loc[1, "rate"] = np.nan, np.inf
    d.to_parquet(tmp_path / "r.parquet", index=False)
    s = summarize(tmp_path / "r.parquet", "96370", 2026)
    why = dict(zip(s.excluded["reason"], s.excluded["n"]))
    assert why["rate missing or not a finite number (NaN, infinite)"] == 2
    assert int(s.table["n"].sum()) + int(s.excluded["n"].sum()) == len(d)  # every row is somewhere
    assert int(before.table["n"].sum()) + int(before.excluded["n"].sum()) == len(d)
