"""The claim-wide edits' summing up of lines per claim-date and code (``claim_edits._per_date_code``),
against pandas' grouped first / sum / any over the same lines in line order."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from infusion.audit import claim_edits
from infusion.audit.claim_edits import ClaimLines
from infusion.audit.read import KEPT

line = st.tuples(
    st.integers(0, 4),  # claim-date group
    st.integers(0, len(KEPT) - 1),  # code index
    st.integers(0, 6),  # rank in the claim (ties: file order decides)
    st.integers(19_000, 19_003),  # day
    st.integers(0, 9),  # units
    st.booleans(),
    st.booleans(),
)


def _lines(rows: list[tuple]) -> ClaimLines:
    g, fam, order, days, units, flag_a, flag_b = (np.array(c) for c in zip(*rows))
    return ClaimLines(
        fam=fam.astype(np.int16),
        group=g.astype(np.int32),
        days=days.astype(np.int32),
        units=units.astype(np.int32),
        distinct=flag_a,
        jw=flag_a,
        jz=flag_b,
        institutional=flag_b,
        medicare=~flag_a,
        order=order.astype(np.int64),
    )


def _by_pandas(cl: ClaimLines, keep: np.ndarray) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "pos": keep,
            "g": cl.group[keep],
            "fam": cl.fam[keep],
            "day": cl.days[keep],
            "inst": cl.institutional[keep],
            "units": cl.units[keep],
            "jw": cl.jw[keep],
            "order": cl.order[keep],
        }
    ).sort_values("order", kind="stable")
    agg = {
        "pos": ("pos", "first"),
        "day": ("day", "first"),
        "inst": ("inst", "first"),
        "units": ("units", "sum"),
        "jw": ("jw", "any"),
    }
    return df.groupby(["g", "fam"], sort=False).agg(**agg).reset_index()


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(line, min_size=1, max_size=40), data=st.data())
def test_per_date_code_is_pandas_grouped_first_sum_any(rows, data):
    cl = _lines(rows)
    chosen = data.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)))
    keep = np.flatnonzero(np.array(chosen, dtype=bool))
    got = claim_edits._per_date_code(
        cl, keep, first={"day": cl.days, "inst": cl.institutional}, total={"units": cl.units}, any_of={"jw": cl.jw}
    )
    want = _by_pandas(cl, keep)
    assert got["g"].tolist() == want["g"].tolist()  # the groups, in order of their first line
    assert got["fam"].tolist() == want["fam"].tolist()
    for column in ("pos", "day", "inst", "units", "jw"):
        assert got[column].tolist() == want[column].tolist(), column


def test_per_date_code_of_no_lines_is_empty():
    cl = _lines([(0, 0, 0, 19_000, 1, True, False)])
    got = claim_edits._per_date_code(
        cl, np.empty(0, np.int64), first={"day": cl.days}, total={"units": cl.units}, any_of={"jw": cl.jw}
    )
    assert len(got) == 0 and list(got.columns) == ["g", "fam", "pos", "day", "units", "jw"]


def test_per_date_code_first_line_is_by_rank_not_file_order():
    # one claim-date, one code: the line ranked first (rank 0, written second) gives pos, day and inst
    cl = _lines([(0, 5, 3, 19_001, 2, False, False), (0, 5, 0, 19_000, 3, True, True)])
    got = claim_edits._per_date_code(
        cl,
        np.array([0, 1]),
        first={"day": cl.days, "inst": cl.institutional},
        total={"units": cl.units},
        any_of={"jw": cl.jw},
    )
    assert got[["pos", "day", "inst", "units", "jw"]].values.tolist() == [[1, 19_000, True, 5, True]]
