"""X12 text for the tests: the ISA interchange header, whose fields have fixed widths."""

from __future__ import annotations


def isa(elem: str = "*", comp: str = ":", term: str = "~", sender: str = "SUBMITTER",
        receiver: str = "RECEIVER") -> str:
    """An ISA header of the standard's 106 characters, with the given separators."""
    fields = ["ISA", "00", " " * 10, "00", " " * 10, "ZZ", sender.ljust(15), "ZZ", receiver.ljust(15),
              "260302", "1200", "^", "00501", "000000001", "0", "T", comp]
    header = elem.join(fields) + term
    assert len(header) == 106
    return header
