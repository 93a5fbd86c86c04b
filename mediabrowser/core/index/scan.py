"""A space's saved index opened for one query: the vectors inside the saved graph files are
memory-mapped and scanned, instead of the graphs loaded. Loading a million-item graph takes
hnswlib about 2 s; mapping its file takes milliseconds and a scan of the reduced (192-d)
vectors a fraction of a second, so a CLI `similar` on a 1M library answers in about a second
including start-up (BENCHMARKS.md).

The graph file is hnswlib's own format (hnswlib 0.8, `HierarchicalNSW::saveIndex`): a 96-byte
header, then one fixed-size record per element holding its level-0 links (the second byte of
their count word carries the "deleted" mark), its vector and its label. The header is checked;
anything unexpected and the graphs are loaded instead.

It answers like a SpaceIndex (exact over the reduced vectors, then re-ranked by the caller) and
takes the store's later changes in memory; it is never saved.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mediabrowser.core.index.hnsw import allowed_among, map_graph
from mediabrowser.core.index.space import FORMAT, IndexBase, Projection, read_meta, safe_name

CHUNK = 131_072


class _Part:
    def __init__(self, labels: np.ndarray, vecs: np.ndarray, alive: np.ndarray) -> None:
        self.labels = labels  # in the graph's order
        self.vecs = vecs  # memory-mapped, one row per label
        self.alive = alive
        self.extra: dict[int, np.ndarray] = {}  # labels added since the save

    def __len__(self) -> int:
        return int(self.alive.sum()) + len(self.extra)

    def drop(self, labels: np.ndarray) -> int:
        hit = np.isin(self.labels, labels) & self.alive
        gone = int(hit.sum())
        self.alive[hit] = False
        for label in labels.tolist():
            gone += self.extra.pop(label, None) is not None
        return gone

    def query(self, q: np.ndarray, want: int, allowed: np.ndarray | None = None
              ) -> list[tuple[int, float]]:
        """The `want` nearest live labels; only those `allowed` marks (by label) when given."""
        best_l: list[np.ndarray] = []
        best_d: list[np.ndarray] = []
        for start in range(0, len(self.labels), CHUNK):
            labels = self.labels[start:start + CHUNK]
            ok = self.alive[start:start + CHUNK]
            if allowed is not None:
                ok = ok & allowed_among(allowed, labels)
                rows = np.flatnonzero(ok)
                if not len(rows):
                    continue
                block = np.asarray(self.vecs[start:start + CHUNK][rows], dtype=np.float32)
                labels = labels[rows]
                d = np.einsum("ij,ij->i", block, block) - 2.0 * (block @ q)
            else:
                block = np.asarray(self.vecs[start:start + CHUNK], dtype=np.float32)
                d = np.einsum("ij,ij->i", block, block) - 2.0 * (block @ q)
                d[~ok] = np.inf
            top = np.argpartition(d, want)[:want] if len(d) > want else np.arange(len(d))
            best_l.append(labels[top])
            best_d.append(d[top])
        extra = [(label, vec) for label, vec in list(self.extra.items())  # a snapshot
                 if allowed is None or allowed_among(allowed, np.array([label]))[0]]
        if extra:
            ex = np.stack([vec for _, vec in extra])
            best_l.append(np.array([label for label, _ in extra], np.int64))
            best_d.append(np.einsum("ij,ij->i", ex, ex) - 2.0 * (ex @ q))
        if not best_l:
            return []
        labels, dists = np.concatenate(best_l), np.concatenate(best_d)
        order = np.argsort(dists)[:want]
        return [(int(labels[i]), float(dists[i])) for i in order if np.isfinite(dists[i])]


    def query_among(self, q: np.ndarray, want: int, allowed: np.ndarray
                    ) -> list[tuple[int, float]]:
        return self.query(q, want, allowed)


class ScanIndex(IndexBase[_Part]):
    """The SpaceIndex interface over memory-mapped saved vectors (see module docstring)."""

    def labels(self) -> np.ndarray:
        with self.lock:
            got = [np.concatenate([p.labels[p.alive], np.fromiter(p.extra, np.int64)])
                   for p in self.parts.values()]
        return np.sort(np.concatenate(got)) if got else np.zeros(0, np.int64)

    def add(self, labels: np.ndarray, kinds: list[str], matrix: np.ndarray,
            threads: int = 1) -> None:
        if len(labels) == 0:
            return
        reduced = self._reduce(matrix)
        with self.lock:
            self.remove(labels)
            for label, kind, vec in zip(labels.tolist(), kinds, reduced, strict=True):
                if kind not in self.parts:
                    self.parts[kind] = _Part(np.zeros(0, np.int64),
                                             np.zeros((0, reduced.shape[1]), np.float32),
                                             np.zeros(0, bool))
                self.parts[kind].extra[label] = vec

    def remove(self, labels: np.ndarray | list[int]) -> int:
        arr = np.asarray(labels, dtype=np.int64)
        with self.lock:
            return sum(p.drop(arr) for p in self.parts.values())

    @classmethod
    def load(cls, folder: Path, space: str) -> ScanIndex | None:
        """The saved generation's vectors, mapped; None when they are missing or damaged."""
        name = safe_name(space)
        meta = read_meta(folder / f"{name}.json")
        if meta.get("format") != FORMAT or not meta.get("scannable"):
            return None
        try:
            gen = int(meta["generation"])
            projection = None
            if meta.get("projected"):
                arr = np.load(folder / f"{name}.{gen}.proj.npy")
                projection = Projection(arr[0].astype(np.float32),
                                        np.ascontiguousarray(arr[1:].T, dtype=np.float32))
            self = cls(int(meta["dim"]), projection, int(meta["seq"]))
            dim = projection.components.shape[1] if projection is not None else self.dim
            for kind, count in dict(meta["parts"]).items():
                labels, vecs, alive = map_graph(folder / f"{name}.{gen}.{kind}.hnsw", dim)
                if int(alive.sum()) != int(count):
                    return None
                self.parts[str(kind)] = _Part(labels, vecs, alive)
            self.library_id = str(meta.get("library_id", ""))
            cal = meta.get("calibration")
            self.calibration = cal if isinstance(cal, dict) else None
        except Exception:  # noqa: BLE001 - the graphs (or a rebuild) answer instead
            return None
        return self
