"""The nearest stored vectors of a space, as ranked results: the index proposes, the stored
vectors decide (exact cosines, calibrated scores), one result per file."""

from __future__ import annotations

import os

import numpy as np

from mediabrowser.core import calibration as cal
from mediabrowser.core.filters import Filters
from mediabrowser.core.index.hnsw import allowed_among
from mediabrowser.core.library import Library
from mediabrowser.core.store.vectors import Vectors
from mediabrowser.core.types import Match, MediaKind

Kinds = list[str] | None  # the kinds of file a query keeps (None: every kind)
MOMENTS_PER_FILE = 8  # candidates asked per result among moments (a file has many alike)


def kinds_of(kind: MediaKind | str | None) -> Kinds:
    return [MediaKind(kind).value] if kind else None


def ranked(lib: Library, space: str, vec: np.ndarray, k: int, kinds: Kinds = None,
            exclude_id: int | None = None, exclude_path: str | None = None,
            calibration: cal.Calibration | None = None, scale: float = 1.0,
            spread: int = 1, filters: Filters | None = None) -> list[Match]:
    """The k present files nearest to `vec` in `space` of these kinds, best first, without
    the query itself; a file with several vectors (segments) counts once, by its nearest.
    Scores are the calibrated `scale` × cosine, computed exactly from the stored vectors of
    the index's candidates (so a reduced graph only proposes), and only those rows are read.
    `filters` keep only the files they match (core/index/facets.py), inside the index's walk."""
    unit = np.asarray(vec, np.float32) / (float(np.linalg.norm(vec)) or 1.0)
    allowed = lib.allowed(space, filters) if filters else None
    index = lib.indexes.get(space)
    if index is not None:
        # Two extra hits leave room to drop the query itself and a copy at its path. The
        # graphs hold present files of their kind; the rows kept are checked below.
        got = lib.store.vectors_by_labels(index.candidates(unit, spread * k + 2, kinds, allowed),
                                          space, present=False)
    else:  # while its index is being rebuilt
        got = exact(lib, space, unit, spread * k + 2, kinds, allowed)
    if allowed is not None and len(got):
        got = got.where(allowed_among(allowed, got.labels))  # changed since the mask was made
    if not len(got):
        return []
    cosines = got.matrix @ unit
    best: dict[int, float] = {}
    label_of: dict[int, int] = {}  # the file's best vector: the whole file, or a moment
    for i in np.argsort(-cosines).tolist():
        fid = int(got.file_ids[i])
        if fid == exclude_id or fid in best:
            continue
        best[fid] = float(cosines[i])
        label_of[fid] = int(got.labels[i])
        if len(best) > k + 1:
            break
    rows = lib.store.files_by_ids(best)
    kept = [(rows[fid], cos) for fid, cos in best.items() if fid in rows
            and rows[fid].status == "ok" and not same_file(rows[fid].path, exclude_path)
            and (kinds is None or rows[fid].kind in kinds)][:k]
    times = lib.store.segment_times(label_of[r.id] for r, _ in kept)
    calibration = calibration or lib.calibration(space)
    scores = calibration.score(np.array([scale * cos for _, cos in kept]))
    out = []
    for (r, cos), s in zip(kept, np.atleast_1d(scores), strict=True):
        start, end = times.get(label_of[r.id], (None, None))
        out.append(Match(r.item(), float(s), scale * cos, start, end))
    return out


def same_file(path: str, query: str | None) -> bool:
    """Whether `path` is the query's file, also through a link to it or to its folder (a
    library indexed through a link, a query given by the real path, or the other way)."""
    if query is None:
        return False
    if path == query:
        return True
    if os.path.basename(path) != os.path.basename(query):
        return False  # links to folders keep names: only those are looked at closely
    try:
        return os.path.realpath(path) == os.path.realpath(query)
    except (OSError, ValueError):
        return False


def exact(lib: Library, space: str, unit: np.ndarray, k: int, kinds: Kinds,
          allowed: np.ndarray | None = None) -> Vectors:
    """The k nearest stored vectors by a scan of the store (slower, exact)."""
    keep_labels: list[np.ndarray] = []
    keep_cos: list[np.ndarray] = []
    for kind in kinds if kinds is not None else [None]:
        for chunk in lib.store.space_chunks(space, kind=kind):
            if allowed is not None:
                chunk = chunk.where(allowed_among(allowed, chunk.labels))
                if not len(chunk):
                    continue
            cos = chunk.matrix @ unit
            top = np.argsort(-cos)[: 4 * k]
            keep_labels.append(chunk.labels[top])
            keep_cos.append(cos[top])
    if not keep_labels:
        return lib.store.vectors_by_labels([], space)
    labels, cos = np.concatenate(keep_labels), np.concatenate(keep_cos)
    return lib.store.vectors_by_labels(labels[np.argsort(-cos)[: 4 * k]].tolist(), space)


