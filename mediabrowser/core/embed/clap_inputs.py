"""What CLAP's audio tower reads: 10 s windows at 48 kHz as 64-band log-mel spectrograms,
computed in numpy exactly as transformers' ClapFeatureExtractor does (a test compares them),
so the decode workers and the small build need neither PyTorch nor `transformers`.

A recording up to 10 s is repeated to fill the window ("repeatpad", as CLAP was trained); a
longer one gives up to MOST_WINDOWS windows spread over it, read by seeking, so a 3-hour
recording costs what a one-minute one does. The file's vector is the mean of its windows'.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

RATE = 48_000
WINDOW_S = 10
N_FFT = 1024
HOP = 480
BANDS = 64
FRAMES = WINDOW_S * RATE // HOP + 1  # 1001: the spectrogram is centred
MOST_WINDOWS = 6


def _hz_to_mel(f: np.ndarray, scale: str) -> np.ndarray:
    if scale == "htk":
        return 2595.0 * np.log10(1.0 + f / 700.0)
    f = np.asarray(f, np.float64)
    logstep = 27.0 / np.log(6.4)
    return np.where(f >= 1000.0, 15.0 + np.log(np.maximum(f, 1e-9) / 1000.0) * logstep,
                    3.0 * f / 200.0)


def _mel_to_hz(m: np.ndarray, scale: str) -> np.ndarray:
    if scale == "htk":
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    logstep = np.log(6.4) / 27.0
    return np.where(m >= 15.0, 1000.0 * np.exp(logstep * (m - 15.0)), 200.0 * m / 3.0)


@cache
def mel_filters(scale: str, f_min: float, f_max: float) -> np.ndarray:
    """(513, 64) triangular filters; "slaney" ones are area-normalised, "htk" ones are not."""
    lo, hi = (_hz_to_mel(np.array(f, np.float64), scale) for f in (f_min, f_max))
    edges = _mel_to_hz(np.linspace(lo, hi, BANDS + 2), scale)
    fft_freqs = np.linspace(0, RATE // 2, N_FFT // 2 + 1)
    slopes = edges[None, :] - fft_freqs[:, None]
    gaps = np.diff(edges)
    filters = np.maximum(0.0, np.minimum(-slopes[:, :-2] / gaps[:-1], slopes[:, 2:] / gaps[1:]))
    if scale == "slaney":
        filters *= 2.0 / (edges[2:] - edges[:-2])[None, :]
    return filters


@cache
def _window() -> np.ndarray:
    return np.hanning(N_FFT + 1)[:-1]  # periodic Hann


def log_mel(wav: np.ndarray, scale: str, f_min: float, f_max: float) -> np.ndarray:
    """(frames, 64) power spectrogram in dB of a 48 kHz waveform, centred frames."""
    x = np.pad(np.asarray(wav, np.float64), N_FFT // 2, mode="reflect")
    n = 1 + (len(x) - N_FFT) // HOP
    frames = np.lib.stride_tricks.sliding_window_view(x, N_FFT)[::HOP][:n] * _window()
    power = np.abs(np.fft.rfft(frames, n=N_FFT)) ** 2
    mel = power @ mel_filters(scale, f_min, f_max)
    return (10.0 * np.log10(np.maximum(mel, 1e-10))).astype(np.float32)


def repeat_pad(wav: np.ndarray, length: int = WINDOW_S * RATE) -> np.ndarray:
    """A short recording repeated whole as often as it fits, then silence (CLAP's repeatpad)."""
    if len(wav) >= length:
        return wav[:length]
    reps = length // max(1, len(wav))
    out = np.tile(wav, reps)
    return np.pad(out, (0, length - len(out)))


def window_starts(duration: float, most: int = MOST_WINDOWS) -> list[float]:
    """Where the windows of a recording begin: one for up to 10 s, else up to `most` spread
    evenly from the start to the last full window."""
    if duration <= WINDOW_S:
        return [0.0]
    count = min(most, int(np.ceil(duration / WINDOW_S)))
    return [float(s) for s in np.linspace(0.0, duration - WINDOW_S, count)]


@dataclass(frozen=True)
class ClapInput:
    """A recording → (windows, 1, 1001, 64) log-mel; picklable, for the decode workers."""

    mel_scale: str = "slaney"
    f_min: float = 50.0
    f_max: float = 14_000.0

    def __call__(self, path: str) -> tuple[np.ndarray, None]:
        from mediabrowser.core.media.audio import excerpts
        from mediabrowser.core.media.decode import audio_info, load_audio
        from mediabrowser.core.types import MediaError

        duration, _ = audio_info(path)
        if duration <= WINDOW_S:
            waves = [load_audio(path, WINDOW_S, rate=RATE)]
        else:
            waves = [w for w in excerpts(path, window_starts(duration), WINDOW_S, rate=RATE)
                     if w.size >= RATE // 10]
            if not waves:
                raise MediaError("damaged: no part of the recording could be read")
        mels = [log_mel(repeat_pad(w), self.mel_scale, self.f_min, self.f_max) for w in waves]
        return np.stack(mels)[:, None], None
