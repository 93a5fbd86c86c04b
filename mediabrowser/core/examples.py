"""Queries of several examples: files (in the library or not) and words, each with a weight,
some of them "less like this"; one result list, filtered.

Per vector space the examples' unit vectors make one direction (Rocchio's rule): the weighted
mean of the positive ones, turned away from the mean of the negative ones by NEGATIVE_WEIGHT
times their weight. Words join the space of the model that reads them (CLIP for photos and
videos, CLAP for sounds). Result sets of different spaces (photos and sounds) are merged by
calibrated score; the examples themselves are left out.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from mediabrowser.core.embed.base import EmbedsText
from mediabrowser.core.embed.registry import get_spec
from mediabrowser.core.filters import Filters
from mediabrowser.core.library import Library
from mediabrowser.core.ranking import Kinds, kinds_of, ranked, same_file
from mediabrowser.core.search import (
    QueryError,
    only_copies_same,
    query_vector,
    search_text,
    text_calibration,
    text_model,
)
from mediabrowser.core.types import Match, MediaKind, UserError

NEGATIVE_WEIGHT = 0.5  # how far "less like this" turns the query (Rocchio's gamma)
MAX_WEIGHT = 10.0


@dataclass(frozen=True)
class Example:
    """One example of a query: a file (path or library id) or words; a weight; and whether
    the results should be *less* like it."""

    file: str | int | None = None
    text: str | None = None
    weight: float = 1.0
    negative: bool = False

    def label(self) -> str:
        if self.text is not None:
            return f"“{self.text}”"
        return os.path.basename(str(self.file)) if isinstance(self.file, str) else \
            f"item {self.file}"


_WEIGHTED = re.compile(r"(\d+(?:\.\d+)?|\.\d+):(.+)", re.S)


def weighted(given: str, is_file: bool = True) -> tuple[str, float]:
    """'2:beach' → ('beach', 2.0); 'beach' → ('beach', 1.0). For a file the prefix counts only
    when the whole text is not itself a file (a name may hold a colon)."""
    m = _WEIGHTED.fullmatch(given)
    if not m or (is_file and os.path.exists(given)):
        return given, 1.0
    weight = float(m.group(1))
    if not 0 < weight <= MAX_WEIGHT:
        raise QueryError(f"{given}: a weight is a number above 0 and at most {MAX_WEIGHT:g}")
    return m.group(2), weight


# (space, unit vector, k, kinds, calibration or None, scale, filters) → ranked matches
SpaceSearch = Callable[[str, np.ndarray, int, Kinds, Any, float, Filters | None],
                       list[Match]]


def _local(lib: Library) -> SpaceSearch:
    def search(space: str, unit: np.ndarray, k: int, kinds: Kinds, calibration: Any,
               scale: float, filters: Filters | None) -> list[Match]:
        return ranked(lib, space, unit, k, kinds, calibration=calibration, scale=scale,
                      filters=filters)
    return search


def find_like(lib: Library, examples: list[Example], k: int = 10,
              kind: MediaKind | str | None = None, filters: Filters | None = None,
              search: SpaceSearch | None = None) -> list[Match]:
    """The k items most like the positive examples and least like the negative ones.
    `search` answers each space's direction (default: the library's own index; the shared
    vectors' for a library on Milvus, core/shared_search.py)."""
    if not any(not e.negative for e in examples):
        raise QueryError("a query needs at least one example to be like (not only --not)")
    if len(examples) == 1 and examples[0].text is not None and search is None:
        return search_text(lib, examples[0].text, k, kind, filters)  # with videos' moments
    sums: dict[str, list[np.ndarray]] = {}  # space → [positive sum, negative sum]
    weights: dict[str, list[float]] = {}  # space → [positive weight, negative count]
    words_only: dict[str, bool] = {}
    exclude_ids: set[int] = set()
    exclude_paths: set[str] = set()
    files: list[tuple[str, int | None]] = []
    vectors: list[tuple[Example, list[tuple[str, np.ndarray, int | None, str | None]]]] = []
    for e in examples:
        if e.text is None:
            vectors.append((e, [_file_vector(lib, e)]))
    if any(e.text is not None for e in examples):
        spaces = list(dict.fromkeys(v[0][0] for _e, v in vectors))
        names = _text_models(lib, spaces, kind)
        vectors += [(e, _word_vectors(lib, e, names)) for e in examples if e.text is not None]
    for e, got in vectors:
        for space, vec, self_id, path in got:
            unit = vec / (float(np.linalg.norm(vec)) or 1.0)
            acc = sums.setdefault(space, [np.zeros_like(unit), np.zeros_like(unit)])
            w = weights.setdefault(space, [0.0, 0.0])
            if e.negative:
                acc[1] = acc[1] + e.weight * unit
                w[1] += 1
            else:
                acc[0] = acc[0] + e.weight * unit
                w[0] += e.weight
                words_only[space] = words_only.get(space, True) and e.text is not None
                if path is not None:
                    files.append((path, self_id))
            if self_id is not None:
                exclude_ids.add(self_id)
            if path is not None:
                exclude_paths.add(path)
    kinds = kinds_of(kind)
    merged: dict[str, Match] = {}  # by path: items of shared vectors may have no id here
    for space, (pos, neg) in sums.items():
        wpos, nneg = weights[space]
        if wpos == 0:
            continue  # only negatives in this space: they turn nothing here
        direction = pos / wpos
        if nneg:
            direction = direction - NEGATIVE_WEIGHT * neg / nneg
        length = float(np.linalg.norm(direction)) or 1.0
        unit = (direction / length).astype(np.float32)
        calibration = text_calibration(lib, space, unit) if words_only.get(space) else None
        found = (search or _local(lib))(
            space, unit, k + len(exclude_ids) + len(exclude_paths) + 1, kinds, calibration,
            1.0 if calibration else min(length, 1.0), filters)
        for m in found:
            if m.item.id in exclude_ids or any(same_file(m.item.path, p)
                                               for p in exclude_paths):
                continue
            if m.item.path not in merged or merged[m.item.path].score < m.score:
                merged[m.item.path] = m
    found = sorted(merged.values(), key=lambda m: -m.score)[:k]
    return only_copies_same(lib, files, found)


def _file_vector(lib: Library, e: Example) -> tuple[str, np.ndarray, int | None, str]:
    """(space, vector, library id, absolute path) of a file example."""
    q = e.file
    if isinstance(q, int):
        row = lib.store.file_by_id(q)
        if row is None:
            raise QueryError(f"no library item with id {q}")
        q = row.path
    assert q is not None
    try:
        vec, space, self_id = query_vector(lib, q)
    except UserError as exc:  # several files: say which one could not be read
        raise QueryError(f"{q}: {exc}") from exc
    return space, vec, self_id, os.path.abspath(str(q))


def _word_vectors(lib: Library, e: Example, names: list[str]
                  ) -> list[tuple[str, np.ndarray, int | None, str | None]]:
    assert e.text is not None
    if not e.text.strip():
        raise QueryError("the words of an example are empty")
    out: list[tuple[str, np.ndarray, int | None, str | None]] = []
    for name in names:
        embedder = lib.embedder(name)
        if not isinstance(embedder, EmbedsText):
            raise QueryError(f"{name} cannot read words (a CLIP or CLAP model can)")
        out.append((get_spec(name).index_space, embedder.embed_text([e.text])[0], None, None))
    return out


def _text_models(lib: Library, spaces: list[str], kind: MediaKind | str | None) -> list[str]:
    """The models that read an example's words: those of the spaces the files ask in, when
    they read words; with no file, the one that reads words for `kind`."""
    if not spaces:
        return [text_model(lib, kind)]
    names = []
    for space in spaces:
        for k in MediaKind:
            name = lib.model_in_space(space, k)
            if name and get_spec(name).text:
                names.append(name)
                break
    if not names:
        raise QueryError(
            "words can join a query only where a CLIP (photos, videos) or CLAP (sounds) model "
            "embeds the files; this library's models do not read words (Settings → Models, "
            "or: mediabrowser models)")
    return names


def find_similar_to_all(lib: Library, queries: list[str | Path | int], k: int = 10,
                        kind: MediaKind | str | None = None,
                        negatives: list[str | Path | int] | None = None,
                        folder: str | None = None, filters: Filters | None = None
                        ) -> list[Match]:
    """One result set for several files ("more like these", "less like those")."""
    examples = [Example(q if isinstance(q, int) else str(q)) for q in queries]
    examples += [Example(q if isinstance(q, int) else str(q), negative=True)
                 for q in negatives or []]
    if folder:
        filters = replace(filters or Filters(), folder=os.path.abspath(folder))
    return find_like(lib, examples, k, kind, filters)
