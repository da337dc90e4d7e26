"""The lines read written out in parts by claim past a memory budget (``audit.spill``): the same
findings, summary, shares and rejects as one pass; parts split again when too large; the temporary
files gone after the audit, whether it ends well or not."""

from __future__ import annotations

import csv
import math
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from claims_text import HEADER
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from infusion.audit import audit, csv_source, read, spill
from infusion.audit.spill import Spill, claim_hash, parts_for
from infusion.errors import InputError

texts = st.one_of(st.sampled_from(["A1", "A1 ", "a1", "", "é", "x" * 63, "x" * 64, "x" * 65]), st.text(max_size=80))


@settings(max_examples=200, deadline=None)
@given(values=st.lists(texts, min_size=1, max_size=30), cut=st.integers(0, 30), start=st.integers(0, 30))
def test_equal_claim_ids_hash_equal_however_the_array_is_cut(values, cut, start):
    whole = claim_hash(pa.array(values, pa.string()))
    cut, start = min(cut, len(values)), min(start, len(values))
    chunked = claim_hash(pa.chunked_array([values[:cut], values[cut:]], pa.string()))
    sliced = claim_hash(pa.array(values, pa.string()).slice(start))
    assert whole.tolist() == chunked.tolist()
    assert whole[start:].tolist() == sliced.tolist()
    for i, a in enumerate(values):
        for j, b in enumerate(values):
            if a == b:
                assert whole[i] == whole[j]


def test_claim_hashes_spread_over_the_parts():
    ids = pa.array([f"CLM{i:09d}" for i in range(40_000)])
    s = Spill(["code"], 16, 1 << 30)
    try:
        counts = np.bincount(s._part_of(ids), minlength=16)
    finally:
        s.close()
    assert counts.min() > 40_000 / 16 * 0.9 and counts.max() < 40_000 / 16 * 1.1


def test_parts_for_halves_the_budget_within_the_limits():
    assert parts_for(100, 1000) == 2
    assert parts_for(3000, 1000) == 8  # 6 parts of 500 bytes, as a power of 2
    assert parts_for(10**15, 1000) == spill.MAX_PARTS


def _add(s: Spill, claims: list[str], start: int = 0) -> None:
    n = len(claims)
    s.add(pa.array(claims), np.arange(start, start + n), {"code": np.arange(n) % 5, "payer": np.zeros(n, np.int16)})


def _read_all(s: Spill) -> list[tuple[list[str], list[int]]]:
    return [(k.claim.to_pylist(), k.row.tolist()) for k in s.kept({"code": 5, "payer": 70_000})]


def test_a_part_larger_than_the_budget_is_split_again_and_each_claim_stays_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    claims = [f"C{i % 500}" for i in range(4000)]
    s = Spill(["code", "payer"], 2, budget=4000)
    _add(s, claims[:2500])
    _add(s, claims[2500:], start=2500)
    parts = _read_all(s)
    s.close()
    assert len(parts) > 2  # 2 parts of about 50 kB each, split again for a budget of 4 kB
    rows = sorted(r for _, rs in parts for r in rs)
    assert rows == list(range(4000))  # every line once
    owner = {}
    for i, (cs, rs) in enumerate(parts):
        assert rs == sorted(rs)  # a part's lines in file order
        for c in cs:
            assert owner.setdefault(c, i) == i  # a claim in one part only
    assert list(tmp_path.iterdir()) == []  # the folder and every part's file deleted


def test_a_part_of_a_single_claim_is_checked_as_it_is(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    s = Spill(["code", "payer"], 4, budget=100)
    _add(s, ["ONE"] * 3000)
    parts = _read_all(s)
    s.close()
    assert len(parts) == 1 and parts[0][1] == list(range(3000))


def test_ids_come_back_in_the_narrowest_type():
    s = Spill(["code", "payer"], 2, budget=1 << 30)
    _add(s, ["A", "B", "C"])
    kept = list(s.kept({"code": 5, "payer": 70_000}))
    s.close()
    assert {k.cols["code"].dtype for k in kept} == {np.dtype(np.int16)}
    assert {k.cols["payer"].dtype for k in kept} == {np.dtype(np.int32)}


line = st.tuples(
    st.sampled_from(["C1", "C2", "C3", "C4", "C5", "C6", "C10"]),
    st.sampled_from(["2026-03-02", "2026-03-03", "not a date"]),
    st.sampled_from(["96369", "96370", "96371", "96372", "J1559", "96365", "99213", "J3490"]),
    st.integers(0, 4),
    st.sampled_from(["", "JZ", "JW", "XS", "25", "59|JZ"]),
    st.sampled_from(["11", "22", "12"]),
    st.sampled_from(["professional", "institutional"]),
    st.sampled_from(["Medicare", "Aetna", "Cigna"]),
    st.sampled_from(["08:00", "23:00", ""]),
    st.sampled_from(["09:30", "23:59", "08:10", ""]),
)


def _write(path: Path, lines: list[tuple]) -> None:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([*HEADER, "provider_npi"])
        w.writerows([c, i + 1, *rest, f"N{i % 3}"] for i, (c, *rest) in enumerate(lines))


def _same(a, b) -> None:
    for name in ("findings", "summary", "by_payer", "by_provider", "rejected"):
        assert getattr(a, name).equals(getattr(b, name)), name
    assert a.accounting() == b.accounting()


class _Counted:
    """Spill with a count of the lines written (to see that a budget did spill)."""

    lines = 0

    def __init__(self, real):
        self.real = real

    def __call__(self, *args, **kwargs):
        s = self.real(*args, **kwargs)
        add = s.add

        def counted(claim, row, ids):
            _Counted.lines += len(row)
            add(claim, row, ids)

        s.add = counted
        return s


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(line, min_size=1, max_size=40),
    budget=st.sampled_from([1e-5, 3e-4, 2e-3]),
    chunk=st.sampled_from([3, 500_000]),
)
def test_a_spilled_audit_gives_what_one_pass_gives(tmp_path, monkeypatch, lines, budget, chunk):
    path = tmp_path / "claims.csv"
    _write(path, lines)
    spills = tmp_path / "spills"
    spills.mkdir(exist_ok=True)
    monkeypatch.setattr(tempfile, "tempdir", str(spills))
    monkeypatch.setattr(read, "Spill", _Counted(Spill))
    monkeypatch.setattr(read, "MIN_PART_BYTES", 0)  # parts as small as the budget: many, split again
    _Counted.lines = 0
    whole = audit(path)
    assert _Counted.lines == 0  # the default budget holds a small file
    parts = audit(path, memory_mb=budget, chunk_lines=chunk)
    if budget == 1e-5 and any(r[1] != "not a date" and r[2].startswith("963") for r in lines):
        assert _Counted.lines > 0  # 5 bytes held at most: every line kept is written out
    _same(parts, whole)
    assert list(spills.iterdir()) == []


def test_a_spilled_audit_of_a_large_file_is_the_one_pass_audit(tmp_path, monkeypatch):
    rng = np.random.default_rng(7)
    n = 30_000
    codes = np.array(["96369", "96370", "96371", "96372", "J1559", "99213"])[rng.integers(0, 6, n)]
    claims = rng.integers(0, 6_000, n)
    with (tmp_path / "claims.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(n):
            start = f"{8 + i % 5:02d}:{i % 60:02d}"
            w.writerow(
                [
                    f"K{claims[i]}",
                    i % 4 + 1,
                    "2026-02-02",
                    codes[i],
                    i % 3,
                    "",
                    "11",
                    "professional",
                    "Aetna",
                    start,
                    "11:30",
                ]
            )
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(read, "Spill", _Counted(Spill))
    monkeypatch.setattr(read, "MIN_PART_BYTES", 0)
    _Counted.lines = 0
    whole = audit(tmp_path / "claims.csv")
    parts = audit(tmp_path / "claims.csv", memory_mb=0.05)  # 25 kB held: a few parts
    assert _Counted.lines >= n // 2
    assert len(whole.findings) > 1000
    _same(parts, whole)
    assert [p.name for p in tmp_path.iterdir()] == ["claims.csv"]


def test_a_file_read_again_record_by_record_spills_once_and_cleans_up(tmp_path, monkeypatch):
    """Quotes inside values send the file to the record reader (``test_audit_untrusted``): the
    first reading's parts are deleted, the second's checked."""
    monkeypatch.setattr(csv_source, "BLOCK_UNIT", 64)
    rows = [f'C{i // 2},{i % 2 + 1},2026-01-05,{96369 + i % 2},{i % 4},5" tube' for i in range(300)]
    rows[10] = 'C5,1,2026-01-05,96369,1,"a\nJane, Doe, x, y, z"'
    path = tmp_path / "claims.csv"
    path.write_text("claim_id,line_number,date_of_service,hcpcs,units,note\n" + "\n".join(rows) + "\n")
    spills = tmp_path / "spills"
    spills.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spills))
    whole = audit(path, block_mb=1)
    assert whole.by_record and len(whole.findings) > 50
    _same(audit(path, memory_mb=1e-4, block_mb=1), whole)
    assert list(spills.iterdir()) == []


def test_the_spill_is_deleted_when_the_checks_fail(tmp_path, monkeypatch):
    import infusion.audit as A

    path = tmp_path / "claims.csv"
    _write(path, [("C1", "2026-03-02", "96369", 1, "", "11", "professional", "Aetna", "08:00", "09:30")] * 50)
    spills = tmp_path / "spills"
    spills.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spills))

    def broken(*args, **kwargs):
        assert any(spills.iterdir())  # the parts are there while the checks run
        raise RuntimeError("checks failed")

    monkeypatch.setattr(A, "find_each", broken)
    with pytest.raises(RuntimeError, match="checks failed"):
        audit(path, memory_mb=1e-4)
    assert list(spills.iterdir()) == []


def test_the_spill_is_deleted_when_the_reading_fails(tmp_path, monkeypatch):
    path = tmp_path / "claims.csv"
    good = [f"C{i},1,2026-03-02,96369,1,,11,professional,Aetna,08:00,09:30" for i in range(40_000)]  # 2 MB
    path.write_bytes(
        (",".join(HEADER) + "\n" + "\n".join(good) + "\n").encode()
        + b"C9,1,2026-03-02,96369,1,\xff\xfe,11,professional,Aetna,08:00,09:30\n" * 3
    )
    spills = tmp_path / "spills"
    spills.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spills))
    monkeypatch.setattr(read, "Spill", _Counted(Spill))
    _Counted.lines = 0
    with pytest.raises(InputError, match="cannot be read"):
        audit(path, memory_mb=1e-3, block_mb=1)
    assert _Counted.lines > 0  # the first blocks were written out before the bad one
    assert list(spills.iterdir()) == []


def test_a_tiny_memory_setting_makes_parts_of_a_few_megabytes(tmp_path, monkeypatch):
    """--memory-mb 1 spills at every block, but its parts are made to hold MIN_PART_BYTES: not
    hundreds of parts of a few kB, each checked on its own (a 1M-line audit was 11x slower)."""
    made = []
    monkeypatch.setattr(read, "Spill", lambda *a, **k: made.append(Spill(*a, **k)) or made[-1])
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    path = tmp_path / "claims.csv"
    _write(
        path,
        [
            (f"C{i}", "2026-03-02", "96369", 1, "", "11", "professional", "Aetna", "08:00", "09:30")
            for i in range(30_000)
        ],
    )
    whole = audit(path)
    _same(audit(path, memory_mb=0.25, block_mb=1), whole)
    assert len(made) == 1 and made[0].budget == read.MIN_PART_BYTES and made[0].parts == 2
    assert made[0].lines == 30_000


def test_a_temporary_folder_that_cannot_be_written_is_named(tmp_path, monkeypatch):
    path = tmp_path / "claims.csv"
    _write(path, [("C1", "2026-03-02", "96369", 1, "", "11", "professional", "Aetna", "08:00", "09:30")] * 50)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no such folder"))
    with pytest.raises(InputError, match=r"memory_mb: the lines read outgrew .* cannot be written to .*no such folder"):
        audit(path, memory_mb=1e-4)
    assert [p.name for p in tmp_path.iterdir()] == ["claims.csv"]


@pytest.mark.parametrize("bad", [0, -1, math.nan, 2.0**31])
def test_a_memory_budget_out_of_range_is_refused(tmp_path, bad):
    path = tmp_path / "claims.csv"
    path.write_text(",".join(HEADER) + "\nC1,1,2026-03-02,96369,1,,11,professional,Aetna,08:00,09:30\n")
    with pytest.raises(InputError, match=f"memory_mb: {bad} is not a number of megabytes"):
        audit(path, memory_mb=bad)
