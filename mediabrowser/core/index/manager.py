"""Keeps one HnswIndex per vector space in step with the store.

At first use the saved index is loaded and compared with the store: vectors the index lacks are
added, labels the store no longer has are deleted; a missing or damaged index is rebuilt.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np

from mediabrowser.core.index.hnsw import HnswIndex
from mediabrowser.core.store.repo import Store


class IndexManager:
    def __init__(self, folder: Path, store: Store, writable: bool = True) -> None:
        self.folder = folder
        self.store = store
        self.writable = writable
        self._indexes: dict[str, HnswIndex] = {}
        self._dirty: set[str] = set()
        self._lock = threading.Lock()
        self.last_open_action: dict[str, str] = {}  # space → "loaded" | "reconciled" | "rebuilt"
        self._synced_at: dict[str, float] = {}

    def get(self, space: str) -> HnswIndex | None:
        """The index of `space`, or None when the store has no vectors in it."""
        with self._lock:
            if space not in self._indexes:
                self._synced_at[space] = time.time()
                idx = self._open(space)
                if idx is None:
                    return None
                self._indexes[space] = idx
            return self._indexes[space]

    def _open(self, space: str) -> HnswIndex | None:
        expected = self.store.space_ids(space)
        idx = HnswIndex.load(self.folder, space)
        if idx is None:
            if not expected:
                return None
            self.last_open_action[space] = "rebuilt"
            return self._rebuild(space)
        extra = idx.live - expected
        # Labels the saved generation lacks, and vectors stored after it was written (a file
        # re-embedded just before a kill keeps its label but must get its new vector).
        missing = (expected - idx.live) | self.store.space_ids_since(space, idx.saved_at - 1.0)
        if extra or missing:
            ids, mat = self.store.space_vectors(space, missing)
            if len(ids) and mat.shape[1] != idx.dim:
                self.last_open_action[space] = "rebuilt"
                return self._rebuild(space)
            idx.remove(extra)
            idx.add(ids, mat)
            self._dirty.add(space)
            self.last_open_action[space] = "reconciled"
        else:
            self.last_open_action[space] = "loaded"
        return idx

    def sync(self) -> None:
        """Bring loaded indexes in step with the store after another process or thread wrote
        to it (new vectors added, removed files dropped); spaces not loaded yet load later."""
        with self._lock:
            spaces = list(self._indexes)
        for space in spaces:
            idx = self._indexes[space]
            now = time.time()
            expected = self.store.space_ids(space)
            changed = self.store.space_ids_since(space, self._synced_at.get(space, 0.0) - 1.0)
            self._synced_at[space] = now
            extra, missing = idx.live - expected, (expected - idx.live) | changed
            if extra:
                idx.remove(extra)
            if missing:
                ids, mat = self.store.space_vectors(space, missing)
                idx.add(ids, mat)
            if extra or missing:
                self._dirty.add(space)

    def _rebuild(self, space: str) -> HnswIndex:
        ids, mat = self.store.space_vectors(space)
        idx = HnswIndex(dim=mat.shape[1], capacity=len(ids) + 1024)
        idx.add(ids, mat)
        self._dirty.add(space)
        return idx

    def add(self, space: str, ids: list[int], vectors: np.ndarray) -> None:
        idx = self.get(space)
        if idx is None:  # first vectors of this space (get() found none in the store yet)
            with self._lock:
                idx = self._indexes.setdefault(
                    space, HnswIndex(dim=vectors.shape[1], capacity=max(1024, len(ids))))
        idx.add(ids, vectors)
        self._dirty.add(space)

    def remove(self, ids: set[int] | list[int]) -> None:
        """Delete these labels from the loaded indexes (a file went missing or was removed).
        An index not loaded yet needs nothing: it is reconciled with the store when opened."""
        with self._lock:
            loaded = list(self._indexes.items())
        for space, idx in loaded:
            before = len(idx)
            idx.remove(ids)
            if len(idx) != before:
                self._dirty.add(space)

    def save(self) -> None:
        if not self.writable:
            return
        for space in sorted(self._dirty):
            idx = self._indexes.get(space)
            if idx is not None:
                idx.save(self.folder, space)
        self._dirty.clear()
