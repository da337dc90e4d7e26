"""Properties of the claims audit on generated claim files (hypothesis): the findings do not depend
on the order of the lines, and the claim-date rules agree with a plain per-claim computation."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from infusion.audit import audit
from infusion.units import additional_hours

HEADER = ["claim_id", "line_number", "date_of_service", "code", "units", "modifiers", "pos",
          "claim_type", "payer", "start_time", "stop_time"]

line = st.tuples(
    st.sampled_from(["C1", "C2", "C3", "C4"]),
    st.sampled_from(["2026-03-02", "2026-03-03"]),
    st.sampled_from(["96369", "96370", "96371", "96372", "J1559"]),
    st.integers(0, 4),
    st.sampled_from(["", "JZ", "00", "XS", "25|11"]),
    st.sampled_from(["11", "22", "12"]),
    st.sampled_from(["08:00", "09:00", ""]),
    st.sampled_from(["09:30", "10:31", "11:31", "13:00", ""]),
)


def write(path: Path, rows: list[list]) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def keyed(res) -> list[tuple]:
    f = res.findings
    return sorted(zip(f["claim_id"], f["line_number"], f["rule"], f["units_at_risk"], f["message"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(line, min_size=1, max_size=25), seed=st.integers(0, 10**6))
def test_findings_do_not_depend_on_line_order_and_match_a_per_claim_computation(tmp_path, lines, seed):
    rows = [[c, i + 1, dos, code, units, mods, pos, "professional", "Aetna", start, stop]
            for i, (c, dos, code, units, mods, pos, start, stop) in enumerate(lines)]
    res = audit(write(tmp_path / "a.csv", rows))
    shuffled = rows[:]
    random.Random(seed).shuffle(shuffled)
    assert keyed(audit(write(tmp_path / "b.csv", shuffled))) == keyed(res)

    # U-ADDON and U-HOUR recomputed claim-date by claim-date with pandas
    df = pd.DataFrame(rows, columns=HEADER)
    expect = set()
    for (claim, _), g in df.groupby(["claim_id", "date_of_service"]):
        has69 = (g["code"] == "96369").any()
        timed = g[g["code"].isin(["96369", "96370"])]
        starts = pd.to_datetime("2026-01-01 " + timed["start_time"][timed["start_time"] != ""])
        stops = pd.to_datetime("2026-01-01 " + timed["stop_time"][timed["stop_time"] != ""])
        minutes = int((stops.max() - starts.min()).total_seconds() // 60) if len(starts) and len(stops) else None
        u70 = g.loc[g["code"] == "96370", "units"].sum()
        for r in g.itertuples():
            if r.code in ("96370", "96371") and not has69:
                expect.add((claim, str(r.line_number), "U-ADDON"))
            if (r.code == "96370" and minutes is not None and minutes >= 0
                    and u70 > additional_hours(minutes)):
                expect.add((claim, str(r.line_number), "U-HOUR"))
    got = {(c, n, r) for c, n, r, *_ in keyed(res) if r in ("U-ADDON", "U-HOUR")}
    assert got == expect
