"""What an audit returns (``audit.audit``) and what the writers read (``outputs``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class AuditResult:
    """What an audit found: counts, findings per line, the summary and the rejected rows."""

    lines_in: int
    lines_checked: int
    rejects: int
    findings: pd.DataFrame
    summary: pd.DataFrame
    dropped_phi: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the reader left out (lines of void claims ...)
    seconds: float = 0.0
    outputs: dict[str, str] = field(default_factory=dict)
    source_kind: str = "csv"
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)  # data_row, file_line, keys, reason
    by_payer: pd.DataFrame = field(default_factory=pd.DataFrame)  # the share of lines with findings
    by_provider: pd.DataFrame = field(default_factory=pd.DataFrame)  # the same by provider (empty: no column)
    by_record: bool = False  # CSV read again record by record (quote-aware): file lines not known
    quoted_breaks: bool = False  # values in quotes hold line breaks: file lines not known
    lines_void: int = 0  # lines of void claims (frequency 8): lines in, left out of the audit

    def accounting(self) -> str:
        """Where every line in went: ``lines in 331 = checked 328 + rejected 3``, with the lines of
        void claims as a term of their own when there are any (they are neither checked nor
        rejected)."""
        void = f" + void claims (left out) {self.lines_void}" if self.lines_void else ""
        return f"lines in {self.lines_in} = checked {self.lines_checked}{void} + rejected {self.rejects}"
