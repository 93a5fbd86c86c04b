"""Decode media for the models: images (EXIF-rotated, alpha on white), video frames, 16 kHz audio.

Every failure becomes a MediaError whose message names the problem in plain words.
Files are only ever opened for reading.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from mediabrowser.core.types import MediaError

AUDIO_RATE = 16_000
AUDIO_MAX_SECONDS = 120.0  # similarity needs a sample of a recording, not all of it

# Pillow's decompression-bomb guard stays on: above this many pixels it refuses to decode.
Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485


def check_readable(path: str | Path) -> int:
    """Return the size; raise MediaError for a missing, unreadable or empty file."""
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        raise MediaError("file not found") from None
    except PermissionError:
        raise MediaError("cannot read file: permission denied") from None
    if size == 0:
        raise MediaError("empty file (0 bytes)")
    if not os.access(path, os.R_OK):
        raise MediaError("cannot read file: permission denied")
    return size


def _image_error(exc: BaseException) -> MediaError:
    if isinstance(exc, Image.DecompressionBombError):
        return MediaError(f"image too large to decode safely (possible decompression bomb): {exc}")
    if isinstance(exc, UnidentifiedImageError):
        return MediaError("not a readable image: the content is not a recognised image format")
    if isinstance(exc, PermissionError):
        return MediaError("cannot read file: permission denied")
    msg = str(exc)
    if "truncated" in msg.lower():
        return MediaError("image data is truncated (the file is incomplete)")
    return MediaError(f"corrupt or unsupported image: {msg or type(exc).__name__}")


def load_image(path: str | Path, min_side: int | None = None) -> Image.Image:
    """Decode to RGB with EXIF orientation applied and transparency composited on white.

    `min_side` lets JPEG decode at a reduced scale (DCT scaling) while keeping the shorter side at
    least that long: several times faster for camera photos, same pixels after resizing.
    """
    check_readable(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                if min_side and im.format == "JPEG":
                    w, h = im.size
                    scale = min_side / min(w, h)
                    if scale < 1:
                        im.draft("RGB", (max(1, int(w * scale)), max(1, int(h * scale))))
                im.load()
                out = ImageOps.exif_transpose(im) or im
                return _to_rgb(out)
    except MediaError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, EOFError) as exc:
        raise _image_error(exc) from None


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if im.mode != "RGB":
        return im.convert("RGB")
    return im.copy() if im.readonly else im


def _open_video(path: str | Path):  # -> cv2.VideoCapture
    import cv2

    check_readable(path)
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    if not cap.isOpened():
        cap.release()
        raise MediaError("cannot open video: no decodable video stream (corrupt or unsupported)")
    return cap


def video_info(path: str | Path) -> tuple[int, int, float, int]:
    """(width, height, duration in seconds, frame count)."""
    import cv2

    cap = _open_video(path)
    try:
        w = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        h = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = cap.get(cv2.CAP_PROP_FPS) or 0.0
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        if w <= 0 or h <= 0:
            raise MediaError("video has no picture (zero-size frames)")
        duration = count / fps if fps > 0 and count > 0 else 0.0
        return w, h, duration, max(count, 0)
    finally:
        cap.release()


def video_frames(path: str | Path, n: int = 8, max_side: int = 512) -> list[Image.Image]:
    """`n` frames sampled uniformly over the whole video (centres of n equal spans).

    Frames are seeked by index (OpenCV's FFmpeg backend decodes forward from the previous
    keyframe, so the frame is exact); a video whose length is unknown is read through once.
    """
    import cv2

    cap = _open_video(path)
    try:
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        frames: list[np.ndarray] = []
        if count > 0:
            wanted = sorted({min(count - 1, int((i + 0.5) * count / n)) for i in range(n)})
            for idx in wanted:
                cap.set(cv2.CAP_PROP_POS_FRAMES, idx)
                ok, frame = cap.read()
                if ok and frame is not None:
                    frames.append(frame)
        if not frames:  # unknown length or seeking failed: read sequentially, keep a sample
            cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            allf: list[np.ndarray] = []
            while len(allf) < 20_000:
                ok, frame = cap.read()
                if not ok:
                    break
                allf.append(_shrink(frame, max_side))
            if allf:
                frames = [allf[min(len(allf) - 1, int((i + 0.5) * len(allf) / n))]
                          for i in range(n)]
        if not frames:
            raise MediaError("video has no decodable frames (corrupt or truncated)")
        return [Image.fromarray(cv2.cvtColor(_shrink(f, max_side), cv2.COLOR_BGR2RGB))
                for f in frames]
    finally:
        cap.release()


def _shrink(frame: np.ndarray, max_side: int) -> np.ndarray:
    import cv2

    h, w = frame.shape[:2]
    s = max(h, w)
    if s <= max_side:
        return frame
    scale = max_side / s
    return cv2.resize(frame, (max(1, int(w * scale)), max(1, int(h * scale))),
                      interpolation=cv2.INTER_AREA)


def audio_info(path: str | Path) -> tuple[float, int]:
    """(duration in seconds, native sample rate)."""
    check_readable(path)
    try:
        from torchcodec.decoders import AudioDecoder

        meta = AudioDecoder(str(path)).metadata
        duration = float(meta.duration_seconds_from_header or meta.duration_seconds or 0.0)
        return duration, int(meta.sample_rate or 0)
    except Exception as first:  # noqa: BLE001 - fall back to libsndfile before giving up
        try:
            import soundfile as sf

            info = sf.info(str(path))
            return float(info.duration), int(info.samplerate)
        except Exception:  # noqa: BLE001
            raise MediaError(f"not a readable audio file: {_short(first)}") from None


def load_audio(path: str | Path, max_seconds: float = AUDIO_MAX_SECONDS) -> np.ndarray:
    """Mono float32 samples at 16 kHz, at most `max_seconds` long."""
    check_readable(path)
    try:
        from torchcodec.decoders import AudioDecoder

        dec = AudioDecoder(str(path), sample_rate=AUDIO_RATE, num_channels=1)
        samples = dec.get_samples_played_in_range(0.0, max_seconds).data
        wav = samples.mean(dim=0).numpy().astype(np.float32)
    except Exception as first:  # noqa: BLE001 - fall back to libsndfile (wav, flac, ogg, aiff)
        try:
            wav = _load_soundfile(path, max_seconds)
        except Exception:  # noqa: BLE001
            raise MediaError(f"not a readable audio file: {_short(first)}") from None
    if wav.size == 0:
        raise MediaError("audio has no samples")
    if not np.isfinite(wav).all():
        raise MediaError("audio contains invalid samples")
    return wav


def _load_soundfile(path: str | Path, max_seconds: float) -> np.ndarray:
    import soundfile as sf
    import torch
    import torchaudio.functional as AF

    info = sf.info(str(path))
    data, rate = sf.read(str(path), frames=int(max_seconds * info.samplerate), dtype="float32",
                         always_2d=True)
    mono = torch.from_numpy(data.mean(axis=1))
    if rate != AUDIO_RATE:
        mono = AF.resample(mono, rate, AUDIO_RATE)
    return mono.numpy().astype(np.float32)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
