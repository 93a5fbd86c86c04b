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
         "f.camera, f.status, f.mtime, f.hash, "
         "EXISTS (SELECT 1 FROM vector_keys k WHERE k.label = v.label AND k.pulled = 1), "
         "v.created_at")


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
    mtime: float = 0.0
    hash: str = ""
    # It came from the shared store (core/jobs/vector_follow.py): never sent back, where it
    # would bounce between machines for ever. The file changed here is a new vector, sent.
    pulled: bool = False
    created: float = 0.0  # when this vector was made here (s)


def _shared(r: tuple[Any, ...]) -> SharedRow:
    return SharedRow(int(r[0]), str(r[1]), str(r[2]), int(r[3]), r[4], r[5], decode(r[6], r[7]),
                     from_db(r[8]), str(r[9]), int(r[10]), float(r[11] or 0.0), r[12], r[13],
                     r[14], r[15], r[16] == "ok", float(r[17] or 0.0), str(r[18] or ""),
                     bool(r[19]), float(r[20] or 0.0))


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

    def remember_keys(self, tx: Tx, keys: Iterable[tuple[int, str, str]], pulled: bool = False,
                      stamp: int = 0) -> None:
        """label, space, key of rows sent (pulled False: `stamp` is the sending's) or taken
        in (the stamp of the row taken)."""
        conn_of(tx).executemany(
            "INSERT OR REPLACE INTO vector_keys (label, space, key, pulled, stamp) "
            "VALUES (?, ?, ?, ?, ?)", [(*k, int(pulled), stamp) for k in keys])

    def key_stamps(self, space: str, keys: Iterable[str]) -> dict[str, tuple[bool, int]]:
        """key → (pulled, stamp of the row it was pulled from) of the rows this library
        sent (pulled False) or took in."""
        return {str(r[0]): (bool(r[1]), int(r[2])) for r in rows_in(
            self._conn, "SELECT key, pulled, stamp FROM vector_keys WHERE space = ? AND key IN",
            list(keys), [space])}
    def keys_of(self, labels: Iterable[int]) -> dict[int, tuple[str, str, int]]:
        """label → (space, key, stamp of its last sending) of rows sent for these labels
        (not those pulled)."""
        return {int(r[0]): (str(r[1]), str(r[2]), int(r[3])) for r in rows_in(
            self._conn, "SELECT label, space, key, stamp FROM vector_keys WHERE pulled = 0 "
            "AND label IN",
            [int(x) for x in labels])}

    def forget_keys(self, tx: Tx, labels: Iterable[int]) -> None:
        conn_of(tx).executemany("DELETE FROM vector_keys WHERE label = ?",
                                [(int(x),) for x in labels])

    def local_vector(self, file_id: int, model: str, segment: int) -> tuple[int, bool] | None:
        """(label, pulled) of the file's vector for this model and segment, if it has one."""
        r = self._conn.execute(
            "SELECT v.label, COALESCE(k.pulled, 0) FROM vectors v LEFT JOIN vector_keys k "
            "ON k.label = v.label WHERE v.file_id = ? AND v.model = ? AND v.segment = ?",
            (file_id, model, segment)).fetchone()
        return (int(r[0]), bool(r[1])) if r else None

    def drop_pulled(self, tx: Tx, space: str, keys: Iterable[str]) -> int:
        """Forget the vectors pulled from these rows (deleted in the shared store), and the
        files left with no vector at all; how many vectors went."""
        c = conn_of(tx)
        got = rows_in(c, "SELECT k.label, v.file_id FROM vector_keys k JOIN vectors v ON "
                      "v.label = k.label WHERE k.pulled = 1 AND k.space = ? AND k.key IN",
                      list(keys), [space])
        c.executemany("DELETE FROM vectors WHERE label = ?", [(int(r[0]),) for r in got])
        c.executemany("DELETE FROM vector_keys WHERE label = ?", [(int(r[0]),) for r in got])
        c.executemany("DELETE FROM files WHERE id = ? AND NOT EXISTS (SELECT 1 FROM vectors "
                      "WHERE file_id = ?)", [(int(r[1]), int(r[1])) for r in got])
        return len(got)

    def space_dims(self) -> dict[str, int]:
        """space → the dimension of its vectors here (one row looked at per space)."""
        return {str(sp): int(self._conn.execute(
            "SELECT dim FROM vectors WHERE space = ? LIMIT 1", (sp,)).fetchone()[0])
            for (sp,) in self._conn.execute("SELECT DISTINCT space FROM vectors")}

    def vector_total(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])

    def forget_shared(self, tx: Tx) -> None:
        """The library left its shared store: what was sent or taken in is its own now."""
        c = conn_of(tx)
        c.execute("DELETE FROM vector_keys")
        c.execute("DELETE FROM meta WHERE key IN ('vectors_sent', 'vectors_followed')")

