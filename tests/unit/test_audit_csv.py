"""The audit's CSV writer (``outputs.write_csv``) writes what pandas' ``to_csv`` writes, byte for byte,
for any frame of the kinds an audit writes (hypothesis), and leaves other kinds to pandas."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from infusion.audit.outputs import write_csv

text = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["a,b", 'say "x"', "two\nlines", "cr\ronly", " lead", "=1+1", "", "é"]),
)
floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**8), 10**8).map(lambda c: c / 100),
    st.sampled_from([0.0, -0.0, 1e16, 1e-5, 123456789.01, math.nan]),
)
dates = st.one_of(
    st.none(), st.dates(min_value=pd.Timestamp("1900-01-01").date(), max_value=pd.Timestamp("2200-12-31").date())
)


@st.composite
def frames(draw) -> pd.DataFrame:
    n = draw(st.integers(0, 12))
    cols = {}
    for i, kind in enumerate(
        draw(st.lists(st.sampled_from(["text", "float", "int", "Int64", "bool", "date"]), min_size=1, max_size=6))
    ):
        name = draw(st.sampled_from(["claim_id", "message", "a,b", f"c{i}"])) + f"_{i}"
        if kind == "text":
            cols[name] = pd.Series(draw(st.lists(text, min_size=n, max_size=n)), dtype=object)
        elif kind == "float":
            cols[name] = pd.Series(draw(st.lists(floats, min_size=n, max_size=n)), dtype="float64")
        elif kind == "int":
            cols[name] = pd.Series(
                draw(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=n, max_size=n)), dtype="int64"
            )
        elif kind == "Int64":
            cols[name] = pd.array(
                draw(st.lists(st.none() | st.integers(-(10**6), 10**6), min_size=n, max_size=n)), dtype="Int64"
            )
        elif kind == "bool":
            cols[name] = pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
        else:
            cols[name] = pd.Series(
                pd.to_datetime(draw(st.lists(dates, min_size=n, max_size=n))), dtype="datetime64[ns]"
            ).astype("datetime64[s]")
    return pd.DataFrame(cols)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(df=frames(), rows_at_a_time=st.integers(1, 5))
def test_write_csv_writes_what_pandas_writes(tmp_path, df, rows_at_a_time):
    ours, theirs = tmp_path / "ours.csv", tmp_path / "pandas.csv"
    write_csv(df, ours, rows_at_a_time=rows_at_a_time)
    df.to_csv(theirs, index=False, date_format="%Y-%m-%d")
    assert ours.read_bytes() == theirs.read_bytes()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.lists(st.one_of(text, st.sampled_from(["=1", "+1", "-2", "@SUM(1)", "ok"])), min_size=1, max_size=12),
    rows_at_a_time=st.integers(1, 5),
    kind=st.sampled_from(["str", object]),
)
def test_write_csv_made_safe_part_by_part_writes_the_frame_made_safe_whole(tmp_path, values, rows_at_a_time, kind):
    """The findings are made spreadsheet-safe a part at a time as they are written (their text held
    once): the file is the one of the whole frame made safe, then written."""
    from infusion.redact import spreadsheet_safe

    df = pd.DataFrame({"claim_id": pd.Series(values, dtype=kind), "units": range(len(values))})
    write_csv(df, tmp_path / "parts.csv", rows_at_a_time=rows_at_a_time, safe=True)
    spreadsheet_safe(df).to_csv(tmp_path / "whole.csv", index=False)
    assert (tmp_path / "parts.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    if any(v and v[0] in "=+-@" for v in values):
        assert b"'" in (tmp_path / "parts.csv").read_bytes()


def test_a_text_column_holding_other_objects_is_written_by_pandas(tmp_path):
    df = pd.DataFrame({"claim_id": pd.Series(["C1", 7, ["x"]], dtype=object), "units": [1, 2, 3]})
    write_csv(df, tmp_path / "ours.csv")
    df.to_csv(tmp_path / "pandas.csv", index=False)
    assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


def test_the_findings_of_a_large_frame_are_written_in_parts(tmp_path):
    n = 10_000
    df = pd.DataFrame(
        {
            "claim_id": np.char.add("C", np.arange(n).astype(str)).astype(object),
            "message": np.where(np.arange(n) % 3 == 0, 'a "quoted", text', "plain"),
            "dollars_at_risk": np.where(np.arange(n) % 7 == 0, np.nan, np.arange(n) / 100),
        }
    )
    write_csv(df, tmp_path / "ours.csv", rows_at_a_time=999)
    df.to_csv(tmp_path / "pandas.csv", index=False)
    assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


def test_text_columns_held_by_arrow_in_several_chunks(tmp_path):
    parts = [
        pd.DataFrame(
            {"claim_id": pd.Series([f"C{i}", None, 'say "x", twice'], dtype="str"), "units_at_risk": [i, 2, 3]}
        )
        for i in range(3)
    ]
    df = pd.concat(parts, ignore_index=True)  # the findings of several chunks of claims, concatenated
    write_csv(df, tmp_path / "ours.csv", rows_at_a_time=4)
    df.to_csv(tmp_path / "pandas.csv", index=False)
    assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.one_of(text, st.sampled_from(["=1", "+1", "-2", "@SUM(1)", "\tx", "\rx", "é=", "-"])), max_size=12
    )
)
def test_formula_cells_are_prefixed_alike_whether_arrow_or_python_holds_the_text(values):
    from infusion.redact import spreadsheet_safe

    held = {kind: spreadsheet_safe(pd.DataFrame({"a": pd.Series(values, dtype=kind)}))["a"] for kind in ("str", object)}
    assert list(held["str"].fillna("")) == list(held[object].fillna(""))
    by_hand = ["'" + v if v is not None and v.startswith(("=", "+", "-", "@", "\t", "\r")) else v for v in values]
    assert list(held[object]) == by_hand
    # text among other objects (a number, bytes, a missing value): the text judged one by one, the rest as it is
    mixed = spreadsheet_safe(pd.DataFrame({"a": pd.Series(values + [7, b"=b", None], dtype=object)}))["a"]
    assert list(mixed) == by_hand + [7, b"=b", None]
