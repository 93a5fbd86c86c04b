"""Copies of a photo saved turned (90°, 180°, 270°) or mirrored, which image models do not
see as alike. Each photo has a 32×32 grey picture and a summary of it that turning does not
change (core/media/grey.py; made while indexing, or here once with a small decode for photos
indexed before). The summaries find candidate pairs through a nearest-neighbour graph; the
turn that maps one grey picture onto the other is found, and the pair is then scored for real:
the model embeds the first photo turned that way, and that vector is compared with the
second one's.

Videos are not turned here (their frames would have to be decoded again).
"""

from __future__ import annotations

import os
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from mediabrowser.core.dupes.pairs import Pairs, pair_keys
from mediabrowser.core.embed.base import ReadsPhotos
from mediabrowser.core.library import Library
from mediabrowser.core.media.copies.check import CopyCheck
from mediabrowser.core.media.decode import load_image
from mediabrowser.core.media.grey import SIDE, SYMMETRIES, grey_of, store_grey, summaries
from mediabrowser.core.types import CancelToken, MediaError, Progress

CANDIDATE_COS = 0.97  # the turn-invariant summaries of two copies are this alike
MATCH = 0.9  # and the grey pictures, one turned onto the other, correlate this well
K = 10
CHUNK = 50_000
TURNS = SYMMETRIES[1:]  # (on a grey array, as the photo's transpose)


def grey(path: str) -> np.ndarray:
    """The picture as 32×32 grey levels, for a photo indexed before indexing made them."""
    return grey_of(load_image(path, min_side=2 * SIDE))


def invariant(g: np.ndarray) -> np.ndarray:
    """The turn-invariant summary of one grey picture."""
    return summaries(g[None])[0]


def best_turn(ga: np.ndarray, gb: np.ndarray, turns: tuple = TURNS) -> tuple[int, float]:
    """(index into `turns`, correlation) of the turn of picture a that best matches b."""
    b = gb.astype(np.float32)
    b = (b - b.mean()) / (b.std() or 1.0)
    best = (-1, -1.0)
    for i, (turn, _pil) in enumerate(turns):
        a = turn(ga.astype(np.float32))
        a = (a - a.mean()) / (a.std() or 1.0)
        corr = float((a * b).mean())
        if corr > best[1]:
            best = (i, corr)
    return best


def make_missing(lib: Library, cancel: CancelToken) -> Generator[Progress, None, None]:
    """Grey pictures for the photos that have none for their current version (indexed before
    indexing made them, or changed since): one small decode each, kept."""
    store = lib.store
    todo = store.photos_without_pixels()
    if not todo:
        return

    def make(path: str) -> np.ndarray | None:
        try:
            return grey(path)
        except (MediaError, OSError, ValueError):
            return None  # this file's own problem is the indexer's to report

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for start in range(0, len(todo), 256):
            cancel.raise_if_cancelled()
            batch = todo[start:start + 256]
            made = list(pool.map(make, [t[1] for t in batch]))
            with store.transaction() as c:
                for (fid, _path, size, mtime), g in zip(batch, made, strict=True):
                    store_grey(c, fid, size, mtime, g)
            yield Progress("compare", min(start + 256, len(todo)), len(todo),
                           message="photos turned or mirrored")


class TurnChecker:
    """Scores pairs of photos once one is turned onto the other, with the real model."""

    def __init__(self, lib: Library, space: str) -> None:
        self.lib, self.space = lib, space
        self._embedder: Any = None
        self._done: dict[tuple[int, int], float | None] = {}

    def greys(self, ids: list[int]) -> dict[int, np.ndarray]:
        return {fid: np.frombuffer(blob, np.uint8).reshape(SIDE, SIDE)
                for fid, blob in self.lib.store.grey_pictures(ids).items()}

    def alike(self, keeper: int, ids: list[int]) -> set[int]:
        """Those of `ids` whose grey picture could be the keeper's turned (their summaries are
        alike): the only ones worth a closer look. One read for all."""
        got = {fid: np.frombuffer(blob, np.float16).astype(np.float32)
               for fid, blob in self.lib.store.pixel_summaries([keeper, *ids]).items()}
        mine = got.get(keeper)
        if mine is None:
            return set()
        return {fid for fid, v in got.items()
                if fid != keeper and float(v @ mine) >= CANDIDATE_COS - 0.01}

    def cosine(self, a: int, b: int) -> float | None:
        """Cosine of photo a, turned the way that maps its grey picture onto b's, with b;
        None when no turn maps one onto the other."""
        key = (a, b)
        if key not in self._done:
            if len(self._done) > 100_000:
                self._done.clear()
            self._done[key] = self._measure(a, b)
        return self._done[key]

    def grey_match(self, a: int, b: int) -> bool:
        """Whether one grey picture, turned any way or not at all, matches the other."""
        g = self.greys([a, b])
        return a in g and b in g and best_turn(g[a], g[b], SYMMETRIES)[1] >= MATCH

    def _measure(self, a: int, b: int) -> float | None:
        g = self.greys([a, b])
        if a not in g or b not in g:
            return None
        turn, corr = best_turn(g[a], g[b])
        if corr < MATCH or turn < 0:
            return None
        vb = self.lib.store.vector(b, self.space)
        row = self.lib.store.file_by_id(a)
        if vb is None or row is None:
            return None
        if self._embedder is None:
            self._embedder = self.lib.embedder(self.lib.answering_model("image"))
        emb = self._embedder
        if not isinstance(emb, ReadsPhotos):
            return None
        try:
            im = load_image(row.path, min_side=emb.decode_side)
            va = emb.embed([emb.prepare_image(im.transpose(TURNS[turn][1]))])[0]
        except (MediaError, OSError):
            return None
        return float(np.dot(va, vb) / ((np.linalg.norm(va) * np.linalg.norm(vb)) or 1.0))


def turned_pairs(lib: Library, space: str, floor: float, cancel: CancelToken,
                 known: Pairs, seeds: set[int] | None = None, copies: CopyCheck | None = None,
                 same: float = 1.0
                 ) -> Generator[Progress, None, tuple[Pairs, TurnChecker | None]]:
    """Pairs of photos (cosine ≥ `floor` once one is turned) that `known` lacks, and the
    checker that scored them (for scoring group members against their keeper). With
    `copies`, a candidate the model scores lower but whose pixels a close look finds to be a
    copy (a small clip-art picture resized, a sign turned) is a pair too, at `same`."""
    import hnswlib

    pairs = Pairs()
    yield from make_missing(lib, cancel)
    checker = TurnChecker(lib, space)
    total = lib.store.count_pixel_summaries()
    if total < 2:
        return pairs, checker
    # A small graph, built for this run from the kept summaries (126 bytes a photo), in chunks.
    graph = hnswlib.Index(space="ip", dim=summaries(np.zeros((1, SIDE, SIDE))).shape[1])
    graph.init_index(max_elements=total, ef_construction=32, M=8)
    threads = os.cpu_count() or 1
    ids: list[np.ndarray] = []
    after = -1
    while True:
        cancel.raise_if_cancelled()
        rows = lib.store.pixel_summaries_after(after, CHUNK)
        if not rows:
            break
        chunk = np.array([r[0] for r in rows], np.int64)
        vecs = np.frombuffer(b"".join(r[1] for r in rows), np.float16).reshape(len(rows), -1)
        graph.add_items(vecs.astype(np.float32), chunk, num_threads=threads)
        ids.append(chunk)
        after = int(chunk[-1])
        yield Progress("compare", sum(len(x) for x in ids), total, message="turned copies")
    graph.set_ef(32)
    all_ids = np.concatenate(ids)
    queries = all_ids if seeds is None else all_ids[np.isin(all_ids, list(seeds))]
    found: list[np.ndarray] = []
    for start in range(0, len(queries), CHUNK):
        cancel.raise_if_cancelled()
        q = queries[start:start + CHUNK]
        vecs = np.asarray(graph.get_items(q.tolist()), np.float32)
        nbr, dist = graph.knn_query(vecs, k=min(K + 1, total), num_threads=threads)
        nbr = nbr.astype(np.int64)
        qq = np.broadcast_to(q[:, None], nbr.shape)
        near = (1.0 - dist >= CANDIDATE_COS) & (nbr != qq)
        found.append(pair_keys(np.minimum(qq, nbr)[near], np.maximum(qq, nbr)[near]))
    keys = np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)
    keys = keys[~np.isin(keys, known.keys())]
    candidates = list(zip((keys >> 32).tolist(), (keys & 0xFFFFFFFF).tolist(), strict=True))
    for n, (a, b) in enumerate(candidates):
        cancel.raise_if_cancelled()
        cos = checker.cosine(a, b)
        if cos is not None and cos >= floor:
            pairs.add(a, b, cos)
        elif copies is not None and checker.grey_match(a, b):
            pair = lib.store.files_by_ids([a, b])
            if a in pair and b in pair and copies.same(pair[a].item(), pair[b].item()):
                pairs.add(a, b, max(cos or -1.0, same))
        if n % 64 == 0 or n + 1 == len(candidates):
            yield Progress("compare", n + 1, len(candidates), message="checking turned copies")
    return pairs, checker
