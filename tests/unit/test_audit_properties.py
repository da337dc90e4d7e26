"""Properties of the claims audit on generated claim files (hypothesis): the findings do not depend
on the order of the lines, and the claim-date rules agree with a plain per-claim computation."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pandas as pd
from claims_text import HEADER
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from infusion.audit import audit
from infusion.coding.units import additional_hours
from x12_text import isa

line = st.tuples(
    st.sampled_from(["C1", "C2", "C3", "C4"]),
    st.sampled_from(["2026-03-02", "2026-03-03"]),
    st.sampled_from(["96369", "96370", "96371", "96372", "J1559", "96365"]),
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


def _min(clock: str) -> int:
    return int(clock[:2]) * 60 + int(clock[3:])


def keyed(res) -> list[tuple]:
    f = res.findings
    return sorted(zip(f["claim_id"], f["line_number"], f["rule"], f["units_at_risk"], f["message"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(line, min_size=1, max_size=25), seed=st.integers(0, 10**6))
def test_findings_do_not_depend_on_line_order_and_match_a_per_claim_computation(tmp_path, lines, seed):
    rows = [
        [c, i + 1, dos, code, units, mods, pos, "professional", "Aetna", start, stop]
        for i, (c, dos, code, units, mods, pos, start, stop) in enumerate(lines)
    ]
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
        # lines with both times in order count the minutes they cover (their union), not the span
        both = sorted((a, b) for a, b in zip(timed["start_time"], timed["stop_time"]) if a and b and b >= a)
        if both:
            covered, reach = 0, "00:00"
            for a, b in both:
                covered += max(0, _min(b) - max(_min(a), _min(reach)))
                reach = max(reach, b)
            minutes = covered
        u70 = g.loc[g["code"] == "96370", "units"].sum()
        for r in g.itertuples():
            if r.code in ("96370", "96371") and not has69:
                expect.add((claim, str(r.line_number), "U-ADDON"))
            if r.code == "96370" and minutes is not None and minutes >= 0 and u70 > additional_hours(minutes):
                expect.add((claim, str(r.line_number), "U-HOUR"))
            if r.code == "96369" and r.modifiers != "XS":  # S-INITIAL: 96365 beside it, no XS on either
                iv = g[g["code"] == "96365"]
                if len(iv) and not (iv["modifiers"] == "XS").any():
                    expect.add((claim, str(r.line_number), "S-INITIAL"))
    got = {(c, n, r) for c, n, r, *_ in keyed(res) if r in ("U-ADDON", "U-HOUR", "S-INITIAL")}
    assert got == expect


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(line, min_size=1, max_size=20),
    void=st.lists(line, min_size=1, max_size=10),
    seed=st.integers(0, 10**6),
)
def test_the_lines_of_void_claims_change_no_finding(tmp_path, lines, void, seed):
    """Lines of void claims (frequency 8), mixed anywhere into a file, are invisible to every check:
    the findings are those of the file without them, and the note counts them."""
    header = HEADER + ["claim_frequency"]
    rows = [
        [c, i + 1, dos, code, units, mods, pos, "professional", "Aetna", start, stop, "1"]
        for i, (c, dos, code, units, mods, pos, start, stop) in enumerate(lines)
    ]
    voids = [
        [c.replace("C", "V"), i + 1, dos, code, units, mods, pos, "professional", "Aetna", start, stop, "8"]
        for i, (c, dos, code, units, mods, pos, start, stop) in enumerate(void)
    ]
    mixed = rows + voids
    random.Random(seed).shuffle(mixed)

    def run(name: str, data: list[list]):
        with (tmp_path / name).open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(data)
        return audit(tmp_path / name)

    alone, with_void = run("a.csv", rows), run("b.csv", mixed)
    assert keyed(with_void) == keyed(alone)
    assert (with_void.lines_in, with_void.lines_checked, with_void.lines_void, with_void.rejects) == (
        alone.lines_in + len(voids),
        alone.lines_checked,
        len(voids),
        alone.rejects,
    )
    assert with_void.notes == [
        f"{len(voids)} service line(s) of void claims (frequency code 8) were left out, not audited"
    ]


x12_line = st.tuples(
    st.sampled_from(["C1", "C2", "C3"]),
    st.sampled_from(["2026-03-02", "2026-03-03"]),
    st.sampled_from(["96369", "96370", "96371", "96372", "J1559"]),
    st.integers(0, 4),
    st.sampled_from(["", "JZ", "00", "XS", "25|11"]),
    st.sampled_from(["11", "22", "12"]),
    st.sampled_from(["professional", "institutional"]),
    st.sampled_from(["Aetna", "Cigna"]),
)


def as_837(rows: list[tuple]) -> str:
    """``rows`` (claim, line, date, code, units, modifiers, pos, claim type, payer) as X12: one
    transaction set per claim type (837P or 837I), a subscriber loop per claim."""
    out = [isa(sender="S", receiver="R"), "GS*HC*S*R*20260302*1200*1*X*005010X222A1~"]
    for kind, version in (("professional", "005010X222A1"), ("institutional", "005010X223A2")):
        claims: dict[str, list[tuple]] = {}
        for r in rows:
            if r[7] == kind:
                claims.setdefault(r[0], []).append(r)
        out.append(f"ST*837*0001*{version}~HL*1**20*1~NM1*85*2*CLINIC*****XX*1~N4*SAN FRANCISCO*CA*94103~")
        for hl, (claim, lines) in enumerate(claims.items(), start=2):
            where = f"{lines[0][6]}:B:1" if kind == "professional" else "13:A:1"
            out.append(f"HL*{hl}*1*22*0~NM1*IL*1*PATIENT*X~NM1*PR*2*{lines[0][8]}~CLM*{claim}*1***{where}~")
            for _claim, number, dos, code, units, mods, pos, _, _ in lines:
                service = ":".join(["HC", code] + [m for m in mods.split("|") if m])
                seg = (
                    f"SV1*{service}*1*UN*{units}*{pos}"
                    if kind == "professional"
                    else f"SV2*0260*{service}*1*UN*{units}"
                )
                out.append(f"LX*{number}~{seg}~DTP*472*D8*{dos.replace('-', '')}~")
        out.append("SE*1*0001~")
    out.append("GE*1*1~IEA*1*000000001~")
    return "".join(out)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(x12_line, min_size=1, max_size=20))
def test_an_837_gives_the_findings_of_the_same_lines_as_csv(tmp_path, lines):
    """The same claim lines as a CSV and as 837P/837I transactions: the same findings, line by line,
    with the same dollars (place of service, claim type, payer and ZIP carried the same way)."""
    # one claim type and payer per claim, as on a real claim
    first = {}
    for c, _, _, _, _, _, ctype, payer in lines:
        first.setdefault(c, (ctype, payer))
    rows = [
        (c, i + 1, dos, code, units, mods, pos if first[c][0] == "professional" else "", *first[c])
        for i, (c, dos, code, units, mods, pos, _, _) in enumerate(lines)
    ]
    header = ["claim_id", "line_number", "date_of_service", "code", "units", "modifiers", "pos", "claim_type", "payer"]
    with (tmp_path / "c.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header + ["zip"])
        w.writerows([list(r[:7]) + ["131" if r[7] == "institutional" else "professional", r[8], "94103"] for r in rows])
    (tmp_path / "c.837").write_text(as_837(rows))
    a, b = audit(tmp_path / "c.csv"), audit(tmp_path / "c.837")
    assert (b.lines_in, b.rejects) == (a.lines_in, a.rejects)
    cols = ["claim_id", "line_number", "code", "payer", "rule", "units_at_risk", "dollars_at_risk", "message"]
    assert b.findings[cols].fillna(-1).values.tolist() == a.findings[cols].fillna(-1).values.tolist()


cell = st.one_of(
    st.sampled_from(
        [
            "",
            "96369",
            "96370",
            "96372",
            "1",
            "2",
            "-1",
            "1.5",
            "x",
            "00|JZ",
            "XS",
            "2026-03-02",
            "03/02/2026",
            "20260302",
            "09:00",
            "9:30 PM",
            "0930",
            "2026-03-02T23:30",
            "22",
            "12",
            "131",
            "0138",
            "8",
            " ",
            "NaN",
            "null",
            "²",
            "١٢",
            "9:30\u00a0AM",
        ]
    ),
    st.text(max_size=12),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cell, min_size=len(HEADER) + 1, max_size=len(HEADER) + 1), min_size=1, max_size=12))
def test_any_cell_values_give_findings_or_rejects_never_an_internal_error(tmp_path, rows):
    """Whatever text the cells hold (quotes, delimiters, line breaks, any Unicode), the audit
    reads every record: each is checked or rejected (lines in = checked + rejects), and a finding
    only ever names a line of the file."""
    header = HEADER + ["claim_frequency"]
    path = tmp_path / "any.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    res = audit(path)
    assert res.lines_in == len(rows) == res.lines_checked + res.rejects + res.lines_void  # void claims: left out
    # as a finding shows them: a key as written, other text (``:`` as a line number) as its digest
    from infusion.redact import show_key, show_line

    keys = {(show_key(str(r[0]).strip()), show_line(str(r[1]).strip())) for r in rows}
    assert set(zip(res.findings["claim_id"], res.findings["line_number"])) <= keys


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=300), header=st.sampled_from([",".join(HEADER), "\t".join(HEADER), ""]))
def test_any_bytes_give_an_audit_or_an_input_error(tmp_path, body, header):
    """A damaged file (stray quotes, NUL bytes, invalid UTF-8, a cut line ...) is audited with its
    unreadable rows in the rejects, or refused with an InputError naming the claims file: never an
    internal error."""
    from infusion.errors import InputError

    path = tmp_path / "damaged.csv"
    path.write_bytes((header + "\n").encode() + body if header else body)
    try:
        res = audit(path)
    except InputError as err:
        assert str(err).startswith(("claims:", "claim_id:")), str(err)
        return
    assert res.lines_in == res.lines_checked + res.rejects


element = st.one_of(
    st.sampled_from(
        [
            "",
            "HC:96369",
            "HC:96370:XS",
            "HC",
            "96369",
            "1",
            "x",
            "UN",
            "11",
            "D8",
            "RD8",
            "472",
            "434",
            "20260302",
            "20260302-20260303",
            "2026",
            "131",
            "13:A:8",
            "11:B:1",
            "PR",
            "IL",
            "85",
            "77",
            "0260",
            "*",
            ":",
            "1:2:3",
        ]
    ),
    st.text(alphabet=st.characters(blacklist_characters="*~:", blacklist_categories=("Cs",)), max_size=8),
)
segment = st.tuples(
    st.sampled_from(
        [
            "ST",
            "BHT",
            "HL",
            "NM1",
            "N4",
            "CLM",
            "LX",
            "SV1",
            "SV2",
            "DTP",
            "REF",
            "SBR",
            "SE",
            "GS",
            "GE",
            "IEA",
            "HI",
            "XYZ",
        ]
    ),
    st.lists(element, max_size=7),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(segments=st.lists(segment, max_size=25))
def test_any_837_segments_give_an_audit_or_an_input_error(tmp_path, segments):
    """Segments in any order with any elements after a valid ISA: read (each service line checked
    or rejected) or refused with an InputError naming the claims file, never an internal error."""
    from infusion.errors import InputError

    body = "".join("*".join([tag, *elems]) + "~" for tag, elems in segments)
    path = tmp_path / "any.837"
    path.write_text(isa() + "GS*HC*S*R*20260302*1200*1*X*005010X222A1~ST*837*0001*005010X222A1~" + body)
    try:
        res = audit(path)
    except InputError as err:
        assert str(err).startswith("claims:"), str(err)
        return
    assert res.lines_in == res.lines_checked + res.rejects


def _typed_column(kind: str, n: int) -> st.SearchStrategy:
    import datetime as dt

    import pyarrow as pa

    values = {
        "int": (st.integers(-3, 99999), pa.int64()),
        "float": (st.floats(allow_nan=True), pa.float64()),
        "bool": (st.booleans(), pa.bool_()),
        "date": (st.dates(), pa.date32()),
        "timestamp": (st.datetimes(), pa.timestamp("us")),
        "time": (st.times(), pa.time64("us")),
        "decimal": (st.decimals(min_value=-5, max_value=500, places=2), pa.decimal128(8, 2)),
        "binary": (st.binary(max_size=5), pa.binary()),
        "text": (st.sampled_from(["96369", "96370", "1", "2026-03-02", "09:00", "C1", "11", ""]), pa.string()),
        "list": (st.lists(st.sampled_from(["25", "XS", "00"]), max_size=2), pa.list_(pa.string())),
        "duration": (st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=1)), pa.duration("us")),
    }
    strategy, type_ = values[kind]
    return st.lists(st.one_of(st.none(), strategy), min_size=n, max_size=n).map(lambda v: pa.array(v, type_))


KINDS = ["int", "float", "bool", "date", "timestamp", "time", "decimal", "binary", "text", "list", "duration"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_parquet_columns_of_any_type_give_an_audit_or_an_input_error(tmp_path, data):
    """Every column the audit reads may come in any Parquet type (numbers, dates, timestamps,
    times, decimals, bytes, lists ...): each line is checked or rejected, or the file is refused
    with an InputError, never an internal error."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from infusion.errors import InputError

    n = 4
    names = HEADER + ["zip", "claim_frequency"]
    arrays = {
        name: data.draw(st.sampled_from(KINDS).flatmap(lambda k: _typed_column(k, n)))
        for name in names
        if name in HEADER[:5] or data.draw(st.booleans())
    }
    pq.write_table(pa.table(arrays), tmp_path / "any.parquet")
    try:
        res = audit(tmp_path / "any.parquet")
    except InputError as err:
        assert str(err).startswith("claims:"), str(err)
        return
    assert res.lines_in == res.lines_checked + res.rejects == n


_PIECES = list("AZaz09-_.:#/ ()\t\u00a0\u2028\u1680\u001cé") + [
    "123-45-6789",
    "(555) 123-4567",
    "555.123.4567",
    "1234567890" * 4,
]
key_text = st.lists(st.sampled_from(_PIECES), max_size=14).map("".join)


@settings(max_examples=400, deadline=None)
@given(values=st.lists(st.one_of(st.none(), key_text, st.integers(-5, 10**7).map(str)), max_size=30))
def test_keys_shown_in_bulk_are_shown_as_one_by_one(values):
    """``show_all`` (plain keys and line numbers recognised by pyarrow's RE2) answers what
    ``show_key`` and ``show_line`` answer for each value: nothing shown that one by one would hide."""
    import pyarrow as pa
    from infusion.redact import show_all, show_key, show_line

    assert show_all(values, "key") == [show_key(v) for v in values]
    assert show_all(values, "line") == [show_line(v) for v in values]
    assert show_all(pa.array(values, type=pa.large_string()), "key") == [show_key(v) for v in values]
