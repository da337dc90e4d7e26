"""``rates extract`` and ``rates summary``: commercial negotiated rates."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import InputError, shown
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
    res = extract_files(args.files, args.out, codes=codes, jobs=args.jobs, scheduler=args.scheduler,
                        billing_class=args.billing_class, column_map=column_map or None,
                        max_item_mb=args.max_item_mb, file_info=args.file_info)
    for f in res.files:
        if f["status"] == "ok":
            print(f"ok      {f['file']}: {f['rows']} rows ({f['format']}, {f['items_read']} items read, "
                  f"{f['items_matched']} of the requested codes)")
            for why, n in f["not_read"].items():
                print(f"        not read: {n} {why}")
            for w in f["warnings"]:
                print(f"        warning: {w}")
        else:
            print(f"FAILED  {f['error']}", file=sys.stderr)
    print(f"{res.rows} rows from {len(res.files) - len(res.failed)} of {len(res.files)} file(s) -> {res.out}")
    if res.failed:
        print(f"{PROG} rates extract: error: {len(res.failed)} file(s) failed; {res.out} holds the "
              f"others only (see {res.out}.manifest.json)", file=sys.stderr)
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


