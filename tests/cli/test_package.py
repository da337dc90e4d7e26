"""The package as a Python user installs it: a wheel, outside the checkout, with no INFUSION_HOME."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ["lib", "data", "notebooks", "reports/schedule.yaml", "pyproject.toml", "setup.py", "README.md", "LICENSE"]

pytestmark = pytest.mark.cli


def _copy_source(to: Path) -> Path:
    for name in SOURCE:
        src, dst = ROOT / name, to / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", ".ipynb_checkpoints"))
        else:
            shutil.copy2(src, dst)
    return to


def test_a_wheel_installed_outside_the_checkout_codes_and_says_its_version(tmp_path):
    src = _copy_source(tmp_path / "src")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist"), str(src)],
        check=True,
        capture_output=True,
    )
    wheel = next((tmp_path / "dist").glob("infusion_workbook-*.whl"))
    site = tmp_path / "site"
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-compile", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFUSION_")}
    env["PYTHONPATH"] = str(site)

    def run(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(site / "bin" / "infusion"), *argv], capture_output=True, text=True, cwd=elsewhere, env=env
        )

    where = subprocess.run(
        [sys.executable, "-c", "import infusion; print(infusion.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(site))  # the wheel's copy, not the checkout
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert run("--version").stdout.strip() == f"infusion {version}"
    out = run("code", "--minutes", "91")
    assert out.returncode == 0, out.stderr
    lines = [ln.split() for ln in out.stdout.splitlines()]
    assert ["96369", "1", "-", "U-INIT"] in lines and ["96370", "1", "-", "U-HOUR", "U-ADDON"] in lines
    bad = run("code", "--minutes", "abc")  # the usage names the console script, not python -m
    assert bad.returncode == 2 and bad.stderr.startswith("infusion code: error:")
    # the rates summary reads the real rates the wheel carries, whatever the current folder
    summary = run("rates", "summary", "--code", "96369")
    assert summary.returncode == 0 and "96369" in summary.stdout, summary.stderr
