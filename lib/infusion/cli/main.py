"""The parser and ``main``: exit 0 done, 2 invalid input (one line naming the field), 1 a bug."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable
from importlib import import_module
from typing import Sequence

import infusion

from ..coding.choices import CLAIM_TYPES, PAYERS
from ..errors import INPUT_FAILURES, shown
from ..escape import terminal
from ._common import PROG


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _add_price_location(p: argparse.ArgumentParser) -> None:
    p.add_argument("--locality", help="MAC-LOCALITY, e.g. 01112-05 (San Francisco)")
    p.add_argument("--zip", help="five-digit ZIP code, mapped to its locality (CMS ZIP5 file)")
    p.add_argument("--qp", action="store_true", help="2026: qualifying APM participant conversion factor")
    p.add_argument("--date", dest="on", help="date of service YYYY-MM-DD (2024 has two CF periods)")


class _Version(argparse.Action):
    """``--version``: the package's version, looked up only when asked (``importlib.metadata`` and the
    lookup cost 15-40 ms that every other command would pay)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(
            option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0, help="show the version and exit"
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        print(f"{PROG} {infusion.__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The command line: one sub-parser per command, each built by its own function below."""
    parser = _Parser(prog=PROG, description="Subcutaneous infusion coding and Medicare payment.")
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in (_add_code, _add_price, _add_rates, _add_audit, _add_render):
        add(sub)
    return parser


def _add_code(sub: argparse._SubParsersAction) -> None:
    """``code``: an encounter into claim lines."""
    code = sub.add_parser(
        "code",
        help="code an infusion encounter into claim lines",
        description="Code a subcutaneous infusion encounter: claim lines with rule ids and rationale, and findings.",
    )
    code.add_argument("--minutes", help="one segment of N minutes")
    code.add_argument(
        "--segment",
        action="append",
        default=[],
        help="START-STOP as HH:MM-HH:MM (or 9:30 AM-11:05 AM), or ISO datetimes joined by / "
        "(2026-03-01T23:30/2026-03-02T01:05); repeatable, same infusion and pump",
    )
    code.add_argument("--pumps", default="1", help="pump set-ups, each with new site(s) (default 1)")
    code.add_argument("--sites", help="sites fed by the pump (one pump: still one 96369)")
    code.add_argument("--drug", help="the drug: product or HCPCS code (Hizentra, J1559) for the drug line")
    code.add_argument("--dose", help="the dose given, with its unit (10.25 g, 500 mg)")
    code.add_argument(
        "--vial", action="append", default=[], help="a vial opened, with its size (10 g); repeatable, or '2 x 1 g'"
    )
    code.add_argument("--pos", default="11", help="place of service (default 11, office)")
    code.add_argument("--claim", default="professional", help="|".join(CLAIM_TYPES))
    code.add_argument("--payer", default="other", help="|".join(PAYERS))
    code.add_argument("--encounter-date", dest="date", help="encounter date YYYY-MM-DD")
    code.add_argument("--file", help="encounter.json or .yaml (a whole encounter)")
    code.add_argument("--json", action="store_true", help="machine-readable output")
    code.add_argument("--price", action="store_true", help="add Medicare PFS payment per line")
    code.add_argument("--year", type=_year, help="fee schedule year for --price")
    _add_price_location(code)
    code.set_defaults(handler=("code", "cmd_code"))


def _add_price(sub: argparse._SubParsersAction) -> None:
    """``price``: Medicare payment of a code."""
    price = sub.add_parser(
        "price",
        help="Medicare payment of a code: fee schedule and OPPS",
        description="Medicare payment for a code and year, with its sources: the "
        "physician fee schedule (office, professional claim; non-facility, by "
        "locality) and OPPS (hospital outpatient, institutional claim; national rate).",
    )
    price.add_argument("--code", required=True, help="HCPCS/CPT code, e.g. 96370")
    price.add_argument("--units", help="units (default 1)")
    price.add_argument("--year", required=True, type=_year, help="fee schedule year")
    price.add_argument("--json", action="store_true", help="machine-readable output")
    _add_price_location(price)
    price.set_defaults(handler=("price", "cmd_price"))


def _add_rates(sub: argparse._SubParsersAction) -> None:
    """``rates extract`` and ``rates summary``."""
    rates = sub.add_parser("rates", help="commercial negotiated rates from price-transparency files")
    rsub = rates.add_subparsers(dest="rates_command", required=True, parser_class=_Parser)
    _add_rates_extract(rsub)
    _add_rates_summary(rsub)


def _add_rates_extract(rsub: argparse._SubParsersAction) -> None:
    """``rates extract``: the rates of the codes asked for, from payers' and hospitals' files."""
    ext = rsub.add_parser(
        "extract",
        help="read TiC / hospital files into one Parquet table",
        description="Stream payers' Transparency in Coverage in-network files "
        "(.json, .json.gz), hospital standard-charge files (CMS template CSV v2/v3 "
        "tall or wide, JSON v2/v3) and older hospital chargemasters (CSV, xlsx: "
        "gross, cash and payer columns named in a header row) and keep the rates "
        "and charges of the requested codes.",
    )
    ext.add_argument(
        "files",
        nargs="+",
        help="input files or http(s) URLs; an index (table-of-contents) file stands for the in-network files it lists",
    )
    ext.add_argument(
        "--npi",
        metavar="FILE",
        help="keep only the rates of providers with one of these NPIs (a "
        "file, one per line or the first CSV column); payers' in-network files",
    )
    ext.add_argument("--tin", metavar="FILE", help="keep only the rates of providers with one of these TINs (EINs)")
    ext.add_argument(
        "--plan",
        help="with an index file: only the in-network files of plans whose name, id, sponsor or EIN holds this text",
    )
    ext.add_argument("--codes", default="96369,96370,96371,96372", help="comma-separated codes")
    ext.add_argument("--out", required=True, help="output Parquet file")
    ext.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="files read in parallel (processes)")
    ext.add_argument(
        "--scheduler",
        help="run on Dask: a scheduler address (tcp://host:8786), or local (a local "
        "cluster of --jobs worker processes)",
    )
    _add_extract_file_options(ext)
    ext.set_defaults(handler=("rates", "cmd_rates_extract"))


def _add_extract_file_options(ext: argparse.ArgumentParser) -> None:
    """``rates extract``'s options on what the files hold or leave out, and on a failed file."""
    ext.add_argument(
        "--billing-class",
        choices=("professional", "institutional"),
        help="billing class of hospital rows whose file gives none (default: institutional, "
        "or professional for a physician group's file)",
    )
    ext.add_argument(
        "--map",
        action="append",
        default=[],
        help="ROLE=HEADER for a chargemaster's column (roles code, gross, cash, payer:NAME), "
        'e.g. code="Service ID" (repeatable)',
    )
    ext.add_argument(
        "--max-item-mb",
        type=int,
        default=64,
        help="the largest single JSON item read, in MB (default 64; memory stays within about 3x this per file read)",
    )
    ext.add_argument(
        "--partial",
        metavar="PARQUET",
        help="when a file fails, write the rows of the files that were read here (OUT itself is "
        "written only when every file was read, so the last good table is never replaced)",
    )
    ext.add_argument(
        "--file-info",
        metavar="CSV",
        help="facts the files may not state (hospital, state, file date, where published): a CSV "
        "with columns file,hospital_in_file,hospital,state,file_date,address,source "
        "(see data/benchmarks/real_rate_files.csv)",
    )


def _add_rates_summary(rsub: argparse._SubParsersAction) -> None:
    """``rates summary``: percentiles per payer family."""
    summ = rsub.add_parser("summary", help="percentiles per payer family and %% of Medicare")
    summ.add_argument("--code", required=True)
    summ.add_argument(
        "--rates",
        help="Parquet from `rates extract` (default: the real hospital rates shipped in "
        "data/benchmarks/real_rates.parquet; 'illustrative' for the generated sample)",
    )
    summ.add_argument("--year", type=_year, default=2026, help="Medicare reference year")
    summ.add_argument("--json", action="store_true")
    summ.set_defaults(handler=("rates", "cmd_rates_summary"))


def _add_audit(sub: argparse._SubParsersAction) -> None:
    """``audit``: claim lines against the rules."""
    aud = sub.add_parser(
        "audit",
        help="check claim lines for 96369-96372 against the rules",
        description="Audit a claims extract (CSV, Parquet, a spreadsheet or an X12 837): "
        "findings per line, a summary by rule and payer, the share of lines with findings "
        "by payer and by provider, dollars at risk, and a rejects file.",
    )
    aud.add_argument(
        "claims", help="claims file (.csv, plain or compressed; .parquet; .xlsx, .xls, .ods ...; an X12 837P/837I)"
    )
    aud.add_argument("--out", required=True, help="findings file (.csv or .parquet)")
    aud.add_argument("--rejects", help="rejects file (default: OUT with .rejects)")
    aud.add_argument(
        "--summary",
        action="store_true",
        help="print the summary by rule and payer and the share of lines with findings by payer and by provider",
    )
    aud.add_argument(
        "--map",
        action="append",
        default=[],
        help="CANONICAL=COLUMN for another layout, e.g. code=HCPCS_CD (repeatable)",
    )
    aud.add_argument(
        "--not-patient-data",
        action="append",
        default=[],
        metavar="COLUMN",
        help="a column whose name says it can identify a patient (Subscriber ID ...) but which "
        "holds none, so that --map may name it (repeatable)",
    )
    _add_audit_volume(aud)
    aud.add_argument(
        "--encoding",
        default="utf-8",
        help="text encoding of a CSV file (default utf-8, or UTF-16 when the file starts "
        "with its byte-order mark; cp1252 for many Windows extracts)",
    )
    aud.add_argument(
        "--sheet",
        default=None,
        help="the sheet of a spreadsheet (xlsx, xlsm, xlsb, xls, ods) to read (default: the first)",
    )
    aud.set_defaults(handler=("audit", "cmd_audit"))


def _add_audit_volume(aud: argparse.ArgumentParser) -> None:
    """The audit's options of memory: blocks read, lines checked at a time, lines held."""
    aud.add_argument(
        "--block-mb", type=int, default=16, help="CSV read in blocks of this many MB (memory in flight; default 16)"
    )
    aud.add_argument(
        "--chunk-lines",
        type=int,
        default=None,
        help="claims checked this many lines at a time, whole claims (the checks' memory grows "
        "with it; default 500000)",
    )
    aud.add_argument(
        "--memory-mb",
        type=int,
        default=None,
        help="MB of memory for the lines read and checked; past half of it they are written to temporary "
        "files (TMPDIR) in parts by claim and checked a part at a time, with the same findings (default 1024)",
    )


def _add_render(sub: argparse._SubParsersAction) -> None:
    """``render``: notebooks into HTML reports."""
    render = sub.add_parser("render", help="render notebooks into HTML reports (papermill)")
    render.add_argument("--all", action="store_true", help="the publications and the benchmark report")
    render.add_argument("--year", type=_year, default=2026)
    render.add_argument("--config", help="a schedule YAML of jobs")
    render.add_argument("--force", action="store_true", help="render even when nothing changed")
    render.add_argument("--notebook", help="one notebook in notebooks/")
    render.add_argument("--param", action="append", default=[], help="NAME=VALUE (JSON values)")
    render.add_argument("--output", help="HTML file name in reports/")
    render.set_defaults(handler=("render", "cmd_render"))


def _year(text: str) -> int:
    if not (text.strip().isascii() and text.strip().isdigit()) or len(text.strip()) != 4:
        raise argparse.ArgumentTypeError(f"year: {shown(text)} is not a four-digit year")
    return int(text)


class _Terminated(BaseException):
    """SIGTERM or SIGHUP: raised where the program is, so that every ``finally`` runs (temporary
    files are removed, locks released) before the process exits."""


def _on_signal(signum: int, frame: object) -> None:
    raise _Terminated(signum)


def _handler(args: argparse.Namespace) -> Callable[[argparse.Namespace], int]:
    """The function that runs the command: ``handler`` (module of this package, function name),
    loaded now, so that a command does not pay for another's imports (``code`` loads the engine
    and YAML, ``audit`` pandas and pyarrow)."""
    module, name = args.handler
    return getattr(import_module(f".{module}", __package__), name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _on_signal)
    try:
        return int(_handler(args)(args))
    except INPUT_FAILURES as err:  # one line, bounded, no control characters: it may quote a file
        print(terminal(f"{PROG} {args.command}: error: {err}", 2000), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted", file=sys.stderr)
        return 130
    except _Terminated as sig:
        print(
            f"{PROG} {args.command}: terminated (signal {sig.args[0]}); nothing half-written is left", file=sys.stderr
        )
        return 128 + int(sig.args[0])
    except BrokenPipeError:  # output piped into head
        return 0
    except Exception as err:  # noqa: BLE001 - the CLI never shows a traceback by default
        if os.environ.get("INFUSION_DEBUG"):
            raise
        print(
            terminal(
                f"{PROG} {args.command}: internal error: {type(err).__name__}: {err} "
                "(set INFUSION_DEBUG=1 for details)",
                2000,
            ),
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
