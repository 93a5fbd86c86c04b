"""Loading a weights file safely (no pickled code) and checking it fits the model, for every
family that builds its model on PyTorch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mediabrowser.core.types import BadInput, MediaError


def load_state_dict(path: Path) -> dict[str, Any]:
    """Load weights safely: safetensors, or torch.load with weights_only (no pickled code)."""
    import torch

    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return dict(load_file(str(path)))
    try:
        sd = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001
        raise MediaError(f"weights file {path.name} is not a readable checkpoint (damaged, or "
                         "another kind of file)") from None
    if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
        sd = sd["state_dict"]
    if not isinstance(sd, dict):
        raise MediaError(f"weights file {path.name} holds no state dict")
    return sd


def check_fits(model: Any, sd: dict[str, Any], path: Path) -> None:
    """Load `sd` into `model`, or say plainly that the file is for another architecture."""
    own = model.state_dict()
    missing = [k for k in own if k not in sd]
    unexpected = [k for k in sd if k not in own]
    wrong = [k for k in own if k in sd and tuple(own[k].shape) != tuple(sd[k].shape)]
    if missing or unexpected or wrong:
        raise BadInput(
            f"weights file {path.name} does not match the model: {len(missing)} missing, "
            f"{len(unexpected)} unexpected and {len(wrong)} wrongly shaped tensors"
        )
    model.load_state_dict(sd)
