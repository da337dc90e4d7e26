"""Claim ids numbered: each distinct claim id of the lines read gets a dense integer id.

Extracts list a claim's lines together, so only the first line of each run of equal claim ids is
numbered (``claim_ids_of``): by the run itself when the runs come in increasing order, else by the
hash of the id's bytes, checked exactly (``padded_ids``, ``number_hashes``), else by the text."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def claim_ids_of(claim: pa.ChunkedArray) -> tuple[np.ndarray, int]:
    """Dense ids of the claim ids, and how many there are.

    Extracts list a claim's lines together, so only the first line of each run of equal claim ids
    needs an id; every line takes its run's id. When the run heads are in increasing order (by
    text, or by length then text: ``C9`` < ``C10``), as in an extract sorted by claim, they are
    all different and a run's number is its claim's id. Otherwise the heads are numbered by their
    bytes (``padded_ids``: ids of up to 32 ASCII characters, checked exactly) or, failing that,
    hashed as text (pyarrow dictionary encoding), split in two by the low bit of their last byte
    (equal ids fall in the same half) and the halves hashed in parallel. Correct in any order: a
    claim in several runs gets the same id for each.
    """
    n = len(claim)
    if n == 0:
        return np.empty(0, dtype=np.int32), 0
    new_run = run_starts(claim)  # the chunks as read: no copy of every claim id
    heads = claim.filter(pa.array(new_run))  # chunked still (a take of a chunked array is slower)
    run = np.cumsum(new_run, dtype=np.int32) - 1
    del new_run
    lengths = np.concatenate([np.diff(_offsets(c)) for c in heads.chunks] or [np.empty(0, np.int32)])
    if increasing(heads, lengths):
        return run, len(heads)
    padded = padded_ids(heads, lengths)
    if padded is not None:
        return padded[0][run], padded[1]
    return _by_text(heads.combine_chunks(), lengths, run)


def run_starts(texts: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Whether each text starts a run of equal texts: the first, and each unlike the one before it
    (a null is unlike any text)."""
    n = len(texts)
    new_run = np.ones(n, dtype=bool)
    if n > 1:
        unlike = pc.fill_null(pc.not_equal(texts.slice(1), texts.slice(0, n - 1)), True)
        new_run[1:] = unlike.to_numpy(zero_copy_only=False)
    return new_run


def _offsets(texts: pa.Array) -> np.ndarray:
    """The int32 offsets of a string array's values (``len + 1`` of them)."""
    return np.frombuffer(texts.buffers()[1], dtype=np.int32)[texts.offset : texts.offset + len(texts) + 1]


def _by_text(heads: pa.Array, lengths: np.ndarray, run: np.ndarray) -> tuple[np.ndarray, int]:
    """Dense ids of ``heads`` hashed as text (pyarrow dictionary encoding, the two halves split by
    the low bit of the last byte in parallel), taken for each line by ``run``, and how many."""
    offsets = _offsets(heads)
    data = np.frombuffer(heads.buffers()[2], dtype=np.uint8)
    half = np.where(lengths > 0, data[np.maximum(offsets[1:] - 1, 0)] & 1, 0)  # "": no last byte
    parts = [np.flatnonzero(half == b) for b in (0, 1)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        encoded = list(pool.map(lambda p: pc.dictionary_encode(heads.take(pa.array(p))), parts))
    head_ids = np.empty(len(heads), dtype=np.int32)
    base = 0
    for p, enc in zip(parts, encoded):
        head_ids[p] = enc.indices.to_numpy(zero_copy_only=False) + base
        base += len(enc.dictionary)
    return head_ids[run], base


def padded_ids(
    texts: pa.Array | pa.ChunkedArray, lengths: np.ndarray, max_bytes: int = 32
) -> tuple[np.ndarray, int] | None:
    """Dense ids of ``texts`` (no nulls) and how many, from their bytes: each text padded to a whole
    number of 8-byte words (at most ``max_bytes``), the words and the length hashed to 64 bits and
    the hashes numbered (``number_hashes``: tables of integers, several times faster than one of
    texts). Every text is then compared with the first text of its id, word by
    word and by length, so the ids are exact; None when a text is longer than ``max_bytes`` or not
    ASCII, or when two different texts share a hash (the caller then numbers the texts themselves)."""
    n = len(texts)
    width = int(lengths.max()) if n else 0
    if not n or width > max_bytes:
        return None
    words = -(-max(width, 1) // 8)
    mat = np.empty((n, words), dtype=np.uint64)  # the padded texts, a chunk at a time
    at = 0
    for chunk in texts.chunks if isinstance(texts, pa.ChunkedArray) else [texts]:
        padded = pc.utf8_rpad(chunk, words * 8, "\0")  # padding counts characters: fixed bytes if ASCII
        offsets = _offsets(padded)
        if offsets[-1] - offsets[0] != len(chunk) * words * 8:
            return None
        mat[at : at + len(chunk)] = np.frombuffer(
            padded.buffers()[2], dtype=np.uint64, count=len(chunk) * words, offset=int(offsets[0])
        ).reshape(-1, words)
        at += len(chunk)
    h = lengths.astype(np.uint64)
    shifted = np.empty_like(h)
    for j in range(words):  # in place: no temporary arrays of every text
        np.right_shift(h, np.uint64(29), out=shifted)
        h ^= shifted
        h *= np.uint64(0x9E3779B97F4A7C15)
        h += mat[:, j]
    del shifted
    ids, first = number_hashes(h)
    del h
    for at in range(0, n, 1 << 20):  # a million texts at a time
        rep = first[ids[at : at + (1 << 20)]]
        if not ((mat[at : at + len(rep)] == mat[rep]).all() and (lengths[at : at + len(rep)] == lengths[rep]).all()):
            return None
    return ids, len(first)


def number_hashes(h: np.ndarray, bits: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Dense int32 ids of the 64-bit values ``h``, and the position of each id's first value.

    The values are split by their top ``bits`` bits (a stable radix sort) and each part numbered by
    its own small hash table (pandas), two threads taking half the parts each: a table that fits
    the processor's cache is several times faster than one of millions of entries. Ids rise part by
    part, in order of first appearance within a part."""
    top = (h >> np.uint64(64 - bits)).astype(np.uint8 if bits <= 8 else np.uint16)
    order = np.argsort(top, kind="stable").astype(np.int32 if len(h) < 2**31 else np.int64)
    hs = h[order]
    bounds = np.concatenate([[0], np.cumsum(np.bincount(top, minlength=2**bits))])  # where each part starts
    del top
    ids_sorted = np.empty(len(h), dtype=np.int32)

    def number(parts: range) -> list[int]:
        counts = []
        for p in parts:
            part_ids, uniques = pd.factorize(hs[bounds[p] : bounds[p + 1]])
            ids_sorted[bounds[p] : bounds[p + 1]] = part_ids
            counts.append(len(uniques))
        return counts

    half = 2 ** (bits - 1)
    with ThreadPoolExecutor(max_workers=2) as pool:
        counts = [c for part in pool.map(number, (range(half), range(half, 2 * half))) for c in part]
    base = np.cumsum([0] + counts[:-1], dtype=np.int32)
    for p in np.flatnonzero(base):  # each part's ids after the parts before it
        ids_sorted[bounds[p] : bounds[p + 1]] += base[p]
    seen = np.maximum.accumulate(ids_sorted)  # sorted ids rise where an id is new
    new_id = np.ones(len(h), dtype=bool)
    np.greater(ids_sorted[1:], seen[:-1], out=new_id[1:])
    del seen
    first = order[np.flatnonzero(new_id)]
    ids = np.empty(len(h), dtype=np.int32)
    ids[order] = ids_sorted
    return ids, first


def increasing(texts: pa.Array | pa.ChunkedArray, lengths: np.ndarray) -> bool:
    """Whether each of ``texts`` (no nulls) is after the one before it, by bytes or by (length, bytes)."""
    if len(texts) < 2:
        return True
    after = np.asarray(pc.greater(texts.slice(1), texts.slice(0, len(texts) - 1)))
    if after.all():
        return True
    longer, same = lengths[1:] > lengths[:-1], lengths[1:] == lengths[:-1]
    return bool((longer | (same & after)).all())
