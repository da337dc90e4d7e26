#!/usr/bin/env python3
"""Execute the notebooks and keep only the outputs nbval checks (cells marked NBVAL_CHECK_OUTPUT).

Run after a change that alters a checked output (then review the diff: it is the change a trainer or
analyst would see). Every other output, execution count and widget state is stripped.
Usage: python scripts/refresh_notebook_outputs.py [notebooks/01_....ipynb ...]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import nbformat
from infusion.reporting.render import ipc_kernel_manager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def refresh(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="infusion-kernel-") as sockets:  # as render does: no TCP port
        client = NotebookClient(
            nb,
            timeout=600,
            kernel_name="python3",
            kernel_manager_class=ipc_kernel_manager(sockets),
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        keep = "NBVAL_CHECK_OUTPUT" in cell.source
        if not keep:  # nbval needs the execution count of the checked cells ("run" reference)
            cell.execution_count = None
            cell.outputs = []
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    print(f"refreshed {path.relative_to(ROOT)}")


def main(argv: list[str]) -> int:
    paths = [Path(a).resolve() for a in argv] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    for p in paths:
        refresh(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
