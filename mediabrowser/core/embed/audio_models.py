"""Audio embedders with no weights: MFCC statistics and a time-averaged log-mel spectrogram."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mediabrowser.core.embed.base import ModelSpec, l2_normalise
from mediabrowser.core.media.decode import AUDIO_RATE, load_audio


class FeatureEmbedder:
    """Runs a torchaudio transform over each waveform and summarises it over time."""

    def __init__(self, spec: ModelSpec, transform: Any, summarise: Any) -> None:
        self.spec = spec
        self.transform = transform
        self.summarise = summarise

    def prepare(self, path: str | Path) -> Any:
        return load_audio(path)

    def embed(self, prepared: list[Any]) -> np.ndarray:
        import torch

        rows = []
        with torch.inference_mode():
            for wav in prepared:
                x = torch.from_numpy(np.ascontiguousarray(wav, dtype=np.float32))
                if x.numel() < 400:  # shorter than one analysis window: pad with silence
                    x = torch.nn.functional.pad(x, (0, 400 - x.numel()))
                rows.append(self.summarise(self.transform(x)).numpy())
        if not rows:
            return np.zeros((0, self.spec.dim), np.float32)
        return l2_normalise(np.stack(rows))


def mfcc(spec: ModelSpec, weights: Path | None, device: str,
         models_dir: Path | None = None) -> FeatureEmbedder:
    """20 MFCCs (25 ms windows, 10 ms hop), mean and standard deviation over time → 40-d."""
    import torch
    import torchaudio.transforms as AT

    transform = AT.MFCC(sample_rate=AUDIO_RATE, n_mfcc=20,
                        melkwargs={"n_fft": 400, "hop_length": 160, "n_mels": 40})

    def summarise(m: Any) -> Any:
        return torch.cat([m.mean(dim=-1), m.std(dim=-1, unbiased=False)])

    return FeatureEmbedder(spec, transform, summarise)


def melspec(spec: ModelSpec, weights: Path | None, device: str,
            models_dir: Path | None = None) -> FeatureEmbedder:
    """64-band log-mel spectrogram averaged over time → 64-d."""
    import torch
    import torchaudio.transforms as AT

    transform = AT.MelSpectrogram(sample_rate=AUDIO_RATE, n_fft=400, hop_length=160, n_mels=64)

    def summarise(m: Any) -> Any:
        return torch.log(m + 1e-6).mean(dim=-1)

    return FeatureEmbedder(spec, transform, summarise)
