"""Properties of the TiC in-network reader on generated files (hypothesis): whatever shape the
members take, a file is read or refused with a DataError naming its place, never a Python error."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from infusion.errors import DataError
from infusion.rates import extract_file

leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["96369", "96370", "CPT", "negotiated", "professional", "11", "2026-12-31", "", "1"]),
    st.text(max_size=4),
)


def maybe(members: dict) -> st.SearchStrategy:
    """An object with any of ``members``, each as the schema has it or as some other value."""
    return st.fixed_dictionaries(
        {}, optional={k: st.one_of(v, leaf, st.lists(leaf, max_size=2)) for k, v in members.items()}
    )


group = maybe(
    {
        "npi": st.lists(st.one_of(st.integers(10**9, 2 * 10**9), leaf), max_size=3),
        "tin": maybe({"type": st.just("ein"), "value": st.just("12-3456789")}),
    }
)
price = maybe(
    {
        "negotiated_type": st.sampled_from(["negotiated", "fee schedule"]),
        "negotiated_rate": st.floats(0, 1000),
        "expiration_date": st.just("2026-12-31"),
        "billing_class": st.sampled_from(["professional", "institutional"]),
        "service_code": st.lists(st.sampled_from(["11", "22"]), max_size=2),
        "billing_code_modifier": st.lists(st.sampled_from(["25", "XS"]), max_size=2),
    }
)
rate = maybe(
    {
        "negotiated_prices": st.lists(price, max_size=2),
        "provider_groups": st.lists(group, max_size=2),
        "provider_references": st.lists(st.integers(0, 3), max_size=2),
    }
)
item = maybe(
    {
        "negotiation_arrangement": st.just("ffs"),
        "billing_code_type": st.just("CPT"),
        "billing_code": st.sampled_from(["96369", "96370", "99213"]),
        "negotiated_rates": st.lists(rate, max_size=2),
    }
)
ref = maybe(
    {
        "provider_group_id": st.integers(0, 3),
        "provider_groups": st.lists(group, max_size=2),
        "location": st.just("https://example.org/groups.json"),
    }
)
document = maybe(
    {
        "reporting_entity_name": st.just("ILLUSTRATIVE Aetna"),
        "version": st.just("1.3.1"),
        "in_network": st.lists(item, max_size=3),
        "provider_references": st.lists(ref, max_size=3),
    }
)


def _extracted_or_refused(path, doc):
    """``doc`` written to ``path`` and extracted; None when it is refused with a DataError that
    names the file first (any other exception fails the test)."""
    path.write_text(json.dumps(doc))
    try:
        return extract_file(path)
    except DataError as err:
        assert str(err).startswith(f"{path.name}: "), str(err)
        return None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=document)
def test_any_member_shapes_give_rows_or_a_data_error(tmp_path, doc):
    ex = _extracted_or_refused(tmp_path / "in-network.json", doc)
    if ex is None:
        return
    assert all(r["billing_code"] in ("96369", "96370") and isinstance(r["rate"], float) for r in ex.rows)


payer = maybe(
    {
        "payer_name": st.just("Aetna"),
        "plan_name": st.just("PPO"),
        "standard_charge_dollar": st.floats(0, 1000),
        "standard_charge_percentage": st.floats(0, 100),
        "methodology": st.just("fee schedule"),
    }
)
charge = maybe(
    {
        "setting": st.just("outpatient"),
        "modifier_code": st.lists(st.sampled_from(["25", "XS"]), max_size=2),
        "payers_information": st.lists(payer, max_size=2),
    }
)
hospital_item = st.fixed_dictionaries(
    {"code_information": st.just([{"code": "96369", "type": "CPT"}])},  # always one of ours: the item is read
    optional={
        "description": st.just("x"),
        "standard_charges": st.one_of(st.lists(charge, max_size=2), leaf, st.lists(leaf, max_size=2)),
    },
)
hospital = st.fixed_dictionaries(
    {
        "hospital_name": st.just("ILLUSTRATIVE Hospital"),
        "standard_charge_information": st.lists(hospital_item, min_size=1, max_size=3),
    },
    optional={"version": st.just("3.0.0"), "last_updated_on": leaf},
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=hospital)
def test_a_hospital_json_file_gives_rows_or_a_data_error(tmp_path, doc):
    """The CMS hospital price-transparency JSON, its charges in any shape."""
    ex = _extracted_or_refused(tmp_path / "hospital.json", doc)
    if ex is None:
        return
    assert all(isinstance(r["payer_name"], str) and isinstance(r["rate"], float) for r in ex.rows)
