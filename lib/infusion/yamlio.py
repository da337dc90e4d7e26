"""Reading YAML and text inputs safely: the loaders encounters, scenarios and schedules share.

``load_yaml`` keeps ``10:35`` a string (YAML 1.1 would read it as 635), refuses a document over
``MAX_YAML_BYTES`` and one whose aliases expand to more than ``MAX_YAML_NODES`` values (a
"billion laughs" file); ``load_yaml_file`` names the file and line of a problem.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .config import check_file
from .errors import InputError, nesting_error

__all__ = ["MAX_YAML_BYTES", "MAX_YAML_NODES", "load_yaml", "load_yaml_file", "read_text_file"]


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps ``10:35`` a string (YAML 1.1 would read it as the number 635)."""


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(0|[1-9][0-9_]*)$"), list("-+0123456789"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?([0-9][0-9_]*)?\.[0-9_]+([eE][-+][0-9]+)?$"), list("-+0123456789.")
)


MAX_YAML_BYTES = 1 << 20  # an encounter or a schedule is a few kB
MAX_YAML_NODES = 100_000  # values once aliases are expanded ("billion laughs" grows without bound)


def _expanded_size(root: yaml.Node) -> int:
    """The number of values ``root`` holds once every alias is expanded (each node counted as
    often as it is reached), computed without expanding: once per node, from its children's."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        if done or not children:
            sizes[id(node)] = min(1 + sum(sizes.get(id(c), 0) for c in children), MAX_YAML_NODES + 1)
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def load_yaml(text: str) -> Any:
    """Load YAML with times of day kept as strings; ValueError for a document over
    ``MAX_YAML_BYTES`` or one whose aliases expand to more than ``MAX_YAML_NODES`` values."""
    if len(text) > MAX_YAML_BYTES:
        raise ValueError(f"{len(text):,} characters of YAML: more than the {MAX_YAML_BYTES:,} this workbook reads")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node) > MAX_YAML_NODES:
            raise ValueError(f"its aliases expand to more than {MAX_YAML_NODES:,} values (an alias bomb?)")
        return loader.construct_document(node)
    finally:
        loader.dispose()


def read_text_file(path: str | Path, field: str) -> str:
    """The UTF-8 text of ``path``; InputError(field) when it is not a file or not UTF-8."""
    p = check_file(path, field)
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise InputError(field, f"{p.name} is not UTF-8 text (byte {e.start}: {e.reason})") from None


def load_yaml_file(path: str | Path, field: str) -> Any:
    """``path`` read as YAML (``load_yaml``); InputError(field) naming the file and line when it
    cannot be read or is not valid YAML."""
    p = Path(path)
    if p.is_file() and p.stat().st_size > 4 * MAX_YAML_BYTES:
        raise InputError(field, f"{p.name} is {p.stat().st_size:,} bytes: more YAML than this workbook reads")
    text = read_text_file(p, field)
    try:
        return load_yaml(text)
    except RecursionError:
        raise nesting_error(field, p.name) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark else ""
        raise InputError(field, f"{p.name}{at}: not valid YAML ({getattr(e, 'problem', e)})") from None
    except ValueError as e:  # too large, an alias bomb, or a number beyond Python's int-string limit
        raise InputError(field, f"{p.name}: {number_problem(e)}") from None


def no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number this workbook reads")


def number_problem(err: ValueError) -> str:
    text = str(err)
    if "digits" in text:
        return "a number with thousands of digits (more than Python reads); give a plausible value"
    return text[:120]
