"""Lay out one vector space: read its vectors, lay out the landmarks, place the rest, find and
name the clusters, save. A generator job (core/driver.py): it yields Progress, stops when
cancelled, and keeps the layout's progress on disk so a stopped run resumes."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import Generator
from pathlib import Path

import numpy as np

from mediabrowser.core.index.space import Projection
from mediabrowser.core.jobs.progress import Meter
from mediabrowser.core.layout import graph_layout as gl
from mediabrowser.core.layout.clusters import find_clusters, representatives
from mediabrowser.core.layout.landmarks import NearestMarks, choose_landmarks, place, reduction
from mediabrowser.core.layout.saved import (
    SavedMap,
    drop_partial,
    load_partial,
    save,
    save_partial,
)
from mediabrowser.core.library import Library
from mediabrowser.core.maps.naming import name_clusters
from mediabrowser.core.types import CancelToken, Progress

log = logging.getLogger(__name__)
READ_CHUNK = 20_000
PLACE_CHUNK = 20_000
SAMPLE = 20_000  # vectors the PCA reduction is fitted on
SAVE_EVERY = 20  # epochs between saves of the layout's progress


def maps_folder(lib: Library) -> Path:
    return lib.folder / "maps"


def _sample(lib: Library, space: str) -> np.ndarray:
    """Up to SAMPLE vectors of `space`, at random (the reduction's fitting set)."""
    labels = lib.store.sample_labels(space, SAMPLE)
    return lib.store.vectors_by_labels(labels, space).matrix


def _marks_key(labels: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(labels, np.int64).tobytes()).hexdigest()


def compute(lib: Library, space: str, cancel: CancelToken, seed: int = 0
            ) -> Generator[Progress, None, SavedMap | None]:
    """The map of `space`, computed and saved; None when cancelled (progress is kept)."""
    folder = maps_folder(lib)
    seq = lib.store.last_change()
    total = lib.store.space_size(space)
    yield Progress("map", 0, total, message="reading vectors")
    sample = _sample(lib, space)
    if not len(sample):  # no present file has a vector here (all trashed, say)
        return _empty(lib, space, seq)
    projection = reduction(np.nan_to_num(sample, nan=0.0, posinf=0.0, neginf=0.0))
    labels, files, kinds = [], [], []
    # one array filled chunk by chunk: at a million items of 96 dimensions each copy is
    # 384 MB, so none is made (BENCHMARKS.md, "The map": peak memory)
    x = np.empty((total, projection.components.shape[1]), np.float32)
    done, meter = 0, Meter("map", total)
    for chunk in lib.store.space_chunks(space, READ_CHUNK):
        if cancel.cancelled:
            return None
        if done + len(chunk) > len(x):  # vectors added while reading
            x = np.concatenate([x, np.empty((done + len(chunk) - len(x), x.shape[1]),
                                            np.float32)])
        labels.append(chunk.labels)
        files.append(chunk.file_ids)
        kinds.append(np.array(chunk.kinds, "U5"))
        x[done:done + len(chunk)] = projection.apply(
            np.nan_to_num(chunk.matrix, nan=0.0, posinf=0.0, neginf=0.0))
        done += len(chunk)
        meter.done = done
        yield Progress("map", done, max(total, done), rate=meter.rate,
                       message="reading vectors")
    if not labels:
        return _empty(lib, space, seq)
    x = x[:done]
    lab = np.concatenate(labels)
    fid = np.concatenate(files)
    kind = np.concatenate(kinds)
    _, first = np.unique(fid, return_index=True)
    if len(first) < len(fid):  # one point per file
        keep = np.sort(first)
        lab, fid, kind, x = lab[keep], fid[keep], kind[keep], x[keep]
    n = len(lab)
    rows = choose_landmarks(n, seed=seed)
    marks = x[rows]
    key = _marks_key(lab[rows])
    state = _resumed(folder, space, key, seed) or gl.start(marks, seed)
    yield Progress("map", state.epoch, state.epochs, message="finding neighbours")
    idx, dist = gl.knn(marks, gl.NEIGHBOURS)
    heads, tails, weights = gl.edges(idx, gl.fuzzy_weights(dist))
    del idx, dist
    meter = Meter("map", state.epochs)
    for epoch in gl.optimise(state, heads, tails, weights):
        if cancel.cancelled or epoch % SAVE_EVERY == 0:
            with contextlib.suppress(OSError):  # a folder that cannot be written: no resume
                save_partial(folder, space, {"y": state.y},
                             {"key": key, "epoch": epoch, "epochs": state.epochs,
                              "seed": seed})
        if cancel.cancelled:
            return None
        meter.step()  # the rate of this run's epochs (a resumed run starts past zero)
        yield Progress("map", epoch, state.epochs, rate=meter.rate, message="laying out")
    state.y[~np.isfinite(state.y).all(axis=1)] = 0.0
    xy = np.empty((n, 2), np.float32)
    xy[rows] = state.y
    rest = np.setdiff1d(np.arange(n), rows)
    nearest = NearestMarks(marks)
    meter = Meter("map", len(rest))
    for s in range(0, len(rest), PLACE_CHUNK):
        if cancel.cancelled:
            return None
        part = rest[s:s + PLACE_CHUNK]
        xy[part] = place(x[part], nearest, state.y, seed=seed + s)
        meter.step(len(part))
        yield Progress("map", s + len(part), len(rest), rate=meter.rate, message="placing")
    yield Progress("map", 0, 0, message="finding clusters")
    cluster, grid = find_clusters(xy)
    reps = representatives(cluster, x)
    m = SavedMap(space=space, labels=lab, file_ids=fid, kinds=kind, xy=xy, cluster=cluster,
                 reduction=projection, marks=marks.astype(np.float16), marks_xy=state.y,
                 grid=grid, seq=seq, library_id=lib.store.library_id(),
                 method={"name": "umap-style graph layout (numpy)", "landmarks": len(rows),
                         "neighbours": gl.NEIGHBOURS, "epochs": state.epochs,
                         "pca": int(projection.components.shape[1]), "at": time.time()})
    m.clusters = name_clusters(lib, m, reps)
    save_or_warn(folder, m)
    with contextlib.suppress(OSError):
        drop_partial(folder, space)
    return m


def _empty(lib: Library, space: str, seq: int) -> SavedMap:
    """The map of a space that holds no present item (saved: it is caught up like any)."""
    from mediabrowser.core.layout.clusters import ClusterGrid

    zero = np.zeros(0, np.int64)
    m = SavedMap(space=space, labels=zero, file_ids=zero, kinds=np.zeros(0, "U5"),
                 xy=np.zeros((0, 2), np.float32), cluster=np.zeros(0, np.int32),
                 reduction=Projection(np.zeros(1, np.float32), np.zeros((1, 1), np.float32)),
                 marks=np.zeros((0, 1), np.float16), marks_xy=np.zeros((0, 2), np.float32),
                 grid=ClusterGrid(np.full((16, 16), -1, np.int32), np.zeros(2), np.ones(2)),
                 seq=seq, library_id=lib.store.library_id(), method={"name": "empty"})
    save_or_warn(maps_folder(lib), m)
    return m


def save_or_warn(folder: Path, m: SavedMap) -> None:
    """Save the map; when the library folder cannot be written, the map is still shown (and
    computed again next time)."""
    try:
        save(folder, m)
    except OSError as exc:
        log.warning("the map could not be saved in %s (%s); it is computed again next time",
                    folder, exc.strerror or exc)


def _resumed(folder: Path, space: str, key: str, seed: int) -> gl.LayoutState | None:
    """The saved progress of a stopped layout of the same landmarks, if there is one."""
    got = load_partial(folder, space)
    if got is None:
        return None
    arrays, meta = got
    if meta.get("key") != key or meta.get("seed") != seed or "y" not in arrays:
        return None
    return gl.LayoutState(arrays["y"].astype(np.float32), int(meta["epoch"]),
                          int(meta["epochs"]), seed)
