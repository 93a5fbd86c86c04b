"""The map of a space as it stands now: the saved one brought up to date with the store's
change log (new items placed beside their nearest landmarks, removed ones dropped), or
computed when there is none. And the library's maps as one plane for the CLI."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from mediabrowser.core.embed.registry import get_spec
from mediabrowser.core.layout import saved
from mediabrowser.core.layout.landmarks import LANDMARKS, place
from mediabrowser.core.layout.saved import SavedMap
from mediabrowser.core.library import Library
from mediabrowser.core.maps.compute import compute, maps_folder, save_or_warn
from mediabrowser.core.types import CancelToken, MediaKind, Progress

KINDS = (MediaKind.IMAGE.value, MediaKind.VIDEO.value, MediaKind.AUDIO.value)


@dataclass
class MapSpace:
    """A vector space with a map, and the kinds of file whose searches it answers."""

    space: str
    kinds: list[str]


def map_spaces(lib: Library, kind: str | None = None) -> list[MapSpace]:
    """The spaces to map: each kind's answering model's, and while a switch of model is
    still embedding, the new model's after it (files added since are only there)."""
    by_space: dict[str, list[str]] = {}
    for answering in (True, False):
        for k in ([kind] if kind else KINDS):
            model = lib.answering_model(k) if answering else lib.model_for(k)
            by_space.setdefault(get_spec(model).index_space, [])
            if k not in by_space[get_spec(model).index_space]:
                by_space[get_spec(model).index_space].append(k)
    return [MapSpace(s, ks) for s, ks in by_space.items() if lib.store.space_dim(s) is not None]


def load(lib: Library, space: str) -> SavedMap | None:
    """The saved map of `space` as it was saved (None: none, or made from another database)."""
    m = saved.load(maps_folder(lib), space)
    if m is None or (m.library_id and m.library_id != lib.store.library_id()):
        return None
    return m


def behind(lib: Library, m: SavedMap) -> bool:
    return lib.store.last_change() > m.seq


def updated(lib: Library, m: SavedMap) -> SavedMap:
    """`m` with the store's changes since it was saved applied (and saved again if any)."""
    changed: list[int] = []
    seq = m.seq
    while True:
        got, last = lib.store.changes_since(seq)
        if not got:
            break
        changed += got
        seq = last
    if not changed:
        return m
    now = lib.store.label_states(changed)  # the present ones
    mine = np.isin(np.asarray(changed, np.int64), m.labels)
    if not mine.any() and not any(space == m.space for space, _k, _v in now.values()):
        m.seq = seq  # nothing of this space changed: the saved map stands as it is
        return m
    new = [(label, kind, vec) for label, (space, kind, vec) in now.items() if space == m.space]
    keep = ~np.isin(m.labels, np.asarray(changed, np.int64))
    labels = np.array([n[0] for n in new], np.int64)
    files_of = lib.store.labels_to_files(labels)
    fid = np.array([files_of.get(int(label), -1) for label in labels], np.int64)
    # a file already on the map under another label of this space keeps its old point
    fresh = ~np.isin(fid, m.file_ids[keep]) & (fid >= 0)
    _, first = np.unique(fid, return_index=True)  # a file with two new labels: one point
    once = np.zeros(len(fid), bool)
    once[first] = True
    fresh &= once
    labels, fid = labels[fresh], fid[fresh]
    kinds = np.array([n[1] for n, f in zip(new, fresh, strict=True) if f], "U5")
    if len(labels):
        mat = np.nan_to_num(np.stack([n[2] for n, f in zip(new, fresh, strict=True) if f]),
                            nan=0.0, posinf=0.0, neginf=0.0)
        mat /= np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-9)
        xy = place(m.reduction.apply(mat), m.marks.astype(np.float32), m.marks_xy, seed=seq)
    else:
        xy = np.zeros((0, 2), np.float32)
    m.labels = np.concatenate([m.labels[keep], labels])
    m.file_ids = np.concatenate([m.file_ids[keep], fid])
    m.kinds = np.concatenate([m.kinds[keep].astype("U5"), kinds])
    m.xy = np.concatenate([m.xy[keep], xy]).astype(np.float32)
    m.cluster = np.concatenate([m.cluster[keep], m.grid.assign(xy)])
    sizes = np.bincount(m.cluster[m.cluster >= 0], minlength=len(m.clusters))
    for c in m.clusters:
        c.size = int(sizes[c.id]) if c.id < len(sizes) else 0
    m.seq = seq
    save_or_warn(maps_folder(lib), m)
    return m


def current(lib: Library, space: str, cancel: CancelToken, recompute: bool = False
            ) -> Generator[Progress, None, SavedMap | None]:
    """The up-to-date map of `space`: the saved one updated, else computed (None: cancelled)."""
    m = None if recompute else load(lib, space)
    if m is None:
        return (yield from compute(lib, space, cancel))
    if behind(lib, m):
        if not len(m.marks):  # an empty map has nothing to place new items beside
            return (yield from compute(lib, space, cancel))
        yield Progress("map", 0, 0, message="adding new items")
        m = updated(lib, m)
    if outgrown(m):  # laid out from a few items: the many added since deserve a layout
        return (yield from compute(lib, space, cancel))
    return m


def outgrown(m: SavedMap) -> bool:
    """Whether the map has grown well past what it was laid out from: new items are placed
    beside the laid-out ones, which is only as good as they are many (a map opened during
    the first import would otherwise keep the layout of its first few items)."""
    return len(m.marks) < min(LANDMARKS, len(m) // 2)


def plane(lib: Library, kind: str | None, cancel: CancelToken, recompute: bool = False
          ) -> Generator[Progress, None, list[dict]]:
    """Every indexed item of `kind` (all kinds: None) once, as the CLI prints them. Each
    space's map is an island of its own, side by side; cluster numbers run on across them."""
    out: list[dict] = []
    right = None
    clusters_before = 0
    shown: list[np.ndarray] = []  # file ids already printed (a file mapped in two spaces)
    for ms in map_spaces(lib, kind):
        m = yield from current(lib, ms.space, cancel, recompute)
        if m is None:
            continue
        wanted = np.isin(m.kinds, ms.kinds)
        if shown:
            wanted &= ~np.isin(m.file_ids, np.concatenate(shown))
        shown.append(m.file_ids[wanted])
        xy = m.xy.astype(np.float64)
        if right is not None and len(xy):  # beside the previous island, a tenth apart
            lo, hi = xy[:, 0].min(), xy[:, 0].max()
            xy[:, 0] += right + 0.1 * max(hi - lo, 1.0) - lo
        if len(xy):
            right = float(xy[:, 0].max()) if right is None else max(right, float(xy[:, 0].max()))
        paths = lib.store.file_paths(int(f) for f in m.file_ids[wanted])
        for row in np.flatnonzero(wanted):
            path = paths.get(int(m.file_ids[row]))
            if path is None:
                continue
            c = int(m.cluster[row])
            out.append({"path": path, "x": round(float(xy[row, 0]), 4),
                        "y": round(float(xy[row, 1]), 4),
                        "cluster": c + clusters_before if c >= 0 else None})
        clusters_before += len(m.clusters)
    return out
