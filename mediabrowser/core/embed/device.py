"""Pick the compute device: CUDA when present, then Apple MPS, else CPU (overridable)."""

from __future__ import annotations

import os


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
