"""``audit``: claim lines checked against the rules; outputs and the printed summary."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ..config import check_outputs
from ._common import key_value_map

if TYPE_CHECKING:
    from ..audit import AuditResult


def cmd_audit(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..audit import audit, describe_source, output_paths, write_outputs
    from ..audit.memory import one_heap

    mapping = key_value_map(args.map, "CANONICAL=COLUMN", "code=HCPCS_CD")
    check_outputs(output_paths(args.out, args.rejects), [args.claims])  # before the audit, not after it
    chunk = {} if args.chunk_lines is None else {"chunk_lines": args.chunk_lines}  # else the audit's defaults
    if args.memory_mb is not None:
        chunk["memory_mb"] = args.memory_mb
    with one_heap():  # the audit and its output files (audit() alone enters it too)
        res = audit(
            args.claims,
            mapping,
            block_mb=args.block_mb,
            progress=sys.stderr.isatty(),
            encoding=args.encoding,
            sheet=args.sheet,
            not_patient=tuple(args.not_patient_data),
            **chunk,
        )
        _notices(res)
        out = write_outputs(res, args.out, args.rejects)
    print(describe_source(args.claims, res))  # says ILLUSTRATIVE for the repository's samples
    print(res.accounting())
    by_provider = f"; by provider -> {out['providers']}" if len(res.by_provider) else ""
    print(
        f"{len(res.findings)} finding(s) -> {out['findings']}; rejects -> {out['rejects']}; "
        f"summary -> {out['summary']}; by payer -> {out['payers']}{by_provider} ({res.seconds:.1f} s)"
    )
    if args.summary:
        money = lambda v: "data not available" if v != v else f"{v:,.2f}"  # NaN: no Medicare price
        s = res.summary.copy()
        s["dollars_at_risk"] = s["dollars_at_risk"].map(money)
        print(s.to_string(index=False) if len(s) else "no findings")
        for table, most in ((res.by_payer, None), (res.by_provider, 20)):
            p = table.copy()
            if not len(p):
                continue
            if most is not None and len(p) > most + 1:  # the providers with the largest shares, and the total
                p = pd.concat(
                    [
                        p.iloc[:-1]
                        .sort_values(["share_with_findings", "lines_with_findings"], ascending=False)
                        .head(most),
                        p.iloc[-1:],
                    ]
                )
                print(f"\n{most} of {len(table) - 1} providers, largest share with findings first:", end="")
            p["dollars_at_risk"] = p["dollars_at_risk"].map(money)
            p["share_with_findings"] = p["share_with_findings"].map(lambda v: "" if v != v else f"{v:.1%}")
            print()
            print(p.to_string(index=False))
    return 0


def _notices(res: AuditResult) -> None:
    """What the audit left out or read in a second way, on stderr."""
    if res.source_kind == "x12":
        print(f"notice: {', '.join(res.dropped_phi)} were skipped, never kept", file=sys.stderr)
    elif res.dropped_phi:
        how = "left out (parsed with the sheet, never kept)" if res.source_kind == "spreadsheet" else "not read"
        print(
            f"notice: {len(res.dropped_phi)} column(s) that can identify patients were {how}: "
            f"{', '.join(res.dropped_phi)}",
            file=sys.stderr,
        )
    for note in res.notes:
        print(f"notice: {note}", file=sys.stderr)
    if res.by_record:
        print(
            "notice: malformed rows held quotes (values in quotes may hold line breaks): the file was "
            "read again record by record; rejects give data rows, file lines are not known",
            file=sys.stderr,
        )
    elif res.quoted_breaks:
        print(
            "notice: values in quotes hold line breaks: rejects give data rows, file lines are not known",
            file=sys.stderr,
        )
