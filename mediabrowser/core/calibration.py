"""Scores that mean the same for every kind and model.

Raw cosine means different things in different vector spaces: unrelated photos score 0.4–0.6
with EfficientNet, while two unrelated sounds can score 0.9 with MFCC statistics. A score here
is raw cosine mapped through three anchors of its space:

- the median and the 99th percentile of cosine between *unrelated* items, measured on the
  library's own vectors (random pairs, most of which are unrelated) once the space holds
  enough of them, and taken from the model's fitted defaults before that;
- the cosine above which two files are the *same* content (a re-encode, resize or crop),
  fitted per model on labelled copies (bench/bench_quality.py --fit, set A).

Median → 0.2, 99th percentile → 0.5, same → 0.9, linear between. So 0.5 means "more alike
than 99 in 100 unrelated pairs" whatever the kind, and the tiers below are the same words
everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TIERS = ((0.9, "same"), (0.7, "very similar"), (0.5, "similar"))
LIBRARY_SAMPLE = 800  # vectors drawn to measure a space's unrelated pairs
MIN_FOR_LIBRARY = 200  # below this, a library's own pairs say too little; use the model's


def tier(score: float) -> str:
    """"same", "very similar", "similar", or "" for a score below the similar tier."""
    for low, word in TIERS:
        if score >= low:
            return word
    return ""


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
        return Calibration(float(np.quantile(cosines, 0.5)), float(np.quantile(cosines, 0.99)),
                           self.same, source)


# Used for models nobody has fitted yet: typical of ImageNet and CLIP features.
GENERIC = Calibration(0.45, 0.7, 0.9, "generic")


def for_model(options: dict) -> Calibration:
    c = options.get("calibration")
    if not c:
        return GENERIC
    return Calibration(float(c["unrelated"][0]), float(c["unrelated"][1]), float(c["same"]))


def pair_cosines(vectors: np.ndarray, max_pairs: int = 200_000) -> np.ndarray:
    """Cosines of all distinct pairs among (unit) `vectors`, at most `max_pairs` of them."""
    v = np.asarray(vectors, np.float32)
    v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    sims = v @ v.T
    upper = sims[np.triu_indices(len(v), k=1)]
    return upper[:max_pairs]


def for_query(base: Calibration, query: np.ndarray, sample: np.ndarray) -> Calibration:
    """Anchors from how one query scores against random items (for text queries, whose
    cosines live on another scale than item-to-item ones)."""
    if len(sample) < 20:
        return base
    cos = np.asarray(sample, np.float32) @ np.asarray(query, np.float32)
    hi = float(np.quantile(cos, 0.99))
    return Calibration(float(np.quantile(cos, 0.5)), hi, hi + 0.6 * (1 - hi), "query")
