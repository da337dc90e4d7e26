"""What every command shares."""

import os
import sys

from ..errors import InputError, shown

# the name the user typed: the console script ``infusion``, or ``python -m infusion``
PROG = "infusion" if os.path.basename(sys.argv[0] or "") == "infusion" else "python -m infusion"


def key_value_map(entries: list[str], form: str, example: str) -> dict[str, str]:
    """``--map`` entries ``KEY=VALUE`` as key -> value (both stripped; a later key wins); InputError
    (field "map") naming an entry without ``=`` or with an empty side, and the ``form`` and an
    ``example`` of what is expected."""
    mapping = {}
    for entry in entries:
        key, sep, value = entry.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError("map", f"{shown(entry)} is not {form} (for example {example})")
        mapping[key.strip()] = value.strip()
    return mapping
