"""``code``: an encounter from options or a file, coded, optionally priced."""

from __future__ import annotations

import argparse
import json
import textwrap

from ..coding.drugs import parse_drug
from ..coding.encounter import (
    CLAIM_TYPES,
    PAYERS,
    Encounter,
    Infusion,
    Segment,
    check_time_zones,
    parse_choice,
    parse_date,
    parse_encounter,
    parse_minutes,
    parse_pos,
    parse_pumps,
    parse_segment_arg,
    read_encounter_file,
)
from ..coding.records import CodingResult
from ..errors import InputError
from ..medicare.payment import PricedResult


def _encounter_from_args(args: argparse.Namespace) -> Encounter:
    if args.file:
        given = [
            o
            for o, v in (
                ("--minutes", args.minutes),
                ("--segment", args.segment),
                ("--sites", args.sites),
                ("--drug", args.drug),
                ("--dose", args.dose),
                ("--vial", args.vial),
            )
            if v
        ]
        if given:
            raise InputError("file", f"give either --file or {', '.join(given)}, not both")
        enc = read_encounter_file(args.file)
        return enc
    if (args.dose or args.vial) and not args.drug:
        raise InputError("drug", "--dose and --vial describe a drug: add --drug (product or HCPCS code)")
    date = parse_date(args.date, "date") if args.date else None
    if args.minutes is not None and args.segment:
        raise InputError("minutes", "give either --minutes or --segment, not both")
    if args.minutes is None and not args.segment:
        raise InputError("segment", "no infusion time given: use --minutes N, --segment START-STOP or --file")
    segments: list[Segment]
    if args.minutes is not None:
        segments = [Segment(1, minutes=parse_minutes(args.minutes, "minutes"))]
    else:
        segments = [parse_segment_arg(s, i, date) for i, s in enumerate(args.segment, start=1)]
    sites = None
    if args.sites is not None:
        sites = parse_encounter({"segments": [{"minutes": 1}], "sites": args.sites}).infusions[0].sites
    drug = None
    if args.drug:
        drug = (
            parse_drug({"product": args.drug, "dose": args.dose, "vials": args.vial or None}, "drug")
            if (args.dose or args.vial)
            else parse_drug({"product": args.drug}, "drug")
        )
    enc = Encounter(
        infusions=(Infusion(pumps=parse_pumps(args.pumps, "pumps"), sites=sites, segments=tuple(segments)),),
        drug=drug,
        date=date,
        pos=parse_pos(args.pos, "pos"),
        claim=parse_choice(args.claim, "claim", CLAIM_TYPES),
        payer=parse_choice(args.payer, "payer", PAYERS),
    )
    check_time_zones(enc)
    return enc


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent + "  ")


def _line_sources(detail: object) -> list[str]:
    """The sources a line's payment came from (PFS: RVUs, CF, GPCI; OPPS and ASP: the file)."""
    if isinstance(getattr(detail, "sources", None), tuple):
        return list(detail.sources)  # type: ignore[attr-defined]
    rate = getattr(detail, "rate", None)
    src = getattr(rate, "source", "") or getattr(detail, "source", "")
    return [src] if src else []


def format_result(result: CodingResult, enc: Encounter, priced: PricedResult | None = None) -> str:
    """A readable table of the claim lines with the rationale and the findings under it."""
    head = f"Counted infusion time: {result.total_minutes} min   POS {enc.pos}   {enc.claim} claim   payer {enc.payer}"
    dated = any(line.date for line in result.lines)
    rows: list[tuple[str, ...]] = [
        ("code", "units", "modifiers") + (("date",) if dated else ()) + ("rules",) + (("payment",) if priced else ())
    ]
    for i, line in enumerate(result.lines):
        row: tuple[str, ...] = (line.code, str(line.units), " ".join(line.modifiers) or "-")
        if dated:
            row += (line.date.isoformat() if line.date else "-",)
        row += (" ".join(line.rules),)
        if priced:
            row += (priced.lines[i].text,)
        rows.append(row)
    out = [head, ""]
    if result.lines:
        widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
        for r in rows:
            out.append("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
        if priced:
            out.append(f"total: {priced.total_text}   ({priced.system}, {priced.year})")
            out.append("")
            out.append("Payment sources:")
            shown_src: set[tuple[str, str]] = set()
            for p in priced.lines:
                for src in _line_sources(p.detail):
                    if (p.code, src) not in shown_src:
                        shown_src.add((p.code, src))
                        out.append(_wrap(f"{p.code}: {src}", "  "))
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
    from ..coding.engine import code_encounter

    enc = _encounter_from_args(args)
    pricing = {
        "--year": args.year,
        "--locality": args.locality,
        "--zip": args.zip,
        "--date": args.on,
        "--qp": args.qp or None,
    }
    given = [k for k, v in pricing.items() if v is not None]
    if given and not args.price:
        raise InputError("price", f"{', '.join(given)} only apply when pricing: add --price")
    result = code_encounter(enc)
    priced = None
    if args.price:
        from ..medicare.payment import price_result

        if args.year is None:
            raise InputError("year", "--price needs --year YYYY")
        priced = price_result(
            result, year=args.year, locality=args.locality, zip_code=args.zip, qp=args.qp, date=args.on, claim=enc.claim
        )
    if args.json:
        out = result.to_dict()
        if priced:
            for line, p in zip(out["lines"], priced.lines):
                line["payment"] = p.to_dict()
            out["payment"] = priced.to_dict()
        print(json.dumps(out, indent=2))
    else:
        print(format_result(result, enc, priced))
    return 0
