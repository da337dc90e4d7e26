"""The house (issue 19): one layer per concern, one place for safe writes and for the lock."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

LIB = Path(__file__).resolve().parents[2] / "lib" / "infusion"


def test_files_are_replaced_and_reports_locked_in_one_module():
    replaced = {p.relative_to(LIB).as_posix() for p in LIB.rglob("*.py") if "os.replace(" in p.read_text()}
    locked = {p.relative_to(LIB).as_posix() for p in LIB.rglob("*.py") if re.search(r"fcntl\.flock", p.read_text())}
    assert replaced == {"safe_io.py"} and locked == {"safe_io.py"}


def test_the_layers_contract_holds_and_catches_a_wrong_way_import(tmp_path):
    """lint-imports on the package, then on a copy with one import from a lower layer to a higher one."""
    lint = Path(sys.executable).with_name("lint-imports")
    root = LIB.parents[1]
    ok = subprocess.run([str(lint)], capture_output=True, text=True, cwd=root)
    assert ok.returncode == 0 and "0 broken" in ok.stdout, ok.stdout[-500:]
    copy = tmp_path / "repo"
    shutil.copytree(root / "lib", copy / "lib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(root / "pyproject.toml", copy / "pyproject.toml")
    units = copy / "lib" / "infusion" / "coding" / "units.py"
    units.write_text(
        units.read_text().replace(
            "from .records import", "from ..workbook import figures  # noqa\nfrom .records import", 1
        )
    )
    bad = subprocess.run(
        [str(lint)],
        capture_output=True,
        text=True,
        cwd=copy,
        env={"PYTHONPATH": str(copy / "lib"), "PATH": "/usr/bin:/bin"},
    )
    assert bad.returncode != 0 and "infusion.coding is not allowed to import infusion.workbook" in bad.stdout, (
        bad.stdout[-800:]
    )


def test_the_package_works_installed_outside_the_checkout(tmp_path):
    """As from a wheel: the package alone in another folder finds the project through
    INFUSION_HOME, or the current directory when it holds data/ (config.project_root)."""
    site = tmp_path / "site"
    shutil.copytree(LIB, site / "infusion", ignore=shutil.ignore_patterns("__pycache__"))
    root = LIB.parents[1]
    code = (
        "import infusion, sys; from infusion.config import REPO_ROOT; from infusion.cli import main; "
        "rc = main(['code', '--minutes', '91', '--price', '--year', '2026']); "
        "print(rc, infusion.__file__.startswith(sys.argv[1]), REPO_ROOT)"
    )
    for cwd, env in ((tmp_path, {"INFUSION_HOME": str(root)}), (root, {})):
        out = subprocess.run(
            [sys.executable, "-c", code, str(site)],
            capture_output=True,
            text=True,
            cwd=cwd,
            env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", **env},
            check=True,
        )
        last = out.stdout.strip().splitlines()[-1]
        assert last == f"0 True {root}", out.stdout[-400:]
        assert "96369" in out.stdout and "$" in out.stdout
