"""Find similar items to a library item or to any file (embedded on the fly, never added).

Scores are calibrated per vector space (core/calibration.py), the raw cosine kept beside them.
A photo or video query is also tried turned by 90°, 180° and 270° and mirrored: an item that
one of those turns finds as the *same* content (a copy saved rotated or mirrored) scores as such,
while ordinary similar items keep the score of the query as it stands.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np

from mediabrowser.core import calibration as cal
from mediabrowser.core import tiers
from mediabrowser.core.embed.base import (
    EmbedsText,
    EmbedsTurned,
)
from mediabrowser.core.embed.registry import get_spec
from mediabrowser.core.filters import Filters
from mediabrowser.core.library import Library
from mediabrowser.core.media.decode import check_readable
from mediabrowser.core.media.probe import detect_kind
from mediabrowser.core.moments import described_moments, with_moments
from mediabrowser.core.ranking import Kinds, kinds_of, ranked
from mediabrowser.core.types import (
    BadInput,
    Match,
    MediaError,
    MediaItem,
    MediaKind,
)


class QueryError(BadInput):
    """The query cannot be answered; the message says why."""


def query_vector(lib: Library, path: str | Path, model: str | None = None
                 ) -> tuple[np.ndarray, str, int | None]:
    """(vector, space, library id or None) for a file; uses the stored vector when there is one."""
    abspath = str(Path(path).expanduser().absolute())
    row = lib.store.file_by_path(abspath)
    if row is None and os.path.realpath(abspath) != abspath:  # asked through a link
        row = lib.store.file_by_path(os.path.realpath(abspath))
    # A file whose drive is away can still ask: its vector is kept.
    if row is not None and row.status in ("ok", "offline"):
        kind = MediaKind(row.kind)
        name = _model_for_query(lib, kind, model)
        space = get_spec(name).index_space
        vec = lib.store.vector(row.id, space)
        if vec is not None:
            return vec, space, row.id
    check_readable(abspath)
    detected = detect_kind(abspath)
    if detected is None:
        raise MediaError("not a media file (no known image, video or audio format)")
    name = _model_for_query(lib, detected, model)
    embedder = lib.embedder(name)
    vec = embedder.embed([embedder.prepare(abspath)])[0]
    return vec, get_spec(name).index_space, (row.id if row else None)


def _model_for_query(lib: Library, kind: MediaKind, model: str | None) -> str:
    if model is None:
        return lib.answering_model(kind)
    spec = get_spec(model)
    if spec.modality == kind:
        return model
    found = lib.model_in_space(spec.index_space, kind)
    if found is None:
        raise QueryError(f"model {model!r} cannot embed a {kind.value} file")
    return found


def find_similar(lib: Library, query: str | Path | int, k: int = 10,
                 kind: MediaKind | str | None = None, model: str | None = None,
                 turns: bool = True, filters: Filters | None = None) -> list[Match]:
    """The k most similar present items, best first, the query itself excluded.

    `query` is a library id or a path (inside the library or not). `kind` keeps only items of
    that kind; `model` picks the vector space (default: the configured model for the query's kind).
    `turns` also finds turned and mirrored copies of a photo or video (it decodes the query).
    `filters` keep only the items they match (folder, date, size, …), inside the index's walk.
    """
    if isinstance(query, int):
        row = lib.store.file_by_id(query)
        if row is None:
            raise QueryError(f"no library item with id {query}")
        query = row.path
    vec, space, self_id = query_vector(lib, query, model)
    kinds = kinds_of(kind)
    path = os.path.abspath(str(query))
    found = with_moments(lib, space, vec, ranked(lib, space, vec, k, kinds, self_id, path,
                                                 filters=filters),
                         k, kinds, self_id, path, filters)
    if turns and kind in (None, MediaKind.IMAGE, MediaKind.VIDEO, "image", "video") \
            and not lib.indexes.building(space):  # each turn would scan the store meanwhile
        found = _with_turned_copies(lib, path, space, found, k, kinds, self_id, model, filters)
    return only_copies_same(lib, [(path, self_id)], found)


VERIFY_AT_MOST = 24  # "same" results looked at per query; any beyond show as very similar


def only_copies_same(lib: Library, queries: list[tuple[str, int | None]],
                     found: list[Match]) -> list[Match]:
    """"Same" means a verified copy everywhere (as in the duplicates): a result at the same
    level that a second look at its pixels or sound does not confirm as a copy of a query
    (core/media/copies) is shown just below, as very similar."""
    level = tiers.SAME
    if not any(m.score >= level for m in found):
        return found
    items = []
    for path, self_id in queries:
        row = lib.store.file_by_id(self_id) if self_id is not None else None
        if row is not None:
            items.append(row.item())
            continue
        try:
            st = os.stat(path)
            kind = detect_kind(path)
        except (OSError, MediaError):
            continue  # away or unreadable: nothing to look at, so nothing is confirmed
        if kind is not None:
            items.append(MediaItem(-1, path, kind, st.st_size, st.st_mtime))
    out: list[Match] = []
    looked = 0
    for m in found:
        if m.score >= level and m.start is None:  # a moment is part of its file, not a copy
            ok = False
            if looked < VERIFY_AT_MOST:
                looked += 1
                ok = any(lib.copies.same(q, m.item) for q in items)
            if not ok:
                m = replace(m, score=min(m.score, level - 1e-6))
        out.append(m)
    return sorted(out, key=lambda m: -m.score)


def _with_turned_copies(lib: Library, path: str, space: str, found: list[Match], k: int,
                        kinds: Kinds, self_id: int | None, model: str | None,
                        filters: Filters | None = None) -> list[Match]:
    """`found`, with items that a turned or mirrored query finds as the same content raised to
    that score (and added when they were not among the k)."""
    vectors = _turned_vectors(lib, path, space, model)
    if vectors is None:
        return found
    same = lib.calibration(space).cosine_for(tiers.SAME)
    best = {m.item.id: m for m in found}
    for vec in vectors:
        for m in ranked(lib, space, vec, k, kinds, self_id, path, filters=filters):
            if m.cosine is not None and m.cosine >= same and (
                    m.item.id not in best or best[m.item.id].score < m.score):
                best[m.item.id] = m
    return sorted(best.values(), key=lambda m: -m.score)[:k]


def _turned_vectors(lib: Library, path: str, space: str, model: str | None
                    ) -> np.ndarray | None:
    """The query photo or video embedded turned and mirrored, or None when it cannot be (not
    a photo or video, its model cannot turn, the file is away). Kept for the last few
    queries: the window asks again as the library grows and on "Load more"."""
    try:
        st = os.stat(path)
    except OSError:
        return None  # the file is away: its stored vector has answered
    detected = detect_kind(path)
    if detected not in (MediaKind.IMAGE, MediaKind.VIDEO):
        return None
    name = _model_for_query(lib, detected, model)
    if get_spec(name).index_space != space:
        return None
    key = (path, st.st_size, st.st_mtime_ns, name, lib.config.video_frames)
    if key not in lib.turned_cache:
        embedder = lib.embedder(name)
        if not isinstance(embedder, EmbedsTurned):
            return None
        turned = embedder.embed_turned
        try:
            lib.turned_cache[key] = turned(path)
        except (MediaError, OSError):
            return None
        while len(lib.turned_cache) > 16:
            lib.turned_cache.pop(next(iter(lib.turned_cache)))
    return lib.turned_cache[key]


def text_model(lib: Library, kind: MediaKind | str | None = None) -> str:
    """The model that reads words for results of `kind`: the sound model (CLAP) for sounds,
    else the image model (CLIP, whose space the videos share); QueryError saying why not."""
    if kind and MediaKind(kind) is MediaKind.AUDIO:
        name = lib.answering_model(MediaKind.AUDIO)
        if not get_spec(name).text:
            raise QueryError(
                f"searching sounds by words needs a CLAP sound model; this library uses {name} "
                "(choose clap-general for sounds in Settings, or: mediabrowser models)")
        return name
    name = lib.answering_model(MediaKind.IMAGE)
    if not get_spec(name).text:
        if not kind and get_spec(lib.answering_model(MediaKind.AUDIO)).text:
            return lib.answering_model(MediaKind.AUDIO)
        raise QueryError(
            f"text search needs a CLIP image model; this library uses {name} "
            "(choose a CLIP model for photos in Settings, or: mediabrowser models)")
    return name


def text_kinds(lib: Library) -> list[MediaKind]:
    """The kinds of file this library can find by words (for the window's search box)."""
    kinds = []
    if get_spec(lib.answering_model(MediaKind.IMAGE)).text:
        kinds += [MediaKind.IMAGE, MediaKind.VIDEO]
    if get_spec(lib.answering_model(MediaKind.AUDIO)).text:
        kinds.append(MediaKind.AUDIO)
    return kinds


def search_text(lib: Library, text: str, k: int = 10, kind: MediaKind | str | None = None,
                filters: Filters | None = None) -> list[Match]:
    """Files that match a description: photos and videos through CLIP (videos pool frames
    through the same CLIP), sounds through CLAP; with no kind asked, every kind a model here
    reads words for, merged by calibrated score."""
    if not text.strip():
        raise QueryError("the search text is empty")
    names = [text_model(lib, kind)]
    if not kind:
        audio = lib.answering_model(MediaKind.AUDIO)
        if audio not in names and get_spec(audio).text:
            names.append(audio)
    found: list[Match] = []
    for name in names:
        embedder = lib.embedder(name)
        if not isinstance(embedder, EmbedsText):
            raise QueryError(f"{embedder.spec.name} cannot read words; text search needs a "
                             "CLIP or CLAP model (Settings → Models)")
        vec = embedder.embed_text([text])[0]
        space = get_spec(name).index_space
        calibration = text_calibration(lib, space, vec)
        kinds = kinds_of(kind) if kind or len(names) == 1 else (
            [MediaKind.AUDIO.value] if get_spec(name).modality is MediaKind.AUDIO
            else [MediaKind.IMAGE.value, MediaKind.VIDEO.value])
        found += described_moments(lib, space, vec, ranked(lib, space, vec, k, kinds,
                                                           calibration=calibration,
                                                           filters=filters),
                                   k, kinds, calibration, filters)
    return sorted(found, key=lambda m: -m.score)[:k]


def text_calibration(lib: Library, space: str, vec: np.ndarray) -> cal.Calibration:
    """Text and pictures score on another scale than picture and picture: calibrate by how
    this description scores against random items of the library."""
    index = lib.indexes.get(space)
    sample = lib.store.vectors_by_labels(
        index.sample_labels(cal.LIBRARY_SAMPLE) if index is not None else [], space).matrix
    if not len(sample):
        sample = np.zeros((0, len(vec)), np.float32)
    return cal.for_query(vec, sample, cal.TEXT)
