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


def shown(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, so a message never echoes a huge value."""
    try:
        text = repr(value) if not isinstance(value, str) or len(value) <= 4 * limit else repr(value[: 2 * limit])
        size = len(str(value))
    except ValueError:  # an int beyond Python's int-string limit
        return "a number of thousands of digits"
    return text if len(text) <= limit else text[: limit - 12] + f"... ({size:,} chars)"


def nesting_error(field: str, name: str) -> InputError:
    """The error for input nested deeper than Python's parsers go (a RecursionError)."""
    return InputError(field, f"{name}: nested too deeply to read (more than about 1,000 levels of lists or objects)")


# The failures the CLI reports as bad input (exit 2, one line). Any other exception is a bug
# ("internal error", exit 1).
INPUT_FAILURES: tuple[type[BaseException], ...] = (InputError, DataError)
