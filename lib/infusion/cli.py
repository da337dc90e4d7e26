"""Command line: ``python -m infusion code|price ...``.

Exit codes: 0 done (findings or not), 2 invalid input (one line on stderr naming the field and the
value), 1 an unexpected failure (one line; ``INFUSION_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path
from typing import Any, Sequence

from .encounter import (
    CLAIM_TYPES,
    PAYERS,
    Encounter,
    Infusion,
    Segment,
    check_time_zones,
    parse_choice,
    parse_date,
    parse_minutes,
    parse_pos,
    parse_pumps,
    parse_segment_arg,
    read_encounter_file,
)
from .errors import INPUT_FAILURES, InputError, shown
from .paths import check_outputs
from .records import CodingResult

PROG = "python -m infusion"


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


# ----------------------------------------------------------------------------- code


def _encounter_from_args(args: argparse.Namespace) -> Encounter:
    if args.file:
        if args.minutes is not None or args.segment:
            raise InputError("file", "give either --file or --minutes/--segment, not both")
        enc = read_encounter_file(args.file)
        return enc
    date = parse_date(args.date, "date") if args.date else None
    if args.minutes is not None and args.segment:
        raise InputError("minutes", "give either --minutes or --segment, not both")
    if args.minutes is None and not args.segment:
        raise InputError("segment", "no infusion time given: use --minutes N, --segment START-STOP "
                         "or --file")
    segments: list[Segment]
    if args.minutes is not None:
        segments = [Segment(1, minutes=parse_minutes(args.minutes, "minutes"))]
    else:
        segments = [parse_segment_arg(s, i, date) for i, s in enumerate(args.segment, start=1)]
    enc = Encounter(
        infusions=(Infusion(pumps=parse_pumps(args.pumps, "pumps"), segments=tuple(segments)),),
        date=date,
        pos=parse_pos(args.pos, "pos"),
        claim=parse_choice(args.claim, "claim", CLAIM_TYPES),
        payer=parse_choice(args.payer, "payer", PAYERS),
    )
    check_time_zones(enc)
    return enc


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent + "  ")


def format_result(result: CodingResult, enc: Encounter, priced: dict[str, Any] | None = None) -> str:
    """A readable table of the claim lines with the rationale and the findings under it."""
    head = (f"Counted infusion time: {result.total_minutes} min   POS {enc.pos}   "
            f"{enc.claim} claim   payer {enc.payer}")
    rows: list[tuple[str, ...]] = [("code", "units", "modifiers", "rules") + (("payment",) if priced else ())]
    for i, line in enumerate(result.lines):
        row: tuple[str, ...] = (line.code, str(line.units), " ".join(line.modifiers) or "-", " ".join(line.rules))
        if priced:
            row += (priced["lines"][i]["payment_text"],)
        rows.append(row)
    out = [head, ""]
    if result.lines:
        widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
        for r in rows:
            out.append("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
        if priced:
            out.append(f"total: {priced['total_text']}   ({priced['system']}, {priced['year']})")
        out.append("")
        out.append("Why:")
        for line in result.lines:
            out.append(_wrap(f"{line.code}: {line.rationale}", "  "))
    else:
        out.append("No administration line for this claim (see the findings).")
    if result.findings:
        out.append("")
        out.append("Findings:")
        for f in result.findings:
            out.append(_wrap(f"{f.severity.upper()} {f.rule}: {f.message}", "  "))
    return "\n".join(out)


def cmd_code(args: argparse.Namespace) -> int:
    from .engine import code_encounter

    enc = _encounter_from_args(args)
    pricing = {"--year": args.year, "--locality": args.locality, "--zip": args.zip, "--date": args.on,
               "--qp": args.qp or None}
    given = [k for k, v in pricing.items() if v is not None]
    if given and not args.price:
        raise InputError("price", f"{', '.join(given)} only apply when pricing: add --price")
    result = code_encounter(enc)
    priced = None
    if args.price:
        from .payment import price_result

        if args.year is None:
            raise InputError("year", "--price needs --year YYYY")
        priced = price_result(result, year=args.year, locality=args.locality, zip_code=args.zip,
                              qp=args.qp, date=args.on, claim=enc.claim)
    if args.json:
        out = result.to_dict()
        if priced:
            for line, p in zip(out["lines"], priced["lines"]):
                line["payment"] = p["payment"]
            out["payment"] = {k: v for k, v in priced.items() if k != "lines"}
        print(json.dumps(out, indent=2))
    else:
        print(format_result(result, enc, priced))
    return 0


# ----------------------------------------------------------------------------- price


def cmd_price(args: argparse.Namespace) -> int:
    from .payment import opps_payment, payment

    units = _positive_int(args.units, "units") if args.units is not None else 1
    result = payment(args.code, args.year, units=units, locality=args.locality, zip=args.zip,
                     qp=args.qp, date=args.on)
    if not result.available:
        if args.json:
            print(json.dumps(result.to_dict(), indent=2))
        raise InputError(result.missing or "year", f"data not available: {result.reason}")
    # the other system: a hospital outpatient department bills the same code on an institutional claim
    opps = opps_payment(result.code, args.year, units)
    if args.json:
        print(json.dumps({**result.to_dict(), "opps": opps}, indent=2))
        return 0
    print("Office, professional claim: Medicare physician fee schedule")
    print(result.describe())
    print()
    print("Hospital outpatient, institutional claim: Medicare OPPS (national Addendum B rate, not wage-adjusted)")
    if opps["amount"] is not None:
        print(f"{result.code} x{units}, {args.year}, edition {opps['edition']}, status indicator {opps['si']}, "
              f"APC {opps['apc']}")
        note = f" ({opps['note']})" if opps["note"] else ""
        print(f"  per unit ${opps['payment_rate']:,.2f}   amount ${opps['amount']:,.2f}{note}")
        print(f"  source: {opps['source']}")
    else:
        print(f"  data not available ({opps['why']})")
    return 0


# ----------------------------------------------------------------------------- parser


def _add_price_location(p: argparse.ArgumentParser) -> None:
    p.add_argument("--locality", help="MAC-LOCALITY, e.g. 01112-05 (San Francisco)")
    p.add_argument("--zip", help="five-digit ZIP code, mapped to its locality (CMS ZIP5 file)")
    p.add_argument("--qp", action="store_true",
                   help="2026: qualifying APM participant conversion factor")
    p.add_argument("--date", dest="on", help="date of service YYYY-MM-DD (2024 has two CF periods)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Subcutaneous infusion coding and Medicare payment.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    code = sub.add_parser("code", help="code an infusion encounter into claim lines",
                          description="Code a subcutaneous infusion encounter: claim lines with "
                          "rule ids and rationale, and findings.")
    code.add_argument("--minutes", help="one segment of N minutes")
    code.add_argument("--segment", action="append", default=[],
                      help="START-STOP as HH:MM-HH:MM (or 9:30 AM-11:05 AM), or ISO datetimes joined by / "
                      "(2026-03-01T23:30/2026-03-02T01:05); repeatable, same infusion and pump")
    code.add_argument("--pumps", default="1", help="pump set-ups, each with new site(s) (default 1)")
    code.add_argument("--pos", default="11", help="place of service (default 11, office)")
    code.add_argument("--claim", default="professional", help="professional|institutional")
    code.add_argument("--payer", default="other", help="|".join(PAYERS))
    code.add_argument("--encounter-date", dest="date", help="encounter date YYYY-MM-DD")
    code.add_argument("--file", help="encounter.json or .yaml (a whole encounter)")
    code.add_argument("--json", action="store_true", help="machine-readable output")
    code.add_argument("--price", action="store_true", help="add Medicare PFS payment per line")
    code.add_argument("--year", type=_year, help="fee schedule year for --price")
    _add_price_location(code)
    code.set_defaults(func=cmd_code)

    price = sub.add_parser("price", help="Medicare payment of a code: fee schedule and OPPS",
                           description="Medicare payment for a code and year, with its sources: the "
                           "physician fee schedule (office, professional claim; non-facility, by "
                           "locality) and OPPS (hospital outpatient, institutional claim; national rate).")
    price.add_argument("--code", required=True, help="HCPCS/CPT code, e.g. 96370")
    price.add_argument("--units", help="units (default 1)")
    price.add_argument("--year", required=True, type=_year, help="fee schedule year")
    price.add_argument("--json", action="store_true", help="machine-readable output")
    _add_price_location(price)
    price.set_defaults(func=cmd_price)

    rates = sub.add_parser("rates", help="commercial negotiated rates from price-transparency files")
    rsub = rates.add_subparsers(dest="rates_command", required=True, parser_class=_Parser)
    ext = rsub.add_parser("extract", help="read TiC / hospital files into one Parquet table",
                          description="Stream payers' Transparency in Coverage in-network files "
                          "(.json, .json.gz), hospital standard-charge files (CMS template CSV v2/v3 "
                          "tall or wide, JSON v2/v3) and older hospital chargemasters (CSV, xlsx: "
                          "gross, cash and payer columns named in a header row) and keep the rates "
                          "and charges of the requested codes.")
    ext.add_argument("files", nargs="+", help="input files")
    ext.add_argument("--codes", default="96369,96370,96371,96372", help="comma-separated codes")
    ext.add_argument("--out", required=True, help="output Parquet file")
    ext.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                     help="files read in parallel (processes)")
    ext.add_argument("--scheduler", help="Dask scheduler address (tcp://host:8786) to run on a cluster")
    ext.add_argument("--billing-class", choices=("professional", "institutional"),
                     help="billing class of hospital rows whose file gives none (default: institutional, "
                     "or professional for a physician group's file)")
    ext.add_argument("--map", action="append", default=[],
                     help="ROLE=HEADER for a chargemaster's column (roles code, gross, cash, payer:NAME), "
                     "e.g. code=\"Service ID\" (repeatable)")
    ext.add_argument("--max-item-mb", type=int, default=64,
                     help="the largest single JSON item read, in MB (default 64; memory stays within "
                     "about 3x this per file read)")
    ext.set_defaults(func=cmd_rates_extract)
    summ = rsub.add_parser("summary", help="percentiles per payer family and %% of Medicare")
    summ.add_argument("--code", required=True)
    summ.add_argument("--rates", default=str(Path("data") / "benchmarks" / "sample_rates.parquet"),
                      help="Parquet from `rates extract` (default: the illustrative sample)")
    summ.add_argument("--year", type=_year, default=2026, help="Medicare reference year")
    summ.add_argument("--json", action="store_true")
    summ.set_defaults(func=cmd_rates_summary)

    aud = sub.add_parser("audit", help="check claim lines for 96369-96372 against the rules",
                         description="Audit a claims extract (CSV, Parquet, a spreadsheet or an X12 837): "
                         "findings per line, a summary by rule and payer, the share of lines with findings "
                         "by payer and by provider, dollars at risk, and a rejects file.")
    aud.add_argument("claims", help="claims file (.csv, plain or compressed; .parquet; .xlsx, .xls, .ods ...; "
                     "an X12 837P/837I)")
    aud.add_argument("--out", required=True, help="findings file (.csv or .parquet)")
    aud.add_argument("--rejects", help="rejects file (default: OUT with .rejects)")
    aud.add_argument("--summary", action="store_true",
                     help="print the summary by rule and payer and the share of lines with findings by payer "
                     "and by provider")
    aud.add_argument("--map", action="append", default=[],
                     help="CANONICAL=COLUMN for another layout, e.g. code=HCPCS_CD (repeatable)")
    aud.add_argument("--not-patient-data", action="append", default=[], metavar="COLUMN",
                     help="a column whose name says it can identify a patient (Subscriber ID ...) but which "
                     "holds none, so that --map may name it (repeatable)")
    aud.add_argument("--block-mb", type=int, default=16,
                     help="CSV read in blocks of this many MB (memory in flight; default 16)")
    aud.add_argument("--encoding", default="utf-8",
                     help="text encoding of a CSV file (default utf-8, or UTF-16 when the file starts "
                     "with its byte-order mark; cp1252 for many Windows extracts)")
    aud.add_argument("--sheet", default=None,
                     help="the sheet of a spreadsheet (xlsx, xlsm, xlsb, xls, ods) to read (default: the first)")
    aud.set_defaults(func=cmd_audit)

    render = sub.add_parser("render", help="render notebooks into HTML reports (papermill)")
    render.add_argument("--all", action="store_true", help="the publications and the benchmark report")
    render.add_argument("--year", type=_year, default=2026)
    render.add_argument("--config", help="a schedule YAML of jobs")
    render.add_argument("--force", action="store_true", help="render even when nothing changed")
    render.add_argument("--notebook", help="one notebook in notebooks/")
    render.add_argument("--param", action="append", default=[], help="NAME=VALUE (JSON values)")
    render.add_argument("--output", help="HTML file name in reports/")
    render.set_defaults(func=cmd_render)
    return parser


# ----------------------------------------------------------------------------- rates


def cmd_rates_extract(args: argparse.Namespace) -> int:
    from .rates.extract import extract_files

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
                        max_item_mb=args.max_item_mb)
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
    from .rates.summary import format_summary, summarize

    s = summarize(args.rates, args.code, args.year)
    if args.json:
        out = {"code": s.code, "year": s.year, "illustrative": s.illustrative, "medicare": s.medicare,
               "families": json.loads(s.table.to_json(orient="records")),
               "left_out": json.loads(s.excluded.to_json(orient="records"))}
        print(json.dumps(out, indent=2))
    else:
        print(format_summary(s))
    return 0


# ----------------------------------------------------------------------------- audit


def cmd_audit(args: argparse.Namespace) -> int:
    import pandas as pd

    from .audit import audit, describe_source, output_paths, write_outputs

    mapping = {}
    for kv in args.map:
        if "=" not in kv:
            raise InputError("map", f"{shown(kv)} is not CANONICAL=COLUMN (for example code=HCPCS_CD)")
        k, v = kv.split("=", 1)
        mapping[k.strip()] = v.strip()
    check_outputs(output_paths(args.out, args.rejects), [args.claims])  # before the audit, not after it
    res = audit(args.claims, mapping, block_mb=args.block_mb, progress=sys.stderr.isatty(),
                encoding=args.encoding, sheet=args.sheet, not_patient=tuple(args.not_patient_data))
    if res.source_kind == "x12":
        print(f"notice: {', '.join(res.dropped_phi)} were skipped, never kept", file=sys.stderr)
    elif res.dropped_phi:
        how = ("left out (parsed with the sheet, never kept)" if res.source_kind == "spreadsheet"
               else "not read")
        print(f"notice: {len(res.dropped_phi)} column(s) that can identify patients were {how}: "
              f"{', '.join(res.dropped_phi)}", file=sys.stderr)
    for note in res.notes:
        print(f"notice: {note}", file=sys.stderr)
    if res.by_record:
        print("notice: malformed rows held quotes (values in quotes may hold line breaks): the file was "
              "read again record by record; rejects give data rows, file lines are not known", file=sys.stderr)
    elif res.quoted_breaks:
        print("notice: values in quotes hold line breaks: rejects give data rows, file lines are not known",
              file=sys.stderr)
    out = write_outputs(res, args.out, args.rejects)
    print(describe_source(args.claims, res))  # says ILLUSTRATIVE for the repository's samples
    print(res.accounting())
    by_provider = f"; by provider -> {out['providers']}" if len(res.by_provider) else ""
    print(f"{len(res.findings)} finding(s) -> {out['findings']}; rejects -> {out['rejects']}; "
          f"summary -> {out['summary']}; by payer -> {out['payers']}{by_provider} ({res.seconds:.1f} s)")
    if args.summary:
        money = (lambda v: "data not available" if v != v else f"{v:,.2f}")  # NaN: no Medicare price
        s = res.summary.copy()
        s["dollars_at_risk"] = s["dollars_at_risk"].map(money)
        print(s.to_string(index=False) if len(s) else "no findings")
        for table, most in ((res.by_payer, None), (res.by_provider, 20)):
            p = table.copy()
            if not len(p):
                continue
            if most is not None and len(p) > most + 1:  # the providers with the largest shares, and the total
                p = pd.concat([p.iloc[:-1].sort_values(["share_with_findings", "lines_with_findings"],
                                                       ascending=False).head(most), p.iloc[-1:]])
                print(f"\n{most} of {len(table) - 1} providers, largest share with findings first:", end="")
            p["dollars_at_risk"] = p["dollars_at_risk"].map(money)
            p["share_with_findings"] = p["share_with_findings"].map(lambda v: "" if v != v else f"{v:.1%}")
            print()
            print(p.to_string(index=False))
    return 0


# ----------------------------------------------------------------------------- render


def cmd_render(args: argparse.Namespace) -> int:
    from .render import Job, default_jobs, render_jobs, validate_job

    if args.config:
        from .schedule import run_schedule

        return run_schedule(args.config, force=args.force)
    if args.all:
        jobs = default_jobs(args.year)
    else:
        if not args.notebook:
            raise InputError("notebook", "give --all, --config FILE or --notebook NB")
        params = {}
        for kv in args.param:
            if "=" not in kv:
                raise InputError("param", f"{shown(kv)} is not NAME=VALUE")
            k, v = kv.split("=", 1)
            params[k.strip()] = _param_value(v)
        out = args.output or (Path(args.notebook).stem + ".html")
        jobs = [validate_job(Job(args.notebook, params, out), "render")]
    from .safe_io import LockedError
    from .schedule import EXIT_LOCKED

    try:
        failures = render_jobs(jobs)
    except LockedError as err:
        print(f"{PROG} render: {err}", file=sys.stderr)
        return EXIT_LOCKED
    if failures:
        print(f"{PROG} render: error: {len(failures)} of {len(jobs)} report(s) failed; the last good "
              "copies were kept", file=sys.stderr)
        return 1
    return 0


MAX_UNITS = 9999  # a claim line's unit count: four digits on the CMS-1500 (item 24G)


def _positive_int(text: str, field: str, maximum: int = MAX_UNITS) -> int:
    t = str(text).strip()
    if not (t.isascii() and t.isdigit()) or len(t) > 9:
        raise InputError(field, f"{shown(text)} is not a whole number from 1 to {maximum:,}")
    n = int(t)
    if n < 1:
        raise InputError(field, f"{n} is not a positive number")
    if n > maximum:
        raise InputError(field, f"{n:,} is more than {maximum:,}")
    return n


def _param_value(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return text


def _year(text: str) -> int:
    if not (text.strip().isascii() and text.strip().isdigit()) or len(text.strip()) != 4:
        raise argparse.ArgumentTypeError(f"year: {shown(text)} is not a four-digit year")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except INPUT_FAILURES as err:
        print(f"{PROG} {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into head
        return 0
    except Exception as err:  # noqa: BLE001 - the CLI never shows a traceback by default
        if os.environ.get("INFUSION_DEBUG"):
            raise
        print(f"{PROG} {args.command}: internal error: {type(err).__name__}: {err} "
              "(set INFUSION_DEBUG=1 for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
