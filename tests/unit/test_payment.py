"""Medicare payment: hand-computed values, localities, ZIPs, periods, and 'not available'."""

from __future__ import annotations

import pytest
from infusion.coding.engine import code_minutes
from infusion.errors import InputError
from infusion.medicare.payment import opps_rate, payment, price_result


def hand(work, pe, mp, gw, gp, gm, cf):
    """Independent hand calculation of the PFS formula, rounded to cents."""
    return round((work * gw + pe * gp + mp * gm) * cf + 1e-9, 2)


@pytest.mark.parametrize(
    "code, year, kw, expected",
    [
        ("96369", 2025, {}, 134.24),
        ("96370", 2025, {}, 15.85),
        ("96371", 2025, {}, 55.64),
        ("96369", 2026, {}, 144.96),
        ("96370", 2026, {}, 17.03),
        ("96370", 2026, {"qp": True}, 17.12),
        ("96369", 2026, {"qp": True}, 145.68),
        ("96369", 2024, {"date": "2024-02-01"}, 138.84),
        ("96369", 2024, {"date": "2024-03-09"}, 141.14),
        ("96369", 2025, {"locality": "01112-05"}, 187.29),
        ("96370", 2025, {"locality": "01112-05"}, 20.25),
        ("96369", 2025, {"locality": "10112-00"}, 117.26),  # Alabama
        ("96369", 2025, {"locality": "13202-01"}, 156.31),  # Manhattan
        ("96371", 2025, {"locality": "01182-18"}, 66.27),  # Los Angeles
    ],
)
def test_payment_matches_published_hand_calculations(code, year, kw, expected):
    p = payment(code, year, **kw)
    assert p.available and p.per_unit == expected


def test_san_francisco_by_zip_equals_independent_formula():
    p = payment("96369", 2025, zip="94103")
    assert p.locality == "01112-05"
    assert p.per_unit == hand(0.21, 3.91, 0.03, 1.088, 1.419, 0.445, 32.3465)
    assert any("ZIP 94103" in n for n in p.notes)


def test_2026_work_gpci_floor_depends_on_the_date():
    # Alabama: work GPCI 1.000 with the floor, 0.988 without
    jan = payment("96369", 2026, locality="10112-00", date="2026-01-15")
    later = payment("96369", 2026, locality="10112-00", date="2026-06-01")
    assert jan.gpci["work"] == 1.0 and later.gpci["work"] == 0.988
    assert jan.per_unit == hand(0.21, 4.10, 0.03, 1.0, 0.875, 0.566, 33.4009)
    assert later.per_unit == hand(0.21, 4.10, 0.03, 0.988, 0.875, 0.566, 33.4009)


def test_units_multiply_the_rounded_unit_payment():
    p = payment("96370", 2026, units=2)
    assert (p.per_unit, p.amount) == (17.03, 34.06)


def test_2024_without_a_date_uses_the_last_period_and_says_so():
    p = payment("96369", 2024)
    assert p.cf == 33.2875 and any("2 conversion factor periods" in n for n in p.notes)


@pytest.mark.parametrize(
    "kw, missing",
    [
        ({"year": 2018}, "year"),
        ({"year": 2023, "locality": "01112-05"}, "locality"),
        ({"year": 2023, "zip": "94103"}, "locality"),
    ],
)
def test_missing_data_is_not_available_never_zero(kw, missing):
    p = payment("96369", **kw)
    assert not p.available and p.amount is None and p.per_unit is None
    assert p.missing == missing and p.reason
    assert p.to_dict()["amount"] == "data not available"


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"code": "99213"}, "code"),
        ({"code": "9636"}, "code"),
        ({"zip": "00000"}, "zip"),
        ({"zip": "941"}, "zip"),
        ({"locality": "99999-99"}, "locality"),
        ({"locality": "SF"}, "locality"),
        ({"qp": True}, "qp"),
        ({"date": "2024-01-01"}, "date"),
    ],
)
def test_bad_input_raises_naming_the_field(kw, field):
    args = {"code": "96369", "year": 2025, **kw}
    with pytest.raises(InputError) as e:
        payment(**args)
    assert e.value.field == field


def test_sources_are_given():
    p = payment("96369", 2025, locality="01112-05")
    assert [s.split(":")[0] for s in p.sources] == ["RVUs", "CF", "GPCI"]
    assert "PPRRVU2025_Oct.csv" in p.sources[0]


def test_opps_rates_and_packaging():
    assert opps_rate("96370", 2026).payment_rate == 47.84
    assert opps_rate("96369", 2025).payment_rate == 210.69
    assert opps_rate("96371", 2024).si == "Q1"
    assert opps_rate("96368", 2026).packaged is True
    assert not opps_rate("96369", 2019).available


def test_price_result_professional_and_institutional():
    r = code_minutes(95, pumps=2)
    pro = price_result(r, 2026)
    assert pro.total == round(144.96 + 17.03 + 56.45, 2)
    inst = price_result(r, 2026, claim="institutional")
    # issue 29 item 1: 96371 (Q1) beside 96369 (S) on the same date is packaged, never in the total
    assert inst.total == round(217.31 + 47.84, 2)
    q1 = inst.lines[2]
    assert q1.code == "96371" and q1.packaged and q1.amount is None and "packaged" in q1.text
    assert "$73.56" in q1.text and q1.to_dict()["amount"] == "packaged"
    alone = price_result(code_minutes(10), 2026, claim="institutional")  # 96372 alone: Q1 paid separately
    assert alone.total == alone.lines[0].amount and not alone.lines[0].packaged
    missing = price_result(r, 2023, locality="01112-05")
    assert missing.total is None and "data not available" in missing.total_text
