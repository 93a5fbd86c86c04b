"""All reads and writes of the library database. One writer; one transaction per batch."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mediabrowser.core.filenames import display, from_db, to_db
from mediabrowser.core.store.db import connect
from mediabrowser.core.types import MediaItem, MediaKind

FILE_COLUMNS = ("id, path, kind, size, mtime, hash, full_hash, width, height, duration, "
                "sample_rate, status, error, updated_at")


@dataclass
class FileRow:
    id: int
    path: str
    kind: str
    size: int
    mtime: float
    hash: str | None
    full_hash: str | None
    width: int | None
    height: int | None
    duration: float | None
    sample_rate: int | None
    status: str
    error: str | None
    seen_at: float = 0.0  # when the library last wrote this row (a scan that saw the file)

    def item(self) -> MediaItem:
        return MediaItem(self.id, self.path, MediaKind(self.kind), self.size, self.mtime,
                         self.width, self.height, self.duration, self.status, self.error)


def _row(r: Sequence[Any]) -> FileRow:
    return FileRow(r[0], from_db(r[1]), *r[2:])


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = connect(path)
        self.conn: sqlite3.Connection = self.db.conn

    def close(self) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    # ---- files -------------------------------------------------------------------------------
    def file_by_path(self, path: str) -> FileRow | None:
        sql = f"SELECT {FILE_COLUMNS} FROM files WHERE path = ?"
        r = self.conn.execute(sql, (to_db(path),)).fetchone()
        return _row(r) if r else None

    def file_by_id(self, file_id: int) -> FileRow | None:
        sql = f"SELECT {FILE_COLUMNS} FROM files WHERE id = ?"
        r = self.conn.execute(sql, (file_id,)).fetchone()
        return _row(r) if r else None

    def files_by_ids(self, ids: Iterable[int]) -> dict[int, FileRow]:
        ids = list(ids)
        out: dict[int, FileRow] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(
                f"SELECT {FILE_COLUMNS} FROM files WHERE id IN ({marks})", chunk
            ):
                out[r[0]] = _row(r)
        return out

    def files_by_hash(self, fast_hash: str) -> list[FileRow]:
        rows = self.conn.execute(
            f"SELECT {FILE_COLUMNS} FROM files WHERE hash = ?", (fast_hash,)
        ).fetchall()
        return [_row(r) for r in rows]

    def files(self, status: str | None = None, kind: str | None = None) -> list[FileRow]:
        sql = f"SELECT {FILE_COLUMNS} FROM files WHERE 1=1"
        args: list[Any] = []
        if status:
            sql += " AND status = ?"
            args.append(status)
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        return [_row(r) for r in self.conn.execute(sql + " ORDER BY path", args)]

    def problem_files(self, limit: int = 5000) -> list[FileRow]:
        """Files of the library that could not be used (status error), by path, at most `limit`."""
        rows = self.conn.execute(
            f"SELECT {FILE_COLUMNS} FROM files WHERE status = 'error' ORDER BY path LIMIT ?",
            (limit,)).fetchall()
        return [_row(r) for r in rows]

    def listing(self, kind: str | None = None, sort: str = "name", name_filter: str = ""
                ) -> list[int]:
        """Ids of the items a person browses (present, unreadable, or offline with their drive),
        sorted by
        "name" (file name), "date" (newest first) or "folder" (full path)."""
        sql = "SELECT id, path, mtime FROM files WHERE status IN ('ok', 'error', 'offline')"
        args: list[Any] = []
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        rows = self.conn.execute(sql, args).fetchall()
        needle = name_filter.strip().lower()
        rows = [(r[0], from_db(r[1]), r[2]) for r in rows]
        if needle:
            rows = [r for r in rows if needle in display(os.path.basename(r[1])).lower()]
        if sort == "date":
            rows.sort(key=lambda r: (-r[2], r[1]))
        elif sort == "folder":
            rows.sort(key=lambda r: r[1])
        else:
            rows.sort(key=lambda r: (os.path.basename(r[1]).lower(), r[1]))
        return [r[0] for r in rows]

    def listing_count(self, kind: str | None = None) -> int:
        sql = "SELECT COUNT(*) FROM files WHERE status IN ('ok', 'error', 'offline')"
        args: list[Any] = []
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        return int(self.conn.execute(sql, args).fetchone()[0])

    def files_under(self, root: str) -> list[FileRow]:
        # Compared as bytes: names that are not UTF-8 are stored as BLOBs, the rest as TEXT.
        prefix = os.fsencode(root.rstrip(os.sep) + os.sep)
        rows = self.conn.execute(
            f"SELECT {FILE_COLUMNS} FROM files WHERE substr(CAST(path AS BLOB), 1, ?) = ? "
            "OR CAST(path AS BLOB) = ?",
            (len(prefix), prefix, os.fsencode(root)),
        ).fetchall()
        return [_row(r) for r in rows]

    def insert_file(self, conn: sqlite3.Connection, **fields: Any) -> int:
        now = time.time()
        fields.setdefault("added_at", now)
        if "path" in fields:
            fields["path"] = to_db(fields["path"])
        fields.setdefault("updated_at", now)
        cols = ", ".join(fields)
        marks = ", ".join("?" * len(fields))
        cur = conn.execute(f"INSERT INTO files ({cols}) VALUES ({marks})", list(fields.values()))
        assert cur.lastrowid is not None
        return cur.lastrowid

    def update_file(self, conn: sqlite3.Connection, file_id: int, **fields: Any) -> None:
        fields["updated_at"] = time.time()
        if "path" in fields:
            fields["path"] = to_db(fields["path"])
        sets = ", ".join(f"{k} = ?" for k in fields)
        conn.execute(f"UPDATE files SET {sets} WHERE id = ?", [*fields.values(), file_id])

    def set_error(self, conn: sqlite3.Connection, file_id: int, reason: str) -> None:
        self.update_file(conn, file_id, status="error", error=reason)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for kind, status, n in self.conn.execute(
            "SELECT kind, status, COUNT(*) FROM files GROUP BY kind, status"
        ):
            out.setdefault(kind, {})[status] = n
        return out

    # ---- vectors -----------------------------------------------------------------------------
    def has_vector(self, file_id: int, model: str) -> bool:
        return self.conn.execute(
            "SELECT 1 FROM vectors WHERE file_id = ? AND model = ?", (file_id, model)
        ).fetchone() is not None

    def models_with_vectors(self, file_id: int) -> set[str]:
        return {r[0] for r in self.conn.execute(
            "SELECT model FROM vectors WHERE file_id = ?", (file_id,))}

    def put_vector(self, conn: sqlite3.Connection, file_id: int, model: str, space: str,
                   vec: np.ndarray) -> None:
        v = np.ascontiguousarray(vec, dtype=np.float32)
        conn.execute(
            "INSERT OR REPLACE INTO vectors (file_id, model, space, dim, vector, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (file_id, model, space, int(v.shape[0]), v.tobytes(), time.time()),
        )

    def copy_vectors(self, conn: sqlite3.Connection, src_id: int, dst_id: int) -> None:
        conn.execute(
            "INSERT OR REPLACE INTO vectors (file_id, model, space, dim, vector, created_at) "
            "SELECT ?, model, space, dim, vector, created_at FROM vectors WHERE file_id = ?",
            (dst_id, src_id),
        )

    def delete_vectors(self, conn: sqlite3.Connection, file_id: int) -> None:
        conn.execute("DELETE FROM vectors WHERE file_id = ?", (file_id,))

    def vector(self, file_id: int, space: str) -> np.ndarray | None:
        r = self.conn.execute(
            "SELECT vector FROM vectors WHERE file_id = ? AND space = ?", (file_id, space)
        ).fetchone()
        return np.frombuffer(r[0], dtype=np.float32).copy() if r else None

    def space_ids(self, space: str) -> set[int]:
        """Ids of the present (status ok) files that have a vector in `space`."""
        return {r[0] for r in self.conn.execute(
            "SELECT v.file_id FROM vectors v JOIN files f ON f.id = v.file_id "
            "WHERE v.space = ? AND f.status = 'ok'", (space,))}

    def space_ids_since(self, space: str, since: float) -> set[int]:
        """Present files whose vector in `space` was stored at or after `since`."""
        return {r[0] for r in self.conn.execute(
            "SELECT v.file_id FROM vectors v JOIN files f ON f.id = v.file_id "
            "WHERE v.space = ? AND f.status = 'ok' AND v.created_at >= ?", (space, since))}

    def space_vectors(self, space: str, ids: Iterable[int] | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
        """(ids, matrix) of present files' vectors in `space` (all of them, or just `ids`)."""
        sql = ("SELECT v.file_id, v.vector FROM vectors v JOIN files f ON f.id = v.file_id "
               "WHERE v.space = ? AND f.status = 'ok'")
        rows: list[tuple[int, bytes]] = []
        if ids is None:
            rows = self.conn.execute(sql + " ORDER BY v.file_id", (space,)).fetchall()
        else:
            id_list = sorted(ids)
            for start in range(0, len(id_list), 500):
                chunk = id_list[start:start + 500]
                marks = ",".join("?" * len(chunk))
                rows += self.conn.execute(
                    sql + f" AND v.file_id IN ({marks})", (space, *chunk)).fetchall()
        if not rows:
            return np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
        id_arr = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        mat = np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
        return id_arr, mat

    def model_coverage(self, model: str, kind: str) -> int:
        """How many present files of `kind` have a vector from `model`."""
        r = self.conn.execute(
            "SELECT COUNT(*) FROM vectors v JOIN files f ON f.id = v.file_id "
            "WHERE v.model = ? AND f.kind = ? AND f.status = 'ok'", (model, kind)).fetchone()
        return int(r[0])

    def spaces(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT space FROM vectors ORDER BY 1")]

    def vector_counts(self) -> dict[str, int]:
        return dict(self.conn.execute(
            "SELECT v.model, COUNT(*) FROM vectors v JOIN files f ON f.id = v.file_id "
            "WHERE f.status = 'ok' GROUP BY v.model").fetchall())

    # ---- roots, jobs, problems ---------------------------------------------------------------
    def add_roots(self, roots: Iterable[str]) -> None:
        with self.transaction() as c:
            for r in roots:
                c.execute("INSERT OR IGNORE INTO roots (path, added_at) VALUES (?, ?)",
                          (to_db(r), time.time()))

    def remove_root(self, conn: sqlite3.Connection, root: str) -> None:
        conn.execute("DELETE FROM roots WHERE path = ?", (to_db(root),))

    def roots(self) -> list[str]:
        return [from_db(r[0]) for r in self.conn.execute("SELECT path FROM roots ORDER BY path")]

    def start_job(self, kind: str) -> int:
        with self.transaction() as c:
            cur = c.execute("INSERT INTO jobs (kind, started_at, state) VALUES (?, ?, 'running')",
                            (kind, time.time()))
            assert cur.lastrowid is not None
            return cur.lastrowid

    def close_interrupted_jobs(self) -> None:
        """Runs still marked running were cut short (killed): say so."""
        with self.transaction() as c:
            c.execute("UPDATE jobs SET state = 'interrupted' WHERE state = 'running' AND id < "
                      "(SELECT MAX(id) FROM jobs)")

    def finish_job(self, job_id: int, state: str, done: int, total: int, errors: int,
                   device: str | None = None, rate: float | None = None) -> None:
        with self.transaction() as c:
            c.execute("UPDATE jobs SET finished_at = ?, state = ?, done = ?, total = ?, "
                      "errors = ?, device = ?, items_per_second = ? WHERE id = ?",
                      (time.time(), state, done, total, errors, device, rate, job_id))

    def add_problem(self, conn: sqlite3.Connection, job_id: int, path: str, stage: str,
                    reason: str) -> None:
        conn.execute(
            "INSERT INTO problems (job_id, path, stage, reason, at) VALUES (?, ?, ?, ?, ?)",
            (job_id, to_db(path), stage, reason, time.time()))

    def last_job(self) -> dict[str, Any] | None:
        r = self.conn.execute(
            "SELECT id, kind, started_at, finished_at, state, done, total, errors, device, "
            "items_per_second FROM jobs ORDER BY id DESC LIMIT 1").fetchone()
        if not r:
            return None
        keys = ("id", "kind", "started_at", "finished_at", "state", "done", "total", "errors",
                "device", "items_per_second")
        return dict(zip(keys, r, strict=True))
