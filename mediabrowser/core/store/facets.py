"""What filters compare, read for the vectors of a space: one row per label of a present file
(core/index/facets.py keeps them as columns)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

from mediabrowser.core.filenames import from_db
from mediabrowser.core.store.db import rows_in

# label, kind, size, date (taken, else modified), width, height, duration, camera, path
_COLS = ("v.label, f.kind, f.size, COALESCE(f.taken, f.mtime), f.width, f.height, f.duration, "
         "f.camera, f.path")
FacetRow = tuple[int, str, int, float, Any, Any, Any, Any, Any]


class FacetRepo:
    _conn: sqlite3.Connection

    def facet_rows(self, space: str, chunk: int = 100_000) -> Iterator[list[FacetRow]]:
        """Every present file's row for this space, in label order, a chunk at a time."""
        after = -1
        while True:
            rows = self._conn.execute(
                f"SELECT {_COLS} FROM vectors v JOIN files f ON f.id = v.file_id "
                "WHERE v.space = ? AND v.label > ? AND +f.status = 'ok' "
                "ORDER BY v.label LIMIT ?", (space, after, chunk)).fetchall()
            if not rows:
                return
            yield rows
            after = rows[-1][0]

    def facet_rows_of(self, space: str, labels: Iterable[int]) -> list[FacetRow]:
        """The rows of these labels that are present in this space."""
        return rows_in(self._conn, f"SELECT {_COLS} FROM vectors v JOIN files f ON "
                       "f.id = v.file_id WHERE v.space = ? AND +f.status = 'ok' AND v.label IN",
                       [int(x) for x in labels], before=(space,))

    def camera_names(self, limit: int = 50) -> list[str]:
        """Cameras of present files, most files first."""
        return [r[0] for r in self._conn.execute(
            "SELECT camera FROM files WHERE camera IS NOT NULL AND +status = 'ok' "
            "GROUP BY camera ORDER BY COUNT(*) DESC, camera LIMIT ?", (limit,))]

    def sample_paths(self, n: int = 5000) -> list[str]:
        """About n paths of present files spread over the table (file types to offer)."""
        top = self._conn.execute("SELECT MAX(id) FROM files").fetchone()[0] or 0
        step = max(1, top // n)
        return [from_db(r[0]) for r in self._conn.execute(
            "SELECT path FROM files WHERE id % ? = 0 AND +status = 'ok' LIMIT ?", (step, 2 * n))]
