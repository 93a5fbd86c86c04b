"""All the vectors of one vector space in memory: one graph per kind of file (so "videos like
this photo" walks only the videos' graph, with no filter over a million labels), and for a
large space a PCA projection that shrinks what the graphs hold.

A reduced graph only proposes candidates; `candidates()` asks it for several times k and the
caller re-ranks them exactly with the stored full vectors (core/search.py). At 1M items of
1280-d this keeps resident memory to about 1.2 GB instead of 5.3 GB (BENCHMARKS.md).

Files in the index folder, per space (one generation written at a time, the json last):
  <space>.json                 {"generation", "dim", "seq", "parts": {kind: count}, ...}
  <space>.<g>.<kind>.hnsw      the graph of one kind
  <space>.<g>.<kind>.live.npy  its live labels
  <space>.<g>.proj.npy         the projection (mean and components), when there is one
A kill at any moment leaves the previous generation whole; the store stays the truth, and
`seq` says which changes of the store's log the generation holds.
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import numpy as np

from mediabrowser.core.index.hnsw import HnswIndex

ANN_DIM = 192  # dimensions a large space's graphs hold
PROJECT_FROM = 50_000  # a space this large gets reduced graphs (smaller ones stay exact)
RERANK = 4  # a reduced graph proposes RERANK × k candidates (at least RERANK_MIN)
RERANK_MIN = 48
# Filtered: the kept items are farther from the query, where reduced distances rank less
# truly, so more candidates are re-ranked (bench_scale's filtered recall@10).
RERANK_FILTERED = 8
FORMAT = 3  # labels are vector labels (schema 3), not file ids


def safe_name(space: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", space)


@dataclass
class Projection:
    mean: np.ndarray  # (dim,)
    components: np.ndarray  # (dim, ANN_DIM), orthonormal columns

    @classmethod
    def fit(cls, sample: np.ndarray, dim: int = ANN_DIM) -> Projection:
        mean = sample.mean(axis=0)
        centred = (sample - mean).astype(np.float64)
        # the scatter matrix: the covariance's directions, and defined for a single row too
        _vals, vecs = np.linalg.eigh(centred.T @ centred)  # ascending
        comps = vecs[:, ::-1][:, :dim]
        return cls(mean.astype(np.float32), np.ascontiguousarray(comps, dtype=np.float32))

    def apply(self, mat: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray((mat - self.mean) @ self.components, dtype=np.float32)


class Graph(Protocol):
    """One kind's part of a space index: a graph (hnsw.py) or mapped vectors (scan.py)."""

    def __len__(self) -> int: ...

    def query(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]: ...

    def query_among(self, vector: np.ndarray, k: int, allowed: np.ndarray
                    ) -> list[tuple[int, float]]: ...


P = TypeVar("P", bound=Graph)


class IndexBase(Generic[P]):
    """What a space's index is, however its parts are held: one part per kind of file, the
    projection that reduces vectors for them, and where it stands in the store's change log."""

    def __init__(self, dim: int, projection: Projection | None = None, seq: int = 0) -> None:
        self.dim = dim
        self.projection = projection
        self.parts: dict[str, P] = {}
        self.seq = seq  # the last change of the store's log applied
        self.library_id = ""  # the database it was built from (Store.library_id)
        self.calibration: dict[str, Any] | None = None  # {"n": items, "anchors": {...}}
        self.lock = threading.RLock()

    @property
    def graph_dim(self) -> int:
        return self.projection.components.shape[1] if self.projection is not None else self.dim

    def __len__(self) -> int:
        with self.lock:
            return sum(len(p) for p in self.parts.values())

    def count(self, kind: str) -> int:
        part = self.parts.get(kind)
        return len(part) if part is not None else 0

    def labels(self) -> np.ndarray:
        raise NotImplementedError

    def sample_labels(self, n: int, seed: int = 0) -> np.ndarray:
        labels = self.labels()
        if len(labels) > n:
            labels = np.sort(np.random.default_rng(seed).choice(labels, n, replace=False))
        return labels

    def _reduce(self, mat: np.ndarray) -> np.ndarray:
        return self.projection.apply(mat) if self.projection is not None else \
            np.ascontiguousarray(mat, dtype=np.float32)

    def candidates(self, vector: np.ndarray, k: int, kinds: list[str] | None = None,
                   allowed: np.ndarray | None = None) -> list[int]:
        """Labels that hold the k nearest items of these kinds (all kinds: None), nearest
        first; only labels that `allowed` marks when given (a filter's mask, by label). From
        reduced vectors, several times k of them: re-rank them with the stored vectors.
        Several kinds' parts are merged by distance before that cut."""
        rerank = RERANK if allowed is None else RERANK_FILTERED
        want = max(rerank * k, RERANK_MIN) if self.projection is not None else k
        q = self._reduce(np.asarray(vector, np.float32).reshape(1, -1))[0]
        with self.lock:
            parts = [p for kind, p in self.parts.items() if kinds is None or kind in kinds]
        found: list[tuple[int, float]] = []
        for part in parts:
            found += part.query(q, want) if allowed is None else \
                part.query_among(q, want, allowed)
        if len(parts) > 1:
            found.sort(key=lambda hit: hit[1])
        return [label for label, _ in found[:want]]


class SpaceIndex(IndexBase[HnswIndex]):
    """A space's index held as hnswlib graphs (the one searches and indexing use)."""

    def labels(self) -> np.ndarray:
        with self.lock:
            got = [p.labels() for p in self.parts.values()]
        return np.concatenate(got) if got else np.zeros(0, np.int64)

    # ---- mutation ---------------------------------------------------------------------------
    def add(self, labels: np.ndarray, kinds: list[str], matrix: np.ndarray,
            threads: int = 1) -> None:
        """Put these vectors (unit length, full dimension) in the graph of their file's kind,
        taking them out of any other kind's graph first (a file whose kind changed)."""
        if len(labels) == 0:
            return
        reduced = self._reduce(matrix)
        kind_arr = np.asarray(kinds)
        with self.lock:
            for kind in np.unique(kind_arr).tolist():
                sel = kind_arr == kind
                for other, part in self.parts.items():
                    if other != kind:
                        part.remove(labels[sel])
                if kind not in self.parts:
                    self.parts[kind] = HnswIndex(self.graph_dim, max(1024, int(sel.sum())))
                part = self.parts[kind]
                part.add(labels[sel], reduced[sel], threads=threads)

    def remove(self, labels: np.ndarray | list[int]) -> int:
        with self.lock:
            return sum(part.remove(labels) for part in self.parts.values())

    # ---- persistence ------------------------------------------------------------------------
    def save(self, folder: Path, space: str) -> None:
        """Write a new generation, then its json; keep the previous one for readers."""
        folder.mkdir(parents=True, exist_ok=True)
        name = safe_name(space)
        meta_path = folder / f"{name}.json"
        gen = int(read_meta(meta_path).get("generation", 0)) + 1
        written: list[Path] = []
        with self.lock:
            parts = {}
            for kind, part in self.parts.items():
                graph = folder / f"{name}.{gen}.{kind}.hnsw"
                live = folder / f"{name}.{gen}.{kind}.live.npy"
                part.save(graph, live)
                written += [graph, live]
                parts[kind] = len(part)
            if self.projection is not None:
                proj = folder / f"{name}.{gen}.proj.npy"
                with open(proj, "wb") as f:
                    np.save(f, np.vstack([self.projection.mean[None, :],
                                          self.projection.components.T]))
                written.append(proj)
            meta = {"format": FORMAT, "generation": gen, "dim": self.dim, "seq": self.seq,
                    "parts": parts, "projected": self.projection is not None,
                    "library_id": self.library_id, "scannable": True,
                    "calibration": self.calibration}
        for path in written:
            _fsync(path)
        tmp = meta_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(meta))
        _fsync(tmp)
        os.replace(tmp, meta_path)
        pattern = re.compile(re.escape(name) + r"\.(\d+)\..+")
        for old in folder.glob(f"{name}.*"):
            m = pattern.fullmatch(old.name)
            if m and int(m.group(1)) < gen - 1:
                old.unlink(missing_ok=True)

    @classmethod
    def load(cls, folder: Path, space: str) -> SpaceIndex | None:
        """The saved generation, or None when it is missing, damaged or of an older format."""
        name = safe_name(space)
        meta = read_meta(folder / f"{name}.json")
        if meta.get("format") != FORMAT:
            return None
        try:
            gen, dim = int(meta["generation"]), int(meta["dim"])
            projection = None
            if meta.get("projected"):
                arr = np.load(folder / f"{name}.{gen}.proj.npy")
                projection = Projection(arr[0].astype(np.float32),
                                        np.ascontiguousarray(arr[1:].T, dtype=np.float32))
            self = cls(dim, projection, int(meta["seq"]))
            for kind, count in dict(meta["parts"]).items():
                part = HnswIndex.load(folder / f"{name}.{gen}.{kind}.hnsw",
                                      folder / f"{name}.{gen}.{kind}.live.npy", self.graph_dim)
                if len(part) != int(count):
                    return None
                self.parts[str(kind)] = part
            self.library_id = str(meta.get("library_id", ""))
            cal = meta.get("calibration")
            self.calibration = cal if isinstance(cal, dict) else None
        except Exception:  # noqa: BLE001 - any damage means "rebuild from the store"
            return None
        return self


def read_meta(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
