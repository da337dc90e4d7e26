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
