"""Issue 28, hostile input round three: each item with a test that failed on the code before it.

Items: 2 (a failed run keeps the last good table), 3 (no patient value out), 4 (bombs: memory under
1 GB, each file's own clear failure), 6 (workers and temporary files end with their process),
7 (silent wrong answers become refusals or notices), 8 (exit 2, never 1), 10 (terminal, data folder).
Items 1, 5 and 9 (reports and schedules) are in ``tests/reports/test_hostile_reports.py``.
"""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from infusion.audit import audit, write_outputs
from infusion.errors import InputError
from shared_files import SHARED
from x12_text import x12_file

ROOT = Path(__file__).resolve().parents[2]
HEADER = "claim_id,line_number,date_of_service,code,units,modifiers,payer,provider\n"
MB = 1 << 20


def _cli(*args: str, env: dict | None = None, cwd: Path = ROOT, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "infusion", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


# the peak resident memory of this process since it started (VmHWM: ru_maxrss would carry the
# test process's own peak, copied at fork and kept across exec)
MEASURED = (
    "import re, sys; from infusion.cli import main; rc = main(sys.argv[1:]); "
    "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1); "
    "print('RSS', hwm, file=sys.stderr); sys.exit(rc)"
)


def _measured(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    """The CLI in a fresh process, and its peak memory in MB."""
    proc = subprocess.run(
        [sys.executable, "-c", MEASURED, *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    rss = int(proc.stderr.rsplit("RSS", 1)[1]) / 1024
    return proc, rss


# ---------------------------------------------------------------- 2. a failed run keeps the last table


def test_a_failed_extract_never_replaces_the_last_good_table(tmp_path):
    good = SHARED / "reference-formats" / "tic" / "in-network-rates-fee-for-service-single-plan-sample.json"
    out = tmp_path / "r.parquet"
    assert _cli("rates", "extract", str(good), "--codes", "27447", "--out", str(out)).returncode == 0
    before = out.read_bytes(), (tmp_path / "r.parquet.manifest.json").read_bytes()
    trunc = tmp_path / "truncated.json.gz"
    trunc.write_bytes(gzip.compress(good.read_bytes())[:300])
    for files in ([trunc], [good, trunc]):  # wholly failed, and partly failed
        proc = _cli("rates", "extract", *map(str, files), "--codes", "27447", "--out", str(out))
        assert proc.returncode == 2 and "nothing written" in proc.stderr, proc.stderr
        assert (out.read_bytes(), (tmp_path / "r.parquet.manifest.json").read_bytes()) == before
    proc = _cli(
        "rates",
        "extract",
        str(good),
        str(trunc),
        "--codes",
        "27447",
        "--out",
        str(out),
        "--partial",
        str(tmp_path / "partial.parquet"),
    )
    assert proc.returncode == 2 and out.read_bytes() == before[0]
    assert len(pd.read_parquet(tmp_path / "partial.parquet")) == 3  # the good file's rows, where asked


# ---------------------------------------------------------------- 3. no patient value out


def test_patient_values_in_read_columns_never_reach_an_output(tmp_path, capfd):
    p = tmp_path / "claims.csv"
    p.write_text(
        HEADER
        + "QUIXOTE ZEPHYRINA,1,2026-03-02,96369,1,ZEPHYRINA,ZEPHYRINA QUIXOTE MBR998877665,DOE JANE\n"
        + "123-45-6789,1,2026-03-02,96370,1,123-45-6789,Aetna,1234567893\n"
        + "C77,JONES,2026-03-02,96370,1,XS,Blue Cross Blue Shield,Infusion Clinic\n"
    )
    res = audit(p)
    outs = write_outputs(res, tmp_path / "f.csv")
    texts = "".join(Path(f).read_text() for f in outs.values())
    texts += res.findings.to_string() + res.by_payer.to_string() + res.by_provider.to_string()
    for value in ("ZEPHYRINA", "QUIXOTE", "MBR998877665", "123-45-6789", "JONES", "DOE JANE"):
        assert value not in texts, value
    assert "claim#" in texts and "payer#" in texts and "provider#" in texts  # digests, stable within the run
    assert {"Aetna", "Blue Cross Blue Shield"} <= set(res.by_payer["payer"])  # known payers as written
    assert {"1234567893", "Infusion Clinic"} <= set(res.by_provider["provider"])
    assert "C77" in set(res.findings["claim_id"])
    messages = " ".join(res.findings["message"])
    assert "is not a modifier" in messages and "not shown" in messages  # the modifier described, not quoted


def test_an_837_clm01_and_modifier_holding_patient_data_are_not_written(tmp_path):
    text = x12_file(["96369", "96370"]).replace("CLM*", "CLM*SMITH JOHN 19500101", 1)
    text = text.replace("HC:96370", "HC:96370:MBR998877665", 1)
    p = tmp_path / "c.837"
    p.write_text(text)
    res = audit(p)
    written = res.findings.to_string() + res.rejected.to_string()
    assert "SMITH" not in written and "19500101" not in written and "MBR998877665" not in written
    assert len(res.findings) and all(c.startswith("claim#") for c in res.findings["claim_id"])


# ---------------------------------------------------------------- 4. bombs


def _gz_csv(path: Path, cell: bytes, column: str) -> Path:
    with gzip.open(path, "wb", compresslevel=1) as fh:
        fh.write(HEADER.replace(",provider", ",provider,notes").encode())
        row = {"payer": b"C1,1,2026-03-02,96370,1,,%s,P1,x\n", "notes": b"C1,1,2026-03-02,96370,1,,Aetna,P1,%s\n"}
        fh.write(row[column].replace(b"%s", cell))
        fh.write(b"C2,1,2026-03-02,96370,1,,Aetna,P1,x\n")
    return path


@pytest.mark.parametrize("column", ["payer", "notes"])  # a read column, and one never read
def test_a_value_bomb_in_a_csv_is_refused_in_bounded_memory(tmp_path, column):
    f = _gz_csv(tmp_path / "bomb.csv.gz", b"a" * (96 * MB), column)
    assert f.stat().st_size < 1 * MB
    proc, rss = _measured("audit", str(f), "--out", str(tmp_path / "f.csv"))
    assert proc.returncode == 2 and "a record longer than 32 MB" in proc.stderr, proc.stderr
    assert rss < 1024, rss


def test_a_parquet_whose_dictionary_holds_a_huge_value_is_refused(tmp_path):
    ids = pa.DictionaryArray.from_arrays(pa.array([0] * 20, pa.int32()), pa.array(["a" * (64 * MB)]))
    t = pa.table(
        {
            "claim_id": ids,
            "line_number": list(range(20)),
            "date_of_service": ["2026-03-02"] * 20,
            "code": ["96370"] * 20,
            "units": [1] * 20,
        }
    )
    pq.write_table(t, tmp_path / "bomb.parquet", compression="zstd")
    assert (tmp_path / "bomb.parquet").stat().st_size < 2 * MB  # decoded as text: 20 x 64 MB
    proc, rss = _measured("audit", str(tmp_path / "bomb.parquet"), "--out", str(tmp_path / "f.csv"))
    assert proc.returncode == 2 and "column 'claim_id' holds a value of" in proc.stderr, proc.stderr
    assert rss < 1024, rss


def _xlsx(path: Path, sheet_xml: str, shared: str | None = None) -> Path:
    ct = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    )
    rel = (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{}" '
        'Target="{}"/></Relationships>'
    )
    wb = (
        '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        '<sheet name="Lines" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", rel.format("officeDocument", "xl/workbook.xml"))
        z.writestr("xl/workbook.xml", wb)
        z.writestr("xl/_rels/workbook.xml.rels", rel.format("worksheet", "worksheets/sheet1.xml"))
        z.writestr(
            "xl/worksheets/sheet1.xml",
            '<?xml version="1.0"?><worksheet '
            'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            + sheet_xml
            + "</sheetData></worksheet>",
        )
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", shared)
    return path


def test_spreadsheets_that_would_abort_their_reader_are_refused_before_it(tmp_path):
    far = _xlsx(
        tmp_path / "far.xlsx",
        '<row r="1"><c r="A1" t="inlineStr"><is><t>claim_id</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
    )
    assert far.stat().st_size < 4000
    proc, rss = _measured("audit", str(far), "--out", str(tmp_path / "f.csv"))
    assert proc.returncode == 2 and "spans 1,048,576 rows x 16,384 columns" in proc.stderr, proc.stderr
    shared = _xlsx(
        tmp_path / "shared.xlsx",
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
        + "a" * (40 * MB)
        + "</t></si></sst>",
    )
    proc2, rss2 = _measured("audit", str(shared), "--out", str(tmp_path / "g.csv"))
    assert proc2.returncode == 2 and "shared strings unpack to" in proc2.stderr, proc2.stderr
    assert max(rss, rss2) < 1024
    # the same bound in rates extract: the file's failure, the good file's rows kept
    good = SHARED / "reference-formats" / "tic" / "in-network-rates-fee-for-service-single-plan-sample.json"
    proc3 = _cli(
        "rates",
        "extract",
        str(far),
        str(good),
        "--codes",
        "27447",
        "--jobs",
        "2",
        "--out",
        str(tmp_path / "r.parquet"),
        "--partial",
        str(tmp_path / "p.parquet"),
    )
    assert proc3.returncode == 2 and "far.xlsx: sheet 'sheet1' spans" in proc3.stderr, proc3.stderr
    assert len(pd.read_parquet(tmp_path / "p.parquet")) == 3 and "internal error" not in proc3.stderr


def test_a_worker_that_dies_fails_its_file_alone(tmp_path, monkeypatch):
    """A reader that kills its process (an abort, the kernel's OOM killer) broke the whole pool:
    ``internal error: BrokenProcessPool`` and no rows. Now that file alone fails."""
    import infusion.rates.extract as ext

    good = SHARED / "reference-formats" / "tic" / "in-network-rates-fee-for-service-single-plan-sample.json"
    bomb = tmp_path / "bomb.json"
    bomb.write_bytes(good.read_bytes())
    real = ext._guarded

    def guarded(path, codes, on_read, options):
        if Path(path).name == "bomb.json":
            os._exit(134)  # as python-calamine's abort did
        return real(path, codes, on_read, options)

    monkeypatch.setattr(ext, "_guarded", guarded)  # the workers are forked: they see it
    again = tmp_path / "again.json"
    again.write_bytes(good.read_bytes())
    res = ext.extract_files(
        [good, bomb, again],
        tmp_path / "r.parquet",
        codes=["27447"],
        jobs=2,
        progress=False,
        partial=tmp_path / "p.parquet",
    )
    status = [(Path(f["file"]).name, f["status"]) for f in res.files]
    assert status[1] == ("bomb.json", "failed") and status[0][1] == status[2][1] == "ok"
    assert "the process reading it died" in res.files[1]["error"]
    assert res.rows == 6 and res.out == tmp_path / "p.parquet"


# ---------------------------------------------------------------- 6. processes and temporary files


def test_sigterm_removes_the_temporary_files_of_an_audit(tmp_path):
    claims = tmp_path / "c.csv"
    claims.write_text(HEADER + "C1,1,2026-03-02,96370,1,,Aetna,P1\n")
    script = (
        "import sys, time, pathlib; import infusion.audit.outputs as o; real = o.spreadsheet_safe; calls = []\n"
        "def slow(df):\n"
        "    calls.append(1)\n"
        "    if len(calls) == 2:  # the first output is written to its temporary name: wait there\n"
        "        pathlib.Path(sys.argv[-1] + '.writing').touch(); time.sleep(30)\n"
        "    return real(df)\n"
        "o.spreadsheet_safe = slow\n"
        "from infusion.cli import main; sys.exit(main(sys.argv[1:-1]))"
    )
    out = tmp_path / "f.csv"
    proc = subprocess.Popen(
        [sys.executable, "-c", script, "audit", str(claims), "--out", str(out), str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not Path(str(out) + ".writing").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(tmp_path.glob(".f*.tmp"))  # the outputs are being written
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM and "terminated" in err
    assert not list(tmp_path.glob(".*.tmp")) and not out.exists()


def test_extract_workers_end_with_their_parent(tmp_path):
    marker = f"infusion-test-{os.getpid()}-{time.time_ns()}"
    files = []
    for i in range(2):
        f = tmp_path / f"f{i}.json"
        f.write_text('{"reporting_entity_name": "x", "in_network": []}')
        files.append(str(f))
    script = (
        "import sys, time; import infusion.rates.extract as e\n"
        "def slow(*a, **k):\n    time.sleep(120)\n"
        "e._guarded = slow\nfrom infusion.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, "rates", "extract", *files, "--jobs", "2", "--out", str(tmp_path / "r.parquet")],
        cwd=ROOT,
        env={**os.environ, "INFUSION_TEST_MARK": marker},
    )

    def marked() -> list[int]:
        pids = []
        for d in Path("/proc").iterdir():
            if d.name.isdigit() and int(d.name) != proc.pid:
                try:
                    if marker.encode() in (d / "environ").read_bytes():
                        pids.append(int(d.name))
                except OSError:
                    pass
        return pids

    deadline = time.monotonic() + 60
    while len(marked()) < 3 and time.monotonic() < deadline:  # the manager and two workers
        time.sleep(0.2)
    assert len(marked()) >= 2
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 20
    while marked() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert marked() == []


# ---------------------------------------------------------------- 7. silent wrong answers


def test_two_code_columns_and_a_repeated_header_are_refused_by_name(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("claim_id,line_number,date_of_service,CPT Code,HCPCS,units\nC1,1,2026-03-02,99213,96370,1\n")
    with pytest.raises(
        InputError,
        match=r"code: two columns could hold the code: 'HCPCS' and 'CPT Code'; "
        r".*--map code",
    ):
        audit(p)
    assert len(audit(p, {"code": "HCPCS"}).findings)  # chosen by a map: read
    p.write_text("claim_id,line_number,date_of_service,code,code,units\nC1,1,2026-03-02,99213,96370,1\n")
    with pytest.raises(InputError, match="names the column 'code' 2 times"):
        audit(p)


def test_a_stray_quote_is_refused_naming_its_line_not_swallowing_the_file(tmp_path):
    rows = [f"C{i},1,2026-03-02,96372,1,,Aetna,P1" for i in range(2000)]
    rows[999] = rows[999].replace(",Aetna,", ',"Aetna,')
    p = tmp_path / "c.csv"
    p.write_text(HEADER + "\n".join(rows) + "\n")
    with pytest.raises(InputError, match="a quote opens a value on line 1,001 and is never closed"):
        audit(p)
    with pytest.raises(InputError, match="line 1,001"):
        audit(p, block_mb=1)


def test_two_services_in_one_lx_loop_are_two_lines_and_a_notice(tmp_path):
    text = x12_file(["96369", "96370"])
    sv1 = next(s for s in text.split("~") if s.strip().startswith("SV1*HC:96369"))
    lx = text.index("LX*2")  # the 96370 line's loop: a second service put into the first loop
    one_loop = text[:lx] + text[lx:].replace("LX*2~", "", 1)
    assert one_loop.count("LX*") == text.count("LX*") - 1
    p = tmp_path / "c.837"
    p.write_text(one_loop)
    res = audit(p)
    assert res.lines_checked == 2 and "U-ADDON" not in set(res.findings["rule"])
    assert any("holds a second SV1" in n for n in res.notes), res.notes
    assert sv1  # the file has the 96369 service the old reader overwrote


def test_an_837_whose_terminator_is_a_letter_is_refused(tmp_path):
    text = x12_file(["96369"])
    p = tmp_path / "c.837"
    p.write_text(text.replace("~", "Q"))
    with pytest.raises(InputError, match="gives 'Q' as the segment terminator"):
        audit(p)


# ---------------------------------------------------------------- 8. exit 2, never 1


@pytest.mark.parametrize("encoding", ["base64", "rot13", "zlib", "hex", "uu", "bz2", "punycode", "undefined"])
def test_an_encoding_that_is_not_one_of_text_is_exit_2(tmp_path, encoding):
    p = tmp_path / "c.csv"
    p.write_text(HEADER + "C1,1,2026-03-02,96370,1,,Aetna,P1\n")
    proc = _cli("audit", str(p), "--out", str(tmp_path / "f.csv"), "--encoding", encoding)
    assert proc.returncode == 2 and "encoding: " in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr


def test_block_mb_and_out_of_range_parquet_dates(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text(HEADER + "C1,1,2026-03-02,96370,1,,Aetna,P1\n")
    proc = _cli("audit", str(p), "--out", str(tmp_path / "f.csv"), "--block-mb", "100000000")
    assert proc.returncode == 2 and "block_mb: 100000000 is not a number of megabytes" in proc.stderr
    for arr in (pa.array([10**15], type=pa.timestamp("s")), pa.array([2**31 - 1], type=pa.date32())):
        t = pa.table({"claim_id": ["C1"], "line_number": [1], "date_of_service": arr, "code": ["96370"], "units": [1]})
        pq.write_table(t, tmp_path / "d.parquet")
        res = audit(tmp_path / "d.parquet")
        assert res.rejects == 1 and "bad date_of_service" in res.rejected["reason"][0]


@pytest.mark.parametrize(
    "column, value, says",
    [
        ("payer_name", ["a"], "is 'VARCHAR[]', not text"),
        ("payer_family", {"x": 1}, "not text"),
        ("provider_groups", "x", "not a whole number"),
    ],
)
def test_rates_summary_of_columns_of_the_wrong_type_is_exit_2(tmp_path, column, value, says):
    df = pd.read_parquet(ROOT / "data" / "benchmarks" / "real_rates.parquet")
    df[column] = [value] * len(df)
    df.to_parquet(tmp_path / "r.parquet")
    proc = _cli("rates", "summary", "--code", "96369", "--rates", str(tmp_path / "r.parquet"))
    assert proc.returncode == 2 and says in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr


def _data_copy(tmp_path: Path) -> Path:
    import shutil

    d = tmp_path / "data"
    shutil.copytree(ROOT / "data", d, ignore=shutil.ignore_patterns("samples", "scenarios", "benchmarks"))
    return d


@pytest.mark.parametrize(
    "damage, says",
    [
        ("dir", "data/medicare/pfs_rvu.csv is not a regular file"),
        ("binary", "pfs_rvu.csv"),
        ("inf", "pfs_rvu.csv line"),
        ("regex", "payer_names.csv line 2: column 'pattern': not a regular expression"),
        ("zip", "zip_locality.parquet is not a readable Parquet table"),
        ("fifo", "data/medicare/pfs_rvu.csv is not a regular file"),
    ],
)
def test_a_damaged_data_folder_is_exit_2_naming_the_file(tmp_path, damage, says):
    d = _data_copy(tmp_path)
    rvu = d / "medicare" / "pfs_rvu.csv"
    if damage == "dir":
        rvu.unlink()
        rvu.mkdir()
    elif damage == "binary":
        rvu.write_bytes(bytes(range(256)) * 100)
    elif damage == "inf":
        lines = rvu.read_text().splitlines()
        head = lines[0].split(",")
        row = lines[1].split(",")
        row[head.index("work_rvu")] = "inf"
        rvu.write_text("\n".join([lines[0], ",".join(row)] + lines[2:]) + "\n")
    elif damage == "regex":
        t = d / "reference" / "payer_names.csv"
        lines = t.read_text().splitlines()
        lines[1] = lines[1].replace("out[- ]?of", "(out[- ]?of", 1)
        t.write_text("\n".join(lines) + "\n")
    elif damage == "zip":
        (d / "medicare" / "zip_locality.parquet").write_bytes(b"PAR1" + os.urandom(4000) + b"PAR1")
    elif damage == "fifo":
        rvu.unlink()
        os.mkfifo(rvu)
    env = {"INFUSION_DATA_DIR": str(d), "INFUSION_CACHE_DIR": "off"}
    if damage == "regex":  # the audit names each claim's payer (is it traditional Medicare?)
        claims = tmp_path / "c.csv"
        claims.write_text(HEADER + "C1,1,2026-03-02,96370,1,,Medicare,P1\n")
        proc = _cli("audit", str(claims), "--out", str(tmp_path / "f.csv"), env=env, timeout=60)
    elif damage == "zip":
        proc = _cli("price", "--code", "96370", "--year", "2026", "--zip", "94103", env=env, timeout=60)
    else:
        proc = _cli("price", "--code", "96370", "--year", "2026", env=env, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert says in proc.stderr and "Traceback" not in proc.stderr and "$inf" not in proc.stdout


# ---------------------------------------------------------------- 10. the terminal


def test_control_characters_from_a_file_never_reach_the_terminal(tmp_path):
    esc = "\x1b[2J\x1b[31mFORGED\rok      fake.json: 99 rows"
    doc = (
        '{"reporting_entity_name": "x", "in_network": [{"billing_code": "96370", "billing_code_type": "CPT", '
        '"negotiation_arrangement": "ffs", "name": "x", "negotiated_rates": [{"provider_references": [7], '
        '"negotiated_prices": [{"negotiated_type": "negotiated", "negotiated_rate": 10, "expiration_date": '
        '"9999-12-31", "billing_class": "professional"}]}]}], "provider_references": [{"provider_group_id": 7, '
        '"location": "http://x/' + esc.replace("\\", "\\\\").encode("unicode_escape").decode() + '"}]}'
    )
    f = tmp_path / "t.json"
    f.write_text(doc)
    proc = _cli("rates", "extract", str(f), "--codes", "96370", "--out", str(tmp_path / "r.parquet"))
    for stream in (proc.stdout, proc.stderr):
        assert "\x1b" not in stream and "\r" not in stream
    assert proc.stdout.count("\n") == len(proc.stdout.splitlines())


def test_an_error_message_is_one_line_whatever_the_input(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Lines"
    wb.active.append(["claim_id"])
    wb.save(tmp_path / "c.xlsx")
    proc = _cli(
        "audit",
        str(tmp_path / "c.xlsx"),
        "--out",
        str(tmp_path / "f.csv"),
        "--sheet",
        'x\nTraceback (most recent call last):\n  File "evil"' + "y" * 5000,
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and len(proc.stderr) < 2100
    assert "\nTraceback" not in proc.stderr


def test_an_org_name_with_markup_or_an_escape_is_a_digest():
    from infusion.redact import show_org

    assert show_org("<b>Health Plan</b>").startswith("payer#")
    assert show_org("Health Plan\x1b[31m").startswith("payer#")
    assert show_org("Brown & Toland Health") == "Brown & Toland Health"


def test_the_digest_of_a_value_is_stable_within_a_run_and_keyed():
    from infusion.redact import digest

    assert digest("JONES", "claim") == digest("JONES", "claim") != digest("JONESX", "claim")
    assert digest("JONES", "claim").startswith("claim#") and "JONES" not in digest("JONES", "claim")
