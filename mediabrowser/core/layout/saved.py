"""A map as saved in the library folder: maps/<space>.npz, written whole to a temporary file
and renamed over the old one (a kill leaves the old map or the new one, never half).

A map being computed keeps its progress in maps/<space>.partial.npz (the landmarks' layout
after some epochs), so a layout stopped by closing the app or a kill resumes there."""

from __future__ import annotations

import json
import os
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mediabrowser.core.index.space import Projection
from mediabrowser.core.layout.clusters import ClusterGrid

FORMAT = 1


@dataclass
class Cluster:
    id: int
    name: str
    size: int
    representative: int  # a file id
    x: float
    y: float


@dataclass
class SavedMap:
    """Every item of one space on the plane, and what places new items the same way."""

    space: str
    labels: np.ndarray  # (n,) vector labels
    file_ids: np.ndarray  # (n,)
    kinds: np.ndarray  # (n,) "image" | "video" | "audio"
    xy: np.ndarray  # (n, 2) float32
    cluster: np.ndarray  # (n,) int32, -1: none
    reduction: Projection
    marks: np.ndarray  # (m, d) the landmarks' reduced vectors (float16)
    marks_xy: np.ndarray  # (m, 2)
    grid: ClusterGrid
    clusters: list[Cluster] = field(default_factory=list)
    seq: int = 0  # the store's change log position it holds
    library_id: str = ""
    method: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.labels)


def map_path(folder: Path, space: str) -> Path:
    from mediabrowser.core.index.space import safe_name

    return folder / f"{safe_name(space)}.npz"


def partial_path(folder: Path, space: str) -> Path:
    from mediabrowser.core.index.space import safe_name

    return folder / f"{safe_name(space)}.partial.npz"


def _write(path: Path, arrays: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # a name of its own: the window and a command may write the same map at once
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)  # type: ignore[arg-type]
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def save(folder: Path, m: SavedMap) -> None:
    meta = {"format": FORMAT, "space": m.space, "seq": m.seq, "library_id": m.library_id,
            "method": m.method, "clusters": [c.__dict__ for c in m.clusters]}
    _write(map_path(folder, m.space), {
        "meta": np.frombuffer(json.dumps(meta).encode(), np.uint8),
        "labels": m.labels.astype(np.int64), "file_ids": m.file_ids.astype(np.int64),
        "kinds": m.kinds.astype("U5"), "xy": m.xy.astype(np.float32),
        "cluster": m.cluster.astype(np.int32), "pca_mean": m.reduction.mean,
        "pca_components": m.reduction.components, "marks": m.marks.astype(np.float16),
        "marks_xy": m.marks_xy.astype(np.float32), "grid": m.grid.cells,
        "grid_box": np.stack([m.grid.lo, m.grid.hi])})


def load(folder: Path, space: str) -> SavedMap | None:
    """The saved map of `space`, or None (none yet, or unreadable: it is computed again)."""
    path = map_path(folder, space)
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            if meta.get("format") != FORMAT:
                return None
            box = z["grid_box"]
            return SavedMap(
                space=meta["space"], labels=z["labels"], file_ids=z["file_ids"],
                kinds=z["kinds"], xy=z["xy"], cluster=z["cluster"],
                reduction=Projection(z["pca_mean"], z["pca_components"]),
                marks=z["marks"], marks_xy=z["marks_xy"],
                grid=ClusterGrid(z["grid"], box[0], box[1]),
                clusters=[Cluster(**c) for c in meta["clusters"]], seq=int(meta["seq"]),
                library_id=meta.get("library_id", ""), method=meta.get("method", {}))
    except (OSError, ValueError, KeyError, json.JSONDecodeError, TypeError, EOFError,
            zipfile.BadZipFile):
        return None  # damaged (a disk that filled up, say): it is computed again


def save_partial(folder: Path, space: str, arrays: dict[str, np.ndarray],
                 meta: dict[str, Any]) -> None:
    _write(partial_path(folder, space),
           {**arrays, "meta": np.frombuffer(json.dumps(meta).encode(), np.uint8)})


def load_partial(folder: Path, space: str) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    path = partial_path(folder, space)
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files if k != "meta"}
            return arrays, json.loads(bytes(z["meta"]).decode())
    except (OSError, ValueError, KeyError, json.JSONDecodeError, EOFError, zipfile.BadZipFile):
        path.unlink(missing_ok=True)  # damaged: the layout starts again
        return None


def drop_partial(folder: Path, space: str) -> None:
    partial_path(folder, space).unlink(missing_ok=True)
