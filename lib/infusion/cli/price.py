"""``price``: Medicare payment of a code, fee schedule and OPPS."""

from __future__ import annotations

import argparse
import json

from ..errors import InputError, shown


def cmd_price(args: argparse.Namespace) -> int:
    from ..medicare.payment import opps_payment, payment

    units = _positive_int(args.units, "units") if args.units is not None else 1
    result = payment(args.code, args.year, units=units, locality=args.locality, zip=args.zip, qp=args.qp, date=args.on)
    if not result.available:
        if args.json:
            print(json.dumps(result.to_dict(), indent=2))
        raise InputError(result.missing or "year", f"data not available: {result.reason}")
    # the other system: a hospital outpatient department bills the same code on an institutional claim
    opps = opps_payment(result.code, args.year, units)
    if args.json:
        print(json.dumps({**result.to_dict(), "opps": opps.to_dict()}, indent=2))
        return 0
    print("Office, professional claim: Medicare physician fee schedule")
    print(result.describe())
    print()
    print("Hospital outpatient, institutional claim: Medicare OPPS (national Addendum B rate, not wage-adjusted)")
    o = opps.rate
    if opps.amount is not None and o.payment_rate is not None:
        print(f"{result.code} x{units}, {args.year}, edition {o.edition}, status indicator {o.si}, APC {o.apc}")
        note = f" ({opps.note})" if opps.note else ""
        print(f"  per unit ${o.payment_rate:,.2f}   amount ${opps.amount:,.2f}{note}")
        print(f"  source: {o.source}")
    else:
        print(f"  data not available ({opps.why})")
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
