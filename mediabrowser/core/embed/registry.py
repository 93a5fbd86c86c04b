"""Every model the app knows. The manifest models.json (data) gives each one's name, modality,
dimension, family, input size, weight source (file + URL + checksum, or the PyPI package that
ships it), licence and what it is good for; LOADERS maps its "loader" to the code that builds
it, imported only when the model is first used.
"""

from __future__ import annotations

import glob
import hashlib
import importlib
import importlib.util
import json
import os
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mediabrowser.core.embed.base import Embedder, ModelSpec, WeightSource
from mediabrowser.core.types import MediaKind, UserError

MANIFEST = Path(__file__).with_name("models.json")

# What each manifest "loader" means in code; the rest of a model's description is data.
LOADERS = {
    "timm_lite": "mediabrowser.core.embed.image_models:timm_lite",
    "open_clip": "mediabrowser.core.embed.image_models:clip",
    "torchvision_image": "mediabrowser.core.embed.image_models:torchvision_image",
    "frames": "mediabrowser.core.embed.video_models:frames",
    "torchvision_video": "mediabrowser.core.embed.video_models:torchvision_video",
    "mfcc": "mediabrowser.core.embed.audio_models:mfcc",
    "melspec": "mediabrowser.core.embed.audio_models:melspec",
    "ge2e": "mediabrowser.core.embed.audio_models:ge2e",
    "voice_timbre": "mediabrowser.core.embed.audio_models:voice_timbre",
    "sound_voice": "mediabrowser.core.embed.sound_voice:sound_voice",
    "clap": "mediabrowser.core.embed.clap_models:clap",
    "torchaudio_ssl": "mediabrowser.core.embed.audio_models:torchaudio_ssl",
}


def _spec_from_data(d: dict[str, Any]) -> ModelSpec:
    w = dict(d.get("weights") or {"kind": "none"})
    w["cache_globs"] = tuple(w.get("cache_globs", ()))
    w["companions"] = tuple(w.get("companions", ()))
    return ModelSpec(
        name=d["name"], modality=MediaKind(d["modality"]), dim=int(d["dim"]),
        family=d["family"], loader=LOADERS[d["loader"]], weights=WeightSource(**w),
        licence=d["licence"], good_for=d["good_for"], space=d.get("space", ""),
        input_size=d.get("input_size"), options=dict(d.get("options", {})),
        text=bool(d.get("text", False)), onnx=dict(d.get("onnx", {})),
    )


def _load_manifest() -> tuple[tuple[ModelSpec, ...], dict[MediaKind, str]]:
    data = json.loads(MANIFEST.read_text(encoding="utf-8"))
    specs = tuple(_spec_from_data(d) for d in data["models"])
    by_name = {s.name: s for s in specs}
    # Frame pooling runs its image model, so it runs on that model's engines.
    specs = tuple(replace(s, onnx=by_name[s.options["image_model"]].onnx)
                  if s.options.get("image_model") in by_name else s for s in specs)
    defaults = {MediaKind(k): v for k, v in data["defaults"].items()}
    return specs, defaults


SPECS, DEFAULT_MODELS = _load_manifest()

_BY_NAME = {s.name: s for s in SPECS}


class UnknownModel(UserError, KeyError):
    def __str__(self) -> str:
        return f"unknown model {self.args[0]!r}; known: {', '.join(_BY_NAME)}"


class WeightsMissing(UserError, RuntimeError):
    """The model's weights are not on this machine; the message says which file and where."""


def get_spec(name: str) -> ModelSpec:
    """A model by name; "open_clip:ARCH:TAG" names any open_clip config and pretrained tag."""
    if name in _BY_NAME:
        return _BY_NAME[name]
    if name.startswith("open_clip:"):
        return _open_clip_spec(name)
    if name.startswith("frames:open_clip:"):
        image = _open_clip_spec(name.removeprefix("frames:"))
        return ModelSpec(
            name=name, modality=MediaKind.VIDEO, dim=image.dim,
            family=f"8 frames sampled evenly, embedded by {image.name}, mean-pooled",
            loader=LOADERS["frames"], weights=WeightSource(kind="none"), licence=image.licence,
            good_for="videos matched against the same CLIP's photo vectors", space=image.name,
            options={"image_model": image.name, "frames": 8}, onnx=image.onnx)
    raise UnknownModel(name)


def _open_clip_spec(name: str) -> ModelSpec:
    try:
        _, arch, tag = name.split(":")
    except ValueError:
        raise UnknownModel(name) from None
    import open_clip

    cfg = open_clip.get_model_config(arch)
    pretrained = open_clip.get_pretrained_cfg(arch, tag)
    if cfg is None or not pretrained:
        raise UnknownModel(name)
    repo = str(pretrained.get("hf_hub", "")).strip("/")
    url = (f"https://huggingface.co/{repo}/resolve/main/open_clip_model.safetensors" if repo
           else str(pretrained.get("url", "")))
    safe = name.replace(":", "_")
    cache = (f"huggingface/hub/models--{repo.replace('/', '--')}/snapshots/*/"
             "open_clip_model.safetensors",) if repo else ()
    return ModelSpec(
        name=name, modality=MediaKind.IMAGE, dim=int(cfg["embed_dim"]),
        family=f"open_clip {arch} ({tag})", loader=LOADERS["open_clip"],
        weights=WeightSource(kind="file", filename=f"{safe}.safetensors", url=url,
                             cache_globs=cache),
        licence="see the model card", good_for="any open_clip model by name and tag",
        input_size=224, options={"arch": arch, "pretrained": tag}, text=True)


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
    """Whether the model can run here: its ONNX graphs (ONNX Runtime needs no other file), else
    its weights file and the engine to run them; or exactly what is missing and where."""
    from mediabrowser.core.embed import engine

    if spec.options.get("image_model"):  # frame pooling needs its image model
        return locate_weights(get_spec(spec.options["image_model"]), models_dir)
    mdir = models_dir or default_models_dir()
    ort_ok = (bool(spec.onnx) and engine.has_onnxruntime()
              and os.environ.get("MEDIABROWSER_ENGINE", "auto") != engine.TORCH)
    source = locate_source(spec, mdir)
    if ort_ok:
        from mediabrowser.core.embed.graph_files import find_graphs

        graphs = find_graphs(spec, mdir, source.path)
        if graphs:
            return WeightsStatus(True, next(iter(graphs.values())), "")
    if not engine.has_torch():
        if ort_ok and spec.onnx.get("visual_url"):
            return WeightsStatus(False, None, "download its ONNX graphs: mediabrowser models "
                                 f"download {spec.name} (or the Models window)")
        what = "exporting its ONNX graph" if ort_ok else "running it"
        return WeightsStatus(False, None, f"{what} needs PyTorch, which this build leaves out "
                             "(the full build has it)")
    return source


def locate_package_file(w: WeightSource) -> WeightsStatus:
    """A file that a PyPI package ships, found without importing the package (Resemblyzer's
    import pulls in webrtcvad and librosa; silero-vad's, PyTorch)."""
    module = w.package.replace("-", "_")
    found = importlib.util.find_spec(module)
    locations = list(found.submodule_search_locations or []) if found else []
    if not locations:
        return WeightsStatus(False, None, f"install the package: pip install {w.package}")
    hits = sorted(Path(locations[0]).rglob(w.filename))
    if hits:
        return WeightsStatus(True, hits[0], "")
    return WeightsStatus(False, None, f"package {w.package} lacks {w.filename}")


def locate_source(spec: ModelSpec, models_dir: Path | None = None) -> WeightsStatus:
    """The model's weights file (what PyTorch loads and ONNX graphs are exported from)."""
    w = spec.weights
    if spec.options.get("image_model"):
        return locate_source(get_spec(spec.options["image_model"]), models_dir)
    if w.kind == "none":
        return WeightsStatus(True, None, "")
    if w.kind == "package":
        return locate_package_file(w)
    mdir = models_dir or default_models_dir()
    candidate = mdir / w.filename
    if candidate.is_file():
        return _with_companions(w, candidate)
    for root in _cache_roots():
        for pattern in w.cache_globs:
            cached = sorted(glob.glob(str(root / pattern)))
            if cached:
                return _with_companions(w, Path(cached[-1]))
    return WeightsStatus(
        False, None, f"weights missing: put {w.filename} in {mdir} (from {w.url})"
    )


def companion_path(weights: Path, name: str) -> Path | None:
    """A file that comes with the weights: STEM.NAME beside them (the models folder), or NAME
    (a Hugging Face snapshot)."""
    for candidate in (weights.with_name(f"{weights.stem}.{name}"), weights.with_name(name)):
        if candidate.is_file():
            return candidate
    return None


def _with_companions(w: WeightSource, weights: Path) -> WeightsStatus:
    for name in w.companions:
        if companion_path(weights, name) is None:
            return WeightsStatus(False, None, f"weights incomplete: {weights.stem}.{name} is "
                                 f"missing beside {weights} (from {companion_url(w, name)})")
    return WeightsStatus(True, weights, "")


def companion_url(w: WeightSource, name: str) -> str:
    return f"{w.url.rsplit('/', 1)[0]}/{name}"


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
    # Loaders get the weights file (None when only the model's ONNX graphs are here).
    source = locate_source(spec, models_dir).path
    embedder: Embedder = factory(spec, source, device, models_dir)
    return embedder
