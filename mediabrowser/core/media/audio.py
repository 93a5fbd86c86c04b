"""Sound for the models and the waveform: mono float32 at 16 kHz, a bounded stretch of it.

FFmpeg reads nearly every format, audio-only MP4/M4A included: through torchcodec in the full
build, through PyAV in the small build (no PyTorch); libsndfile is the last resort. Only the
first `max_seconds` are decoded, so a three-hour recording costs the same memory as a
two-minute one.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from mediabrowser.core.media import reasons
from mediabrowser.core.media.files import check_readable, native_path
from mediabrowser.core.types import MediaError

AUDIO_RATE = 16_000
AUDIO_MAX_SECONDS = 120.0  # similarity needs a sample of a recording, not all of it


def audio_info(path: str | Path) -> tuple[float, int]:
    """(duration in seconds, native sample rate)."""
    check_readable(path)
    try:
        if not _has_torchcodec():
            return _av_info(path)
        from torchcodec.decoders import AudioDecoder

        meta = AudioDecoder(native_path(path)).metadata
        duration = float(meta.duration_seconds_from_header or meta.duration_seconds or 0.0)
        return duration, int(meta.sample_rate or 0)
    except Exception as first:  # noqa: BLE001 - fall back to libsndfile before giving up
        try:
            import soundfile as sf

            info = sf.info(native_path(path))
            return float(info.duration), int(info.samplerate)
        except Exception:  # noqa: BLE001
            raise audio_error(first, path) from None


def load_audio(path: str | Path, max_seconds: float = AUDIO_MAX_SECONDS,
               rate: int = AUDIO_RATE) -> np.ndarray:
    """Mono float32 samples at `rate` (16 kHz unless asked), at most `max_seconds` long."""
    check_readable(path)
    try:
        if _has_torchcodec():
            from torchcodec.decoders import AudioDecoder

            dec = AudioDecoder(native_path(path), sample_rate=rate, num_channels=1)
            samples = dec.get_samples_played_in_range(0.0, max_seconds).data
            wav = samples.mean(dim=0).numpy().astype(np.float32)
        else:
            wav = _av_samples(path, 0.0, max_seconds, rate=rate)
    except Exception as first:  # noqa: BLE001 - fall back to libsndfile (wav, flac, ogg, aiff)
        try:
            wav = _load_soundfile(path, max_seconds, rate)
        except Exception:  # noqa: BLE001
            raise audio_error(first, path) from None
    if wav.size == 0:
        raise MediaError("no sound: the recording holds no samples")
    if not np.isfinite(wav).all():
        raise MediaError("damaged: the recording holds invalid samples")
    return wav


def window_peaks(path: str | Path, duration: float, windows: int,
                 seconds: float = 1.0) -> np.ndarray:
    """(windows, 2) min/max of `seconds`-long stretches spread evenly over the recording: the
    shape of a long recording without decoding all of it (a window that fails stays flat)."""
    if not _has_torchcodec():
        return _av_peaks(path, duration, windows, seconds)
    from torchcodec.decoders import AudioDecoder

    dec = AudioDecoder(native_path(path), sample_rate=AUDIO_RATE, num_channels=1)
    env = np.zeros((windows, 2), np.float32)
    for i in range(windows):
        start = duration * i / windows
        try:
            seg = dec.get_samples_played_in_range(start, min(duration, start + seconds)).data
        except Exception:  # noqa: BLE001 - one undecodable stretch
            continue
        if seg.numel():
            env[i] = (float(seg.min()), float(seg.max()))
    return env


def excerpts(path: str | Path, starts: list[float], seconds: float, rate: int = AUDIO_RATE
             ) -> Iterator[np.ndarray]:
    """Mono float32 stretches of `seconds` from each start, the file opened once and read by
    seeking (PyAV), so a long recording is sampled without being decoded whole. A stretch that
    cannot be read comes back empty."""
    check_readable(path)
    opened = _av_open(path)
    try:
        for start in starts:
            try:
                yield _av_samples(path, start, seconds, opened, rate=rate)
            except Exception:  # noqa: BLE001 - one damaged stretch
                yield np.zeros(0, np.float32)
    finally:
        opened[1].close()
        opened[0].close()


@cache
def _has_torchcodec() -> bool:
    return (importlib.util.find_spec("torchcodec") is not None
            and importlib.util.find_spec("torch") is not None)


def _av_open(path: str | Path) -> tuple[Any, Any, Any]:
    """(file, container, first audio stream) through PyAV; the file object, so any name opens."""
    import av

    f = open(native_path(path), "rb")  # noqa: SIM115 - closed by the caller with the container
    try:
        container = av.open(f)
    except Exception:
        f.close()
        raise
    stream = next((s for s in container.streams if s.type == "audio"), None)
    if stream is None:
        container.close()
        f.close()
        raise MediaError("no sound in this file")
    return f, container, stream


def _av_info(path: str | Path) -> tuple[float, int]:
    f, container, stream = _av_open(path)
    with f, container:
        if stream.duration is not None and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        else:
            duration = float(container.duration or 0) / 1_000_000
        return duration, int(stream.rate or 0)


def _av_samples(path: str | Path, start: float, seconds: float,
                opened: tuple[Any, Any, Any] | None = None, rate: int = AUDIO_RATE
                ) -> np.ndarray:
    """Mono float32 at `rate` from `start` for at most `seconds` (FFmpeg's resampler)."""
    import av

    f, container, stream = opened or _av_open(path)
    try:
        if start > 0:
            container.seek(int(start * 1_000_000))  # in AV_TIME_BASE units, to a key frame
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        limit = int(seconds * rate)
        chunks: list[np.ndarray] = []
        got = 0
        for frame in container.decode(stream):
            if frame.time is not None and frame.time + frame.samples / frame.rate < start:
                continue
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
                got += chunks[-1].size
            if got >= limit:
                break
        else:
            chunks.extend(o.to_ndarray().reshape(-1) for o in resampler.resample(None))
        wav = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
        return wav[:limit].astype(np.float32)
    finally:
        if opened is None:
            container.close()
            f.close()


def _av_peaks(path: str | Path, duration: float, windows: int, seconds: float) -> np.ndarray:
    env = np.zeros((windows, 2), np.float32)
    starts = [duration * i / windows for i in range(windows)]
    for i, seg in enumerate(excerpts(path, starts, seconds)):
        if seg.size:  # a stretch that cannot be read stays flat
            env[i] = (float(seg.min()), float(seg.max()))
    return env


def _load_soundfile(path: str | Path, max_seconds: float, rate: int = AUDIO_RATE) -> np.ndarray:
    import soundfile as sf

    name = native_path(path)
    info = sf.info(name)
    data, native = sf.read(name, frames=int(max_seconds * info.samplerate), dtype="float32",
                           always_2d=True)
    mono = data.mean(axis=1)
    if native != rate:
        mono = resample(mono, native, rate)
    return mono.astype(np.float32)


def resample(x: np.ndarray, rate: int, to: int = AUDIO_RATE) -> np.ndarray:
    """From `rate` to `to`: torchaudio's sinc resampler when present, else a polyphase filter."""
    try:
        import torch
        import torchaudio.functional as AF

        out: np.ndarray = AF.resample(torch.from_numpy(np.ascontiguousarray(x)), rate,
                                      to).numpy()
        return out
    except ImportError:
        pass
    try:
        from math import gcd

        from scipy.signal import resample_poly

        g = gcd(rate, to)
        return np.asarray(resample_poly(x, to // g, rate // g), np.float32)
    except ImportError:  # the small build has neither: linear interpolation will do here
        n = int(round(len(x) * to / rate))
        return np.interp(np.arange(n) * (rate / to), np.arange(len(x)),
                         x).astype(np.float32)


def audio_error(exc: BaseException, path: str | Path) -> MediaError:
    """FFmpeg's message ("Could not open input file … Invalid data found …", with a C++ source
    path) turned into words."""
    if isinstance(exc, MediaError):
        return exc
    if isinstance(exc, OSError) and exc.errno is not None:
        return MediaError(reasons.from_os_error(exc))
    what = reasons.describe_content(path)
    if what and what != "empty":
        return MediaError(f"not a sound recording: this is {what}")
    return MediaError(reasons.from_message(
        str(exc), "damaged or unsupported: no sound could be decoded"))
