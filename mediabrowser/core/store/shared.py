"""What sending a library's vectors to a shared vector store (Milvus) reads and remembers:
each vector with its file's facts, the key of its row there, how far the change log was sent."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from mediabrowser.core.filenames import from_db
from mediabrowser.core.store.db import rows_in
from mediabrowser.core.store.tx import Tx, conn_of
from mediabrowser.core.store.vectors import decode

_COLS = ("v.label, v.space, v.model, v.segment, v.start_s, v.end_s, v.vector, v.dim, f.path, "
         "f.kind, f.size, COALESCE(f.taken, f.mtime), f.width, f.height, f.duration, "
         "f.camera, f.status")


@dataclass(frozen=True)
class SharedRow:
    label: int
    space: str
    model: str
    segment: int
    start: float | None
    end: float | None
    vector: np.ndarray
    path: str
    kind: str
    size: int
    date: float
    width: int | None
    height: int | None
    duration: float | None
    camera: str | None
    present: bool  # the file is there (ok): its vector belongs in a search


def _shared(r: tuple[Any, ...]) -> SharedRow:
    return SharedRow(int(r[0]), str(r[1]), str(r[2]), int(r[3]), r[4], r[5], decode(r[6], r[7]),
                     from_db(r[8]), str(r[9]), int(r[10]), float(r[11] or 0.0), r[12], r[13],
                     r[14], r[15], r[16] == "ok")


class SharedRepo:
    _conn: sqlite3.Connection

    def meta_value(self, key: str) -> str | None:
        r = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(r[0]) if r else None

    def set_meta(self, tx: Tx, key: str, value: str) -> None:
        conn_of(tx).execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                            (key, value))

    def shared_rows(self, labels: Iterable[int]) -> list[SharedRow]:
        """These labels' vectors with their files' facts (labels gone are left out)."""
        return [_shared(r) for r in rows_in(
            self._conn, f"SELECT {_COLS} FROM vectors v JOIN files f ON f.id = v.file_id "
            "WHERE v.label IN", [int(x) for x in labels])]

    def shared_rows_after(self, label: int, limit: int) -> list[SharedRow]:
        """Every vector after `label`, in label order (a first, whole sending)."""
        return [_shared(r) for r in self._conn.execute(
            f"SELECT {_COLS} FROM vectors v JOIN files f ON f.id = v.file_id "
            "WHERE v.label > ? ORDER BY v.label LIMIT ?", (label, limit))]

    def remember_keys(self, tx: Tx, keys: Iterable[tuple[int, str, str]]) -> None:
        conn_of(tx).executemany("INSERT OR REPLACE INTO vector_keys VALUES (?, ?, ?)", keys)

    def keys_of(self, labels: Iterable[int]) -> dict[int, tuple[str, str]]:
        """label → (space, key) of rows sent for these labels."""
        return {int(r[0]): (str(r[1]), str(r[2])) for r in rows_in(
            self._conn, "SELECT label, space, key FROM vector_keys WHERE label IN",
            [int(x) for x in labels])}

    def forget_keys(self, tx: Tx, labels: Iterable[int]) -> None:
        conn_of(tx).executemany("DELETE FROM vector_keys WHERE label = ?",
                                [(int(x),) for x in labels])
