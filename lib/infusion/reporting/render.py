"""Render parameterised notebooks into self-contained HTML reports (papermill + nbconvert).

Safety: each report is rendered to a temporary file next to its target and renamed over it only on
success, so a failed render never replaces the last good report. The executed notebook of a failed
job is kept in ``reports/failed/`` for debugging. plotly.js is embedded once per report (see
:mod:`infusion.workbook.display`) and nothing is loaded from a CDN: the HTML works offline.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import keyword
import logging
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import REPO_ROOT, check_file, reports_dir
from ..errors import InputError, shown
from ..safe_io import atomic_write

NOTEBOOKS = REPO_ROOT / "notebooks"
REPORTS = reports_dir()
PUBLICATION = "03_code_publication.ipynb"
BENCHMARKS = "02_payer_benchmarks.ipynb"

# script and link tags that would fetch from the network; reports must not have any
_REMOTE_TAG = re.compile(r"<(script|link)\b[^>]*\b(src|href)=[\"']https?://[^\"']*[\"'][^>]*>(\s*</script>)?", re.I)


class RenderError(RuntimeError):
    """A job failed; ``kept`` is the executed notebook kept for debugging (if any)."""

    def __init__(self, message: str, kept: Path | None = None) -> None:
        super().__init__(message)
        self.kept = kept


@dataclass(frozen=True)
class Job:
    """One report: a notebook, its parameters and the HTML it becomes."""

    notebook: str
    parameters: dict[str, Any] = field(default_factory=dict)
    output: str = ""

    @property
    def name(self) -> str:
        return Path(self.output).stem


RESERVED = ("logs", "failed", "img", ".work")  # folders of reports/ that renders keep for themselves
MAX_TEXT = 4096  # the longest text value a parameter takes


def declared_parameters(notebook: str) -> dict[str, Any]:
    """The parameters a notebook declares: name -> default, from the assignments of its cell
    tagged ``parameters`` (literal values only). A job may set these and no other names."""
    nb = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))
    out: dict[str, Any] = {}
    for cell in nb.get("cells", []):
        if "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        for node in ast.parse("".join(cell.get("source", []))).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                out[node.targets[0].id] = ast.literal_eval(node.value)
    return out


def _is_scalar(v: Any) -> bool:
    """A plain value a parameter or its items may be: none, text of at most ``MAX_TEXT``
    characters, a bool, an int or a finite float."""
    return (
        v is None
        or (isinstance(v, str) and len(v) <= MAX_TEXT)
        or isinstance(v, (bool, int))
        or (isinstance(v, float) and math.isfinite(v))
    )


def _check_value(name: str, value: Any, default: Any, where: str) -> None:
    """InputError when ``value`` is not of the kind ``default`` is (an int for an int, text for
    text, a list of plain values for a list ...); text and lists are bounded."""
    field_ = f"{where}.parameters.{name}"
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise InputError(field_, f"a text of {len(value):,} characters (at most {MAX_TEXT:,})")
    if isinstance(default, bool) or default is None:
        ok = _is_scalar(value) if default is None else isinstance(value, bool)
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    elif isinstance(default, str):
        ok = isinstance(value, str)
    elif isinstance(default, list):
        ok = isinstance(value, list) and len(value) <= 100 and all(_is_scalar(v) for v in value)
    elif isinstance(default, dict):
        ok = (
            isinstance(value, dict)
            and len(value) <= 100
            and all(isinstance(k, str) and _is_scalar(v) for k, v in value.items())
        )
    else:
        ok = False
    if not ok:
        kind = "none or a plain value" if default is None else type(default).__name__
        raise InputError(field_, f"{shown(value)} is not of the parameter's kind ({kind}, as its default {default!r})")
    if name == "rates_path" and isinstance(value, str) and value.strip().lower() == "illustrative":
        return  # the generated sample in data/benchmarks, by its name
    if name.endswith("_path") and isinstance(value, str):  # an input file: a regular file, read from notebooks/
        p = Path(value) if Path(value).is_absolute() else NOTEBOOKS / value
        check_file(p, field_)


# an output name: parts of ASCII letters, digits, '_', '-' and '.', each starting with a letter, digit or
# '_' (no space, no line break, no look-alike of '..', no trailing '/')
SAFE_OUTPUT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*(/[A-Za-z0-9_][A-Za-z0-9_.\-]*)*", re.ASCII)


def validate_job(job: Job, where: str = "job", reports_dir: Path = REPORTS) -> Job:
    """``job`` when it is safe to run; InputError naming ``where`` and the field otherwise:

    * the notebook is an ``.ipynb`` file in ``notebooks/`` (no other folder);
    * the output is an ``.html`` name inside ``reports/`` (sub-folders allowed; no ``..``, no
      absolute path, no hidden name, none of the folders renders keep: logs, failed, img);
    * each parameter is a name the notebook's parameters cell declares (so a valid Python name:
      papermill writes names into the code it runs, unescaped) with a value of its default's kind,
      and a ``*_path`` parameter names a regular file (not a FIFO that would hang the render)."""
    nb = Path(job.notebook)
    if (
        nb.is_absolute()
        or len(nb.parts) != 1
        or nb.suffix != ".ipynb"
        or nb.name.startswith(".")
        or not (NOTEBOOKS / nb).is_file()
    ):
        names = ", ".join(p.name for p in sorted(NOTEBOOKS.glob("*.ipynb")))
        raise InputError(f"{where}.notebook", f"{shown(job.notebook)} is not a notebook in notebooks/ ({names})")
    out = Path(job.output)
    if (
        not SAFE_OUTPUT.fullmatch(job.output)
        or out.suffix.lower() != ".html"
        or any(part in ("..", ".") or part.startswith(".") for part in out.parts)
        or out.parts[0] in RESERVED
    ):
        raise InputError(
            f"{where}.output",
            f"{shown(job.output)} is not an .html file name inside reports/ "
            "(letters, digits, '_', '-' and '.' in each part; no absolute path, no '..', no hidden "
            "name, not in logs/, failed/ or img/)",
        )
    target = reports_dir / out
    if any(
        p.is_symlink() for p in [target, *target.parents] if p.is_relative_to(reports_dir) and p != reports_dir
    ) or not target.resolve().is_relative_to(reports_dir.resolve()):
        raise InputError(
            f"{where}.output",
            f"{shown(job.output)} passes through a symbolic link: a report is written only inside reports/",
        )
    target = reports_dir / out
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise InputError(f"{where}.output", f"reports/{job.output} exists and is not a regular file")
    declared = declared_parameters(job.notebook)
    for name, value in job.parameters.items():
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise InputError(f"{where}.parameters", f"{shown(name)} is not a parameter name")
        if name not in declared:
            raise InputError(
                f"{where}.parameters.{name}",
                f"{job.notebook} declares no parameter {name!r} (it declares {', '.join(declared) or 'none'})",
            )
        _check_value(name, value, declared[name], where)
    return job


def _strip_remote(html: str) -> str:
    """Drop tags that load from the network (nbconvert's MathJax/require.js lines)."""
    return _REMOTE_TAG.sub("", html)


def to_html(executed_nb: Any, title: str) -> str:
    """Executed notebook -> self-contained HTML with inputs hidden."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab", exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    exporter.exclude_anchor_links = True
    body, _ = exporter.from_notebook_node(executed_nb, resources={"metadata": {"name": title}})
    return _strip_remote(body)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", re.sub(r"<[^>]+>.*", "", text or "").lower()).strip("-")[:60] or "chart"


def export_pngs(executed_nb: Any, out_dir: Path, stem: str) -> list[Path]:
    """Static PNG copies of every Plotly chart of an executed notebook (kaleido + chromium).

    Uses $BROWSER_PATH, or Debian's /usr/bin/chromium when present. Returns the files written;
    raises RuntimeError when no browser can be used (the HTML report does not depend on this).
    """
    import kaleido

    if not os.environ.get("BROWSER_PATH") and Path("/usr/bin/chromium").exists():
        os.environ["BROWSER_PATH"] = "/usr/bin/chromium"
    figs = []
    for cell in executed_nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "application/vnd.plotly.v1+json" in data:
                figs.append(data["application/vnd.plotly.v1+json"])
    out_dir.mkdir(parents=True, exist_ok=True)
    items, paths = [], []
    for i, fig in enumerate(figs, start=1):
        title = (fig.get("layout", {}).get("title") or {}).get("text", "")
        path = out_dir / f"{stem}-{i}-{_slug(title)}.png"
        items.append({"fig": fig, "path": str(path), "opts": {"width": 1000, "height": 500}})
        paths.append(path)
    if items:
        try:
            kaleido.write_fig_from_object_sync(items)
            # the batch can drop a figure without raising: check, retry those one at a time
            for item in [i for i in items if not Path(i["path"]).exists()]:
                kaleido.write_fig_from_object_sync([item])
        except Exception as err:  # noqa: BLE001 - reported, the HTML stands
            raise RuntimeError(
                f"static charts not written ({type(err).__name__}: {err}); set BROWSER_PATH to a Chrome/Chromium binary"
            ) from None
        missing = [p.name for p in paths if not p.exists()]
        if missing:
            raise RuntimeError(f"static charts not written: {', '.join(missing)}")
    return paths


def ipc_kernel_manager(sockets: str) -> type:
    """A kernel manager that talks to the notebook's kernel over Unix sockets in ``sockets``
    (a private temporary directory) instead of TCP on localhost: nothing listens on a port while
    a report renders, and the kernel does not warn that its TCP traffic is unencrypted."""
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.transport = "ipc"
            self.ip = os.path.join(sockets, "kernel")

    return IPCKernelManager


def render(
    job: Job, reports_dir: Path = REPORTS, timeout: int = 900, png: bool = True, validated: bool = False
) -> Path:
    """Execute ``job`` with papermill and write its HTML atomically; returns the HTML path.
    ``validated``: the caller has checked the job (``runner.run_jobs`` does, once)."""
    import nbformat
    import papermill as pm

    if not validated:
        validate_job(job, f"job {job.output}", reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    work = reports_dir / ".work"
    work.mkdir(exist_ok=True)
    target = reports_dir / job.output
    executed = work / f"{job.name}.ipynb"
    env_before = os.environ.get("INFUSION_REPORT")
    os.environ["INFUSION_REPORT"] = "1"
    try:
        with tempfile.TemporaryDirectory(prefix="infusion-kernel-") as sockets:
            pm.execute_notebook(
                str(NOTEBOOKS / job.notebook),
                str(executed),
                parameters=job.parameters,
                kernel_name="python3",
                progress_bar=False,
                cwd=str(NOTEBOOKS),
                execution_timeout=timeout,
                kernel_manager_class=ipc_kernel_manager(sockets),
            )
        nb = nbformat.read(executed, as_version=4)
        html = to_html(nb, job.name)
    except Exception as err:  # noqa: BLE001 - every failure keeps the last good report
        failed = reports_dir / "failed"
        failed.mkdir(exist_ok=True)
        kept = None
        if executed.exists():
            stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
            kept = failed / f"{job.name}-{stamp}.ipynb"
            executed.replace(kept)
        summary = str(err).strip().splitlines()
        reason = next((ln for ln in reversed(summary) if ln.strip()), type(err).__name__)
        raise RenderError(f"{job.output}: {reason[:300]}", kept) from err
    finally:
        if env_before is None:
            os.environ.pop("INFUSION_REPORT", None)
        else:
            os.environ["INFUSION_REPORT"] = env_before
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, html)
    if png and os.environ.get("INFUSION_NO_PNG") != "1":
        try:
            export_pngs(nb, reports_dir / "img", job.name)
        except RuntimeError as err:
            logging.getLogger("infusion.reporting").warning("      warning: %s", err)
    return target
