"""One hnswlib graph: labels in, nearest labels out. Which labels are live is a bitmap indexed
by label (one byte each), not a Python set: a million of them cost 1 MB and load in a blink.

Vectors are compared by squared L2 distance, which for unit vectors ranks as cosine does and
stays a true metric for the reduced (projected) vectors of a large space (core/index/space.py).
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

# Chosen with tests/core/test_index.py and bench/bench_scale.py: recall@10 >= 0.95 against exact
# search, with the exact re-ranking of core/index/space.py.
M = 16
EF_CONSTRUCTION = 100
EF_SEARCH = 96


class HnswIndex:
    def __init__(self, dim: int, capacity: int = 1024) -> None:
        import hnswlib

        self.dim = dim
        self.index = hnswlib.Index(space="l2", dim=dim)
        self.index.init_index(max_elements=max(capacity, 16), ef_construction=EF_CONSTRUCTION,
                              M=M)
        self.index.set_ef(EF_SEARCH)
        self._live = np.zeros(0, dtype=bool)
        self._count = 0
        self._lock = threading.RLock()

    # ---- membership -------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._count

    def __contains__(self, label: object) -> bool:
        return isinstance(label, int | np.integer) and 0 <= int(label) < len(self._live) \
            and bool(self._live[int(label)])

    def labels(self) -> np.ndarray:
        """The live labels, ascending."""
        with self._lock:
            return np.flatnonzero(self._live).astype(np.int64)

    def _grow(self, top: int) -> None:
        if top >= len(self._live):
            bigger = np.zeros(max(top + 1, int(len(self._live) * 1.5) + 1024), dtype=bool)
            bigger[:len(self._live)] = self._live
            self._live = bigger

    # ---- mutation ---------------------------------------------------------------------------
    def add(self, labels: np.ndarray | list[int], vectors: np.ndarray, threads: int = 1) -> None:
        """Add (or replace the vector of) these labels."""
        lab = np.asarray(labels, dtype=np.int64)
        if len(lab) == 0:
            return
        vecs = np.ascontiguousarray(vectors, dtype=np.float32)
        if vecs.ndim != 2 or vecs.shape[1] != self.dim:
            raise ValueError(f"vector dimension {vecs.shape[-1]} != index dimension {self.dim}")
        with self._lock:
            needed = self.index.get_current_count() + len(lab)
            if needed > self.index.get_max_elements():
                self.index.resize_index(max(needed, int(self.index.get_max_elements() * 1.5)))
            # hnswlib updates a label it has, and brings back one marked deleted.
            self.index.add_items(vecs, lab, num_threads=threads, replace_deleted=False)
            self._grow(int(lab.max()))
            self._count += int(np.count_nonzero(~self._live[lab]))
            self._live[lab] = True

    def remove(self, labels: np.ndarray | list[int]) -> int:
        """Delete these labels where live; how many were."""
        gone = 0
        with self._lock:
            for label in np.asarray(labels, dtype=np.int64).tolist():
                if label in self:
                    self.index.mark_deleted(label)
                    self._live[label] = False
                    gone += 1
            self._count -= gone
        return gone

    # ---- query ------------------------------------------------------------------------------
    def query(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The k nearest live labels as (label, squared L2 distance), nearest first."""
        with self._lock:
            k = min(k, self._count)
            if k <= 0:
                return []
            self.index.set_ef(max(EF_SEARCH, k))
            q = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
            while True:
                try:
                    labels, dists = self.index.knn_query(q, k=k, num_threads=1)
                    break
                except RuntimeError:  # hnswlib found fewer than k (a graph thinned by deletes)
                    k //= 2
                    if k == 0:
                        return []
        return [(int(lbl), float(d)) for lbl, d in zip(labels[0], dists[0], strict=True)]

    # ---- persistence ------------------------------------------------------------------------
    def save(self, graph: Path, live: Path) -> None:
        with self._lock:
            self.index.save_index(str(graph))
            labels = np.flatnonzero(self._live).astype(np.int64)
        with open(live, "wb") as f:
            np.save(f, labels)

    @classmethod
    def load(cls, graph: Path, live: Path, dim: int) -> HnswIndex:
        """Raises on a missing or damaged file (the caller rebuilds from the store)."""
        import hnswlib

        labels = np.load(live)
        self = cls.__new__(cls)
        self.dim = dim
        self.index = hnswlib.Index(space="l2", dim=dim)
        self.index.load_index(str(graph), max_elements=0)
        self.index.set_ef(EF_SEARCH)
        self._live = np.zeros(int(labels.max()) + 1 if len(labels) else 0, dtype=bool)
        self._live[labels] = True
        self._count = len(labels)
        self._lock = threading.RLock()
        return self
