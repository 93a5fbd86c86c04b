"""ONNX graphs of the models, exported from their real weights and cached in the models folder.

A graph is exported once (on first use, or when the installer is built), run on ONNX Runtime
beside the PyTorch model on a fixed input, and kept only when both agree within TOLERANCE. A
JSON sidecar records what it was exported from, the preprocessing it expects and the measured
difference, so a graph from other weights is never used. The small build ships its graphs in
resources/onnx and needs no PyTorch.
"""

from __future__ import annotations

import importlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from mediabrowser.core.embed.base import ModelSpec
from mediabrowser.core.embed.engine import (
    ORT,
    OrtRunner,
    Runner,
    TorchRunner,
    choose_engine,
    has_torch,
)
from mediabrowser.core.embed.graph_files import (
    FORMAT,
    GraphUnavailable,
    find_graphs,
    graph_names,
    read_meta,
    sidecar,
    source_id,
)

OPSET = 17
TOLERANCE = 1e-3  # largest |ORT - PyTorch| allowed on unit-length features at export
# How each family's model is shown to the exporter: "module:function(spec, weights)" giving
# {part: (torch module, example input, extra sidecar fields)}.
EXPORTERS = {"timm_lite": "mediabrowser.core.embed.image_models:timm_lite_parts",
             "ge2e": "mediabrowser.core.embed.audio_models:ge2e_parts",
             "open_clip": "mediabrowser.core.embed.image_models:open_clip_parts",
             "sound_voice": "mediabrowser.core.embed.sound_voice:sound_voice_parts",
             "clap": "mediabrowser.core.embed.clap_models:clap_parts"}
__all__ = ["FORMAT", "GraphUnavailable", "find_graphs", "graph_names", "read_meta",
           "EXPORTERS", "ensure_graphs", "example_images", "export", "open_sessions",
           "runner_for"]


def ensure_graphs(spec: ModelSpec, weights: Path | None, models_dir: Path) -> dict[str, Path]:
    """The model's graphs, exported now when missing (needs PyTorch and the weights)."""
    found = find_graphs(spec, models_dir, weights)
    if found:
        return found
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
            sidecar(p).unlink(missing_ok=True)
    graphs = ensure_graphs(spec, weights, models_dir)
    return {part: OrtRunner(str(p), device) for part, p in graphs.items()}


def export(spec: ModelSpec, weights: Path | None, folder: Path) -> dict[str, Path]:
    """Export every part of the model into `folder`, checked against PyTorch; returns paths."""
    how = spec.onnx.get("export", "")
    if how not in EXPORTERS:
        raise GraphUnavailable(f"{spec.name}: no ONNX exporter for {how!r}")
    module_name, func_name = EXPORTERS[how].split(":")
    # Each family knows how to show its model to the exporter (a registry as data, as the
    # model loaders are): this module needs none of them.
    parts_of: Callable[..., dict[str, tuple[Any, Any, dict[str, Any]]]] = getattr(
        importlib.import_module(module_name), func_name)
    folder.mkdir(parents=True, exist_ok=True)
    parts = parts_of(spec, weights)
    names = graph_names(spec)
    out = {}
    for part, (module, example, extra) in parts.items():
        out[part] = _export_one(module, example, folder / names[part],
                                {"source": source_id(spec, weights), **extra})
    return out


def _export_one(module: Any, example: Any, dest: Path, meta: dict[str, Any]) -> Path:
    """torch.onnx.export (TorchScript exporter, opset 17, dynamic batch), then the check."""
    import torch

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
        calibration = meta.pop("int8_calibration", None)
        if calibration is not None:  # inputs to calibrate an 8-bit version on, and to check it
            from mediabrowser.core.embed.onnx_quantize import quantize_int8

            try:
                worst = quantize_int8(tmp, calibration[0], calibration[1])
            except Exception as exc:  # noqa: BLE001 - the float graph passed: it is kept
                worst = None
                meta["int8_skipped"] = f"{type(exc).__name__}: {exc}"[:200]
            if worst is not None:
                meta["int8_min_cosine"] = round(worst, 5)
        meta = {"format": FORMAT, "opset": OPSET, "torch": torch.__version__,
                "max_abs_diff": diff, **meta}
        side = sidecar(tmp)
        side.write_text(json.dumps(meta, indent=1), encoding="utf-8")
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a shared models folder is not
        os.replace(tmp, dest)  # the graph first: a sidecar never vouches for a half graph
        os.replace(side, sidecar(dest))
    finally:
        tmp.unlink(missing_ok=True)
        sidecar(tmp).unlink(missing_ok=True)
    return dest


def example_images(n: int, side: int) -> Any:
    """A fixed, photo-like batch (smooth gradients with noise), normalised to about ±1."""
    import torch

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:side, 0:side] / side
    base = np.stack([xx, yy, (xx + yy) / 2])[None] * 2 - 1
    x = base + 0.3 * rng.standard_normal((n, 3, side, side))
    return torch.from_numpy(x.astype(np.float32))


def runner_for(spec: ModelSpec, weights: Path | None, device: str, models_dir: Path | None,
               build_torch: Callable[[], Any], part: str = "model") -> Runner:
    """The model's forward pass on its engine: its ONNX graph on ONNX Runtime (exported from
    the weights on first use), else `build_torch()` (a module or bound method) on PyTorch."""
    if choose_engine(spec) == ORT:
        from mediabrowser.core.embed.registry import default_models_dir

        try:
            runner: Runner = open_sessions(spec, weights, models_dir or default_models_dir(),
                                           device)[part]
            return runner
        except GraphUnavailable:
            if not has_torch() or weights is None:
                raise
            # No usable graph, but the weights and PyTorch are here: run it on PyTorch.
    return TorchRunner(build_torch(), device)
