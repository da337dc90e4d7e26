"""Shared fixtures: a helper that runs the CLI in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def run_cli():
    """Run ``python -m infusion ARGS``; return the CompletedProcess (text)."""

    def _run(*args: str, check_rc: int | None = None) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "infusion", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
        )
        if check_rc is not None:
            assert proc.returncode == check_rc, (proc.returncode, proc.stdout, proc.stderr)
        return proc

    return _run


def pytest_report_header(config) -> list[str]:
    """Say plainly where the reference files and the real third-party files were read from."""
    from shared_files import REAL_FILES_FROM, SHARED_FROM

    return [f"reference files: {SHARED_FROM}", REAL_FILES_FROM]
