"""Schemas of the tables in ``data/`` (pandera), checked on every load.

A failure raises :class:`~infusion.errors.DataError` naming the file, the line, the column and the
value. The line is the failing row's index label plus ``line_offset``: loaders keep the labels of
the rows as read (filtering keeps them), so the line stays right after rows are dropped.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from ..errors import DataError

_CODE = r"^(\d{5}|[A-Z]\d{4})$"
_SOURCE = pa.Column(str, pa.Check.str_length(min_value=10), nullable=False)
_YESNO = pa.Check.isin(["yes", "no"])

REFERENCE_SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "codes.csv": pa.DataFrameSchema(
        {
            "code": pa.Column(str, pa.Check.str_matches(_CODE), unique=True),
            "description": pa.Column(str, pa.Check.str_length(min_value=5)),
            "kind": pa.Column(str, pa.Check.isin(["primary", "add-on", "home-visit", "per-diem", "medicare-hit"])),
            "family": pa.Column(str),
            "primary_codes": pa.Column(str, pa.Check.str_matches(r"^(\d{5}( \d{5})*)?$")),
            "time_based": pa.Column(str, _YESNO),
            "source_tags": pa.Column(str),
            "source": _SOURCE,
        },
        strict=True,
    ),
    "places_of_service.csv": pa.DataFrameSchema(
        {
            "pos": pa.Column(str, pa.Check.str_matches(r"^\d{2}$"), unique=True),
            "name": pa.Column(str),
            "facility_for_drug_admin": pa.Column(str, _YESNO),  # commercial payers, by payer policy
            "facility_source_tags": pa.Column(str),
            "medicare_facility": pa.Column(str, _YESNO),  # Medicare: 100-04 ch. 12 §20.4.2
            "medicare_source_tags": pa.Column(str),
            "source": _SOURCE,
        },
        strict=True,
    ),
    "modifiers.csv": pa.DataFrameSchema(
        {
            "modifier": pa.Column(str, pa.Check.str_matches(r"^[0-9A-Z]{2}$"), unique=True),
            "valid": pa.Column(str, _YESNO),
            "meaning": pa.Column(str),
            "when_to_use": pa.Column(str),
            "line": pa.Column(str),
            "source_tags": pa.Column(str),
            "source": _SOURCE,
        },
        strict=True,
    ),
    "mue.csv": pa.DataFrameSchema(
        {
            "program": pa.Column(
                str,
                pa.Check.isin(
                    ["medicaid-practitioner", "medicare-practitioner", "medicare-outpatient-hospital", "medicare-dme"]
                ),
            ),
            "code": pa.Column(str, pa.Check.str_matches(_CODE)),
            "mue": pa.Column(str, pa.Check.str_matches(r"^\d+$")),
            "unit": pa.Column(str),
            "rationale": pa.Column(str),
            "mai": pa.Column(str, pa.Check.isin(["", "1", "2", "3"])),
            "effective": pa.Column(str),
            "source": _SOURCE,
        },
        strict=True,
    ),
    "sources.csv": pa.DataFrameSchema(
        {
            "tag": pa.Column(str, pa.Check.str_matches(r"^S\d+$"), unique=True),
            "title": pa.Column(str),
            "address": pa.Column(str),
            "source": _SOURCE,
        },
        strict=True,
    ),
}


REFERENCE_SCHEMAS["ncci_aoc.csv"] = pa.DataFrameSchema(
    {
        "primary": pa.Column(str, pa.Check.str_matches(_CODE)),
        "add_on": pa.Column(str, pa.Check.str_matches(_CODE)),
        "edit_type": pa.Column(str, pa.Check.isin(["1", "2", "3"])),
        "effective": pa.Column(str, pa.Check.str_matches(r"^\d{4}-\d{2}-\d{2}$")),
        "source": _SOURCE,
    },
    strict=True,
)
REFERENCE_SCHEMAS["ncci_ptp.csv"] = pa.DataFrameSchema(
    {
        "setting": pa.Column(str, pa.Check.isin(["practitioner", "outpatient-hospital"])),
        "column1": pa.Column(str, pa.Check.str_matches(_CODE)),
        "column2": pa.Column(str, pa.Check.str_matches(_CODE)),
        "modifier_indicator": pa.Column(str, pa.Check.isin(["0", "1", "9"])),
        "deletion_date": pa.Column(str, pa.Check.str_matches(r"^\d{4}-\d{2}-\d{2}$")),
        "rationale": pa.Column(str),
        "source": _SOURCE,
    },
    strict=True,
)
REFERENCE_SCHEMAS["drugs.csv"] = pa.DataFrameSchema(
    {
        "hcpcs": pa.Column(str, pa.Check.str_matches(r"^[A-Z]\d{4}$"), unique=True),
        "product": pa.Column(str),
        "therapy": pa.Column(str),
        "dosage_amount": pa.Column(str, pa.Check.str_matches(r"^\d+(\.\d+)?$")),
        "dosage_unit": pa.Column(str, pa.Check.isin(["mg", "g", "units", "ml", "mcg"])),
        "single_dose": pa.Column(str, pa.Check.isin(["yes", "no"])),
        "vial_units": pa.Column(str, pa.Check.str_matches(r"^\d+( \d+)*$")),
        "source": _SOURCE,
    },
    strict=True,
)
REFERENCE_SCHEMAS["payer_policies.csv"] = pa.DataFrameSchema(
    {
        "payer_family": pa.Column(str, pa.Check.isin(["medicare", "aetna", "bcbs", "cigna", "uhc"])),
        "plan_or_entity": pa.Column(str),
        "policy": pa.Column(str),
        "number": pa.Column(str),
        "date": pa.Column(str, pa.Check.str_length(min_value=4)),
        "applies_to": pa.Column(str),
        "what_it_says": pa.Column(str, pa.Check.str_length(min_value=20)),
        "address": pa.Column(str, pa.Check.str_startswith("http")),
        "source_tags": pa.Column(str),
        "confidence": pa.Column(str, pa.Check.isin(["H", "M", "L"])),
        "source": _SOURCE,
    },
    strict=True,
)
REFERENCE_SCHEMAS["policy_timeline.csv"] = pa.DataFrameSchema(
    {
        "date": pa.Column(str, pa.Check.str_matches(r"^\d{4}-\d{2}-\d{2}$")),
        "payer_family": pa.Column(str, pa.Check.isin(["all", "medicare", "aetna", "bcbs", "cigna", "uhc"])),
        "topic": pa.Column(str),
        "event": pa.Column(str, pa.Check.str_length(min_value=10)),
        "source_tags": pa.Column(str),
        "confidence": pa.Column(str, pa.Check.isin(["H", "M", "L"])),
        "source": _SOURCE,
    },
    strict=True,
)

_CONF = pa.Column(str, pa.Check.isin(["H", "M", "L"]))
MEDICARE_SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "pfs_rvu.csv": pa.DataFrameSchema(
        {
            "year": pa.Column(int, pa.Check.in_range(2000, 2100)),
            "release": pa.Column(str),
            "variant": pa.Column(str, pa.Check.isin(["all", "qp", "nonqp"])),
            "code": pa.Column(str, pa.Check.str_matches(_CODE)),
            "work_rvu": pa.Column(float, pa.Check.in_range(0, 1000)),  # finite: inf passes ge(0)
            "pe_nonfac": pa.Column(float, pa.Check.in_range(0, 1000)),
            "mp_rvu": pa.Column(float, pa.Check.in_range(0, 1000)),
            "confidence": _CONF,
            "source": _SOURCE,
        },
        strict=False,
        unique=["year", "release", "variant", "code"],
    ),
    "gpci.csv": pa.DataFrameSchema(
        {
            "year": pa.Column(int),
            "mac": pa.Column(str, pa.Check.str_matches(r"^\d{5}$")),
            "locality": pa.Column(str, pa.Check.str_matches(r"^\d{2}$")),
            "pw_gpci": pa.Column(float, pa.Check.in_range(0.3, 3.0)),
            "pe_gpci": pa.Column(float, pa.Check.in_range(0.3, 3.0)),
            "mp_gpci": pa.Column(float, pa.Check.in_range(0.1, 5.0)),
            "source": _SOURCE,
        },
        strict=False,
        unique=["year", "mac", "locality"],
    ),
    "conversion_factors.csv": pa.DataFrameSchema(
        {
            "year": pa.Column(int),
            "variant": pa.Column(str, pa.Check.isin(["all", "qp", "nonqp"])),
            "cf": pa.Column(float, pa.Check.in_range(10, 100)),
            "confidence": _CONF,
            "source": _SOURCE,
        },
        strict=False,
    ),
    "asp_limits.csv": pa.DataFrameSchema(
        {
            "quarter": pa.Column(str, pa.Check.str_matches(r"^\d{4}-Q[1-4]$")),
            "hcpcs": pa.Column(str, pa.Check.str_matches(r"^[A-Z]\d{4}$")),
            "description": pa.Column(str),
            "dosage": pa.Column(str),
            "payment_limit": pa.Column(float, pa.Check.in_range(0, 1e7)),
            "coinsurance_pct": pa.Column(float, pa.Check.in_range(0, 100)),
            "source": _SOURCE,
        },
        strict=True,
        unique=["quarter", "hcpcs"],
    ),
    "opps_rates.csv": pa.DataFrameSchema(
        {
            "edition": pa.Column(str, pa.Check.str_matches(r"^\d{4}-(01|04|07|10)$")),
            "code": pa.Column(str, pa.Check.str_matches(_CODE)),
            "si": pa.Column(str, pa.Check.str_matches(r"^[A-Z][0-9A-Z]?$")),
            "payment_rate": pa.Column(float, pa.Check.in_range(0, 1e7), nullable=True),  # packaged (SI N): none
            "confidence": _CONF,
            "source": _SOURCE,
        },
        strict=False,
        unique=["edition", "code"],
    ),
}


def raise_schema_error(err: SchemaError | SchemaErrors, path: Path | str, line_offset: int = 2) -> None:
    """Re-raise a pandera error as a DataError naming file, line, column and value."""
    cases = getattr(err, "failure_cases", None)
    where = f"{Path(path).name}"
    if cases is not None and len(cases):
        first = cases.iloc[0]
        column = first.get("column", None)
        index = first.get("index", None)
        value = first.get("failure_case", None)
        check = first.get("check", "")
        row = ""
        if index is not None and not pd.isna(index):
            try:
                row = f" line {int(index) + line_offset}"
            except (TypeError, ValueError):
                row = f" row {index}"
        col = f" column {column!r}" if column is not None and not pd.isna(column) else ""
        raise DataError(f"{where}{row}{col}: value {value!r} fails {check} ({len(cases)} problem(s) in all)") from None
    raise DataError(f"{where}: {err}") from None


def validate(df: pd.DataFrame, schema: pa.DataFrameSchema, path: Path | str, line_offset: int = 2) -> pd.DataFrame:
    """Validate ``df`` (read from ``path``); DataError on the first failure, with its location.

    ``line_offset``: file line of the row labelled 0 (2 for a CSV with one header line read with
    the default index; 0 when the labels already are line numbers).
    """
    try:
        return schema.validate(df, lazy=True)
    except (SchemaError, SchemaErrors) as err:
        raise_schema_error(err, path, line_offset)
        raise  # unreachable
