"""Paths and environment in one place; checks that an input is a file and an output can be written.

The project folder (``data/``, ``notebooks/``, ``reports/schedule.yaml``) is ``$INFUSION_HOME`` when
set; else the checkout this package sits in (``lib/infusion`` in a clone, installed in editable
mode); else the copy a wheel carries (``infusion/_home``, made by ``setup.py``); else the current
directory. Reports are written to the project's ``reports/``, or, for an installed wheel, to
``./reports``. ``INFUSION_DATA_DIR`` overrides the data folder alone (for example a copy of the
data with next year's CMS files; its tables are then checked against their schemas).
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from .errors import DataError, InputError

PACKAGED_HOME = Path(__file__).resolve().parent / "_home"


def project_root() -> Path:
    """The project folder (see the module doc)."""
    env = os.environ.get("INFUSION_HOME")
    if env:
        return Path(env).resolve()
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "data").is_dir() and (checkout / "lib").is_dir():
        return checkout
    if (PACKAGED_HOME / "data").is_dir():
        return PACKAGED_HOME
    return Path.cwd()


REPO_ROOT = project_root()


def reports_dir() -> Path:
    """Where reports are written: the project's ``reports/``; ``./reports`` for an installed wheel
    (its own folder is inside the Python installation)."""
    return Path.cwd() / "reports" if REPO_ROOT == PACKAGED_HOME else REPO_ROOT / "reports"


def data_dir() -> Path:
    """The data directory: ``$INFUSION_DATA_DIR`` when set, else ``<project>/data``."""
    env = os.environ.get("INFUSION_DATA_DIR")
    return Path(env) if env else REPO_ROOT / "data"


def data_path(*parts: str) -> Path:
    """A path inside the data directory; InputError naming the folder when the data directory is
    missing or lacks the sub-folder asked for (``medicare/``, ``reference/`` ...)."""
    root = data_dir()
    if not root.is_dir() or (parts and not (root / parts[0]).is_dir()):
        where = "INFUSION_DATA_DIR" if os.environ.get("INFUSION_DATA_DIR") else "data"
        raise InputError(
            where,
            f"{str(root)!r} "
            + ("does not exist" if not root.is_dir() else f"has no {parts[0]}/ folder, as the repository's data/ has")
            + "; unset INFUSION_DATA_DIR, point it (or INFUSION_HOME, the folder holding data/) "
            "at a copy of the project's data/, or restore data/ with `git checkout -- data`",
        )
    return root.joinpath(*parts)


def data_file(*parts: str) -> Path:
    """``data_path(*parts)`` when it is a regular file; DataError naming it otherwise (missing, a
    folder, or a FIFO or device that a read would wait on for ever: a tampered data folder)."""
    path = data_path(*parts)
    if not path.is_file():
        what = "does not exist" if not path.exists() else "is not a regular file (a folder, FIFO or device)"
        raise DataError(
            f"data/{'/'.join(parts)} {what}; restore data/ with `git checkout -- data` "
            "or point INFUSION_DATA_DIR at a whole copy"
        )
    return path


def check_file(path: str | Path, field: str) -> Path:
    """``path`` as a Path when it is a file; InputError(field) saying it does not exist or is a
    directory otherwise."""
    p = Path(path)
    if not p.is_file():
        what = (
            "is a directory, not a file"
            if p.is_dir()
            else "is not a regular file (a pipe, socket or device)"
            if p.exists()
            else "does not exist"
        )
        raise InputError(field, f"{str(p)!r} {what}")
    return p


def check_writable(path: str | Path, field: str) -> Path:
    """``path`` as a Path, once its directory exists (created if need be) and a file can be
    created in it; InputError(field) naming the path otherwise. Commands call it before long work,
    so that a bad output path fails at once, not after the work."""
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=p.parent, prefix=f".{p.name}.", suffix=".probe"):
            pass
    except OSError as err:
        raise InputError(field, f"cannot write {p}: {err.strerror or err}") from None
    if p.is_dir():
        raise InputError(field, f"cannot write {p}: it is a directory")
    return p


def check_outputs(outputs: Mapping[str, str | Path], inputs: Iterable[str | Path] = ()) -> dict[str, Path]:
    """The one guard every command puts before its outputs: each output (option name -> path) is a
    new path or a regular file, not a symbolic link, a FIFO, a device or a directory; none is one of
    the ``inputs`` (same file, by inode: a hard link or another spelling counts); no two outputs
    share a path; each can be written (``check_writable``). InputError naming the option
    otherwise, before any work is done."""
    seen: dict[Path, str] = {}
    ins = [Path(i) for i in inputs]
    out: dict[str, Path] = {}
    for field, given in outputs.items():
        p = Path(given)
        if not str(given).strip() or p.name in ("", ".", ".."):
            raise InputError(field, f"{str(given)!r} is not a file name")
        if p.is_symlink():
            raise InputError(field, f"{str(p)!r} is a symbolic link: give the file itself, or a new name")
        if p.exists():
            mode = p.stat().st_mode
            if stat.S_ISDIR(mode):
                raise InputError(field, f"cannot write {p}: it is a directory")
            if not stat.S_ISREG(mode):
                raise InputError(
                    field,
                    f"{str(p)!r} is not a regular file (a pipe, socket or device): "
                    "outputs are written as new files, give a file name",
                )
            for i in ins:
                if i.exists() and os.path.samefile(p, i):
                    raise InputError(
                        field,
                        f"{str(p)!r} is also an input ({i.name}): writing it would "
                        "replace the input; give another name",
                    )
        key = p.resolve()
        if key in seen:
            raise InputError(field, f"{str(p)!r} is also the {seen[key]} output: give each output its own name")
        seen[key] = field
        out[field] = check_writable(p, field)
    return out
