"""Drawing a million points with numpy (no OpenGL: the app runs on software GL too).

Zoomed out, the map is an overview picture made once (2048 px a side, and 1024, 512 and 256
for farther out: each pixel the colour of a point that lands there, brighter where more do);
pan and zoom only scale a part of the one about as fine as the screen.
Zoomed in past its resolution, few enough points are in view to draw them afresh each frame:
a grid of cells finds them without looking at the others (and finds the point under the
mouse). BENCHMARKS.md "The map" has the frame times at 100k and 1M points."""

from __future__ import annotations

import numpy as np

OVERVIEW = 2048
LEVELS = (2048, 1024, 512, 256)
NONE_COLOUR = 0xFF8A8F98
PALETTE = np.array([0xFF4E79A7, 0xFFF28E2B, 0xFFE15759, 0xFF76B7B2, 0xFF59A14F, 0xFFEDC948,
                    0xFFB07AA1, 0xFFFF9DA7, 0xFF9C755F, 0xFF86BCB6, 0xFFD37295, 0xFFA0CBE8,
                    0xFFFFBE7D, 0xFF8CD17D, 0xFFB6992D, 0xFFF1CE63], np.uint32)


def colours(cluster: np.ndarray) -> np.ndarray:
    """Each point's colour (ARGB): its cluster's, grey for none."""
    return np.where(cluster >= 0, PALETTE[np.maximum(cluster, 0) % len(PALETTE)],
                    np.uint32(NONE_COLOUR)).astype(np.uint32)


def _shade(counts: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """Colour dimmed where few points fall, full where many do; transparent where none."""
    out = np.zeros(counts.shape, np.uint32)
    hit = counts > 0
    if not hit.any():
        return out
    level = np.log1p(counts[hit]) / np.log1p(max(float(counts.max()), 1.0))
    k = 0.55 + 0.45 * level
    c = colour[hit]
    r = ((c >> 16) & 0xFF) * k
    g = ((c >> 8) & 0xFF) * k
    b = (c & 0xFF) * k
    out[hit] = (np.uint32(0xFF000000) | (r.astype(np.uint32) << 16)
                | (g.astype(np.uint32) << 8) | b.astype(np.uint32))
    return out


def overview(xy: np.ndarray, colour: np.ndarray, lo: np.ndarray, hi: np.ndarray,
             size: int = OVERVIEW) -> np.ndarray:
    """The whole map as a (size, size) ARGB picture; row 0 is the top (largest y)."""
    span = np.maximum(hi - lo, 1e-9)
    col = np.clip(((xy[:, 0] - lo[0]) / span[0] * size).astype(np.int64), 0, size - 1)
    row = np.clip(((hi[1] - xy[:, 1]) / span[1] * size).astype(np.int64), 0, size - 1)
    cell = row * size + col
    counts = np.bincount(cell, minlength=size * size)
    top = np.zeros(size * size, np.uint32)
    top[cell] = colour
    return _shade(counts, top).reshape(size, size)


def points(px: np.ndarray, py: np.ndarray, colour: np.ndarray, w: int, h: int, dot: int
           ) -> np.ndarray:
    """Points at pixel positions as an ARGB picture of (h / dot, w / dot) cells, one cell a
    dot: drawn scaled up by `dot`, each point is a dot × dot square (a picture `dot`² times
    smaller than the view is quicker to fill than drawing each square)."""
    cw, ch = -(-w // dot), -(-h // dot)
    x, y = px // dot, py // dot
    ok = (x >= 0) & (x < cw) & (y >= 0) & (y < ch)
    cell = y[ok] * cw + x[ok]
    img = np.zeros(ch * cw, np.uint32)
    img[cell] = colour[ok]
    counts = np.bincount(cell, minlength=ch * cw)
    return _shade(counts, img).reshape(ch, cw)


class PointGrid:
    """Points binned in a g × g grid over their box, each cell's rows kept together, so the
    points in a rectangle or near a position are found without touching the rest."""

    def __init__(self, xy: np.ndarray, g: int = 256) -> None:
        self.xy = xy
        self.g = g
        self.lo = xy.min(axis=0).astype(np.float64) if len(xy) else np.zeros(2)
        self.hi = xy.max(axis=0).astype(np.float64) if len(xy) else np.ones(2)
        self.span = np.maximum(self.hi - self.lo, 1e-9)
        cell = self._cells(xy)
        self.order = np.argsort(cell, kind="stable")
        self.starts = np.searchsorted(cell[self.order], np.arange(g * g + 1))

    def _ij(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        i = np.clip(((x - self.lo[0]) / self.span[0] * self.g).astype(np.int64), 0, self.g - 1)
        j = np.clip(((y - self.lo[1]) / self.span[1] * self.g).astype(np.int64), 0, self.g - 1)
        return i, j

    def _cells(self, xy: np.ndarray) -> np.ndarray:
        i, j = self._ij(xy[:, 0], xy[:, 1])
        return j * self.g + i

    def rows_in(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        """Rows of the points inside the box (a superset by at most a cell at the edges)."""
        if not len(self.xy) or x1 < self.lo[0] or x0 > self.hi[0] or y1 < self.lo[1] \
                or y0 > self.hi[1]:
            return np.zeros(0, np.int64)
        (i0, i1), (j0, j1) = (self._ij(np.array([x0, x1]), np.array([y0, y1])))
        if i0 == 0 and j0 == 0 and i1 == self.g - 1 and j1 == self.g - 1:
            return np.arange(len(self.xy))
        parts = [self.order[self.starts[j * self.g + i0]:self.starts[j * self.g + i1 + 1]]
                 for j in range(int(j0), int(j1) + 1)]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def nearest(self, x: float, y: float, radius: float) -> int:
        """The row of the point nearest (x, y) within `radius`, else -1."""
        rows = self.rows_in(x - radius, y - radius, x + radius, y + radius)
        if not len(rows):
            return -1
        d2 = ((self.xy[rows] - np.array([x, y], np.float32)) ** 2).sum(axis=1)
        best = int(np.argmin(d2))
        return int(rows[best]) if d2[best] <= radius * radius else -1


class Prepared:
    """What the canvas draws a map from, made off the GUI thread (about 0.4 s at 1M points):
    the colours, the grid of cells and the overview picture over its box."""

    def __init__(self, xy: np.ndarray, cluster: np.ndarray) -> None:
        self.xy = np.ascontiguousarray(xy, np.float32)
        self.cluster = cluster
        self.colour = colours(cluster)
        self.grid = PointGrid(self.xy)
        # a square box (the pictures are square: a long thin map would be sampled finer
        # across than the screen, and drop rows), never of zero size (identical points)
        centre = (self.grid.lo + self.grid.hi) / 2
        half = 0.51 * max(float(np.max(self.grid.hi - self.grid.lo)), 1e-3)
        self.box = (centre - half, centre + half)
        # a picture per zoom level, each half the last: scaled down, a picture would drop
        # most points' pixels, so the one about as fine as the screen is drawn
        self.overviews = {size: overview(self.xy, self.colour, *self.box, size=size)
                          for size in LEVELS}
