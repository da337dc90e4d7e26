"""``python -m infusion code`` through a subprocess: output, exit codes, bad input."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.cli


def test_minutes_91_json(run_cli):
    proc = run_cli("code", "--minutes", "91", "--json", check_rc=0)
    out = json.loads(proc.stdout)
    assert out["total_minutes"] == 91
    assert [(ln["code"], ln["units"]) for ln in out["lines"]] == [("96369", 1), ("96370", 1)]
    assert out["lines"][0]["rules"] == ["U-INIT"]
    assert out["lines"][1]["rules"] == ["U-HOUR", "U-ADDON"]
    assert all(ln["rationale"] for ln in out["lines"]) and out["findings"] == []


def test_repeated_segments_and_three_pumps_text_table(run_cli):
    proc = run_cli("code", "--segment", "09:00-10:00", "--segment", "10:15-11:20", "--pumps", "3", check_rc=0)
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("Counted infusion time: 125 min")
    table = {ln.split()[0]: ln.split()[1] for ln in lines[2:6] if ln[:1].isdigit()}
    assert table == {"96369": "1", "96370": "1", "96371": "1"}
    assert "Findings:" in proc.stdout and "gap of 15 min" in proc.stdout


def test_midnight_with_iso_dates(run_cli):
    out = json.loads(run_cli("code", "--segment", "2026-03-01T23:30/2026-03-02T01:05", "--json", check_rc=0).stdout)
    assert out["total_minutes"] == 95


def test_facility_pos_exits_0_with_error_finding(run_cli):
    out = json.loads(run_cli("code", "--minutes", "95", "--pos", "22", "--json", check_rc=0).stdout)
    assert out["lines"] == [] and out["findings"][0]["rule"] == "S-FACILITY"


def test_file_input(run_cli, tmp_path):
    p = tmp_path / "enc.yaml"
    p.write_text("payer: uhc\npumps: 2\nsegments:\n  - {start: 08:00, stop: 10:40}\n")
    out = json.loads(run_cli("code", "--file", str(p), "--json", check_rc=0).stdout)
    assert {ln["code"]: ln["units"] for ln in out["lines"]} == {"96369": 1, "96370": 2, "96371": 1}


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--segment", "22:00-01:30"], "segment 1: stop 01:30 is before start 22:00; give dates"),
        (["--minutes", "abc"], "minutes: 'abc'"),
        (["--minutes", "-5"], "minutes: -5"),
        (["--minutes", "2000"], "minutes: 2000"),
        (["--minutes", "30", "--pumps", "0"], "pumps: 0"),
        (["--minutes", "30", "--pos", "88"], "pos: 88"),
        (["--minutes", "30", "--claim", "dental"], "claim: 'dental'"),
        (["--minutes", "30", "--payer", "kaiser"], "payer: 'kaiser'"),
        (["--segment", "9-10"], "segment 1 start: '9'"),
        (["--segment", "2026-03-01T23:30/2026-03-01T01:05"], "segment 1: stop"),
        (["--file", "/nonexistent/enc.json"], "file: '/nonexistent/enc.json' does not exist"),
        (["--file", "/"], "file: '/' is a directory, not a file"),
        ([], "no infusion time given"),
        (
            ["--minutes", "91", "--zip", "94103", "--date", "2026-02-30"],
            "price: --zip, --date only apply when pricing: add --price",
        ),
        (["--minutes", "30", "--nonsense"], "unrecognized arguments: --nonsense"),
    ],
)
def test_bad_input_exit_2_one_line_no_traceback(run_cli, args, needle):
    proc = run_cli("code", *args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    err = proc.stderr.strip()
    assert "\n" not in err and "Traceback" not in err
    assert needle in err, err


def test_a_file_that_is_not_utf8_exit_2(run_cli, tmp_path):
    p = tmp_path / "enc.yaml"
    p.write_bytes("payer: uhc\nnote: caf\u00e9\n".encode("cp1252"))
    proc = run_cli("code", "--file", str(p), check_rc=2)
    assert proc.stderr.strip().endswith("file: enc.yaml is not UTF-8 text (byte 20: invalid continuation byte)")


# Held-out cases written from the sources of issue 20 (not from the engine): CLI, --json.
@pytest.mark.parametrize(
    "encounter, lines, finding",
    [
        # 100-04 ch. 12 §20.4.2: POS 32 (Part B resident of a nursing facility) is non-facility for Medicare
        ({"pos": "32", "payer": "medicare", "segments": [{"minutes": 95}]}, {"96369": 1, "96370": 1}, None),
        ({"pos": "32", "payer": "aetna", "segments": [{"minutes": 95}]}, {}, ("error", "S-FACILITY")),
        # offsets across the March 2026 clock change: 40 minutes
        ({"segments": [{"start": "2026-03-08T01:30-05:00", "stop": "2026-03-08T03:10-04:00"}]}, {"96369": 1}, None),
        # local times across it: the lower count (40 min) and a warning (issue 29)
        (
            {"date": "2026-03-08", "segments": [{"start": "01:30", "stop": "03:10"}]},
            {"96369": 1},
            ("warning", "T-DATE"),
        ),
        # an inpatient stay: paid by DRG, no line (issue 29)
        (
            {"pos": "21", "claim": "institutional", "payer": "medicare", "segments": [{"minutes": 95}]},
            {},
            ("info", "S-INPATIENT"),
        ),
        # separate infusions: the times added, the other reading named
        (
            {"infusions": [{"segments": [{"minutes": 70}]}, {"segments": [{"minutes": 25}]}]},
            {"96369": 1, "96370": 1, "96371": 1},
            ("info", "T-SUM"),
        ),
        # no stop time: nothing time-based, T-DOC
        ({"segments": [{"start": "09:00"}]}, {}, ("error", "T-DOC")),
        # an institutional claim from an office POS: a warning
        (
            {"pos": "11", "claim": "institutional", "payer": "aetna", "segments": [{"minutes": 95}]},
            {"96369": 1, "96370": 1},
            ("warning", "S-FACILITY"),
        ),
    ],
)
def test_held_out_cases_from_the_sources(run_cli, tmp_path, encounter, lines, finding):
    f = tmp_path / "e.json"
    f.write_text(json.dumps(encounter))
    out = json.loads(run_cli("code", "--file", str(f), "--json", check_rc=0).stdout)
    assert {ln["code"]: ln["units"] for ln in out["lines"]} == lines
    if finding:
        assert list(finding) in [[x["severity"], x["rule"]] for x in out["findings"]]
    assert "Medicare pays it through OPPS" not in json.dumps(out) or encounter.get("payer") == "medicare"


@pytest.mark.parametrize(
    "argv, heavy",
    [
        (["code", "--minutes", "91"], ("pandas", "pyarrow", "numba", "pandera", "importlib.metadata")),
        (
            ["price", "--code", "96370", "--year", "2026"],
            ("pandas", "pyarrow", "numba", "pandera", "importlib.metadata"),
        ),
        (
            ["rates", "extract", "data/samples/tic/illustrative_aetna_in-network-rates.json", "--out", "{out}"],
            ("numba", "yaml", "infusion.coding.encounter"),
        ),
        (
            ["audit", "data/samples/claims/illustrative_claims.csv", "--out", "{out}"],
            ("yaml", "infusion.coding.encounter", "importlib.metadata"),
        ),
    ],
)
def test_the_interactive_paths_load_no_heavy_library(tmp_path, argv, heavy):
    """Issue 17: code and price answer without pandas, pyarrow or numba (nor importlib.metadata: the
    version is looked up for --version only); a small TiC file is scanned without loading numba's
    compiler (the light path; the compiled one is for big files); a command loads its own handler
    only (rates and audit: not the engine's encounter module, nor YAML)."""
    import subprocess
    import sys
    from pathlib import Path

    argv = [a.replace("{out}", str(tmp_path / ("f.csv" if argv[0] == "audit" else "r.parquet"))) for a in argv]
    code = (
        "import sys; from infusion.cli import main; rc = main(%r); "
        "print(rc, sorted(m for m in %r if m in sys.modules))" % (argv, heavy)
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert out.stdout.strip().splitlines()[-1] == "0 []", out.stdout[-300:]
