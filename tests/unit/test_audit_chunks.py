"""The claim-date context at volume: claims numbered by hashes checked exactly, the documented time
of a group with and without a sort, and claims checked a chunk at a time giving the findings of
all at once (hypothesis)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from claims_text import HEADER
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from infusion.audit import audit, claim_dates, claim_ids
from infusion.audit.claim_dates import NA
from infusion.audit.claim_ids import claim_ids_of, number_hashes, padded_ids

texts = st.one_of(
    st.sampled_from(["A1", "A1\x00", "B2", "C10", "C9", "é", "e", "F0-C12345678901234", "x" * 40, "x" * 41, ""]),
    st.text(max_size=12),
    st.text(alphabet="AB", min_size=30, max_size=34),
)


def _same_exactly(ids, values) -> bool:
    return all((ids[i] == ids[j]) == (values[i] == values[j]) for i in range(len(values)) for j in range(len(values)))


@settings(max_examples=300, deadline=None)
@given(values=st.lists(texts, min_size=1, max_size=40), cut=st.integers(0, 40))
def test_claim_ids_are_equal_exactly_for_equal_texts(values, cut):
    cut = min(cut, len(values))
    ids, n = claim_ids_of(pa.chunked_array([values[:cut], values[cut:]], pa.string()))
    assert n == len(set(values))
    assert sorted(set(ids.tolist())) == list(range(n))
    assert _same_exactly(ids, values)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.integers(0, 2**64 - 1) | st.sampled_from([0, 1, 2**63, 2**64 - 1]), max_size=60),
    bits=st.sampled_from([1, 2, 8, 12]),
)
def test_number_hashes_gives_dense_ids_and_first_positions(values, bits):
    h = np.array(values, dtype=np.uint64)
    ids, first = number_hashes(h, bits=bits)
    assert len(first) == len(set(values))
    assert _same_exactly(ids, values)
    assert sorted(ids[first].tolist()) == list(range(len(first)))
    assert all(values.index(values[p]) == p for p in first)  # each id's first value


def test_padded_ids_refuses_texts_whose_hashes_collide(monkeypatch):
    heads = pa.array(["A1", "B2", "A1"])
    lengths = np.array([2, 2, 2])
    assert padded_ids(heads, lengths)[1] == 2
    merged = lambda h, bits=8: (np.zeros(len(h), dtype=np.int32), np.array([0]))  # noqa: E731  every hash equal
    monkeypatch.setattr(claim_ids, "number_hashes", merged)
    assert padded_ids(heads, lengths) is None  # caught by the check of the texts
    ids, n = claim_ids_of(pa.chunked_array([["B2", "A1", "B2", "C3"]]))  # and numbered by their texts
    assert n == 3 and _same_exactly(ids, ["B2", "A1", "B2", "C3"])


def _covered_by_hand(groups, start, stop, ng):
    covered, has = [0] * ng, [False] * ng
    for g in range(ng):
        spans = sorted((a, b) for x, a, b in zip(groups, start, stop) if x == g and a != NA and b != NA and b >= a)
        reach = None
        for a, b in spans:
            covered[g] += max(0, b - (a if reach is None else max(a, reach)))
            reach = b if reach is None else max(reach, b)
        has[g] = bool(spans)
    return covered, has


moment = st.one_of(st.integers(-86400, 3 * 86400), st.sampled_from([-(2**61), 2**61]))
interval = st.one_of(
    st.tuples(st.integers(0, 5), moment, moment),  # any two moments
    st.tuples(st.integers(0, 3), st.integers(0, 600), st.integers(-10, 300)).map(  # mostly in order
        lambda t: (t[0], t[1], t[1] + t[2])
    ),
    st.tuples(st.integers(0, 5), st.just(NA), moment),
    st.tuples(st.integers(0, 5), moment, st.just(NA)),
)


@pytest.mark.parametrize(
    "g, a, b, want",
    [
        ([0, 0, 1, 1], [0, 0, 0, 0], [100, 100, 10, 20], [100, 20]),  # a group's reach is its own
        ([0, 0, 0], [0, 50, 200], [100, 150, 260], [210]),  # overlap counted once, a gap not at all
        ([0, 0], [0, 10], [100, 20], [100]),  # one interval inside another
    ],
)
def test_covered_seconds_examples(g, a, b, want):
    for order in ([0, 1, 2, 3][: len(g)], list(reversed(range(len(g))))):  # in order, and not
        arr = [np.array([x[i] for i in order], dtype=np.int64) for x in (g, a, b)]
        assert claim_dates._covered_seconds(*arr, len(want))[0].tolist() == want


@settings(max_examples=400, deadline=None)
@given(lines=st.lists(interval, max_size=30), in_order=st.booleans())
def test_covered_seconds_is_the_union_of_the_intervals(lines, in_order):
    if in_order:  # a file listing each group's lines together, in time order: no sort needed
        lines = sorted(lines, key=lambda t: (t[0], t[1]))
    g = np.array([t[0] for t in lines], dtype=np.int64)
    a = np.array([t[1] for t in lines], dtype=np.int64)
    b = np.array([t[2] for t in lines], dtype=np.int64)
    covered, has = claim_dates._covered_seconds(g, a, b, 6)
    want_covered, want_has = _covered_by_hand(g.tolist(), a.tolist(), b.tolist(), 6)
    assert covered.tolist() == want_covered
    assert has.tolist() == want_has


line = st.tuples(
    st.sampled_from(["C1", "C2", "C3", "C4", "C5"]),
    st.sampled_from(["2026-03-02", "2026-03-03"]),
    st.sampled_from(["96369", "96370", "96371", "96372", "J1559", "96365", "99213", "J3490"]),
    st.integers(0, 4),
    st.sampled_from(["", "JZ", "JW", "XS", "25"]),
    st.sampled_from(["11", "22"]),
    st.sampled_from(["professional", "institutional"]),
    st.sampled_from(["Medicare", "Aetna"]),
    st.sampled_from(["08:00", "23:00", ""]),
    st.sampled_from(["09:30", "23:59", ""]),
)


def _keyed(res) -> list[tuple]:
    f = res.findings
    return list(
        zip(
            f["claim_id"],
            f["line_number"],
            f["rule"],
            f["units_at_risk"],
            f["message"],
            f["dollars_at_risk"].fillna(-1),
        )
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(line, min_size=1, max_size=30), chunk=st.integers(1, 8))
def test_claims_checked_a_chunk_at_a_time_give_the_findings_of_all_at_once(tmp_path, lines, chunk):
    path = tmp_path / "claims.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows([c, i + 1, *rest] for i, (c, *rest) in enumerate(lines))
    whole = audit(path)
    parts = audit(path, chunk_lines=chunk)
    assert _keyed(parts) == _keyed(whole)
    assert parts.by_payer.equals(whole.by_payer)
    assert parts.summary.equals(whole.summary)


def test_chunk_lines_out_of_range_is_refused(tmp_path: Path):
    path = tmp_path / "claims.csv"
    path.write_text(",".join(HEADER) + "\nC1,1,2026-03-02,96369,1,,11,professional,Aetna,08:00,09:30\n")
    with pytest.raises(Exception, match="chunk_lines.*0 is not a number of lines"):
        audit(path, chunk_lines=0)


key_text = st.one_of(st.none(), st.sampled_from(["C1", "C10", "C2", "c1", "é", "e", "", "Z"]), st.text(max_size=4))


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.tuples(key_text, st.integers(-3, 3), key_text, st.sampled_from(["U-MUE", "A-DUP"])), max_size=25),
    mixed=st.booleans(),
)
def test_findings_are_ordered_as_pandas_orders_them(rows, mixed):
    import pandas as pd
    from infusion.audit import _order

    df = pd.DataFrame(rows, columns=["claim_id", "line_no", "line_number", "rule"], dtype=object)
    df["line_no"] = df["line_no"].astype("int64")
    if mixed and len(df):  # a column pyarrow cannot hold: pandas sorts
        df.loc[0, "line_number"] = 5
    keys = ["claim_id", "line_no", "line_number", "rule"]
    try:
        want = df.sort_values(keys, kind="stable").index.to_numpy().tolist()
    except TypeError:  # pandas cannot order 5 beside text either
        return
    assert _order(df, keys).tolist() == want


def test_release_hands_freed_heap_memory_back():
    """Arrays of 64 kB come from malloc's heap, which keeps them when freed below a live one;
    ``memory.release`` (glibc's malloc_trim, on this Linux) hands them back. In a fresh interpreter:
    the heap of this one holds what the tests before left."""
    import subprocess
    import sys

    script = (
        "import numpy as np\n"
        "from pathlib import Path\n"
        "from infusion.audit import memory\n"
        "mb = lambda: int(Path('/proc/self/statm').read_text().split()[1]) * 4096 >> 20\n"
        "assert memory._TRIM is not None\n"
        "arrays = [np.ones(8000) for _ in range(3000)]\n"  # about 190 MB
        "pinned = np.ones(8000)\n"  # a live block above them
        "before = mb(); del arrays; kept = mb(); memory.release(); print(before, kept, mb())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    before, kept, after = map(int, out.split())
    assert kept > before - 50  # freeing them alone hands nothing back
    assert after < kept - 100  # release does


def test_one_heap_reuses_a_freed_block_larger_than_the_mmap_threshold():
    """A 64 MB array (a column of 8M lines) freed inside one_heap is reused by the next one, not
    mapped and faulted in afresh page by page: the next array of that size costs a few page faults,
    where after the hold (blocks over 32 MB mapped again) it costs one per 4 kB page. In a fresh
    interpreter with transparent huge pages off for the process (``PR_SET_THP_DISABLE``, whatever
    the system's setting), so that a huge page does not hide the count."""
    import subprocess
    import sys

    script = (
        "import ctypes, resource, numpy as np\n"
        "assert ctypes.CDLL(None).prctl(41, 1, 0, 0, 0) == 0\n"  # PR_SET_THP_DISABLE
        "from infusion.audit import memory\n"
        "faults = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
        "def cost():\n"
        "    a = np.ones(8 << 20); del a\n"  # 64 MB allocated, written and freed
        "    f = faults(); b = np.ones(8 << 20); f = faults() - f; del b; return f\n"
        "with memory.one_heap():\n"
        "    inside = cost()\n"
        "print(inside, cost())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    inside, after = map(int, out.split())
    assert inside < 1000
    assert after > 10_000  # 16,384 pages of 4 kB


def test_an_audit_returns_the_memory_of_the_lines_it_read(tmp_path):
    """A notebook that audits a large file keeps its findings, not the lines read: those are freed
    before ``one_heap`` hands memory back, so a trim afterwards finds little left over (a file of 1M
    one-line claims: 12 MB; 47 MB when the lines were freed after the hold). In a fresh interpreter."""
    import subprocess
    import sys

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    n = 1_000_000  # one-line claims, in no order
    claim = pc.binary_join_element_wise("C", pa.array(np.random.default_rng(1).permutation(n)).cast(pa.string()), "")
    lines = {"claim_id": claim, "line_number": pa.array(np.full(n, "1"))}
    lines |= {"date_of_service": pa.array(np.full(n, "2026-03-02")), "hcpcs": pa.array(np.full(n, "96369"))}
    lines |= {"units": pa.array(np.full(n, "1")), "start_time": pa.array(np.full(n, "09:00"))}
    pq.write_table(pa.table({**lines, "stop_time": pa.array(np.full(n, "10:00"))}), tmp_path / "claims.parquet")
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from infusion.audit import audit, memory\n"
        "mb = lambda: int(Path('/proc/self/statm').read_text().split()[1]) * 4096 >> 20\n"
        "res = audit(sys.argv[1])\n"
        "kept = mb(); memory.release(); print(res.lines_checked, len(res.findings), kept - mb())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "claims.parquet")], capture_output=True, text=True, check=True
    ).stdout
    checked, findings, left_over = map(int, out.split())
    assert checked == n and findings == 0  # 96369 for an hour, once per claim: nothing to find
    assert left_over < 25, left_over  # 12 MB measured; 47 MB when the lines outlived the hold


def test_one_heap_gives_pyarrow_malloc_while_held_and_restores_it(monkeypatch):
    """Inside one_heap pyarrow allocates from malloc (the system pool) and malloc keeps blocks up to
    32 MB in its heaps; nested holds change and restore nothing (the command holds it around the
    audit, which holds it too); an error inside still restores what it found."""
    import pyarrow as pa
    from infusion.audit import memory

    assert memory._MALLOPT is not None  # glibc, as on every machine the suite runs on
    calls: list[tuple] = []
    mallopt, trim = memory._MALLOPT, memory._TRIM
    monkeypatch.setattr(memory, "_MALLOPT", lambda *a: calls.append(("mallopt", *a)) or mallopt(*a))
    monkeypatch.setattr(memory, "_TRIM", lambda *a: calls.append(("trim", *a)) or trim(*a))
    found = pa.default_memory_pool()
    pa.set_memory_pool(pa.mimalloc_memory_pool())  # pyarrow's default, whatever ARROW_DEFAULT_MEMORY_POOL says
    try:
        _one_heap_holds(pa, memory, calls)
    finally:
        pa.set_memory_pool(found)


def _one_heap_holds(pa, memory, calls: list[tuple]) -> None:
    import pytest

    before = pa.default_memory_pool().backend_name
    assert before == "mimalloc"
    with memory.one_heap():
        assert pa.default_memory_pool().backend_name == "system"
        assert calls == [
            ("mallopt", memory.M_MMAP_THRESHOLD, 32 << 20),
            ("mallopt", memory.M_TRIM_THRESHOLD, 1 << 30),
            ("mallopt", memory.M_MMAP_MAX, 0),
        ]
        in_malloc = pa.system_memory_pool().bytes_allocated()
        buf = pa.allocate_buffer(1 << 20)
        assert pa.system_memory_pool().bytes_allocated() >= in_malloc + (1 << 20)  # from malloc, not mimalloc
        with memory.one_heap():
            assert pa.default_memory_pool().backend_name == "system"
        assert pa.default_memory_pool().backend_name == "system"  # the outer one still holds
        assert len(calls) == 3
    assert pa.default_memory_pool().backend_name == before
    assert calls[3:] == [
        ("mallopt", memory.M_MMAP_MAX, 65536),
        ("mallopt", memory.M_MMAP_THRESHOLD, 32 << 20),
        ("mallopt", memory.M_TRIM_THRESHOLD, 64 << 20),
        ("trim", 0),
    ]
    assert buf.size == 1 << 20  # outlives the hold
    with pytest.raises(ValueError):
        with memory.one_heap():
            raise ValueError("inside")
    assert pa.default_memory_pool().backend_name == before and memory._HOLD.count == 0


def test_one_heap_changes_nothing_where_malloc_is_not_glibc(monkeypatch):
    import pyarrow as pa
    from infusion.audit import memory

    monkeypatch.setattr(memory, "_MALLOPT", None)
    before = pa.default_memory_pool().backend_name
    with memory.one_heap():
        assert pa.default_memory_pool().backend_name == before
    assert memory._HOLD.count == 0


def test_progress_shows_the_reading_and_the_checks(tmp_path, capsys):
    path = tmp_path / "claims.csv"
    rows = [f"C{i},1,2026-03-02,96369,1,,11,professional,Aetna,08:00,09:30" for i in range(50)]
    path.write_text(",".join(HEADER) + "\n" + "\n".join(rows) + "\n")
    quiet = audit(path, chunk_lines=7)
    assert capsys.readouterr().err == ""
    shown = audit(path, chunk_lines=7, progress=True)
    err = capsys.readouterr().err
    assert "audit claims.csv" in err and "checks:" in err and "/50.0 [" in err  # the lines read, to check
    assert _keyed(shown) == _keyed(quiet)


def test_the_checks_count_every_line_chunk_by_chunk(tmp_path):
    from infusion.audit import checks, read

    path = tmp_path / "claims.csv"
    rows = [
        f"C{i // 2},{i % 2 + 1},2026-03-02,{'96369' if i % 2 else '99213'},1,,11,professional,Aetna,08:00,09:30"
        for i in range(40)
    ] + [f"D{i},1,2026-03-02,99213,1,,11,professional,Aetna,," for i in range(10)]
    path.write_text(",".join(HEADER) + "\n" + "\n".join(rows) + "\n")
    lines = read.read_lines(path)

    class Bar(checks._Count):
        steps: list[int] = []

        def update(self, k: int) -> None:
            self.steps.append(k)
            super().update(k)

    bar = Bar(len(lines.row))
    (part, found), *more = checks._find_chunks([lines], 7, bar)  # the chunks, each counted when checked
    assert not more and part is lines and set(found["rule"]) == {"N-PTP"}  # 99213 beside 96369 (no 25)
    assert bar.n == 40 and sum(bar.steps) == 40 and len(bar.steps) >= 5  # each chunk's lines: 5-8
    assert all(k <= 8 for k in bar.steps)  # chunks of whole claims, about 7 lines
    bar.update(bar.total - bar.n)  # as find_each does: the lines of D claims (no check) counted last
    assert bar.n == bar.total == 50
