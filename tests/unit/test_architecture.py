"""The shape of the package: no import cycle, no private name across modules, short functions.

(The layers themselves are ``lint-imports``'s contract in pyproject.toml.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

LIB = Path(__file__).resolve().parents[2] / "lib" / "infusion"


def _trees():
    for path in sorted(LIB.rglob("*.py")):
        yield path.relative_to(LIB.parent), ast.parse(path.read_text(encoding="utf-8"))


def test_no_import_cycle_even_for_type_checking():
    graph = grimp.build_graph("infusion")
    cycles = [
        (a, b)
        for a in sorted(graph.modules)
        for b in graph.find_modules_directly_imported_by(a)
        if graph.chain_exists(importer=b, imported=a)
    ]
    assert cycles == []


def test_no_private_name_is_imported_from_another_module():
    found = [
        f"{path}:{node.lineno} {alias.name} from {node.module}"
        for path, tree in _trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]
    assert found == []


def test_no_function_in_the_package_is_longer_than_60_lines():
    long = [
        f"{path}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path, tree in _trees()
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 60
    ]
    assert long == []


# An import inside a function is for what a command may not need and what costs time to load: one
# of these packages (pandas alone is 0.2-0.35 s; ``code`` and ``price`` answer without it), or a
# module of ours that imports one of them at its top; and, in cli/, the code of a command, loaded
# when that command runs. Everything else is imported at the top of its module.
LAZY = (
    "pandas",
    "numpy",
    "pyarrow",
    "duckdb",
    "plotly",
    "pandera",
    "numba",
    "dask",
    "tqdm",
    "python_calamine",
    "urllib3",
    "papermill",
    "nbformat",
    "nbconvert",
    "kaleido",
    "jupyter_client",
    "importlib.metadata",
)


def _is_lazy(name: str) -> bool:
    return any(name == x or name.startswith(x + ".") for x in LAZY)


def _module_path(dotted: str) -> Path | None:
    """The file of the package's module ``infusion.a.b`` (a module or a package's __init__)."""
    base = LIB.parent.joinpath(*dotted.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _imported(path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The dotted names ``node`` in ``path`` (as ``_trees`` names it: infusion/audit/read.py)
    imports (relative ones made absolute; for ``from X import y``, ``X.y`` when that is a module of
    ours, else ``X``)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if not node.level:
        return [node.module or ""]
    parts = path.with_suffix("").parts  # infusion/audit/read, infusion/audit/__init__
    package = list(parts[: len(parts) - node.level])
    base = ".".join(package + ([node.module] if node.module else []))
    return [f"{base}.{a.name}" if _module_path(f"{base}.{a.name}") else base for a in node.names]


def _loads_a_lazy_package(dotted: str) -> bool:
    """Whether our module ``dotted`` imports one of ``LAZY`` at its top."""
    path = _module_path(dotted)
    assert path is not None, dotted
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    return any(_is_lazy(name) for n in top for name in _imported(path.relative_to(LIB.parent), n))


def test_imports_inside_functions_are_of_what_is_slow_to_load():
    found = set()
    for path, tree in _trees():
        in_cli = path.parent.name == "cli"
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):  # a nested function's imports are seen from each function around it
                if not isinstance(node, (ast.Import, ast.ImportFrom)):
                    continue
                for name in _imported(path, node):
                    ours = name == "infusion" or name.startswith("infusion.")
                    if _is_lazy(name) or (ours and (in_cli or _loads_a_lazy_package(name))):
                        continue
                    found.add(f"{path}:{node.lineno} imports {name}")
    assert sorted(found) == []
