"""Where the project's data lives.

``data/`` sits at the top of the repository, beside ``lib/``. The package is installed in editable
mode, so the path is found from this file; ``INFUSION_DATA_DIR`` overrides it (for example to
point a notebook at a copy of the data with next year's CMS files).
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """The data directory: ``$INFUSION_DATA_DIR`` when set, else ``<repo>/data``."""
    env = os.environ.get("INFUSION_DATA_DIR")
    return Path(env) if env else REPO_ROOT / "data"


def data_path(*parts: str) -> Path:
    """A path inside the data directory."""
    return data_dir().joinpath(*parts)
