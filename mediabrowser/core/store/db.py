"""Open the library database: WAL, foreign keys, a busy timeout, migrations applied in order."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import sqlite_utils

from mediabrowser.core.store.schema import MIGRATIONS, SCHEMA_VERSION
from mediabrowser.core.types import UserError


class SchemaTooNew(UserError, RuntimeError):
    pass


def connect(path: Path) -> sqlite_utils.Database:
    conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None,
                           check_same_thread=False)
    db = sqlite_utils.Database(conn)
    _wal(conn)
    conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across process kills
    conn.execute("PRAGMA foreign_keys=ON")
    # The B-tree pages a search walks to fetch k vectors by label stay in memory (32 MB).
    conn.execute("PRAGMA cache_size=-32768")
    conn.create_function("mb_name_key", 1, name_key, deterministic=True)
    migrate(conn)
    return db


def _wal(conn: sqlite3.Connection, wait: float = 30.0) -> None:
    """Switch to WAL. Switching needs the database to itself, and SQLite does not wait for
    that as it waits for other locks: another process that is migrating the same old library
    makes it fail at once, so it is asked again until `wait` runs out."""
    deadline = time.monotonic() + wait
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def rows_in(conn: sqlite3.Connection, sql: str, values: Iterable[Any],
            before: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """The rows of `sql` (which ends in "IN") for these values, asked 500 at a time (SQLite
    limits bound parameters); `before` are the parameters ahead of the list."""
    wanted = list(values)
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        rows += conn.execute(f"{sql} ({','.join('?' * len(chunk))})",
                             [*before, *chunk]).fetchall()
    return rows


def name_key(path: str | bytes | None) -> str:
    """The grid's "name" sort key: the file name, lower-cased (stored with each row)."""
    from mediabrowser.core.filenames import display, from_db

    if path is None:
        return ""
    return display(os.path.basename(from_db(path))).lower()


def _statements(script: str) -> list[str]:
    """The statements of a migration, trigger bodies (which hold ';') kept whole."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip().rstrip(";").strip():
                out.append(current)
            current = ""
    if current.strip():
        out.append(current)
    return out


def migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"this library was written by a newer mediabrowser (schema {version}, "
            f"this version knows {SCHEMA_VERSION}); upgrade the app to open it"
        )
    while version < SCHEMA_VERSION:
        # One transaction per migration, including the version bump, so a kill leaves either
        # the old schema or the new one. The version is read again under the write lock:
        # another process opening the same old library may have migrated it meanwhile.
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version >= SCHEMA_VERSION:
                conn.execute("COMMIT")
                break
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
            version += 1
        except BaseException:
            conn.execute("ROLLBACK")
            raise
