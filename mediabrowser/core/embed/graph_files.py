"""The ONNX graph files of a model: their names, where they are looked for (the models folder,
then the bundle), and the JSON sidecar that says what each was exported from. Nothing here
runs or exports a graph (onnx_graphs.py does), so anything may ask whether graphs are there."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from mediabrowser.core.embed.base import ModelSpec
from mediabrowser.core.types import UserError

FORMAT = 1


class GraphUnavailable(UserError, RuntimeError):
    """No graph here and none can be exported (no PyTorch, or no weights)."""


def graph_names(spec: ModelSpec) -> dict[str, str]:
    """The graph files a model needs, by part ("model", or "visual" and "text" for CLIP)."""
    how = spec.onnx.get("export", "")
    if how == "ge2e":  # the voice encoder of voice-ge2e and voice-timbre: one graph
        return {"model": "ge2e-voice-encoder.onnx"}
    if how == "sound_voice":  # the default audio model: the voice encoder and the sounds CNN
        return {"voice": "ge2e-voice-encoder.onnx", "sounds": "aisfx-sound-effects.onnx"}
    if how == "clap":
        return {"audio": f"{spec.name}.audio.onnx", "text": f"{spec.name}.text.onnx"}
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


def sidecar(graph: Path) -> Path:
    return graph.with_suffix(".json")


def read_meta(graph: Path) -> dict[str, Any]:
    try:
        meta: dict[str, Any] = json.loads(sidecar(graph).read_text(encoding="utf-8"))
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
