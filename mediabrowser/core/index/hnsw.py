"""One hnswlib graph: labels in, nearest labels out. Which labels are live is a bitmap indexed
by label (one byte each), not a Python set: a million of them cost 1 MB and load in a blink.

Vectors are compared by squared L2 distance, which for unit vectors ranks as cosine does and
stays a true metric for the reduced (projected) vectors of a large space (core/index/space.py).
"""

from __future__ import annotations

import struct
import threading
from pathlib import Path

import numpy as np

# Chosen with tests/core/test_index.py and bench/bench_scale.py: recall@10 >= 0.95 against exact
# search, with the exact re-ranking of core/index/space.py.
M = 16
EF_CONSTRUCTION = 100
EF_SEARCH = 96
# A filter keeping at most this many of a graph's items is answered by an exact scan of their
# vectors (mapped from the saved graph, gathered once per filter: 77 MB at 100k); above it, by
# the graph walk skipping the others (hnswlib's filter, a Python call per step: 6 ms at 10 %
# of 1M against 4 ms for the scan). Chosen with bench/bench_scale.py at 1M (BENCHMARKS.md).
EXACT_UNDER = 120_000
# A filter keeping at least this share is first answered by asking the graph for k / share
# items without the filter (no Python call per step); the walk runs only when too few of
# them are kept (a filter that leaves out the query's whole neighbourhood).
OVERFETCH_FROM = 0.2
OVERFETCH_FACTOR = 2.0  # margin over k / share (recall@10 at 50 %: 0.96 with 1.3)


def allowed_among(allowed: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """allowed[labels], False for labels past its end."""
    inside = labels < len(allowed)
    out = np.zeros(len(labels), bool)
    out[inside] = allowed[labels[inside]]
    return out


HEADER = struct.Struct("<6Q i I 3Q d Q")  # offsetLevel0 … ef_construction


def map_graph(path: Path, dim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(labels, vectors, alive) of a saved hnswlib graph, mapped from its file."""
    with open(path, "rb") as f:
        head = HEADER.unpack(f.read(HEADER.size))
    offset0, _max, count, size, label_at, data_at = head[:6]
    if offset0 != 0 or data_at + 4 * dim != label_at or label_at + 8 != size \
            or path.stat().st_size < HEADER.size + count * size:
        raise ValueError(f"{path.name}: not the graph layout this version reads")
    rows = np.memmap(path, dtype=np.uint8, mode="r", offset=HEADER.size, shape=(count, size))
    labels = np.ascontiguousarray(rows[:, label_at:size]).view(np.uint64)[:, 0]
    alive = (np.asarray(rows[:, 2]) & 1) == 0
    return labels.astype(np.int64), rows[:, data_at:label_at].view(np.float32), alive




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
        self._file: Path | None = None  # the saved graph it was loaded from
        self._mapped: tuple[np.ndarray, np.ndarray] | None = None  # row of label, vectors
        self._fresh = np.zeros(0, dtype=bool)  # labels (re)added since the load
        # the vectors a filter keeps, gathered once: the same filter asks query after query
        self._kept: tuple[np.ndarray, int, np.ndarray, np.ndarray, np.ndarray] | None = None
        self._mask: tuple[np.ndarray, int, np.ndarray, int] | None = None
        self._version = 0

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
            self._version += 1
            if self._file is not None:
                if len(self._fresh) <= int(lab.max()):
                    grown = np.zeros(len(self._live), dtype=bool)
                    grown[:len(self._fresh)] = self._fresh
                    self._fresh = grown
                self._fresh[lab] = True

    def remove(self, labels: np.ndarray | list[int]) -> int:
        """Delete these labels where live; how many were."""
        gone = 0
        with self._lock:
            for label in np.asarray(labels, dtype=np.int64).tolist():
                if label in self:
                    self.index.mark_deleted(label)
                    self._live[label] = False
                    gone += 1
                    self._version += 1
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

    def query_among(self, vector: np.ndarray, k: int, allowed: np.ndarray
                    ) -> list[tuple[int, float]]:
        """The k nearest live labels that `allowed` (indexed by label) marks. Most kept: the
        graph asked for more, the kept ones taken; few kept: an exact scan of their vectors;
        else (or when asking for more found too few) the graph walk skipping the others."""
        with self._lock:
            keep, count = self._kept_mask(allowed)
            if count == 0:
                return []
            n = len(keep)
            q = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
            share = count / max(1, self._count)
            if share >= OVERFETCH_FROM:
                wide = min(self._count, int(k / share * OVERFETCH_FACTOR) + 8)
                self.index.set_ef(max(EF_SEARCH, wide))
                try:
                    got, dists = self.index.knn_query(q, k=wide, num_threads=1)
                    hits = [(int(lbl), float(d)) for lbl, d in zip(got[0], dists[0],
                                                                   strict=True)
                            if lbl < n and keep[lbl]]
                    if len(hits) >= min(k, count):
                        return hits[:k]
                except RuntimeError:
                    pass  # a graph thinned by deletes: the walk below
            elif count <= EXACT_UNDER and (self._file is not None or count <= 512):
                labels, vecs, sq = self._kept_vectors(allowed, keep)
                # squared L2 as hnswlib gives it: another kind's part merges on the same scale
                d = sq - 2.0 * (vecs @ q[0]) + float(q[0] @ q[0])
                top = np.argpartition(d, k)[:k] if len(d) > k else np.arange(len(d))
                top = top[np.argsort(d[top])]
                return [(int(labels[i]), float(d[i])) for i in top]
            self.index.set_ef(max(EF_SEARCH, k))
            k = min(k, count)
            while True:
                try:
                    got, dists = self.index.knn_query(q, k=k, num_threads=1,
                                                      filter=lambda label: bool(
                                                          label < n and keep[label]))
                    break
                except RuntimeError:
                    k //= 2
                    if k == 0:
                        return []
        return [(int(lbl), float(d)) for lbl, d in zip(got[0], dists[0], strict=True)]

    def _kept_mask(self, allowed: np.ndarray) -> tuple[np.ndarray, int]:
        """(live and allowed, by label; how many), worked out once per filter and change."""
        got = self._mask
        if got is not None and got[0] is allowed and got[1] == self._version:
            return got[2], got[3]
        n = min(len(self._live), len(allowed))
        keep = self._live[:n] & allowed[:n]
        count = int(np.count_nonzero(keep))
        self._mask = (allowed, self._version, keep, count)
        return keep, count

    def _kept_vectors(self, allowed: np.ndarray, keep: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(labels, vectors, squared norms) that a filter keeps, gathered once per filter
        (its mask is the same object while the filter and the library stay the same)."""
        got = self._kept
        if got is not None and got[0] is allowed and got[1] == self._version:
            return got[2], got[3], got[4]
        labels = np.flatnonzero(keep)
        vecs = self._vectors_of(labels)
        sq = np.einsum("ij,ij->i", vecs, vecs)
        self._kept = (allowed, self._version, labels, vecs, sq)
        return labels, vecs, sq

    def _vectors_of(self, labels: np.ndarray) -> np.ndarray:
        """The graph's vectors of these live labels: from the saved file, mapped, except for
        those added since (asked of hnswlib, 15 µs each)."""
        out = np.empty((len(labels), self.dim), np.float32)
        todo = np.ones(len(labels), dtype=bool)
        mapped = self._map()
        if mapped is not None:
            row_of, vecs = mapped
            inside = labels < len(row_of)
            rows = np.full(len(labels), -1, np.int64)
            rows[inside] = row_of[labels[inside]]
            fresh = allowed_among(self._fresh, labels)
            ok = (rows >= 0) & ~fresh
            if ok.any():
                picked = np.flatnonzero(ok)
                order = np.argsort(rows[picked])  # read the file forward
                out[picked[order]] = vecs[rows[picked[order]]]
                todo[picked] = False
        if todo.any():
            missing = np.flatnonzero(todo)
            out[missing] = np.asarray(self.index.get_items(labels[missing].tolist(),
                                                           return_type="numpy"), np.float32)
        return out

    def _map(self) -> tuple[np.ndarray, np.ndarray] | None:
        if self._mapped is None and self._file is not None:
            try:
                labels, vecs, _alive = map_graph(self._file, self.dim)
            except (OSError, ValueError):
                self._file = None  # gone or of another layout: the graph answers instead
                return None
            row_of = np.full(int(labels.max()) + 1 if len(labels) else 0, -1, np.int64)
            row_of[labels] = np.arange(len(labels))
            self._mapped = (row_of, vecs)
        return self._mapped

    # ---- persistence ------------------------------------------------------------------------
    def save(self, graph: Path, live: Path) -> None:
        with self._lock:
            self.index.save_index(str(graph))
            labels = np.flatnonzero(self._live).astype(np.int64)
            self._file, self._mapped = graph, None  # every vector is in this file now
            self._fresh = np.zeros(0, dtype=bool)
            self._kept = None
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
        self._file = graph
        self._mapped = None
        self._fresh = np.zeros(0, dtype=bool)
        self._kept = None
        self._mask = None
        self._version = 0
        return self
