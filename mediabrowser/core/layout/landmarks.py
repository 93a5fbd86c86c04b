"""A large space is laid out through landmarks: a random sample gets the full layout
(graph_layout.py) and every other item is placed beside its nearest landmarks, at the
weighted mean of their positions. New items are placed the same way later, so the map never
moves under the person looking at it; only "Recompute" lays it out afresh.

Vectors are first reduced by PCA (as t-SNE and UMAP pipelines do): the neighbour search is
cheaper and no less faithful on unit vectors of a few hundred dimensions."""

from __future__ import annotations

import numpy as np

from mediabrowser.core.index.space import Projection
from mediabrowser.core.layout.graph_layout import l2_graph

PCA_DIM = 96  # 48 kept 74 % of the right neighbours on the 1M bench library, 96 kept 92 %
LANDMARKS = 250_000  # the most items laid out by the graph; the rest are placed
PLACE_K = 8


def reduction(sample: np.ndarray) -> Projection:
    """The PCA the map's vectors are reduced by (the index's projection, PCA_DIM wide)."""
    return Projection.fit(sample, PCA_DIM)


def choose_landmarks(n: int, most: int = LANDMARKS, seed: int = 0) -> np.ndarray:
    """Row numbers of the landmarks: all rows up to `most`, else a sorted random sample."""
    if n <= most:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, most, replace=False))


class NearestMarks:
    """The k nearest landmarks of some rows: exact for a few rows (adding new items), through
    an hnswlib graph over the landmarks for many (placing a million after a layout)."""

    GRAPH_FOR = 20_000  # rows at once from which building the graph pays

    def __init__(self, marks: np.ndarray) -> None:
        self.marks = marks
        self.sq = np.einsum("ij,ij->i", marks, marks)
        self.graph: object | None = None

    def _graph(self) -> object:
        if self.graph is None:
            self.graph = l2_graph(self.marks, ef=64, ef_construction=120)
        return self.graph

    def query(self, x: np.ndarray, k: int, many: bool) -> tuple[np.ndarray, np.ndarray]:
        """(indices, distances) of the k nearest landmarks of each row."""
        if many and len(self.marks) > 4 * k:
            near, d2 = self._graph().knn_query(x, k=k)  # type: ignore[attr-defined]
            return near.astype(np.int64), np.sqrt(np.maximum(d2, 0.0))
        d2 = np.einsum("ij,ij->i", x, x)[:, None] + self.sq[None, :] - 2.0 * (x @ self.marks.T)
        near = np.argpartition(d2, k - 1, axis=1)[:, :k] if k < len(self.marks) else \
            np.tile(np.arange(len(self.marks)), (len(x), 1))
        return near, np.sqrt(np.maximum(np.take_along_axis(d2, near, axis=1), 0.0))


def place(x: np.ndarray, marks: np.ndarray | NearestMarks, marks_xy: np.ndarray,
          k: int = PLACE_K, chunk: int = 1024, seed: int = 0) -> np.ndarray:
    """Positions for rows `x` (reduced vectors) beside their k nearest landmarks: the mean of
    the landmarks' positions weighted by exp(-(d - d_nearest) / spread), plus a little jitter
    of the size of the landmarks' own spacing so placed items do not stack on one pixel.
    Pass a NearestMarks to keep its graph between calls."""
    out = np.empty((len(x), 2), np.float32)
    if len(x) == 0:
        return out
    nearest = marks if isinstance(marks, NearestMarks) else NearestMarks(marks)
    k = min(k, len(nearest.marks))
    many = len(x) >= NearestMarks.GRAPH_FOR or nearest.graph is not None
    rng = np.random.default_rng(seed)
    for s in range(0, len(x), chunk):
        block = x[s:s + chunk]
        near, dist = nearest.query(block, k, many)
        excess = dist - dist.min(axis=1, keepdims=True)
        spread = np.maximum(excess.mean(axis=1, keepdims=True), 1e-6)
        w = np.exp(-excess / spread)
        w /= w.sum(axis=1, keepdims=True)
        pts = marks_xy[near]  # (b, k, 2)
        centre = np.einsum("bk,bkc->bc", w, pts)
        scatter = np.sqrt(np.einsum("bk,bk->b", w, ((pts - centre[:, None]) ** 2).sum(2)))
        jitter = rng.normal(0, 1, (len(block), 2)) * (0.15 * scatter)[:, None]
        out[s:s + len(block)] = centre + jitter
    return out

