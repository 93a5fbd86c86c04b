"""What a decode worker computes for the default audio model (sound_voice.py): how much of a
recording is speech (Silero VAD), the voice encoder's mel partials when there is speech, and
the sound-effects CNN's log-mel blocks when there is other sound.

numpy and ONNX Runtime only (no PyTorch), so it runs in the small build and in the worker
processes; the VAD session is made once per worker.

- Silero VAD (MIT, `silero-vad` on PyPI): its "sequence" graph takes many 32 ms frames in one
  call (each with the previous frame's last 64 samples) and carries the LSTM state between
  calls — about 2 ms per second of sound on one thread, against a Python loop per frame.
- aisfx (MIT, ISMIR 2022): 44.1 kHz, 2048-sample Hann frames (not normalised) every 1024
  samples, power spectrum, 96 HTK mel bands of unit sum from 0 to 22,050 Hz, log10(1 + 10⁴·x)
  divided by the training set's largest value (9.4578), blocks of 100 frames (2.3 s). The
  package's loudness step (Essentia's replay gain) is replaced by peak normalisation, as its own
  librosa path does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

VAD_RATE = 16_000
VAD_FRAME, VAD_CONTEXT, VAD_CALL = 512, 64, 512  # samples, samples, frames per ONNX call
SFX_RATE = 44_100
SFX_FFT, SFX_HOP, SFX_MELS, SFX_BLOCK = 2048, 1024, 96, 100
SFX_SCALE = 9.457798957824707  # the largest log-mel value of aisfx's training spectrograms
LOUD_ENOUGH = 10 ** (-45 / 20)  # a VAD frame quieter than -45 dB below the peak is silence


@dataclass(frozen=True)
class SoundVoiceItem:
    """One recording as the default audio model takes it."""

    speech: float  # share of the sounding 32 ms frames that the VAD calls speech
    partials: np.ndarray | None  # (n, 160, 40) voice partials, when it may be speech
    blocks: np.ndarray | None  # (k, 100, 96) log-mel blocks, when it may be other sound


@dataclass(frozen=True)
class SoundVoiceInput:
    """Decode a recording and compute what the gate needs: partials only when the speech share
    reaches `voice_from`, blocks only below `sounds_until` (each costs a model pass later)."""

    vad_graph: str
    voice_from: float
    sounds_until: float
    max_blocks: int = 4  # of 2.3 s, spread over the first two minutes (each costs ~19 ms)

    def __call__(self, path: str) -> tuple[SoundVoiceItem, None]:
        from mediabrowser.core.embed.preprocess import voice_partials
        from mediabrowser.core.media.decode import load_audio

        wav = load_audio(path)
        share = speech_share(speech_probabilities(wav, self.vad_graph), wav)
        partials = voice_partials(wav, VAD_RATE) if share >= self.voice_from else None
        blocks = None
        if share < self.sounds_until:
            blocks = sfx_blocks(sfx_mel(load_audio(path, rate=SFX_RATE)), self.max_blocks)
        return SoundVoiceItem(share, partials, blocks), None


# ---- speech share (Silero VAD) ----------------------------------------------------------------
@cache
def _vad_session(graph: str) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1  # several workers run side by side
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(graph, sess_options=opts, providers=["CPUExecutionProvider"])


def speech_probabilities(wav: np.ndarray, graph: str) -> np.ndarray:
    """The VAD's speech probability for each 32 ms frame of 16 kHz sound."""
    n = (wav.size + VAD_FRAME - 1) // VAD_FRAME
    if n == 0:
        return np.zeros(0, np.float32)
    frames = np.zeros((n, VAD_FRAME), np.float32)
    frames.reshape(-1)[:wav.size] = wav
    context = np.zeros((n, VAD_CONTEXT), np.float32)
    context[1:] = frames[:-1, -VAD_CONTEXT:]
    rows = np.concatenate([context, frames], axis=1)
    session = _vad_session(graph)
    h = np.zeros((1, 1, 128), np.float32)
    c = np.zeros((1, 1, 128), np.float32)
    out = []
    for i in range(0, n, VAD_CALL):
        p, h, c = session.run(["speech_probs", "hn", "cn"],
                              {"input": rows[i:i + VAD_CALL], "h": h, "c": c})
        out.append(np.asarray(p, np.float32).reshape(-1))
    return np.concatenate(out)


def speech_share(probs: np.ndarray, wav: np.ndarray) -> float:
    """The share of sounding frames that are speech: pauses between sentences do not make a
    voice less of a voice, and silence before a note does not make it speech."""
    if probs.size == 0:
        return 0.0
    padded = np.zeros(probs.size * VAD_FRAME, np.float32)
    padded[:wav.size] = wav[:padded.size]
    rms = np.sqrt((padded.reshape(probs.size, VAD_FRAME) ** 2).mean(axis=1))
    sounding = rms >= max(float(rms.max()) * LOUD_ENOUGH, 1e-5)
    if not sounding.any():
        return 0.0
    return float((probs[sounding] > 0.5).mean())


# ---- sound-effects log-mel (aisfx) --------------------------------------------------------------
@cache
def _sfx_filters() -> np.ndarray:
    """(96, 1025) HTK-mel triangles over the power spectrum, each summing to 1."""
    def mel(f: np.ndarray) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + f / 700.0)

    def hz(m: np.ndarray) -> np.ndarray:
        return 700.0 * (10 ** (m / 2595.0) - 1.0)

    bins = np.linspace(0, SFX_RATE / 2, SFX_FFT // 2 + 1)
    edges = hz(np.linspace(mel(np.array(0.0)), mel(np.array(SFX_RATE / 2)), SFX_MELS + 2))
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (bins[None] - lo) / np.maximum(mid - lo, 1e-9)
    down = (hi - bins[None]) / np.maximum(hi - mid, 1e-9)
    w = np.clip(np.minimum(up, down), 0.0, None)
    sums = w.sum(axis=1, keepdims=True)
    return (w / np.where(sums > 0, sums, 1.0)).astype(np.float32)


def sfx_mel(wav: np.ndarray) -> np.ndarray:
    """(frames, 96) log-mel of 44.1 kHz sound, scaled as aisfx was trained."""
    peak = float(np.abs(wav).max()) if wav.size else 0.0
    x = (wav / peak if peak > 0 else wav).astype(np.float32)
    half = SFX_FFT // 2
    x = np.pad(x, (half, half))  # the first frame is centred on the first sample
    n = max(1, 1 + (x.size - SFX_FFT) // SFX_HOP)
    if x.size < SFX_FFT:
        x = np.pad(x, (0, SFX_FFT - x.size))
    frames = np.lib.stride_tricks.sliding_window_view(x, SFX_FFT)[::SFX_HOP][:n]
    window = np.hanning(SFX_FFT).astype(np.float32)
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    bands = power.astype(np.float32) @ _sfx_filters().T
    return (np.log10(1.0 + 1e4 * bands) / SFX_SCALE).astype(np.float32)


def sfx_blocks(mel: np.ndarray, most: int) -> np.ndarray:
    """(k, 100, 96) blocks of 2.3 s side by side; at most `most`, spread evenly. A recording
    shorter than a block is padded with silence; a last part under half a block is left out."""
    n = mel.shape[0]
    whole = n // SFX_BLOCK
    starts = [i * SFX_BLOCK for i in range(whole)]
    if whole == 0 or n - whole * SFX_BLOCK >= SFX_BLOCK // 2:
        starts.append(max(0, n - SFX_BLOCK) if whole else 0)
    if len(starts) > most:
        keep = np.linspace(0, len(starts) - 1, most).round().astype(int)
        starts = [starts[i] for i in keep]
    out = np.zeros((len(starts), SFX_BLOCK, SFX_MELS), np.float32)
    for i, s in enumerate(starts):
        part = mel[s:s + SFX_BLOCK]
        out[i, :part.shape[0]] = part
    return out


def calibration_blocks(seed: int = 0) -> np.ndarray:
    """Blocks of made-up sound covering what recordings hold — harmonic notes high and low,
    steady and decaying, noise of several colours and levels, clicks, sweeps, a buzzing
    'voice', near silence — to calibrate the sounds CNN's 8-bit graph (onnx_quantize.py)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(2.5 * SFX_RATE)) / SFX_RATE
    sounds = []
    for f0 in (55.0, 110.0, 196.0, 330.0, 523.0, 880.0, 1760.0):
        for decay, odd in ((0.0, False), (3.0, True), (8.0, False)):
            ks = range(1, 40, 2 if odd else 1)
            note = sum(np.sin(2 * np.pi * k * f0 * t) / k for k in ks if k * f0 < SFX_RATE / 2)
            sounds.append(note * np.exp(-decay * t))
    white = rng.standard_normal(t.size)
    for colour in (0.0, 0.5, 1.0, 1.5):  # white, pink-ish, brown-ish, darker
        spectrum = np.fft.rfft(rng.standard_normal(t.size))
        spectrum /= np.maximum(np.arange(spectrum.size), 1) ** (colour / 2)
        noise = np.fft.irfft(spectrum, t.size)
        for level in (1.0, 0.05):
            sounds.append(noise / np.abs(noise).max() * level + 1e-4 * white)
    clicks = np.zeros(t.size)
    clicks[rng.integers(0, t.size, 12)] = 1.0
    sounds.append(np.convolve(clicks, np.exp(-np.arange(400) / 40.0))[:t.size])
    sounds.append(np.sin(2 * np.pi * (100 + 4000 * t) * t))  # a rising sweep
    buzz = sum(np.sin(2 * np.pi * k * 130 * t) / k for k in range(1, 30))
    sounds.append(buzz * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)) * (rng.random(t.size) > 0.3))
    sounds.append(1e-3 * white)
    return np.concatenate([sfx_blocks(sfx_mel(s.astype(np.float32)), 1) for s in sounds])
