"""Subcutaneous infusion (CPT 96369-96372): coding engine, Medicare payment, payer benchmarks.

The main entry points, loaded on first use (``import infusion`` stays light):

- :func:`code_encounter`, :func:`code_minutes`: claim lines with rule ids and rationale;
- :func:`payment`, :func:`opps_rate`: Medicare PFS and OPPS payment with sources;
- :func:`audit`: check claim lines against the rules.

``python -m infusion --help`` lists the command line.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "code_encounter": ".coding.engine",
    "code_minutes": ".coding.engine",
    "payment": ".medicare.payment",
    "opps_rate": ".medicare.payment",
    "audit": ".audit",
    "InputError": ".errors",
    "DataError": ".errors",
}

__all__ = [*_EXPORTS, "__version__"]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("infusion-workbook")
    except PackageNotFoundError:  # imported from a checkout that was never installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read on demand: importlib.metadata costs 40 ms at start-up
        return _version()
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
