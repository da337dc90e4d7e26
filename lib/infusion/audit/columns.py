"""The layout of a claims extract: which column holds what, and which columns are never read.

Canonical names (``CANONICAL``) are found by alias (``ALIASES``) or named by a column map; separate
modifier columns (``MOD1``, ``modifier_2`` ...) are joined. Columns that can identify a patient
(``PHI_PATTERN``: names, member ids, dates of birth, addresses ...) are left out of the read and
named in a notice.
"""

from __future__ import annotations

import re

from ..errors import InputError

CANONICAL = ("claim_id", "line_number", "date_of_service", "code", "units", "modifiers", "pos",
             "claim_type", "payer", "start_time", "stop_time", "zip", "locality")
REQUIRED = ("claim_id", "line_number", "date_of_service", "code", "units")
ALIASES = {
    "claim_id": ["claim_id", "claim_number", "claim_no", "clm_id", "icn"],
    "line_number": ["line_number", "line_no", "line", "ln", "claim_line"],
    "date_of_service": ["date_of_service", "dos", "service_date", "from_date", "line_dos"],
    "code": ["code", "hcpcs", "cpt", "procedure_code", "hcpcs_code", "cpt_code"],
    "units": ["units", "service_units", "unit_count", "qty", "quantity"],
    "modifiers": ["modifiers", "modifier", "mods"],
    "pos": ["pos", "place_of_service", "pos_code"],
    "claim_type": ["claim_type", "bill_type_kind", "form_type"],
    "payer": ["payer", "payer_name", "payer_family", "plan"],
    "start_time": ["start_time", "infusion_start", "start"],
    "stop_time": ["stop_time", "infusion_stop", "stop", "end_time"],
    "zip": ["zip", "zip_code", "service_zip", "provider_zip"],
    "locality": ["locality", "mac_locality"],
}
PHI_PATTERN = re.compile(r"(name|member|subscriber|insured|dob|birth|ssn|social|mrn|medical_record|"
                         r"address|street|phone|email|patient)", re.I)


def resolve_columns(header: list[str], mapping: dict[str, str] | None = None
                    ) -> tuple[dict[str, str], list[str], list[str]]:
    """Canonical name -> source column; modifier columns; PHI columns seen (never read).

    InputError (naming the field) for a map entry that is not canonical or not in the file, and for
    a required column that is not found.
    """
    mapping = dict(mapping or {})
    lower = {h.lower().strip(): h for h in header}
    out: dict[str, str] = {}
    for canon, src in mapping.items():
        if canon not in CANONICAL:
            raise InputError("map", f"{canon!r} is not one of {', '.join(CANONICAL)}")
        if src not in header:
            raise InputError(f"map {canon}", f"column {src!r} is not in the file (columns: {', '.join(header)})")
        out[canon] = src
    for canon in CANONICAL:
        if canon in out:
            continue
        for alias in ALIASES[canon]:
            if alias in lower:
                out[canon] = lower[alias]
                break
    mod_cols = []
    if "modifiers" not in out:
        mod_cols = [h for h in header if re.fullmatch(r"(modifier|mod)_?\d", h.lower())]
    missing = [c for c in REQUIRED if c not in out]
    if missing:
        raise InputError(missing[0], f"no column for {missing[0]} (columns: {', '.join(header)}); "
                         f"map one with --map {missing[0]}=COLUMN")
    used = set(out.values()) | set(mod_cols)
    phi = [h for h in header if h not in used and PHI_PATTERN.search(h)]
    return out, mod_cols, phi
