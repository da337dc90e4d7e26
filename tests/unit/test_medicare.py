"""Loaders for the official CMS formats, on the real files in ../shared/cms, and their errors."""

from __future__ import annotations

import pytest
from infusion.errors import DataError
from infusion.medicare.cms import read_gpci, read_pprrvu, read_zip5
from shared_files import SHARED

CMS = SHARED / "cms"
FAMILY = ["96369", "96370", "96371", "96372"]


def test_pprrvu_2025_full_file_family_rows():
    df = read_pprrvu(CMS / "pfs-2025-oct" / "PPRRVU2025_Oct.csv", FAMILY).set_index("code")
    assert "description" not in df.columns  # AMA descriptors never leave the loader
    assert df.loc["96369", ["work_rvu", "pe_nonfac", "mp_rvu"]].tolist() == [0.21, 3.91, 0.03]
    assert df.loc["96370", "glob"] == "ZZZ" and df.loc["96369", "fac_na"] == "NA"
    assert set(df["cf"]) == {32.3465} and set(df["release"]) == {"2025-09-11"}


def test_pprrvu_2026_has_the_new_pric_ind_column_and_both_cfs():
    non = read_pprrvu(CMS / "pfs-2026-jan" / "PPRRVU2026_Jan_nonQPP_drug_admin_excerpt.csv", FAMILY)
    qp = read_pprrvu(CMS / "found" / "PPRRVU2026_Jan_QPP_drug_admin_excerpt.csv", FAMILY)
    assert "pric_ind" in non.columns
    assert set(non["cf"]) == {33.4009} and set(qp["cf"]) == {33.5675}
    cols = ["code", "work_rvu", "pe_nonfac", "mp_rvu"]
    assert non[cols].reset_index(drop=True).equals(qp[cols].reset_index(drop=True))


def test_pprrvu_2022_reads_past_the_dos_end_of_file_byte():
    df = read_pprrvu(CMS / "pfs-2022-jan" / "PPRRVU22_JAN.csv")
    assert len(df) > 10000 and not df["code"].str.contains("\x1a").any()
    assert df.set_index("code").loc["96370", "pe_nonfac"] == 0.26


def test_pprrvu_bad_value_names_file_line_and_column(tmp_path):
    src = (CMS / "pfs-2026-jan" / "PPRRVU2026_Jan_nonQPP_drug_admin_excerpt.csv").read_text(encoding="latin-1")
    lines = src.splitlines()
    idx = next(i for i, ln in enumerate(lines) if ln.startswith("96370,"))
    cells = lines[idx].split(",")
    cells[5] = "zero.18"  # WORK RVU
    lines[idx] = ",".join(cells)
    bad = tmp_path / "PPRRVU_bad.csv"
    bad.write_text("\n".join(lines), encoding="latin-1")
    with pytest.raises(DataError) as e:
        read_pprrvu(bad)
    assert str(e.value) == (f"PPRRVU_bad.csv line {idx + 1} column 'work_rvu': value 'zero.18' is not a number")


def test_pprrvu_not_a_cms_file(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="no header row starting with HCPCS"):
        read_pprrvu(p)


@pytest.mark.parametrize(
    "rel, year, n",
    [
        ("pfs-2022-jan/GPCI2022.csv", 2022, 112),
        ("pfs-2025-oct/GPCI2025.csv", 2025, 109),
        ("found/GPCI2026.csv", 2026, 109),
    ],
)
def test_gpci_files(rel, year, n):
    g = read_gpci(CMS / rel)
    assert len(g) == n and set(g["year"]) == {year}
    sf = g[(g["mac"] == "01112") & (g["locality"] == "05")].iloc[0]
    assert sf["state"] == "CA"
    if year == 2025:
        assert (sf["pw_gpci"], sf["pe_gpci"], sf["mp_gpci"]) == (1.088, 1.419, 0.445)
    if year == 2026:
        assert "pw_gpci_no_floor" in g.columns
        al = g[(g["mac"] == "10112")].iloc[0]
        assert (al["pw_gpci"], al["pw_gpci_no_floor"]) == (1.0, 0.988)


@pytest.mark.parametrize(
    "pe, name, message",
    [
        ("n/a", "GPCI_bad.csv", r"GPCI_bad.csv line 4 column '2025 PE GPCI': value 'n/a'"),  # not a number
        ("9.869", "GPCI_range.csv", r"GPCI_range.csv line 4 column 'pe_gpci'"),  # out of range
    ],
)
def test_gpci_bad_value_names_line(tmp_path, pe, name, message):
    text = (
        (CMS / "pfs-2025-oct" / "GPCI2025.csv")
        .read_text(encoding="utf-8-sig")
        .replace("10112,AL,00,ALABAMA,1,0.869,0.575", f"10112,AL,00,ALABAMA,1,{pe},0.575")
    )
    p = tmp_path / name
    p.write_text(text)
    with pytest.raises(DataError, match=message):
        read_gpci(p)


def test_zip5_fixed_width():
    z = read_zip5(CMS / "pfs-2025-oct" / "ZIP5_OCT2025.txt").set_index("zip")
    assert z.index.is_unique and len(z) > 40000
    assert (z.loc["94103", "carrier"], z.loc["94103", "locality"]) == ("01112", "05")
    assert z.loc["10001", "state"] == "NY"
    assert set(z["year_quarter"]) == {"20254"}


def test_zip5_bad_record_names_line(tmp_path):
    lines = (CMS / "pfs-2025-oct" / "ZIP5_OCT2025.txt").read_text(encoding="latin-1").splitlines()[:5]
    lines[2] = lines[2][:2] + "9X501" + lines[2][7:]
    p = tmp_path / "ZIP5_bad.txt"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"ZIP5_bad.txt line 3 column 'zip': value '9X501'"):
        read_zip5(p)


def test_schema_failure_on_a_filtered_read_names_the_file_line(tmp_path):
    src = (CMS / "pfs-2026-jan" / "PPRRVU2026_Jan_nonQPP_drug_admin_excerpt.csv").read_text(encoding="latin-1")
    lines = src.splitlines()
    idx = next(i for i, ln in enumerate(lines) if ln.startswith("96370,"))
    cells = lines[idx].split(",")
    cells[5] = "-0.18"  # a number, but a negative work RVU fails the schema
    lines[idx] = ",".join(cells)
    bad = tmp_path / "PPRRVU_neg.csv"
    bad.write_text("\n".join(lines), encoding="latin-1")
    for codes in (None, ["96369", "96370"]):  # the line must not depend on the filter
        with pytest.raises(DataError, match=rf"PPRRVU_neg.csv line {idx + 1} column 'work_rvu'"):
            read_pprrvu(bad, codes)
