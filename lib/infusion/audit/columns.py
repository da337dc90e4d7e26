"""The layout of a claims extract: which column holds what, and which columns are never read.

Canonical names (``CANONICAL``) are found by alias (``ALIASES``: common names and the CMS CCLF,
CCW and Tuva layouts; headers compared as ``normalise`` spells them, so ``Date of Service`` is
``date_of_service``) or named by a column map; separate modifier columns (``MOD1``,
``modifier_2``, ``HCPCS_1_MDFR_CD`` ...) are joined. Columns that can identify a patient
(``PHI_PATTERN``: names, member ids, dates of birth, addresses ...) are left out of the read and
named in a notice.
"""

from __future__ import annotations

import re

from ..errors import InputError, shown
from ..redact import header_listing

CANONICAL = (
    "claim_id",
    "line_number",
    "date_of_service",
    "code",
    "units",
    "modifiers",
    "pos",
    "claim_type",
    "claim_frequency",
    "payer",
    "provider",
    "start_time",
    "stop_time",
    "zip",
    "locality",
    "claim_date",
)
REQUIRED = ("claim_id", "line_number", "date_of_service", "code", "units")
# Aliases, first match wins. Besides common names: the CMS CCLF files (CCLF5 Part B physician,
# CCLF2 Part A revenue centre: CUR_CLM_UNIQ_ID, CLM_LINE_NUM, CLM_LINE_FROM_DT, CLM_LINE_HCPCS_CD,
# CLM_LINE_SRVC_UNIT_QTY, CLM_POS_CD, CLM_TYPE_CD, HCPCS_1_MDFR_CD ...), the CCW/RIF carrier and
# outpatient claim lines (CLM_ID, LINE_NUM, LINE_1ST_EXPNS_DT, REV_CNTR_DT, HCPCS_CD,
# LINE_SRVC_CNT, REV_CNTR_UNIT_CNT, LINE_PLACE_OF_SRVC_CD, NCH_CLM_TYPE_CD, HCPCS_1ST_MDFR_CD,
# PRVDR_ZIP) and the Tuva Project's medical_claim input layout (claim_line_number,
# claim_line_start_date, hcpcs_code, service_unit_quantity, place_of_service_code,
# hcpcs_modifier_1 ...).
ALIASES = {
    "claim_id": ["claim_id", "claim_number", "claim_no", "claim_num", "clm_id", "icn", "cur_clm_uniq_id"],
    # not "ln": in demographic layouts it is the last name (FN, LN)
    "line_number": ["line_number", "line_no", "line", "claim_line", "claim_line_number", "clm_line_num", "line_num"],
    "date_of_service": [
        "date_of_service",
        "dos",
        "service_date",
        "from_date",
        "line_dos",
        "claim_line_start_date",
        "clm_line_from_dt",
        "line_1st_expns_dt",
        "rev_cntr_dt",
        "clm_line_instnl_rev_ctr_dt",
    ],
    "code": ["code", "hcpcs", "cpt", "procedure_code", "hcpcs_code", "cpt_code", "clm_line_hcpcs_cd", "hcpcs_cd"],
    "units": [
        "units",
        "service_units",
        "unit_count",
        "qty",
        "quantity",
        "service_unit_quantity",
        "clm_line_srvc_unit_qty",
        "line_srvc_cnt",
        "rev_cntr_unit_cnt",
    ],
    "modifiers": ["modifiers", "modifier", "mods"],
    "pos": ["pos", "place_of_service", "pos_code", "place_of_service_code", "clm_pos_cd", "line_place_of_srvc_cd"],
    "claim_type": [
        "claim_type",
        "bill_type_kind",
        "form_type",
        "clm_type_cd",
        "nch_clm_type_cd",
        "bill_type_code",
        "type_of_bill",
    ],
    # NUBC claim frequency (8: void); CCW/Blue Button CLM_FREQ_CD, CCLF1 CLM_BILL_FREQ_CD
    "claim_frequency": [
        "claim_frequency",
        "claim_frequency_code",
        "claim_frequency_type_code",
        "frequency_code",
        "frequency_type_code",
        "clm_freq_cd",
        "freq_cd",
        "clm_bill_freq_cd",
    ],
    "payer": ["payer", "payer_name", "payer_family", "plan", "primary_payer", "primary_insurance", "insurance"],
    # who rendered the service (an NPI, or a clinic or department): CCLF5 RNDRG_PRVDR_NPI_NUM, CCW carrier
    # PRF_PHYSN_NPI and outpatient REV_CNTR_RNDRNG_PHYSN_NPI, Tuva rendering_npi / billing_npi
    "provider": [
        "provider",
        "rendering_npi",
        "rendering_provider_npi",
        "rendering_provider",
        "rndrg_prvdr_npi_num",
        "prf_physn_npi",
        "rev_cntr_rndrng_physn_npi",
        "provider_npi",
        "npi",
        "clinician",
        "practitioner",
        "billing_npi",
        "billing_provider_npi",
        "clinic",
        "department",
    ],
    "start_time": ["start_time", "infusion_start", "start", "infusion_start_time"],
    "stop_time": ["stop_time", "infusion_stop", "stop", "end_time", "infusion_stop_time", "infusion_end_time"],
    "zip": ["zip", "zip_code", "service_zip", "provider_zip", "prvdr_zip"],
    "locality": ["locality", "mac_locality"],
    # the claim's own date (its first date of service), taken for a line whose date of service is empty
    # (Tuva's institutional lines leave claim_line_start_date empty and give claim_start_date)
    "claim_date": [
        "claim_date",
        "claim_start_date",
        "claim_from_date",
        "clm_from_dt",
        "statement_from_date",
        "claim_service_date",
    ],
}
# separate modifier columns, joined in header order: MOD1, modifier_2, hcpcs_modifier_1 (Tuva),
# HCPCS_1_MDFR_CD (CCLF), HCPCS_1ST_MDFR_CD (CCW)
MODIFIER_COLUMN = re.compile(r"(?:hcpcs_)?(?:modifier|mod|mdfr)_?\d(?:_cd)?|hcpcs_\d(?:st|nd|rd|th)?_mdfr_cd", re.I)
PHI_PATTERN = re.compile(
    r"(name|member|subscriber|insured|dob|birth|ssn|social|mrn|medical_record|"
    r"address|street|phone|email|patient|person_id|bene_|hicn|hic_num|(?:^|_)mbi(?:_|$))",
    re.I,
)


def normalise(name: str) -> str:
    """A header as the aliases spell it: lower case, runs of anything but letters and digits as one
    ``_``, none at the ends (``Date of Service`` -> ``date_of_service``, ``Line #`` -> ``line``)."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


_NUMBERED = re.compile(r"(.+?)_(\d+)")


def wide_layout(header: list[str]) -> str | None:
    """A message when ``header`` is a claim-per-row layout (one row per claim, its services in
    numbered columns such as DE-SynPUF's ``HCPCS_CD_1`` .. ``HCPCS_CD_13``), else None.

    Such files are not claim lines: the DE-SynPUF carrier and outpatient files give each service's
    code (and payment amounts) but no units or place of service per service, so the unit rules
    cannot be checked on them."""
    numbered: dict[str, int] = {}
    for h in header:
        m = _NUMBERED.fullmatch(normalise(h))
        if m:
            numbered[m.group(1)] = max(numbered.get(m.group(1), 0), int(m.group(2)))
    codes = [k for k, n in numbered.items() if n >= 2 and k in ALIASES["code"]]
    if not codes:
        return None
    per_line = sorted(k for k, n in numbered.items() if n == numbered[codes[0]])
    has_units = any(k in ALIASES["units"] or "unit" in k or "qty" in k for k in per_line)
    return (
        f"a claim-per-row layout ({codes[0].upper()}_1 .. {codes[0].upper()}_{numbered[codes[0]]}: "
        f"one row per claim, its services in numbered columns: {', '.join(per_line)}), not one row per "
        "claim line. "
        + (
            ""
            if has_units
            else "It gives no units per service, which every unit rule needs, so its lines cannot be audited. "
        )
        + "Give the audit one row per claim line (claim id, line number, date of service, code, "
        "units), e.g. the CCW RIF line files or an 837."
    )


def is_patient_column(name: str, canon: str | None = None) -> bool:
    """Whether a header names a column that can identify a patient (``PHI_PATTERN``), unless it is
    one of the aliases of ``canon`` (``payer_name`` names the payer, not a person)."""
    return bool(PHI_PATTERN.search(name)) and not (canon and normalise(name) in ALIASES[canon])


def _mapped(
    canon: str, src: str, header: list[str], lower: dict[str, str], recognised: list[str], allowed: set[str]
) -> str:
    """The column a ``--map canon=src`` entry names (as written, or else as normalised:
    code=cpt_code finds "CPT Code"); InputError for a name that is not canonical, a column not in the
    file, or one that can identify a patient (unless ``--not-patient-data`` names it)."""
    if canon not in CANONICAL:
        raise InputError("map", f"{shown(canon, 40)} is not one of {', '.join(CANONICAL)}")
    if src not in header:
        if normalise(src) not in lower:
            raise InputError(
                f"map {canon}", f"column {shown(src, 40)} is not in the file ({header_listing(header, recognised)})"
            )
        src = lower[normalise(src)]
    if is_patient_column(src, canon) and normalise(src) not in allowed:
        raise InputError(
            f"map {canon}",
            f"column {shown(src, 40)} can identify a patient (its name says "
            "so) and the audit writes the values of the columns it reads; map another "
            f"column, or give --not-patient-data {shown(src, 40)} if it holds none",
        )
    return src


def _recognised(lower: dict[str, str], mapping: dict[str, str], notes: list[str] | None) -> dict[str, str]:
    """Canonical name -> the first column of ``lower`` (normalised name -> column) that is one of
    its aliases. Two candidates for a required column not in ``mapping``: InputError naming both;
    for another column, a notice in ``notes`` names the ones left."""
    out: dict[str, str] = {}
    for canon in CANONICAL:
        candidates = [lower[alias] for alias in ALIASES[canon] if alias in lower]
        if not candidates:
            continue
        out[canon] = candidates[0]
        if len(candidates) > 1 and canon not in mapping:
            if canon in REQUIRED:
                raise InputError(
                    canon,
                    f"two columns could hold the {canon.replace('_', ' ')}: "
                    f"{shown(candidates[0], 40)} and {shown(candidates[1], 40)}; name the one to read "
                    f"with --map {canon}=COLUMN",
                )
            if notes is not None:
                notes.append(
                    f"{canon}: read from {shown(candidates[0], 40)}, not from "
                    + ", ".join(shown(c, 40) for c in candidates[1:3])
                    + " (give --map to choose)"
                )
    return out


def resolve_columns(
    header: list[str],
    mapping: dict[str, str] | None = None,
    not_patient: list[str] | tuple[str, ...] = (),
    notes: list[str] | None = None,
) -> tuple[dict[str, str], list[str], list[str]]:
    """Canonical name -> source column; modifier columns; PHI columns seen (never read).

    Two columns that could each be a required one (``CPT Code`` and ``HCPCS``, both codes) are
    refused, naming both and the map that chooses; for the others the first is read and a notice
    (appended to ``notes``) names the one left. A header naming a column the audit reads twice is
    refused (which would be read is not knowable).

    InputError (naming the field) for a map entry that is not canonical or not in the file, for a
    map entry naming a column that can identify a patient (``Subscriber ID`` as the claim id)
    unless ``not_patient`` names it, and for a required column that is not found. Messages list
    the header only when it is one (``redact.header_listing``).
    """
    mapping = dict(mapping or {})
    lower: dict[str, str] = {}
    for h in header:  # the first column of each normalised name
        lower.setdefault(normalise(h), h)
    out = _recognised(lower, mapping, notes)
    recognised = list(out.values())
    allowed = {normalise(n) for n in not_patient}
    for canon, src in mapping.items():
        out[canon] = _mapped(canon, src, header, lower, recognised, allowed)
    mod_cols = []
    if "modifiers" not in out:
        mod_cols = [h for h in header if MODIFIER_COLUMN.fullmatch(normalise(h))]
    missing = [c for c in REQUIRED if c not in out]
    if missing:
        wide = wide_layout(header)
        if wide:
            raise InputError("claims", wide)
        raise InputError(
            missing[0],
            f"no column for {missing[0]} ({header_listing(header, recognised)}); "
            f"map one with --map {missing[0]}=COLUMN",
        )
    used = set(out.values()) | set(mod_cols)
    twice = [h for h in used if header.count(h) > 1]
    if twice:
        raise InputError(
            "claims",
            f"the header names the column {shown(twice[0], 40)} {header.count(twice[0])} "
            "times: which to read is not knowable; rename one",
        )
    phi = [h for h in header if h not in used and is_patient_column(h)]
    return out, mod_cols, phi
