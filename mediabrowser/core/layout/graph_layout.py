"""A neighbour-keeping 2-D layout of some vectors, in numpy alone.

The method is UMAP's (McInnes et al. 2018): a k-nearest-neighbour graph with fuzzy edge
weights, then stochastic gradient steps that pull each edge together and push random pairs
apart. It is written here with numpy because the packaged app has no numba, scipy or
scikit-learn (umap-learn, PaCMAP and openTSNE need them; BENCHMARKS.md "The map" compares
them on the same sets). Differences from umap-learn: the graph is exact (brute force over at
most `landmarks` points, see landmarks.py), the init is PCA, and each epoch's updates are
summed per point and applied at once (vectorised) instead of one edge at a time.

`optimise()` is a generator: it yields after every epoch so a job can report progress, stop
when cancelled and save `LayoutState` to resume after a restart.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from mediabrowser.core.index.space import Projection

A, B = 1.577, 0.895  # the curve 1 / (1 + a d^2b) that UMAP fits for min_dist 0.1, spread 1
NEIGHBOURS = 15
NEGATIVES = 5
CLIP = 4.0


EXACT_UP_TO = 20_000  # rows whose neighbours are found exactly; more go through hnswlib


def knn(x: np.ndarray, k: int, chunk: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest other rows of `x` by Euclidean distance: (indices, distances), nearest
    first, each (n, k). Exact in chunks of rows (memory: a few chunk × n arrays) up to
    EXACT_UP_TO rows, else from an hnswlib graph (recall about 0.98 at these settings)."""
    n = len(x)
    k = max(min(k, n - 1), 0)
    if k == 0:
        return np.zeros((n, 0), np.int64), np.zeros((n, 0), np.float32)
    if n > EXACT_UP_TO:
        return _graph_knn(x, k)
    sq = np.einsum("ij,ij->i", x, x)
    idx = np.empty((n, k), np.int64)
    dist = np.empty((n, k), np.float32)
    for s in range(0, n, chunk):
        block = x[s:s + chunk]
        d2 = sq[s:s + chunk, None] + sq[None, :] - 2.0 * (block @ x.T)
        rows = np.arange(len(block))
        d2[rows, s + rows] = np.inf  # not itself
        part = np.argpartition(d2, k - 1, axis=1)[:, :k] if k < n - 1 else \
            np.argsort(d2, axis=1)[:, :k]
        pd = np.take_along_axis(d2, part, axis=1)
        order = np.argsort(pd, axis=1)
        idx[s:s + chunk] = np.take_along_axis(part, order, axis=1)
        dist[s:s + chunk] = np.sqrt(np.maximum(np.take_along_axis(pd, order, axis=1), 0))
    return idx, dist


def l2_graph(x: np.ndarray, ef: int, ef_construction: int = 100) -> Any:
    """An hnswlib graph of the rows of `x` by Euclidean distance, labelled by row number."""
    import hnswlib

    g = hnswlib.Index(space="l2", dim=x.shape[1])
    g.init_index(max_elements=len(x), ef_construction=ef_construction, M=16)
    g.add_items(x, np.arange(len(x)))
    g.set_ef(ef)
    return g


def _graph_knn(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    idx, d2 = l2_graph(x, max(64, 2 * k)).knn_query(x, k=k + 1)
    own = idx == np.arange(len(x))[:, None]
    # drop each row itself (or, where the graph missed it, the farthest found)
    drop = np.where(own.any(axis=1), own.argmax(axis=1), k)
    keep = np.ones_like(own)
    keep[np.arange(len(x)), drop] = False
    idx = idx[keep].reshape(len(x), k).astype(np.int64)
    dist = np.sqrt(np.maximum(d2[keep].reshape(len(x), k), 0.0)).astype(np.float32)
    return idx, dist


def fuzzy_weights(dist: np.ndarray) -> np.ndarray:
    """UMAP's membership strengths: exp(-(d - rho) / sigma) per row, where rho is the
    nearest distance and sigma makes a row's strengths sum to log2(k)."""
    n, k = dist.shape
    if k == 0:
        return np.zeros((n, 0), np.float32)
    rho = dist[:, :1]
    excess = np.maximum(dist - rho, 0.0)
    target = np.log2(max(k, 2))
    lo = np.zeros((n, 1))
    hi = np.full((n, 1), np.inf)
    sigma = np.ones((n, 1))
    for _ in range(48):  # bisection, all rows at once
        total = np.exp(-excess / sigma).sum(axis=1, keepdims=True)
        big = total > target
        hi = np.where(big, sigma, hi)
        lo = np.where(big, lo, sigma)
        sigma = np.where(np.isinf(hi), sigma * 2.0, (lo + hi) / 2.0)
    sigma = np.maximum(sigma, 1e-3 * max(float(np.mean(dist)), 1e-12))
    return np.exp(-excess / sigma).astype(np.float32)


def edges(idx: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The symmetric graph (fuzzy union w_ij + w_ji - w_ij w_ji) as directed edges
    (heads, tails, weights), each pair both ways."""
    n, k = idx.shape
    if n == 0 or k == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0, np.float32)
    heads = np.repeat(np.arange(n), k)
    tails = idx.ravel()
    weights = w.ravel().astype(np.float64)
    a = np.minimum(heads, tails)
    b = np.maximum(heads, tails)
    keys, inv, counts = np.unique(a * n + b, return_inverse=True, return_counts=True)
    total = np.bincount(inv, weights, len(keys))
    product = np.exp(np.bincount(inv, np.log(np.maximum(weights, 1e-12)), len(keys)))
    union = np.where(counts > 1, total - product, total)
    pa, pb = keys // n, keys % n
    keep = union > 1e-3 * union.max()
    pa, pb, union = pa[keep], pb[keep], union[keep]
    return (np.concatenate([pa, pb]), np.concatenate([pb, pa]),
            np.concatenate([union, union]).astype(np.float32))


def pca_init(x: np.ndarray, scale: float = 10.0) -> np.ndarray:
    """The first two principal components, scaled so the layout spans about ±scale."""
    if len(x) < 3:  # one point in the middle, two side by side
        return np.array([[0.0, 0.0]] if len(x) == 1 else [[-1.0, 0.0], [1.0, 0.0]][:len(x)],
                        np.float32).reshape(len(x), 2)
    y = Projection.fit(x, 2).apply(x)
    spread = float(np.abs(y).max()) or 1.0
    return (y * (scale / spread)).astype(np.float32)


@dataclass
class LayoutState:
    """Where an optimisation stands: the positions after `epoch` of `epochs`."""

    y: np.ndarray
    epoch: int
    epochs: int
    seed: int = 0


def epochs_for(n: int) -> int:
    return 500 if n <= 10_000 else 200


def start(x: np.ndarray, seed: int = 0) -> LayoutState:
    y = pca_init(x)
    rng = np.random.default_rng(seed)
    y += rng.normal(0, 1e-3, y.shape).astype(np.float32)  # ties apart
    return LayoutState(y, 0, epochs_for(len(x)), seed)


def optimise(state: LayoutState, heads: np.ndarray, tails: np.ndarray,
             weights: np.ndarray) -> Iterator[int]:
    """Run the remaining epochs on `state.y` in place, yielding the epoch just finished."""
    y = state.y
    n = len(y)
    if n < 3 or len(heads) == 0:
        state.epoch = state.epochs
        return
    p = weights / weights.max()
    while state.epoch < state.epochs:
        e = state.epoch
        rng = np.random.default_rng((state.seed, e))  # an epoch replays the same after resume
        lr = 1.0 - e / state.epochs
        take = rng.random(len(p)) < p
        i, j = heads[take], tails[take]
        diff = y[i] - y[j]
        d2 = np.einsum("ij,ij->i", diff, diff)
        with np.errstate(divide="ignore", invalid="ignore"):
            pull = -2.0 * A * B * np.power(d2, B - 1.0) / (1.0 + A * np.power(d2, B))
        pull[d2 <= 0] = 0.0
        grad = np.clip(pull[:, None] * diff, -CLIP, CLIP)
        move = np.stack([np.bincount(i, grad[:, 0], n), np.bincount(i, grad[:, 1], n)], 1)
        ni = np.repeat(i, NEGATIVES)
        nj = rng.integers(0, n, len(ni))
        diff = y[ni] - y[nj]
        d2 = np.einsum("ij,ij->i", diff, diff)
        push = 2.0 * B / ((0.001 + d2) * (1.0 + A * np.power(d2, B)))
        push[ni == nj] = 0.0
        grad = np.clip(push[:, None] * diff, -CLIP, CLIP)
        move += np.stack([np.bincount(ni, grad[:, 0], n), np.bincount(ni, grad[:, 1], n)], 1)
        y += (lr * move).astype(np.float32)
        state.epoch = e + 1
        yield state.epoch


def layout(x: np.ndarray, seed: int = 0) -> np.ndarray:
    """The whole layout at once (for tests and small sets)."""
    if len(x) < 3:
        return pca_init(x)
    idx, dist = knn(x, NEIGHBOURS)
    h, t, w = edges(idx, fuzzy_weights(dist))
    state = start(x, seed)
    for _ in optimise(state, h, t, w):
        pass
    return state.y
