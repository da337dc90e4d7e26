"""``rates extract|summary`` and ``audit`` through a subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from shared_files import SHARED

pytestmark = pytest.mark.cli
REF = SHARED / "reference-formats"
REPO = Path(__file__).resolve().parents[2]


def test_rates_summary_of_the_sample(run_cli):
    out = run_cli("rates", "summary", "--code", "96370", "--rates", "illustrative", check_rc=0).stdout
    assert out.startswith("ILLUSTRATIVE SAMPLE DATA")
    for col in ("p10", "p25", "median", "p75", "p90", "median % of Medicare"):
        assert col in out
    for fam in ("Aetna", "BCBS", "Cigna", "UnitedHealthcare"):
        assert fam in out
    js = json.loads(
        run_cli("rates", "summary", "--code", "96370", "--rates", "illustrative", "--json", check_rc=0).stdout
    )
    assert js["illustrative"] and js["medicare"]["professional"] == 17.03


def test_rates_summary_defaults_to_the_real_hospital_rates_from_any_folder(run_cli, tmp_path):
    """The default is the shipped real table, found from the package, not the current folder."""
    import os
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "infusion", "rates", "summary", "--code", "96369", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO / "lib")},
    )
    assert proc.returncode == 0, proc.stderr
    js = json.loads(proc.stdout)
    assert not js["illustrative"] and js["medicare"]["institutional"] == 217.31
    lines = {(f["payer_family"], f["line_of_business"]): f for f in js["families"]}
    assert lines[("Medicare", "Medicare (traditional)")]["median"] == 250.18  # MGH's MEDICARE [2001]
    assert "out-of-network amount (not a negotiated rate)" in {x["reason"] for x in js["left_out"]}


def test_rates_extract_official_examples(run_cli, tmp_path):
    files = [
        str(REF / "tic" / "in-network-rates-fee-for-service-single-plan-sample.json"),
        str(REF / "hpt" / "V3.0.0_Tall_CSV_Format_Example.csv"),
    ]
    out = tmp_path / "r.parquet"
    proc = run_cli("rates", "extract", *files, "--codes", "27447,70551", "--out", str(out), check_rc=0)
    # TiC: 3 rates of 27447; the tall CSV: 70551's gross and cash once, and two payers' rates
    assert "7 rows from 2 of 2 file(s)" in proc.stdout
    df = pd.read_parquet(out)
    assert set(df["billing_code"]) == {"27447", "70551"} and len(df) == 7


def test_audit_sample_prints_the_count_and_summary(run_cli, tmp_path):
    sample = Path(__file__).resolve().parents[2] / "data" / "samples" / "claims" / "illustrative_claims.csv"
    proc = run_cli("audit", str(sample), "--out", str(tmp_path / "f.csv"), "--summary", check_rc=0)
    assert "lines in 350 = checked 347 + rejected 3" in proc.stdout
    assert proc.stdout.startswith("claims file: illustrative_claims.csv (CSV); ILLUSTRATIVE sample")
    assert "patient_name, member_id, dob" in proc.stderr
    assert (tmp_path / "f.rejects.csv").exists() and (tmp_path / "f.summary.csv").exists()
    assert "U-ADDON" in proc.stdout
    payers = pd.read_csv(tmp_path / "f.payers.csv")
    assert payers["payer"].iloc[-1] == "all payers" and payers["infusion_lines"].iloc[-1] == 337
    assert payers["infusion_lines"].iloc[:-1].sum() == 337
    assert "all payers" in proc.stdout and "4.0%" in proc.stdout  # 13 of 325 lines (96365 lines not counted)


def test_audit_summary_shows_the_20_providers_with_the_largest_shares(run_cli, tmp_path):
    """25 providers, provider P24 with the only findings: it comes first; the total row still ends
    the table; the file keeps every provider."""
    claims = tmp_path / "c.csv"
    rows = [f"C{i},1,2026-03-02,{'96370' if i == 24 else '96372'},1,P{i:02d}" for i in range(25)]
    claims.write_text("claim_id,line_number,date_of_service,code,units,npi\n" + "\n".join(rows) + "\n")
    out = run_cli("audit", str(claims), "--out", str(tmp_path / "f.csv"), "--summary", check_rc=0).stdout
    block = out.split("20 of 25 providers, largest share with findings first:")[1].strip().splitlines()
    assert block[1].split()[0] == "P24" and block[-1].split()[:2] == ["all", "providers"] and len(block) == 22
    assert len(pd.read_csv(tmp_path / "f.providers.csv")) == 26


def test_audit_summary_says_data_not_available_for_a_year_without_prices(run_cli, tmp_path):
    claims = tmp_path / "c.csv"
    claims.write_text("claim_id,line_number,date_of_service,code,units\nC,1,2018-03-02,96370,1\n")
    out = run_cli("audit", str(claims), "--out", str(tmp_path / "f.csv"), "--summary", check_rc=0).stdout
    assert "U-ADDON" in out and "data not available" in out and "nan" not in out.lower()


def test_audit_that_cannot_write_keeps_the_last_outputs_and_exits_2(run_cli, tmp_path):
    claims = tmp_path / "c.csv"
    claims.write_text("claim_id,line_number,date_of_service,code,units\nC,1,2026-03-02,96370,1\n")
    out = tmp_path / "f.csv"
    run_cli("audit", str(claims), "--out", str(out), check_rc=0)
    before = out.read_bytes()
    claims.write_text("claim_id,line_number,date_of_service,code,units\nD,1,2026-03-02,96371,1\n")
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where a directory should be")
    proc = run_cli("audit", str(claims), "--out", str(out), "--rejects", str(blocked / "r.csv"), check_rc=2)
    assert f"rejects: cannot write {blocked / 'r.csv'}" in proc.stderr and "Traceback" not in proc.stderr
    assert out.read_bytes() == before  # the last good findings
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(  # no temporary files left
        ["c.csv", "f.csv", "f.summary.csv", "f.payers.csv", "f.providers.csv", "f.rejects.csv", "not-a-dir"]
    )


def test_audit_of_a_file_that_is_not_text_exits_2(run_cli, tmp_path):
    claims = tmp_path / "c.csv"
    claims.write_bytes(b"claim_id,code\r\x00\x01\rC,96370\n\x00")
    proc = run_cli("audit", str(claims), "--out", str(tmp_path / "f.csv"), check_rc=2)
    assert "claims: c.csv is not a readable CSV or Parquet file" in proc.stderr


def test_rates_extract_to_a_path_it_cannot_write_fails_before_reading(run_cli, tmp_path):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where a directory should be")
    src = str(REF / "hpt" / "V3.0.0_Tall_CSV_Format_Example.csv")
    proc = run_cli("rates", "extract", src, "--codes", "27447", "--out", str(blocked / "r.parquet"), check_rc=2)
    assert f"out: cannot write {blocked / 'r.parquet'}" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""  # nothing was read


@pytest.mark.parametrize(
    "content, why",
    [
        (b"not parquet at all", "No magic bytes"),
        (
            None,
            "missing 25 of its 27 columns: source_file, source_format, reporting_entity, payer_name, payer_family, ...",
        ),
    ],
)
def test_rates_summary_of_a_file_that_is_not_a_rates_file_exit_2(run_cli, tmp_path, content, why):
    p = tmp_path / "r.parquet"
    if content is None:
        pd.DataFrame({"billing_code": ["96370"], "rate": [1.0]}).to_parquet(p)
    else:
        p.write_bytes(content)
    proc = run_cli("rates", "summary", "--code", "96370", "--rates", str(p), check_rc=2)
    assert "rates: r.parquet is not a rates Parquet file as `python -m infusion rates extract` writes" in proc.stderr
    assert why in proc.stderr and "Traceback" not in proc.stderr


def test_audit_of_a_file_with_a_quoted_malformed_row_says_it_read_record_by_record(run_cli, tmp_path):
    claims = tmp_path / "c.csv"
    claims.write_text(
        "claim_id,line_number,date_of_service,code,units,notes\n"
        'C,1,2026-03-02,96369,1,"first\nsecond"\n'
        'C,2,2026-03-02,"96370" x,1\n'
        "D,1,2026-03-02,96370,1,ok\n"
    )
    proc = run_cli("audit", str(claims), "--out", str(tmp_path / "f.csv"), check_rc=0)
    assert "lines in 3 = checked 2 + rejected 1" in proc.stdout
    assert "read again record by record" in proc.stderr
    rej = pd.read_csv(tmp_path / "f.rejects.csv")
    assert list(rej["data_row"]) == [2] and rej["file_line"].isna().all()
    assert rej["reason"][0] == "malformed row: 5 fields, expected 6"


def test_audit_of_a_spreadsheet_names_the_sheet_rows_and_what_it_left_out(run_cli, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Lines"
    for row in (
        ["claim_id", "line_number", "date_of_service", "code", "units", "member_id"],
        ["C", 1, "2026-03-02", "96370", 1, "M123"],
        ["D", 1, "2026-03-02", "96369", "two", "M456"],
    ):
        wb.active.append(row)
    wb.save(tmp_path / "c.xlsx")
    proc = run_cli("audit", str(tmp_path / "c.xlsx"), "--sheet", "Lines", "--out", str(tmp_path / "f.csv"), check_rc=0)
    assert "lines in 2 = checked 1 + rejected 1" in proc.stdout
    assert "were left out (parsed with the sheet, never kept): member_id" in proc.stderr
    rej = pd.read_csv(tmp_path / "f.rejects.csv")
    assert list(rej["sheet_row"]) == [3]
    assert rej["reason"][0] == "non-numeric units (a value of 3 characters: letters; not shown)"
    proc = run_cli("audit", str(tmp_path / "c.xlsx"), "--sheet", "Claims", "--out", str(tmp_path / "f.csv"), check_rc=2)
    assert "sheet: 'Claims' is not a sheet of c.xlsx (sheets: Lines)" in proc.stderr


def test_audit_counts_the_lines_of_void_claims_apart_from_those_checked(run_cli, tmp_path):
    """A void claim's lines are lines in but not checked: the count line gives them a term of
    their own, and a notice says they were left out."""
    claims = tmp_path / "c.csv"
    claims.write_text(
        "claim_id,line_number,date_of_service,code,units,claim_frequency,start_time,stop_time\n"
        "A,1,2026-03-02,96369,1,1,09:00,11:00\n"
        "A,2,2026-03-02,96370,1,1,09:00,11:00\n"
        "V,1,2026-03-02,96369,1,8,09:00,10:00\n"
        "V,2,2026-03-02,96370,3,8,09:00,10:00\n"  # would be U-HOUR and U-MUE if audited
        "V,3,2026-03-02,99213,1,8,,\n"
        "B,1,bad,96369,1,1,,\n"
    )
    proc = run_cli("audit", str(claims), "--out", str(tmp_path / "f.csv"), check_rc=0)
    assert "lines in 6 = checked 2 + void claims (left out) 3 + rejected 1" in proc.stdout
    assert "notice: 3 service line(s) of void claims (frequency code 8) were left out, not audited" in proc.stderr
    assert "0 finding(s)" in proc.stdout
