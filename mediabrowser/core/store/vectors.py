"""Vectors in the library database: one row per (file, model, segment), keyed by its index
label. Every change to a vector, or to the presence of its file, lands in the `changes` log
(SQLite triggers, schema 3), which the indexes follow by sequence number."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from mediabrowser.core.store.db import rows_in
from mediabrowser.core.store.tx import Tx, conn_of

# Lookups by label use the primary key; a `+` before a column keeps the planner off that
# column's index (files by status, vectors by space), which would scan a million rows for one.
_PRESENT = ("SELECT v.label, v.file_id, f.kind, v.vector, v.dim FROM vectors v "
            "JOIN files f ON f.id = v.file_id WHERE +f.status = 'ok'")


@dataclass
class Vectors:
    """Some stored vectors: their labels, files, the files' kinds and the unit-length matrix."""

    labels: np.ndarray
    file_ids: np.ndarray
    kinds: list[str]
    matrix: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def where(self, keep: np.ndarray) -> Vectors:
        """Only the rows `keep` marks."""
        rows = np.flatnonzero(keep)
        return Vectors(self.labels[rows], self.file_ids[rows], [self.kinds[i] for i in rows],
                       self.matrix[rows])


def encode(vec: np.ndarray) -> bytes:
    """A vector as stored: unit length in float16 (half the bytes of float32, and small
    enough to sit in its database page, so a search reads k of them by label in a blink;
    cosines move by < 1e-3). A vector that cannot be normalised is kept in float32."""
    v = np.asarray(vec, dtype=np.float32).ravel()
    norm = float(np.linalg.norm(v))
    if not np.isfinite(norm) or norm == 0.0:
        return np.ascontiguousarray(v).tobytes()
    return (v / norm).astype(np.float16).tobytes()


def decode(blob: bytes, dim: int) -> np.ndarray:
    """A stored vector as float32 (float16 rows are half the size of float32 ones, which
    schema 2 libraries still hold)."""
    half = len(blob) == 2 * dim
    return np.frombuffer(blob, dtype=np.float16 if half else np.float32).astype(np.float32)


def _vectors(rows: list[tuple[int, int, str, bytes, int]], dim: int = 0) -> Vectors:
    if not rows:
        return Vectors(np.zeros(0, np.int64), np.zeros(0, np.int64), [],
                       np.zeros((0, dim), np.float32))
    labels = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    files = np.fromiter((r[1] for r in rows), np.int64, len(rows))
    dim = rows[0][4]
    if all(r[4] == dim and len(r[3]) == 2 * dim for r in rows):  # one conversion for all
        mat = np.frombuffer(b"".join(r[3] for r in rows), np.float16).reshape(-1, dim)
        mat = mat.astype(np.float32)
    else:
        mat = np.stack([decode(r[3], r[4]) for r in rows])
    norms = np.linalg.norm(mat, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    mat /= norms  # float32 already: in place
    return Vectors(labels, files, [r[2] for r in rows], mat)


class VectorRepo:
    _conn: sqlite3.Connection

    def put_vector(self, tx: Tx, file_id: int, model: str, space: str,
                   vec: np.ndarray, segment: int = 0, start_s: float | None = None,
                   end_s: float | None = None) -> None:
        """Store (or replace in place, keeping its label) the vector of a file's segment."""
        v = np.asarray(vec, dtype=np.float32).ravel()
        conn_of(tx).execute(
            "INSERT INTO vectors (file_id, segment, start_s, end_s, model, space, dim, vector, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (file_id, model, segment) DO UPDATE SET space = excluded.space, "
            "dim = excluded.dim, vector = excluded.vector, created_at = excluded.created_at, "
            "start_s = excluded.start_s, end_s = excluded.end_s",
            (file_id, segment, start_s, end_s, model, space, int(v.shape[0]), encode(v),
             time.time()))

    def copy_vectors(self, tx: Tx, src_id: int, dst_id: int) -> None:
        conn_of(tx).execute(
            "INSERT INTO vectors (file_id, segment, start_s, end_s, model, space, dim, vector, "
            "created_at) SELECT ?, segment, start_s, end_s, model, space, dim, vector, "
            "created_at FROM vectors WHERE file_id = ? AND true "
            "ON CONFLICT (file_id, model, segment) DO UPDATE SET space = excluded.space, "
            "dim = excluded.dim, vector = excluded.vector, created_at = excluded.created_at",
            (dst_id, src_id))

    def drop_segments_from(self, tx: Tx, file_id: int, model: str, first: int) -> None:
        """Forget the file's segments numbered `first` and up (it now has fewer moments)."""
        conn_of(tx).execute("DELETE FROM vectors WHERE file_id = ? AND model = ? "
                            "AND segment >= ?", (file_id, model, first))

    def segment_times(self, labels: Iterable[int]) -> dict[int, tuple[float, float]]:
        """label → (start, end) in seconds, for the labels that are moments of their file."""
        rows = rows_in(self._conn, "SELECT label, start_s, end_s FROM vectors WHERE "
                       "start_s IS NOT NULL AND label IN", [int(x) for x in labels], [])
        return {int(r[0]): (float(r[1]), float(r[2] if r[2] is not None else r[1]))
                for r in rows}

    def moments_of(self, file_ids: Iterable[int], space: str
                   ) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """file → (starts, ends, unit vectors) of its moments in `space`, in time order."""
        rows = rows_in(self._conn, "SELECT file_id, start_s, end_s, vector, dim FROM vectors "
                       "WHERE +space = ? AND start_s IS NOT NULL AND file_id IN",
                       [int(x) for x in file_ids], [space])
        if not rows:
            return {}
        rows.sort(key=lambda r: (r[0], r[1]))
        dim = int(rows[0][4])
        if all(r[4] == dim and len(r[3]) == 2 * dim for r in rows):  # one conversion for all
            mat = np.frombuffer(b"".join(r[3] for r in rows), np.float16).reshape(-1, dim)
            mat = mat.astype(np.float32)
        else:
            mat = np.stack([decode(r[3], r[4]) for r in rows])
        mat /= np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-12)
        fids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
        starts = np.fromiter((r[1] for r in rows), np.float64, len(rows))
        ends = np.fromiter((r[2] if r[2] is not None else r[1] for r in rows), np.float64,
                           len(rows))
        cuts = np.flatnonzero(np.diff(fids)) + 1
        return {int(fids[a]): (starts[a:b], ends[a:b], mat[a:b])
                for a, b in zip([0, *cuts], [*cuts, len(rows)], strict=True)}

    def delete_vectors(self, tx: Tx, file_id: int) -> None:
        conn_of(tx).execute("DELETE FROM vectors WHERE file_id = ?", (file_id,))

    def has_vector(self, file_id: int, model: str) -> bool:
        return self._conn.execute(
            "SELECT 1 FROM vectors WHERE file_id = ? AND model = ?", (file_id, model)
        ).fetchone() is not None

    def models_with_vectors(self, file_id: int) -> set[str]:
        return {r[0] for r in self._conn.execute(
            "SELECT model FROM vectors WHERE file_id = ?", (file_id,))}

    def vector(self, file_id: int, space: str) -> np.ndarray | None:
        """The file's vector in `space` (its first segment's)."""
        r = self._conn.execute(
            "SELECT vector, dim FROM vectors WHERE file_id = ? AND +space = ? "
            "ORDER BY segment LIMIT 1", (file_id, space)).fetchone()
        return decode(r[0], r[1]) if r else None

    def vectors_by_labels(self, labels: Iterable[int], space: str,
                          present: bool = True) -> Vectors:
        """The vectors in `space` of these labels (of present files only, unless `present` is
        False: then `kinds` are left empty and the caller checks the files it keeps)."""
        sql = (f"{_PRESENT} AND +v.space = ? AND v.label IN" if present else
               "SELECT label, file_id, '', vector, dim FROM vectors WHERE +space = ? "
               "AND label IN")
        return _vectors(rows_in(self._conn, sql, [int(x) for x in labels], [space]))

    def library_id(self) -> str:
        """This database's own id (an index built from another database is not trusted)."""
        try:
            r = self._conn.execute("SELECT value FROM meta WHERE key = 'library_id'").fetchone()
        except sqlite3.OperationalError:  # no such table (only a pre-release schema 3)
            return ""
        return str(r[0]) if r else ""

    def space_chunks(self, space: str, chunk: int = 20_000, kind: str | None = None
                     ) -> Iterator[Vectors]:
        """Every present vector of `space` (of files of `kind`), in label order, in chunks."""
        after = -1
        extra = " AND +f.kind = ?" if kind else ""
        while True:
            args: tuple = (space, after, *((kind,) if kind else ()), chunk)
            rows = self._conn.execute(
                f"{_PRESENT} AND v.space = ? AND v.label > ?{extra} ORDER BY v.label LIMIT ?",
                args).fetchall()
            if not rows:
                return
            yield _vectors(rows)
            if len(rows) < chunk:
                return
            after = rows[-1][0]

    def sample_labels(self, space: str, n: int) -> list[int]:
        """Up to n labels of `space`, spread over it (its labels only: other spaces' labels
        may lie between them). The same ones every time (a hash of the label orders them, so
        a stopped map resumes on the same reduction); reads the space's index only."""
        return [r[0] for r in self._conn.execute(
            "SELECT label FROM vectors WHERE space = ? "
            "ORDER BY (label * 2654435761) % 4294967291 LIMIT ?", (space, n))]

    def label_range(self, space: str) -> tuple[int, int] | None:
        """(lowest, highest) label of `space`'s vectors; None when it holds none."""
        lo, hi = self._conn.execute(
            "SELECT MIN(label), MAX(label) FROM vectors WHERE space = ?", (space,)).fetchone()
        return None if lo is None else (int(lo), int(hi))

    def space_size(self, space: str) -> int:
        """How many vectors `space` holds (present files or not: an upper bound, fast)."""
        return int(self._conn.execute(
            "SELECT COUNT(*) FROM vectors WHERE space = ?", (space,)).fetchone()[0])

    def space_dim(self, space: str) -> int | None:
        r = self._conn.execute("SELECT dim FROM vectors WHERE space = ? LIMIT 1",
                              (space,)).fetchone()
        return int(r[0]) if r else None

    def space_file_ids(self, space: str) -> set[int]:
        """Ids of the present files that have a vector in `space` (for checks at small N)."""
        return {r[0] for r in self._conn.execute(
            "SELECT DISTINCT v.file_id FROM vectors v JOIN files f ON f.id = v.file_id "
            "WHERE v.space = ? AND f.status = 'ok'", (space,))}

    def labels_of_files(self, file_ids: Iterable[int]) -> dict[int, int]:
        """label → file id for the vectors of these files."""
        return dict(rows_in(self._conn, "SELECT label, file_id FROM vectors WHERE file_id IN",
                            file_ids))

    def labels_to_files(self, labels: Iterable[int]) -> dict[int, int]:
        """label → file id for these labels."""
        return dict(rows_in(self._conn, "SELECT label, file_id FROM vectors WHERE label IN",
                            [int(x) for x in labels]))

    # ---- the change log ---------------------------------------------------------------------
    def last_change(self) -> int:
        """The sequence number of the latest change (0: none yet)."""
        r = self._conn.execute("SELECT MAX(seq) FROM changes").fetchone()
        return int(r[0] or 0)

    def changes_since(self, seq: int, limit: int = 50_000) -> tuple[list[int], int]:
        """(labels changed after `seq`, the last sequence number read), at most `limit`."""
        rows = self._conn.execute(
            "SELECT seq, label FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
            (seq, limit)).fetchall()
        if not rows:
            return [], seq
        return list(dict.fromkeys(r[1] for r in rows)), int(rows[-1][0])

    def label_states(self, labels: Iterable[int]) -> dict[int, tuple[str, str, np.ndarray]]:
        """label → (space, kind, vector) for those whose file is present."""
        rows = rows_in(self._conn, "SELECT v.label, v.space, f.kind, v.vector, v.dim FROM "
                       "vectors v JOIN files f ON f.id = v.file_id WHERE +f.status = 'ok' "
                       "AND v.label IN", [int(x) for x in labels])
        return {label: (space, kind, decode(vec, dim)) for label, space, kind, vec, dim in rows}

    # ---- summaries --------------------------------------------------------------------------
    def model_coverage(self, model: str, kind: str) -> int:
        """How many present files of `kind` have a vector from `model`."""
        r = self._conn.execute(
            "SELECT COUNT(DISTINCT v.file_id) FROM vectors v JOIN files f ON f.id = v.file_id "
            "WHERE v.model = ? AND f.kind = ? AND f.status = 'ok'", (model, kind)).fetchone()
        return int(r[0])

    def spaces(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT DISTINCT space FROM vectors ORDER BY 1")]

    def vector_counts(self) -> dict[str, int]:
        """Files with a vector, per model."""
        return dict(self._conn.execute(
            "SELECT v.model, COUNT(DISTINCT v.file_id) FROM vectors v "
            "JOIN files f ON f.id = v.file_id WHERE f.status = 'ok' GROUP BY v.model").fetchall())
