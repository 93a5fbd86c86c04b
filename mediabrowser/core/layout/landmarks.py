"""A large space is laid out through landmarks: a random sample gets the full layout
(graph_layout.py) and every other item is placed beside its nearest landmarks, at the
weighted mean of their positions. New items are placed the same way later, so the map never
moves under the person looking at it; only "Recompute" lays it out afresh.

Vectors are first reduced by PCA (as t-SNE and UMAP pipelines do): the neighbour search is
cheaper and no less faithful on unit vectors of a few hundred dimensions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PCA_DIM = 48
LANDMARKS = 40_000  # the most items laid out by the graph; the rest are placed
PLACE_K = 8


@dataclass
class Reduction:
    mean: np.ndarray  # (dim,)
    components: np.ndarray  # (dim, PCA_DIM)

    @classmethod
    def fit(cls, sample: np.ndarray, dim: int = PCA_DIM) -> Reduction:
        mean = sample.mean(axis=0)
        centred = (sample - mean).astype(np.float64)
        _vals, vecs = np.linalg.eigh(centred.T @ centred)
        comps = vecs[:, ::-1][:, :min(dim, sample.shape[1])]
        return cls(mean.astype(np.float32), np.ascontiguousarray(comps, np.float32))

    def apply(self, mat: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray((mat - self.mean) @ self.components, np.float32)


def choose_landmarks(n: int, most: int = LANDMARKS, seed: int = 0) -> np.ndarray:
    """Row numbers of the landmarks: all rows up to `most`, else a sorted random sample."""
    if n <= most:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, most, replace=False))


def place(x: np.ndarray, marks: np.ndarray, marks_xy: np.ndarray, k: int = PLACE_K,
          chunk: int = 1024, seed: int = 0) -> np.ndarray:
    """Positions for rows `x` (reduced vectors) beside their k nearest landmarks: the mean of
    the landmarks' positions weighted by exp(-(d - d_nearest) / spread), plus a little jitter
    of the size of the landmarks' own spacing so placed items do not stack on one pixel."""
    out = np.empty((len(x), 2), np.float32)
    if len(x) == 0:
        return out
    k = min(k, len(marks))
    sq = np.einsum("ij,ij->i", marks, marks)
    rng = np.random.default_rng(seed)
    for s in range(0, len(x), chunk):
        block = x[s:s + chunk]
        d2 = np.einsum("ij,ij->i", block, block)[:, None] + sq[None, :] - 2.0 * (block @ marks.T)
        near = np.argpartition(d2, k - 1, axis=1)[:, :k] if k < len(marks) else \
            np.tile(np.arange(len(marks)), (len(block), 1))
        dist = np.sqrt(np.maximum(np.take_along_axis(d2, near, axis=1), 0.0))
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

