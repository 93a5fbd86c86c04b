"""What a decode worker runs for a model: open one file and turn it into the model's input.

Small picklable objects that hold only numbers (input size, mean and std, frame count), not
the model's session, so indexing can decode in worker processes (core/jobs/decode_pool.py)
while the model runs in the indexing process. Each returns (the model's input, the photo's
32×32 grey picture for duplicates, or None); the model's `embed` takes the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mediabrowser.core.embed.preprocess import ImageTransform, voice_partials


@dataclass(frozen=True)
class PhotoInput:
    transform: ImageTransform
    decode_side: int  # JPEGs decode reduced, down to this shorter side

    def __call__(self, path: str) -> tuple[np.ndarray, np.ndarray]:
        from mediabrowser.core.media.decode import load_image
        from mediabrowser.core.media.grey import grey_of

        image = load_image(path, min_side=self.decode_side)
        return self.transform(image), grey_of(image)


@dataclass(frozen=True)
class SoundInput:
    """The waveform, mono at the app's sample rate."""

    def __call__(self, path: str) -> tuple[np.ndarray, None]:
        from mediabrowser.core.media.decode import load_audio

        return load_audio(path), None


@dataclass(frozen=True)
class VoiceInput:
    """The voice encoder's mel partials; with `timbre`, also the timbre features and the
    speech rate the default audio model mixes in."""

    timbre: bool = False

    def __call__(self, path: str) -> tuple[Any, None]:
        from mediabrowser.core.media.decode import AUDIO_RATE, load_audio

        wav = load_audio(path)
        if not self.timbre:
            return voice_partials(wav, AUDIO_RATE), None
        from mediabrowser.core.embed import sound_features as sf

        return (voice_partials(wav, AUDIO_RATE), sf.timbre(wav), sf.speech_rate(wav)), None
