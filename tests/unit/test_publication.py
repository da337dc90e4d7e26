"""Publication sections and parameter validation."""

from __future__ import annotations

import pytest
from infusion.errors import InputError
from infusion.workbook import publication as pub

ALL = ["aetna", "bcbs", "cigna", "uhc", "medicare"]


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"code": "96372"}, "code"),
        ({"year": 2017}, "year"),
        ({"year": "x"}, "year"),
        ({"payers": ["kaiser"]}, "payers"),
        ({"locality": "99999-99"}, "locality"),
    ],
)
def test_bad_parameters_name_the_parameter(kw, field):
    args = {"code": "96370", "year": 2026, "payers": ALL, "locality": None, "rates_path": None, **kw}
    with pytest.raises(InputError) as e:
        pub.validate_params(**args)
    assert e.value.field == field


def test_units_table_bands():
    t = pub.units_table()
    bands = dict(zip(t["counted minutes"], t["lines"]))
    assert bands["1-15"] == "96372 x1" and bands["16-90"] == "96369 x1"
    assert bands["91-150"] == "96369 x1 + 96370 x1" and bands["211-270"] == "96369 x1 + 96370 x3"
    assert "MUE" in t.iloc[-1]["rule"]


def test_medicare_tables_show_both_systems():
    p = pub.validate_params("96370", 2026, ALL, "01112-05", None)
    t = pub.medicare_payment_table(p)
    text = t.to_string()
    assert "$17.03" in text and "$17.12" in text and "$47.84" in text
    assert "OPPS" in text and "not payable" in text and "San Francisco" in text


def test_by_year_and_missing_years():
    wide = pub.medicare_by_year_wide()
    assert list(wide["year"]) == list(range(2019, 2027))
    assert wide.set_index("year").loc[2025, "96369"] == "$134.24"


def test_locality_summary_missing_year_says_not_available():
    assert "data not available" in pub.locality_summary("96370", 2023).to_string()
    # 2024 GPCIs and the July 2024 PFS are in (issue 29 item 6): San Francisco 96370 = 0.48 RVU ...
    assert "data not available" not in pub.locality_summary("96370", 2024).to_string()


def test_benchmarks_missing_rates_file_says_not_available(tmp_path):
    p = pub.validate_params("96370", 2026, ALL, None, str(tmp_path / "none.parquet"))
    b = pub.commercial_benchmarks(p)
    assert b.table is None and "data not available" in b.note and "rates extract" in b.note


def test_benchmarks_sample_is_labelled_and_missing_families_not_zero():
    p = pub.validate_params("96370", 2026, ["aetna", "cigna"], None, "illustrative")
    b = pub.commercial_benchmarks(p)
    assert "ILLUSTRATIVE" in b.note and set(b.table["payer"]) == {
        "Aetna",
        "Cigna",
        "Other",
        "Medicare Advantage (all payers)",
    }
    assert b.figure is not None and b.figure.layout.title.text.startswith("ILLUSTRATIVE")
    empty = b.table[b.table["n"] == 0]
    assert (empty["median"] == "data not available").all() and (
        b.table.loc[b.table["n"] > 0, "median"].str.startswith("$")
    ).all()
    aetna = b.table[(b.table["payer"] == "Aetna") & (b.table["billing class"] == "professional")]
    assert int(aetna["n"].iloc[0]) > 0


def test_modifiers_table_flags_invalid():
    t = pub.modifiers_table().set_index("modifier")
    assert t.loc["00", "valid"] == "NOT a modifier" and t.loc["59", "valid"] == "valid"


def test_sections_list_matches_the_reference_structure():
    assert pub.SECTIONS[0] == "Summary and overview" and "Policy updates" in pub.SECTIONS
