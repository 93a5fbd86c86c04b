"""Video frames for the models, the poster thumbnail and copy checks, through PyAV (FFmpeg),
with the phone's rotation applied (frames.py opens, turns and samples).

Memory and time are bounded whatever the file claims: frames are picked by time while
decoding forward (seeking over long stretches with nothing to pick), never kept all; a video
whose length is unknown is read at most MAX_READ_SECONDS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from mediabrowser.core.media.frames import NoPicture as NoVideoStream
from mediabrowser.core.media.frames import (
    duration_of,
    frame_at,
    frames_at_times,
    key_frame_times,
    open_video,
    shown,
    words,
)
from mediabrowser.core.types import MediaError

MAX_READ_SECONDS = 300.0  # a video of unknown length: its first 5 minutes
__all__ = ["NoVideoStream", "frames_every", "video_details", "video_frames", "video_info",
           "video_poster"]


def video_info(path: str | Path) -> tuple[int, int, float, int]:
    """(width, height as shown, duration in seconds, frame count or 0 when unknown)."""
    w, h, duration, count, _tags = video_details(path)
    return w, h, duration, count


def video_details(path: str | Path) -> tuple[int, int, float, int, dict[str, str]]:
    """video_info's values and the container's tags (creation time, camera)."""
    f, container, stream = open_video(path)
    with f, container:
        if not stream.width or not stream.height:
            raise NoVideoStream("no picture in this file (zero-size frames)")
        duration = duration_of(container, stream)
        count = int(stream.frames or 0)
        if count < 0 or count > 50_000_000:
            count = 0
        first = _first_frame(container, stream)
        turn = int(getattr(first, "rotation", 0) or 0) % 180
        w, h = (first.height, first.width) if turn == 90 else (first.width, first.height)
        try:
            tags = {str(k): str(v) for k, v in dict(container.metadata or {}).items()}
        except Exception:  # noqa: BLE001 - odd tags are not the video's problem
            tags = {}
        return w, h, duration, count, tags


def _first_frame(container: Any, stream: Any) -> Any:
    try:
        for frame in container.decode(stream):
            return frame
    except Exception as exc:  # noqa: BLE001 - FFmpeg's errors on damaged data
        raise MediaError(f"damaged: no frame of this video can be decoded ({words(exc)})"
                         ) from None
    raise MediaError("damaged: no frame of this video can be decoded")


def video_frames(path: str | Path, n: int = 8, max_side: int = 512) -> list[Image.Image]:
    """`n` frames spread over the whole video (the first at or after the centre of each of n
    equal spans of time), RGB, turned as shown, at most `max_side` pixels on the long side."""
    f, container, stream = open_video(path)
    with f, container:
        duration = duration_of(container, stream) or MAX_READ_SECONDS
        targets = [(i + 0.5) * duration / n for i in range(n)]
        try:
            keys = key_frame_times(container, stream)
            got = [fr.image for fr in frames_at_times(container, stream, targets, keys, max_side)]
        except Exception as exc:  # noqa: BLE001 - FFmpeg's errors on damaged data
            raise MediaError(f"damaged: the video cannot be decoded ({words(exc)})") from None
    if not got:
        raise MediaError("damaged: no frame of this video can be decoded")
    return got


def video_poster(path: str | Path, size: int = 256, at: float = 0.1) -> Image.Image:
    """A frame from `at` of the way in (past black openings), scaled to fit size×size."""
    f, container, stream = open_video(path)
    with f, container:
        duration = duration_of(container, stream)
    try:
        im = frame_at(path, duration * at if duration > 0 else 0.0, size * 2)
    except MediaError:
        im = frame_at(path, 0.0, size * 2)  # seeking into it failed: its first frame
    im.thumbnail((size, size), Image.Resampling.BILINEAR)
    return im


def frames_every(path: str | Path, step: float, count: int, max_side: int = 160
                 ) -> list[tuple[float, np.ndarray]]:
    """(time in seconds, RGB frame) every `step` seconds from the start, at most `count` of
    them: read forward from the start (every frame's time is known), so the cost is bounded
    by step × count seconds of video whatever its length."""
    f, container, stream = open_video(path)
    out: list[tuple[float, np.ndarray]] = []
    with f, container:
        try:
            for frame in container.decode(stream):
                t = float(frame.time or 0.0)
                if t > (count + 1) * step:
                    break
                if t + 1e-3 < len(out) * step:
                    continue  # not yet the next sample time
                out.append((t, np.asarray(shown(frame, max_side))))
                if len(out) >= count:
                    break
        except Exception as exc:  # noqa: BLE001 - FFmpeg's errors on damaged data
            if not out:
                raise MediaError(f"damaged: the video cannot be decoded ({words(exc)})"
                                 ) from None
    return out
