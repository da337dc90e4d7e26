"""Where the tests find ``shared/``: the project's read-only reference files (the CMS files, the
official price-transparency examples, the coding-rules spec), which the workplace keeps beside
the checkout and the repository does not hold.

Looked for in order: ``$INFUSION_SHARED_DIR``; ``shared`` beside this checkout (its place in the
workplace, ``../shared``); ``shared`` beside the checkout this one was cloned from (a fresh clone
made with ``git clone . /tmp/fresh``). When none has it, importing this module fails with the
places it looked: the tests that need the files fail, they are never skipped.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]


def _candidates() -> list[Path]:
    out = [Path(os.environ["INFUSION_SHARED_DIR"])] if os.environ.get("INFUSION_SHARED_DIR") else []
    out.append(_ROOT.parent / "shared")
    try:
        origin = subprocess.run(["git", "-C", str(_ROOT), "config", "--get", "remote.origin.url"],
                                capture_output=True, text=True, check=False).stdout.strip()
    except OSError:  # no git
        origin = ""
    if origin and Path(origin).is_dir():  # cloned from a checkout on this machine
        out.append(Path(origin).resolve().parent / "shared")
    return out


def _find() -> Path:
    places = _candidates()
    for place in places:
        if (place / "domain" / "coding-rules.md").is_file():
            return place
    raise RuntimeError("shared/ (the reference files the tests read) not found; looked in "
                       + ", ".join(map(str, places)) + "; set INFUSION_SHARED_DIR to its path")


SHARED = _find()
