"""Build a space's index from the store: one pass over its vectors in label order, every core
adding to the graphs, then the changes stored meanwhile. A job like the others: a generator
that yields Progress and stops when cancelled."""

from __future__ import annotations

import os
from collections.abc import Generator

import numpy as np

from mediabrowser.core.index.scan import ScanIndex
from mediabrowser.core.index.space import ANN_DIM, PROJECT_FROM, Projection, SpaceIndex
from mediabrowser.core.store.repo import Store
from mediabrowser.core.types import CancelToken, Progress

FIT_SAMPLE = 20_000  # vectors the projection is fitted on
CHUNK = 20_000


def sample_vectors(store: Store, space: str, n: int, seed: int = 0) -> np.ndarray:
    """About n present vectors of `space` drawn at random (labels picked over its range)."""
    span = store.label_range(space)
    if span is None:
        return np.zeros((0, 0), np.float32)
    lo, hi = span
    rng = np.random.default_rng(seed)
    picks = np.unique(rng.integers(lo, hi + 1, size=min(3 * n, hi - lo + 1)))
    got = store.vectors_by_labels(picks.tolist(), space)
    if len(got) < min(n, 1000):  # labels of this space are sparse in its range: read in order
        got = next(store.space_chunks(space, n), got)
    return got.matrix[:n]


def build_space(store: Store, space: str, cancel: CancelToken | None = None,
                threads: int | None = None) -> Generator[Progress, None, SpaceIndex | None]:
    """The index of `space` as the store holds it now (None when it holds no vector)."""
    threads = threads or os.cpu_count() or 1
    seq = store.last_change()  # changes after this are caught up at the end
    total = store.space_size(space)
    dim = store.space_dim(space)
    if not total or dim is None:
        return None
    projection = None
    if total >= PROJECT_FROM and dim > ANN_DIM:
        projection = Projection.fit(sample_vectors(store, space, FIT_SAMPLE))
    idx = SpaceIndex(dim, projection, seq)
    idx.library_id = store.library_id()
    done = 0
    yield Progress("index", 0, total)
    for chunk in store.space_chunks(space, CHUNK):
        if cancel is not None and cancel.cancelled:
            return None
        idx.add(chunk.labels, chunk.kinds, chunk.matrix, threads=threads)
        done += len(chunk)
        yield Progress("index", min(done, total), total)
    catch_up(store, space, idx)
    return idx


def catch_up(store: Store, space: str, idx: SpaceIndex | ScanIndex) -> int:
    """Apply the store's changes after `idx.seq`; how many labels changed."""
    changed = 0
    while True:
        labels, last = store.changes_since(idx.seq)
        if not labels:
            return changed
        apply_changes(store, space, idx, labels)
        idx.seq = last
        changed += len(labels)


def apply_changes(store: Store, space: str, idx: SpaceIndex | ScanIndex,
                  labels: list[int]) -> None:
    """Bring these labels up to date: present vectors of this space (re)added to the graph of
    their file's kind, every other label taken out."""
    states = store.label_states(labels)
    present = [lbl for lbl in labels if lbl in states and states[lbl][0] == space]
    gone = [lbl for lbl in labels if lbl not in states or states[lbl][0] != space]
    if gone:
        idx.remove(gone)
    if present:
        mat = np.stack([states[lbl][2] for lbl in present])
        norms = np.linalg.norm(mat, axis=1, keepdims=True)
        mat = (mat / np.where(norms > 0, norms, 1.0)).astype(np.float32)
        if mat.shape[1] != idx.dim:
            raise ValueError(f"{space}: stored vectors changed dimension ({mat.shape[1]} "
                             f"instead of {idx.dim})")
        idx.add(np.asarray(present, np.int64), [states[lbl][1] for lbl in present], mat)
