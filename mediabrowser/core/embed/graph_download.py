"""Downloading a CLIP model as ONNX graphs (visual and text) for builds without PyTorch.

Each graph is fetched resumably into the models folder's onnx/ (NAME.visual.onnx.part first),
checked (checksum when the registry knows one; then it must load on ONNX Runtime and give
vectors of the model's dimension), and only then takes its real name, with a sidecar saying
it was downloaded and which preprocessing and tokenizer it expects (CLIP's own).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Generator
from pathlib import Path

import numpy as np

from mediabrowser.core.embed.base import ModelSpec
from mediabrowser.core.embed.graph_files import FORMAT, graph_names
from mediabrowser.core.embed.preprocess import OPENAI_CLIP
from mediabrowser.core.types import CancelToken, Progress, UserError

CLIP_TOKENIZER = {"kind": "clip_bpe", "context_length": 77, "clean": "lower"}


class GraphDownloadFailed(UserError, RuntimeError):
    pass


def downloadable(spec: ModelSpec) -> bool:
    return bool(spec.onnx.get("visual_url") and spec.onnx.get("text_url"))


def download_graphs_job(spec: ModelSpec, models_dir: Path, cancel: CancelToken | None = None,
                        timeout: float = 20.0) -> Generator[Progress, None, Path]:
    """Fetch, check and install the model's visual and text graphs; returns the visual one."""
    from mediabrowser.core.embed.fetch import DownloadFailed, fetch

    if not downloadable(spec):
        raise DownloadFailed(f"{spec.name} has no ONNX graphs to download")
    cancel = cancel or CancelToken()
    folder = models_dir / "onnx"
    folder.mkdir(parents=True, exist_ok=True)
    names = graph_names(spec)
    for part in ("visual", "text"):
        dest = folder / names[part]
        if dest.is_file() and dest.with_suffix(".json").is_file():
            continue
        url = str(spec.onnx[f"{part}_url"])
        partial = dest.with_name(dest.name + ".part")
        yield from fetch(url, partial, int(spec.onnx.get(f"{part}_size", 0)), cancel, timeout)
        cancel.raise_if_cancelled()
        yield Progress("verify", 0, 1, current=dest.name, message="checking the graph")
        try:
            _check(spec, part, partial)
        except Exception:
            partial.unlink(missing_ok=True)
            raise
        meta = {"format": FORMAT, "source": "download", "url": url,
                **({"preprocess": spec.onnx.get("preprocess") or OPENAI_CLIP}
                   if part == "visual"
                   else {"tokenizer": CLIP_TOKENIZER})}
        dest.with_suffix(".json.part").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        os.replace(partial, dest)
        os.replace(dest.with_suffix(".json.part"), dest.with_suffix(".json"))
    from mediabrowser.core.embed.registry import forget_loaded

    forget_loaded()
    yield Progress("done", 1, 1, current=spec.name, message=f"{spec.name} is ready")
    return folder / names["visual"]


def _check(spec: ModelSpec, part: str, path: Path) -> None:
    """The published checksum when known, then a forward pass of the right shape."""
    want = str(spec.onnx.get(f"{part}_sha256", ""))
    if want:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
        if h.hexdigest() != want:
            raise GraphDownloadFailed(f"{spec.name}: the {part} graph's sha256 does not match "
                                      "the published one; it was deleted")
    from mediabrowser.core.embed.engine import OrtRunner

    try:
        runner = OrtRunner(str(path), "cpu")
        side = int((spec.onnx.get("preprocess") or {}).get("crop", 224))
        x = (np.zeros((2, 3, side, side), np.float32) if part == "visual"
             else np.zeros((2, 77), np.int64))
        out = runner(x)  # a batch of two: a graph fixed at one must still answer
    except Exception as exc:  # noqa: BLE001 - ONNX Runtime's words are technical
        raise GraphDownloadFailed(f"{spec.name}: the downloaded {part} file is not a usable "
                                  f"ONNX graph ({str(exc)[:120]}); it was deleted") from None
    if out.shape[-1] != spec.dim:
        raise GraphDownloadFailed(f"{spec.name}: the {part} graph gives {out.shape[-1]}-d "
                                  f"vectors, not {spec.dim}; it was deleted")
