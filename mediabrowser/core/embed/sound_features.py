"""Hand-made sound features for the default audio model, in NumPy.

- timbre: what an instrument sounds like whatever note it plays. The harmonic pattern is the
  autocorrelation of the spectrum on a log-frequency axis (a pitch change shifts a log spectrum,
  the autocorrelation does not move), plus the loudness curve after the attack.
- speechiness: how fast the spectral envelope changes (the spread of MFCC deltas), which is
  high for speech and low for held notes and steady sounds.

Chosen on labelled sets (bench/audio_sets.py, set A) against plain MFCC statistics; the
confirming figures on set B are in BENCHMARKS.md.
"""

from __future__ import annotations

from functools import cache

import numpy as np

RATE = 16_000
HOP = 160  # 10 ms
CHUNK = 1000  # frames transformed at a time: memory stays flat for a two-minute recording
LAGS = range(2, 97, 2)  # log-frequency lags in 1/24 octave (lag 0 is always 1: left out)
HARMONIC_DIM = len(LAGS)
TIMBRE_DIM = HARMONIC_DIM + 8  # harmonic autocorrelation, decay curve + peak time + flux


def _per_frame(wav: np.ndarray, n_fft: int, fold: np.ndarray) -> np.ndarray:
    """`fold` (k, n_fft // 2 + 1) applied to the power spectrum of every centred,
    Hann-windowed frame, chunk by chunk: (k, frames)."""
    pad = n_fft // 2
    x = np.pad(wav.astype(np.float32), (pad, pad),
               mode="reflect" if wav.size > pad else "constant")
    n = 1 + (x.size - n_fft) // HOP
    win = np.hanning(n_fft + 1)[:-1].astype(np.float32)
    out = np.empty((fold.shape[0], n))
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        idx = np.arange(n_fft)[None, :] + HOP * np.arange(start, stop)[:, None]
        power = np.abs(np.fft.rfft(x[idx] * win, axis=1)).astype(np.float64) ** 2
        out[:, start:stop] = fold @ power.T
    return out


@cache
def _log_bands(n_fft: int) -> np.ndarray:
    """Frame energy (row 0), then the mean power of each 1/24-octave band from 50 Hz up:
    a (1 + bands, n_fft // 2 + 1) fold for _per_frame."""
    edges = 50 * 2 ** np.arange(0, 7.3, 1 / 24)
    f = np.arange(n_fft // 2 + 1) * RATE / n_fft
    band = np.searchsorted(edges, f, side="right") - 1
    fold = np.zeros((len(edges), f.size))
    fold[0] = 1.0
    for b in range(len(edges) - 1):
        members = band == b
        if members.any():
            fold[1 + b, members] = 1.0 / members.sum()
    return fold


def timbre(wav: np.ndarray) -> np.ndarray:
    """(TIMBRE_DIM,) raw timbre features of mono 16 kHz samples (standardise before use)."""
    if wav.size < 4096:
        wav = np.pad(wav, (0, 4096 - wav.size))
    folded = _per_frame(wav, 2048, _log_bands(2048))
    db = 10 * np.log10(folded[0] + 1e-12)
    bands = folded[1:, db > db.max() - 40]  # leave silences out of the spectrum
    p = bands.mean(axis=1)
    p = p / (np.linalg.norm(p) + 1e-12)
    autocorr = [float((p[:-k] * p[k:]).sum()) for k in LAGS]
    peak = int(np.argmax(db))
    decay = [float(db[min(db.size - 1, peak + int(t * 100))] - db[peak])
             for t in (0.05, 0.1, 0.2, 0.4, 0.8, 1.2)]
    logb = np.log(bands + 1e-10)
    flux = float(np.abs(np.diff(logb, axis=1)).mean()) if logb.shape[1] > 1 else 0.0
    return np.array(autocorr + decay + [peak / 100.0, flux], np.float32)


@cache
def _mel_dct() -> tuple[np.ndarray, np.ndarray]:
    """The DCT (20, 64) and the 64 HTK-scale mel bands of a 512-point FFT (64, 257)."""
    def mel(f: np.ndarray) -> np.ndarray:
        return 2595 * np.log10(1 + f / 700)

    freqs = np.linspace(0, RATE / 2, 257)
    pts = 700 * (10 ** (np.linspace(mel(np.array(0.0)), mel(np.array(RATE / 2.0)), 66)
                        / 2595) - 1)
    fb = np.zeros((64, 257))
    for i in range(64):
        lo, mid, hi = pts[i], pts[i + 1], pts[i + 2]
        fb[i] = np.clip(np.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid)), 0, None)
    n = np.arange(64)
    dct = np.cos(np.pi / 64 * (n[None, :] + 0.5) * np.arange(20)[:, None]) * np.sqrt(2 / 64)
    dct[0] /= np.sqrt(2)
    return dct, fb


def speech_rate(wav: np.ndarray) -> float:
    """log of the mean spread of MFCC deltas 3–7 over sounding frames."""
    if wav.size < 2048:
        wav = np.pad(wav, (0, 2048 - wav.size))
    dct, fb = _mel_dct()
    mel = _per_frame(wav, 512, fb)
    db = 10 * np.log10(mel.sum(axis=0) + 1e-12)
    keep = db > db.max() - 50
    if keep.sum() < 3:
        keep[:] = True
    # A floor 60 dB under the loudest band: a lossy copy's emptied quiet bands (MP3, AAC)
    # would otherwise swing the log and look like fast-changing speech.
    mfcc = dct @ np.log(mel[:, keep] + mel.max() * 1e-6 + 1e-20)
    if mfcc.shape[1] < 2:
        return -5.0
    return float(np.log(np.diff(mfcc, axis=1)[3:8].std(axis=1).mean() + 1e-9))
