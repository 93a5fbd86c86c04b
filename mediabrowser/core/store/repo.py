"""All reads and writes of the library database. One writer; one transaction per batch."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from mediabrowser.core.filenames import from_db, to_db
from mediabrowser.core.store.collections import CollectionRepo
from mediabrowser.core.store.db import connect, name_key, rows_in
from mediabrowser.core.store.duplicates import DuplicateRepo
from mediabrowser.core.store.facets import FacetRepo
from mediabrowser.core.store.listing import ListingRepo
from mediabrowser.core.store.pixels import PixelRepo
from mediabrowser.core.store.shared import SharedRepo
from mediabrowser.core.store.tx import Tx, conn_of
from mediabrowser.core.store.vectors import VectorRepo
from mediabrowser.core.types import MediaItem, MediaKind

T = TypeVar("T")
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


class QueryTooSlow(Exception):
    """A read given a time limit (Store.within) ran past it and was interrupted."""


class Store(VectorRepo, ListingRepo, DuplicateRepo, PixelRepo, FacetRepo, CollectionRepo,
            SharedRepo):
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = connect(path)
        self._conn: sqlite3.Connection = self._db.conn

    def close(self) -> None:
        self._conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One write transaction (a batch): committed at the end of the block, rolled back when
        it raises. Pass the handle to the methods that write."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield Tx(self._conn)
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        else:
            self._conn.execute("COMMIT")

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    def within(self, seconds: float, read: Callable[[], T]) -> T:
        """`read()` (store reads), interrupted with QueryTooSlow once it has run `seconds`."""
        deadline = time.perf_counter() + seconds
        self._conn.set_progress_handler(lambda: int(time.perf_counter() > deadline), 2000)
        try:
            return read()
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc):
                raise QueryTooSlow from None
            raise
        finally:
            self._conn.set_progress_handler(None, 0)

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the database file and empty it."""
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # ---- for tests: what the connection runs, and a full disk --------------------------------
    def trace_statements(self, callback: Callable[[str], object] | None) -> None:
        """Hand every statement this connection runs to `callback` (None: stop)."""
        self._conn.set_trace_callback(callback)

    def query_plan(self, sql: str) -> str:
        """SQLite's plan for a read, its steps joined by spaces."""
        return " ".join(r[3] for r in self._conn.execute("EXPLAIN QUERY PLAN " + sql))

    def limit_growth(self, pages: int) -> None:
        """Let the database grow by at most `pages` pages: past them SQLite says "database or
        disk is full", as on a full disk."""
        size = self._conn.execute("PRAGMA page_count").fetchone()[0]
        self._conn.execute(f"PRAGMA max_page_count = {int(size) + int(pages)}")

    # ---- files -------------------------------------------------------------------------------
    def file_by_path(self, path: str) -> FileRow | None:
        sql = f"SELECT {FILE_COLUMNS} FROM files WHERE path = ?"
        r = self._conn.execute(sql, (to_db(path),)).fetchone()
        return _row(r) if r else None

    def file_by_id(self, file_id: int) -> FileRow | None:
        sql = f"SELECT {FILE_COLUMNS} FROM files WHERE id = ?"
        r = self._conn.execute(sql, (file_id,)).fetchone()
        return _row(r) if r else None

    def files_by_ids(self, ids: Iterable[int]) -> dict[int, FileRow]:
        return {r[0]: _row(r) for r in rows_in(
            self._conn, f"SELECT {FILE_COLUMNS} FROM files WHERE id IN", ids)}

    def files_by_hash(self, fast_hash: str) -> list[FileRow]:
        rows = self._conn.execute(
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
        return [_row(r) for r in self._conn.execute(sql + " ORDER BY path", args)]

    def present_file_ids(self) -> set[int]:
        return {r[0] for r in self._conn.execute("SELECT id FROM files WHERE status = 'ok'")}

    def file_paths(self, file_ids: Iterable[int]) -> dict[int, str]:
        """file id → path, for these files."""
        return {fid: from_db(path) for fid, path in rows_in(
            self._conn, "SELECT id, path FROM files WHERE id IN", file_ids)}

    def problem_files(self, limit: int = 5000) -> list[FileRow]:
        """Files of the library that could not be used (status error), by path, at most `limit`."""
        rows = self._conn.execute(
            f"SELECT {FILE_COLUMNS} FROM files WHERE status = 'error' ORDER BY path LIMIT ?",
            (limit,)).fetchall()
        return [_row(r) for r in rows]

    def files_under(self, root: str) -> list[FileRow]:
        # Compared as bytes: names that are not UTF-8 are stored as BLOBs, the rest as TEXT.
        prefix = os.fsencode(root.rstrip(os.sep) + os.sep)
        rows = self._conn.execute(
            f"SELECT {FILE_COLUMNS} FROM files WHERE substr(CAST(path AS BLOB), 1, ?) = ? "
            "OR CAST(path AS BLOB) = ?",
            (len(prefix), prefix, os.fsencode(root)),
        ).fetchall()
        return [_row(r) for r in rows]

    def insert_file(self, tx: Tx, **fields: Any) -> int:
        now = time.time()
        fields.setdefault("added_at", now)
        if "path" in fields:
            fields["name_key"] = name_key(fields["path"])
            fields["path"] = to_db(fields["path"])
        fields.setdefault("updated_at", now)
        cols = ", ".join(fields)
        marks = ", ".join("?" * len(fields))
        cur = conn_of(tx).execute(f"INSERT INTO files ({cols}) VALUES ({marks})",
                                  list(fields.values()))
        assert cur.lastrowid is not None
        return cur.lastrowid

    def update_file(self, tx: Tx, file_id: int, **fields: Any) -> None:
        fields["updated_at"] = time.time()
        if "path" in fields:
            fields["name_key"] = name_key(fields["path"])
            fields["path"] = to_db(fields["path"])
        sets = ", ".join(f"{k} = ?" for k in fields)
        conn_of(tx).execute(f"UPDATE files SET {sets} WHERE id = ?", [*fields.values(), file_id])

    def delete_files(self, tx: Tx, file_ids: Iterable[int]) -> None:
        """Forget these rows altogether (their vectors go with them)."""
        conn_of(tx).executemany("DELETE FROM files WHERE id = ?", [(int(f),) for f in file_ids])

    def set_error(self, tx: Tx, file_id: int, reason: str) -> None:
        self.update_file(tx, file_id, status="error", error=reason)

    def counts(self) -> dict[str, dict[str, int]]:
        """kind → status → number of files (kept by triggers: no table scan)."""
        out: dict[str, dict[str, int]] = {}
        for kind, status, n in self._conn.execute(
            "SELECT kind, status, n FROM file_counts WHERE n > 0"
        ):
            out.setdefault(kind, {})[status] = n
        return out

    def count(self, kind: str, status: str = "ok") -> int:
        return self.counts().get(kind, {}).get(status, 0)

    # ---- roots, jobs, problems ---------------------------------------------------------------
    def add_roots(self, roots: Iterable[str]) -> None:
        with self.transaction():
            for r in roots:
                self._conn.execute("INSERT OR IGNORE INTO roots (path, added_at) VALUES (?, ?)",
                                   (to_db(r), time.time()))

    def remove_root(self, tx: Tx, root: str) -> None:
        conn_of(tx).execute("DELETE FROM roots WHERE path = ?", (to_db(root),))

    def roots(self) -> list[str]:
        return [from_db(r[0]) for r in self._conn.execute("SELECT path FROM roots ORDER BY path")]

    def start_job(self, kind: str) -> int:
        with self.transaction():
            cur = self._conn.execute(
                "INSERT INTO jobs (kind, started_at, state) VALUES (?, ?, 'running')",
                (kind, time.time()))
            assert cur.lastrowid is not None
            return cur.lastrowid

    def add_finished_job(self, kind: str, at: float) -> None:
        """Record a run of `kind` done at `at` (libraries built without running one)."""
        with self.transaction():
            self._conn.execute("INSERT INTO jobs (kind, started_at, state) VALUES (?, ?, 'done')",
                               (kind, at))

    def problem_paths(self) -> list[str]:
        """Paths of every problem recorded, oldest first."""
        return [from_db(r[0]) for r in self._conn.execute("SELECT path FROM problems ORDER BY id")]

    def close_interrupted_jobs(self) -> None:
        """Runs still marked running were cut short (killed): say so."""
        with self.transaction():
            self._conn.execute("UPDATE jobs SET state = 'interrupted' WHERE state = 'running' "
                               "AND id < (SELECT MAX(id) FROM jobs)")

    def finish_job(self, job_id: int, state: str, done: int, total: int, errors: int,
                   device: str | None = None, rate: float | None = None) -> None:
        with self.transaction():
            self._conn.execute("UPDATE jobs SET finished_at = ?, state = ?, done = ?, total = ?, "
                               "errors = ?, device = ?, items_per_second = ? WHERE id = ?",
                               (time.time(), state, done, total, errors, device, rate, job_id))

    def add_problem(self, tx: Tx, job_id: int, path: str, stage: str,
                    reason: str) -> None:
        conn_of(tx).execute(
            "INSERT INTO problems (job_id, path, stage, reason, at) VALUES (?, ?, ?, ?, ?)",
            (job_id, to_db(path), stage, reason, time.time()))

    def last_job(self) -> dict[str, Any] | None:
        r = self._conn.execute(
            "SELECT id, kind, started_at, finished_at, state, done, total, errors, device, "
            "items_per_second FROM jobs ORDER BY id DESC LIMIT 1").fetchone()
        if not r:
            return None
        keys = ("id", "kind", "started_at", "finished_at", "state", "done", "total", "errors",
                "device", "items_per_second")
        return dict(zip(keys, r, strict=True))
