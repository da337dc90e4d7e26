"""``rates extract`` and ``rates summary``: commercial negotiated rates."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import InputError, shown
from ..escape import terminal
from ._common import PROG


def cmd_rates_extract(args: argparse.Namespace) -> int:
    from ..rates.extract import extract_files

    codes = [c.strip() for c in args.codes.split(",") if c.strip()]
    if not codes:
        raise InputError("codes", f"{shown(args.codes)} names no code")
    if not 1 <= args.jobs <= 64:
        raise InputError("jobs", f"{args.jobs} is not a number of processes from 1 to 64")
    column_map = {}
    for m in args.map:
        role, sep, header = m.partition("=")
        if not sep or not role.strip() or not header.strip():
            raise InputError("map", f"{shown(m)} is not ROLE=HEADER (e.g. code=\"CPT/HCPCS\")")
        column_map[role.strip()] = header.strip()
    from ..rates.extract import read_provider_list
    from ..rates.providers import ProviderFilter

    providers = None
    if args.npi or args.tin:
        providers = ProviderFilter(read_provider_list(args.npi, "npi") if args.npi else frozenset(),
                                   read_provider_list(args.tin, "tin") if args.tin else frozenset())
    res = extract_files(args.files, args.out, codes=codes, jobs=args.jobs, scheduler=args.scheduler,
                        billing_class=args.billing_class, column_map=column_map or None,
                        max_item_mb=args.max_item_mb, file_info=args.file_info, partial=args.partial,
                        plan=args.plan, providers=providers)
    for f in res.files:  # names and messages come from the files: one line each, no control characters
        if f["status"] == "ok":
            print(terminal(f"ok      {f['file']}: {f['rows']} rows ({f['format']}, {f['items_read']} items read, "
                           f"{f['items_matched']} of the requested codes)", 1000))
            for why, n in f["not_read"].items():
                print(terminal(f"        not read: {n} {why}", 1000))
            for w in f["warnings"]:
                print(terminal(f"        warning: {w}", 1000))
        else:
            print(terminal(f"FAILED  {f['error']}", 1000), file=sys.stderr)
    read = len(res.files) - len(res.failed)
    if res.out is not None:
        print(f"{res.rows} rows from {read} of {len(res.files)} file(s) -> {res.out}")
    if res.failed:
        kept = (f"{res.out} holds the rows of the {read} file(s) read (see {res.out}.manifest.json); "
                if res.out is not None else
                f"nothing written: {args.out} is as it was; give --partial FILE to write the rows of the {read} "
                "file(s) read; ")
        print(f"{PROG} rates extract: error: {len(res.failed)} file(s) failed; {kept}{args.out} is written only "
              "when every file is read", file=sys.stderr)
        return 2
    return 0


def cmd_rates_summary(args: argparse.Namespace) -> int:
    from ..rates.summary import format_summary, rates_file, summarize

    s = summarize(rates_file(args.rates), args.code, args.year)
    if args.json:
        out = {"code": s.code, "year": s.year, "illustrative": s.illustrative, "medicare": s.medicare,
               "families": json.loads(s.table.to_json(orient="records")),
               "left_out": json.loads(s.excluded.to_json(orient="records"))}
        print(json.dumps(out, indent=2))
    else:
        print(format_summary(s))
    return 0


