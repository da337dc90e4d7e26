"""``render``: notebooks into HTML reports (``--all``, ``--notebook``, ``--config``).

Every way runs the one render loop (``reporting.runner.run_jobs``); its progress, logged by the
``infusion.reporting`` logger, is shown on stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from ..errors import InputError, shown
from ._common import PROG

EXIT_LOCKED = 75  # EX_TEMPFAIL: another render run holds the reports lock; try again later


def _show_progress() -> None:
    """The reporting logger's messages on stderr, as lines (once per process)."""
    logger = logging.getLogger("infusion.reporting")
    if not any(getattr(h, "_infusion_cli", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler._infusion_cli = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _jobs(args: argparse.Namespace) -> list:
    from ..reporting.render import Job
    from ..reporting.schedule import default_jobs

    if args.all:
        return default_jobs(args.year)
    if not args.notebook:
        raise InputError("notebook", "give --all, --config FILE or --notebook NB")
    params = {}
    for kv in args.param:
        if "=" not in kv:
            raise InputError("param", f"{shown(kv)} is not NAME=VALUE")
        k, v = kv.split("=", 1)
        params[k.strip()] = _param_value(v)
    return [Job(args.notebook, params, args.output or (Path(args.notebook).stem + ".html"))]


def cmd_render(args: argparse.Namespace) -> int:
    """0 when every report rendered (or was skipped as unchanged); 1 when one failed, 2 when a
    scheduled job was invalid (the others ran), 75 when another run holds the reports lock."""
    from ..reporting.render import REPORTS
    from ..reporting.runner import render_jobs
    from ..reporting.schedule import run_schedule
    from ..safe_io import LockedError

    _show_progress()
    try:
        if args.config:
            statuses = {o.status for o in run_schedule(args.config, force=args.force)}
            return 2 if "invalid" in statuses else 1 if "failed" in statuses else 0
        jobs = _jobs(args)
        failures = render_jobs(jobs, REPORTS, where="render" if not args.all else None)
    except LockedError as err:
        print(f"{PROG} render: {err}", file=sys.stderr)
        return EXIT_LOCKED
    if failures:
        print(
            f"{PROG} render: error: {len(failures)} of {len(jobs)} report(s) failed; the last good copies were kept",
            file=sys.stderr,
        )
        return 1
    return 0


def _param_value(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return text
