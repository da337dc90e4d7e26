"""Claims audit: every check fires and stays silent, planted findings exactly, rejects, no PHI."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from claims_text import HEADER
from infusion.audit import audit, write_outputs
from infusion.config import REPO_ROOT
from infusion.errors import InputError
from x12_text import isa

SAMPLE = REPO_ROOT / "data" / "samples" / "claims"


def _write(tmp_path: Path, header: list[str], rows: list[list], name="claims.csv") -> Path:
    p = tmp_path / name
    with p.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return p


def run(tmp_path: Path, rows: list[list], header=HEADER, **kw):
    return audit(_write(tmp_path, header, rows), **kw)


def L(
    claim,
    n,
    code,
    units=1,
    mods="",
    pos="11",
    ctype="professional",
    start="09:00",
    stop="10:35",
    payer="Aetna",
    dos="2026-03-02",
):
    return [claim, n, dos, code, units, mods, pos, ctype, payer, start, stop]


def rules(res) -> set[tuple[str, str, str]]:
    return {
        (c, str(n), r) for c, n, r in zip(res.findings["claim_id"], res.findings["line_number"], res.findings["rule"])
    }


def test_sample_yields_exactly_the_planted_findings_and_rejects(tmp_path):
    res = audit(SAMPLE / "illustrative_claims.csv")
    expected = pd.read_csv(SAMPLE / "expected_findings.csv", dtype=str)
    assert rules(res) == set(zip(expected["claim_id"], expected["line_number"], expected["rule"]))
    assert res.rejects == 3 and res.lines_in == res.lines_checked + res.rejects
    out = write_outputs(res, tmp_path / "f.csv")
    rej = pd.read_csv(out["rejects"], dtype=str)
    exp_rej = pd.read_csv(SAMPLE / "expected_rejects.csv", dtype=str)
    assert list(rej["claim_id"]) == list(exp_rej["claim_id"])
    assert all(r.startswith(e) for r, e in zip(rej["reason"], exp_rej["reason"]))
    assert list(rej["file_line"].astype(int)) == [int(x) + 1 for x in rej["data_row"]]


def test_phi_columns_never_reach_an_output(tmp_path):
    res = audit(SAMPLE / "illustrative_claims.csv")
    assert res.dropped_phi == ["patient_name", "member_id", "dob"]
    out = write_outputs(res, tmp_path / "f.parquet")
    for path in out.values():
        data = Path(path).read_bytes()
        assert b"ILLUSTRATIVE PATIENT" not in data and b"ILLUSTRATIVE-M" not in data and b"1950-01-01" not in data
    assert not set(res.findings.columns) & {"patient_name", "member_id", "dob"}


@pytest.mark.parametrize(
    "rows, hit",
    [
        ([L("C7", 1, "96370")], ("C7", "1", "U-ADDON")),
        ([L("C7", 1, "96369", 2, stop="09:50")], ("C7", "1", "U-INIT")),
        ([L("C7", 1, "96369", stop="09:50"), L("C7", 2, "96369", stop="09:50")], ("C7", "2", "U-INIT")),
        ([L("C7", 1, "96369"), L("C7", 2, "96371", 2)], ("C7", "2", "U-PUMP")),
        ([L("C7", 1, "96369"), L("C7", 2, "96370", 2)], ("C7", "2", "U-HOUR")),
        ([L("C7", 1, "96369", start="", stop=""), L("C7", 2, "96370", start="", stop="")], ("C7", "2", "T-DOC")),
        ([L("C7", 1, "96369", start="14:00", stop="13:00")], ("C7", "1", "T-DATE")),
        (
            [L("C7", 1, "96369", start="08:00", stop="13:00"), L("C7", 2, "96370", 4, start="08:00", stop="13:00")],
            ("C7", "2", "U-MUE"),
        ),
        ([L("C7", 1, "96369", pos="22")], ("C7", "1", "S-FACILITY")),
        ([L("C7", 1, "96369", pos="12")], ("C7", "1", "S-HOME")),
        ([L("C7", 1, "96369", mods="00")], ("C7", "1", "M-VALID")),
        ([L("C7", 1, "96369", mods="JZ|11")], ("C7", "1", "M-VALID")),
        ([L("C7", 1, "96369"), L("C7", 2, "96372")], ("C7", "2", "N-PTP")),  # the NCCI pair, no XS/59
        ([L("C7", 1, "96369"), L("C7", 2, "96523")], ("C7", "1", "N-PTP")),  # indicator 0
        ([L("C7", 1, "99211"), L("C7", 2, "96369")], ("C7", "2", "N-PTP")),  # 99211/96369: indicator 0 (practitioner)
        ([L("C7", 1, "96369"), L("C7", 2, "J1559", 2401, mods="JZ")], ("C7", "2", "U-MUE")),  # drug MUE 2400
        ([L("C7", 1, "96369", payer="Medicare"), L("C7", 2, "J1559", 100, payer="Medicare")], ("C7", "2", "D-WASTE")),
        ([L("C7", 1, "96369", mods="JZ")], ("C7", "1", "M-DRUG")),
        ([L("C7", 1, "96369", mods="25")], ("C7", "1", "M-25")),
        ([L("C7", 1, "96369", pos="19", ctype="institutional", mods="PO PN")], ("C7", "1", "M-PO-PN")),
        (
            [L("C7", 1, "96369", stop="11:40"), L("C7", 2, "96370", stop="11:40"), L("C7", 3, "96370", stop="11:40")],
            ("C7", "3", "A-DUP"),
        ),
        ([L("C7", 1, "96365", start="", stop=""), L("C7", 2, "96369", stop="09:50")], ("C7", "2", "S-INITIAL")),
        ([L("C7", 1, "96369", stop="09:50"), L("C7", 2, "96413", start="", stop="")], ("C7", "1", "S-INITIAL")),
    ],
)
def test_each_check_fires(tmp_path, rows, hit):
    assert hit in rules(run(tmp_path, rows))


@pytest.mark.parametrize(
    "rows",
    [
        [L("C7", 1, "96369"), L("C7", 2, "96370")],  # 95 min, 1 add-on hour
        [L("C7", 1, "96369", stop="11:40"), L("C7", 2, "96370", 2, stop="11:40")],  # 160 min, 2 units
        [L("C7", 1, "96369", stop="09:50"), L("C7", 2, "96371")],  # second pump once
        [L("C7", 1, "96369", pos="22", ctype="institutional"), L("C7", 2, "96370", pos="22", ctype="institutional")],
        [L("C7", 1, "96372", start="", stop="")],  # an injection alone
        [L("C7", 1, "96369", mods="XS")],  # a real modifier
        [L("C7", 1, "96369", pos="19", ctype="institutional", mods="PO")],  # PO alone
        [
            L("C7", 1, "96369", dos="2026-03-02"),
            L("C7", 2, "96370", dos="2026-03-02"),
            L("D7", 1, "96369", dos="2026-03-02"),
            L("D7", 2, "96370", dos="2026-03-02"),
        ],  # two claims alike
        [L("C7", 1, "99213", 1, mods="25")],
        [L("C7", 1, "96365", mods="XS"), L("C7", 2, "96369", stop="09:50")],  # separate site, said so
        [L("C7", 1, "96365"), L("C7", 2, "96369", mods="59", stop="09:50")],
        [L("C7", 1, "96365", dos="2026-03-01"), L("C7", 2, "96369", stop="09:50")],  # another date
        [L("C7", 1, "96366"), L("C7", 2, "96369", stop="09:50")],  # an IV add-on, not initial
        [L("C7", 1, "96365", mods="00", pos="22"), L("D7", 1, "96374", mods="JZ")],  # their own lines: not ours
        # issue 29: an SC injection at a separate site beside the infusion (96372-XS), an E/M with 25,
        # a Medicare drug with JZ, or with its JW line; two lines 09:00-09:50 and 11:00-11:45 with one 96370
        [L("C7", 1, "96369", stop="09:50"), L("C7", 2, "96372", mods="XS", start="", stop="")],
        [L("C7", 1, "96369", stop="09:50"), L("C7", 2, "96372", mods="59", start="", stop="")],
        [L("C7", 1, "99213", mods="25"), L("C7", 2, "96369", stop="09:50")],
        [
            L("C7", 1, "96369", payer="Medicare"),
            L("C7", 2, "96370", payer="Medicare"),
            L("C7", 3, "J1559", 100, mods="JZ", payer="Medicare"),
        ],
        [
            L("C7", 1, "96369", payer="Medicare"),
            L("C7", 2, "96370", payer="Medicare"),
            L("C7", 3, "J1559", 103, payer="Medicare"),
            L("C7", 4, "J1559", 7, mods="JW", payer="Medicare"),
        ],
        [L("C7", 1, "J1559", 100, payer="Aetna")],  # JZ/JW: Medicare's rule
        [L("C7", 1, "J1559", 100, payer="Medicare", dos="2023-06-30")],  # before JZ was required
        [L("C7", 1, "96369", start="09:00", stop="09:50"), L("C7", 2, "96370", start="11:00", stop="11:45")],
    ],
)
def test_checks_stay_silent_on_correct_lines(tmp_path, rows):
    assert rules(run(tmp_path, rows)) == set()


@pytest.mark.parametrize(
    "stop, units, fires",
    [
        ("10:30", 1, True),
        ("10:31", 1, False),  # 90 / 91 minutes
        ("11:30", 1, False),
        ("11:30", 2, True),  # 150 minutes: one unit
        ("11:31", 2, False),
        ("12:30", 3, True),  # 151: two; 210: still two
        ("12:31", 3, False),  # 211: three
    ],
)
def test_u_hour_boundaries_match_the_engine(tmp_path, stop, units, fires):
    res = run(
        tmp_path, [L("C7", 1, "96369", start="09:00", stop=stop), L("C7", 2, "96370", units, start="09:00", stop=stop)]
    )
    assert (("C7", "2", "U-HOUR") in rules(res)) is fires


def test_second_96369_with_xs_passes_u_init_but_not_the_mue(tmp_path):
    res = run(tmp_path, [L("C7", 1, "96369", stop="09:50"), L("C7", 2, "96369", mods="XS", stop="09:50")])
    assert rules(res) == {("C7", "1", "U-MUE")}


def test_dollars_at_risk_use_medicare_and_say_when_missing(tmp_path):
    res = run(tmp_path, [L("C7", 1, "96370", dos="2026-03-02"), L("D7", 1, "96370", dos="2018-03-02")])
    d = res.findings.set_index("claim_id")["dollars_at_risk"]
    assert d["C7"] == 17.03 and pd.isna(d["D7"])
    assert res.summary["lines_without_price"].sum() == 1


def test_column_map_and_modifier_columns(tmp_path):
    header = ["CLM", "LN", "SVC_DT", "HCPCS_CD", "UNITS", "MOD1", "MOD2", "POS"]
    rows = [["C7", 1, "03/02/2026", "96369", 1, "00", "", "11"]]
    res = run(
        tmp_path,
        rows,
        header=header,
        mapping={"claim_id": "CLM", "line_number": "LN", "date_of_service": "SVC_DT", "code": "HCPCS_CD"},
    )
    assert rules(res) == {("C7", "1", "M-VALID")}


def test_missing_required_column_names_it(tmp_path):
    with pytest.raises(InputError, match="units: no column for units"):
        run(tmp_path, [["C7", 1, "2026-03-02", "96369"]], header=["claim_id", "line_number", "dos", "code"])


@pytest.mark.parametrize("content", [b"", b"\n", b"\n\nC,1,2026-03-02,96369,1\n"])
def test_a_file_without_a_header_says_so(tmp_path, content):
    p = tmp_path / "claims.csv"
    p.write_bytes(content)
    with pytest.raises(
        InputError,
        match=r"claims: claims.csv has no header line naming the columns "
        r"\(empty file or blank first line\)",
    ):
        audit(p)


def test_rejects_count_and_reasons(tmp_path):
    res = run(
        tmp_path,
        [
            L("C7", 1, "96369", dos="2026-13-01"),
            L("C7", 2, "96369", units="1.5"),
            L("C7", 3, "9636A9"),
            L("", 4, "96369"),
            L("E7", 1, "96369"),
        ],
    )
    assert (res.lines_in, res.lines_checked, res.rejects) == (5, 1, 4)


def test_malformed_rows_go_to_rejects_with_their_row_number(tmp_path):
    p = tmp_path / "claims.csv"
    good = ",".join(map(str, L("C7", 1, "96369", dos="2026-13-01")))  # row 1: bad date
    p.write_text(
        ",".join(HEADER)
        + "\n"
        + good
        + "\n"
        + "C7,2,2026-03-02,96370\n"  # row 2: 4 fields
        + ",".join(map(str, L("D7", 1, "96369")))
        + "\n"  # row 3: fine
        + ",".join(map(str, L("D7", 2, "96369", units="x")))
        + ",extra\n"  # row 4: 12 fields
        + ",".join(map(str, L("EVANS", 1, "96370", units="x")))
        + "\n"
    )  # row 5: bad units
    res = audit(p)
    assert (res.lines_in, res.lines_checked, res.rejects) == (5, 1, 4)
    rej = res.rejected
    assert list(rej["data_row"]) == [1, 2, 4, 5] and list(rej["file_line"]) == [2, 3, 5, 6]
    assert rej["reason"][0] == "bad date_of_service '2026-13-01'"
    assert rej["reason"][1] == "malformed row: 4 fields, expected 11" and pd.isna(rej["claim_id"][1])
    # the value is not quoted (letters may be a name) and neither is a claim id with no digit in it:
    # it is written as its digest
    assert rej["reason"][3] == "non-numeric units (a value of 1 character: letters; not shown)"
    assert rej["claim_id"][3].startswith("claim#") and "EVANS" not in rej.to_string()


def test_an_exact_duplicate_row_is_a_duplicate(tmp_path):
    row = L("C7", 2, "96370")
    res = run(tmp_path, [L("C7", 1, "96369"), row, row])
    assert [r for r in rules(res) if r[2] == "A-DUP"] == [("C7", "2", "A-DUP")]
    assert "duplicate of line 2" in res.findings.loc[res.findings["rule"] == "A-DUP", "message"].iloc[0]


def test_parquet_with_typed_columns_and_a_pipe_delimited_csv(tmp_path):
    df = pd.DataFrame(
        {
            "claim_id": ["C7", "C7"],
            "line_number": [1, 2],
            "date_of_service": pd.to_datetime(["2026-03-02"] * 2).date,
            "code": ["96369", "96370"],
            "units": [1.0, 2.0],
            "pos": [11, 11],
            "start_time": ["09:00"] * 2,
            "stop_time": ["10:35"] * 2,
        }
    )
    df.to_parquet(tmp_path / "c.parquet", index=False)
    res = audit(tmp_path / "c.parquet")
    assert rules(res) == {("C7", "2", "U-HOUR")} and res.source_kind == "parquet"
    assert "96370 x2 on the claim-date, but 95 documented minutes support 1" in res.findings["message"][0]
    df.to_csv(tmp_path / "c.psv", sep="|", index=False)
    assert rules(audit(tmp_path / "c.psv")) == {("C7", "2", "U-HOUR")}


def test_blocks_do_not_change_the_result(tmp_path):
    """Lines of one claim split across CSV blocks are still checked together."""
    rows = [L(f"C{i}", 1, "96369") for i in range(20000)] + [L("C19999", 2, "96370", 3)]
    res1 = run(tmp_path, rows, block_mb=1)
    assert ("C19999", "2", "U-HOUR") in rules(res1) and res1.lines_in == 20001
    assert (tmp_path / "claims.csv").stat().st_size > 1 << 20


def test_a_column_with_more_distinct_values_than_int16_holds_keeps_them_apart(tmp_path):
    """Value ids are stored in int16 when a column has few distinct values, int32 when not: with
    40,000 distinct line numbers a finding late in the file still names its own line number."""
    rows = [L("C1", n, "96369", start="", stop="") for n in range(1, 40001)]
    rows.append(L("C1", 40001, "96370", 2, mods="00", start="", stop=""))
    res = run(tmp_path, rows)
    late = res.findings[res.findings["line_number"] == "40001"]
    assert set(late["rule"]) >= {"M-VALID", "T-DOC"} and len(late) >= 2
    assert res.lines_in == 40001 and res.rejects == 0


def test_a_claim_with_lines_on_two_dates_is_checked_date_by_date(tmp_path):
    res = run(
        tmp_path,
        [
            L("C7", 1, "96369", dos="2026-03-02"),
            L("C7", 2, "96370", dos="2026-03-02"),
            L("C7", 3, "96370", dos="2026-03-03"),  # no 96369 that day
            L("D7", 1, "96369", dos="2026-03-03"),
            L("D7", 2, "96370", dos="2026-03-03"),
        ],
    )
    assert rules(res) == {("C7", "3", "U-ADDON")}
    res = run(tmp_path, [L("C7", 1, "96369", dos="2026-03-02"), L("C7", 2, "96369", dos="2026-03-03")])
    assert rules(res) == set()  # one 96369 a day


@pytest.mark.parametrize(
    "start, stop",
    [
        ("2026-03-02T23:30", "2026-03-03T01:45"),  # dates and times
        ("23:30", "2026-03-03T01:45"),  # a clock time too
        ("2026-03-02 23:30:00", "2026-03-03 02:01:00"),
    ],
)
def test_times_with_dates_cross_midnight(tmp_path, start, stop):
    minutes = 135 if stop.endswith("01:45") else 151  # 1 additional hour, then 2
    rows = lambda units: [
        L("C7", 1, "96369", start=start, stop=stop),  # noqa: E731
        L("C7", 2, "96370", units=units, start=start, stop=stop),
    ]
    supported = 1 if minutes == 135 else 2
    assert rules(run(tmp_path, rows(supported))) == set()
    res = run(tmp_path, rows(supported + 1))
    assert rules(res) == {("C7", "2", "U-HOUR")}
    assert f"{minutes} documented minutes support {supported}" in res.findings["message"][0]


def test_claim_ids_are_equal_exactly_for_equal_claims_in_any_order():
    import pyarrow as pa
    from infusion.audit.claim_ids import claim_ids_of as _claim_ids

    claims = ["A1", "A1", "B2", "A1", "C3", "B2", "é", "é", "C3", "D10"]
    ids, n = _claim_ids(pa.chunked_array([claims[:4], claims[4:]]))
    assert n == 5
    assert all((ids[i] == ids[j]) == (claims[i] == claims[j]) for i in range(10) for j in range(10))


@pytest.mark.parametrize(
    "claims, sorted_",
    [
        (["A1", "A1", "A2", "B1", "B1", "B10"], True),  # by text
        (["C8", "C9", "C9", "C10", "C11", "C100"], True),  # by length, then text
        (["C9", "C10", "C9"], False),  # C9 again in a later run
        (["B1", "A1", "C1"], False),
        (["C10", "C9", "C11"], False),  # neither order
    ],
)
def test_claim_ids_of_a_sorted_extract_are_its_run_numbers(claims, sorted_):
    import numpy as np
    import pyarrow as pa
    from infusion.audit.claim_ids import claim_ids_of as _claim_ids
    from infusion.audit.claim_ids import increasing as _increasing

    heads = pa.array([c for i, c in enumerate(claims) if i == 0 or c != claims[i - 1]])
    assert _increasing(heads, np.array([len(c) for c in heads.to_pylist()])) == sorted_
    ids, n = _claim_ids(pa.chunked_array([claims[:2], claims[2:]]))
    assert n == len(set(claims))
    assert all((ids[i] == ids[j]) == (claims[i] == claims[j]) for i in range(len(claims)) for j in range(len(claims)))


@pytest.mark.parametrize(
    "text, end, cut",
    [
        (b"a,b\nc,d", 7, 4),
        (b"a,b\nc,d\n", 8, 8),
        (b"a,b,c", 5, 0),
        (b"x\n" + b"y" * 300_000, 300_002, 2),  # the break far before the tail
        (b"x\n" + b"y" * 300_000 + b"\n", 300_002, 2),  # a break after ``end`` does not count
    ],
)
def test_a_block_ends_after_its_last_line_break(text, end, cut):
    from infusion.audit.csv_source import _last_line_break

    assert _last_line_break(memoryview(text), end) == cut


def test_a_line_longer_than_a_block_is_read_whole(tmp_path):
    rows = [L("C7", 1, "96369"), L("C7", 2, "96370", payer="P" * (3 << 20)), L("D7", 1, "96370")]
    res = run(tmp_path, rows, block_mb=1)
    assert res.lines_in == 3 and rules(res) == {("D7", "1", "U-ADDON")}


def test_a_line_without_a_code_is_rejected_not_silently_skipped(tmp_path):
    res = run(tmp_path, [L("C7", 1, "96369"), L("C7", 2, "")])
    assert (res.lines_in, res.lines_checked, res.rejects) == (2, 1, 1)
    assert res.rejected["reason"][0] == "unknown code format (empty)"


def test_a_gzipped_csv_gives_the_same_audit(tmp_path):
    import gzip
    import shutil

    with open(SAMPLE / "illustrative_claims.csv", "rb") as src, gzip.open(tmp_path / "c.csv.gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    plain, packed = audit(SAMPLE / "illustrative_claims.csv"), audit(tmp_path / "c.csv.gz")
    assert rules(packed) == rules(plain) and (packed.lines_in, packed.rejects) == (350, 3)
    assert packed.rejected["file_line"].tolist() == plain.rejected["file_line"].tolist()


def test_a_windows_1252_csv_needs_its_encoding_named(tmp_path):
    p = tmp_path / "c.csv"
    p.write_bytes(b"claim_id,line_number,date_of_service,code,units,payer\nC7,1,2026-03-02,96370,1,Caf\xe9 Health\n")
    with pytest.raises(InputError, match="give --encoding"):
        audit(p)
    res = audit(p, encoding="cp1252")
    assert rules(res) == {("C7", "1", "U-ADDON"), ("C7", "1", "T-DOC")}
    assert set(res.findings["payer"]) == {"Café Health"}
    with pytest.raises(InputError, match="encoding: 'nope'"):
        audit(p, encoding="nope")


def test_outputs_that_cannot_be_written_leave_the_last_ones(tmp_path):
    res = run(tmp_path, [L("C7", 1, "96370")])
    out = tmp_path / "f.csv"
    write_outputs(res, out)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name != "claims.csv"}
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where a directory should be")
    res2 = run(tmp_path, [L("D7", 1, "96371")])
    with pytest.raises(InputError, match=f"rejects: cannot write {blocked / 'r.csv'}"):
        write_outputs(res2, out, rejects=blocked / "r.csv")
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name not in ("claims.csv", "not-a-dir")}
    assert after == before  # the findings were not replaced; no temporary files


def _with_notes(rows: list[list], note) -> list[list]:
    """Rows with a free-text last column: ``note(i)`` (may hold line breaks, quotes, commas)."""
    return [r + [note(i)] for i, r in enumerate(rows)]


def _noted_claims_file(p: Path, bad_row: bytes) -> Path:
    """6,000 two-line claims (U-HOUR planted on C7, C1007 ...) whose notes, two in three, hold line
    breaks, quotes and commas, long enough that 1 MB blocks are cut inside them; ``bad_row`` is
    data row 5001."""
    rows = []
    for i in range(6000):
        rows += [L(f"C{i}", 1, "96369"), L(f"C{i}", 2, "96370", 2 if i % 1000 == 7 else 1)]
    rows = _with_notes(rows, lambda i: f'seen {i}\nplan, "adjusted" {"x" * (i % 400)}\nend' if i % 3 else "")
    text = io.StringIO(newline="")
    w = csv.writer(text)
    w.writerow(HEADER + ["notes"])
    w.writerows(rows[:5000])
    head, text = text.getvalue(), io.StringIO(newline="")
    csv.writer(text).writerows(rows[5000:])
    p.write_bytes(head.encode() + bad_row + text.getvalue().encode())
    return p


def test_quoted_values_holding_line_breaks_are_not_cut_between_blocks(tmp_path):
    """A free-text column with line breaks inside quotes: 1 MB blocks are cut at line breaks
    outside quoted values (an even number of quotes before them), so the blocks give the same
    audit as one block, without a second reading: every record read, the planted findings, the
    malformed row numbered by data row; file lines are not known (null)."""
    p = _noted_claims_file(tmp_path / "claims.csv", b"C7,2,2026-03-02,96370\n")  # data row 5001: 4 fields
    assert p.stat().st_size > 2 << 20  # two cuts, each inside a note (by_record below)
    one_block, blocks = audit(p, block_mb=64), audit(p, block_mb=1)
    planted = {(f"C{i}", "2", "U-HOUR") for i in range(7, 6000, 1000)}
    for res in (one_block, blocks):
        assert (res.lines_in, res.lines_checked, res.rejects) == (12001, 12000, 1)
        assert rules(res) == planted
        assert list(res.rejected["data_row"]) == [5001]
        assert res.rejected["reason"][0] == "malformed row: 4 fields, expected 12"
    assert not blocks.by_record and blocks.quoted_breaks and pd.isna(blocks.rejected["file_line"][0])


def test_a_malformed_row_that_is_not_utf8_in_a_file_read_record_by_record(tmp_path):
    """The quote-aware reading (blocks cut inside quoted line breaks) met the same pyarrow limit
    as the blocks: a malformed row that is not UTF-8 refused the whole file. It is read once more
    with such bytes replaced, and the row rejected."""
    p = _noted_claims_file(tmp_path / "claims.csv", b"Jos\xe9,2,2026-03-02,96370\n")  # 4 fields, cp1252
    res = audit(p, block_mb=1)
    assert (res.lines_in, res.lines_checked, res.rejects) == (12001, 12000, 1)
    assert rules(res) == {(f"C{i}", "2", "U-HOUR") for i in range(7, 6000, 1000)}
    assert list(res.rejected["data_row"]) == [5001]
    assert res.rejected["reason"][0] == "malformed row: 4 fields, expected 12"


def test_a_malformed_row_with_a_quote_but_no_line_breaks_keeps_its_row_number(tmp_path):
    """A stray quote in a malformed row makes the audit read the file again record by record;
    the result is the same as reading it in blocks would have been."""
    rows = _with_notes([L("C7", 1, "96369"), L("C7", 2, "96370", 2), L("D7", 1, "96369")], lambda i: "ok")
    p = tmp_path / "claims.csv"
    lines = [",".join(map(str, r)) for r in rows]
    lines.insert(2, 'C7,3,2026-03-02,"96370" x,1')  # data row 3: 5 fields
    p.write_text(",".join(HEADER + ["notes"]) + "\n" + "\n".join(lines) + "\n")
    res = audit(p)
    assert (res.lines_in, res.lines_checked, res.rejects) == (4, 3, 1)
    assert rules(res) == {("C7", "2", "U-HOUR")}
    assert list(res.rejected["data_row"]) == [3] and res.rejected["reason"][0] == "malformed row: 5 fields, expected 12"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("09:30", (1, 34200)),
        ("9:30:15", (1, 34215)),
        ("9:30 AM", (1, 34200)),
        ("9:30PM", (1, 77400)),
        ("12:00 AM", (1, 0)),
        ("12:15 p.m.", (1, 44100)),
        ("0930", (1, 34200)),
        ("930", (1, 34200)),
        ("1405", (1, 50700)),
        ("2026-03-02T23:30", (2, 1772494200)),
        ("2026-03-02 11:30 PM", (2, 1772494200)),
        ("03/02/2026 11:30 PM", (2, 1772494200)),
        ("3/2/2026 23:30:00", (2, 1772494200)),
        ("202603022330", (2, 1772494200)),
        ("20260302 2330", (2, 1772494200)),
        # not a time: counts as not documented, never guessed
        ("13:00 PM", (0, 0)),
        ("0:30 AM", (0, 0)),
        ("2460", (0, 0)),
        ("24:00", (0, 0)),
        ("45", (0, 0)),
        ("2026-03-02", (0, 0)),
        ("20260302", (0, 0)),
        ("03/02/2026", (0, 0)),
        ("13/02/2026 10:00", (0, 0)),
        ("soon", (0, 0)),
        ("", (0, 0)),
    ],
)
def test_the_start_and_stop_times_an_extract_may_hold(text, expected):
    from infusion.audit.values import parse_time

    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text, days",
    [
        ("2026-03-02", 20514),
        ("2026/3/2", 20514),
        ("2026-03-02 00:00:00", 20514),
        ("03/02/2026", 20514),
        ("3/2/2026 09:30 AM", 20514),
        ("20260302", 20514),
        ("202603020930", 20514),
        ("2026-02-30", None),
        ("20261302", None),
        ("1234567", None),
        ("02-03-2026", None),
        ("March 2", None),
    ],
)
def test_the_dates_of_service_an_extract_may_hold(text, days):
    from infusion.audit.values import NA_DAYS, parse_date

    assert parse_date(text) == (NA_DAYS if days is None else days,)


def test_twelve_hour_and_four_digit_times_count_the_minutes_they_say(tmp_path):
    """11:15 AM to 1:05 PM is 110 minutes (one additional hour); as does 1115 to 1305 on an
    X12-style date: a second 96370 unit is not supported."""
    for start, stop, dos in (("11:15 AM", "1:05 PM", "03/02/2026"), ("1115", "1305", "20260302")):
        rows = [
            L("C7", 1, "96369", start=start, stop=stop, dos=dos),
            L("C7", 2, "96370", 2, start=start, stop=stop, dos=dos),
        ]
        res = run(tmp_path, rows)
        assert rules(res) == {("C7", "2", "U-HOUR")} and res.rejects == 0
        assert "110 documented minutes support 1" in res.findings["message"][0]


def test_a_cclf5_extract_is_read_without_a_column_map(tmp_path):
    """The CMS CCLF Part B physician layout: its column names, claim type 71, units as 1.000,
    modifiers in HCPCS_n_MDFR_CD columns; the beneficiary ids are never read."""
    header = [
        "CUR_CLM_UNIQ_ID",
        "CLM_LINE_NUM",
        "BENE_MBI_ID",
        "BENE_HIC_NUM",
        "CLM_TYPE_CD",
        "CLM_POS_CD",
        "CLM_LINE_FROM_DT",
        "CLM_LINE_HCPCS_CD",
        "CLM_LINE_SRVC_UNIT_QTY",
        "HCPCS_1_MDFR_CD",
        "HCPCS_2_MDFR_CD",
        "CLM_LINE_CVRD_PD_AMT",
    ]
    rows = [
        ["1001", "1", "1AB2CD3EF45", "X", "71", "11", "2026-03-02", "96369", "1.000", "", "", "70.10"],
        ["1001", "2", "1AB2CD3EF45", "X", "71", "11", "2026-03-02", "96370", "1.000", "JZ", "00", "17.03"],
        ["1002", "1", "9ZZ9ZZ9ZZ99", "X", "71", "22", "2026-03-03", "96369", "1.000", "", "", "70.10"],
        ["1003", "1", "8YY8YY8YY88", "X", "71", "11", "2026-03-04", "96370", "1.000", "", "", "17.03"],
    ]
    res = audit(_write(tmp_path, header, rows))
    assert res.dropped_phi == ["BENE_MBI_ID", "BENE_HIC_NUM"]
    assert rules(res) == {
        ("1001", "2", "M-VALID"),
        ("1001", "2", "M-DRUG"),
        ("1002", "1", "S-FACILITY"),
        ("1003", "1", "U-ADDON"),
        ("1001", "2", "T-DOC"),
        ("1003", "1", "T-DOC"),
    }  # no times
    assert res.findings.loc[res.findings["rule"] == "M-VALID", "message"].str.contains("00").all()
    out = write_outputs(res, tmp_path / "f.csv")
    for path in out.values():
        assert b"1AB2CD3EF45" not in Path(path).read_bytes()


def test_a_ccw_carrier_line_extract_with_sas_dates(tmp_path):
    header = [
        "BENE_ID",
        "CLM_ID",
        "LINE_NUM",
        "NCH_CLM_TYPE_CD",
        "LINE_1ST_EXPNS_DT",
        "HCPCS_CD",
        "HCPCS_1ST_MDFR_CD",
        "HCPCS_2ND_MDFR_CD",
        "LINE_SRVC_CNT",
        "LINE_PLACE_OF_SRVC_CD",
        "PRVDR_ZIP",
    ]
    rows = [
        ["B1", "C1", "1", "71", "02MAR2026", "96369", "", "", "1", "11", "94103"],
        ["B1", "C1", "2", "71", "02MAR2026", "96370", "", "", "3", "11", "94103"],
    ]
    res = audit(_write(tmp_path, header, rows))
    assert res.dropped_phi == ["BENE_ID"] and res.rejects == 0
    # no start/stop times in this layout: the 96370 units are not supported by documented time
    assert rules(res) == {("C1", "2", "T-DOC")}
    assert str(res.findings["date_of_service"][0].date()) == "2026-03-02"


def test_a_tuva_medical_claim_extract(tmp_path):
    header = [
        "claim_id",
        "claim_line_number",
        "claim_type",
        "person_id",
        "payer",
        "claim_line_start_date",
        "place_of_service_code",
        "bill_type_code",
        "hcpcs_code",
        "hcpcs_modifier_1",
        "service_unit_quantity",
    ]
    rows = [
        ["T1", "1", "professional", "P1", "aetna", "2026-03-02", "12", "", "96369", "", "1"],
        ["T2", "1", "institutional", "P2", "cigna", "2026-03-02", "", "131", "96369", "00", "2"],
    ]
    res = audit(_write(tmp_path, header, rows))
    assert res.dropped_phi == ["person_id"]
    # T2 is institutional: judged by Medicare's outpatient hospital MUE of 96369 (1, MAI 2; issue 29)
    assert rules(res) == {("T1", "1", "S-HOME"), ("T2", "1", "M-VALID"), ("T2", "1", "U-INIT"), ("T2", "1", "U-MUE")}
    t2 = res.findings.set_index(["claim_id", "rule"]).loc[("T2", "U-MUE"), "message"]
    assert "medicare outpatient hospital MUE 2024-07-01, MAI 2" in t2
    # the institutional line (type of bill 131) is priced by OPPS: 2 units at the 2026 national rate
    t2 = res.findings[res.findings["claim_id"] == "T2"].set_index("rule")["dollars_at_risk"]
    assert t2["M-VALID"] == 2 * t2["U-INIT"]


@pytest.mark.parametrize(
    "text, professional, institutional",
    [
        ("", True, False),
        ("Professional", True, False),
        ("837P", True, False),
        ("CMS-1500", True, False),
        ("71", True, False),
        ("82", True, False),
        ("institutional", False, True),
        ("837i", False, True),
        ("UB-04", False, True),
        ("40", False, True),
        ("131", False, True),
        ("0131", False, True),
        ("13X", False, True),
        ("undetermined", False, False),
        ("99", False, False),
        ("dental", False, False),
        ("837", False, False),
    ],
)
def test_the_claim_types_an_extract_may_hold(text, professional, institutional):
    from infusion.audit.values import parse_claim_type

    assert parse_claim_type(text)[:2] == (professional, institutional)


@pytest.mark.parametrize(
    "text, void",
    [
        ("0138", True),
        ("138", True),
        ("131", False),
        ("137", False),
        ("13X", False),
        ("8", False),
        ("professional", False),
        ("", False),
    ],
)
def test_a_type_of_bill_ending_in_8_is_a_void_claim(text, void):
    from infusion.audit.values import parse_claim_type

    assert parse_claim_type(text)[2] is void


def test_the_lines_of_void_claims_in_a_table_are_left_out_and_said_so(tmp_path):
    """A void claim (frequency 8, in its own column or as a type of bill's last digit) cancels an
    earlier claim: its lines are not audited, and a note counts them. They are lines in, but
    neither checked nor rejected: lines in = checked + void + rejected, as for an 837; an original
    (1) or a replacement (7) is audited as any claim."""
    header = HEADER + ["CLM_FREQ_CD"]
    rows = [
        L("V7", 1, "96370", units=3) + ["8"],  # void: would be U-ADDON and U-HOUR
        L("W7", 1, "96370", units=3, ctype="0138") + [""],  # void by its type of bill
        L("O7", 1, "96370", units=3) + ["1"],  # original: audited
        L("R7", 1, "96370", units=3, ctype="0137") + ["7"],  # replacement: audited
        L("X7", 1, "96370", units="x") + ["8"],
    ]  # unreadable: a reject all the same
    res = run(tmp_path, rows, header=header)
    assert {c for c, _, _ in rules(res)} == {"O7", "R7"}
    assert (res.lines_in, res.lines_checked, res.lines_void, res.rejects) == (5, 2, 2, 1)
    assert res.accounting() == "lines in 5 = checked 2 + void claims (left out) 2 + rejected 1"
    assert res.notes == ["2 service line(s) of void claims (frequency code 8) were left out, not audited"]
    df = pd.read_csv(tmp_path / "claims.csv", dtype=str, keep_default_na=False)
    df.to_parquet(tmp_path / "claims.parquet")
    again = audit(tmp_path / "claims.parquet")
    assert rules(again) == rules(res) and again.notes == res.notes and again.accounting() == res.accounting()


def test_without_void_claims_there_is_no_note(tmp_path):
    res = run(tmp_path, [L("O7", 1, "96369"), L("O7", 2, "96370")])
    assert res.notes == [] and res.lines_void == 0
    assert res.accounting() == "lines in 2 = checked 2 + rejected 0"


def test_a_line_of_an_unknown_claim_type_has_no_dollars_at_risk(tmp_path):
    """Which Medicare system would pay is not known: the finding stands, its price is not guessed."""
    res = run(
        tmp_path,
        [L("C7", 1, "96370", ctype="undetermined"), L("D7", 1, "96370", ctype="40"), L("E7", 1, "96370", ctype="71")],
    )
    d = res.findings.set_index("claim_id")["dollars_at_risk"]
    assert set(res.findings["rule"]) == {"U-ADDON"}
    assert pd.isna(d["C7"]) and d["E7"] == 17.03 and d["D7"] > 0 and d["D7"] != d["E7"]


def _workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def test_a_spreadsheet_with_typed_cells_gives_the_audit_its_csv_would(tmp_path):
    """Numbers, dates, times and date-times as Excel stores them; a blank row inside the data is a
    rejected line (so row numbers stay the sheet's), blank rows after the data are not lines;
    the patient column is never kept; findings equal those of the same lines as CSV text."""
    import datetime as dt

    header = ["claim_id", "line_number", "date_of_service", "code", "units", "start_time", "stop_time", "patient_name"]
    day = dt.date(2026, 3, 2)
    rows = [
        [1001, 1, day, "96369", 1, dt.time(9, 30), dt.time(12, 5), "ILLUSTRATIVE PATIENT"],
        [1001, 2, day, 96370, 3.0, dt.time(9, 30), dt.time(12, 5), "ILLUSTRATIVE PATIENT"],
        [None] * 8,
        ["C3", 1, dt.datetime(2026, 3, 3, 0, 0), "96370", 1, "9:30 AM", dt.datetime(2026, 3, 3, 11, 5), ""],
        ["C4", 1, "03/04/2026", "96369", "x", None, None, None],
        [None] * 8,
        [None] * 8,
    ]
    book = _workbook(tmp_path / "claims.xlsx", {"Claims": [header] + rows, "Notes": [["not claims"]]})
    res = audit(book)
    assert res.source_kind == "spreadsheet" and res.dropped_phi == ["patient_name"]
    assert (res.lines_in, res.lines_checked, res.rejects) == (5, 3, 2)
    assert rules(res) == {("1001", "2", "U-HOUR"), ("C3", "1", "U-ADDON")}
    assert "155 documented minutes support 2" in res.findings["message"][0]
    assert list(res.rejected["sheet_row"]) == [4, 6]
    assert list(res.rejected["reason"]) == [
        "missing claim_id",
        "non-numeric units (a value of 1 character: letters; not shown)",
    ]
    out = write_outputs(res, tmp_path / "f.csv")
    assert all(b"ILLUSTRATIVE PATIENT" not in Path(p).read_bytes() for p in out.values())
    as_text = [
        [1001, 1, "2026-03-02", "96369", 1, "09:30", "12:05"],
        [1001, 2, "2026-03-02", "96370", 3, "09:30", "12:05"],
        ["C3", 1, "2026-03-03", "96370", 1, "09:30", "2026-03-03 11:05"],
    ]
    csv_res = run(tmp_path, as_text, header=header[:-1])
    assert rules(csv_res) == rules(res)
    assert list(csv_res.findings["message"]) == list(res.findings["message"])


def test_a_spreadsheet_sheet_is_chosen_by_name(tmp_path):
    header = ["claim_id", "line_number", "date_of_service", "code", "units"]
    book = _workbook(
        tmp_path / "c.xlsx", {"Summary": [["totals only"]], "Lines": [header, ["C7", 1, "2026-03-02", "96370", 1]]}
    )
    with pytest.raises(InputError, match="claim_id: no column for claim_id"):
        audit(book)  # the first sheet holds no claim lines
    assert rules(audit(book, sheet="Lines")) == {("C7", "1", "U-ADDON"), ("C7", "1", "T-DOC")}
    with pytest.raises(InputError, match=r"sheet: 'Line' is not a sheet of c.xlsx \(sheets: Summary, Lines\)"):
        audit(book, sheet="Line")
    (tmp_path / "c.csv").write_text(",".join(header) + "\nC,1,2026-03-02,96370,1\n")
    with pytest.raises(InputError, match="sheet: 'Lines' given, but c.csv is not a spreadsheet"):
        audit(tmp_path / "c.csv", sheet="Lines")


def test_a_file_named_xlsx_that_is_not_a_workbook_says_so(tmp_path):
    p = tmp_path / "claims.xlsx"
    p.write_text("claim_id,line_number\nC,1\n")
    with pytest.raises(InputError, match="claims: claims.xlsx is not a readable spreadsheet"):
        audit(p)


def test_the_share_of_lines_with_findings_by_payer_counts_each_line_once(tmp_path):
    """Aetna: line C/2 has two findings (U-HOUR, M-VALID): one line with findings, at risk the
    larger of its two dollar amounts. Cigna: clean. BCBS: a 2018 line (no Medicare price).
    Medicare: a 96372 beside 96369 without XS (the NCCI pair: a warning, not an error)."""
    rows = [
        L("C7", 1, "96369", payer="Aetna"),
        L("C7", 2, "96370", 2, mods="00", payer="Aetna"),
        L("D7", 1, "96369", payer="Cigna"),
        L("D7", 2, "96370", 1, payer="Cigna"),
        L("E7", 1, "96370", dos="2018-03-02", payer="BCBS"),
        L("F7", 1, "96369", payer="Medicare"),
        L("F7", 2, "96372", payer="Medicare"),
    ]
    res = run(tmp_path, rows)
    assert rules(res) == {("C7", "2", "U-HOUR"), ("C7", "2", "M-VALID"), ("E7", "1", "U-ADDON"), ("F7", "2", "N-PTP")}
    t = res.by_payer.set_index("payer")
    assert list(t.index) == ["Aetna", "BCBS", "Cigna", "Medicare", "all payers"]
    assert list(t["infusion_lines"]) == [2, 1, 2, 2, 7]
    assert list(t["lines_with_findings"]) == [1, 1, 0, 1, 3]
    assert list(t["lines_with_errors"]) == [1, 1, 0, 0, 2]
    assert list(t["share_with_findings"]) == [0.5, 1.0, 0.0, 0.5, round(3 / 7, 4)]
    f = res.findings.set_index(["claim_id", "rule"])["dollars_at_risk"]
    assert t.loc["Aetna", "dollars_at_risk"] == max(f["C7", "U-HOUR"], f["C7", "M-VALID"]) == 2 * 17.03
    assert pd.isna(t.loc["BCBS", "dollars_at_risk"]) and t.loc["BCBS", "lines_without_price"] == 1
    assert t.loc["Cigna", "dollars_at_risk"] == 0
    assert t.loc["all payers", "dollars_at_risk"] == round(2 * 17.03 + f["F7", "N-PTP"], 2)
    assert t.loc["all payers", "lines_without_price"] == 1


def test_a_utf16_export_is_recognised_by_its_byte_order_mark(tmp_path):
    """Excel's "Unicode text" export: UTF-16 with a BOM, tab-delimited. Read without --encoding,
    in 1 MB blocks (of the text transcoded to UTF-8), it gives the audit of the same lines as UTF-8."""
    rows = [L(f"C{i}", 1, "96369", payer="Cigna ü") for i in range(40000)]
    rows.append(L("C39999", 2, "96370", 3, payer="Cigna ü"))
    text = "\t".join(HEADER) + "\n" + "\n".join("\t".join(map(str, r)) for r in rows) + "\n"
    (tmp_path / "u16.txt").write_text(text, encoding="utf-16")
    (tmp_path / "u8.txt").write_text(text, encoding="utf-8")
    assert (tmp_path / "u8.txt").stat().st_size > 2 << 20  # three blocks after transcoding
    wide, narrow = audit(tmp_path / "u16.txt", block_mb=1), audit(tmp_path / "u8.txt")
    assert (wide.lines_in, wide.rejects) == (narrow.lines_in, narrow.rejects) == (40001, 0)
    assert rules(wide) == rules(narrow) == {("C39999", "2", "U-HOUR")}
    assert set(wide.summary["payer"]) == {"Cigna ü"}


def test_a_file_that_is_not_in_the_encoding_named_is_an_input_error(tmp_path):
    p = tmp_path / "c.csv"
    p.write_bytes(b"claim_id,line_number,date_of_service,code,units\nC,1,2026-03-02,96370,1\n")  # odd length
    with pytest.raises(InputError, match="claims: c.csv"):
        audit(p, encoding="utf-16")


def _x12(segments: list[str], elem: str = "*", comp: str = ":", term: str = "~", newline: str = "\n") -> str:
    body = [s.replace("*", elem).replace(":", comp) for s in segments]
    return isa(elem, comp, term) + newline + (term + newline).join(body) + term + newline


P837 = [
    "GS*HC*SUBMITTER*RECEIVER*20260302*1200*1*X*005010X222A1",
    "ST*837*0001*005010X222A1",
    "BHT*0019*00*0123*20260302*1200*CH",
    "HL*1**20*1",
    "NM1*85*2*ILLUSTRATIVE INFUSION CLINIC*****XX*1234567893",
    "N3*1 MAIN ST",
    "N4*SAN FRANCISCO*CA*941031234",
    "HL*2*1*22*0",
    "SBR*P*18*******MB",
    "NM1*IL*1*PATIENT*ILLUSTRATIVE****MI*1AB2CD3EF45",
    "N3*9 HOME ST",
    "N4*OAKLAND*CA*94601",
    "DMG*D8*19500101*F",
    "NM1*PR*2*MEDICARE PART B*****PI*01112",
    "CLM*P001*300***11:B:1*Y*A*Y*Y",
    "DTP*472*D8*20260302",
    "LX*1",
    "SV1*HC:96369*200*UN*1***1",
    "LX*2",
    "SV1*HC:96370:00*100*UN*3***1",
    "CLM*P002*100***11:B:1*Y*A*Y*Y",
    "SBR*S*18*******CI",
    "NM1*IL*1*PATIENT*ILLUSTRATIVE****MI*X9",
    "NM1*PR*2*OTHER PAYER*****PI*999",  # coordination of benefits
    "LX*1",
    "SV1*HC:96370*100*UN*1*22**1",
    "DTP*472*D8*20260303",
    "LX*2",
    "SV1*HC:96369*100*UN*x***1",
    "DTP*472*D8*20260303",
    "SE*30*0001",
    "GE*1*1",
    "IEA*1*000000001",
]


@pytest.mark.parametrize(
    "elem, comp, term, newline", [("*", ":", "~", "\n"), ("|", ">", "~", ""), ("*", ":", "\n", "")]
)
def test_an_837p_file_is_audited_line_by_line(tmp_path, elem, comp, term, newline):
    """Service lines of an 837P (any separators its ISA declares): claim and line keys, the line's
    date or else the claim's, its place of service or else the claim's, the payer's name, the
    billing provider's ZIP for the locality; the subscriber's name, id, address and date of birth
    never reach an output; a line that cannot be read names its segment."""
    p = tmp_path / "claims.837"
    p.write_text(_x12(P837, elem, comp, term, newline))
    res = audit(p)
    assert res.source_kind == "x12" and (res.lines_in, res.lines_checked, res.rejects) == (4, 3, 1)
    assert rules(res) == {
        ("P001", "2", "M-VALID"),
        ("P001", "2", "T-DOC"),  # an 837 holds no times
        ("P002", "1", "S-FACILITY"),
        ("P002", "1", "T-DOC"),
        ("P002", "1", "U-ADDON"),
    }
    f = res.findings.set_index(["claim_id", "rule"])
    assert f.loc[("P001", "M-VALID"), "payer"] == "MEDICARE PART B"
    assert f.loc[("P002", "U-ADDON"), "payer"] == "MEDICARE PART B"  # not the COB payer
    assert str(f.loc[("P002", "U-ADDON"), "date_of_service"].date()) == "2026-03-03"
    assert f.loc[("P002", "U-ADDON"), "dollars_at_risk"] == 21.80  # 96370 in 01112-05 (ZIP 94103)
    assert list(res.rejected["segment"]) == [30]  # ISA is segment 1
    assert res.rejected["reason"][0] == "non-numeric units (a value of 1 character: letters; not shown)"
    assert res.rejected["claim_id"][0] == "P002"
    out = write_outputs(res, tmp_path / "f.csv")
    for path in out.values():
        data = Path(path).read_bytes()
        assert b"1AB2CD3EF45" not in data and b"PATIENT" not in data and b"19500101" not in data
        assert b"HOME ST" not in data and b"94601" not in data


def test_the_lines_of_a_void_837_claim_are_left_out_and_said_so(tmp_path):
    segments = P837[:-3] + [
        "CLM*P001*300***11:B:8*Y*A*Y*Y",
        "LX*1",
        "SV1*HC:96370*1*UN*9***1",
        "DTP*472*D8*20260302",
        "SE*1*0001",
        "GE*1*1",
        "IEA*1*000000001",
    ]
    (tmp_path / "c.837").write_text(_x12(segments))
    res = audit(tmp_path / "c.837")
    # the void claim's service line is a line in, as a void row of a table is: left out, not checked
    assert (res.lines_in, res.lines_checked, res.lines_void, res.rejects) == (5, 3, 1, 1)
    assert ("P001", "1", "U-MUE") not in rules(res) and all(r[2] != "U-MUE" for r in rules(res))
    assert res.notes == ["1 service line(s) of void claims (frequency code 8) were left out, not audited"]


def test_an_unreadable_line_of_a_void_837_claim_is_a_reject_as_in_a_table(tmp_path):
    """Void 837 lines go through the same reading as a table's rows: an unreadable one is rejected
    (with its segment), a readable one counted void; an 837I void is seen in its type of bill."""
    segments = P837[:-3] + [
        "CLM*V001*300***11:B:8*Y*A*Y*Y",
        "LX*1",
        "SV1*HC:96370*1*UN*9***1",
        "DTP*472*D8*20260302",
        "LX*2",
        "SV1*HC:96369*1*UN*x***1",
        "DTP*472*D8*20260302",
        "SE*1*0001",
        "GE*1*1",
        "IEA*1*000000001",
    ]
    (tmp_path / "c.837").write_text(_x12(segments))
    res = audit(tmp_path / "c.837")
    assert (res.lines_in, res.lines_checked, res.lines_void, res.rejects) == (6, 3, 1, 2)
    assert "V001" in set(res.rejected["claim_id"]) and all(c != "V001" for c, _, _ in rules(res))
    institutional = [
        "GS*HC*S*R*20260302*1200*1*X*005010X223A2",
        "ST*837*0001*005010X223A2",
        "HL*1**20*1",
        "NM1*85*2*ILLUSTRATIVE HOSPITAL*****XX*1234567893",
        "N4*NEW YORK*NY*10001",
        "HL*2*1*22*0",
        "NM1*PR*2*AETNA*****PI*60054",
        "CLM*H001*500***13:A:8**A*Y*Y",
        "DTP*434*RD8*20260302-20260302",
        "LX*1",
        "SV2*0260*HC:96370*300*UN*9",
        "SE*1*0001",
        "GE*1*1",
        "IEA*1*000000001",
    ]
    (tmp_path / "i.837").write_text(_x12(institutional))
    res = audit(tmp_path / "i.837")
    assert (res.lines_in, res.lines_checked, res.lines_void, res.rejects) == (1, 0, 1, 0) and rules(res) == set()


def test_an_837i_file_is_priced_by_opps_with_its_type_of_bill(tmp_path):
    """837I: SV2 lines, the type of bill from CLM05 (131: hospital outpatient), the statement
    period's first date when no line gives one; institutional, so OPPS prices the findings."""
    segments = [
        "GS*HC*S*R*20260302*1200*1*X*005010X223A2",
        "ST*837*0001*005010X223A2",
        "HL*1**20*1",
        "NM1*85*2*ILLUSTRATIVE HOSPITAL*****XX*1234567893",
        "N4*NEW YORK*NY*10001",
        "HL*2*1*22*0",
        "NM1*IL*1*PATIENT*ILLUSTRATIVE****MI*W1234567",
        "NM1*PR*2*AETNA*****PI*60054",
        "CLM*H001*500***13:A:1**A*Y*Y",
        "DTP*434*RD8*20260302-20260302",
        "LX*1",
        "SV2*0260*HC:96369*300*UN*2",
        "LX*2",
        "SV2*0260*HC:96371*200*UN*1",
        "LX*3",
        "SV2*0250**80*UN*1",  # pharmacy: a revenue code only
        "SE*16*0001",
        "GE*1*1",
        "IEA*1*000000001",
    ]
    p = tmp_path / "claims.x12"
    p.write_text(_x12(segments))
    res = audit(p)
    # the outpatient hospital MUE of 96369 is 1 (issue 29): 96369 x2 is over it too
    assert rules(res) == {("H001", "1", "U-INIT"), ("H001", "1", "U-MUE")}
    assert (res.lines_in, res.lines_checked, res.rejects) == (3, 3, 0)
    f = res.findings.set_index("rule")
    assert str(f.loc["U-INIT", "date_of_service"].date()) == "2026-03-02" and f.loc["U-INIT", "payer"] == "AETNA"
    from infusion.medicare.payment import opps_rate

    assert f.loc["U-INIT", "dollars_at_risk"] == opps_rate("96369", 2026).payment_rate


def test_an_x12_file_that_is_not_an_837_or_mapped_says_so(tmp_path):
    import gzip

    p = tmp_path / "remit.x12"
    p.write_text(_x12(["GS*HP*S*R*20260302*1200*1*X*005010X221A1", "ST*835*0001*005010X221A1", "SE*2*0001"]))
    with pytest.raises(InputError, match="claims: remit.x12 segment 3: transaction set 835 005010X221A1 is not"):
        audit(p)
    q = tmp_path / "claims.837.gz"
    with gzip.open(q, "wt") as fh:
        fh.write(_x12(P837))
    with pytest.raises(InputError, match="map: claims.837.gz is an X12 837"):
        audit(q, mapping={"code": "HCPCS"})
    assert audit(q).lines_in == 4  # compressed: read the same


def test_an_837_whose_isa_fields_are_not_padded_is_still_read(tmp_path):
    """Some senders trim the ISA's fixed-width fields: the separators are found by position in
    the segment, not by byte offset."""
    isa = "ISA*00**00**ZZ*SUBMITTER*ZZ*RECEIVER*260302*1200*^*00501*000000001*0*T*>~"
    body = [s.replace(":", ">") for s in P837]
    (tmp_path / "c.837").write_text(isa + "~".join(body) + "~")
    res = audit(tmp_path / "c.837")
    assert (res.lines_in, res.rejects) == (4, 1) and ("P001", "2", "M-VALID") in rules(res)
    (tmp_path / "d.837").write_text("ISA*00*~GS*HC~")
    with pytest.raises(InputError, match="claims: d.837: no complete ISA interchange header"):
        audit(tmp_path / "d.837")


def test_headers_as_people_write_them_are_recognised(tmp_path):
    """A practice-management export: spaces, capitals and '#' in the headers, modifiers in
    'Modifier 1' / 'Modifier 2', the patient's name beside them (never read)."""
    header = [
        "Claim Number",
        "Line #",
        "Date of Service",
        "CPT Code",
        "Units",
        "Modifier 1",
        "Modifier 2",
        "Place of Service",
        "Primary Insurance",
        "Infusion Start Time",
        "Infusion End Time",
        "Patient Name",
    ]
    rows = [
        ["C1", 1, "03/02/2026", "96369", 1, "", "", 11, "Cigna", "9:00 AM", "11:00 AM", "ILLUSTRATIVE"],
        ["C1", 2, "03/02/2026", "96370", 2, "JZ", "00", 11, "Cigna", "9:00 AM", "11:00 AM", "ILLUSTRATIVE"],
    ]
    res = run(tmp_path, rows, header=header)
    assert res.dropped_phi == ["Patient Name"] and res.rejects == 0
    assert rules(res) == {("C1", "2", "M-VALID"), ("C1", "2", "M-DRUG"), ("C1", "2", "U-HOUR")}  # 120 min: 1
    assert set(res.findings["payer"]) == {"Cigna"}
    header[3] = "Billed Procedure"  # no alias: mapped, in any spelling
    res = run(tmp_path, rows, header=header, mapping={"code": "billed_procedure"})
    assert ("C1", "2", "U-HOUR") in rules(res)
    with pytest.raises(InputError, match="map code: column 'procedure' is not in the file"):
        run(tmp_path, rows, header=header, mapping={"code": "procedure"})


def test_s_initial_names_the_other_code_and_counts_only_infusion_lines(tmp_path):
    """The 96369 line carries the finding (its units at risk), the message names the other initial
    code, and 96365 adds the S-IV caveat; the by-payer table counts 96369-96372 lines only."""
    res = run(
        tmp_path,
        [
            L("C7", 1, "96365", start="", stop=""),
            L("C7", 2, "96369", stop="09:50"),
            L("D7", 1, "96360", start="", stop="", payer="Cigna"),
            L("D7", 2, "96369", stop="09:50", payer="Cigna"),
        ],
    )
    f = res.findings.set_index("claim_id")
    assert list(f["rule"]) == ["S-INITIAL", "S-INITIAL"] and list(f["code"]) == ["96369", "96369"]
    assert f.loc["C7", "message"].startswith("96369 and 96365 on the same claim-date")
    assert "S-IV" in f.loc["C7", "message"]
    assert "96360" in f.loc["D7", "message"] and "S-IV" not in f.loc["D7", "message"]
    assert list(f["units_at_risk"]) == [1, 1] and list(f["severity"]) == ["warning", "warning"]
    assert res.by_payer.set_index("payer")["infusion_lines"].to_dict() == {"Aetna": 1, "Cigna": 1, "all payers": 2}


@pytest.mark.parametrize("text", ["²", "١", "٣٠", "2²"])
def test_digits_other_than_ascii_are_not_numbers(text):
    """``str.isdigit`` takes superscripts and other scripts' digits, which int() refuses or reads
    as numbers no claim system writes: a line number, units or place of service in them is not one."""
    from infusion.audit.values import NA_INT, parse_line_number, parse_pos, parse_units

    assert parse_line_number(text) == (text, NA_INT)
    assert parse_pos(text) == (None,)
    assert parse_units(text) == (-1,)


def test_a_superscript_line_number_is_text_not_an_error(tmp_path):
    """It used to stop the audit (int('²')); a line number that is not a number is kept, written
    out as its digest (only a number of at most six ASCII digits is written as it is)."""
    res = run(tmp_path, [L("C7", "²", "96369", stop="09:50"), L("C7", 2, "96369", stop="09:50")])
    assert (res.lines_in, res.rejects) == (2, 0) and ("C7", "2", "U-INIT") in rules(res)
    numbers = set(res.findings["line_number"])
    assert any(x.startswith("line#") for x in numbers) and "²" not in numbers


def test_a_malformed_row_that_is_not_utf8_is_rejected_and_the_rest_audited(tmp_path, capfd):
    """pyarrow could not hand such a row to the malformed-row handler (it decodes it first), so
    the whole file used to be refused as a parse error, with a traceback printed."""
    good = [L("C7", 1, "96369", stop="09:50"), L("D7", 1, "96370")]
    p = _write(tmp_path, HEADER, good)
    lines = p.read_bytes().split(b"\n")
    p.write_bytes(b"\n".join(lines[:2] + [b"Jos\xe9,broken"] + lines[2:]))  # cp1252 text, 2 fields
    res = audit(p)
    assert (res.lines_in, res.rejects) == (3, 1) and rules(res) == {("D7", "1", "U-ADDON")}
    assert res.rejected["reason"][0].startswith("malformed row: 2 fields") and res.rejected["file_line"][0] == 3
    assert "Exception ignored" not in capfd.readouterr().err


def test_text_that_is_not_utf8_in_a_used_column_still_asks_for_the_encoding(tmp_path):
    p = _write(tmp_path, HEADER, [L("C7", 1, "96369", stop="09:50")])
    lines = p.read_bytes().split(b"\n")
    payer_cp1252 = lines[1].replace(b"Aetna", b"S\xe9curit\xe9")
    p.write_bytes(b"\n".join(lines[:2] + [b"Jos\xe9,broken", payer_cp1252] + lines[2:]))
    with pytest.raises(InputError, match="payer.*give --encoding"):
        audit(p)


@pytest.mark.parametrize("service", ["SV1", "SV2", "SV2*0260"])
def test_a_service_segment_without_its_elements_is_a_reject_not_an_error(tmp_path, service):
    """It used to stop the audit with an IndexError; now the line is read, and rejected for the
    units (and code) it does not give."""
    segments = P837[:-3] + ["LX*3", service, "DTP*472*D8*20260303", "SE*1*0001", "GE*1*1", "IEA*1*000000001"]
    (tmp_path / "c.837").write_text(_x12(segments))
    res = audit(tmp_path / "c.837")
    assert (res.lines_in, res.rejects) == (5, 2)  # the units "x" of P837's P002 line 2, and this line
    last = res.rejected.iloc[-1]
    assert (last["claim_id"], last["line_number"], last["reason"]) == ("P002", "3", "non-numeric units (empty)")


def test_parquet_modifiers_as_a_list_column_are_read_as_modifiers(tmp_path):
    """Parquet from a data lake may hold the modifiers of a line as a list: its items are the
    modifiers (a KeyError inside pyarrow stopped the audit before)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    t = pa.table(
        {
            "claim_id": ["C7", "C7"],
            "line_number": [1, 2],
            "date_of_service": ["2026-03-02"] * 2,
            "code": ["96369", "96370"],
            "units": [1, 1],
            "start_time": ["09:00"] * 2,
            "stop_time": ["10:35"] * 2,
            "modifiers": pa.array([["25", "XS"], ["00"]], pa.list_(pa.string())),
        }
    )
    pq.write_table(t, tmp_path / "c.parquet")
    assert rules(audit(tmp_path / "c.parquet")) == {("C7", "1", "M-25"), ("C7", "2", "M-VALID")}


def test_a_parquet_file_with_two_columns_of_one_name_is_refused_by_name(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    t = pa.Table.from_arrays(
        [pa.array(["C7"]), pa.array([1]), pa.array(["2026-03-02"]), pa.array(["96370"]), pa.array([1]), pa.array([2])],
        names=["claim_id", "line_number", "date_of_service", "code", "units", "units"],
    )
    pq.write_table(t, tmp_path / "c.parquet")
    with pytest.raises(InputError, match="the column 'units' 2 times"):
        audit(tmp_path / "c.parquet")


def test_the_share_of_lines_with_findings_by_provider(tmp_path):
    """Which provider's lines carry the findings (an NPI, clinic or department column): lines,
    lines with findings and errors, dollars once per line; a total row last."""
    header = HEADER + ["rendering_npi"]
    rows = [
        L("A7", 1, "96369") + ["1234567893"],
        L("A7", 2, "96370", 3) + ["1234567893"],  # U-HOUR
        L("B7", 1, "96369", mods="00") + ["1234567893"],  # M-VALID
        L("C7", 1, "96369") + ["9876543213"],
        L("C7", 2, "96370") + ["9876543213"],  # clean
        L("D7", 1, "96370") + [""],
    ]  # U-ADDON
    res = run(tmp_path, rows, header=header)
    t = res.by_provider.set_index("provider")
    assert list(t.index) == ["1234567893", "9876543213", "not given", "all providers"]
    assert list(t["infusion_lines"]) == [3, 2, 1, 6] and list(t["lines_with_findings"]) == [2, 0, 1, 3]
    assert t.loc["1234567893", "share_with_findings"] == round(2 / 3, 4)
    assert t.loc["all providers", "dollars_at_risk"] == round(t["dollars_at_risk"].iloc[:-1].sum(), 2)
    out = write_outputs(res, tmp_path / "f.csv")
    assert pd.read_csv(out["providers"], dtype=str)["provider"].tolist()[-1] == "all providers"


def test_without_a_provider_column_the_provider_table_is_empty(tmp_path):
    res = run(tmp_path, [L("A7", 1, "96369"), L("A7", 2, "96370", 3)])
    assert res.by_provider.empty and list(res.by_provider.columns)[0] == "provider"
    out = write_outputs(res, tmp_path / "f.csv")
    assert pd.read_csv(out["providers"]).empty


def test_an_837_names_the_rendering_provider_of_the_line_then_the_claim_then_the_billing_one(tmp_path):
    segments = P837[:14] + [
        "CLM*P001*300***11:B:1*Y*A*Y*Y",
        "DTP*472*D8*20260302",
        "NM1*82*1*DOCTOR*ILLUSTRATIVE****XX*1111111112",  # claim level
        "LX*1",
        "SV1*HC:96369*200*UN*1***1",
        "LX*2",
        "SV1*HC:96370*100*UN*1***1",
        "NM1*82*1*NURSE*ILLUSTRATIVE****XX*2222222224",
        "CLM*P002*100***11:B:1*Y*A*Y*Y",
        "DTP*472*D8*20260303",
        "LX*1",
        "SV1*HC:96370*100*UN*1***1",
        "SE*1*0001",
        "GE*1*1",
        "IEA*1*000000001",
    ]
    (tmp_path / "c.837").write_text(_x12(segments))
    res = audit(tmp_path / "c.837")
    t = res.by_provider.set_index("provider")["infusion_lines"].to_dict()
    assert t == {"1111111112": 1, "1234567893": 1, "2222222224": 1, "all providers": 3}


def test_claim_ids_that_are_blank_in_any_way_reject_the_line_and_kept_ids_are_trimmed(tmp_path):
    """The reader judges a claim id missing when it is empty or only white space (ASCII or not)
    on every line, family or not, and trims the ids it keeps and rejects."""
    rows = [
        L("  A1\t", 1, "96369"),
        L("A1", 2, "96370", 3),
        L("", 1, "96369"),
        L("   ", 1, "96370"),
        L("\u00a0\u2003", 1, "J1559"),
        L("\t", 1, "99213"),
    ]
    res = run(tmp_path, rows)
    assert (res.lines_in, res.lines_checked, res.rejects) == (6, 2, 4)
    assert list(res.rejected["reason"]) == ["missing claim_id"] * 4
    assert set(res.findings["claim_id"]) == {"A1"}  # "  A1\t" and "A1" are one claim: U-HOUR on line 2
    assert rules(res) == {("A1", "2", "U-HOUR")}


def test_a_provider_column_counts_as_given_even_when_only_other_codes_fill_it(tmp_path):
    """Columns only the lines kept need (provider, payer, times ...) are read for those lines; the
    provider table is still there when the file's provider column is filled on other lines only,
    and the payers of other lines are never read."""
    header = HEADER + ["rendering_npi"]
    rows = [L("A7", 1, "96369") + [""], L("A7", 2, "85025", payer="Only On Other Lines") + ["1234567893"]]
    res = run(tmp_path, rows, header=header)
    assert list(res.by_provider["provider"]) == ["not given", "all providers"]
    assert list(res.by_payer["payer"]) == ["Aetna", "all payers"]
    from infusion.audit.read import read_lines

    lines = read_lines(_write(tmp_path, header, rows))
    assert lines.provider_given and "Only On Other Lines" not in lines.distinct["payer"].values
    empty = read_lines(_write(tmp_path, header, [r[:-1] + [""] for r in rows], name="empty.csv"))
    assert empty.provider_given  # a CSV column of empty cells: given (blank), as before


def test_lines_that_take_their_claims_date_are_all_counted_when_two_workers_read(tmp_path, monkeypatch):
    """The count of lines whose empty date of service took the claim's date is kept by both
    reading workers at once: every block's lines are counted (a count updated without the lock
    lost blocks when a worker's sum released the GIL between the read and the write: the sum is
    slowed here so that the two workers meet there)."""
    import time

    import pyarrow.compute as pc

    real_sum = pc.sum
    monkeypatch.setattr(pc, "sum", lambda *a, **k: (time.sleep(0.01), real_sum(*a, **k))[1])
    header = ["claim_id", "line_number", "date_of_service", "claim_date", "code", "units"]
    n = 120_000
    p = tmp_path / "c.csv"
    with p.open("w") as fh:
        fh.write(",".join(header) + "\n")
        for i in range(n):
            fh.write(f"C{i // 2},{i % 2 + 1},,2026-03-02,{'96369' if i % 2 == 0 else '99213'},1\n")
    from infusion.audit.read import read_lines

    lines = read_lines(p, block_mb=1)  # a few dozen blocks, parsed by two workers
    assert f"{n} line(s) with no line date of service took their claim's date (claim_date)" in lines.notes
