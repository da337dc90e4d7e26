"""Price-transparency files -> one tidy Parquet table of rates for the requested codes.

Files are read one per process (``jobs``), or on a Dask cluster when a scheduler address is given.
A progress bar counts the bytes read (compressed bytes for ``.gz``). The Parquet file is written to a
temporary name and renamed when complete; a manifest beside it (``OUT.manifest.json``) lists every
input file with its status, rows and warnings, so a partial run never passes for a complete one.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from dataclasses import dataclass, field
from multiprocessing.managers import SyncManager
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from ..config import check_file, check_outputs
from ..errors import DataError, InputError, shown
from ..safe_io import atomic_files, atomic_write
from .chargemaster import SPREADSHEET_SUFFIXES, read_chargemaster
from .fetch import check_url, head, is_url, url_name
from .fileinfo import apply_file_info, read_file_info
from .index import in_network_files
from .model import Extraction, to_frame
from .providers import ProviderFilter
from .tic import GZIP_ERRORS, UrlFile, as_source, open_stream, read_tic

if TYPE_CHECKING:
    import pandas as pd

FAMILY_CODES = ("96369", "96370", "96371", "96372")


def sniff(path: "Path | UrlFile") -> str:
    """'tic', 'index', 'hpt-json', 'hpt-csv' or 'chargemaster' from the file's first bytes (after
    gzip); a URL is read as far as that."""
    if not isinstance(path, UrlFile):
        if not path.is_file():
            raise InputError("file", f"{str(path)!r} does not exist")
        with open(path, "rb") as fh:
            magic = fh.read(8)
        if (
            path.suffix.lower() in SPREADSHEET_SUFFIXES
            or magic[:4] == b"PK\x03\x04"
            or magic == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        ):
            return "chargemaster"
    stream, _ = open_stream(path)
    head = b""
    with stream:
        try:  # read what there is: a damaged file is reported by the reader, with offsets
            while len(head) < (1 << 16):
                chunk = stream.read1((1 << 16) - len(head))
                if not chunk:
                    break
                head += chunk
        except (OSError,) + GZIP_ERRORS:
            pass
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \r\n\t")
    if text.startswith("{"):
        if '"in_network"' in text or '"provider_references"' in text or '"reporting_entity_name"' in text:
            if '"reporting_structure"' in text:
                return "index"
            if '"out_of_network"' in text:
                raise DataError(f"{path.name}: an allowed-amounts file, not in-network rates")
            return "tic"
        if '"standard_charge_information"' in text or '"hospital_name"' in text:
            return "hpt-json"
        raise DataError(f"{path.name}: JSON, but neither a TiC in-network file nor a hospital v3 file")
    first = text.splitlines()[0].lower() if text else ""
    if "hospital_name" in first:
        return "hpt-csv"
    if text.startswith("["):
        raise DataError(f"{path.name}: JSON, but neither a TiC in-network file nor a hospital v3 file")
    if "\x00" in text:
        raise DataError(f"{path.name}: binary, not a TiC JSON, hospital CSV/JSON or chargemaster file")
    return "chargemaster"  # a non-template CSV: its reader finds the header row or says why not


def extract_file(
    path: str | Path,
    codes: Iterable[str] = FAMILY_CODES,
    on_read=None,
    billing_class: str | None = None,
    column_map: dict[str, str] | None = None,
    max_item_mb: int = 64,
    providers: ProviderFilter | None = None,
) -> Extraction:
    """Read one file of any supported format.

    ``billing_class`` (professional or institutional) is used for hospital rows whose file does
    not give one; ``column_map`` names the columns of a non-template chargemaster; a JSON item
    (or top-level member) larger than ``max_item_mb`` is refused, so memory stays bounded."""
    p = as_source(path)
    kind = sniff(p)
    if kind == "index":
        raise DataError(
            f"{p.name}: a table-of-contents (index) file: its in-network files are read by "
            "`rates extract` (extract_files), not one by one"
        )
    if isinstance(p, UrlFile) and kind == "chargemaster":
        raise DataError(f"{p.name}: a URL of a chargemaster or spreadsheet: download it and give the file")
    cs = {str(c).strip() for c in codes}
    if kind == "tic":
        return read_tic(p, cs, on_read, max_item=max_item_mb << 20, providers=providers)
    if providers is not None:
        raise DataError(
            f"{p.name}: a hospital or chargemaster file: the NPI/TIN list applies to payers' "
            "in-network files (a hospital file's rates are the hospital's own)"
        )
    from .hospital import read_hospital_csv, read_hospital_json  # pandas: loaded for hospital files only

    if kind == "hpt-json":
        return read_hospital_json(p, cs, billing_class, max_item=max_item_mb << 20)
    if kind == "hpt-csv":
        return read_hospital_csv(p, cs, billing_class=billing_class)
    from .hospital import file_billing_class

    ex = read_chargemaster(p, cs, "institutional", column_map)
    entity = str(ex.rows[0]["reporting_entity"]) if ex.rows else Path(str(p)).stem
    cls, why = file_billing_class(entity, billing_class)
    for row in ex.rows:
        row["billing_class"] = cls
    if why:
        ex.warnings.append(why)
    return ex


@dataclass
class RunResult:
    out: Path | None
    rows: int = 0
    files: list[dict] = field(default_factory=list)

    @property
    def failed(self) -> list[dict]:
        return [f for f in self.files if f["status"] != "ok"]


def _name(path: str) -> str:
    return url_name(path) if is_url(path) else Path(path).name


def _worker(
    path: str, codes: tuple[str, ...], queue=None, options: dict | None = None
) -> tuple[str, Extraction | None, str | None]:
    return _guarded(path, codes, queue.put if queue is not None else None, options or {})


def _guarded(path: str, codes: tuple[str, ...], on_read, options: dict) -> tuple[str, Extraction | None, str | None]:
    """Extract one file; any failure of reading it becomes that file's message (the run goes on)."""
    try:
        return path, extract_file(path, codes, on_read, **options), None
    except (DataError, InputError) as err:
        return path, None, str(err)
    except RecursionError:
        return path, None, f"{_name(path)}: nested too deeply to read"
    except GZIP_ERRORS as err:
        return path, None, f"{_name(path)}: the compressed file is truncated or damaged ({err})"
    except MemoryError:
        return path, None, f"{_name(path)}: not enough memory to read it"
    except Exception as err:  # noqa: BLE001 - an untrusted file: any failure is that file's, the run goes on
        return path, None, f"{_name(path)}: not readable ({type(err).__name__}: {str(err)[:200]})"


SCHEDULER = re.compile(r"(tcp|tls|ucx)://[A-Za-z0-9.\-\[\]:]+:\d{1,5}")


def check_scheduler(address: str) -> str:
    """``address`` when it has the form of a Dask scheduler address, or ``local`` (a local cluster
    started for the run); InputError("scheduler")."""
    if address.strip() != "local" and not SCHEDULER.fullmatch(address.strip()):
        raise InputError(
            "scheduler",
            f"{shown(address)} is not a Dask scheduler address (tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786, or local)",
        )
    return address.strip()


def _die_with_parent() -> None:
    """In a worker process: ask the kernel to end it when its parent ends (Linux PR_SET_PDEATHSIG),
    so a killed ``rates extract`` leaves no reader running on."""
    for sig in (signal.SIGTERM, signal.SIGHUP):  # the CLI's handlers (raise, clean up) are the parent's
        signal.signal(sig, signal.SIG_DFL)
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent ended before the request took effect
            os._exit(1)
    except (OSError, AttributeError):
        pass  # not Linux: workers end when the pool is shut down


def _died(path: str) -> tuple[str, None, str]:
    return (
        path,
        None,
        f"{_name(path)}: the process reading it died (the reader aborted, or it ran out of "
        "memory): refused; the other files are read",
    )


def _pool_extract(
    files: list[str], codes: tuple[str, ...], jobs: int, options: dict, bar
) -> list[tuple[str, Extraction | None, str | None]]:
    """Files read by ``jobs`` worker processes (each ending with its parent). A worker that dies
    (a file that made its reader abort, or the kernel kill it) breaks the pool: the files not yet
    read are then read again one by one, each in a process of its own, so only the file that kills
    its process fails, with why."""
    out: dict[str, tuple[str, Extraction | None, str | None]] = {}

    def drain(queue) -> None:
        while not queue.empty():
            n = queue.get()
            if bar is not None:
                bar.update(n)

    manager = SyncManager()
    manager.start(_die_with_parent)  # a process of its own, ending with its parent as the workers do
    with manager:
        queue = manager.Queue()
        try:
            with ProcessPoolExecutor(max_workers=jobs, initializer=_die_with_parent) as pool:
                futs = {pool.submit(_worker, f, codes, queue, options): f for f in files}
                pending = set(futs)
                while pending:
                    done = {fut for fut in pending if fut.done()}
                    drain(queue)
                    for fut in done:
                        out[futs[fut]] = fut.result()  # BrokenProcessPool when a worker died
                    pending -= done
                    if pending:
                        time.sleep(0.05)
        except BrokenProcessPool:
            pass
        drain(queue)
        for f in [f for f in files if f not in out]:
            try:
                with ProcessPoolExecutor(max_workers=1, initializer=_die_with_parent) as alone:
                    out[f] = alone.submit(_worker, f, codes, queue, options).result()
            except BrokenProcessPool:
                out[f] = _died(f)
            drain(queue)
    return [out[f] for f in files]


def _dask_extract(paths: list[str], codes: tuple[str, ...], scheduler: str, options: dict, jobs: int = 2):
    """Each file (or URL) read by a worker of the Dask cluster at ``scheduler`` (``local``: a local
    cluster of ``jobs`` worker processes, started for the run); a worker that fails or is lost is
    that file's failure."""
    from dask.distributed import Client, LocalCluster

    with ExitStack() as stack:
        if scheduler == "local":
            cluster = stack.enter_context(
                LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True, dashboard_address=None)
            )
            scheduler = cluster.scheduler_address
        try:
            client = stack.enter_context(Client(scheduler, timeout="10s"))
        except (OSError, TimeoutError, ValueError) as err:
            raise InputError(
                "scheduler", f"cannot reach the Dask scheduler at {scheduler} ({str(err).splitlines()[0][:120]})"
            ) from None
        yield from _dask_results(client, paths, codes, options)


def _dask_results(client, paths: list[str], codes: tuple[str, ...], options: dict):
    """The files' results in the order given, as the workers finish them."""
    futures = client.map(_worker, paths, codes=codes, options=options, pure=False)
    for path, fut in zip(paths, futures):
        try:
            yield fut.result()
        except Exception as err:  # noqa: BLE001 - a worker that died or was lost: that file's failure
            yield (
                path,
                None,
                f"{_name(path)}: its Dask worker failed ({type(err).__name__}: "
                f"{shown(str(err), 120)}); the other files are read",
            )


def extract_files(
    paths: Iterable[str | Path],
    out: str | Path,
    codes: Iterable[str] = FAMILY_CODES,
    jobs: int = 2,
    scheduler: str | None = None,
    progress: bool = True,
    billing_class: str | None = None,
    column_map: dict[str, str] | None = None,
    max_item_mb: int = 64,
    file_info: str | Path | None = None,
    partial: str | Path | None = None,
    plan: str | None = None,
    providers: ProviderFilter | None = None,
) -> RunResult:
    """Extract ``codes`` from every file into the Parquet ``out`` (see module doc). ``file_info``:
    a sidecar CSV of facts the files may not state (hospital, state, date; ``rates.fileinfo``).

    ``out`` is written only when every file was read: a run where a file failed writes nothing there
    (the last good table stays), and writes the rows of the files that were read to ``partial`` when
    one is given (with its manifest, marked incomplete). ``RunResult.out`` is the file written, or None.

    A file may be an http(s) URL (streamed, ``fetch``), and an index (table-of-contents) file, local
    or a URL, stands for the in-network files it lists (``plan``: only those of matching plans). A
    URL whose ETag is the one the last run recorded in ``out``'s manifest is not read again: its
    rows are taken from ``out``."""
    if billing_class not in (None, "professional", "institutional"):
        raise InputError("billing-class", f"{shown(billing_class)}: give professional or institutional")
    if not 1 <= max_item_mb <= 4096:
        raise InputError("max-item-mb", f"{max_item_mb} is not a size from 1 to 4096 MB")
    options = {
        "billing_class": billing_class,
        "column_map": column_map,
        "max_item_mb": max_item_mb,
        "providers": providers,
    }
    info = read_file_info(file_info) if file_info else []
    if scheduler:
        scheduler = check_scheduler(scheduler)
    files, checked = _checked_paths(paths, out, partial)
    cs = tuple(str(c).strip() for c in codes)
    t0 = time.monotonic()
    files, indexes = _expand_indexes(files, plan)
    reused, to_read = _unchanged(files, checked["out"]) if any(is_url(f) for f in files) else ([], files)
    results = reused + _read_all(to_read, cs, jobs, scheduler, options, progress)
    table, manifest = _collect(results, files, info)
    complete = all(m["status"] == "ok" for m in manifest)
    meta = {
        "codes": list(cs),
        "rows": len(table),
        "seconds": round(time.monotonic() - t0, 2),
        "complete": complete,
        **({"indexes": indexes} if indexes else {}),
        "files": manifest,
    }
    if not complete and partial is None:  # the last good table stays
        return RunResult(None, len(table), manifest)
    out_path = checked["out"] if complete else checked["partial"]  # the rows read go to ``partial``
    _write_table(table, out_path, meta)
    return RunResult(out_path, len(table), manifest)


def _checked_paths(
    paths: Iterable[str | Path], out: str | Path, partial: str | Path | None
) -> tuple[list[str], dict[str, Path]]:
    """The input files (URLs checked, local files readable; InputError when there are none) and the
    output paths (``out``, ``partial`` and their manifests) checked writable and apart from them."""
    files = [check_url(str(p)) if is_url(str(p)) else str(Path(p)) for p in paths]
    if not files:
        raise InputError("files", "no input files given")
    for f in files:
        if not is_url(f):
            check_file(f, "file")
    targets = {"out": out, "out (manifest)": Path(str(out) + ".manifest.json")}
    if partial is not None:
        targets.update({"partial": partial, "partial (manifest)": Path(str(partial) + ".manifest.json")})
    return files, check_outputs(targets, [f for f in files if not is_url(f)])


def _read_all(
    files: list[str], cs: tuple[str, ...], jobs: int, scheduler: str | None, options: dict, progress: bool
) -> list[tuple[str, Extraction | None, str | None]]:
    """Every file read: (path, its extraction or None, the error), on Dask, in processes or here."""
    results: list[tuple[str, Extraction | None, str | None]] = []
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(
            total=sum(Path(f).stat().st_size for f in files if not is_url(f)) or None,
            unit="B",
            unit_scale=True,
            desc="reading",
            file=sys.stderr,
            disable=not sys.stderr.isatty() and os.environ.get("INFUSION_PROGRESS") != "1",
        )
    if scheduler:
        for r in _dask_extract(files, cs, scheduler, options, jobs):
            results.append(r)
            if bar is not None and not is_url(r[0]):
                bar.update(Path(r[0]).stat().st_size)
    elif jobs <= 1 or len(files) == 1:
        for f in files:
            results.append(_worker(f, cs, None, options) if bar is None else _single_with_bar(f, cs, bar, options))
    else:
        results.extend(_pool_extract(files, cs, jobs, options, bar))
    if bar is not None:
        bar.close()
    return results


def _collect(
    results: list[tuple[str, Extraction | None, str | None]], files: list[str], info: list
) -> tuple[pd.DataFrame, list[dict[str, object]]]:
    """The rows of the files read, in the order given, and the manifest entry of each file."""
    import pandas as pd

    frames: list[pd.DataFrame] = []
    manifest: list[dict[str, object]] = []
    for path, ex, err in sorted(results, key=lambda r: files.index(r[0])):
        if ex is None:
            manifest.append({"file": path, "status": "failed", "error": err, "rows": 0})
            continue
        fact = apply_file_info(ex.rows, _name(path), info) if info else None
        frames.append(ex.frame())
        manifest.append(
            {
                "file": path,
                "status": "ok",
                "format": ex.source_format,
                **({"file_info": fact.source} if fact else {}),
                **({"fetch": ex.fetched} if ex.fetched else {}),
                **({"reused": "ETag unchanged since the last run"} if ex.reused else {}),
                "rows": len(ex.rows),
                "items_read": ex.items_read,
                "items_matched": ex.items_matched,
                "not_read": ex.not_read,
                "bytes_read": ex.bytes_read,
                "warnings": ex.warnings,
                **({"columns": ex.columns} if ex.columns else {}),
            }
        )
    return (pd.concat(frames, ignore_index=True) if frames else to_frame([])), manifest


def _write_table(table: pd.DataFrame, out_path: Path, meta: dict) -> None:
    """The table atomically, then its manifest (a manifest beside a table means the table is whole)."""
    manifest_path = out_path.with_name(out_path.name + ".manifest.json")
    try:
        with atomic_files([out_path]) as (tmp,):
            table.to_parquet(tmp, index=False)
    except OSError as err:
        meta.update(complete=False, error=f"the table was not written: {err.strerror or err}")
        _write_manifest(manifest_path, meta)
        raise InputError("out", f"cannot write {out_path}: {err.strerror or err}") from None
    _write_manifest(manifest_path, meta)


def _write_manifest(path: Path, meta: dict) -> None:
    """Write the manifest atomically (a temporary file, fsync, rename)."""
    try:
        atomic_write(path, json.dumps(meta, indent=2))
    except OSError as err:
        raise InputError("out", f"cannot write {path}: {err.strerror or err}") from None


def _single_with_bar(f: str, codes: tuple[str, ...], bar, options: dict) -> tuple[str, Extraction | None, str | None]:
    return _guarded(f, codes, bar.update, options)


def _expand_indexes(files: list[str], plan: str | None) -> tuple[list[str], list[dict]]:
    """The files with each index (table-of-contents) file replaced by the in-network files it lists;
    and, per index, how many it listed (for the manifest)."""
    out: list[str] = []
    indexes: list[dict] = []
    for f in files:
        if f.lower().endswith((".xlsx", ".xls", ".xlsb", ".xlsm", ".ods", ".csv")) or not _is_index(f):
            out.append(f)
            continue
        listed = in_network_files(f, plan)
        indexes.append({"index": f, "plan": plan, "in_network_files": len(listed)})
        out += [x.location for x in listed if x.location not in out]
    return out, indexes


def _is_index(f: str) -> bool:
    """Whether ``f`` is an index file; a file that cannot be sniffed is not (its reading says why)."""
    try:
        return sniff(as_source(f)) == "index"
    except (DataError, InputError, OSError) + GZIP_ERRORS:
        return False


def _unchanged(files: list[str], out: Path) -> tuple[list[tuple[str, Extraction | None, str | None]], list[str]]:
    """The URLs whose ETag is the one ``out``'s manifest recorded for a good read (their rows taken
    from ``out``), and the files to read."""
    manifest = out.with_name(out.name + ".manifest.json")
    try:
        last = json.loads(manifest.read_text())
        before = {f["file"]: f for f in last.get("files", []) if f.get("status") == "ok" and f.get("fetch")}
    except (OSError, ValueError, AttributeError):
        return [], files
    reused: list[tuple[str, Extraction | None, str | None]] = []
    to_read = []
    for f in files:
        etag = (before.get(f) or {}).get("fetch", {}).get("etag")
        try:
            same = bool(is_url(f) and etag and head(f).etag == etag)
        except (DataError, OSError, Exception):  # noqa: BLE001 - no answer: the file is read
            same = False
        if not same:
            to_read.append(f)
            continue
        import pandas as pd

        old = pd.read_parquet(out, filters=[("source_file", "==", f)])
        ex = Extraction(
            f, str(before[f].get("format", "tic")), rows=old.to_dict("records"), fetched=before[f]["fetch"], reused=True
        )
        reused.append((f, ex, None))
    return reused, to_read


MAX_PROVIDER_LIST = 10 << 20  # bytes of an NPI or TIN list file


def read_provider_list(path: str | Path, kind: str) -> frozenset[str]:
    """The NPIs (10 digits) or TINs (9 digits, dashes dropped) of a list file: one per line, or
    the first column of a CSV; blank lines and lines starting with # skipped, a header line
    ("npi", "tin") too. InputError naming the option, the line and the value otherwise."""
    digits = {"npi": 10, "tin": 9}[kind]
    f = check_file(path, kind)
    if f.stat().st_size > MAX_PROVIDER_LIST:
        raise InputError(kind, f"{f.name} is larger than {MAX_PROVIDER_LIST >> 20} MB: not a list of {kind.upper()}s")
    out = set()
    for n, line in enumerate(f.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        value = line.split(",")[0].strip().strip('"')
        if not value or value.startswith("#") or (n == 1 and value.lower() in (kind, kind + "s")):
            continue
        clean = value.replace("-", "")
        if not (clean.isascii() and clean.isdigit() and len(clean) == digits):
            raise InputError(kind, f"{f.name} line {n}: {shown(value)} is not a {digits}-digit {kind.upper()}")
        out.add(clean)
    if not out:
        raise InputError(kind, f"{f.name} lists no {kind.upper()}")
    return frozenset(out)
