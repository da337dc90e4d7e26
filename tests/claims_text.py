"""Claims files for the tests: the header of the canonical layout the audit reads without a map."""

from __future__ import annotations

# the columns the audit's tests write, in this order (``infusion.audit.columns`` recognises each name)
HEADER = [
    "claim_id",
    "line_number",
    "date_of_service",
    "code",
    "units",
    "modifiers",
    "pos",
    "claim_type",
    "payer",
    "start_time",
    "stop_time",
]
