"""Packaging hook: a wheel carries the project folder the tool reads (``data/``, the notebooks and
the report schedule) as ``infusion/_home``, so that an installed ``infusion`` works outside a
checkout. An editable install reads the checkout itself and copies nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
HOME = [("data", "data"), ("notebooks", "notebooks"), ("reports/schedule.yaml", "reports/schedule.yaml")]


class BuildWithHome(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        home = Path(self.build_lib) / "infusion" / "_home"
        for src, dst in HOME:
            source, target = ROOT / src, home / dst
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc"))
            else:
                shutil.copy2(source, target)


setup(cmdclass={"build_py": BuildWithHome})
