"""Do two pictures show the same pixels? A dense look after the best alignment, for pictures
a model scores alike: two coins of one design with another number, two road signs, two
letters, or a red and a green traffic light score as high as a re-encoded copy.

The second picture is turned or mirrored the way that makes it look most like the first, then
placed on it by the best of: stretched to the same frame (resized, recompressed, converted
copies), or searched for inside it at scales a crop of up to ~10 % a side allows (or the first
inside the second). On the overlap, each pixel's colour must lie within the other picture's
local range (its 3×3 minimum and maximum, so half-pixel shifts and resampling count for
nothing), and no block of the picture may differ: a different number on a coin changes the
blocks it sits in even where the rest is identical. Pictures are compared at WORK pixels on the
longer side, small enough for a candidate pair to cost about a millisecond.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mediabrowser.core.media.copies import filters
from mediabrowser.core.media.grey import SYMMETRIES

WORK = 128  # px on the longer side of the first picture
GRID = 12  # blocks across the overlap's longer side
MIN_OVERLAP = 0.75  # of each picture's area: a 5 % crop on every side keeps 81 %
SAME_WORST = 0.04  # a block's mean colour distance (0-1) above this: another picture
SAME_CORRELATION = 0.7  # a sanity bound: fine textures placed to the pixel correlate ~0.88
MIN_SIDE = 24  # px: smaller pictures are compared as if this large
TRY_TURNS = 3  # symmetric pictures (a coin, a sign) look alike under several turns
TURNS = [turn for turn, _pil in SYMMETRIES]


@dataclass(frozen=True)
class Comparison:
    overlap: float  # the smaller of the two pictures' shares in the overlap
    correlation: float  # of grey levels on the overlap
    worst: float  # the most different block's mean distance, 0 (same) to 1
    turn: int  # which of the eight symmetries of the second picture was used
    mean: float = 0.0  # the mean distance over the overlap, 0 to 1

    @property
    def same(self) -> bool:
        return (self.overlap >= MIN_OVERLAP and self.correlation >= SAME_CORRELATION
                and self.worst <= SAME_WORST)


@dataclass(frozen=True)
class Prepared:
    pixels: np.ndarray  # float32 RGB at WORK px on the longer side (or less)
    side: int  # the picture's own longer side


def prepare(rgb: np.ndarray, side: int = WORK) -> Prepared:
    """An RGB picture (h×w×3, uint8) ready to compare."""
    h, w = rgb.shape[:2]
    return Prepared(_resize(rgb, min(side, max(h, w))).astype(np.float32), max(h, w))


def prepare_float(x: np.ndarray, side: int) -> np.ndarray:
    """Prepared pixels at another size."""
    return _resize(x, side)


def _resize(x: np.ndarray, side: int) -> np.ndarray:
    h, w = x.shape[:2]
    s = side / max(h, w)
    size = (max(MIN_SIDE // 2, round(w * s)), max(MIN_SIDE // 2, round(h * s)))
    return filters.resize(x, size, area=s <= 1)


def compare(pa: Prepared, pb: Prepared) -> Comparison:
    """How well picture b matches picture a after the best alignment. Both are compared at the
    smaller one's size: fine detail a small copy lacks must not count."""
    side = max(MIN_SIDE, min(WORK, pa.side, pb.side))
    a, b = (p.pixels if max(p.pixels.shape[:2]) == side else _resize(p.pixels, side)
            for p in (pa, pb))
    best: Comparison | None = None
    turns = likely_turns(a, b)
    # As it is first (most copies are not turned), then the turns that look most alike.
    for t in dict.fromkeys([t for t in turns if t == 0] + turns[:TRY_TURNS]):
        c = _compare_turned(a, np.ascontiguousarray(TURNS[t](b)), t)
        if best is None or _rank(c) > _rank(best):
            best = c
        if best.same:
            break
    return best or Comparison(0.0, 0.0, 1.0, 0)  # shapes no turn of a copy could have


def compare_frames(a: np.ndarray, b: np.ndarray, turn: int) -> Comparison:
    """Two video frames (prepared pixels), b turned by `turn` and stretched onto a."""
    b = np.ascontiguousarray(TURNS[turn](b))
    ha, wa = a.shape[:2]
    return _dense(a, filters.resize(b, (wa, ha)), 1.0, turn)


def _rank(c: Comparison) -> tuple[bool, bool, float]:
    return c.same, c.overlap >= MIN_OVERLAP, -c.worst


def likely_turns(a: np.ndarray, b: np.ndarray) -> list[int]:
    """The eight turns and mirror images of b, most like a first (on 24×24 grey); those that
    would swap a clearly oblong picture's sides left out."""
    def small(x: np.ndarray) -> np.ndarray:
        g = filters.resize(x.mean(axis=2), (24, 24))
        return (g - g.mean()) / (g.std() or 1.0)

    sa, sb = small(a), small(b)
    ha, wa = a.shape[:2]
    scores = []
    for t in TURNS:
        tb = t(b)
        # A turn that swaps a clearly oblong picture's sides cannot be the copy's.
        wrong_shape = abs(np.log((tb.shape[1] / tb.shape[0]) / (wa / ha))) > 0.35
        scores.append(None if wrong_shape else float((t(sb) * sa).mean()))
    return sorted((i for i, s in enumerate(scores) if s is not None),
                  key=lambda i: -scores[i])  # type: ignore[operator]


def _compare_turned(a: np.ndarray, b: np.ndarray, turn: int) -> Comparison:
    ha, wa = a.shape[:2]
    best: Comparison | None = None
    # 1. The same frame: b stretched onto a.
    cands = [(a, filters.resize(b, (wa, ha)), 1.0)]
    # 2. b is a crop of a, or a of b: the smaller content searched inside the larger.
    for outer, inner, swapped in ((a, b, False), (b, a, True)):
        placed = _place_inside(outer, inner)
        if placed is not None:
            region, moved, share = placed
            cands.append((moved, region, share) if swapped else (region, moved, share))
    for x, y, share in cands:
        c = _dense(x, y, share, turn)
        if best is None or _rank(c) > _rank(best):
            best = c
    assert best is not None
    return best


def _place_inside(outer: np.ndarray, inner: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, float] | None:
    """`inner` scaled to cover 80–98 % of `outer` where it matches best: (outer's region,
    inner resized to it, the region's share of outer's area)."""
    ho, wo = outer.shape[:2]
    hi, wi = inner.shape[:2]
    k_hi = min(wo / wi, ho / hi)
    k_lo = k_hi * 0.8
    go = outer.mean(axis=2)
    best: tuple[float, int, int, int, int] | None = None
    for k in np.linspace(k_lo, k_hi * 0.98, 10):
        w, h = round(wi * k), round(hi * k)
        if w < 8 or h < 8 or w > wo or h > ho:
            continue
        gi = filters.resize(inner.mean(axis=2), (w, h))
        if float(gi.std()) < 1e-3:
            continue
        score, x, y = filters.match_template(go, gi)
        if best is None or score > best[0]:
            best = (float(score), x, y, w, h)
    if best is None:
        return None
    _s, x, y, w, h = best
    moved = filters.resize(inner, (w, h))
    return outer[y:y + h, x:x + w], moved, (w * h) / (wo * ho)


def _dense(x: np.ndarray, y: np.ndarray, share: float, turn: int) -> Comparison:
    """Compare two aligned pictures of one size, block by block."""
    x = filters.gaussian_blur(x, 0.7)
    y = filters.gaussian_blur(y, 0.7)
    # Each picture against the other's local range: outside it is a real difference.
    d = np.maximum(_outside(x, y), _outside(y, x)).mean(axis=2) / 255.0
    h, w = d.shape
    cell = max(3, round(max(h, w) / GRID))
    gh, gw = max(1, h // cell), max(1, w // cell)
    blocks = d[:gh * cell, :gw * cell].reshape(gh, cell, gw, cell).mean(axis=(1, 3))
    gx, gy = x.mean(axis=2).ravel(), y.mean(axis=2).ravel()
    sx, sy = float(gx.std()), float(gy.std())
    if sx < 1.0 or sy < 1.0:  # flat pictures: only their colours can tell
        corr = 1.0 if abs(float(gx.mean()) - float(gy.mean())) < 8 else 0.0
    else:
        corr = float(((gx - gx.mean()) * (gy - gy.mean())).mean() / (sx * sy))
    return Comparison(share, corr, float(blocks.max()), turn, float(d.mean()))


def _outside(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    hi = filters.dilate3(y)
    lo = filters.erode3(y)
    return np.maximum(np.maximum(x - hi, lo - x), 0.0)
