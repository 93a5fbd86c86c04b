"""Thumbnails for the grid (no Qt): photos scaled down, a video frame from ~10 % in, and a
waveform picture for audio. Cached on disk as JPEG in the library's thumbs/ folder."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from mediabrowser.core.media.audio import window_peaks
from mediabrowser.core.media.decode import load_audio, load_image, video_poster
from mediabrowser.core.types import MediaKind

THUMB_SIZE = 256
WAVE_BG = (38, 42, 52)
WAVE_FG = (110, 190, 255)


def cache_path(folder: Path, file_id: int, content_hash: str | None,
               at: float | None = None) -> Path:
    """Where a thumbnail is kept; `at`: a video's frame at that second (a moment's tile)."""
    moment = f"@{at:.1f}" if at is not None else ""
    return folder / f"{file_id // 1000:04d}" / f"{file_id}-{(content_hash or 'x')[:12]}{moment}.jpg"


def make_thumbnail(path: str | Path, kind: MediaKind, size: int = THUMB_SIZE,
                   at: float | None = None) -> Image.Image:
    """An RGB picture at most size×size (a video's frame at `at` seconds when given); raises
    MediaError like the decoders."""
    if kind is MediaKind.VIDEO and at is not None:
        from mediabrowser.core.media.frames import frame_at

        im = frame_at(path, at, 2 * size)
        im.thumbnail((size, size), Image.Resampling.BILINEAR)
        return im
    if kind is MediaKind.IMAGE:
        im = load_image(path, min_side=size)
        im.thumbnail((size, size), Image.Resampling.BILINEAR)
        return im
    if kind is MediaKind.VIDEO:
        return video_poster(path, size)
    return waveform_picture(waveform_envelope(load_audio(path, max_seconds=60.0), size),
                            (size, size * 3 // 4))


def waveform_envelope(samples: np.ndarray, columns: int) -> np.ndarray:
    """(columns, 2) min/max per column, scaled to [-1, 1] by the loudest peak."""
    columns = max(1, columns)
    n = len(samples)
    if n == 0:
        return np.zeros((columns, 2), np.float32)
    edges = np.linspace(0, n, columns + 1).astype(int)
    env = np.zeros((columns, 2), np.float32)
    for i in range(columns):
        seg = samples[edges[i]:max(edges[i + 1], edges[i] + 1)]
        env[i] = (seg.min(), seg.max())
    peak = float(np.abs(env).max()) or 1.0
    return env / peak


FULL_DECODE_SECONDS = 600.0  # up to 10 minutes: every sample; longer: sampled windows


def waveform_overview(path: str | Path, columns: int, duration: float | None) -> np.ndarray:
    """The envelope of the whole recording, however long: short ones decoded whole, long ones
    from evenly spread one-second windows (bounded time and memory), so the play head and the
    picture cover the same duration."""
    if not duration or duration <= FULL_DECODE_SECONDS:
        return waveform_envelope(load_audio(path, max_seconds=FULL_DECODE_SECONDS), columns)
    windows = min(columns, 400)
    env = window_peaks(path, duration, windows)
    peak = float(np.abs(env).max()) or 1.0
    env /= peak
    return np.repeat(env, max(1, columns // windows), axis=0)[:columns]


def waveform_picture(env: np.ndarray, size: tuple[int, int]) -> Image.Image:
    w, h = size
    im = Image.new("RGB", (w, h), WAVE_BG)
    draw = ImageDraw.Draw(im)
    mid = h / 2
    cols = len(env)
    for x in range(w):
        lo, hi = env[min(cols - 1, x * cols // w)]
        draw.line([(x, mid - hi * (mid - 4)), (x, mid - lo * (mid - 4))], fill=WAVE_FG)
    draw.line([(0, mid), (w, mid)], fill=(80, 90, 110))
    return im


def cached_thumbnail(folder: Path, file_id: int, content_hash: str | None, path: str,
                     kind: MediaKind, at: float | None = None) -> Path:
    """The thumbnail file for a library item (its frame at `at` s for a video's moment),
    made when missing (written atomically)."""
    target = cache_path(folder, file_id, content_hash, at)
    if target.exists():
        return target
    im = make_thumbnail(path, kind, at=at)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
    im.save(tmp, "JPEG", quality=85)
    os.replace(tmp, target)
    return target
