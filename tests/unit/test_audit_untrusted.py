"""The claims audit under attack (issue 22): no patient data out, no input overwritten, every
record counted once. Each test reproduces one case seen in a hostile-input tour."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from infusion.audit import audit, output_paths, write_outputs
from infusion.audit import csv_source as R  # the CSV reader: its block size and its cut
from infusion.cli import main
from infusion.config import REPO_ROOT, check_outputs
from infusion.errors import InputError
from infusion.redact import show_value, spreadsheet_safe
from x12_text import isa

SAMPLE = REPO_ROOT / "data" / "samples" / "claims" / "illustrative_claims.csv"
PATIENT = ("patient_name", "member_id", "dob")


def cli(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infusion", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env={**os.environ, "INFUSION_DEBUG": ""},
    )


def rules(res) -> set[tuple[str, str, str]]:
    return set(zip(res.findings["claim_id"], res.findings["line_number"].astype(str), res.findings["rule"]))


# ----------------------------------------------------------------------------- 1: Parquet, xlsx


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx"])
def test_the_sample_as_parquet_or_xlsx_gives_the_csv_audit(tmp_path, suffix):
    """Empty cells in every modifier column were dropped by a null-skipping join (IndexError)."""
    df = pd.read_csv(SAMPLE, dtype=str)  # empty cells are missing values, as a spreadsheet has them
    assert df[["modifier_1", "modifier_2"]].isna().all(axis=1).any()
    path = tmp_path / f"claims{suffix}"
    df.to_parquet(path, index=False) if suffix == ".parquet" else df.to_excel(path, index=False)
    want, got = audit(SAMPLE), audit(path)
    assert got.accounting() == want.accounting() == "lines in 350 = checked 347 + rejected 3"
    assert rules(got) == rules(want) and len(rules(want)) == 20
    assert list(got.rejected["reason"]) == list(want.rejected["reason"])


# ----------------------------------------------------------------------------- 2: blocks cut in a value


def _attack_file(path: Path) -> int:
    """A file whose 1 MB block boundary falls on a line break inside a quoted note, the text after
    the break having as many commas as the header (so each piece parses as a row)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["claim_id", "line_number", "date_of_service", "hcpcs", "units", "note"])
    head = len(out.getvalue())
    i = 0
    while len(out.getvalue()) - head < (1 << 20) - 200:
        w.writerow([f"C{i:07d}", "1", "2026-01-05", "96372", "1", "ok"])
        i += 1
    note = "Spoke with patient\nJane Doe, DOB 01/02/1950, x, y, z, MRN 4455667 " + "z" * 400
    w.writerow([f"C{i:07d}", "1", "2026-01-05", "96372", "1", note])
    for j in range(i + 1, i + 101):
        w.writerow([f"C{j:07d}", "1", "2026-01-05", "96372", "1", "ok"])
    path.write_text(out.getvalue())
    return i + 101


def test_a_block_cut_inside_a_quoted_note_invents_no_line_and_leaks_no_text(tmp_path):
    p = tmp_path / "claims.csv"
    n = _attack_file(p)
    res = audit(p, block_mb=1)
    assert res.lines_in == n and res.rejects == 0 and res.lines_checked == n
    out = write_outputs(res, tmp_path / "f.csv")
    for path in out.values():
        assert "Jane" not in Path(path).read_text() and "4455667" not in Path(path).read_text()


@pytest.mark.parametrize(
    "text, end, delim, want",
    [
        (b'a,"x\ny"\nb,c\n', 12, ",", (12, False, True)),  # the break in quotes is not a cut
        (b'a,"x\ny', 6, ",", (0, False, False)),  # a value open at the end: no cut in it
        (b'a,5" tube\nb,c\n', 14, ",", (None, True, False)),  # a quote inside a value: read record by record
        (b'a|"q""r"|s\n', 11, "|", (11, False, False)),  # an escaped quote keeps the count even
    ],
)
def test_a_block_is_cut_only_between_records(text, end, delim, want):
    cut, stray, breaks = R._record_cut(memoryview(text), end, delim, eof=False)
    assert (stray, breaks) == want[1:] and (stray or cut == want[0])


def test_a_quote_inside_a_value_sends_the_file_to_the_record_reader(tmp_path, monkeypatch):
    """Quotes not at the start or end of a value (``5" tube``): parity says nothing there, so
    the file is read record by record, and its count is still exact."""
    monkeypatch.setattr(R, "BLOCK_UNIT", 64)
    rows = [f'C{i},1,2026-01-05,96372,1,5" tube' for i in range(30)]
    rows[10] = 'C10,1,2026-01-05,96372,1,"a\nJane, Doe, x, y, z"'
    p = tmp_path / "c.csv"
    p.write_text("claim_id,line_number,date_of_service,hcpcs,units,note\n" + "\n".join(rows) + "\n")
    res = audit(p, block_mb=1)
    assert res.by_record and (res.lines_in, res.rejects) == (30, 0)


# ----------------------------------------------------------------------------- the property


NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=4, max_size=30)
NOTES = st.lists(st.sampled_from(list("abc ,\"\n\r;|'=+-@") + ["Jane", "\r\n", '""']), max_size=30).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(
            NAMES, NOTES, st.sampled_from(["96369", "96370", "9637", "9637X"]), st.sampled_from(["1", "2", "x", ""])
        ),
        min_size=1,
        max_size=40,
    ),
    unit=st.integers(16, 400),
)
def test_no_patient_or_free_text_reaches_an_output_and_every_record_is_counted(
    tmp_path, monkeypatch, capsys, rows, unit
):
    """For any claims file with patient columns and a free-text note of any content (line breaks,
    commas, quotes), cut into blocks anywhere: lines in = checked + rejected = the records
    written, and no value of those columns is in any output file or message."""
    monkeypatch.setattr(R, "BLOCK_UNIT", unit)
    secret = [f"ZQ{i:03d}{name}" for i, (name, *_) in enumerate(rows)]  # unique, never a key's shape
    buf = io.StringIO(newline="")
    w = csv.writer(buf)  # RFC 4180: CRLF, and a value holding CR, LF, a comma or a quote is quoted
    w.writerow(["claim_id", "line_number", "date_of_service", "hcpcs", "units", "patient_name", "note"])
    for i, (_, note, code, units) in enumerate(rows):
        w.writerow([f"C{i:04d}", "1", "2026-01-05", code, units, secret[i], "ZQnote" + note + secret[i]])
    p = tmp_path / "c.csv"
    p.write_bytes(buf.getvalue().encode("utf-8"))
    res = audit(p, block_mb=1)
    assert res.lines_in == len(rows) == res.lines_checked + res.rejects
    assert "ZQ" not in res.rejected.to_string() and "ZQ" not in " ".join(res.notes)
    capsys.readouterr()
    assert main(["audit", str(p), "--out", str(tmp_path / "f.csv"), "--summary", "--block-mb", "1"]) == 0
    said = capsys.readouterr()
    assert f"lines in {len(rows)} = " in said.out
    written = "".join(Path(f).read_text(encoding="utf-8") for f in output_paths(tmp_path / "f.csv").values())
    assert "ZQ" not in written + said.out + said.err


# ----------------------------------------------------------------------------- 3, 9: output paths


def test_an_output_that_is_an_input_or_another_output_is_refused(tmp_path):
    claims = tmp_path / "c.csv"
    claims.write_bytes(SAMPLE.read_bytes())
    for args, field in (
        (["--out", str(claims)], "out"),
        (["--out", str(tmp_path / "f.csv"), "--rejects", str(claims)], "rejects"),
        (["--out", str(tmp_path / "f.csv"), "--rejects", str(tmp_path / "f.summary.csv")], "out (summary)"),
    ):
        proc = cli("audit", str(claims), *args)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith(f"python -m infusion audit: error: {field}:"), proc.stderr
    assert claims.read_bytes() == SAMPLE.read_bytes()
    link = tmp_path / "hard.csv"
    os.link(claims, link)  # another name of the same file
    with pytest.raises(InputError, match="is also an input"):
        check_outputs({"out": link}, [claims])
    rates = tmp_path / "a.json"
    rates.write_text("{}")
    proc = cli("rates", "extract", str(rates), "--out", str(rates))
    assert proc.returncode == 2 and "out: " in proc.stderr and "is also an input" in proc.stderr
    assert rates.read_text() == "{}"


def test_special_files_are_not_outputs(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "real.csv").write_text("x")
    (tmp_path / "link.csv").symlink_to(tmp_path / "real.csv")
    for target, words in (
        (fifo, "not a regular file"),
        (tmp_path / "link.csv", "symbolic link"),
        (Path("/dev/null"), "not a regular file"),
        (tmp_path, "not a file name"),
    ):
        with pytest.raises(InputError, match=words):
            output_paths(target) if target == tmp_path else check_outputs(output_paths(target), [SAMPLE])
    assert (tmp_path / "real.csv").read_text() == "x" and fifo.exists() and not fifo.is_file()


# ----------------------------------------------------------------------------- 4: LN, mapped PHI


def test_ln_is_not_the_line_number_and_a_mapped_patient_column_is_refused(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("claim_id,FN,LN,date_of_service,code,units,Subscriber ID\nC1,Jane,Doe,2026-03-02,96369,1,XYZ123456\n")
    with pytest.raises(InputError, match="no column for line_number"):
        audit(p)
    p.write_text("Claim,line,date_of_service,code,units,Subscriber ID\nC1,1,2026-03-02,96369,1,XYZ123456\n")
    with pytest.raises(InputError, match=r"map claim_id: column 'Subscriber ID' can identify a patient"):
        audit(p, {"claim_id": "Subscriber ID"})
    res = audit(p, {"claim_id": "Subscriber ID"}, not_patient=("Subscriber ID",))  # said, explicitly
    assert res.lines_in == 1
    proc = cli("audit", str(p), "--out", str(tmp_path / "f.csv"), "--map", "claim_id=Subscriber ID")
    assert proc.returncode == 2 and "--not-patient-data" in proc.stderr


def test_a_payer_name_column_is_not_a_patient_column(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("claim_id,line_number,date_of_service,code,units,carrier\nC1,1,2026-03-02,96369,1,Aetna\n")
    assert audit(p, {"payer": "carrier"}).findings.empty
    p.write_text("claim_id,line_number,date_of_service,code,units,payer_name\nC1,1,2026-03-02,96369,1,Aetna\n")
    assert audit(p, {"payer": "payer_name"}).dropped_phi == []


# ----------------------------------------------------------------------------- 5: messages


def test_a_file_without_its_header_line_is_refused_without_its_first_row(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("Jane Doe,XYZ123456,1950-01-02,96369,1\nJohn Roe,ABC,1960-01-01,96370,1\n")
    proc = cli("audit", str(p), "--out", str(tmp_path / "f.csv"))
    assert proc.returncode == 2 and "no header line" in proc.stderr
    assert "Jane" not in proc.stderr and "XYZ123456" not in proc.stderr and "1950" not in proc.stderr
    proc = cli("audit", str(p), "--out", str(tmp_path / "f.csv"), "--map", "code=nope")
    assert proc.returncode == 2 and "Jane" not in proc.stderr


def test_a_utf16_837_is_named_not_printed(tmp_path):
    p = tmp_path / "c.837"
    body = isa() + "GS*HC*S*R*20260302*1200*1*X*005010X222A1~ST*837*1*005010X222A1~NM1*IL*1*DOE*JANE~"
    p.write_bytes(body.encode("utf-16"))
    proc = cli("audit", str(p), "--out", str(tmp_path / "f.csv"))
    assert proc.returncode == 2 and "UTF-16" in proc.stderr and "DOE" not in proc.stderr


def test_a_rejected_value_is_quoted_only_when_it_has_its_columns_shape():
    assert show_value("2026-02-30", "date") == "'2026-02-30'"
    assert (
        show_value("DOB 01/02/1950", "date") == "(a value of 14 characters: letters, digits, spaces, other "
        "characters; not shown)"
    )
    assert show_value("9636", "code") == "'9636'" and show_value("Jane", "code").startswith("(a value of 4")
    assert show_value("", "units") == "(empty)" and show_value("٣", "units").startswith("(a value")


def test_a_truncated_837_is_refused(tmp_path):
    from test_audit import P837, _x12

    p = tmp_path / "c.837"
    p.write_text(_x12(P837[:-3]))  # no SE, GE, IEA: a transfer cut short
    with pytest.raises(InputError, match="truncated: it ends at segment 31 without the trailer"):
        audit(p)
    p.write_text(_x12(P837))
    assert audit(p).lines_in == 4


# ----------------------------------------------------------------------------- 10: formulas


def test_cells_that_a_spreadsheet_would_run_are_prefixed(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text(
        "claim_id,line_number,date_of_service,code,units,payer,rendering_npi\n"
        '-2026-7,1,2026-03-02,96370,1,=HYPERLINK("http://x") Health Plan,+Infusion Clinic\n'
        '=HYPERLINK("http://y"),1,2026-03-02,96370,1,@SUM(1),+1\n'
    )
    res = audit(p)
    # values of their column's shape are written as they are, and prefixed where a spreadsheet
    # would run them; the others are digests, which never start like a formula
    assert sorted(set(res.findings["claim_id"]))[0] == "-2026-7" and len(res.findings) == 4
    assert any(c.startswith("claim#") for c in res.findings["claim_id"])
    write_outputs(res, tmp_path / "f.csv")
    text = (tmp_path / "f.csv").read_text()
    assert "'-2026-7" in text and '\'=HYPERLINK(""http://x"") Health Plan' in text and ",=" not in text
    assert "@SUM" not in text and "http://y" not in text
    assert "'+Infusion Clinic" in (tmp_path / "f.providers.csv").read_text()
    df = pd.DataFrame({"a": ["-2", "ok", None], "n": [-1, 2, 3]})
    assert list(spreadsheet_safe(df)["a"].fillna("")) == ["'-2", "ok", ""]
    assert list(df["a"].fillna("")) == ["-2", "ok", ""]  # the input frame is not changed
    assert list(spreadsheet_safe(df)["n"]) == [-1, 2, 3]  # numbers are numbers
