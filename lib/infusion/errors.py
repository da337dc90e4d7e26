"""Errors the workbook raises on bad input: each names the field and the value."""

from __future__ import annotations


class InputError(ValueError):
    """Invalid input. ``str(err)`` is a one-line message naming the field and the value.

    ``field`` is the dotted path of the bad field (``segment 1``, ``infusions[0].pumps``),
    ``rule`` the coding rule that the input breaks, when one does (``T-DATE``).
    """

    def __init__(self, field: str, message: str, rule: str | None = None) -> None:
        self.field = field
        self.rule = rule
        super().__init__(f"{field}: {message}")


class DataError(ValueError):
    """A data file does not match its schema: names the file, row, column and value."""
