"""The one rule for text that came from an input file: escaped for where it goes.

A payer's name, a plan, a hospital, a column header or a reason quoting a file's value is hostile:
it may hold HTML (``</p><script>``), Markdown (``[x](javascript:...)``), control characters or
megabytes. Every such text goes through one of these before it reaches a report or a terminal:

* :func:`md` for Markdown (a notebook's ``show_markdown``, which Jupyter renders as HTML): control
  characters removed, the size bounded, HTML's special characters as entities and Markdown's
  punctuation backslash-escaped, so it reads as the same text and makes no element, link or emphasis;
* :func:`html` for HTML: control characters removed, the size bounded, entities for ``& < > " '``;
* :func:`terminal` for a terminal or a log line: control characters (ANSI escapes, line breaks that
  would forge a line) replaced by ``?``, the size bounded.
"""

from __future__ import annotations

import html as _html
import re

MAX_CHARS = 300
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"[\r\n\t]+")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:])")


def _bounded(text: object, limit: int) -> str:
    s = "" if text is None else str(text)
    if len(s) > limit:
        s = s[:limit] + f"... ({len(s) - limit} more characters)"
    return s


def md(text: object, limit: int = MAX_CHARS) -> str:
    """``text`` as Markdown that renders as the same text, no markup (see module doc)."""
    s = _LINE_BREAKS.sub(" ", _CONTROL.sub("", _bounded(text, limit)))
    return _html.escape(_MD_SPECIAL.sub(r"\\\1", s), quote=True)  # & < > " ' become entities, after


def html(text: object, limit: int = MAX_CHARS) -> str:
    """``text`` as HTML text (see module doc)."""
    return _html.escape(_CONTROL.sub("", _bounded(text, limit)), quote=True)


def terminal(text: object, limit: int = MAX_CHARS) -> str:
    """``text`` safe to print on one terminal line (see module doc)."""
    return _CONTROL.sub("?", _LINE_BREAKS.sub(" ", _bounded(text, limit)))
