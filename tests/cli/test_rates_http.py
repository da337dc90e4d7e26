"""`rates extract` over HTTP: URLs and index files served on 127.0.0.1, with faults.

The server serves the project's illustrative TiC files and the CMS example in-network file with an
ETag and byte ranges; a path prefix adds a fault to every request for the whole file (a resumed
request, with a range, is served): ``/drop/`` closes the connection half-way, ``/err500/`` answers
500 twice, ``/slow/`` stalls past the client's read timeout; ``/redirect/`` sends a 302,
``/badlen/`` declares a Content-Length 100 bytes longer than the body. Recovered
faults give the same rows as the file read from disk; the others are reported for that file.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest
from infusion.rates import fetch
from infusion.rates.extract import extract_files
from shared_files import SHARED

ROOT = Path(__file__).resolve().parents[2]
TIC = ROOT / "data" / "samples" / "tic"
CMS = SHARED / "reference-formats" / "tic" / "in-network-rates-fee-for-service-single-plan-sample.json"


class _Handler(BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    hits: dict[str, int] = {}

    def log_message(self, *args) -> None:  # quiet
        pass

    def _body(self, name: str) -> bytes | None:
        return self.files.get(name)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head=True)

    def do_GET(self) -> None:  # noqa: N802
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        parts = self.path.strip("/").split("/", 1)
        fault, name = (parts[0], parts[1]) if len(parts) == 2 else ("files", parts[0])
        key = f"{fault}/{name}"
        self.hits[key] = self.hits.get(key, 0) + (0 if head else 1)
        n = self.hits[key]
        body = self._body(name)
        if fault == "redirect":
            self.send_response(302)
            self.send_header("Location", f"/files/{name}")
            self.end_headers()
            return
        if body is None:
            self.send_error(404)
            return
        ranged = bool(self.headers.get("Range"))
        if fault == "err500" and not head and not ranged and n % 3 != 0:  # each whole-file GET: 500 twice
            self.send_error(500)
            return
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        start = 0
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0])
            if start >= len(body):
                self.send_error(416)
                return
        self.send_response(206 if start else 200)
        self.send_header("ETag", etag)
        self.send_header("Accept-Ranges", "bytes")
        length = len(body) - start + (100 if fault == "badlen" else 0)
        self.send_header("Content-Length", str(length))
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.end_headers()
        if head:
            return
        chunk = body[start:]
        if fault == "drop" and not ranged:  # every whole-file GET drops half-way; a range is served
            self.wfile.write(chunk[: len(chunk) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if fault == "slow" and not ranged:  # every whole-file GET stalls; a range is served
            self.wfile.write(chunk[:100])
            self.wfile.flush()
            time.sleep(2.5)  # past the client's read timeout
            self.close_connection = True
            return
        self.wfile.write(chunk)
        if fault == "badlen":
            self.close_connection = True


@pytest.fixture
def server(monkeypatch):
    files = {p.name: p.read_bytes() for p in TIC.iterdir()}
    files["cms.json"] = CMS.read_bytes()
    _Handler.files, _Handler.hits = files, {}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(fetch, "TIMEOUT", (2.0, 1.0))  # a stall of 2.5 s is a timeout
    monkeypatch.setattr(fetch, "RETRIES", 4)
    monkeypatch.setattr(fetch.HttpStream.__init__, "__defaults__", (4, 0.05, (2.0, 1.0)))
    yield f"http://127.0.0.1:{httpd.server_address[1]}", files
    httpd.shutdown()


def _rows(path: Path) -> pd.DataFrame:
    df = pd.read_parquet(path).drop(columns=["source_file"])
    return df.sort_values(list(df.columns[:6])).reset_index(drop=True)


@pytest.mark.parametrize("fault", ["files", "drop", "err500", "redirect", "slow"])
def test_a_fault_the_client_recovers_from_gives_the_rows_of_the_file(server, tmp_path, fault):
    base, _ = server
    name = "illustrative_cigna_in-network-rates.json"
    local = extract_files([str(TIC / name)], tmp_path / "local.parquet", jobs=1, progress=False)
    res = extract_files([f"{base}/{fault}/{name}"], tmp_path / "url.parquet", jobs=1, progress=False)
    assert res.out is not None and res.rows == local.rows > 0
    pd.testing.assert_frame_equal(_rows(tmp_path / "url.parquet"), _rows(tmp_path / "local.parquet"))
    entry = json.loads((tmp_path / "url.parquet.manifest.json").read_text())["files"][0]
    assert entry["fetch"]["bytes_read"] == (TIC / name).stat().st_size and entry["fetch"]["etag"]
    assert (entry["fetch"]["retries"] > 0) == (fault in ("drop", "err500", "slow"))


def test_faults_it_cannot_recover_from_are_that_files_failure(server, tmp_path):
    base, _ = server
    good = f"{base}/files/illustrative_aetna_in-network-rates.json"
    res = extract_files(
        [good, f"{base}/badlen/illustrative_cigna_in-network-rates.json", f"{base}/files/nope.json"],
        tmp_path / "r.parquet",
        jobs=1,
        progress=False,
        partial=tmp_path / "partial.parquet",
    )
    status = {f["file"].rsplit("/", 2)[-2]: (f["status"], f.get("error", "")) for f in res.files}
    assert status["files"][0] in ("ok", "failed") and res.out == tmp_path / "partial.parquet"
    assert status["badlen"][0] == "failed" and "HTTP 416" in status["badlen"][1]
    assert [f for f in res.files if f["file"].endswith("nope.json")][0]["error"].count("HTTP 404") == 1
    assert not (tmp_path / "r.parquet").exists()  # the last good table is never replaced by a partial run


def test_an_index_url_is_extracted_end_to_end_and_an_unchanged_file_is_not_read_again(server, tmp_path):
    base, files = server
    listed = [
        "drop/illustrative_cigna_in-network-rates.json",
        "err500/illustrative_aetna_in-network-rates.json",
        "redirect/illustrative_bcbs_in-network-rates.json.gz",
        "files/cms.json",
    ]
    index = {
        "reporting_entity_name": "ILLUSTRATIVE payer",
        "reporting_entity_type": "health insurance issuer",
        "reporting_structure": [
            {
                "reporting_plans": [
                    {
                        "plan_name": "ILLUSTRATIVE Gold PPO",
                        "plan_id": "111",
                        "plan_id_type": "ein",
                        "plan_market_type": "group",
                    }
                ],
                "in_network_files": [{"description": "in-network", "location": f"/{x}"} for x in listed[:3]],
            },
            {
                "reporting_plans": [
                    {"plan_name": "Other plan", "plan_id": "222", "plan_id_type": "ein", "plan_market_type": "group"}
                ],
                "in_network_files": [{"description": "cms", "location": f"{base}/{listed[3]}"}],
            },
        ],
    }
    files["index.json"] = json.dumps(index).encode()
    out = tmp_path / "rates.parquet"
    res = extract_files([f"{base}/files/index.json"], out, jobs=1, progress=False, codes=("96369", "96370", "27447"))
    assert [f["file"] for f in res.files] == [f"{base}/{x}" for x in listed]  # the manifest names every file
    assert all(f["status"] == "ok" for f in res.files) and res.out == out
    meta = json.loads((tmp_path / "rates.parquet.manifest.json").read_text())
    assert meta["indexes"] == [{"index": f"{base}/files/index.json", "plan": None, "in_network_files": 4}]
    rows = pd.read_parquet(out)
    assert set(rows["billing_code"]) >= {"96369", "27447"}
    # --plan keeps the files of matching plans only
    gold = extract_files(
        [f"{base}/files/index.json"], tmp_path / "gold.parquet", jobs=1, progress=False, plan="gold ppo"
    )
    assert len(gold.files) == 3
    # a second run: the ETags are unchanged, nothing is downloaded again, the same rows
    before = dict(_Handler.hits)
    again = extract_files([f"{base}/files/index.json"], out, jobs=1, progress=False, codes=("96369", "96370", "27447"))
    got = {k: _Handler.hits[k] - before.get(k, 0) for k in _Handler.hits if _Handler.hits[k] != before.get(k, 0)}
    assert got == {"files/index.json": 2}  # the index itself (sniffed, then listed); no in-network file
    assert all(f.get("reused") for f in again.files) and again.rows == res.rows


def test_urls_are_read_by_the_workers_of_a_local_dask_cluster(server, tmp_path):
    """``--scheduler local``: URLs go to the workers of a local cluster; one that cannot be read (a
    404) is that file's failure, the others are read and give the rows they give here."""
    base, _ = server
    names = ["illustrative_aetna_in-network-rates.json", "illustrative_bcbs_in-network-rates.json.gz"]
    urls = [f"{base}/drop/{names[0]}", f"{base}/files/{names[1]}", f"{base}/files/nope.json"]
    res = extract_files(
        urls, tmp_path / "r.parquet", scheduler="local", jobs=2, progress=False, partial=tmp_path / "partial.parquet"
    )
    assert [f["status"] for f in res.files] == ["ok", "ok", "failed"] and "HTTP 404" in res.files[2]["error"]
    local = extract_files([str(TIC / n) for n in names], tmp_path / "local.parquet", jobs=1, progress=False)
    assert res.rows == local.rows > 0
    pd.testing.assert_frame_equal(_rows(tmp_path / "partial.parquet"), _rows(tmp_path / "local.parquet"))


def _expected_rows(path: Path, codes: set[str], keep_ref) -> int:
    """Rows a provider filter must keep, counted from the JSON itself."""
    doc = json.loads(path.read_text())
    refs = {r["provider_group_id"]: r for r in doc["provider_references"] if keep_ref(r)}
    return sum(
        len(nr["negotiated_prices"])
        for item in doc["in_network"]
        if item["billing_code"] in codes
        for nr in item["negotiated_rates"]
        if any(i in refs for i in nr.get("provider_references", []))
    )


def test_an_npi_or_tin_list_keeps_only_those_providers_rates(tmp_path, run_cli):
    from infusion.rates.extract import read_provider_list
    from infusion.rates.providers import ProviderFilter

    f = TIC / "illustrative_aetna_in-network-rates.json"
    codes = {"96369", "96370", "96371", "96372"}
    doc = json.loads(f.read_text())
    npi = str(doc["provider_references"][0]["provider_groups"][0]["npi"][0])
    tin = doc["provider_references"][1]["provider_groups"][0]["tin"]["value"]
    npis, tins = tmp_path / "npi.txt", tmp_path / "tin.csv"
    npis.write_text(f"npi\n# our clinic\n{npi}\n")
    tins.write_text(f"tin,name\n{tin},ILLUSTRATIVE\n")
    by_npi = extract_files(
        [str(f)],
        tmp_path / "a.parquet",
        jobs=1,
        progress=False,
        providers=ProviderFilter(read_provider_list(npis, "npi")),
    )
    want = _expected_rows(f, codes, lambda r: any(int(npi) in g["npi"] for g in r["provider_groups"]))
    every = _expected_rows(f, codes, lambda r: True)
    assert 0 < by_npi.rows == want < every
    assert by_npi.files[0]["not_read"]["rate of providers not in the NPI/TIN list"] == every - want
    by_tin = extract_files(
        [str(f)],
        tmp_path / "b.parquet",
        jobs=1,
        progress=False,
        providers=ProviderFilter(tin=read_provider_list(tins, "tin")),
    )
    assert (
        0
        < by_tin.rows
        == _expected_rows(f, codes, lambda r: any(g["tin"]["value"] == tin for g in r["provider_groups"]))
    )
    # a bad list is exit 2 naming the option, the line and the value
    npis.write_text("1234567890\n12345\n")
    proc = run_cli("rates", "extract", str(f), "--out", str(tmp_path / "c.parquet"), "--npi", str(npis))
    assert proc.returncode == 2 and "npi: npi.txt line 2: '12345' is not a 10-digit NPI" in proc.stderr
