"""One hnswlib index per vector space, saved atomically and checked against the store at open.

Files in the index folder, per space:
  <space>.json            {"generation": g, "dim": d, "count": n} — written last, atomically
  <space>.<g>.hnsw        the hnswlib graph
  <space>.<g>.labels.npy  the labels that are live (not deleted) in that graph
A kill at any moment leaves the previous generation intact; the store is the source of truth.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

# Chosen with tests/core/test_index.py: recall@10 >= 0.95 against exact search on clustered data.
M = 16
EF_CONSTRUCTION = 200
EF_SEARCH = 128


def _safe(space: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", space)


class HnswIndex:
    def __init__(self, dim: int, capacity: int = 1024) -> None:
        import hnswlib

        self.dim = dim
        self.index = hnswlib.Index(space="ip", dim=dim)  # vectors are L2-normalised
        self.index.init_index(max_elements=max(capacity, 16), ef_construction=EF_CONSTRUCTION,
                              M=M)
        self.index.set_ef(EF_SEARCH)
        self.live: set[int] = set()
        self._lock = threading.RLock()
        self.saved_at = 0.0  # when the loaded generation was written (0: never saved)

    # ---- mutation ---------------------------------------------------------------------------
    def add(self, ids: np.ndarray | list[int], vectors: np.ndarray) -> None:
        ids_arr = np.asarray(ids, dtype=np.int64)
        if len(ids_arr) == 0:
            return
        vecs = np.ascontiguousarray(vectors, dtype=np.float32)
        if vecs.shape[1] != self.dim:
            raise ValueError(f"vector dimension {vecs.shape[1]} != index dimension {self.dim}")
        with self._lock:
            # hnswlib updates a label that exists, and undeletes one that was marked deleted.
            needed = self.index.get_current_count() + len(ids_arr)
            if needed > self.index.get_max_elements():
                self.index.resize_index(max(needed, int(self.index.get_max_elements() * 1.5)))
            self.index.add_items(vecs, ids_arr, num_threads=1)
            self.live.update(ids_arr.tolist())

    def remove(self, ids: list[int] | set[int]) -> None:
        with self._lock:
            for label in ids:
                if label in self.live:
                    self.index.mark_deleted(label)
                    self.live.discard(label)

    # ---- query ------------------------------------------------------------------------------
    def query(self, vector: np.ndarray, k: int,
              allow: Callable[[int], bool] | None = None) -> list[tuple[int, float]]:
        """The k nearest live labels as (label, cosine similarity), best first."""
        with self._lock:
            n = len(self.live)
            if n == 0 or k <= 0:
                return []
            k = min(k, n)
            self.index.set_ef(max(EF_SEARCH, k * 2))
            q = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
            try:
                labels, dists = self.index.knn_query(q, k=k, filter=allow, num_threads=1)
            except RuntimeError:
                # hnswlib raises when fewer than k items pass the filter; ask for what exists.
                labels, dists = self._query_fewer(q, k, allow)
        return [(int(lbl), float(1.0 - d)) for lbl, d in zip(labels[0], dists[0], strict=True)]

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """Up to n stored vectors drawn at random (the same ones for the same seed)."""
        with self._lock:
            labels = np.fromiter(self.live, np.int64, len(self.live))
            if len(labels) > n:
                labels = np.random.default_rng(seed).choice(labels, n, replace=False)
            if len(labels) == 0:
                return np.zeros((0, self.dim), np.float32)
            return np.asarray(self.index.get_items(labels.tolist()), np.float32)

    def _query_fewer(self, q: np.ndarray, k: int, allow: Callable[[int], bool] | None
                     ) -> tuple[np.ndarray, np.ndarray]:
        allowed = [lbl for lbl in self.live if allow is None or allow(lbl)]
        k = min(k, len(allowed))
        if k == 0:
            return np.zeros((1, 0), np.int64), np.zeros((1, 0), np.float32)
        while True:
            try:
                return self.index.knn_query(q, k=k, filter=allow, num_threads=1)
            except RuntimeError:
                k -= 1
                if k == 0:
                    return np.zeros((1, 0), np.int64), np.zeros((1, 0), np.float32)

    def __len__(self) -> int:
        return len(self.live)

    # ---- persistence ------------------------------------------------------------------------
    def save(self, folder: Path, space: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        name = _safe(space)
        meta_path = folder / f"{name}.json"
        old_gen = _read_meta(meta_path).get("generation", 0)
        gen = int(old_gen) + 1
        graph = folder / f"{name}.{gen}.hnsw"
        labels = folder / f"{name}.{gen}.labels.npy"
        # Vectors stored after this moment may be missing from (or stale in) this generation;
        # the manager re-adds them when it opens the index.
        saved_at = time.time()
        with self._lock:
            self.index.save_index(str(graph))
            live = np.fromiter(self.live, dtype=np.int64, count=len(self.live))
        with open(labels, "wb") as f:
            np.save(f, live)
            f.flush()
            os.fsync(f.fileno())
        _fsync_path(graph)
        tmp = meta_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps({"generation": gen, "dim": self.dim, "count": len(live),
                                   "saved_at": saved_at}))
        _fsync_path(tmp)
        os.replace(tmp, meta_path)
        # Keep the previous generation for a reader that opened it a moment ago.
        for old in folder.glob(f"{name}.*"):
            m = re.fullmatch(re.escape(name) + r"\.(\d+)\.(hnsw|labels\.npy)", old.name)
            if m and int(m.group(1)) < gen - 1:
                old.unlink(missing_ok=True)

    @classmethod
    def load(cls, folder: Path, space: str) -> HnswIndex | None:
        """The saved index, or None when it is missing or unreadable (the caller rebuilds)."""
        import hnswlib

        name = _safe(space)
        meta = _read_meta(folder / f"{name}.json")
        if not meta:
            return None
        gen, dim = int(meta["generation"]), int(meta["dim"])
        graph = folder / f"{name}.{gen}.hnsw"
        labels = folder / f"{name}.{gen}.labels.npy"
        try:
            live = np.load(labels)
            self = cls.__new__(cls)
            self.dim = dim
            self.index = hnswlib.Index(space="ip", dim=dim)
            self.index.load_index(str(graph))
            self.index.set_ef(EF_SEARCH)
            self.live = {int(x) for x in live.tolist()}
            self._lock = threading.RLock()
            self.saved_at = float(meta.get("saved_at", 0.0))
        except Exception:  # noqa: BLE001 - any damage means "rebuild from the store"
            return None
        if len(self.live) != int(meta.get("count", -1)):
            return None
        return self


def _read_meta(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
