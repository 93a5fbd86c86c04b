"""Results that are a part of their file: a window of a long recording, a moment of a video.

A recording or a photo asks the moments' index with one vector (the query as one moment). A
video asks with its frames over time: the videos whose moments many of its frames fall in, at
one offset, are aligned (core/index/align.py) and score by the aligned run, with its start
and end in that video.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import replace
from typing import Any

import numpy as np

from mediabrowser.core.embed.base import EmbedsMoments, EmbedsTimeline, moments_space
from mediabrowser.core.filters import Filters
from mediabrowser.core.index.align import AS_WELL, LEAST_VOTES, align
from mediabrowser.core.library import Library
from mediabrowser.core.media.probe import detect_kind
from mediabrowser.core.ranking import MOMENTS_PER_FILE, Kinds, ranked
from mediabrowser.core.types import Match, MediaError, MediaKind, UserError

ASKING_FRAMES = 24  # query frames that ask the index (a longer query: evenly thinned)
HITS_PER_FRAME = 24
VOTING_HITS = 12  # a file counts as reached by a frame when among that frame's nearest 12
ALIGNED_FILES = 2  # files aligned per result asked for (those most frames reached)


def with_moments(lib: Library, space: str, vec: np.ndarray, found: list[Match], k: int,
                 kinds: Kinds, self_id: int | None, path: str,
                 filters: Filters | None = None) -> list[Match]:
    """`found`, with files whose best-matching moment beats their whole-file vector: that
    moment's score, with its start and end. Moments are scored with the whole-file space's
    calibration (one vector space)."""
    moments = moments_space(space)
    if lib.indexes.get(moments) is None and not lib.indexes.building(moments):
        return found  # no file here has moments
    parts: list[Match] = []
    kind = None
    with contextlib.suppress(MediaError, OSError):
        kind = detect_kind(path)
    name = lib.model_in_space(space, kind) if kind is not None else None
    # The query as the library's moments are made; when that cannot be done (the file away
    # or unreadable now, the model's files missing), its whole-file vector asks.
    with contextlib.suppress(UserError, OSError):
        embedder = lib.embedder(name) if name else None
        if kind is MediaKind.VIDEO and isinstance(embedder, EmbedsTimeline):
            # a video of the library asks with its stored moments; another is decoded
            stored = lib.store.moments_of([self_id], moments) if self_id is not None else {}
            if self_id in stored:
                starts, ends, frames = stored[self_id]
                times = (starts + ends) / 2
            else:
                times, frames = embedder.timeline(path)
            parts = aligned(lib, space, times, frames, k, kinds, self_id, filters)
        elif isinstance(embedder, EmbedsMoments):
            vec = embedder.moment_query(path)
    if kind is not MediaKind.VIDEO or not parts:
        # Neighbouring moments of one file are alike: ask for more, so other files are reached.
        parts += with_spans(lib, moments, vec, ranked(
            lib, moments, vec, k, kinds, self_id, path, calibration=lib.calibration(space),
            spread=MOMENTS_PER_FILE, filters=filters))
    best = {m.item.id: m for m in found}
    for m in parts:
        had = best.get(m.item.id)
        if had is None or m.score > had.score:
            best[m.item.id] = m
        elif kind is MediaKind.VIDEO and had.start is None and _a_part(m):
            # the clip was found inside this video: say where, at the better of the scores
            best[m.item.id] = replace(m, score=had.score, cosine=had.cosine)
    return sorted(best.values(), key=lambda m: -m.score)[:k]


def _a_part(m: Match) -> bool:
    """A moment that is a part of its video, not (nearly) all of it: a whole copy stays a
    whole-file result, whose sameness is then checked as a copy's."""
    if m.start is None or m.end is None:
        return False
    return not m.item.duration or m.end - m.start < 0.9 * m.item.duration


def described_moments(lib: Library, space: str, vec: np.ndarray, found: list[Match], k: int,
                      kinds: Kinds, calibration: Any, filters: Filters | None = None
                      ) -> list[Match]:
    """Words → moments: each video among `found` (or reached through its moments) with the
    moment that fits the description best, its start and end; a video scores by the better
    of its whole vector and that moment."""
    moments = moments_space(space)
    if kinds is not None and MediaKind.VIDEO.value not in kinds:
        return found
    if lib.indexes.get(moments) is None and not lib.indexes.building(moments):
        return found
    parts = with_spans(lib, moments, vec, ranked(lib, moments, vec, k, [MediaKind.VIDEO.value],
                                                 calibration=calibration,
                                                 spread=MOMENTS_PER_FILE, filters=filters))
    best = {m.item.id: m for m in found}
    for m in parts:
        had = best.get(m.item.id)
        if had is None or had.start is None:
            best[m.item.id] = m if had is None else replace(
                m, score=max(m.score, had.score), cosine=max(m.cosine or 0, had.cosine or 0))
    return sorted(best.values(), key=lambda m: -m.score)[:k]


def with_spans(lib: Library, moments: str, vec: np.ndarray, found: list[Match]
               ) -> list[Match]:
    """Each moment result with every part of its file that matches about as well (adjacent
    moments joined), for the marks under the player's seek bar."""
    unit = vec / (float(np.linalg.norm(vec)) or 1.0)
    stored = lib.store.moments_of([m.item.id for m in found], moments)
    out = []
    for m in found:
        if m.item.id not in stored or m.cosine is None:
            out.append(m)
            continue
        starts, ends, vecs = stored[m.item.id]
        spans: list[tuple[float, float]] = []
        for i in np.flatnonzero(vecs @ unit >= m.cosine - AS_WELL):
            if spans and starts[i] <= spans[-1][1] + 0.01:
                spans[-1] = (spans[-1][0], float(ends[i]))
            else:
                spans.append((float(starts[i]), float(ends[i])))
        out.append(replace(m, spans=tuple(spans)))
    return out


def aligned(lib: Library, space: str, times: np.ndarray, frames: np.ndarray, k: int,
            kinds: Kinds, self_id: int | None, filters: Filters | None = None) -> list[Match]:
    """The videos that hold the query clip (frames at `times`), each at its best offset."""
    moments = moments_space(space)
    index = lib.indexes.get(moments)
    if index is None or not len(times):
        return []
    asking = np.unique(np.linspace(0, len(times) - 1, min(ASKING_FRAMES, len(times))).astype(int))
    asked: list[tuple[int, int]] = []  # (query frame, label among its nearest)
    allowed = lib.allowed(moments, filters)
    for i in asking:
        got = index.candidates(frames[i], HITS_PER_FRAME, kinds, allowed)
        asked += [(int(i), label) for label in got[:VOTING_HITS]]
    # Only the labels that vote are looked up: each lookup may be a disk read in a library
    # of millions of moments.
    owners = lib.store.labels_to_files({label for _i, label in asked})
    # the files that several of the query's frames reached: only those are aligned
    reached = Counter(fid for fid, _frame in {(owners[label], i) for i, label in asked
                                              if label in owners})
    reached.pop(self_id or -1, None)
    need = min(LEAST_VOTES, len(asking))
    files = [fid for fid, n in reached.most_common(ALIGNED_FILES * k) if n >= need]
    rows = lib.store.files_by_ids(files)
    calibration = lib.calibration(space)
    out = []
    for fid, (starts, ends, vecs) in lib.store.moments_of(files, moments).items():
        row = rows.get(fid)
        if row is None or row.status != "ok" or (kinds is not None and row.kind not in kinds):
            continue
        found = align(times, frames, starts, ends, vecs)
        if found is None:
            continue
        score = float(np.atleast_1d(calibration.score(np.array([found.cosine])))[0])
        out.append(Match(row.item(), score, found.cosine, found.start, found.end,
                         found.spans))
    return sorted(out, key=lambda m: -m.score)[:k]
