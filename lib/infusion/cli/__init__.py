"""Command line: ``python -m infusion code|price|rates|audit|render ...``, one module per command.

Exit codes: 0 done (findings or not), 2 invalid input (one line on stderr naming the field and the
value), 1 an unexpected failure (one line; ``INFUSION_DEBUG=1`` shows the traceback).
"""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
