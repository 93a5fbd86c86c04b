"""ONNX graphs of the models, exported from their real weights and cached in the models folder.

A graph is exported once (on first use, or when the installer is built), run on ONNX Runtime
beside the PyTorch model on a fixed input, and kept only when both agree within TOLERANCE. A
JSON sidecar records what it was exported from, the preprocessing it expects and the measured
difference, so a graph from other weights is never used. The small build ships its graphs in
resources/onnx and needs no PyTorch.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from mediabrowser.core.embed.base import ModelSpec

FORMAT = 1
OPSET = 17
TOLERANCE = 1e-3  # largest |ORT - PyTorch| allowed on unit-length features at export


class GraphUnavailable(RuntimeError):
    """No graph here and none can be exported (no PyTorch, or no weights)."""


def graph_names(spec: ModelSpec) -> dict[str, str]:
    """The graph files a model needs, by part ("model", or "visual" and "text" for CLIP)."""
    how = spec.onnx.get("export", "")
    if how == "ge2e":  # the voice encoder of voice-ge2e and voice-timbre: one graph
        return {"model": "ge2e-voice-encoder.onnx"}
    if how == "open_clip":
        safe = spec.name.replace(":", "_")
        return {"visual": f"{safe}.visual.onnx", "text": f"{safe}.text.onnx"}
    return {"model": f"{spec.name}.onnx"}


def source_id(spec: ModelSpec, weights: Path | None) -> str:
    """What a graph must have been exported from: the weights' known digest, else the weights
    file's name, size and mtime (hashing a 1.7 GB CLIP file at every start would cost seconds)."""
    if spec.weights.sha256:
        return spec.weights.sha256
    if weights is not None and weights.is_file():
        st = weights.stat()  # a file replaced by another of the same size has a new mtime
        return f"{weights.name}:{st.st_size}:{int(st.st_mtime)}"
    return ""


def bundled_dirs() -> list[Path]:
    """Read-only graph folders: MEDIABROWSER_ONNX_DIR (a packager's or a test session's), then
    the ones shipped inside the app (the small build)."""
    from mediabrowser.paths import resource_dir

    extra = os.environ.get("MEDIABROWSER_ONNX_DIR")
    return [*([Path(extra)] if extra else []), resource_dir() / "onnx"]


def _sidecar(graph: Path) -> Path:
    return graph.with_suffix(".json")


def read_meta(graph: Path) -> dict[str, Any]:
    try:
        meta: dict[str, Any] = json.loads(_sidecar(graph).read_text(encoding="utf-8"))
        return meta
    except (OSError, ValueError):
        return {}


def find_graphs(spec: ModelSpec, models_dir: Path, weights: Path | None = None
                ) -> dict[str, Path] | None:
    """The model's graphs from the models folder or the bundle, when every part is there and
    was exported from these weights (any weights when none are on this machine)."""
    want = source_id(spec, weights)
    for folder in (models_dir / "onnx", *bundled_dirs()):
        found = {part: folder / name for part, name in graph_names(spec).items()}
        if not all(p.is_file() for p in found.values()):
            continue
        metas = [read_meta(p) for p in found.values()]
        if all(m.get("format") == FORMAT and (not want or m.get("source") == want
                                              or m.get("source") == "download")
               for m in metas):
            return found
    return None


def ensure_graphs(spec: ModelSpec, weights: Path | None, models_dir: Path) -> dict[str, Path]:
    """The model's graphs, exported now when missing (needs PyTorch and the weights)."""
    found = find_graphs(spec, models_dir, weights)
    if found:
        return found
    from mediabrowser.core.embed.engine import has_torch

    if weights is None and spec.weights.kind != "none":
        raise GraphUnavailable(f"{spec.name}: no ONNX graph and no weights to export one from")
    if not has_torch():
        raise GraphUnavailable(f"{spec.name}: no ONNX graph here, and exporting one needs "
                               "PyTorch (the full build)")
    return export(spec, weights, models_dir / "onnx")


def open_sessions(spec: ModelSpec, weights: Path | None, models_dir: Path, device: str
                  ) -> dict[str, Any]:
    """ONNX Runtime sessions (OrtRunner) for every part of the model. A cached graph that no
    longer loads (a damaged file) is exported again once when PyTorch is here."""
    from mediabrowser.core.embed.engine import OrtRunner, has_torch

    graphs = ensure_graphs(spec, weights, models_dir)
    try:
        return {part: OrtRunner(str(p), device) for part, p in graphs.items()}
    except Exception as exc:  # noqa: BLE001 - ONNX Runtime raises its own types
        first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        ours = [p for p in graphs.values() if p.parent == models_dir / "onnx"]
        if not ours or not has_torch():
            raise GraphUnavailable(f"{spec.name}: its ONNX graph cannot be loaded ({first}); "
                                   "delete it from the models folder or reinstall") from None
        for p in ours:
            p.unlink(missing_ok=True)
            _sidecar(p).unlink(missing_ok=True)
    graphs = ensure_graphs(spec, weights, models_dir)
    return {part: OrtRunner(str(p), device) for part, p in graphs.items()}


def export(spec: ModelSpec, weights: Path | None, folder: Path) -> dict[str, Path]:
    """Export every part of the model into `folder`, checked against PyTorch; returns paths."""
    exporters: dict[str, Callable[..., dict[str, tuple[Any, Any, dict[str, Any]]]]] = {
        "timm_lite": _timm_lite_parts, "ge2e": _ge2e_parts, "open_clip": _open_clip_parts}
    how = spec.onnx.get("export", "")
    if how not in exporters:
        raise GraphUnavailable(f"{spec.name}: no ONNX exporter for {how!r}")
    folder.mkdir(parents=True, exist_ok=True)
    parts = exporters[how](spec, weights)
    names = graph_names(spec)
    out = {}
    for part, (module, example, extra) in parts.items():
        out[part] = _export_one(module, example, folder / names[part],
                                {"source": source_id(spec, weights), **extra})
    return out


def _export_one(module: Any, example: Any, dest: Path, meta: dict[str, Any]) -> Path:
    """torch.onnx.export (TorchScript exporter, opset 17, dynamic batch), then the check."""
    import torch

    from mediabrowser.core.embed.engine import OrtRunner

    module = module.eval()
    fd, tmp_name = tempfile.mkstemp(prefix=dest.stem, suffix=".onnx.part", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        # Traced with autograd on: attention's fused inference kernel, which has no ONNX
        # form, is only taken when it is off.
        with torch.inference_mode(False), torch.enable_grad(), warnings.catch_warnings():
            # The exporter's notes (its deprecation, traced shape checks) are not the user's.
            warnings.simplefilter("ignore")
            torch.onnx.export(module, (example,), str(tmp), dynamo=False, opset_version=OPSET,
                              input_names=["input"], output_names=["features"],
                              dynamic_axes={"input": {0: "batch"}, "features": {0: "batch"}})
        with torch.no_grad():
            expected = module(example).float().numpy()
        runner = OrtRunner(str(tmp), "cpu")
        scale = np.linalg.norm(expected, axis=-1, keepdims=True) + 1e-12
        diff = float(np.abs(runner(example.numpy()) / scale - expected / scale).max())
        # One item alone too: a graph must not have kept the example's batch size.
        diff = max(diff, float(np.abs(runner(example[:1].numpy()) / scale[:1]
                                      - expected[:1] / scale[:1]).max()))
        if not np.isfinite(diff) or diff > TOLERANCE:
            raise GraphUnavailable(f"the exported graph {dest.name} differs from PyTorch by "
                                   f"{diff:.2g} (more than {TOLERANCE:g})")
        meta = {"format": FORMAT, "opset": OPSET, "torch": torch.__version__,
                "max_abs_diff": diff, **meta}
        side = _sidecar(tmp)
        side.write_text(json.dumps(meta, indent=1), encoding="utf-8")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a shared models folder is not
        os.replace(tmp, dest)  # the graph first: a sidecar never vouches for a half graph
        os.replace(side, _sidecar(dest))
    finally:
        tmp.unlink(missing_ok=True)
        _sidecar(tmp).unlink(missing_ok=True)
    return dest


def _example_images(n: int, side: int) -> Any:
    """A fixed, photo-like batch (smooth gradients with noise), normalised to about ±1."""
    import torch

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:side, 0:side] / side
    base = np.stack([xx, yy, (xx + yy) / 2])[None] * 2 - 1
    x = base + 0.3 * rng.standard_normal((n, 3, side, side))
    return torch.from_numpy(x.astype(np.float32))


def _timm_lite_parts(spec: ModelSpec, weights: Path | None) -> dict[str, Any]:
    from mediabrowser.core.embed.image_models import timm_lite_classifier, timm_lite_transform

    assert weights is not None
    model = timm_lite_classifier(weights, spec.options["arch"])
    model.reset_classifier(0)
    side = int(spec.options["crop"])
    return {"model": (model, _example_images(2, side),
                      {"preprocess": timm_lite_transform(spec).as_dict()})}


def _ge2e_parts(spec: ModelSpec, weights: Path | None) -> dict[str, Any]:
    import torch

    from mediabrowser.core.embed.audio_models import ge2e_encoder

    assert weights is not None
    rng = np.random.default_rng(0)
    mel = torch.from_numpy(rng.gamma(0.5, 0.02, (3, 160, 40)).astype(np.float32))
    return {"model": (ge2e_encoder(weights), mel, {})}


def _open_clip_parts(spec: ModelSpec, weights: Path | None) -> dict[str, Any]:
    import open_clip
    import torch

    from mediabrowser.core.embed.clip_tokenizer import describe_tokenizer
    from mediabrowser.core.embed.preprocess import describe_torchvision

    assert weights is not None
    from mediabrowser.core.embed.image_models import open_clip_model

    arch = spec.options.get("arch", "ViT-B-32")
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
    return {"visual": (Tower("encode_image"), _example_images(2, transform.crop),
                       {"preprocess": transform.as_dict()}),
            "text": (Tower("encode_text"), tokens, {"tokenizer": tok_meta})}
