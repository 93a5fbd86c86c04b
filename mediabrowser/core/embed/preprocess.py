"""Model inputs in NumPy and Pillow, with no PyTorch: the same numbers torchvision's and
torchaudio's transforms give (tests compare them), so the ONNX Runtime path and the PyTorch path
embed a file alike and share one vector space.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from PIL import Image

INTERPOLATIONS = {"bilinear": Image.Resampling.BILINEAR, "bicubic": Image.Resampling.BICUBIC}


@dataclass(frozen=True)
class ImageTransform:
    """Resize the shorter side to `resize`, centre-crop `crop`, scale to [0, 1], normalise:
    torchvision's Resize(int) + CenterCrop + ToTensor + Normalize on a PIL image."""

    resize: int
    crop: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    interpolation: str = "bilinear"

    def __call__(self, image: Image.Image) -> np.ndarray:
        """A PIL image → (3, crop, crop) float32."""
        if image.mode != "RGB":
            image = image.convert("RGB")
        w, h = image.size
        short, long = (w, h) if w <= h else (h, w)
        new_long = int(self.resize * long / short)
        size = (self.resize, new_long) if w <= h else (new_long, self.resize)
        if size != image.size:
            image = image.resize(size, INTERPOLATIONS[self.interpolation])
        w, h = image.size
        top, left = int(round((h - self.crop) / 2.0)), int(round((w - self.crop) / 2.0))
        if top < 0 or left < 0:  # only when resize < crop: torchvision pads with black
            canvas = Image.new("RGB", (max(w, self.crop), max(h, self.crop)))
            canvas.paste(image, (max(0, -left), max(0, -top)))
            image, top, left = canvas, max(0, top), max(0, left)
        image = image.crop((left, top, left + self.crop, top + self.crop))
        x = np.asarray(image, dtype=np.float32).transpose(2, 0, 1) / np.float32(255.0)
        mean = np.asarray(self.mean, np.float32)[:, None, None]
        std = np.asarray(self.std, np.float32)[:, None, None]
        return np.ascontiguousarray((x - mean) / std)

    def as_dict(self) -> dict[str, Any]:
        return {"resize": self.resize, "crop": self.crop, "mean": list(self.mean),
                "std": list(self.std), "interpolation": self.interpolation}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ImageTransform:
        mean, std = d["mean"], d["std"]
        return cls(int(d["resize"]), int(d["crop"]), (mean[0], mean[1], mean[2]),
                   (std[0], std[1], std[2]), str(d.get("interpolation", "bilinear")))


# CLIP's own preprocessing (OpenAI's), for CLIP graphs of models the manifest says nothing of.
OPENAI_CLIP = {"resize": 224, "crop": 224, "interpolation": "bicubic",
               "mean": [0.48145466, 0.4578275, 0.40821073],
               "std": [0.26862954, 0.26130258, 0.27577711]}


def describe_torchvision(transform: Any) -> ImageTransform:
    """The ImageTransform equal to a torchvision Compose of Resize(int), CenterCrop, (RGB
    conversion,) ToTensor and Normalize — open_clip's and torchvision's eval preprocessing."""
    resize = crop = 0
    mean: tuple[float, ...] = (0.0, 0.0, 0.0)
    std: tuple[float, ...] = (0.0, 0.0, 0.0)
    interpolation = "bilinear"
    for t in getattr(transform, "transforms", [transform]):
        kind = type(t).__name__
        if kind == "Resize":
            size = t.size if isinstance(t.size, int) else t.size[0]
            if not isinstance(t.size, int) and len(t.size) == 2 and t.size[0] != t.size[1]:
                raise ValueError(f"cannot describe Resize({t.size}) without PyTorch")
            resize, interpolation = int(size), str(t.interpolation.value)
        elif kind == "CenterCrop":
            crop = int(t.size[0])
        elif kind == "Normalize":
            mean, std = tuple(map(float, t.mean)), tuple(map(float, t.std))
        elif kind not in ("ToTensor", "MaybeToTensor", "MaybeConvertMode", "function",
                          "ToImage", "ToDtype") and "rgb" not in repr(t):
            raise ValueError(f"cannot describe the preprocessing step {kind} without PyTorch")
    if not (resize and crop) or interpolation not in INTERPOLATIONS:
        raise ValueError("the preprocessing has no Resize and CenterCrop that can be reproduced")
    return ImageTransform(resize, crop, (mean[0], mean[1], mean[2]), (std[0], std[1], std[2]),
                          interpolation)


def stack(prepared: list[Any]) -> np.ndarray:
    """Prepared inputs (NumPy arrays, or tensors from a PyTorch transform) as one batch."""
    return np.stack([np.asarray(p, dtype=np.float32) for p in prepared])


# ---- sound -----------------------------------------------------------------------------------
def _hz_to_mel_slaney(f: np.ndarray) -> np.ndarray:
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, np.log(6.4) / 27.0
    mels = f / f_sp
    return np.where(f >= min_log_hz,
                    min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, mels)


def _mel_to_hz_slaney(m: np.ndarray) -> np.ndarray:
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


@cache
def slaney_mel_bank(rate: int, n_fft: int, n_mels: int) -> np.ndarray:
    """(n_fft // 2 + 1, n_mels): torchaudio's melscale_fbanks(norm="slaney",
    mel_scale="slaney") from 0 Hz to the Nyquist frequency."""
    freqs = np.linspace(0, rate // 2, n_fft // 2 + 1)
    m = np.linspace(_hz_to_mel_slaney(np.array(0.0)), _hz_to_mel_slaney(np.array(rate / 2.0)),
                    n_mels + 2)
    pts = _mel_to_hz_slaney(m)
    diff = pts[1:] - pts[:-1]
    slopes = pts[None, :] - freqs[:, None]
    down = -slopes[:, :-2] / diff[:-1]
    up = slopes[:, 2:] / diff[1:]
    bank = np.maximum(0.0, np.minimum(down, up))
    bank *= (2.0 / (pts[2:n_mels + 2] - pts[:n_mels]))[None, :]
    return bank.astype(np.float32)


def mel_power(wav: np.ndarray, rate: int, n_fft: int, hop: int, n_mels: int) -> np.ndarray:
    """(frames, n_mels) mel power spectrogram: torchaudio's MelSpectrogram(n_fft, hop,
    n_mels, norm="slaney", mel_scale="slaney", pad_mode="constant"), frames centred, a
    periodic Hann window, in chunks so a long recording needs little memory."""
    pad = n_fft // 2
    x = np.pad(np.asarray(wav, np.float32), (pad, pad))
    n = 1 + (x.size - n_fft) // hop
    win = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)).astype(np.float32)
    bank = slaney_mel_bank(rate, n_fft, n_mels)
    out = np.empty((n, n_mels), np.float32)
    for start in range(0, n, 2000):
        stop = min(n, start + 2000)
        idx = np.arange(n_fft)[None, :] + hop * np.arange(start, stop)[:, None]
        spec = np.fft.rfft(x[idx] * win, axis=1)
        power = (spec.real ** 2 + spec.imag ** 2).astype(np.float32)
        out[start:stop] = power @ bank
    return out


VOICE_PARTIAL = 160  # frames of 10 ms: the GE2E encoder's 1.6 s partial utterances


def voice_partials(wav: np.ndarray, rate: int) -> np.ndarray:
    """(n, 160, 40) 1.6 s mel partials of a recording at 1.3 per second, volume set to
    -30 dBFS (up or down), as the GE2E voice encoder takes them."""
    rms = float(np.sqrt(np.mean(wav.astype(np.float64) ** 2))) or 1e-9
    wav = wav * (10 ** ((-30 - 20 * np.log10(rms)) / 20))
    mel = mel_power(wav.astype(np.float32), rate, 400, 160, 40)  # (frames, 40)
    step = int(round(rate / 1.3 / 160))
    starts = list(range(0, max(1, mel.shape[0] - VOICE_PARTIAL + step), step))
    if mel.shape[0] < VOICE_PARTIAL:
        mel = np.pad(mel, ((0, VOICE_PARTIAL - mel.shape[0]), (0, 0)))
    parts = [mel[s:s + VOICE_PARTIAL] for s in starts if s + VOICE_PARTIAL <= mel.shape[0]]
    return np.stack(parts or [mel[:VOICE_PARTIAL]])
