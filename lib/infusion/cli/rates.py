"""``rates extract`` and ``rates summary``: commercial negotiated rates."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from ..errors import InputError, shown
from ..escape import terminal
from ._common import PROG, key_value_map

if TYPE_CHECKING:
    from ..rates.providers import ProviderFilter


def cmd_rates_extract(args: argparse.Namespace) -> int:
    from ..rates.extract import extract_files

    codes = [c.strip() for c in args.codes.split(",") if c.strip()]
    if not codes:
        raise InputError("codes", f"{shown(args.codes)} names no code")
    if not 1 <= args.jobs <= 64:
        raise InputError("jobs", f"{args.jobs} is not a number of processes from 1 to 64")
    res = extract_files(
        args.files,
        args.out,
        codes=codes,
        jobs=args.jobs,
        scheduler=args.scheduler,
        billing_class=args.billing_class,
        column_map=key_value_map(args.map, "ROLE=HEADER", 'code="CPT/HCPCS"') or None,
        max_item_mb=args.max_item_mb,
        file_info=args.file_info,
        partial=args.partial,
        plan=args.plan,
        providers=_providers(args.npi, args.tin),
    )
    _print_files(res.files)
    read = len(res.files) - len(res.failed)
    if res.out is not None:
        print(f"{res.rows} rows from {read} of {len(res.files)} file(s) -> {res.out}")
    if res.failed:
        kept = (
            f"{res.out} holds the rows of the {read} file(s) read (see {res.out}.manifest.json); "
            if res.out is not None
            else f"nothing written: {args.out} is as it was; give --partial FILE to write the rows of the {read} "
            "file(s) read; "
        )
        print(
            f"{PROG} rates extract: error: {len(res.failed)} file(s) failed; {kept}{args.out} is written only "
            "when every file is read",
            file=sys.stderr,
        )
        return 2
    return 0


def _providers(npi: str | None, tin: str | None) -> ProviderFilter | None:
    """The providers ``--npi`` and ``--tin`` name (files), None when neither is given."""
    if not (npi or tin):
        return None
    from ..rates.extract import read_provider_list
    from ..rates.providers import ProviderFilter

    return ProviderFilter(
        read_provider_list(npi, "npi") if npi else frozenset(), read_provider_list(tin, "tin") if tin else frozenset()
    )


def _print_files(files: list[dict]) -> None:
    """A line per file read (stdout) or failed (stderr), with what was not read and the warnings;
    names and messages come from the files: one line each, no control characters."""
    for f in files:
        if f["status"] == "ok":
            print(
                terminal(
                    f"ok      {f['file']}: {f['rows']} rows ({f['format']}, {f['items_read']} items read, "
                    f"{f['items_matched']} of the requested codes)",
                    1000,
                )
            )
            for why, n in f["not_read"].items():
                print(terminal(f"        not read: {n} {why}", 1000))
            for w in f["warnings"]:
                print(terminal(f"        warning: {w}", 1000))
        else:
            print(terminal(f"FAILED  {f['error']}", 1000), file=sys.stderr)


def cmd_rates_summary(args: argparse.Namespace) -> int:
    from ..rates.summary import format_summary, rates_file, summarize

    s = summarize(rates_file(args.rates), args.code, args.year)
    if args.json:
        out = {
            "code": s.code,
            "year": s.year,
            "illustrative": s.illustrative,
            "medicare": s.medicare,
            "families": json.loads(s.table.to_json(orient="records")),
            "left_out": json.loads(s.excluded.to_json(orient="records")),
        }
        print(json.dumps(out, indent=2))
    else:
        print(format_summary(s))
    return 0
