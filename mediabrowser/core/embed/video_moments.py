"""Moments of a video: frames sampled per unit of time, cut into shots where the picture
changes at once, and short runs of frames inside a shot kept as the video's moments (each the
mean of its frames' vectors, with its start and end). The whole-video vector is the mean of
every sampled frame.

Bounded for long videos: at most MOST_FRAMES frames (an hour gets one every 30 s) and at most
MOST_MOMENTS moments (runs get longer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mediabrowser.core.embed.base import Moment, l2_normalise
from mediabrowser.core.embed.preprocess import ImageTransform

STEP = 1.0  # seconds between sampled frames (longer for long videos)
MOST_FRAMES = 120
RUN = 2  # frames per moment (more for long videos, to stay within MOST_MOMENTS)
MOST_MOMENTS = 64
LEAST_SECONDS = 2.0  # a shorter video is one moment; a clip of a few seconds has moments,
# so it can be found inside a longer video (duplicates: "contained in")
CUT = 0.18  # mean absolute change of the small grey picture (0…1) that starts a new shot


@dataclass(frozen=True)
class VideoSample:
    """A video's sampled frames, preprocessed for the model, with their times."""

    frames: np.ndarray  # (n, 3, H, W)
    times: np.ndarray  # (n,) seconds
    greys: np.ndarray  # (n, 16, 16) in 0…1: what shot cuts are found on
    duration: float
    step: float


def sample_video(path: str, transform: ImageTransform, least: int, step: float = STEP,
                 most: int = MOST_FRAMES) -> VideoSample:
    """About a frame a second (at least `least` frames, at most `most`), for the model."""
    from mediabrowser.core.media.frames import sample_frames

    got = sample_frames(path, step=step, most=most, least=least,
                        max_side=max(2 * transform.resize, 320))
    greys = np.stack([np.asarray(f.image.convert("L").resize((16, 16)), np.float32) / 255.0
                      for f in got.frames])
    return VideoSample(np.stack([transform(f.image) for f in got.frames]),
                       np.array([f.time for f in got.frames], np.float64), greys,
                       float(got.duration), float(got.step))


def shot_starts(greys: np.ndarray) -> list[int]:
    """Indexes of the frames that begin a shot (the first frame always does)."""
    if len(greys) < 2:
        return [0]
    change = np.abs(np.diff(greys, axis=0)).mean(axis=(1, 2))
    return [0, *[int(i) + 1 for i in np.flatnonzero(change > CUT)]]


def moments_of(sample: VideoSample, vectors: np.ndarray) -> list[Moment]:
    """Runs of RUN frames (more for long videos) inside each shot, each with its mean vector
    and its span in time; none for a video shorter than LEAST_SECONDS."""
    n = len(sample.times)
    if sample.duration < LEAST_SECONDS or n < 2:
        return []
    run = max(RUN, -(-n // MOST_MOMENTS))
    starts = shot_starts(sample.greys)
    bounds = [*starts, n]
    half = sample.step / 2
    out: list[Moment] = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        for i in range(a, b, run):
            j = min(b, i + run)
            v = l2_normalise(vectors[i:j].mean(axis=0, keepdims=True))[0]
            out.append(Moment(max(0.0, float(sample.times[i]) - half),
                              min(sample.duration + half, float(sample.times[j - 1]) + half), v))
    return out[: MOST_MOMENTS * 2]  # many short shots: still bounded


@dataclass(frozen=True)
class TimedFramesInput:
    """What a decode worker runs for a video: its sampled frames with their times."""

    transform: ImageTransform
    least: int

    def __call__(self, path: str) -> tuple[VideoSample, Any]:
        return sample_video(path, self.transform, self.least), None
