"""What an audit writes: the output files (findings, rejects, summary, by payer, by provider), the
one line naming the file audited, and the report footer. Claim and line keys and aggregates only;
CSV cells that a spreadsheet would run as a formula are prefixed (``redact.spreadsheet_safe``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..config import check_outputs
from ..errors import InputError, shown
from ..redact import spreadsheet_safe
from ..safe_io import atomic_files

if TYPE_CHECKING:
    from .result import AuditResult


_KIND_NAMES = {"csv": "CSV", "parquet": "Parquet", "spreadsheet": "spreadsheet", "x12": "X12 837"}


def describe_source(claims: str | Path, res: AuditResult) -> str:
    """One line naming the file audited, its kind, and ILLUSTRATIVE when it is one of the samples
    the repository generates (under data/samples)."""
    from ..config import data_dir

    path = Path(claims).resolve()
    illustrative = path.is_relative_to((data_dir() / "samples").resolve())
    return (f"claims file: {path.name} ({_KIND_NAMES.get(res.source_kind, res.source_kind)})"
            + ("; ILLUSTRATIVE sample with planted errors, not real claims" if illustrative else ""))


def footer_html(claims: str | Path, res: AuditResult) -> str:
    """Report footer: the render date, the file audited, the data sources of prices and rules."""
    from ..footer import DEFAULT_DATA_SOURCES, report_footer  # the Medicare files (PFS, GPCI, ZIP, OPPS, MUE)

    sources = [s for s in DEFAULT_DATA_SOURCES if s.startswith("CMS")] + [
        "Coding rules: shared/domain/coding-rules.md and research-notes.md (each message names its rule "
        "id and sources)"]
    return report_footer(f"{describe_source(claims, res)}; {res.accounting()}.",
                         sources, note="Claim and line keys and aggregates only.")


def output_paths(out: str | Path, rejects: str | Path | None = None) -> dict[str, Path]:
    """The files an audit writes, by the option they come from: findings (``out``), rejects (given,
    or OUT.rejects.EXT), and beside them OUT.summary.csv, OUT.payers.csv, OUT.providers.csv."""
    out = Path(out)
    if not str(out).strip() or out.name in ("", ".", "..") or out.is_dir():
        raise InputError("out", f"{shown(str(out))} is not a file name (findings.csv or findings.parquet)")
    return {"out": out, "rejects": Path(rejects) if rejects else out.with_name(out.stem + ".rejects" + out.suffix),
            "out (summary)": out.with_name(out.stem + ".summary.csv"),
            "out (by payer)": out.with_name(out.stem + ".payers.csv"),
            "out (by provider)": out.with_name(out.stem + ".providers.csv")}


def write_outputs(res: AuditResult, out: str | Path, rejects: str | Path | None = None) -> dict[str, str]:
    """Write findings (CSV or Parquet by extension), the summary by rule and payer, the share of
    lines with findings by payer and by provider (CSV: OUT.summary.csv, OUT.payers.csv,
    OUT.providers.csv: no rows when the file names no provider) and the rejects. All
    are written to temporary names first and renamed only when all are complete, so a failed
    write leaves the previous outputs as they were (InputError naming the path). Claim and line
    keys only."""
    out, rej, summ, payers, providers = check_outputs(output_paths(out, rejects)).values()
    targets = [out, rej, summ, payers, providers]
    frames = [res.findings, res.rejected, res.summary, res.by_payer, res.by_provider]
    path = out
    try:
        for p in targets:
            p.parent.mkdir(parents=True, exist_ok=True)
        with atomic_files(targets) as tmps:
            for path, tmp, df in zip(targets, tmps, frames):
                if path.suffix.lower() in (".parquet", ".pq"):
                    df.to_parquet(tmp, index=False)
                else:
                    spreadsheet_safe(df).to_csv(tmp, index=False, date_format="%Y-%m-%d")
    except OSError as err:
        field = "rejects" if rejects and path == rej else "out"
        raise InputError(field, f"cannot write {path}: {err.strerror or err}") from None
    res.outputs = {"findings": str(out), "rejects": str(rej), "summary": str(summ), "payers": str(payers),
                   "providers": str(providers)}
    return res.outputs
