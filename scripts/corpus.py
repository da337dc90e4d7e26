"""The pinned corpus of real third-party files the tests read (``shared/real-files``).

``python scripts/corpus.py manifest SHARED`` writes ``tests/corpus.csv``: for each file its folder,
name, size and SHA-256, and where it was published (repository, commit, path) as ``SOURCES.md``
says. ``python scripts/corpus.py fetch [DEST]`` (a machine with the network) downloads each file
published whole from ``raw.githubusercontent.com/<repo>/<commit>/<path>`` into
``DEST/real-files/<folder>/<name>`` (default ``tests/.corpus``) and checks its size and SHA-256;
EXCERPT and CONSTRUCTED files (rebuilt from an archive's shards, not a file one can download)
are listed as such, to be copied from a ``shared/`` copy. ``python scripts/corpus.py verify DIR``
checks a ``real-files`` folder against the manifest. Exit 0 when every file checked matches, 1
otherwise.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import re
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "tests" / "corpus.csv"
FIELDS = ["folder", "file", "bytes", "sha256", "repo", "commit", "path", "fetch"]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _sources(text: str) -> dict[tuple[str, str], dict[str, str]]:
    """(folder, file) -> repo, commit, path, and whether the file can be fetched whole."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    folder = ""
    for line in text.splitlines():
        head = re.match(r"^#{2,3} (\w+)/\s*$", line)
        if head:
            folder = head.group(1)
            continue
        if not line.startswith("- ") or not folder:
            continue
        cells = [c.strip() for c in line[2:].split(" | ")]
        if len(cells) < 4:
            continue
        name, repo, path, commit = cells[0], cells[1].split(" ")[0], cells[2], cells[3].split(" ")[0]
        whole = (
            "EXCERPT" not in name
            and "CONSTRUCTED" not in line
            and " + " not in path
            and "built from" not in path
            and re.fullmatch(r"[0-9a-f]{40}", commit)
        )
        out[(folder, name)] = {
            "repo": repo,
            "commit": commit,
            "path": path.split(" ")[0],
            "fetch": "github" if whole else "copy from shared/",
        }
    return out


def manifest(shared: Path) -> int:
    real = shared / "real-files"
    sources = _sources((real / "SOURCES.md").read_text(encoding="utf-8"))
    rows = []
    for f in sorted(p for p in real.rglob("*") if p.is_file() and p.name != "SOURCES.md"):
        folder = f.parent.relative_to(real).as_posix()
        src = sources.get(
            (folder.split("/")[0], f.name), {"repo": "", "commit": "", "path": "", "fetch": "copy from shared/"}
        )
        rows.append({"folder": folder, "file": f.name, "bytes": f.stat().st_size, "sha256": _sha256(f), **src})
    with MANIFEST.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(rows)
    print(f"{MANIFEST.relative_to(ROOT)}: {len(rows)} files, {sum(r['fetch'] == 'github' for r in rows)} fetchable")
    return 0


def rows() -> list[dict[str, str]]:
    with MANIFEST.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def verify(real: Path) -> list[str]:
    """What differs between ``real`` (a ``real-files`` folder) and the manifest (empty: all match)."""
    problems = []
    for r in rows():
        f = real / r["folder"] / r["file"]
        if not f.is_file():
            problems.append(f"missing {r['folder']}/{r['file']} ({r['fetch']})")
        elif f.stat().st_size != int(r["bytes"]) or _sha256(f) != r["sha256"]:
            problems.append(f"differs {r['folder']}/{r['file']} (size or SHA-256)")
    return problems


def fetch(dest: Path) -> int:
    real = dest / "real-files"
    failed = 0
    for r in rows():
        target = real / r["folder"] / r["file"]
        if r["fetch"] != "github":
            print(f"skip  {r['folder']}/{r['file']}: {r['fetch']} (not published as a whole file)")
            continue
        if target.is_file() and _sha256(target) == r["sha256"]:
            print(f"ok    {r['folder']}/{r['file']} (already here)")
            continue
        url = f"https://raw.githubusercontent.com/{r['repo']}/{r['commit']}/{r['path']}"
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 (https, pinned commit)
                data = resp.read(int(r["bytes"]) + 1)
        except OSError as err:
            print(f"FAIL  {r['folder']}/{r['file']}: {url}: {err}")
            failed += 1
            continue
        if len(data) != int(r["bytes"]) or hashlib.sha256(data).hexdigest() != r["sha256"]:
            print(f"FAIL  {r['folder']}/{r['file']}: {url}: size or SHA-256 differs from the manifest")
            failed += 1
            continue
        target.write_bytes(data)
        print(f"got   {r['folder']}/{r['file']}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("manifest").add_argument("shared", type=Path)
    sub.add_parser("fetch").add_argument("dest", type=Path, nargs="?", default=ROOT / "tests" / ".corpus")
    sub.add_parser("verify").add_argument("real_files", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "manifest":
        return manifest(args.shared)
    if args.cmd == "fetch":
        return fetch(args.dest)
    problems = verify(args.real_files)
    print("\n".join(problems) or f"{args.real_files}: every file matches {MANIFEST.relative_to(ROOT)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
