"""Where a query clip sits inside a longer video: its frames aligned over time with the
video's moments. Many frames must agree on one offset, so one look-alike frame does not win,
and the score is that of the aligned run (the mean cosine of the query's frames to the
moments they fall in), as Video Duplicate Finder's clip offset asks several key frames to
agree."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

LEAST_VOTES = 3  # query frames whose own best moment agrees with the offset (fewer frames: all)
LEAST_COVER = 0.6  # share of the query's frames that must fall inside the video
AS_WELL = 0.03  # a second place the clip fits: its aligned cosine this close to the best


@dataclass(frozen=True)
class Alignment:
    offset: float  # seconds to add to a query time to get the video's time
    start: float
    end: float
    cosine: float  # mean cosine of the aligned frames
    votes: int
    spans: tuple[tuple[float, float], ...] = ()  # every place it fits about as well, in order


def align(q_times: np.ndarray, q_vecs: np.ndarray, starts: np.ndarray, ends: np.ndarray,
          moments: np.ndarray) -> Alignment | None:
    """The best offset of the query (frames at `q_times`, unit rows `q_vecs`) in a video whose
    moments span [starts, ends] with unit vectors `moments`; None when too few frames agree."""
    n = len(q_times)
    if n == 0 or len(starts) == 0:
        return None
    sims = q_vecs @ moments.T  # (n, m)
    centres = (starts + ends) / 2
    best = np.argmax(sims, axis=1)
    # Offsets proposed by each frame's three nearest moments, rounded to a quarter second.
    top = np.argsort(-sims, axis=1)[:, :3]
    proposed = np.unique(np.round((centres[top] - q_times[:, None]) * 4).ravel() / 4)
    need_votes = min(LEAST_VOTES, n)
    slack = float(np.median(ends - starts)) / 2 + 0.5
    offsets = proposed[:400]
    t = q_times[None, :] + offsets[:, None]  # (offsets, frames): every offset at once
    inside = (t >= starts[0] - 0.5) & (t <= ends[-1] + 0.5)
    votes = (np.abs(centres[best][None, :] - t) <= slack).sum(axis=1)
    ok = (inside.sum(axis=1) >= max(need_votes, LEAST_COVER * n)) & (votes >= need_votes)
    if not ok.any():
        return None
    t, inside, votes, offsets = t[ok], inside[ok], votes[ok], offsets[ok]
    cos = _between(sims, centres, t)
    mean = (cos * inside).sum(axis=1) / inside.sum(axis=1)
    half = float(np.median(np.diff(q_times))) / 2 if n > 1 else 0.5
    first = np.where(inside, t, np.inf).min(axis=1)
    last = np.where(inside, t, -np.inf).max(axis=1)
    order = np.argsort(-mean)
    fits = [Alignment(float(offsets[i]), max(0.0, float(first[i]) - half),
                      float(last[i]) + half, float(mean[i]), int(votes[i])) for i in order]
    result = fits[0]
    spans: list[tuple[float, float]] = []
    for a in fits:  # the best places, none overlapping another
        if a.cosine < result.cosine - AS_WELL:
            break
        if all(a.end <= s or a.start >= e for s, e in spans):
            spans.append((a.start, a.end))
    return replace(result, spans=tuple(sorted(spans)))


def _between(sims: np.ndarray, centres: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Each query frame's cosine at its times `t` (offsets × frames) in the video,
    interpolated between the two moments whose centres surround it: the score peaks where
    the frames meet their moments."""
    m = len(centres)
    if m == 1:
        return np.broadcast_to(sims[:, 0], t.shape)
    j = np.clip(np.searchsorted(centres, t), 1, m - 1)
    lo, hi = centres[j - 1], centres[j]
    f = np.clip((t - lo) / np.maximum(hi - lo, 1e-6), 0.0, 1.0)
    rows = np.arange(t.shape[1])[None, :]
    return (1 - f) * sims[rows, j - 1] + f * sims[rows, j]
