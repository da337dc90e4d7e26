"""Every table in data/ passes its schema and every row says where it comes from."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from infusion.config import data_dir
from infusion.reference import catalog, tables, validation

DATA = data_dir()
CSV = sorted(p for p in DATA.rglob("*.csv") if "samples" not in p.parts)
SAMPLES = sorted(p for p in (DATA / "samples").rglob("*") if p.is_file() and p.name != "README.md")


def test_data_files_exist():
    names = {p.name for p in CSV}
    for n in [
        "codes.csv",
        "modifiers.csv",
        "places_of_service.csv",
        "mue.csv",
        "sources.csv",
        "payer_policies.csv",
        "policy_timeline.csv",
        "pfs_rvu.csv",
        "gpci.csv",
        "conversion_factors.csv",
        "opps_rates.csv",
    ]:
        assert n in names


@pytest.mark.parametrize("path", CSV, ids=lambda p: str(p.relative_to(DATA)))
def test_every_row_has_a_source(path: Path):
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert "source" in df.columns, f"{path.name} has no source column"
    assert (df["source"].str.len() >= 10).all(), f"{path.name}: a row without its source"


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_sample_files_are_marked_illustrative_and_sourced(path: Path):
    import gzip

    raw = path.read_bytes()
    text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode()
    assert "ILLUSTRATIVE" in text
    readme = (DATA / "samples" / "README.md").read_text()
    assert path.parent.name + "/" in readme  # every folder of samples is described there
    if path.parent.name == "hospital":
        rows = text.splitlines()[3:]
        assert rows and all("scripts/make_sample_rates.py" in r for r in rows)
    elif path.parent.name == "claims":
        rows = text.splitlines()[1:]
        assert rows and all("ILLUSTRATIVE" in r for r in rows)
        if path.name.startswith("expected_"):
            assert all("scripts/make_sample_claims.py" in r for r in rows)
    else:
        assert path.name.startswith("illustrative_")


def test_zip_parquet_has_its_source():
    z = pd.read_parquet(DATA / "medicare" / "zip_locality.parquet")
    assert (z["source"].str.contains("ZIP5_OCT2025.txt")).all()


def test_reference_tables_load_through_their_schemas():
    assert set(catalog.codes().index) >= {"96369", "96370", "96371", "96372"}
    assert catalog.modifiers().loc["00", "valid"] == "no"
    assert catalog.is_facility_pos("22") and not catalog.is_facility_pos("11")
    mue = catalog.mue().reset_index(drop=True).set_index(["program", "code"])["mue"]
    assert int(mue[("medicare-practitioner", "96370")]) == 3
    assert int(mue[("medicare-outpatient-hospital", "96372")]) == 5
    assert set(catalog.payer_policies()["payer_family"]) == {"medicare", "aetna", "bcbs", "cigna", "uhc"}
    assert catalog.policy_timeline().index.is_monotonic_increasing


def test_medicare_tables_load_through_their_schemas():
    assert set(tables.rvu_table()["year"]) == set(range(2019, 2027))
    assert set(tables.gpci_table()["year"]) == {2022, 2024, 2025, 2026}
    assert set(tables.cf_table()["year"]) == set(range(2019, 2027))


def test_no_ama_descriptor_column_anywhere():
    for p in CSV:
        header = p.read_text(encoding="utf-8").splitlines()[0].lower()
        assert "short_descriptor" not in header and not header.startswith("description")
    rvu = pd.read_csv(DATA / "medicare" / "pfs_rvu.csv")
    assert "description" not in rvu.columns


def test_a_broken_table_fails_with_file_line_and_column(tmp_path, monkeypatch):
    ref = tmp_path / "reference"
    ref.mkdir()
    text = (
        (DATA / "reference" / "mue.csv")
        .read_text()
        .replace("medicaid-practitioner,96370,3,", "medicaid-practitioner,96370,three,")
    )
    (ref / "mue.csv").write_text(text)
    monkeypatch.setenv("INFUSION_DATA_DIR", str(tmp_path))
    catalog.mue.cache_clear()
    try:
        with pytest.raises(Exception) as e:
            catalog.mue()
        assert "mue.csv line 9 column 'mue': value 'three'" in str(e.value)
    finally:
        catalog.mue.cache_clear()


@pytest.mark.parametrize("group,name", validation.tables())
def test_every_shipped_table_passes_its_schema(group, name):
    """data/ is checked here and where it is built (a run on it does not pay for pandera)."""
    assert len(validation.check_table(group, name, always=True)) > 0


def test_a_run_on_the_shipped_data_loads_no_pandera_and_another_data_dir_is_checked(tmp_path, monkeypatch):
    import shutil
    import subprocess
    import sys

    from infusion.errors import DataError
    from infusion.reference import rows

    code = "import sys; from infusion.reference import tables; tables.rvu_table();print('pandera' in sys.modules)"
    env = {k: v for k, v in __import__("os").environ.items() if k != "INFUSION_DATA_DIR"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "False"
    # another data folder is checked, on the pandas path and on the light one: a bad value is caught
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    rvu = data / "medicare" / "pfs_rvu.csv"
    text = rvu.read_text().splitlines()
    header = text[0].split(",")
    cells = text[1].split(",")
    cells[header.index("year")] = "1800"
    rvu.write_text("\n".join([text[0], ",".join(cells)] + text[2:]) + "\n")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**env, "INFUSION_DATA_DIR": str(data)}
    )
    assert out.returncode != 0 and "pfs_rvu.csv line 2" in out.stderr
    monkeypatch.setenv("INFUSION_DATA_DIR", str(data))
    with pytest.raises(DataError, match="pfs_rvu.csv line 2"):
        rows.table("medicare", "pfs_rvu.csv")


def test_zip_localities_agree_with_the_zip_table():
    z = tables.zip_table()
    sample = ["94103", "10001", "35203", "99999"]
    assert tables.zip_localities(sample) == {
        s: f"{z.loc[s, 'carrier']}-{z.loc[s, 'locality']}" for s in sample if s in z.index
    }
    assert tables.zip_localities([]) == {} and "99999" not in tables.zip_localities(["99999"])
