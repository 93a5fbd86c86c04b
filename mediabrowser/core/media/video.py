"""Video frames for the models and the poster thumbnail, through OpenCV's FFmpeg backend.

Frames are taken by position (index, or time when the index is unknown), with the phone's
rotation metadata applied. Memory and time are bounded whatever the file claims: a video
whose length is unknown, or whose seeking fails, is read forward at most MAX_READ_FRAMES frames
while keeping only an evenly thinned sample, never every frame.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from mediabrowser.core.media.files import check_readable, native_path
from mediabrowser.core.media.frames import NoPicture as NoVideoStream
from mediabrowser.core.media.frames import why_unopened
from mediabrowser.core.types import MediaError

MAX_READ_FRAMES = 9_000  # 5 minutes at 30 fps when a video must be read forward
MAX_SIDE = 4096  # frames larger than this (8K and up) are shrunk at once




def open_video(path: str | Path) -> Any:  # -> cv2.VideoCapture
    import cv2

    check_readable(path)
    cap = cv2.VideoCapture(native_path(path), cv2.CAP_FFMPEG)
    if not cap.isOpened():
        cap.release()
        raise NoVideoStream(why_unopened(path))
    # Phones store rotation as metadata: apply it to every frame (older OpenCV: as stored).
    with contextlib.suppress(Exception):
        cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    return cap


def video_info(path: str | Path) -> tuple[int, int, float, int]:
    """(width, height as shown, duration in seconds, frame count or 0 when unknown)."""
    import cv2

    cap = open_video(path)
    try:
        w = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        h = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        if w <= 0 or h <= 0:
            raise NoVideoStream("no picture in this file (zero-size frames)")
        fps = cap.get(cv2.CAP_PROP_FPS) or 0.0
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        if not (0 < fps < 1000):
            fps = 0.0
        if count < 0 or count > 50_000_000:
            count = 0
        duration = count / fps if fps > 0 and count > 0 else 0.0
        ok, frame = cap.read()
        if not ok or frame is None:
            raise MediaError("damaged: no frame of this video can be decoded")
        h, w = frame.shape[:2]  # as shown: with the rotation metadata applied
        return w, h, duration, count
    finally:
        cap.release()


def video_frames(path: str | Path, n: int = 8, max_side: int = 512) -> list[Image.Image]:
    """`n` frames spread over the whole video (centres of n equal spans), RGB, rotated as
    shown, at most `max_side` pixels on the long side."""
    import cv2

    cap = open_video(path)
    try:
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        frames: list[np.ndarray] = []
        if 0 < count < 50_000_000:
            wanted = sorted({min(count - 1, int((i + 0.5) * count / n)) for i in range(n)})
            for idx in wanted:
                cap.set(cv2.CAP_PROP_POS_FRAMES, idx)
                ok, frame = cap.read()
                if ok and frame is not None:
                    frames.append(_shrink(frame, max_side))
            if len(frames) < len(wanted) // 2:  # seeking does not work in this file
                frames = []
        if not frames:
            cap.release()
            cap = open_video(path)
            frames = _read_forward(cap, n, max_side)
        if not frames:
            raise MediaError("damaged: no frame of this video can be decoded")
        return [Image.fromarray(cv2.cvtColor(f, cv2.COLOR_BGR2RGB)) for f in frames]
    finally:
        cap.release()


def _read_forward(cap: Any, n: int, max_side: int) -> list[np.ndarray]:
    """Read from the start, keeping every `step`-th frame in at most 2n slots; when the slots
    fill up, drop every other one and double the step. Evenly spread, bounded memory."""
    kept: list[np.ndarray] = []
    step = 1
    for i in range(MAX_READ_FRAMES):
        if i % step == 0:
            ok, frame = cap.read()
            if not ok or frame is None:
                break
            kept.append(_shrink(frame, max_side))
            if len(kept) >= 2 * n:
                kept = kept[::2]
                step *= 2
        elif not cap.grab():  # skip without converting the picture
            break
    if len(kept) <= n:
        return kept
    return [kept[min(len(kept) - 1, int((i + 0.5) * len(kept) / n))] for i in range(n)]


def video_poster(path: str | Path, size: int = 256, at: float = 0.1) -> Image.Image:
    """A frame from `at` of the way in (past black openings), scaled to fit size×size."""
    import cv2

    cap = open_video(path)
    try:
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        frame = None
        if 1 < count < 50_000_000:
            cap.set(cv2.CAP_PROP_POS_FRAMES, int(count * at))
            ok, frame = cap.read()
            if not ok:
                frame = None
        if frame is None:
            cap.release()
            cap = open_video(path)
            ok, frame = cap.read()
            if not ok or frame is None:
                raise MediaError("damaged: no frame of this video can be decoded")
        im = Image.fromarray(cv2.cvtColor(_shrink(frame, size * 2), cv2.COLOR_BGR2RGB))
        im.thumbnail((size, size), Image.Resampling.BILINEAR)
        return im
    finally:
        cap.release()


def _shrink(frame: np.ndarray, max_side: int) -> np.ndarray:
    import cv2

    max_side = min(max_side, MAX_SIDE)
    h, w = frame.shape[:2]
    s = max(h, w)
    if s <= max_side:
        return frame
    scale = max_side / s
    return cv2.resize(frame, (max(1, int(w * scale)), max(1, int(h * scale))),
                      interpolation=cv2.INTER_AREA)


def frames_every(path: str | Path, step: float, count: int, max_side: int = 160
                 ) -> list[tuple[float, np.ndarray]]:
    """(time in seconds, RGB frame) every `step` seconds from the start, at most `count` of
    them: read forward (no seeking, so every frame's time is known), so the cost is bounded by
    step × count seconds of video whatever its length."""
    import cv2

    cap = open_video(path)
    try:
        fps = cap.get(cv2.CAP_PROP_FPS) or 0.0
        if not (0 < fps < 1000):
            fps = 25.0
        out: list[tuple[float, np.ndarray]] = []
        limit = int((count * step + 1) * fps) + 2
        for i in range(min(limit, MAX_READ_FRAMES)):
            if not cap.grab():
                break
            t = i / fps
            if t + 0.5 / fps < len(out) * step:
                continue  # not the frame nearest the next sample time
            ok, frame = cap.retrieve()
            if not ok or frame is None:
                break
            out.append((t, cv2.cvtColor(_shrink(frame, max_side), cv2.COLOR_BGR2RGB)))
            if len(out) >= count:
                break
        return out
    finally:
        cap.release()
