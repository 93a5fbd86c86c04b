"""The grey pictures of photos and their turn-invariant summaries (core/media/grey.py makes
them), kept per file for the size and date it had, for finding copies saved turned or
mirrored (core/dupes/turned.py). Stored as made: 32×32 uint8 levels, float16 summaries."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from mediabrowser.core.filenames import from_db
from mediabrowser.core.store.db import rows_in

# Rows made for the file as it is now (a file changed since has none).
_FRESH = ("FROM files f JOIN dup_pixels d ON d.file_id = f.id WHERE f.status = 'ok' "
          "AND f.kind = 'image' AND d.size = f.size AND d.mtime = f.mtime")


def write_pixels(conn: sqlite3.Connection, file_id: int, size: int, mtime: float,
                 grey: bytes | None, summary: bytes | None) -> None:
    """Keep (or replace) a file's grey picture and summary (None: could not be made)."""
    conn.execute("INSERT OR REPLACE INTO dup_pixels VALUES (?, ?, ?, ?, ?)",
                 (file_id, size, mtime, grey, summary))


class PixelRepo:
    _conn: sqlite3.Connection

    def photos_without_pixels(self) -> list[tuple[int, str, int, float]]:
        """(id, path, size, mtime) of the present photos with no grey picture for their
        current version (indexed before indexing made them, or changed since)."""
        return [(fid, from_db(path), size, mtime) for fid, path, size, mtime in self._conn.execute(
            "SELECT f.id, f.path, f.size, f.mtime FROM files f LEFT JOIN dup_pixels d "
            "ON d.file_id = f.id WHERE f.status = 'ok' AND f.kind = 'image' AND "
            "(d.file_id IS NULL OR d.size != f.size OR d.mtime != f.mtime)")]

    def grey_pictures(self, file_ids: Iterable[int]) -> dict[int, bytes]:
        """file id → its current grey picture (32×32 uint8), for those that have one."""
        return dict(rows_in(self._conn, "SELECT d.file_id, d.gray " + _FRESH +
                            " AND d.gray IS NOT NULL AND d.file_id IN", file_ids))

    def pixel_summaries(self, file_ids: Iterable[int]) -> dict[int, bytes]:
        """file id → its current summary (float16), for those that have one."""
        return dict(rows_in(self._conn, "SELECT d.file_id, d.summary " + _FRESH +
                            " AND d.summary IS NOT NULL AND d.file_id IN", file_ids))

    def count_pixel_summaries(self) -> int:
        """How many present photos have a current summary."""
        return int(self._conn.execute(
            "SELECT COUNT(*) " + _FRESH + " AND d.summary IS NOT NULL").fetchone()[0])

    def pixel_summaries_after(self, file_id: int, limit: int) -> list[tuple[int, bytes]]:
        """(file id, summary) of current summaries after `file_id`, in id order (chunked
        reads of all of them)."""
        return self._conn.execute(
            "SELECT d.file_id, d.summary " + _FRESH + " AND d.summary IS NOT NULL "
            "AND d.file_id > ? ORDER BY d.file_id LIMIT ?", (file_id, limit)).fetchall()
