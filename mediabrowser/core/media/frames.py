"""Frames through PyAV (FFmpeg), with their times: what moments in videos are made of.

`sample_frames` takes about one frame every `step` seconds, at most `most` of them (a longer
video gets a longer step), RGB, turned as shown (the phone's rotation applied), shrunk to
`max_side`. Its cost stays bounded for an hour-long video: the packets are listed without
decoding to find the key frames; where key frames come often enough, only they are decoded
(the decoder skips every other frame, tens of times faster); otherwise frames are decoded
forward without the frames nothing refers to (B-frames), seeking ahead past long stretches
with no sample in them.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from mediabrowser.core.media import reasons
from mediabrowser.core.media.files import check_readable, native_path
from mediabrowser.core.types import MediaError

MAX_PACKETS = 2_000_000  # listing packets stops here (≈ 18 hours at 30 fps)


class NoPicture(MediaError):
    """The container opened but holds no picture (an audio-only MP4, say)."""


@dataclass(frozen=True)
class Frame:
    time: float  # seconds from the start of the video
    image: Image.Image


@dataclass(frozen=True)
class Sampled:
    frames: list[Frame]
    duration: float  # seconds, as the file says (0 when it does not)
    step: float  # seconds between samples, as planned


def open_video(path: str | Path) -> tuple[Any, Any, Any]:
    import av

    check_readable(path)
    f = open(native_path(path), "rb")  # noqa: SIM115 - closed with the container
    try:
        container = av.open(f)
    except Exception:  # noqa: BLE001 - FFmpeg's own errors: its words name no reason
        f.close()
        raise NoPicture(why_unopened(path)) from None
    stream: Any = next((s for s in container.streams if s.type == "video"), None)
    if stream is None:
        container.close()
        f.close()
        raise NoPicture("no picture in this file")
    stream.thread_type = "AUTO"
    return f, container, stream


def why_unopened(path: str | Path) -> str:
    """OpenCV only says "not opened"; the file's first bytes and its MP4 boxes say more."""
    what = reasons.describe_content(path)
    if what and what != "empty":
        return f"not a video: this is {what}"
    cut = mp4_truncation(path)
    if cut:
        return cut
    return "no picture in this file: damaged, or not a video"


def mp4_truncation(path: str | Path) -> str | None:
    """For MP4/MOV/M4A: a reason when the file stops before its last box ends (a copy or a
    download cut short), or when its index ("moov") is missing; None otherwise."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(12)
            if len(head) < 12 or head[4:8] != b"ftyp":
                return None
            offset, seen = 0, set[bytes]()
            while offset < size and len(seen) < 10_000:
                f.seek(offset)
                box = f.read(16)
                if len(box) < 8:
                    return "truncated: the file ends early"
                length, kind = struct.unpack(">I4s", box[:8])
                if length == 1 and len(box) >= 16:
                    length = struct.unpack(">Q", box[8:16])[0]
                elif length == 0:
                    length = size - offset
                if length < 8:
                    return "damaged: the video's structure is broken"
                seen.add(kind)
                if offset + length > size:
                    if b"moov" not in seen:
                        return "truncated: the file ends early (its index is missing)"
                    return "truncated: the file ends early"
                offset += length
            if b"mdat" in seen and b"moov" not in seen:
                return "truncated: the file ends early (its index is missing)"
    except OSError:
        return None
    return None


def words(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.split("] ", 1)[-1][:100]


def duration_of(container: Any, stream: Any) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return float(container.duration or 0) / 1_000_000


def frame_at(path: str | Path, seconds: float, max_side: int = 512) -> Image.Image:
    """The frame shown at `seconds` (the first at or after it), turned as shown."""
    f, container, stream = open_video(path)
    with f, container:
        try:
            if seconds > 0 and stream.time_base:
                container.seek(int(seconds / float(stream.time_base)), stream=stream,
                               backward=True)
            last = None
            for frame in container.decode(stream):
                last = frame
                if float(frame.time or 0.0) + 1e-3 >= seconds:
                    break
        except Exception as exc:  # noqa: BLE001 - FFmpeg's errors on damaged data
            raise MediaError(f"damaged: the video cannot be decoded ({words(exc)})") from None
        if last is None:
            raise MediaError("damaged: no frame of this video can be decoded")
        return shown(last, max_side)


def video_duration(path: str | Path) -> float:
    f, container, stream = open_video(path)
    with f, container:
        return duration_of(container, stream)


def key_frame_times(container: Any, stream: Any) -> list[float]:
    """The key frames' times, from the packets (nothing is decoded)."""
    times = []
    tb = float(stream.time_base or 0)
    for n, packet in enumerate(container.demux(stream)):
        if n >= MAX_PACKETS:
            break
        if packet.is_keyframe and packet.pts is not None:
            times.append(float(packet.pts) * tb)
    container.seek(0)
    return sorted(times)


def shown(frame: Any, max_side: int) -> Image.Image:
    """RGB, shrunk as it is converted, turned as the phone meant it to be shown."""
    w, h = frame.width, frame.height
    scale = min(1.0, max_side / max(w, h))
    im = frame.to_image(width=max(1, round(w * scale)), height=max(1, round(h * scale)))
    turn = int(getattr(frame, "rotation", 0) or 0) % 360
    if turn:  # FFmpeg's display matrix: degrees counter-clockwise
        im = im.rotate(turn, expand=True)
    return im


def plan(duration: float, step: float, most: int, least: int = 1) -> tuple[float, list[float]]:
    """(the step used, the sample times): one every `step` s, fewer and wider for a long
    video (at most `most`), more and closer for a short one (at least `least`), each in the
    middle of its span."""
    if duration <= 0:
        return step, [0.0]
    step = min(max(step, duration / most), duration / max(1, least))
    count = max(1, int(round(duration / step)))
    return step, [min(duration, (i + 0.5) * step) for i in range(count)]


def sample_frames(path: str | Path, step: float = 1.0, most: int = 120, max_side: int = 320,
                  least: int = 1) -> Sampled:
    """About one frame every `step` seconds (see the module's note); raises MediaError."""
    f, container, stream = open_video(path)
    with f, container:
        duration = duration_of(container, stream)
        step, targets = plan(duration, step, most, least)
        try:
            frames = list(_sample(container, stream, step, targets, most, max_side))
        except MediaError:
            raise
        except Exception as exc:  # noqa: BLE001 - FFmpeg's errors on damaged data
            raise MediaError(f"damaged: the video cannot be decoded ({words(exc)})") from None
    if not frames:
        raise MediaError("damaged: no frame of this video can be decoded")
    return Sampled(frames, duration or frames[-1].time, step)


def _sample(container: Any, stream: Any, step: float, targets: list[float], most: int,
            max_side: int) -> Iterator[Frame]:
    keys = key_frame_times(container, stream)
    gaps = np.diff(keys) if len(keys) > 1 else np.array([np.inf])
    got = 0
    if len(keys) > 1 and float(np.median(gaps)) <= 1.5 * step:
        stream.codec_context.skip_frame = "NONKEY"  # key frames only: they are close enough
        wanted = 0.0
        for frame in container.decode(stream):
            t = float(frame.time or 0.0)
            if t + 1e-3 >= wanted and got < most:
                yield Frame(t, shown(frame, max_side))
                got += 1
                wanted = t + step * 0.75
    else:
        stream.codec_context.skip_frame = "NONREF"
        yield from frames_at_times(container, stream, targets, keys, max_side)
        return
    if got == 0:  # no key frame decoded (a damaged start): read forward instead
        container.seek(0)
        stream.codec_context.skip_frame = "DEFAULT"
        yield from frames_at_times(container, stream, targets, keys, max_side)


def frames_at_times(container: Any, stream: Any, targets: list[float], keys: list[float],
             max_side: int) -> Iterator[Frame]:
    """The first frame at or after each target, decoding forward and seeking over long
    stretches that hold no target (to the key frame before the next one)."""
    i = 0
    seeks = 0
    while i < len(targets):
        came = False
        for frame in container.decode(stream):
            came = True
            t = float(frame.time or 0.0)
            if t + 1e-3 < targets[i]:
                continue
            yield Frame(t, shown(frame, max_side))
            while i < len(targets) and targets[i] <= t + 1e-3:
                i += 1
            if i >= len(targets):
                return
            before = max((k for k in keys if k <= targets[i]), default=0.0)
            if before > t + 1e-3 and seeks < len(targets):
                seeks += 1
                container.seek(int(before / float(stream.time_base)), stream=stream,
                               backward=True)
                break  # decode again from that key frame
        else:
            return  # the end of the video
        if not came:
            return
