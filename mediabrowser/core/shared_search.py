"""Searching a library whose vectors live in Milvus (core/index/milvus.py): the query's vector
is the library's own when it holds the file, else the file is embedded here; the nearest rows
come from Milvus with the filters applied there, and the results are built from the fields
the rows carry, so items another machine indexed are found without being in this library's
own database."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from mediabrowser.core.filters import Filters
from mediabrowser.core.index.milvus import MilvusVectors
from mediabrowser.core.library import Library
from mediabrowser.core.ranking import kinds_of, same_file
from mediabrowser.core.search import query_vector
from mediabrowser.core.types import Match, MediaItem, MediaKind

ROOM = 8  # rows asked beyond k: the query itself, and other segments of one file


def find_in_shared(lib: Library, vectors: MilvusVectors, query: str | Path, k: int = 10,
                   kind: MediaKind | str | None = None, model: str | None = None,
                   filters: Filters | None = None) -> list[Match]:
    """The k most similar items in the shared vectors, best first, the query left out."""
    vec, space, _self_id = query_vector(lib, query, model)
    path = os.path.abspath(str(query))
    found = shared_search(lib, vectors)(space, vec, 2 * k + ROOM, kinds_of(kind), None, 1.0,
                                        filters)
    return [m for m in found if not same_file(m.item.path, path)][:k]


def shared_search(lib: Library, vectors: MilvusVectors
                  ) -> Callable[[str, np.ndarray, int, Any, Any, float, Filters | None],
                                list[Match]]:
    """A space's nearest items in the shared vectors, as examples.find_like asks them: the
    cosines times `scale`, scored by `calibration` (the space's when None), one per file."""
    def search(space: str, unit: np.ndarray, k: int, kinds: Any, calibration: Any,
               scale: float, filters: Filters | None) -> list[Match]:
        hits = vectors.search(space, unit, k + ROOM, kinds, filters)
        best: dict[str, tuple[dict[str, Any], float]] = {}
        for row, cosine in hits:  # a file with several segments counts once, by its nearest
            p = str(row["path"])
            if p not in best or best[p][1] < cosine:
                best[p] = (row, cosine)
        kept = sorted(best.values(), key=lambda x: -x[1])[:k]
        if not kept:
            return []
        cal = calibration or lib.calibration(space)
        scores = np.atleast_1d(cal.score(np.array([scale * c for _r, c in kept])))
        return [_match(lib, row, scale * cosine, float(score))
                for (row, cosine), score in zip(kept, scores, strict=True)]
    return search


def _match(lib: Library, row: dict[str, Any], cosine: float, score: float) -> Match:
    local = lib.store.file_by_path(str(row["path"]))
    duration = float(row.get("duration") or -1)
    item = MediaItem(local.id if local is not None else -1, str(row["path"]),
                     MediaKind(str(row["kind"])), int(row.get("size") or 0),
                     float(row.get("date") or 0.0), int(row.get("width") or 0) or None,
                     int(row.get("height") or 0) or None,
                     duration if duration >= 0 else None)
    start, end = float(row.get("start") or -1), float(row.get("end") or -1)
    return Match(item, score, cosine, start if start >= 0 else None,
                 end if end >= 0 else None)
