"""Bad input is exit 2 with one line naming the field, option or file (issue 21): never a
traceback, never "internal error", never a hang."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from infusion.coding.encounter import read_encounter_file
from infusion.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
SEG = '"segments": [{"start": "09:00", "stop": "10:35"}]'


def cli(*args: str, env: dict | None = None, timeout: int = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infusion", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def exit2(proc: subprocess.CompletedProcess[str], *words: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-500:])
    err = proc.stderr.strip().splitlines()[-1]
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr
    for w in words:
        assert w in err, err
    return err


@pytest.mark.parametrize(
    "name, text",
    [
        ("deep.json", "{" + SEG + ', "note": ' + "[" * 5000 + "]" * 5000 + "}"),
        ("deep.yaml", "segments: []\nnote: " + "[" * 5000 + "]" * 5000 + "\n"),
    ],
)
def test_code_file_nested_deeply(tmp_path, name, text):
    f = tmp_path / name
    f.write_text(text)
    exit2(cli("code", "--file", str(f)), name, "nested too deeply")


@pytest.mark.parametrize(
    "value, words",
    [
        ("Infinity", ["Infinity is not a number"]),
        ("1e999", ["sites", "inf"]),
        ("9" * 5000, ["thousands of digits"]),
        ("2.5", ["sites"]),
        ("true", ["sites"]),
    ],
)
def test_code_file_sites_out_of_range(tmp_path, value, words):
    f = tmp_path / "e.json"
    f.write_text("{" + SEG + f', "sites": {value}' + "}")
    err = exit2(cli("code", "--file", str(f)), "e.json", *words)
    assert len(err) < 300  # the value is not echoed whole


def test_code_file_pumps_huge_integer_yaml(tmp_path):
    f = tmp_path / "e.yaml"
    f.write_text('segments:\n  - start: "09:00"\n    stop: "10:35"\npumps: ' + "9" * 5000 + "\n")
    exit2(cli("code", "--file", str(f)), "e.yaml", "thousands of digits")


@pytest.mark.parametrize(
    "units, words",
    [("9" * 4000, ["units", "4,000 chars"]), ("10000", ["units", "9,999"]), ("1e3", ["units"]), ("-1", ["units"])],
)
def test_price_units_out_of_range(units, words):
    err = exit2(cli("price", "--code", "96370", "--year", "2026", "--units", units), *words)
    assert len(err) < 300


@pytest.mark.parametrize("where", ["missing", "empty"])
def test_data_dir_missing_or_wrong(tmp_path, where):
    d = tmp_path / "data"
    if where == "empty":
        d.mkdir()
    for args in (["code", "--minutes", "91"], ["price", "--code", "96370", "--year", "2026"]):
        exit2(cli(*args, env={"INFUSION_DATA_DIR": str(d)}), "INFUSION_DATA_DIR", str(d), "git checkout -- data")


def _extract(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return cli("rates", "extract", *args, "--out", str(tmp_path / "o.parquet"))


@pytest.mark.parametrize(
    "body",
    [
        '{"reporting_entity_name": "x", "version": ' + "[" * 5000 + "]" * 5000 + ', "in_network": []}',
        '{"reporting_entity_name": "x", "in_network": [{"billing_code": "96370", "negotiated_rates": '
        + "[" * 5000
        + "]" * 5000
        + "}]}",
    ],
)
def test_tic_nested_deeply_is_that_files_failure(tmp_path, body):
    f = tmp_path / "deep.json"
    f.write_text(body)
    proc = _extract(tmp_path, str(f))
    assert proc.returncode == 2 and "internal error" not in proc.stderr
    assert "deep.json: " in proc.stderr and "nested more than 512 levels deep" in proc.stderr
    assert "nothing written" in proc.stderr and not (tmp_path / "o.parquet").exists()


def test_truncated_gzip_hospital_csv_is_named(tmp_path):
    src = ROOT / "data" / "samples" / "hospital"
    csv_file = next(p for p in sorted(src.iterdir()) if p.suffix == ".csv")
    f = tmp_path / "h.csv.gz"
    f.write_bytes(gzip.compress(csv_file.read_bytes() * 20)[:2000])
    proc = _extract(tmp_path, str(f))
    assert proc.returncode == 2 and "h.csv.gz" in proc.stderr and "truncated" in proc.stderr
    assert "internal error" not in proc.stderr


@pytest.mark.parametrize(
    "address, words",
    [
        ("not a url", ["scheduler", "not a Dask scheduler address"]),
        ("tcp://127.0.0.1:1", ["scheduler", "cannot reach"]),
    ],
)
def test_scheduler_option_is_input(tmp_path, address, words):
    f = ROOT / "data" / "samples" / "tic"
    first = sorted(f.iterdir())[0]
    t0 = time.monotonic()
    exit2(_extract(tmp_path, str(first), "--scheduler", address), *words)
    assert time.monotonic() - t0 < 40


def test_summary_rate_column_of_text(tmp_path):
    import pandas as pd

    df = pd.read_parquet(ROOT / "data" / "benchmarks" / "sample_rates.parquet")
    df["rate"] = df["rate"].astype(str)
    p = tmp_path / "r.parquet"
    df.to_parquet(p)
    exit2(cli("rates", "summary", "--code", "96370", "--rates", str(p)), "column 'rate' is VARCHAR, not a number")


def test_summary_of_a_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "r.parquet"
    os.mkfifo(fifo)
    exit2(cli("rates", "summary", "--code", "96370", "--rates", str(fifo), timeout=20), "not a regular file")


def test_extract_of_a_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "in.json"
    os.mkfifo(fifo)
    exit2(_extract(tmp_path, str(fifo)), "not a regular file")


def test_item_larger_than_the_bound_is_refused_with_bounded_memory(tmp_path):
    f = tmp_path / "bomb.json.gz"
    with gzip.open(f, "wb") as fh:
        fh.write(
            b'{"reporting_entity_name": "x", "in_network": [{"billing_code": "96370", "negotiated_rates": [], "name": "'
        )
        for _ in range(40):
            fh.write(b"a" * (1 << 20))
        fh.write(b'"}]}')
    # numba compiles the scanner on its first use in a fresh checkout (~150 MB, once): not the bound's
    subprocess.run(
        [sys.executable, "-c", "from infusion.rates.jsonscan import _separators; _separators(b'[]')"],
        check=True,
        cwd=ROOT,
        timeout=120,
    )
    script = (
        "import resource, sys; from infusion.cli import main; rc = main(sys.argv[1:]); "
        "print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(rc)"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            "rates",
            "extract",
            str(f),
            "--out",
            str(tmp_path / "o.parquet"),
            "--max-item-mb",
            "8",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "in_network[0] is larger than 8 MB" in proc.stderr and "--max-item-mb" in proc.stderr
    rss_mb = int(proc.stdout.split("RSS")[1]) / 1024
    # beside the same process reading a file under the bound that takes the same path (the numba
    # scanner, loaded for windows above 256 kB, and pandas): the 40 MB item is never held whole, the
    # read-ahead stays within about 3x the 8 MB bound
    small = tmp_path / "small.json.gz"
    with gzip.open(small, "wb") as fh:
        fh.write(
            b'{"reporting_entity_name": "x", "in_network": [{"billing_code": "96370", '
            b'"negotiated_rates": [], "name": "' + b"a" * (2 << 20) + b'"}]}'
        )
    base = subprocess.run(
        [sys.executable, "-c", script, "rates", "extract", str(small), "--out", str(tmp_path / "s.parquet")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    base_mb = int(base.stdout.split("RSS")[1]) / 1024
    assert rss_mb < base_mb + 3 * 8 + 16, (rss_mb, base_mb)
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "infusion",
            "rates",
            "extract",
            str(f),
            "--out",
            str(tmp_path / "p.parquet"),
            "--max-item-mb",
            "64",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr  # raised, the same file is read


@pytest.mark.parametrize("option, value", [("--jobs", "0"), ("--jobs", "100000"), ("--max-item-mb", "0")])
def test_extract_numeric_options_bounded(tmp_path, option, value):
    first = sorted((ROOT / "data" / "samples" / "tic").iterdir())[0]
    exit2(_extract(tmp_path, str(first), option, value), option.lstrip("-"))


# JSON literals: integers of any size (up to 6,000 digits, past Python's int-string limit), floats
# with NaN, the infinities and overflow (1e999), text, booleans, null
_LITERALS = st.one_of(
    st.integers(min_value=-(10**18), max_value=10**18).map(str),
    st.integers(min_value=1, max_value=6000).map(lambda n: "9" * n),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "true", "false", "null", "2.5"]),
    st.text(max_size=30).map(json.dumps),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pumps=_LITERALS, sites=_LITERALS, depth=st.integers(min_value=0, max_value=3000))
def test_encounter_numbers_and_nesting_fuzzed(tmp_path, pumps, sites, depth):
    """Any pumps or sites value and any nesting: an encounter or an InputError, nothing else."""
    text = "{" + SEG + f', "pumps": {pumps}, "sites": {sites}, "note": ' + "[" * depth + "]" * depth + "}"
    f = tmp_path / "e.json"
    f.write_text(text)
    try:
        read_encounter_file(f)
    except InputError as err:
        assert len(str(err)) < 400


@pytest.mark.parametrize(
    "args",
    [
        ["--minutes", "\u0669\u0661"],
        ["--minutes", "\uff19\uff11"],
        ["--minutes", "9_1"],
        ["--segment", "\u0660\u0669:\u0660\u0660-\u0661\u0660:\u0663\u0661"],
        ["--minutes", "91", "--pumps", "\u0662"],
    ],
)
def test_digits_other_than_ascii_are_not_minutes(args):
    """int() reads Arabic-Indic and full-width digits: 91 minutes from '٩١' (issue 22)."""
    exit2(cli("code", *args), "is not")


@pytest.mark.parametrize(
    "args",
    [
        ["code", "--segment", "9" * 100_000],
        [
            "audit",
            "data/samples/claims/illustrative_claims.csv",
            "--out",
            "/tmp/f.csv",
            "--map",
            "code=" + "x" * 100_000,
        ],
        ["audit", "data/samples/claims/illustrative_claims.csv", "--out", "/tmp/f.csv", "--map", "y" * 100_000],
        ["render", "--notebook", "03_code_publication.ipynb", "--param", "code=" + '"' + "z" * 100_000 + '"'],
    ],
)
def test_a_huge_value_is_not_echoed_whole(args):
    """Messages echoed 100 kB and 332 kB values into cron logs (issue 22)."""
    err = exit2(cli(*args))
    assert len(err) < 400, len(err)


@pytest.mark.parametrize("value", ["0", "-5", str(2**31)])
@pytest.mark.parametrize("option", ["--chunk-lines", "--memory-mb"])
def test_audit_volume_option_out_of_range(tmp_path, option, value):
    f = tmp_path / "claims.csv"
    f.write_text("claim_id,line_number,date_of_service,hcpcs,units\nC1,1,2026-03-02,96369,1\n")
    field = option[2:].replace("-", "_")
    exit2(cli("audit", str(f), "--out", str(tmp_path / "out.csv"), option, value), field, value)
    assert not (tmp_path / "out.csv").exists()


def test_audit_chunk_lines_default_is_the_audits():
    from infusion.audit.claim_dates import CHUNK_LINES

    assert f"default {CHUNK_LINES})" in " ".join(cli("audit", "--help").stdout.split())


def test_audit_memory_mb_default_is_the_audits():
    from infusion.audit import MEMORY_MB

    assert f"default {MEMORY_MB})" in " ".join(cli("audit", "--help").stdout.split())


def test_audit_with_a_small_memory_budget_writes_the_same_files(tmp_path):
    """40,000 lines (2.4 MB kept) under --memory-mb 1: written out in parts by claim and checked a
    part at a time; every output file is the one of a single pass, and the parts are deleted."""
    f = tmp_path / "claims.csv"
    rows = [
        f"K{i // 3},{i % 3 + 1},2026-03-02,{('96369', '96370', '96370')[i % 3]},{i % 4},,11,professional,Aetna,"
        f"08:{i % 50:02d},{9 + i % 3}:30"
        for i in range(40_000)
    ]
    f.write_text(
        "claim_id,line_number,date_of_service,hcpcs,units,modifiers,pos,claim_type,payer,start_time,stop_time\n"
    )
    with f.open("a") as fh:
        fh.write("\n".join(rows) + "\n")
    spills = tmp_path / "tmp"
    spills.mkdir()
    env = {"TMPDIR": str(spills)}
    one, parts = tmp_path / "one", tmp_path / "parts"
    assert cli("audit", str(f), "--out", str(one / "f.csv"), env=env).returncode == 0
    assert cli("audit", str(f), "--out", str(parts / "f.csv"), "--memory-mb", "1", env=env).returncode == 0
    names = sorted(p.name for p in one.iterdir())
    assert names == sorted(p.name for p in parts.iterdir()) and len(names) == 5  # providers: empty
    assert len((one / "f.csv").read_text().splitlines()) > 1000
    for name in names:
        assert (one / name).read_bytes() == (parts / name).read_bytes(), name
    assert list(spills.iterdir()) == []


@pytest.mark.parametrize("entry", ["claim_id", "claim_id=", "=CLM_ID", " = "])
@pytest.mark.parametrize(
    "command, form",
    [
        (["audit", "data/samples/claims/illustrative_claims.csv"], "CANONICAL=COLUMN"),
        (["rates", "extract", "data/samples/tic/illustrative_aetna_in-network-rates.json"], "ROLE=HEADER"),
    ],
)
def test_a_map_entry_without_both_sides_is_refused_by_either_command(tmp_path, command, form, entry):
    """audit and rates read ``--map`` with one parser: an entry without ``=`` or with an empty side
    is named, with the form expected, before any file is read."""
    out = tmp_path / ("out.csv" if command[0] == "audit" else "out.parquet")
    err = exit2(cli(*command, "--out", str(out), "--map", entry), "map:", repr(entry), form, "for example")
    assert not out.exists() and err
