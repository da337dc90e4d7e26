"""Build ``data/benchmarks/real_rates.parquet``: the rates for 96369-96372 in real hospital files.

Every file listed in ``data/benchmarks/real_rate_files.csv`` (the sidecar: hospital, state, file date,
where it was published, source) is read from ``--files`` (default ``../shared/real-files/hpt``) by the
same reader as ``infusion rates extract``; the table keeps only facts (hospital, state, file date,
payer, plan, their family and line of business, setting, code, amount, the file and column it came
from). ``source_file`` is the file's name; the sidecar gives its address.

Rerun it on your own files with your own sidecar:

    .venv/bin/python scripts/build_real_rates.py --files ~/hospital-files --info my_files.csv \\
        --out data/benchmarks/real_rates.parquet

(``infusion rates extract FILES --file-info my_files.csv --out rates.parquet`` does the same for a
rates file anywhere.) Exit 2 when a listed file is missing or cannot be read: the table is then not
written, the last good one stays.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pandas as pd
from infusion.errors import DataError, InputError
from infusion.rates.extract import FAMILY_CODES, extract_files
from infusion.rates.fileinfo import read_file_info
from infusion.safe_io import atomic_files, atomic_write

ROOT = Path(__file__).resolve().parents[1]


def build(files_dir: Path, info_path: Path, out: Path) -> int:
    info = read_file_info(info_path)
    names = list(dict.fromkeys(i.file for i in info))
    missing = [n for n in names if not (files_dir / n).is_file()]
    if missing:
        print(
            f"build_real_rates: error: {len(missing)} listed file(s) not in {files_dir}: " + ", ".join(missing[:5]),
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / out.name
        res = extract_files(
            [files_dir / n for n in names], staged, codes=FAMILY_CODES, jobs=1, progress=False, file_info=info_path
        )
        if res.failed:
            for f in res.failed:
                print(f"build_real_rates: error: {f['error']}", file=sys.stderr)
            return 2
        df = pd.read_parquet(staged)
        df["source_file"] = df["source_file"].map(lambda s: Path(s).name)
        manifest = staged.with_name(staged.name + ".manifest.json").read_text()
        manifest = manifest.replace(str(files_dir) + "/", "")
        with atomic_files([out]) as (tmp_out,):
            df.to_parquet(tmp_out, index=False)
        atomic_write(out.with_name(out.name + ".manifest.json"), manifest)
    by_file = df.groupby("source_file").size()
    print(f"{len(df)} rows from {len(by_file)} files -> {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--files",
        type=Path,
        default=ROOT.parent / "shared" / "real-files" / "hpt",
        help="folder holding the files the sidecar lists",
    )
    ap.add_argument(
        "--info",
        type=Path,
        default=ROOT / "data" / "benchmarks" / "real_rate_files.csv",
        help="the sidecar CSV (file, hospital_in_file, hospital, state, file_date, address, source)",
    )
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "benchmarks" / "real_rates.parquet")
    args = ap.parse_args(argv)
    try:
        return build(args.files, args.info, args.out)
    except (DataError, InputError) as err:
        print(f"build_real_rates: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
