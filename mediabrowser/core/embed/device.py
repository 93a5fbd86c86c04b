"""Pick the compute device: CUDA when present, then Apple MPS, else CPU (overridable)."""

from __future__ import annotations

import os


def batch_size_for(device: str, default: int, per_item_mb: int = 64) -> int:
    """On a CUDA GPU, a batch that fits in half of the free memory (at most 256 items);
    elsewhere the configured size. Out-of-memory errors still split batches (pipeline)."""
    if device != "cuda":
        return default
    import torch

    free, _total = torch.cuda.mem_get_info()
    return int(max(1, min(256, (free // 2) // (per_item_mb << 20))))


def pick_device(preference: str | None = None) -> str:
    """`preference` is "auto", "cpu", "cuda" or "mps"; MEDIABROWSER_DEVICE overrides "auto"."""
    import torch

    pref = (preference or os.environ.get("MEDIABROWSER_DEVICE") or "auto").lower()
    if pref == "auto":
        if torch.cuda.is_available():
            return "cuda"
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return "mps"
        return "cpu"
    if pref == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but no CUDA GPU is available")
    if pref not in ("cpu", "cuda", "mps"):
        raise ValueError(f"unknown device {pref!r} (choose auto, cpu, cuda or mps)")
    return pref
