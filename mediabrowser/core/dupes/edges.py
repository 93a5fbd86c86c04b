"""Pairs of files that may be copies, found without comparing all pairs.

- Byte-identical: files sharing the fast content hash (an indexed column, so one SQL GROUP BY),
  confirmed by a hash of every byte.
- Same content and similar: each file's k nearest neighbours through its space's ANN graph
  (hnswlib, queried in batches on every core). A reduced graph (PCA, large spaces) cannot
  place two vectors closer than they are, so its distance is a safe first cut; the pairs left
  are scored exactly from the stored vectors.
- Reference mode: files of an import against the files of chosen folders only (k × m).
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterable
from typing import Any

import numpy as np

from mediabrowser.core.dupes.pairs import Pairs, pair_keys
from mediabrowser.core.filenames import from_db
from mediabrowser.core.index.space import SpaceIndex
from mediabrowser.core.library import Library
from mediabrowser.core.media.hashing import full_hash
from mediabrowser.core.types import CancelToken, Progress

K = 12  # neighbours asked per file: groups larger than this still join through their members
BATCH = 4096  # queries per hnswlib call
EXPAND_ROUNDS = 4  # seeded runs: how far groups are followed beyond the seed files
# How wide the graph walk looks (hnswlib's ef) for copies: they are each other's nearest
# neighbours, found by a narrower walk than a search's (EF_SEARCH), which costs most of a
# million-item run (BENCHMARKS.md).
COPIES_EF = 32


def identical_sets(lib: Library, seeds: Iterable[int] | None, cancel: CancelToken
                   ) -> Generator[Progress, None,
                                  tuple[list[list[int]], dict[int, str], set[int]]]:
    """Sets of present files with the same bytes (each sorted), the full hash of each file in
    them, and the aliases: paths that are another path's very file (a symbolic link, a hard
    link, a folder mounted twice), which are never copies to clean up. `seeds`: only sets
    holding one of these files."""
    rows = lib.store.files_sharing_hash(seeds)
    by_fast: dict[str, list[tuple[int, str | None, str | bytes]]] = {}
    for fid, fast, full, path in rows:
        by_fast.setdefault(fast, []).append((fid, full, path))
    fulls: dict[int, str] = {}
    computed: dict[int, str] = {}
    done, total = 0, sum(len(v) for v in by_fast.values())
    for members in by_fast.values():
        cancel.raise_if_cancelled()
        for fid, full, path in members:
            if full is None:
                try:  # a file of the set we never read whole: confirm every byte now
                    full = computed[fid] = full_hash(from_db(path))
                except OSError:
                    continue
            fulls[fid] = full
        done += len(members)
        if computed:
            yield Progress("verify", done, total, message="comparing identical files")
    if computed:  # kept, so the next run reads no file again
        with lib.store.transaction() as c:
            for fid, full in computed.items():
                lib.store.update_file(c, fid, full_hash=full)
    aliases = _aliases(lib, list(fulls))
    sets: dict[str, list[int]] = {}
    for fid, full in fulls.items():
        if fid not in aliases:
            sets.setdefault(full, []).append(fid)
    return [sorted(s) for s in sets.values() if len(s) > 1], fulls, aliases


def _aliases(lib: Library, ids: list[int]) -> set[int]:
    """Of files that are one file on disk (same device and inode), all but one: the one kept
    is not a symbolic link, then has the shortest path."""
    by_inode: dict[tuple[int, int], list[tuple[bool, int, bytes, int]]] = {}
    for fid, p in lib.store.file_paths(ids).items():
        try:
            st = os.stat(p)
        except OSError:
            continue
        by_inode.setdefault((st.st_dev, st.st_ino), []).append(
            (os.path.islink(p), len(p), os.fsencode(p), fid))
    out: set[int] = set()
    for same in by_inode.values():
        if len(same) > 1:
            out.update(fid for *_rest, fid in sorted(same)[1:])
    return out


def _index(lib: Library, space: str) -> SpaceIndex | None:
    index = lib.indexes.get(space)
    if index is None and lib.indexes.building(space):
        lib.indexes.wait()  # rebuilt in the background: its graphs are what we need
        index = lib.indexes.get(space)
    return index if isinstance(index, SpaceIndex) else None


def knn_pairs(lib: Library, space: str, kind: str, floor: float, cancel: CancelToken,
              seeds: Iterable[int] | None = None, k: int = K
              ) -> Generator[Progress, None, Pairs]:
    """Pairs of files of `kind` in `space` whose cosine is at least `floor`, from each file's
    k nearest neighbours (`seeds`: starting from these files, following what they reach)."""
    pairs = Pairs()
    index = _index(lib, space)
    part = index.parts.get(kind) if index is not None else None
    if index is None or part is None or len(part) < 2:
        return pairs
    # Unit vectors: squared distance = 2 − 2·cosine; float16 storage moves it by < 1e-3.
    max_d2 = 2.0 - 2.0 * floor + 2e-3
    if seeds is None:
        todo = part.labels()
        rounds = 1
    else:
        todo = np.array(sorted(lib.store.labels_of_files(seeds)), np.int64)
        todo = todo[[int(x) in part for x in todo]] if len(todo) else todo
        rounds = EXPAND_ROUNDS
    seen: set[int] = set(todo.tolist()) if seeds is not None else set()
    label_pairs: list[np.ndarray] = []
    threads = os.cpu_count() or 1
    for _round in range(rounds):
        found_here: list[np.ndarray] = []
        total = len(todo)
        for start in range(0, total, BATCH):
            cancel.raise_if_cancelled()
            chunk = todo[start:start + BATCH]
            got = _query(part, chunk, min(k + 1, len(part)), threads)
            if got is None:
                continue
            chunk, nbr, d2 = got
            keep = (d2 <= max_d2) & (nbr != chunk[:, None]) & (nbr >= 0)
            rows = np.nonzero(keep)[0]
            found_here.append(np.stack([chunk[rows], nbr[keep]], axis=1))
            yield Progress("compare", min(start + BATCH, total), total,
                           message=f"{kind} neighbours")
        if not found_here:
            break
        found = np.concatenate(found_here)
        label_pairs.append(found)
        if seeds is None:
            break
        fresh = [x for x in np.unique(found[:, 1]).tolist() if x not in seen]
        if not fresh:
            break
        seen.update(fresh)
        todo = np.array(fresh, np.int64)
    if not label_pairs:
        return pairs
    both = np.concatenate(label_pairs)
    keys = np.unique(pair_keys(both.min(axis=1), both.max(axis=1)))
    both = np.stack([keys >> 32, keys & 0xFFFFFFFF], axis=1)
    _exact_cosines(lib, space, both, floor, pairs, cancel)
    return pairs


def _query(part: Any, labels: np.ndarray, k: int, threads: int
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(the labels still in `part`, their neighbours' labels, squared distances)."""
    with part._lock:  # noqa: SLF001 - the graph's own lock: indexing may change it meanwhile
        labels = np.array([x for x in labels.tolist() if x in part], np.int64)
        if not len(labels):
            return None
        try:
            vecs = np.asarray(part.index.get_items(labels.tolist()), np.float32)
        except RuntimeError:  # a label deleted between the check and the read
            return None
        ef = part.index.ef
        part.index.set_ef(max(COPIES_EF, k))
        try:
            nbr, d2 = part.index.knn_query(vecs, k=k, num_threads=threads)
            return labels, nbr.astype(np.int64), d2
        except RuntimeError:  # a graph thinned by deletions: fewer than k reachable
            pass
        finally:
            part.index.set_ef(ef)
    nbr = np.full((len(labels), k), -1, np.int64)
    d2 = np.full((len(labels), k), np.inf, np.float32)
    for i, vec in enumerate(vecs):
        for j, (lbl, d) in enumerate(part.query(vec, k)):
            nbr[i, j], d2[i, j] = lbl, d
    return labels, nbr, d2


def _exact_cosines(lib: Library, space: str, label_pairs: np.ndarray, floor: float,
                   pairs: Pairs, cancel: CancelToken, chunk: int = 20_000) -> None:
    """Score label pairs from the stored full vectors; keep file pairs at `floor` or above."""
    for start in range(0, len(label_pairs), chunk):
        cancel.raise_if_cancelled()
        part = label_pairs[start:start + chunk]
        got = lib.store.vectors_by_labels(np.unique(part).tolist(), space, present=False)
        order = np.argsort(got.labels)
        known = got.labels[order]
        ia, ib = (np.minimum(np.searchsorted(known, part[:, i]), max(len(known) - 1, 0))
                  for i in (0, 1))
        ok = (known[ia] == part[:, 0]) & (known[ib] == part[:, 1]) if len(known) else \
            np.zeros(len(part), bool)
        ra, rb = order[ia[ok]], order[ib[ok]]
        cos = np.einsum("ij,ij->i", got.matrix[ra], got.matrix[rb]).astype(np.float64)
        keep = cos >= floor
        pairs.extend(got.file_ids[ra][keep], got.file_ids[rb][keep], cos[keep])


def reference_pairs(lib: Library, space: str, kind: str, floor: float, cancel: CancelToken,
                    seeds: Iterable[int], reference: Iterable[int], block: int = 4096
                    ) -> Generator[Progress, None, Pairs]:
    """Pairs (seed file, reference file) at `floor` or above, every seed against every
    reference file of `kind` (k × m cosines, in blocks; no pair among the seeds)."""
    pairs = Pairs()
    seed_vecs = _vectors_of(lib, space, kind, seeds)
    ref_ids = list(reference)
    total = len(ref_ids)
    if not len(seed_vecs[0]) or not total:
        return pairs
    for start in range(0, total, block):
        cancel.raise_if_cancelled()
        ref_files, ref_mat = _vectors_of(lib, space, kind, ref_ids[start:start + block])
        if len(ref_files):
            cos = seed_vecs[1] @ ref_mat.T
            i, j = np.nonzero(cos >= floor)
            pairs.extend(seed_vecs[0][i], ref_files[j], cos[i, j].astype(np.float64))
        yield Progress("compare", min(start + block, total), total, message="reference folder")
    return pairs


def _vectors_of(lib: Library, space: str, kind: str, file_ids: Iterable[int]
                ) -> tuple[np.ndarray, np.ndarray]:
    """(file ids, unit vectors) of these present files of `kind` in `space`."""
    labels = lib.store.labels_of_files(file_ids)
    got = lib.store.vectors_by_labels(labels, space)
    keep = np.array([k == kind for k in got.kinds], bool)
    if not len(keep):
        return np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
    return got.file_ids[keep], got.matrix[keep]
