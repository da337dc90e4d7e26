"""`extract --scheduler`: the same extraction on a Dask cluster (a local cluster of two workers)."""

from __future__ import annotations

import pandas as pd
from infusion.config import REPO_ROOT
from infusion.rates.extract import extract_files

SAMPLES = REPO_ROOT / "data" / "samples"


def test_extract_on_a_two_worker_local_cluster(tmp_path):
    from dask.distributed import LocalCluster

    files = sorted((SAMPLES / "tic").iterdir()) + sorted((SAMPLES / "hospital").iterdir())
    local = extract_files(files, tmp_path / "local.parquet", jobs=1, progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = extract_files(files, tmp_path / "dask.parquet", scheduler=cluster.scheduler_address, progress=False)
    assert remote.rows == local.rows > 0 and not remote.failed
    order = ["source_file", "billing_code", "rate"]
    a = pd.read_parquet(tmp_path / "local.parquet").sort_values(order).reset_index(drop=True)
    b = pd.read_parquet(tmp_path / "dask.parquet").sort_values(order).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_a_bad_file_on_the_cluster_is_reported(tmp_path):
    from dask.distributed import LocalCluster

    bad = tmp_path / "bad.json"
    bad.write_text('{"in_network": [')
    good = SAMPLES / "tic" / "illustrative_aetna_in-network-rates.json"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        res = extract_files([good, bad], tmp_path / "o.parquet", scheduler=cluster.scheduler_address, progress=False)
    assert [f["status"] for f in res.files] == ["ok", "failed"]
    assert "bad.json" in res.failed[0]["error"]
