"""Browser fixtures: Debian's chromium driven by Playwright, a Voila server, rendered reports.

Chromium is /usr/bin/chromium (or $CHROMIUM); `make test` installs it when missing. A failing test
saves a screenshot in tests/browser/artifacts/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"chromium not found at {CHROMIUM}: run `make test` (it installs Debian's chromium) or set CHROMIUM"
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    pg = context.new_page()
    pg.console_errors = []
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    yield pg
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def voila_url():
    port = _free_port()
    voila = shutil.which("voila", path=str(Path(sys.executable).parent)) or "voila"
    log = open(ARTIFACTS.parent / "voila.log", "w") if ARTIFACTS.parent.exists() else subprocess.DEVNULL
    proc = subprocess.Popen(
        [
            voila,
            str(ROOT / "notebooks" / "01_infusion_time_scenarios.ipynb"),
            "--no-browser",
            f"--port={port}",
            "--Voila.ip=127.0.0.1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"voila exited with {proc.returncode}; see tests/browser/voila.log")
        try:  # the port accepts connections: the server is up (a GET would start a kernel)
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.terminate()
        pytest.fail("voila did not start within 90 s")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def rendered_reports(tmp_path_factory) -> list[Path]:
    from infusion.reporting.render import BENCHMARKS, PUBLICATION, Job, render

    out = tmp_path_factory.mktemp("browser-reports")
    jobs = [
        Job(PUBLICATION, {"code": "96370", "year": 2026}, "cpt-96370-publication.html"),
        Job(BENCHMARKS, {"code": "96370", "year": 2026}, "payer-benchmarks.html"),
    ]
    return [render(j, out, png=False) for j in jobs]
