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
TIMBRE_DIM = 49 + 8  # harmonic autocorrelation lags, decay curve + peak time + flux


def _frames(wav: np.ndarray, n_fft: int) -> np.ndarray:
    """Power spectra of centred, Hann-windowed frames: (n_fft // 2 + 1, frames)."""
    pad = n_fft // 2
    x = np.pad(wav.astype(np.float32), (pad, pad), mode="reflect" if wav.size > pad else
               "constant")
    n = 1 + (x.size - n_fft) // HOP
    idx = np.arange(n_fft)[None, :] + HOP * np.arange(n)[:, None]
    win = np.hanning(n_fft + 1)[:-1].astype(np.float32)
    return (np.abs(np.fft.rfft(x[idx] * win, axis=1)) ** 2).T.astype(np.float64)


@cache
def _log_bands(n_fft: int) -> tuple[np.ndarray, int]:
    """Each FFT bin's 1/24-octave band from 50 Hz up (−1 outside), and the band count."""
    edges = 50 * 2 ** np.arange(0, 7.3, 1 / 24)
    f = np.arange(n_fft // 2 + 1) * RATE / n_fft
    band = np.searchsorted(edges, f, side="right") - 1
    band[(band < 0) | (band >= len(edges) - 1)] = -1
    return band, len(edges) - 1


def timbre(wav: np.ndarray) -> np.ndarray:
    """(TIMBRE_DIM,) raw timbre features of mono 16 kHz samples (standardise before use)."""
    if wav.size < 4096:
        wav = np.pad(wav, (0, 4096 - wav.size))
    spec = _frames(wav, 2048)
    energy = spec.sum(axis=0)
    db = 10 * np.log10(energy + 1e-12)
    active = spec[:, db > db.max() - 40]  # leave silences out of the spectrum
    band, n_bands = _log_bands(2048)
    valid = band >= 0
    bands = np.zeros((n_bands, active.shape[1]))
    np.add.at(bands, band[valid], active[valid])
    counts = np.bincount(band[valid], minlength=n_bands).clip(min=1)
    bands /= counts[:, None]
    p = bands.mean(axis=1)
    p = p / (np.linalg.norm(p) + 1e-12)
    lags = range(0, 97, 2)
    autocorr = [float((p[:-k] * p[k:]).sum()) if k else float((p * p).sum()) for k in lags]
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
    mel = fb @ _frames(wav, 512)
    db = 10 * np.log10(mel.sum(axis=0) + 1e-12)
    keep = db > db.max() - 50
    if keep.sum() < 3:
        keep[:] = True
    mfcc = dct @ np.log(mel[:, keep] + 1e-10)
    if mfcc.shape[1] < 2:
        return -5.0
    return float(np.log(np.diff(mfcc, axis=1)[3:8].std(axis=1).mean() + 1e-9))
