"""Collections: result sets and selections kept under a name, their items in order (a file
removed from the library leaves them with it)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass

from mediabrowser.core.store.tx import Tx, conn_of


@dataclass(frozen=True)
class CollectionRow:
    id: int
    name: str
    query: str  # what was asked, in words ("Similar to cat.jpg")
    items: int
    updated_at: float


class CollectionRepo:
    _conn: sqlite3.Connection

    def save_collection(self, tx: Tx, name: str, items: Iterable[tuple[int, float | None]],
                        query: str = "") -> int:
        """Keep these (file id, score) under `name`, replacing what it held."""
        c = conn_of(tx)
        now = time.time()
        c.execute("INSERT INTO collections (name, query, created_at, updated_at) "
                  "VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET query = excluded.query, "
                  "updated_at = excluded.updated_at", (name, query, now, now))
        cid = int(c.execute("SELECT id FROM collections WHERE name = ?", (name,)).fetchone()[0])
        c.execute("DELETE FROM collection_items WHERE collection_id = ?", (cid,))
        seen: set[int] = set()
        rows: list[tuple[int, int, int, float | None]] = []
        for fid, score in items:
            if fid not in seen:
                seen.add(fid)
                rows.append((cid, int(fid), len(rows), score))
        c.executemany("INSERT INTO collection_items VALUES (?, ?, ?, ?)", rows)
        return cid

    def collections(self) -> list[CollectionRow]:
        return [CollectionRow(*r) for r in self._conn.execute(
            "SELECT c.id, c.name, c.query, (SELECT COUNT(*) FROM collection_items i "
            "WHERE i.collection_id = c.id), c.updated_at FROM collections c "
            "ORDER BY c.name COLLATE NOCASE")]

    def collection_by_name(self, name: str) -> CollectionRow | None:
        return next((c for c in self.collections() if c.name == name), None)

    def collection_items(self, collection_id: int) -> list[tuple[int, float | None]]:
        """(file id, score) in the saved order."""
        return [(r[0], r[1]) for r in self._conn.execute(
            "SELECT file_id, score FROM collection_items WHERE collection_id = ? "
            "ORDER BY position", (collection_id,))]

    def delete_collection(self, tx: Tx, collection_id: int) -> None:
        conn_of(tx).execute("DELETE FROM collections WHERE id = ?", (collection_id,))

    def rename_collection(self, tx: Tx, collection_id: int, name: str) -> None:
        conn_of(tx).execute("UPDATE collections SET name = ?, updated_at = ? WHERE id = ?",
                            (name, time.time(), collection_id))
