"""Clusters found in a layout: the dense islands of the map (PixPlot's "hotspots"). The layout
is binned on a grid, smoothed, and the cells above a density threshold joined into connected
regions; a point belongs to the region its cell is in, or to none (a sparse stretch between
islands). The grid is kept with the map so items placed later get their cluster the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEAST_SHARE = 0.004  # a region holding fewer of the points is not a cluster
LEAST_POINTS = 4
SPLIT_SHARE = 0.08  # a region holding more of the points than this is cut into parts,
SPLIT_FROM = 1000  # when it holds more points than this


@dataclass
class ClusterGrid:
    """Which cluster each grid cell belongs to (-1: none), over the box lo..hi."""

    cells: np.ndarray  # (g, g) int32
    lo: np.ndarray  # (2,)
    hi: np.ndarray  # (2,)

    def cell_of(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        g = self.cells.shape[0]
        span = np.maximum(self.hi - self.lo, 1e-9)
        ij = np.floor((xy - self.lo) / span * g).astype(np.int64)
        return np.clip(ij[:, 0], 0, g - 1), np.clip(ij[:, 1], 0, g - 1)

    def assign(self, xy: np.ndarray) -> np.ndarray:
        if len(xy) == 0:
            return np.zeros(0, np.int32)
        i, j = self.cell_of(xy)
        inside = np.all((xy >= self.lo) & (xy <= self.hi), axis=1)
        return np.where(inside, self.cells[i, j], -1).astype(np.int32)


def _blur(grid: np.ndarray, sigma: float) -> np.ndarray:
    radius = max(1, int(3 * sigma))
    t = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (t / sigma) ** 2)
    kernel /= kernel.sum()
    out = np.apply_along_axis(np.convolve, 0, grid, kernel, mode="same")
    return np.apply_along_axis(np.convolve, 1, out, kernel, mode="same")


def _components(mask: np.ndarray) -> np.ndarray:
    """4-connected regions of `mask`, numbered from 0 (-1 outside), by label propagation."""
    g = mask.shape[0]
    labels = np.where(mask, np.arange(g * g).reshape(g, g), -1)
    big = g * g
    while True:
        cur = np.where(mask, labels, big)
        best = cur.copy()
        best[1:, :] = np.minimum(best[1:, :], cur[:-1, :])
        best[:-1, :] = np.minimum(best[:-1, :], cur[1:, :])
        best[:, 1:] = np.minimum(best[:, 1:], cur[:, :-1])
        best[:, :-1] = np.minimum(best[:, :-1], cur[:, 1:])
        best = np.where(mask, best, big)
        if np.array_equal(best, cur):
            break
        labels = np.where(mask, best, -1)
        # jump: each cell takes its label's label (pointer doubling) to converge in log steps
        flat = labels.ravel()
        inside = flat >= 0
        flat[inside] = flat[flat[inside]]
        labels = flat.reshape(g, g)
    _, dense = np.unique(labels[mask], return_inverse=True)
    out = np.full((g, g), -1, np.int64)
    out[mask] = dense
    return out


def _kmeans(points: np.ndarray, weights: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """Weighted k-means (k-means++ start, Lloyd steps): the part of each point."""
    rng = np.random.default_rng(seed)
    p = weights / weights.sum()
    centres = [points[rng.choice(len(points), p=p)]]
    for _ in range(1, k):
        d2 = np.min([((points - c) ** 2).sum(axis=1) for c in centres], axis=0)
        q = p * d2
        centres.append(points[rng.choice(len(points), p=q / q.sum())] if q.sum() > 0
                       else points[rng.integers(len(points))])
    c = np.array(centres, np.float64)
    part = np.zeros(len(points), np.int64)
    for _ in range(30):
        part = np.argmin(((points[:, None, :] - c[None]) ** 2).sum(axis=2), axis=1)
        w = np.bincount(part, weights, k)
        moved = np.stack([np.bincount(part, weights * points[:, d], k) for d in (0, 1)], 1)
        new = np.where(w[:, None] > 0, moved / np.maximum(w, 1e-12)[:, None], c)
        if np.allclose(new, c):
            break
        c = new
    return part


def _split_large(regions: np.ndarray, counts: np.ndarray, n: int) -> np.ndarray:
    """A region holding more than SPLIT_SHARE of the points, and more than SPLIT_FROM (one
    dense stretch rather than islands, as a library of many small events makes) is cut into
    compact parts by k-means over its cells, so a group stays small enough to browse."""
    out = regions.copy()
    top = int(regions.max()) + 1 if regions.size else 0
    for r in range(top):
        cells = np.argwhere(regions == r)
        weight = counts[cells[:, 0], cells[:, 1]]
        size = float(weight.sum())
        if size <= max(SPLIT_SHARE * n, SPLIT_FROM) or len(cells) < 4:
            continue
        k = min(int(np.ceil(size / (SPLIT_SHARE * n))) + 1, len(cells))
        part = _kmeans(cells.astype(np.float64), np.maximum(weight, 1e-3), k)
        ids = np.where(part == 0, r, top + part - 1)
        out[cells[:, 0], cells[:, 1]] = ids
        top += k - 1
    return out


def find_clusters(xy: np.ndarray) -> tuple[np.ndarray, ClusterGrid]:
    """(cluster of each point, -1 for none; the grid), clusters numbered largest first."""
    n = len(xy)
    g = int(np.clip(2 * np.sqrt(max(n, 1)), 16, 256))
    lo = np.percentile(xy, 0.5, axis=0) if n else np.zeros(2)
    hi = np.percentile(xy, 99.5, axis=0) if n else np.ones(2)
    pad = 0.05 * np.maximum(hi - lo, 1e-6)
    lo, hi = (lo - pad).astype(np.float64), (hi + pad).astype(np.float64)
    empty = ClusterGrid(np.full((g, g), -1, np.int32), lo, hi)
    if n < 2 * LEAST_POINTS:
        return np.full(n, -1, np.int32), empty
    i, j = empty.cell_of(xy)
    counts = np.bincount(i * g + j, minlength=g * g).reshape(g, g).astype(np.float64)
    density = _blur(counts, sigma=max(0.8, g / 96))
    nonzero = density[density > 1e-9]
    mask = density > 0.5 * float(np.mean(nonzero)) if len(nonzero) else density > 0
    regions = _split_large(_components(mask), counts, n)
    # only the points inside the box count (those outside were clipped into the edge cells,
    # and assign() gives them none): a region is a cluster by the points it will hold
    inside = np.all((xy >= lo) & (xy <= hi), axis=1)
    point_region = np.where(inside, regions[i, j], -1)
    sizes = np.bincount(point_region[point_region >= 0], minlength=int(regions.max()) + 1)
    least = max(LEAST_POINTS, int(LEAST_SHARE * n))
    order = np.argsort(-sizes, kind="stable")
    renumber = np.full(len(sizes), -1, np.int64)
    kept = order[sizes[order] >= least]
    renumber[kept] = np.arange(len(kept))
    cells = np.where(regions >= 0, renumber[np.maximum(regions, 0)], -1).astype(np.int32)
    grid = ClusterGrid(cells, lo, hi)
    return grid.assign(xy), grid


def representatives(cluster: np.ndarray, x: np.ndarray, chunk: int = 65_536) -> np.ndarray:
    """For each cluster 0..m-1, the row whose vector is nearest its cluster's mean vector.
    Column by column and chunk by chunk: a copy of a million rows would cost gigabytes."""
    m = int(cluster.max()) + 1 if len(cluster) else 0
    if m == 0:
        return np.zeros(0, np.int64)
    lab = np.where(cluster >= 0, cluster, m)  # the points in no cluster count in bin m
    sizes = np.bincount(lab, minlength=m + 1)[:m].astype(np.float64)
    means = np.stack([np.bincount(lab, x[:, d], m + 1)[:m] for d in range(x.shape[1])], 1)
    means = (means / np.maximum(sizes, 1)[:, None]).astype(np.float32)
    dist = np.full(len(x), np.inf, np.float32)
    for s in range(0, len(x), chunk):
        part = lab[s:s + chunk]
        inside = part < m
        diff = x[s:s + chunk][inside] - means[part[inside]]
        dist[s:s + chunk][inside] = np.einsum("ij,ij->i", diff, diff)
    order = np.lexsort((dist, lab))  # by cluster, then nearest first
    first = np.searchsorted(lab[order], np.arange(m))
    return order[np.minimum(first, len(order) - 1)]
