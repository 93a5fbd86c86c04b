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


WHOLE_SECONDS = 120.0  # the whole-file vector reads the first two minutes
WINDOWS_FROM = 6.0  # a shorter recording is one moment: no windows
WINDOW_HOP = SFX_BLOCK // 2  # mel frames: a window of 2.3 s every 1.16 s
WINDOW_SECONDS = SFX_BLOCK * SFX_HOP / SFX_RATE
CONTIGUOUS_SECONDS = 600.0  # windows side by side over the first ten minutes
MAX_MOMENTS = 64  # a recording's moments at most (spread further apart in a long one)
SAMPLED_WINDOWS = MAX_MOMENTS  # a recording past ten minutes: windows spread over all of it
PARTIAL_HOP = 77 * 160 / VAD_RATE  # preprocess.voice_partials: a 1.6 s partial every 0.77 s


@dataclass(frozen=True)
class Windows:
    """A recording's moments: where each starts, the sounds CNN's blocks in it and its share
    of speech. Over the first ten minutes a moment is two neighbouring 2.3 s windows (3.5 s),
    one every 1.16 s — or further apart, so that there are at most MAX_MOMENTS; a longer
    recording gets SAMPLED_WINDOWS single windows spread over all of it (read by seeking),
    so a three-hour recording costs what a ten-minute one does."""

    starts: np.ndarray  # (m,) seconds
    blocks: np.ndarray  # (m, 1 or 2, 100, 96)
    speech: np.ndarray  # (m,) share of speech frames in each moment
    seconds: float  # each moment's length

    @property
    def side_by_side(self) -> bool:
        return self.blocks.shape[1] > 1


@dataclass(frozen=True)
class SoundVoiceItem:
    """One recording as the default audio model takes it."""

    speech: float  # share of the sounding 32 ms frames that the VAD calls speech
    partials: np.ndarray | None  # (n, 160, 40) voice partials, when it may be speech
    blocks: np.ndarray | None  # (k, 100, 96) log-mel blocks, when it may be other sound
    windows: Windows | None = None  # moments of a recording longer than WINDOWS_FROM
    whole_partials: int = 0  # how many of `partials` the whole-file vector reads (0: all)


@dataclass(frozen=True)
class SoundVoiceInput:
    """Decode a recording and compute what the gate needs: partials only when the speech share
    reaches `voice_from`, blocks only below `sounds_until` (each costs a model pass later)."""

    vad_graph: str
    voice_from: float
    sounds_until: float
    max_blocks: int = 4  # of 2.3 s, spread over the first two minutes (each costs ~5 ms)
    # Blocks each at its own loudness (as moments are), not at the recording's: for a file
    # looked for among moments.
    as_moment: bool = False
    max_seconds: float = CONTIGUOUS_SECONDS  # read at most this much from the start
    windows: bool = True  # the windows of a long recording (its moments) too

    def __call__(self, path: str) -> tuple[SoundVoiceItem, None]:
        from mediabrowser.core.embed.preprocess import voice_partials
        from mediabrowser.core.media.audio import audio_info, load_audio

        wav = load_audio(path, max_seconds=self.max_seconds)
        head = wav[:int(WHOLE_SECONDS * VAD_RATE)]
        probs = speech_probabilities(wav, self.vad_graph)
        share = speech_share(probs[:-(-head.size // VAD_FRAME)], head)
        long = self.windows and wav.size >= min(WINDOWS_FROM, CONTIGUOUS_SECONDS) * VAD_RATE
        # Partials over all that was read when there are windows to give voices to.
        partials = (voice_partials(wav if long else head, VAD_RATE)
                    if share >= self.voice_from else None)
        whole_partials = 0
        if partials is not None and long:
            whole_partials = max(1, sum(1 for i in range(len(partials))
                                        if i * PARTIAL_HOP < WHOLE_SECONDS))
        blocks = windows = None
        if share < self.sounds_until or long:
            wav44 = load_audio(path, max_seconds=self.max_seconds, rate=SFX_RATE)
            bands, peaks = sfx_bands(wav44)
            del wav44
            if share < self.sounds_until:
                head_frames = int(WHOLE_SECONDS * SFX_RATE / SFX_HOP)
                if self.as_moment:
                    blocks = blocks_at(bands, peaks, block_starts(min(head_frames, len(bands)),
                                                                  self.max_blocks))
                else:
                    peak = float(peaks[:head_frames].max(initial=0.0))
                    blocks = sfx_blocks(sfx_log(bands[:head_frames], peak),
                                        self.max_blocks)
            if long:
                duration = audio_info(path)[0]
                if duration > CONTIGUOUS_SECONDS + WINDOW_SECONDS:
                    windows = sampled_windows(path, duration, self.vad_graph)
                else:
                    windows = side_by_side(bands, peaks, probs)
        return SoundVoiceItem(share, partials, blocks, windows, whole_partials), None


def side_by_side(bands: np.ndarray, peaks: np.ndarray, probs: np.ndarray) -> Windows:
    """Moments of two neighbouring windows (every 1.16 s, the last ending with the frames
    read), at most MAX_MOMENTS of them, each window at its own loudness: a quiet passage after
    a loud one is heard as it would be cut out alone."""
    n = bands.shape[0]
    windows = list(range(0, max(1, n - SFX_BLOCK + 1), WINDOW_HOP))
    if n > SFX_BLOCK and windows[-1] + SFX_BLOCK < n:
        windows.append(n - SFX_BLOCK)
    pairs = [(windows[i], windows[min(i + 1, len(windows) - 1)])
             for i in range(max(1, len(windows) - 1))]
    stride = -(-len(pairs) // MAX_MOMENTS)
    pairs = pairs[::stride]
    per_frame = SFX_HOP / SFX_RATE
    speech = np.zeros(len(pairs), np.float32)
    for i, (s, last) in enumerate(pairs):
        a = int(s * per_frame * VAD_RATE / VAD_FRAME)
        b = int((last + SFX_BLOCK) * per_frame * VAD_RATE / VAD_FRAME)
        speech[i] = float((probs[a:b] > 0.5).mean()) if b > a and a < probs.size else 0.0
    blocks = blocks_at(bands, peaks, [f for pair in pairs for f in pair])
    span = (pairs[0][1] - pairs[0][0] + SFX_BLOCK) * per_frame
    return Windows(np.array([s for s, _ in pairs], np.float64) * per_frame,
                   blocks.reshape(len(pairs), 2, SFX_BLOCK, SFX_MELS), speech, span)


def blocks_at(bands: np.ndarray, peaks: np.ndarray, starts: list[int]) -> np.ndarray:
    """(k, 100, 96) log-mel blocks from these frames, each scaled by its own peak."""
    out = np.zeros((len(starts), SFX_BLOCK, SFX_MELS), np.float32)
    for i, s in enumerate(starts):
        part = bands[s:s + SFX_BLOCK]
        peak = float(peaks[max(0, s - 1):s + SFX_BLOCK].max(initial=0.0))
        out[i, :part.shape[0]] = sfx_log(part, peak)
    return out


def sampled_windows(path: str, duration: float, vad_graph: str) -> Windows:
    """SAMPLED_WINDOWS windows spread evenly over a long recording, each read by seeking."""
    from mediabrowser.core.media.audio import excerpts, resample

    starts = np.linspace(0.0, max(0.0, duration - WINDOW_SECONDS), SAMPLED_WINDOWS)
    blocks = np.zeros((len(starts), SFX_BLOCK, SFX_MELS), np.float32)
    speech = np.zeros(len(starts), np.float32)
    for i, wav in enumerate(excerpts(path, starts.tolist(), WINDOW_SECONDS, SFX_RATE)):
        if wav.size == 0:
            continue
        mel = sfx_mel(wav)[:SFX_BLOCK]
        blocks[i, :mel.shape[0]] = mel
        low = np.asarray(resample(wav, SFX_RATE, VAD_RATE), np.float32)
        probs = speech_probabilities(low, vad_graph)
        speech[i] = float((probs > 0.5).mean()) if probs.size else 0.0
    return Windows(starts, blocks[:, None], speech, WINDOW_SECONDS)


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
    """(frames, 96) log-mel of 44.1 kHz sound, scaled as aisfx was trained (the recording
    peak-normalised)."""
    bands, peaks = sfx_bands(wav)
    return sfx_log(bands, float(peaks.max(initial=0.0)))


def sfx_bands(wav: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(frames, 96) mel power of 44.1 kHz sound as it is, and the peak sample of each hop
    (for scaling any stretch of it: the power of x / p is the power of x over p²)."""
    x = np.asarray(wav, np.float32)
    half = SFX_FFT // 2
    n_hops = -(-x.size // SFX_HOP)
    padded = np.zeros(n_hops * SFX_HOP, np.float32)
    padded[:x.size] = np.abs(x)
    peaks = padded.reshape(n_hops, SFX_HOP).max(axis=1) if n_hops else np.zeros(1, np.float32)
    x = np.pad(x, (half, half))  # the first frame is centred on the first sample
    n = max(1, 1 + (x.size - SFX_FFT) // SFX_HOP)
    if x.size < SFX_FFT:
        x = np.pad(x, (0, SFX_FFT - x.size))
    frames = np.lib.stride_tricks.sliding_window_view(x, SFX_FFT)[::SFX_HOP][:n]
    window = np.hanning(SFX_FFT).astype(np.float32)
    out = np.empty((n, SFX_MELS), np.float32)
    for i in range(0, n, 2048):  # in chunks: ten minutes of frames would take gigabytes
        power = np.abs(np.fft.rfft(frames[i:i + 2048] * window, axis=1)) ** 2
        out[i:i + 2048] = power.astype(np.float32) @ _sfx_filters().T
    if peaks.size < n:
        peaks = np.pad(peaks, (0, n - peaks.size))
    return out, peaks[:n]


def sfx_log(bands: np.ndarray, peak: float) -> np.ndarray:
    """Mel power as if the sound had been scaled to peak 1, then aisfx's log compression."""
    scale = 1.0 / (peak * peak) if peak > 0 else 1.0
    return (np.log10(1.0 + 1e4 * scale * bands) / SFX_SCALE).astype(np.float32)


def block_starts(n: int, most: int) -> list[int]:
    """Where sfx_blocks' blocks start in `n` frames."""
    whole = n // SFX_BLOCK
    starts = [i * SFX_BLOCK for i in range(whole)]
    if whole == 0 or n - whole * SFX_BLOCK >= SFX_BLOCK // 2:
        starts.append(max(0, n - SFX_BLOCK) if whole else 0)
    if len(starts) > most:
        keep = np.linspace(0, len(starts) - 1, most).round().astype(int)
        starts = [starts[i] for i in keep]
    return starts


def sfx_blocks(mel: np.ndarray, most: int) -> np.ndarray:
    """(k, 100, 96) blocks of 2.3 s side by side; at most `most`, spread evenly. A recording
    shorter than a block is padded with silence; a last part under half a block is left out."""
    starts = block_starts(mel.shape[0], most)
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
    lift = 2 ** (seed * 5 / 12)  # another seed, other notes (a fourth up)
    for f0 in (55.0 * lift, 110.0, 196.0 * lift, 330.0, 523.0 * lift, 880.0, 1760.0 / lift):
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
