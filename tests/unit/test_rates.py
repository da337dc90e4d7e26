"""Rate readers on the official examples and the illustrative samples; families; summary; bad input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest
from infusion.config import REPO_ROOT
from infusion.errors import DataError
from infusion.rates import classify, extract_file, extract_files
from infusion.rates.summary import summarize
from shared_files import SHARED

REF = SHARED / "reference-formats"
SAMPLES = REPO_ROOT / "data" / "samples"


@pytest.mark.parametrize(
    "name, codes, n, fmt",
    [
        ("tic/in-network-rates-fee-for-service-single-plan-sample.json", ["27447"], 2, "tic-2.0.0"),
        ("tic/in-network-rates-all-negotiated-types-sample.json", ["27447"], 2, "tic-2.0.0"),
        ("tic/in-network-rates-multiple-plans-sample.json", ["27447", "27448"], 4, "tic-2.0.0"),
        ("tic/in-network-rates-no-npi.json", ["27447", "27448", "43283"], None, "tic-2.0.0"),
        ("hpt/V3.0.0_Tall_CSV_Format_Example.csv", ["70551"], 2, "hpt-csv-tall-3.0.0"),
        ("hpt/V3.0.0_Wide_CSV_Format_Example.csv", ["70551"], 2, "hpt-csv-wide-3.0.0"),
        ("hpt/v3_json_format_example.json", ["70551"], 2, "hpt-json-3.0.0"),
        ("hpt/V2.0.0_Tall_CSV_Format_Example.csv", ["70551", "27447"], None, "hpt-csv-tall-2.0.0"),
        ("hpt/V2.0.0_Wide_CSV_Format_Example.csv", ["70551", "27447"], None, "hpt-csv-wide-2.0.0"),
    ],
)
def test_official_examples_load(name, codes, n, fmt):
    ex = extract_file(REF / name, codes)
    assert ex.source_format == fmt
    assert ex.items_read > 0
    if n is not None:
        assert len(ex.rows) >= n
        df = ex.frame()
        assert df["rate"].notna().all() and set(df["billing_code"]) <= set(codes)


def test_tic_values_and_provider_counts():
    df = extract_file(REF / "tic/in-network-rates-fee-for-service-single-plan-sample.json", ["27447"]).frame()
    prof = df[(df["billing_class"] == "professional") & (df["rate"] == 123.45)].iloc[0]
    assert prof["service_codes"] == "18|19|11" and prof["modifiers"] == "AS"
    assert prof["npi_count"] == 5 and prof["provider_groups"] == 2
    assert set(df["rate"]) == {123.45, 1230.45, 120.45}


def test_hospital_wide_keeps_payer_names():
    df = extract_file(REF / "hpt/V3.0.0_Wide_CSV_Format_Example.csv", ["70551"]).frame()
    paid = df[df["negotiated_type"] == "negotiated"]
    assert dict(zip(paid["payer_name"], paid["rate"])) == {
        "Platform Health Insurance": 400.0,
        "Region Health Insurance": 250.0,
    }
    assert set(paid["plan_name"]) == {"PPO", "HMO"}
    charges = df[df["payer_name"].isna()]  # the file's own charges, as rows of their own kind
    assert dict(zip(charges["negotiated_type"], charges["rate"])) == {"gross charge": 1200.0, "discounted cash": 1080.0}
    assert set(df["billing_class"]) == {"institutional"}


def test_hospital_tall_gives_each_charge_once():
    """A tall file repeats the gross and cash charge on every payer's row: kept once."""
    df = extract_file(REF / "hpt/V3.0.0_Tall_CSV_Format_Example.csv", ["70551"]).frame()
    assert sorted(df["negotiated_type"]) == ["discounted cash", "gross charge", "negotiated", "negotiated"]


@pytest.mark.parametrize("name", ["tic/table-of-contents-sample.json", "tic/allowed-amounts-single-plan-sample.json"])
def test_other_tic_file_types_are_refused_clearly(name):
    with pytest.raises(DataError, match=Path(name).name):
        extract_file(REF / name)


@pytest.mark.parametrize(
    "names, family",
    [
        (("Anthem Blue Cross",), "bcbs"),
        (("Highmark Inc.",), "bcbs"),
        (("Regence BlueShield",), "bcbs"),
        (("Florida Blue",), "bcbs"),
        (("United HealthCare Services, Inc.",), "uhc"),
        (("UHC",), "uhc"),
        (("Aetna Life Insurance Company",), "aetna"),
        (("Cigna Health and Life Insurance Company",), "cigna"),
        (("Medicare Advantage",), "other"),
        (("Aetna Medicare Advantage",), "aetna"),
        (("Kaiser Foundation Health Plan",), "other"),
        ((None, ""), "other"),
    ],
)
def test_payer_families(names, family):
    assert classify(*names).family == family


def test_illustrative_samples_extract_with_labels_and_remote_reference(tmp_path):
    files = sorted((SAMPLES / "tic").iterdir()) + sorted((SAMPLES / "hospital").iterdir())
    res = extract_files(files, tmp_path / "r.parquet", jobs=2, progress=False)
    assert not res.failed and res.rows > 100
    df = pd.read_parquet(tmp_path / "r.parquet")
    assert df["illustrative"].all()
    assert set(df["billing_code"]) == {"96369", "96370", "96371", "96372"}  # decoy codes filtered out
    assert {"aetna", "bcbs", "cigna", "uhc"} <= set(df["payer_family"])
    assert df["remote_reference"].any()
    uhc = next(f for f in res.files if "uhc" in f["file"])
    assert any("remote file" in w for w in uhc["warnings"])
    manifest = json.loads((tmp_path / "r.parquet.manifest.json").read_text())
    assert manifest["complete"] is True and manifest["rows"] == res.rows


def test_summary_percentiles_ratio_dedup_and_flags():
    s = summarize(REPO_ROOT / "data" / "benchmarks" / "sample_rates.parquet", "96370", 2026)
    assert s.illustrative
    assert s.medicare == {"professional": 17.03, "institutional": 47.84}
    t = s.table.set_index(["payer_family", "billing_class"])
    row = t.loc[("Aetna", "professional")]
    assert row["p10"] <= row["p25"] <= row["median"] <= row["p75"] <= row["p90"]
    assert row["median_pct_of_medicare"] == pytest.approx(100 * row["median"] / 17.03)
    reasons = " ".join(s.excluded["reason"])
    assert "percentage" in reasons and "same rate repeated" in reasons and "implausible" in reasons
    # every implausible rate (45x Medicare) is out of the percentiles
    assert (s.table["p90"] < 20 * s.table["medicare"]).all()


def _write(path: Path, doc: dict, gz: bool = False) -> Path:
    data = json.dumps(doc).encode()
    if gz:
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def _tic(rate=12.5, drop=None):
    price = {
        "negotiated_type": "negotiated",
        "negotiated_rate": rate,
        "expiration_date": "9999-12-31",
        "billing_class": "professional",
        "setting": "outpatient",
        "service_code": ["11"],
    }
    item = {
        "negotiation_arrangement": "ffs",
        "name": "x",
        "billing_code_type": "CPT",
        "billing_code_type_version": "2026",
        "billing_code": "96370",
        "description": "x",
        "negotiated_rates": [{"provider_references": [1], "negotiated_prices": [price]}],
    }
    if drop:
        item.pop(drop)
    return {
        "reporting_entity_name": "Cigna",
        "reporting_entity_type": "x",
        "last_updated_on": "2026-01-01",
        "version": "2.0.0",
        "provider_references": [
            {
                "provider_group_id": 1,
                "network_name": ["n"],
                "provider_groups": [{"npi": [1234567890], "tin": {"type": "ein", "value": "1"}}],
            }
        ],
        "in_network": [item, item],
    }


def test_gzip_round_trip(tmp_path):
    df = extract_file(_write(tmp_path / "a.json.gz", _tic(), gz=True)).frame()
    assert list(df["rate"]) == [12.5, 12.5] and set(df["payer_family"]) == {"cigna"}


def test_truncated_gzip_names_file_and_offset(tmp_path):
    whole = gzip.compress(json.dumps(_tic()).encode() * 1)
    p = tmp_path / "cut.json.gz"
    p.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError, match=r"cut.json.gz: .*(truncated|data ends).*"):
        extract_file(p)


def test_invalid_json_names_byte_offset(tmp_path):
    p = tmp_path / "bad.json"
    p.write_bytes(json.dumps(_tic()).encode().replace(b'"negotiated_rate": 12.5', b'"negotiated_rate": 12..5'))
    with pytest.raises(DataError, match=r"bad.json: invalid JSON at decompressed byte \d+") as e:
        extract_file(p)
    assert "rows read before it are not used" in str(e.value)


def test_wrong_type_names_the_item(tmp_path):
    p = _write(tmp_path / "type.json", _tic(rate="12.50"))
    with pytest.raises(DataError, match=r"type.json: in_network\[0\].*negotiated_rate '12.50' is not a number"):
        extract_file(p)


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda d: d["provider_references"][0].update(provider_groups=True),
            r"provider_references\[0\].*provider_groups is bool, not a list",
        ),
        (
            lambda d: d["provider_references"][0]["provider_groups"][0].update(npi="1234567890"),
            r"provider_references\[0\].*provider_groups\[0\]\.npi: '1234567890' is not a list of NPI numbers",
        ),
        (
            lambda d: d["provider_references"][0].update(provider_group_id=[1]),
            r"provider_references\[0\].*provider group id \[1\] is not a number",
        ),
        (
            lambda d: d["in_network"][0]["negotiated_rates"][0].update(provider_references={"1": 1}),
            r"in_network\[0\].*negotiated_rates\[0\]\.provider_references is dict, not a list",
        ),
        (
            lambda d: d["in_network"][0]["negotiated_rates"][0].update(negotiated_prices=["12.5"]),
            r"in_network\[0\].*negotiated_prices\[0\]: expected an object, found str",
        ),
        (
            lambda d: d["in_network"][0]["negotiated_rates"][0].update(provider_groups=[5]),
            r"in_network\[0\].*negotiated_rates\[0\]\.provider_groups\[0\]: expected an object, found int",
        ),
    ],
)
def test_a_file_off_the_schema_names_the_place_not_a_python_error(tmp_path, change, message):
    """Found by fuzzing: these used to stop with TypeError / AttributeError from deep inside."""
    doc = json.loads(json.dumps(_tic()))
    change(doc)
    with pytest.raises(DataError, match=message):
        extract_file(_write(tmp_path / "off.json", doc))


def _hospital(charges) -> dict:
    return {
        "hospital_name": "H",
        "version": "3.0.0",
        "standard_charge_information": [
            {"code_information": [{"code": "96369", "type": "CPT"}], "standard_charges": charges}
        ],
    }


@pytest.mark.parametrize(
    "charges, message",
    [
        (5, r"standard_charge_information\[0\].*standard_charges: expected a list of objects, found 5"),
        ([{"payers_information": 7}], r"standard_charges\[0\]\.payers_information: expected a list of objects"),
    ],
)
def test_a_hospital_json_off_the_schema_names_the_place(tmp_path, charges, message):
    with pytest.raises(DataError, match=message):
        extract_file(_write(tmp_path / "h.json", _hospital(charges)))


def test_a_hospital_modifier_given_as_text_is_one_modifier(tmp_path):
    """``"modifier_code": "XS"`` was read letter by letter (X|S); a payer name given as a number
    stopped the reader."""
    charges = [{"modifier_code": "XS", "payers_information": [{"payer_name": 5, "standard_charge_dollar": 1.0}]}]
    rows = extract_file(_write(tmp_path / "h.json", _hospital(charges))).rows
    assert [(r["payer_name"], r["modifiers"]) for r in rows] == [("5", "XS")]


def test_a_hospital_csv_naming_a_data_column_twice_is_refused_by_name(tmp_path):
    """pandas stopped with 'Duplicate names are not allowed'; blank names (trailing commas) are fine."""
    src = (REF / "hpt" / "V3.0.0_Tall_CSV_Format_Example.csv").read_bytes().decode("utf-8-sig", "replace")
    lines = src.splitlines(keepends=True)
    header = lines[2].rstrip("\r\n")
    (tmp_path / "ok.csv").write_text("".join(lines[:2]) + header + ",,\n" + "".join(lines[3:]))
    assert extract_file(tmp_path / "ok.csv", codes=["70551"]).rows
    first = header.split(",")[0]
    (tmp_path / "twice.csv").write_text("".join(lines[:2]) + header + "," + first + "\n" + "".join(lines[3:]))
    with pytest.raises(DataError, match=f"twice.csv: the data header \\(row 3\\) names the column '{first}'"):
        extract_file(tmp_path / "twice.csv", codes=["70551"])


def test_top_level_text_given_as_another_type_is_kept_as_text(tmp_path):
    doc = _tic()
    doc.update(reporting_entity_name=True, plan_id=123, plan_name=None)
    df = extract_file(_write(tmp_path / "t.json", doc)).frame()
    assert set(df["reporting_entity"]) == {"true"} and set(df["plan_id"]) == {"123"}
    assert set(df["payer_family"]) == {"other"}


def test_missing_required_field(tmp_path):
    p = _write(tmp_path / "miss.json", _tic(drop="billing_code"))
    with pytest.raises(DataError, match=r"miss.json: in_network\[0\].*missing required field billing_code"):
        extract_file(p)


def test_a_failed_file_is_reported_and_the_run_is_marked_incomplete(tmp_path):
    good = _write(tmp_path / "good.json", _tic())
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    res = extract_files([good, bad], tmp_path / "o.parquet", jobs=2, progress=False, partial=tmp_path / "p.parquet")
    assert [f["status"] for f in res.files] == ["ok", "failed"]
    assert res.out == tmp_path / "p.parquet" and not (tmp_path / "o.parquet").exists()
    manifest = json.loads((tmp_path / "p.parquet.manifest.json").read_text())
    assert manifest["complete"] is False and res.rows == 2
