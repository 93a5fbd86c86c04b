"""A space's saved index opened for one query: the graphs' vectors memory-mapped and scanned,
instead of the graphs loaded. Loading a million-item graph takes hnswlib about 2 s; mapping its
vectors takes milliseconds and a scan of the reduced (192-d) vectors about 0.1 s, so a CLI
`similar` on a 1M library answers in well under 2 s including start-up (BENCHMARKS.md).

It answers like a SpaceIndex (exact over the reduced vectors, then re-ranked by the caller) and
takes the store's later changes in memory; it is never saved.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from mediabrowser.core.index.space import (
    FORMAT,
    RERANK,
    RERANK_MIN,
    Projection,
    read_meta,
    safe_name,
)

CHUNK = 131_072


class _Part:
    def __init__(self, labels: np.ndarray, vecs: np.ndarray) -> None:
        self.labels = labels  # ascending
        self.vecs = vecs  # memory-mapped, one row per label
        self.alive = np.ones(len(labels), dtype=bool)
        self.extra: dict[int, np.ndarray] = {}  # labels added since the save

    def __len__(self) -> int:
        return int(self.alive.sum()) + len(self.extra)

    def drop(self, labels: np.ndarray) -> int:
        gone = 0
        at = np.searchsorted(self.labels, labels)
        ok = at < len(self.labels)
        hit = at[ok][self.labels[at[ok]] == labels[ok]]
        gone += int(self.alive[hit].sum())
        self.alive[hit] = False
        for label in labels.tolist():
            gone += self.extra.pop(label, None) is not None
        return gone

    def nearest(self, q: np.ndarray, want: int) -> list[tuple[int, float]]:
        best_l: list[np.ndarray] = []
        best_d: list[np.ndarray] = []
        for start in range(0, len(self.labels), CHUNK):
            block = np.asarray(self.vecs[start:start + CHUNK], dtype=np.float32)
            d = np.einsum("ij,ij->i", block, block) - 2.0 * (block @ q)
            d[~self.alive[start:start + CHUNK]] = np.inf
            top = np.argpartition(d, want)[:want] if len(d) > want else np.arange(len(d))
            best_l.append(self.labels[start:start + CHUNK][top])
            best_d.append(d[top])
        if self.extra:
            ex = np.stack(list(self.extra.values()))
            best_l.append(np.fromiter(self.extra, np.int64, len(self.extra)))
            best_d.append(np.einsum("ij,ij->i", ex, ex) - 2.0 * (ex @ q))
        if not best_l:
            return []
        labels, dists = np.concatenate(best_l), np.concatenate(best_d)
        order = np.argsort(dists)[:want]
        return [(int(labels[i]), float(dists[i])) for i in order if np.isfinite(dists[i])]


class ScanIndex:
    """The SpaceIndex interface over memory-mapped saved vectors (see module docstring)."""

    def __init__(self, dim: int, projection: Projection | None, seq: int) -> None:
        self.dim = dim
        self.projection = projection
        self.seq = seq
        self.library_id = ""
        self.calibration: dict[str, Any] | None = None
        self.parts: dict[str, _Part] = {}
        self.lock = threading.RLock()

    def __len__(self) -> int:
        with self.lock:
            return sum(len(p) for p in self.parts.values())

    def count(self, kind: str) -> int:
        part = self.parts.get(kind)
        return len(part) if part is not None else 0

    def labels(self) -> np.ndarray:
        with self.lock:
            got = [np.concatenate([p.labels[p.alive], np.fromiter(p.extra, np.int64)])
                   for p in self.parts.values()]
        return np.sort(np.concatenate(got)) if got else np.zeros(0, np.int64)

    def sample_labels(self, n: int, seed: int = 0) -> np.ndarray:
        labels = self.labels()
        if len(labels) > n:
            labels = np.sort(np.random.default_rng(seed).choice(labels, n, replace=False))
        return labels

    def _reduce(self, mat: np.ndarray) -> np.ndarray:
        return self.projection.apply(mat) if self.projection is not None else \
            np.ascontiguousarray(mat, dtype=np.float32)

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
                                             np.zeros((0, reduced.shape[1]), np.float32))
                self.parts[kind].extra[label] = vec

    def remove(self, labels: np.ndarray | list[int]) -> int:
        arr = np.asarray(labels, dtype=np.int64)
        with self.lock:
            return sum(p.drop(arr) for p in self.parts.values())

    def candidates(self, vector: np.ndarray, k: int, kinds: list[str] | None = None
                   ) -> list[int]:
        want = max(RERANK * k, RERANK_MIN) if self.projection is not None else k
        q = self._reduce(np.asarray(vector, np.float32).reshape(1, -1))[0]
        with self.lock:
            parts = [p for kind, p in self.parts.items() if kinds is None or kind in kinds]
            found: list[tuple[int, float]] = []
            for part in parts:
                found += part.nearest(q, want)
        found.sort(key=lambda hit: hit[1])
        return [label for label, _ in found[:want]]

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
            for kind, count in dict(meta["parts"]).items():
                labels = np.load(folder / f"{name}.{gen}.{kind}.live.npy")
                vecs = np.load(folder / f"{name}.{gen}.{kind}.vecs.npy", mmap_mode="r")
                if len(labels) != int(count) or vecs.shape[0] != len(labels):
                    return None
                self.parts[str(kind)] = _Part(labels, vecs)
            self.library_id = str(meta.get("library_id", ""))
            cal = meta.get("calibration")
            self.calibration = cal if isinstance(cal, dict) else None
        except Exception:  # noqa: BLE001 - the graphs (or a rebuild) answer instead
            return None
        return self
