"""Copies of a photo saved turned (90°, 180°, 270°) or mirrored, which image models do not
see as alike. Each photo has a 32×32 grey picture (made while indexing, or here once with a
small decode for photos indexed before; kept in the library database). A summary of it that
does not change when the picture is turned or mirrored finds candidate pairs through a
nearest-neighbour graph; the turn that maps one picture onto the other is found on the grey
pictures, and the pair is then scored for real: the model embeds the first photo turned that
way, and that vector is compared with the second one's.

Videos are not turned here (their frames would have to be decoded again).
"""

from __future__ import annotations

import os
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from PIL import Image

from mediabrowser.core.dupes.edges import Pairs
from mediabrowser.core.library import Library
from mediabrowser.core.media.decode import load_image
from mediabrowser.core.media.grey import SIDE, grey_of, store_grey
from mediabrowser.core.store.db import rows_in
from mediabrowser.core.types import CancelToken, MediaError, Progress

LOW = 8  # DCT coefficients kept per axis
CANDIDATE_COS = 0.97  # the turn-invariant summaries of two copies are this alike
MATCH = 0.9  # and the grey pictures, one turned onto the other, correlate this well
K = 10
T = Image.Transpose
# The seven turns and mirror images, as done on a grey array (numpy) and on a photo (PIL).
TURNS = ((lambda a: np.rot90(a, 1), T.ROTATE_90), (lambda a: np.rot90(a, 2), T.ROTATE_180),
         (lambda a: np.rot90(a, 3), T.ROTATE_270), (lambda a: a[:, ::-1], T.FLIP_LEFT_RIGHT),
         (lambda a: a[::-1, :], T.FLIP_TOP_BOTTOM), (lambda a: a.T, T.TRANSPOSE),
         (lambda a: np.rot90(a, 2).T, T.TRANSVERSE))


def _dct_matrix(n: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    m = np.cos(np.pi * (2 * np.arange(n)[None, :] + 1) * k / (2 * n))
    m[0] /= np.sqrt(2)
    return m * np.sqrt(2 / n)


_DCT = _dct_matrix(SIDE)[:LOW]


def grey(path: str) -> np.ndarray:
    """The picture as 32×32 grey levels (core/media/grey.py), for a photo indexed before
    indexing made them."""
    return grey_of(load_image(path, min_side=2 * SIDE))


def invariant(g: np.ndarray) -> np.ndarray:
    """A unit vector that a turn or a mirror image of the picture leaves as it is: the low
    DCT coefficients' magnitudes (mirroring flips only their signs), symmetrised across the
    diagonal (a quarter turn transposes them); the mean level is left out."""
    c = np.abs(_DCT @ g.astype(np.float32) @ _DCT.T)
    iu = np.triu_indices(LOW, k=1)
    a, b = c[iu], c.T[iu]
    diag = np.diag(c)[1:]
    v = np.concatenate([a + b, np.abs(a - b), diag]).astype(np.float32)
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


def best_turn(ga: np.ndarray, gb: np.ndarray) -> tuple[int, float]:
    """(index into TURNS, correlation) of the turn of picture a that best matches b."""
    b = gb.astype(np.float32)
    b = (b - b.mean()) / (b.std() or 1.0)
    best = (-1, -1.0)
    for i, (turn, _pil) in enumerate(TURNS):
        a = turn(ga.astype(np.float32))
        a = (a - a.mean()) / (a.std() or 1.0)
        corr = float((a * b).mean())
        if corr > best[1]:
            best = (i, corr)
    return best


def greys(lib: Library, ids: list[int], cancel: CancelToken
          ) -> Generator[Progress, None, dict[int, np.ndarray]]:
    """The grey pictures of these photos, made once per file version and kept."""
    store = lib.store
    rows = store.files_by_ids(ids)
    kept = {fid: (size, mtime, blob) for fid, size, mtime, blob in rows_in(
        store.conn, "SELECT file_id, size, mtime, gray FROM dup_pixels WHERE file_id IN", ids)}
    out: dict[int, np.ndarray] = {}
    todo = []
    for fid in ids:
        row = rows.get(fid)
        if row is None:
            continue
        k = kept.get(fid)
        if k is not None and k[0] == row.size and k[1] == row.mtime:
            if k[2] is not None:
                out[fid] = np.frombuffer(k[2], np.uint8).reshape(SIDE, SIDE)
            continue
        todo.append(row)
    if not todo:
        return out

    def make(path: str) -> np.ndarray | None:
        try:
            return grey(path)
        except (MediaError, OSError, ValueError):
            return None  # this file's own problem is the indexer's to report

    done = 0
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for start in range(0, len(todo), 256):
            cancel.raise_if_cancelled()
            batch = todo[start:start + 256]
            made = list(pool.map(make, [r.path for r in batch]))
            with store.transaction() as c:
                for row, g in zip(batch, made, strict=True):
                    store_grey(c, row.id, row.size, row.mtime, g)
                    if g is not None:
                        out[row.id] = g
            done += len(batch)
            yield Progress("compare", done, len(todo), message="photos turned or mirrored")
    return out


class TurnChecker:
    """Scores pairs of photos once one is turned onto the other, with the real model."""

    def __init__(self, lib: Library, space: str, greys: dict[int, np.ndarray]) -> None:
        self.lib, self.space, self.greys = lib, space, greys
        self._embedder: Any = None
        self._done: dict[tuple[int, int], float | None] = {}

    def cosine(self, a: int, b: int) -> float | None:
        """Cosine of photo a, turned the way that maps its grey picture onto b's, with b;
        None when no turn maps one onto the other."""
        key = (a, b)
        if key not in self._done:
            self._done[key] = self._measure(a, b)
        return self._done[key]

    def _measure(self, a: int, b: int) -> float | None:
        ga, gb = self.greys.get(a), self.greys.get(b)
        if ga is None or gb is None:
            return None
        turn, corr = best_turn(ga, gb)
        if corr < MATCH or turn < 0:
            return None
        vb = self.lib.store.vector(b, self.space)
        row = self.lib.store.file_by_id(a)
        if vb is None or row is None:
            return None
        if self._embedder is None:
            self._embedder = self.lib.embedder(self.lib.answering_model("image"))
        emb: Any = self._embedder
        try:
            im = load_image(row.path, min_side=getattr(emb, "decode_side", None))
            va = emb.embed([emb.prepare_image(im.transpose(TURNS[turn][1]))])[0]
        except (MediaError, OSError):
            return None
        return float(np.dot(va, vb) / ((np.linalg.norm(va) * np.linalg.norm(vb)) or 1.0))


def turned_pairs(lib: Library, space: str, floor: float, cancel: CancelToken,
                 known: Pairs, seeds: set[int] | None = None
                 ) -> Generator[Progress, None, tuple[Pairs, TurnChecker | None]]:
    """Pairs of photos (cosine ≥ `floor` once one is turned) that `known` lacks, and the
    checker that scored them (for scoring group members against their keeper)."""
    import hnswlib

    pairs = Pairs()
    ids = [r[0] for r in lib.store.conn.execute(
        "SELECT id FROM files WHERE status = 'ok' AND kind = 'image'")]
    if len(ids) < 2:
        return pairs, None
    g = yield from greys(lib, ids, cancel)
    have = sorted(g)
    checker = TurnChecker(lib, space, g)
    if len(have) < 2:
        return pairs, checker
    inv = np.stack([invariant(g[f]) for f in have])
    graph = hnswlib.Index(space="ip", dim=inv.shape[1])
    graph.init_index(max_elements=len(have), ef_construction=100, M=16)
    graph.add_items(inv, np.arange(len(have)), num_threads=os.cpu_count() or 1)
    graph.set_ef(64)
    queries = [i for i, f in enumerate(have) if seeds is None or f in seeds]
    if not queries:
        return pairs, checker
    nbr, dist = graph.knn_query(inv[queries], k=min(K + 1, len(have)),
                                num_threads=os.cpu_count() or 1)
    candidates: set[tuple[int, int]] = set()
    for qi, row, drow in zip(queries, nbr.tolist(), dist.tolist(), strict=True):
        for j, d in zip(row, drow, strict=True):
            a, b = sorted((have[qi], have[j]))
            if a != b and 1.0 - d >= CANDIDATE_COS and (a, b) not in known.cosines:
                candidates.add((a, b))
    for n, (a, b) in enumerate(sorted(candidates)):
        cancel.raise_if_cancelled()
        cos = checker.cosine(a, b)
        if cos is not None and cos >= floor:
            pairs.add(a, b, cos)
        yield Progress("compare", n + 1, len(candidates), message="checking turned copies")
    return pairs, checker
