"""``render``: notebooks into HTML reports (``--all``, ``--notebook``, ``--config``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import InputError, shown
from ._common import PROG


def cmd_render(args: argparse.Namespace) -> int:
    from ..reporting.render import Job, render_jobs, validate_job
    from ..reporting.schedule import default_jobs

    if args.config:
        from ..reporting.schedule import run_schedule

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
    from ..reporting.schedule import EXIT_LOCKED
    from ..safe_io import LockedError

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



def _param_value(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return text


