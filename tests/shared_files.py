"""Where the tests find ``shared/`` (the CMS files, the official price-transparency examples, the
coding-rules spec) and the real third-party files (``shared/real-files``), which the repository
does not hold.

``shared/`` is looked for in order: ``$INFUSION_SHARED_DIR``; ``shared`` beside this checkout (its
place in the workplace, ``../shared``); ``shared`` beside the checkout this one was cloned from (a
fresh clone made with ``git clone . /tmp/fresh``). The real files come from ``shared/real-files``
when it is there, else from the pinned corpus ``tests/.corpus/real-files`` that
``python scripts/corpus.py fetch`` downloads by repository, commit and path and checks against
``tests/corpus.csv`` (size and SHA-256). ``pytest`` says in its header which it read. When neither
is there the modules still load and the tests that read the files fail with the places looked
(``NOT_FOUND``): they are never skipped.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
CORPUS = _ROOT / "tests" / ".corpus" / "real-files"


def _candidates() -> list[Path]:
    out = [Path(os.environ["INFUSION_SHARED_DIR"])] if os.environ.get("INFUSION_SHARED_DIR") else []
    out.append(_ROOT.parent / "shared")
    try:
        origin = subprocess.run(
            ["git", "-C", str(_ROOT), "config", "--get", "remote.origin.url"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:  # no git
        origin = ""
    if origin and Path(origin).is_dir():  # cloned from a checkout on this machine
        out.append(Path(origin).resolve().parent / "shared")
    return out


def _find() -> tuple[Path, str]:
    places = _candidates()
    for place in places:
        if (place / "domain" / "coding-rules.md").is_file():
            return place, f"shared/ from {place}"
    # a path no file is under: a test that reads it fails with the places looked in its message
    looked = "; ".join(map(str, places))
    return Path(f"/shared-NOT-FOUND (looked in {looked}; set INFUSION_SHARED_DIR)"), f"shared/ NOT FOUND ({looked})"


SHARED, SHARED_FROM = _find()


def _real_files() -> tuple[Path, str]:
    if (SHARED / "real-files" / "SOURCES.md").is_file():
        return SHARED / "real-files", f"real files from {SHARED / 'real-files'}"
    if CORPUS.is_dir():
        return CORPUS, f"real files from the pinned corpus {CORPUS} (scripts/corpus.py fetch; EXCERPT files copied)"
    return (
        Path("/real-files-NOT-FOUND (no shared/real-files; run `python scripts/corpus.py fetch`)"),
        "real files NOT FOUND: run `python scripts/corpus.py fetch` or set INFUSION_SHARED_DIR",
    )


REAL_FILES, REAL_FILES_FROM = _real_files()
