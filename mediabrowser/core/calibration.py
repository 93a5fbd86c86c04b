"""Scores that mean the same for every kind and model.

Raw cosine means different things in different vector spaces: unrelated photos score 0.4–0.6
with EfficientNet, while two unrelated sounds can score 0.9 with MFCC statistics. A score here
is raw cosine mapped through three anchors of its space:

- the median and the 99th percentile of cosine between *unrelated* items, measured on the
  library's own vectors (random pairs, most of which are unrelated; copies left out) once the
  space holds enough of them, and taken from the model's fitted defaults before that;
- the cosine above which two files are the *same* content (a re-encode, resize or crop),
  fitted per model on labelled copies (bench/bench_quality.py --fit, set A).

Median → 0.2, 99th percentile → 0.5, same → 0.9, linear between. So 0.5 means "more alike
than 99 in 100 unrelated pairs" whatever the kind, and the tiers below are the same words
everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mediabrowser.core.embed.base import l2_normalise

LIBRARY_SAMPLE = 800  # vectors drawn to measure a space's unrelated pairs
MIN_FOR_LIBRARY = 200  # below this, a library's own pairs say too little; use the model's


@dataclass(frozen=True)
class Calibration:
    unrelated_median: float
    unrelated_high: float  # 99th percentile
    same: float
    source: str = "model"  # "model", "library" or "query"

    def anchors(self) -> tuple[np.ndarray, np.ndarray]:
        m = min(self.unrelated_median, 0.98)
        hi = min(max(self.unrelated_high, m + 0.01), 0.985)
        same = min(max(self.same, hi + 0.01), 0.995)
        return (np.array([-1.0, m, hi, same, 1.0]), np.array([0.0, 0.2, 0.5, 0.9, 1.0]))

    def score(self, cosine: float | np.ndarray) -> np.ndarray:
        xs, ys = self.anchors()
        return np.interp(np.clip(cosine, -1.0, 1.0), xs, ys)

    def cosine_for(self, score: float) -> float:
        """The raw cosine that maps to `score` (the inverse map)."""
        xs, ys = self.anchors()
        return float(np.interp(score, ys, xs))

    def with_unrelated(self, cosines: np.ndarray, source: str) -> Calibration:
        """Anchors from a library's random pairs. Pairs at the "same" level are copies, not
        unrelated items, and are left out. (A normal fit to the spread was tried and dropped:
        sound libraries mix speech and music, whose pairs are not one bell curve.)"""
        cosines = np.asarray(cosines)
        kept = cosines[cosines < self.same]
        if kept.size < 100:
            kept = cosines
        return Calibration(float(np.quantile(kept, 0.5)), float(np.quantile(kept, 0.99)),
                           self.same, source)


# Used for models nobody has fitted yet: typical of ImageNet and CLIP features.
GENERIC = Calibration(0.45, 0.7, 0.9, "generic")
# Text against pictures when the library is too small to measure it: typical CLIP cosines
# (unrelated captions ≈ 0.15–0.2, a matching one ≈ 0.3); not fitted here, no CLIP weights ship.
TEXT = Calibration(0.17, 0.24, 0.33, "text")


def for_space(space: str) -> Calibration:
    """The fitted anchors of the model that names `space` (generic ones for an unknown model)."""
    from mediabrowser.core.embed.registry import get_spec

    try:
        c = get_spec(space).options.get("calibration")
    except KeyError:
        return GENERIC
    if not c:
        return GENERIC
    return Calibration(float(c["unrelated"][0]), float(c["unrelated"][1]), float(c["same"]))


def pair_cosines(vectors: np.ndarray) -> np.ndarray:
    """Cosines of all distinct pairs among `vectors` (a vector that is not finite is left out)."""
    v = l2_normalise(vectors)
    v = v[np.isfinite(v).all(axis=1)]
    return (v @ v.T)[np.triu_indices(len(v), k=1)]


def for_query(query: np.ndarray, sample: np.ndarray, fallback: Calibration) -> Calibration:
    """Anchors from how one query scores against random items (text queries, whose cosines
    live on another scale than item-to-item ones). The few items that match the query sit in
    the tail, so the spread is read robustly (median absolute deviation), not off the tail."""
    if len(sample) < 50:
        return fallback
    cos = np.asarray(sample, np.float32) @ np.asarray(query, np.float32)
    median = float(np.median(cos))
    hi = median + 2.326 * 1.4826 * float(np.median(np.abs(cos - median)))
    return Calibration(median, hi, hi + 0.6 * (1 - hi), "query")
