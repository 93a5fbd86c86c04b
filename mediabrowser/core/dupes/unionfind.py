"""Union-find over file ids that refuses a union joining two files marked "not duplicates"."""

from __future__ import annotations

from collections.abc import Iterable


class UnionFind:
    def __init__(self, forbidden: dict[int, set[int]] | None = None) -> None:
        self.parent: dict[int, int] = {}
        self.size: dict[int, int] = {}
        # root → the files that must never join its component (kept merged on union)
        self._forbid: dict[int, set[int]] = {}
        self._pairs = forbidden or {}

    def add(self, x: int) -> None:
        if x not in self.parent:
            self.parent[x] = x
            self.size[x] = 1
            if x in self._pairs:
                self._forbid[x] = set(self._pairs[x])

    def find(self, x: int) -> int:
        self.add(x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> bool:
        """Join the components of a and b; False when they are one already or a "not
        duplicates" pair would end up in one component."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        fa, fb = self._forbid.get(ra), self._forbid.get(rb)
        if fa and any(self.find(x) == rb for x in fa):
            return False
        if fb and any(self.find(x) == ra for x in fb):
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
            fa, fb = fb, fa
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        if fb:
            self._forbid.setdefault(ra, set()).update(fb)
            self._forbid.pop(rb, None)
        return True

    def components(self, nodes: Iterable[int] | None = None) -> list[list[int]]:
        """Components of two or more, each sorted."""
        out: dict[int, list[int]] = {}
        for x in (self.parent if nodes is None else nodes):
            out.setdefault(self.find(x), []).append(x)
        return [sorted(c) for c in out.values() if len(c) > 1]
