"""Pairs of files as arrays, and the groups they join: at a million items a library holds
millions of candidate pairs, so they are kept, sorted and joined in numpy, never as one Python
object each."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from mediabrowser.core.dupes.unionfind import UnionFind

_EMPTY_I = np.zeros(0, np.int64)
_EMPTY_F = np.zeros(0, np.float64)


class Pairs:
    """File-id pairs (a < b) with the best cosine seen between their vectors."""

    def __init__(self) -> None:
        self._parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._one: list[tuple[int, int, float]] = []
        self._done: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def add(self, a: int, b: int, cos: float) -> None:
        self._one.append((a, b, cos))
        self._done = None

    def extend(self, a: np.ndarray, b: np.ndarray, cos: np.ndarray) -> None:
        if len(a):
            self._parts.append((np.asarray(a, np.int64), np.asarray(b, np.int64),
                                np.asarray(cos, np.float64)))
            self._done = None

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(a, b, cosine), a < b, one row per pair (its best cosine), ordered by (a, b)."""
        if self._done is None:
            parts = list(self._parts)
            if self._one:
                one = np.array(self._one, np.float64)
                parts.append((one[:, 0].astype(np.int64), one[:, 1].astype(np.int64),
                              one[:, 2]))
            self._parts, self._one = [], []
            if not parts:
                self._done = (_EMPTY_I, _EMPTY_I, _EMPTY_F)
                return self._done
            a, b, c = (np.concatenate(x) for x in zip(*parts, strict=True))
            lo, hi = np.minimum(a, b), np.maximum(a, b)
            keep = lo != hi
            lo, hi, c = lo[keep], hi[keep], c[keep]
            order = np.lexsort((-c, hi, lo))  # by pair, best cosine first
            lo, hi, c = lo[order], hi[order], c[order]
            first = np.ones(len(lo), bool)
            first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
            self._done = (lo[first], hi[first], c[first])
            self._parts = [self._done]
        return self._done

    def keys(self) -> np.ndarray:
        """One int64 per pair (a and b packed), ordered, for membership tests."""
        a, b, _c = self.arrays()
        return pair_keys(a, b)

    def __len__(self) -> int:
        return len(self.arrays()[0])


def pair_keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (np.asarray(a, np.int64) << 32) | np.asarray(b, np.int64)


@dataclass
class EdgeList:
    """Pairs with their cosine and vector space, best first."""

    cos: np.ndarray
    a: np.ndarray
    b: np.ndarray
    space: np.ndarray  # index into `spaces`
    spaces: list[str]

    @classmethod
    def of(cls, pairs: dict[str, list[Pairs]], drop: Iterable[int] = ()) -> EdgeList:
        """Every pair of `pairs` (space → its pairs), without files of `drop`."""
        spaces = sorted(pairs)
        cos, a, b, sp = [_EMPTY_F], [_EMPTY_I], [_EMPTY_I], [_EMPTY_I]
        for i, space in enumerate(spaces):
            for p in pairs[space]:
                pa, pb, pc = p.arrays()
                a.append(pa)
                b.append(pb)
                cos.append(pc)
                sp.append(np.full(len(pa), i, np.int64))
        edges = cls(np.concatenate(cos), np.concatenate(a), np.concatenate(b),
                    np.concatenate(sp), spaces)
        gone = np.fromiter(drop, np.int64)
        if len(gone):
            edges = edges.take(~(np.isin(edges.a, gone) | np.isin(edges.b, gone)))
        return edges.take(np.argsort(-edges.cos, kind="stable"))

    def take(self, which: np.ndarray) -> EdgeList:
        return EdgeList(self.cos[which], self.a[which], self.b[which], self.space[which],
                        self.spaces)

    def __len__(self) -> int:
        return len(self.cos)

    def files(self) -> np.ndarray:
        return np.unique(np.concatenate([self.a, self.b]))

    def within(self, nodes: np.ndarray) -> EdgeList:
        """The edges whose two files are both among `nodes`."""
        return self.take(np.isin(self.a, nodes) & np.isin(self.b, nodes))


class SpaceOf:
    """File id → the vector space its pairs are in (the first seen, best edge first)."""

    def __init__(self, edges: EdgeList) -> None:
        ends = np.concatenate([edges.a, edges.b])
        where = np.concatenate([edges.space, edges.space])
        self._ids, first = np.unique(ends, return_index=True)
        self._space = where[first]
        self._names = edges.spaces

    def get(self, fid: int) -> str | None:
        i = int(np.searchsorted(self._ids, fid))
        if i < len(self._ids) and self._ids[i] == fid:
            return self._names[int(self._space[i])]
        return None


def mutual_partners(edges: EdgeList) -> dict[int, int]:
    """Files that are each other's best match: a copy and its original, most often. They
    leave a group together, so a chain of look-alikes never splits them."""
    if not len(edges):
        return {}
    ends = np.concatenate([edges.a, edges.b])
    other = np.concatenate([edges.b, edges.a])
    pos = np.concatenate([np.arange(len(edges))] * 2)
    order = np.lexsort((pos, -np.concatenate([edges.cos, edges.cos])))
    ids, first = np.unique(ends[order], return_index=True)
    best = other[order][first]
    mutual = best[np.searchsorted(ids, best)] == ids  # my best match's best match is me
    return dict(zip(ids[mutual].tolist(), best[mutual].tolist(), strict=True))


def components(first: tuple[np.ndarray, np.ndarray], edges: EdgeList,
               forbidden: dict[int, set[int]]) -> list[list[int]]:
    """Components of two or more files joined by the pairs `first` and then `edges` (best
    first), each sorted. A component holding a "not duplicates" pair is joined again pair by
    pair in that order, refusing any union that would put the two together."""
    a = np.concatenate([first[0], edges.a])
    b = np.concatenate([first[1], edges.b])
    if not len(a):
        return []
    ids, inv = np.unique(np.concatenate([a, b]), return_inverse=True)
    n = len(ids)
    label = component_labels(inv[:len(a)], inv[len(a):], n)
    broken = _holding_forbidden(ids, label, forbidden)
    order = np.argsort(label, kind="stable")
    cuts = np.flatnonzero(np.diff(label[order])) + 1
    out = [c.tolist() for c in np.split(ids[order], cuts)
           if len(c) > 1 and int(label[ids.searchsorted(c[0])]) not in broken]
    if broken:
        redo = np.isin(label[inv[:len(a)]], list(broken))
        uf = UnionFind(forbidden)
        for x, y in zip(a[redo].tolist(), b[redo].tolist(), strict=True):
            uf.union(x, y)
        out += uf.components()
    return out


def _holding_forbidden(ids: np.ndarray, label: np.ndarray,
                       forbidden: dict[int, set[int]]) -> set[int]:
    """Labels of the components that hold both files of a "not duplicates" pair."""
    out: set[int] = set()
    for x, others in forbidden.items():
        i = int(np.searchsorted(ids, x))
        if i >= len(ids) or ids[i] != x:
            continue
        for y in others:
            j = int(np.searchsorted(ids, y))
            if j < len(ids) and ids[j] == y and label[i] == label[j]:
                out.add(int(label[i]))
    return out


def component_labels(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """A component label for each of n nodes joined by the edges (a, b): scipy's graph search,
    or, where scipy is left out (the small build), minimum-label propagation with pointer
    jumping in numpy (a few passes: each halves the distance to a component's smallest node)."""
    try:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components
    except ImportError:
        label = np.arange(n)
        while True:
            before = label.copy()
            low = np.minimum(label[a], label[b])
            np.minimum.at(label, a, low)
            np.minimum.at(label, b, low)
            label = label[label]  # jump: each node takes its label's label
            if np.array_equal(label, before):
                return label
    graph = coo_matrix((np.ones(len(a), np.int8), (a, b)), shape=(n, n))
    return connected_components(graph, directed=False)[1]
