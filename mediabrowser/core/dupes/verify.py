"""Is it the same picture? A second look at two photos (or two clips, by their middle frames)
that an image model scores alike, because
two shots of one scene (a stereo pair, a burst) or a close-up cut from a photo can score as
high as a re-encoded copy.

Local features (ORB) of both are matched and a turn-scale-shift that maps one onto the other
is fitted (RANSAC); the second photo, moved that way, must then cover most of the first and
agree with it pixel by pixel (normalised correlation of grey levels). A copy that is resized,
recompressed, slightly cropped, turned, mirrored or converted passes (correlation ≥ 0.98 on
bench/bench_duplicates.py's set); another shot of the scene does not (0.65), nor does a detail
(it covers 30 % of the photo). Pictures with too few features to fit anything (flat colour,
smooth gradients) cannot be told apart this way: the model's score decides alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mediabrowser.core.media.decode import load_image
from mediabrowser.core.media.grey import SYMMETRIES
from mediabrowser.core.media.video import video_poster
from mediabrowser.core.types import MediaError

SIDE = 384  # px of the longer side the photos are compared at
MIN_INLIERS = 12
_TURNS = [turn for turn, _pil in SYMMETRIES]
SAME_CORRELATION = 0.9
SAME_COVERAGE = 0.7  # of each photo's area: a 5 % crop on every side keeps 81 %


class PhotoVerifier:
    def __init__(self) -> None:
        import cv2

        self.cv2 = cv2
        self.orb = cv2.ORB_create(1500)  # type: ignore[attr-defined]
        self.matcher = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True)
        self._cache: dict[tuple[Any, ...], Any] = {}  # (file id, flipped) or ("grey", id)

    def _features(self, file_id: int, path: str, video: bool, side: int, turn: int = 0) -> Any:
        key = (file_id, side, turn)
        if key not in self._cache:
            if len(self._cache) > 512:
                self._cache.clear()
            grey = self._grey(file_id, path, video, side)
            if grey is None:
                self._cache[key] = None
            else:
                g = np.ascontiguousarray(_TURNS[turn](grey))
                kp, desc = self.orb.detectAndCompute(g, None)
                self._cache[key] = (g, kp, desc)
        return self._cache[key]

    def _grey(self, file_id: int, path: str, video: bool, side: int) -> np.ndarray | None:
        key = ("grey", file_id, side)
        if key not in self._cache:
            try:
                im = (video_poster(path, side, at=0.5) if video else
                      load_image(path, min_side=side)).convert("L")
            except (MediaError, OSError, ValueError):
                self._cache[key] = None
            else:
                s = side / max(im.size)
                if s < 1:
                    im = im.resize((max(8, round(im.width * s)), max(8, round(im.height * s))))
                self._cache[key] = np.asarray(im, np.uint8)
        return self._cache[key]

    def _likely_turn(self, ga: np.ndarray, gb: np.ndarray) -> int:
        """Which of the eight turns and mirror images of b looks most like a (on 32×32)."""
        small = [self.cv2.resize(np.ascontiguousarray(t(gb)), (32, 32),
                                 interpolation=self.cv2.INTER_AREA) for t in _TURNS]
        a = self.cv2.resize(ga, (32, 32), interpolation=self.cv2.INTER_AREA).astype(np.float32)
        a = (a - a.mean()) / (a.std() or 1.0)
        corr = []
        for b in small:
            b = b.astype(np.float32)
            corr.append(float(((b - b.mean()) / (b.std() or 1.0) * a).mean()))
        return int(np.argmax(corr))

    def same_picture(self, a: tuple[int, str, bool, int], b: tuple[int, str, bool, int]
                     ) -> bool | None:
        """True: b is a copy of a (moved, it covers a and matches it); False: it is not;
        None: they cannot be compared this way (too few features, unreadable). Each is
        (file id, path, a video?, its longer side in pixels, 0 when not known)."""
        # Both at the smaller one's size: fine detail a small copy lacks must not count.
        side = min([SIDE, *(x[3] for x in (a, b) if x[3] > 0)])
        fa = self._features(a[0], a[1], a[2], side)
        ga, gb = self._grey(a[0], a[1], a[2], side), self._grey(b[0], b[1], b[2], side)
        if fa is None or fa[2] is None or len(fa[1]) < MIN_INLIERS or gb is None:
            return None
        assert ga is not None
        # ORB's features survive a turn only roughly, and a mirror image not at all: b is
        # compared as it is, and turned the way that makes it look most like a.
        turns = list(dict.fromkeys((0, self._likely_turn(ga, gb))))
        first: bool | None = None
        for i, turn in enumerate(turns):
            fb = self._features(b[0], b[1], b[2], side, turn)
            if fb is None or fb[2] is None or len(fb[1]) < MIN_INLIERS:
                return None
            verdict = self._compare(fa, fb)
            if verdict:
                return True
            if i == 0:
                first = verdict
        return first

    def _compare(self, fa: Any, fb: Any) -> bool | None:
        cv2 = self.cv2
        (ga, ka, da), (gb, kb, db) = fa, fb
        matches = self.matcher.match(da, db)
        if len(matches) < MIN_INLIERS:
            return None
        pa = np.array([ka[m.queryIdx].pt for m in matches], np.float32)
        pb = np.array([kb[m.trainIdx].pt for m in matches], np.float32)
        fit, inliers = cv2.estimateAffinePartial2D(pb, pa, method=cv2.RANSAC,
                                                   ransacReprojThreshold=3.0)
        if fit is None or int(inliers.sum()) < MIN_INLIERS:
            return False  # features, but no one motion maps them: another picture
        h, w = ga.shape
        moved = cv2.warpAffine(gb, fit, (w, h), flags=cv2.INTER_AREA)
        mask = cv2.warpAffine(np.full_like(gb, 255), fit, (w, h),
                              flags=cv2.INTER_NEAREST) > 0
        scale2 = abs(float(np.linalg.det(fit[:, :2]))) or 1.0
        cover_a = float(mask.mean())
        cover_b = float(mask.sum()) / (scale2 * gb.size)
        if min(cover_a, cover_b) < SAME_COVERAGE:
            return False
        x, y = ga[mask].astype(np.float32), moved[mask].astype(np.float32)
        if x.size < 100 or float(x.std()) < 1e-3 or float(y.std()) < 1e-3:
            return None
        corr = float(((x - x.mean()) * (y - y.mean())).mean() / (x.std() * y.std()))
        return corr >= SAME_CORRELATION
