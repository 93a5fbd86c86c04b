"""Sound for the models and the waveform: mono float32 at 16 kHz, a bounded stretch of it.

FFmpeg (through torchcodec) reads nearly every format, audio-only MP4/M4A included; libsndfile
is the fallback. Only the first `max_seconds` are decoded, so a three-hour recording costs the
same memory as a two-minute one.
"""

from __future__ import annotations

from pathlib import Path

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


def load_audio(path: str | Path, max_seconds: float = AUDIO_MAX_SECONDS) -> np.ndarray:
    """Mono float32 samples at 16 kHz, at most `max_seconds` long."""
    check_readable(path)
    try:
        from torchcodec.decoders import AudioDecoder

        dec = AudioDecoder(native_path(path), sample_rate=AUDIO_RATE, num_channels=1)
        samples = dec.get_samples_played_in_range(0.0, max_seconds).data
        wav = samples.mean(dim=0).numpy().astype(np.float32)
    except Exception as first:  # noqa: BLE001 - fall back to libsndfile (wav, flac, ogg, aiff)
        try:
            wav = _load_soundfile(path, max_seconds)
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


def _load_soundfile(path: str | Path, max_seconds: float) -> np.ndarray:
    import soundfile as sf
    import torch
    import torchaudio.functional as AF

    name = native_path(path)
    info = sf.info(name)
    data, rate = sf.read(name, frames=int(max_seconds * info.samplerate), dtype="float32",
                         always_2d=True)
    mono = torch.from_numpy(data.mean(axis=1))
    if rate != AUDIO_RATE:
        mono = AF.resample(mono, rate, AUDIO_RATE)
    return mono.numpy().astype(np.float32)


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
