"""Is it the same picture, the same clip? A second look at two photos or two clips that an
image model scores alike, because look-alikes score as high as copies: two coins of one design
with another number, a red and a green traffic light, two letters, a stereo pair, a detail cut
from a photo, or two moments of one static-camera film.

- Photos (pixels.py): aligned densely (turn, mirror, scale, crop up to ~10 %), then no block
  of the overlap may differ.
- Clips: frames sampled every STEP seconds from the start must line up in time at an offset of
  at most one sample (a copy starts where its original does), with a clear dip there: other
  offsets fit worse. Two moments of one static shot fit no better at 0 than anywhere else. At
  that offset at least 80 % of the frames must be the same picture, block by block. A clip
  that does not change over time (a still) can only be told by its pictures.
Measured on bench/bench_duplicates.py's look-alike sets (chosen on rendered pictures and
vtest.avi, confirmed on Tux Paint's stamps and tree.avi): BENCHMARKS.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mediabrowser.core.media.copies import filters, pixels
from mediabrowser.core.media.copies.decoded import Decoded
from mediabrowser.core.media.decode import load_image
from mediabrowser.core.media.video import frames_every, video_poster

STEP, COUNT = 0.25, 48  # frame samples: 12 s from the start, enough to pin a moment
SHIFT = 8  # samples each way searched for the best fit in time (2 s)
FRAME_SIDE = 160  # px for the fit in time: fine enough to see leaves move
DIP = 0.92  # the best offset's distance at most this share of the others' median
STILL = 0.5  # grey levels a second: a clip changing less is a still picture
FRAMES_SAME = 0.8  # share of the aligned frames that must be the same picture

Look = tuple[int, str, bool, float]  # (file id, path, a video?, duration in s or 0)


class PhotoVerifier:
    """Photos and clips of candidate pairs, each file decoded once per run (bounded cache).
    Safe to call from several threads: at worst a file is decoded twice."""

    def __init__(self) -> None:
        self._pictures: Decoded[pixels.Prepared] = Decoded(2048)
        self._clips: Decoded[list[np.ndarray]] = Decoded(64)

    def same_picture(self, a: Look, b: Look) -> bool | None:
        """True: b is a copy of a; False: it is not; None: one cannot be read."""
        if a[2] and b[2]:
            da, db = a[3], b[3]
            if da and db and abs(da - db) > max(0.5, 0.03 * max(da, db)):
                return False  # a cut of it at most, not a copy
            return self.same_clip(a, b)
        pa, pb = self._picture(a), self._picture(b)
        if pa is None or pb is None:
            return None
        return pixels.compare(pa, pb).same

    def _picture(self, look: Look) -> pixels.Prepared | None:
        _fid, path, video, _duration = look

        def decode() -> pixels.Prepared:
            im = video_poster(path, pixels.WORK, at=0.5) if video else load_image(
                path, min_side=pixels.WORK)
            return pixels.prepare(np.asarray(im.convert("RGB")))

        return self._pictures.get(look[0], decode)

    def _frames(self, look: Look) -> list[np.ndarray] | None:
        def decode() -> list[np.ndarray] | None:
            read = frames_every(look[1], STEP, COUNT, 2 * FRAME_SIDE)
            return [pixels.prepare(f, FRAME_SIDE).pixels for _t, f in read] \
                if len(read) >= 2 else None

        return self._clips.get(look[0], decode)

    def same_clip(self, a: Look, b: Look) -> bool | None:
        fa, fb = self._frames(a), self._frames(b)
        if fa is None or fb is None:
            return None
        return clips_match(fa, fb)


def clips_match(fa: list[np.ndarray], fb: list[np.ndarray]) -> bool:
    """Whether clip b (frames every STEP s, prepared) shows the same moments as clip a."""
    mid_a, mid_b = fa[len(fa) // 2], fb[len(fb) // 2]
    turn = pixels.compare(pixels.Prepared(mid_a, FRAME_SIDE),
                          pixels.Prepared(mid_b, FRAME_SIDE)).turn
    h, w = fa[0].shape[:2]
    turned = [filters.resize(np.ascontiguousarray(pixels.TURNS[turn](f)), (w, h)) for f in fb]
    dist: dict[int, float] = {}
    for o in range(-SHIFT, SHIFT + 1):
        pairs = [(i, i + o) for i in range(len(fa)) if 0 <= i + o < len(turned)]
        if len(pairs) >= min(4, len(fa)):
            dist[o] = float(np.mean([np.abs(fa[i] - turned[j]).mean() for i, j in pairs]))
    if not dist:
        return False
    best = min(dist, key=lambda o: (dist[o], abs(o)))
    if abs(best) > 1:
        return False  # another moment of the film
    motion = _motion(fa)
    others = [d for o, d in dist.items() if abs(o - best) > 1]
    if motion >= STILL and others and dist[best] > DIP * float(np.median(others)):
        return False  # fits no better here than at other times: not pinned to this moment
    aligned = [(fa[i], turned[i + best]) for i in range(len(fa)) if 0 <= i + best < len(turned)]
    small = [(pixels.prepare_float(x, 64), pixels.prepare_float(y, 64)) for x, y in aligned]
    agree = sum(pixels.compare_frames(x, y, 0).worst <= pixels.SAME_WORST for x, y in small)
    return agree >= max(min(4, len(small)), FRAMES_SAME * len(small))


def _motion(frames: list[np.ndarray]) -> float:
    """Mean grey-level change over one second within a clip."""
    k = max(1, round(1.0 / STEP))
    if len(frames) <= k:
        return 0.0
    diffs: list[Any] = [np.abs(frames[i] - frames[i + k]).mean()
                        for i in range(len(frames) - k)]
    return float(np.mean(diffs))
