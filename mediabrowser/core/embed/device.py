"""Pick the compute device: an NVIDIA GPU (CUDA) when present, then a DirectML GPU (Windows) or
Apple's GPU / Core ML, else the CPU (overridable). Asked of PyTorch and of ONNX Runtime,
whichever is installed: the small build has no PyTorch."""

from __future__ import annotations

import importlib.util
import os
import sys

from mediabrowser.core.types import BadInput

DEVICES = ("cpu", "cuda", "dml", "mps")


def batch_size_for(device: str, default: int, per_item_mb: int = 64) -> int:
    """On a CUDA GPU seen by PyTorch, a batch that fits in half of the free memory (at most 256
    items); elsewhere the configured size. Out-of-memory errors still split batches (pipeline)."""
    if device == "auto" and "torch" in sys.modules:  # a PyTorch model is loaded: its GPU
        device = "cuda"
    if device != "cuda" or importlib.util.find_spec("torch") is None:
        return default
    import torch

    if not torch.cuda.is_available():
        return default
    free, _total = torch.cuda.mem_get_info()
    return int(max(1, min(256, (free // 2) // (per_item_mb << 20))))


def available_devices() -> set[str]:
    """The devices some installed engine can run models on ("cpu" always)."""
    found = {"cpu"}
    if importlib.util.find_spec("onnxruntime") is not None:
        import onnxruntime as ort

        providers = set(ort.get_available_providers())
        for device, provider in (("cuda", "CUDAExecutionProvider"),
                                 ("dml", "DmlExecutionProvider"),
                                 ("mps", "CoreMLExecutionProvider")):
            if provider in providers:
                found.add(device)
    if importlib.util.find_spec("torch") is not None:
        import torch

        if torch.cuda.is_available():
            found.add("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            found.add("mps")
    return found


def pick_device(preference: str | None = None) -> str:
    """`preference` is "auto", "cpu", "cuda", "dml" or "mps"; MEDIABROWSER_DEVICE overrides
    "auto". "auto" stays "auto": each engine then takes its own best device (its GPU provider,
    or the GPU PyTorch sees), so a model on ONNX Runtime never waits for PyTorch's import."""
    pref = (preference or os.environ.get("MEDIABROWSER_DEVICE") or "auto").lower()
    if pref != "auto" and pref not in DEVICES:
        raise BadInput(f"unknown device {pref!r} (choose auto, cpu, cuda, dml or mps)")
    if pref in ("cpu", "auto"):
        return pref
    present = available_devices()
    if pref not in present:
        words = {"cuda": "CUDA GPU", "dml": "DirectML GPU", "mps": "Apple GPU"}[pref]
        raise BadInput(f"device {pref!r} was asked for but no {words} is available")
    return pref
