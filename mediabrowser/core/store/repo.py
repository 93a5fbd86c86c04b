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

from mediabrowser.core.filenames import from_db, to_db
from mediabrowser.core.store.db import connect, name_key, rows_in
from mediabrowser.core.store.listing import ListingRepo
from mediabrowser.core.store.vectors import VectorRepo
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


class Store(VectorRepo, ListingRepo):
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
        return {r[0]: _row(r) for r in rows_in(
            self.conn, f"SELECT {FILE_COLUMNS} FROM files WHERE id IN", ids)}

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
            fields["name_key"] = name_key(fields["path"])
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
            fields["name_key"] = name_key(fields["path"])
            fields["path"] = to_db(fields["path"])
        sets = ", ".join(f"{k} = ?" for k in fields)
        conn.execute(f"UPDATE files SET {sets} WHERE id = ?", [*fields.values(), file_id])

    def set_error(self, conn: sqlite3.Connection, file_id: int, reason: str) -> None:
        self.update_file(conn, file_id, status="error", error=reason)

    def counts(self) -> dict[str, dict[str, int]]:
        """kind → status → number of files (kept by triggers: no table scan)."""
        out: dict[str, dict[str, int]] = {}
        for kind, status, n in self.conn.execute(
            "SELECT kind, status, n FROM file_counts WHERE n > 0"
        ):
            out.setdefault(kind, {})[status] = n
        return out

    def count(self, kind: str, status: str = "ok") -> int:
        return self.counts().get(kind, {}).get(status, 0)

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
