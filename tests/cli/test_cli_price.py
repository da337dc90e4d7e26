"""``python -m infusion price`` and ``code --price`` through a subprocess."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.cli


def test_price_96370_2026_json(run_cli):
    out = json.loads(run_cli("price", "--code", "96370", "--year", "2026", "--json", check_rc=0).stdout)
    assert (out["code"], out["year"], out["cf"], out["locality"]) == ("96370", 2026, 33.4009, "national")
    assert (out["per_unit"], out["amount"]) == (17.03, 17.03)
    assert any("PPRRVU2026_Jan_nonQPP" in s for s in out["sources"])


def test_price_shows_both_medicare_systems(run_cli):
    """The fee schedule (office, professional claim) and OPPS (hospital outpatient, institutional
    claim) for the same code and year; OPPS 'data not available' for a year without an edition."""
    out = json.loads(run_cli("price", "--code", "96370", "--units", "2", "--year", "2026", "--json", check_rc=0).stdout)
    assert out["amount"] == 34.06
    assert (out["opps"]["si"], out["opps"]["apc"], out["opps"]["payment_rate"], out["opps"]["amount"]) == (
        "S",
        "5691",
        47.84,
        95.68,
    )
    text = run_cli("price", "--code", "96371", "--year", "2025", check_rc=0).stdout
    assert "Office, professional claim: Medicare physician fee schedule" in text
    assert "Hospital outpatient, institutional claim: Medicare OPPS" in text
    assert "per unit $71.17   amount $71.17 (status indicator Q1: conditionally packaged)" in text
    text = run_cli("price", "--code", "96372", "--year", "2022", check_rc=0).stdout
    assert "data not available (no OPPS Addendum B edition for 96372 in 2022)" in text


def test_price_units_and_zip(run_cli):
    out = json.loads(run_cli("price", "--code", "96370", "--units", "2", "--year", "2026", "--json", check_rc=0).stdout)
    assert out["amount"] == 34.06
    out = json.loads(
        run_cli("price", "--code", "96369", "--year", "2025", "--zip", "94103", "--json", check_rc=0).stdout
    )
    assert out["locality"] == "01112-05" and out["per_unit"] == 187.29


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--code", "99999", "--year", "2025"], "code: 99999"),
        (["--code", "96369", "--year", "2017"], "year: data not available"),
        (["--code", "96369", "--year", "2023", "--locality", "01112-05"], "locality: data not available"),
        (["--code", "96369", "--year", "2025", "--zip", "00000"], "zip: 00000"),
        (["--code", "96369", "--year", "2025", "--locality", "12345-67"], "locality: 12345-67"),
        (["--code", "96369", "--year", "twenty"], "year: 'twenty'"),
    ],
)
def test_price_bad_input_exit_2(run_cli, args, needle):
    proc = run_cli("price", *args)
    assert proc.returncode == 2 and needle in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_code_with_price_adds_payment_and_total(run_cli):
    out = json.loads(run_cli("code", "--minutes", "95", "--price", "--year", "2026", "--json", check_rc=0).stdout)
    assert [ln["payment"]["amount"] for ln in out["lines"]] == [144.96, 17.03]
    assert out["payment"]["total"] == 161.99


def test_code_price_needs_year(run_cli):
    proc = run_cli("code", "--minutes", "95", "--price")
    assert proc.returncode == 2 and "year: --price needs --year" in proc.stderr


@pytest.mark.parametrize(
    "args, needle",
    [
        (["price", "--code", "96370", "--year", "2026", "--units", "0"], "units: 0 is not a positive number"),
        (["render", "--notebook", "nope.ipynb"], "notebook: 'nope.ipynb' is not a notebook in notebooks/"),
        (["render", "--config", "/nope.yaml"], "config: '/nope.yaml' does not exist"),
        (["rates", "summary", "--code", "96370", "--rates", "/nope.parquet"], "rates: '/nope.parquet' does not exist"),
        (["audit", "/nope.csv", "--out", "/tmp/f.csv"], "claims: '/nope.csv' does not exist"),
    ],
)
def test_other_commands_bad_input_exit_2(run_cli, args, needle):
    proc = run_cli(*args)
    assert proc.returncode == 2 and needle in proc.stderr and "Traceback" not in proc.stderr
