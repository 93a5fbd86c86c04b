"""Is it the same recording? A second look at two sound files a model scores alike: a tone and
another tone a semitone up, or two takes of one sentence, can score as high as a re-encode.

Both are decoded (the first 30 s, 16 kHz mono) to short-time spectra; the second is slid
against the first by up to half a second (encoders pad the start), and the spectra must agree
frame by frame, louder frames counting more (weighted mean cosine ≥ 0.9). MP3 and OGG copies
agree at ≥ 0.99 on bench/bench_duplicates.py's set; other sentences, voices and tones at ≤ 0.81.
Durations that differ by more than a second (or 3 %) are another cut, not a copy.
"""

from __future__ import annotations

import numpy as np

from mediabrowser.core.media.audio import load_audio
from mediabrowser.core.media.copies.decoded import Decoded

SECONDS = 30.0
FRAME, HOP = 1024, 512
MAX_LAG = 16  # frames: half a second at 16 kHz
SAME = 0.9


class AudioVerifier:
    def __init__(self) -> None:
        self._cache: Decoded[tuple[np.ndarray, np.ndarray]] = Decoded(256)

    def _spectra(self, file_id: int, path: str) -> tuple[np.ndarray, np.ndarray] | None:
        return self._cache.get(file_id,
                               lambda: spectra(load_audio(path, max_seconds=SECONDS)))

    def same_recording(self, a: tuple[int, str, float | None], b: tuple[int, str, float | None]
                       ) -> bool | None:
        """True: b is a copy of a; False: another sound; None: cannot tell (unreadable).
        Each is (file id, path, duration in seconds or None)."""
        da, db = a[2], b[2]
        if da and db and abs(da - db) > max(1.0, 0.03 * max(da, db)):
            return False
        sa, sb = self._spectra(a[0], a[1]), self._spectra(b[0], b[1])
        if sa is None or sb is None:
            return None
        return agreement(sa, sb) >= SAME


def spectra(wav: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unit-length square-root magnitude spectra per frame, each frame's loudness)."""
    if len(wav) < FRAME:
        wav = np.pad(wav, (0, FRAME - len(wav)))
    frames = np.lib.stride_tricks.sliding_window_view(wav, FRAME)[::HOP] * np.hanning(FRAME)
    mag = np.sqrt(np.abs(np.fft.rfft(frames, axis=1))).astype(np.float32)
    mag /= np.linalg.norm(mag, axis=1, keepdims=True) + 1e-9
    return mag, np.sqrt((frames ** 2).mean(axis=1)).astype(np.float32)


def agreement(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    """The best loudness-weighted mean cosine of a's and b's spectra over small shifts."""
    (sa, ea), (sb, _eb) = a, b
    best = -1.0
    for lag in range(-MAX_LAG, MAX_LAG + 1):
        x, y, w = (sa[lag:], sb, ea[lag:]) if lag >= 0 else (sa, sb[-lag:], ea)
        n = min(len(x), len(y))
        if n < 4:
            continue
        weights = w[:n] / (float(w[:n].sum()) + 1e-9)
        best = max(best, float(((x[:n] * y[:n]).sum(axis=1) * weights).sum()))
    return best
