"""The grid's listing in SQL: pages in the requested order, read by key (never by offset),
and counts kept by triggers, so a screen costs the same at a million items as at a thousand."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

SHOWN = ("ok", "error", "offline")  # present, unreadable, or away with their drive
_SHOWN_SQL = "+status IN ('ok', 'error', 'offline')"  # '+': walk the order's index

# sort name → (ORDER BY, key columns); "date" is newest first.
SORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "name": ("name_key, path", ("name_key", "path")),
    "date": ("mtime DESC, path", ("mtime", "path")),
    "folder": ("path", ("path",)),
}


@dataclass(frozen=True)
class Page:
    ids: list[int]
    keys: list[tuple[Any, ...]]  # each row's sort key, as stored (pass the last one back)
    done: bool  # no rows after these


def _after(sort: str, key: tuple[Any, ...]) -> tuple[str, list[Any]]:
    if sort == "date":
        # mtime descending, then path ascending
        return "mtime <= ? AND (mtime < ? OR path > ?)", [key[0], key[0], key[1]]
    if sort == "folder":
        return "path > ?", [key[0]]
    return "(name_key, path) > (?, ?)", [key[0], key[1]]


class ListingRepo:
    _conn: sqlite3.Connection

    def listing_page(self, kind: str | None = None, sort: str = "name", name_filter: str = "",
                     after: tuple[Any, ...] | None = None, limit: int = 256) -> Page:
        """Up to `limit` ids of browsable items in `sort` order, after the row with key
        `after` (None: from the start). `name_filter` keeps names holding that text."""
        order, cols = SORTS.get(sort, SORTS["name"])
        sql = f"SELECT id, {', '.join(cols)} FROM files WHERE {_SHOWN_SQL}"
        args: list[Any] = []
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        needle = name_filter.strip().lower()
        if needle:
            sql += " AND instr(name_key, ?) > 0"
            args.append(needle)
        if after is not None:
            cond, more = _after(sort, after)
            sql += f" AND {cond}"
            args += more
        rows = self._conn.execute(f"{sql} ORDER BY {order} LIMIT ?", [*args, limit]).fetchall()
        return Page([r[0] for r in rows], [tuple(r[1:]) for r in rows], len(rows) < limit)

    def listing(self, kind: str | None = None, sort: str = "name", name_filter: str = ""
                ) -> list[int]:
        """Every browsable id in order (for scripts and checks; the grid reads pages)."""
        out: list[int] = []
        after = None
        while True:
            page = self.listing_page(kind, sort, name_filter, after, 5000)
            out += page.ids
            if page.done:
                return out
            after = page.keys[-1]

    def listing_key(self, file_id: int, sort: str = "name") -> tuple[Any, ...] | None:
        """The sort key of one row (where a new item falls in the grid's order)."""
        _order, cols = SORTS.get(sort, SORTS["name"])
        r = self._conn.execute(f"SELECT {', '.join(cols)} FROM files WHERE id = ?",
                              (file_id,)).fetchone()
        return tuple(r) if r else None

    def listing_marks(self, kind: str | None, sort: str, every: int) -> list[tuple[Any, ...]]:
        """The sort key of every `every`-th row of the listing (rows every-1, 2·every-1, …):
        where to start reading to show any part of it (the grid's scrollbar jumps there).
        One pass over the order's index: about a second for a million rows."""
        order, cols = SORTS.get(sort, SORTS["name"])
        sql = (f"SELECT {', '.join(cols)} FROM (SELECT {', '.join(cols)}, row_number() OVER "
               f"(ORDER BY {order}) AS rn FROM files WHERE {_SHOWN_SQL}")
        args: list[Any] = []
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        sql += ") WHERE rn % ? = 0"
        return [tuple(r) for r in self._conn.execute(sql, [*args, every])]

    def listing_count(self, kind: str | None = None,
                      statuses: tuple[str, ...] = SHOWN) -> int:
        """Browsable items (of `kind`; of these statuses), from the counts the triggers keep."""
        marks = ",".join("?" * len(statuses))
        sql = f"SELECT COALESCE(SUM(n), 0) FROM file_counts WHERE status IN ({marks})"
        args: list[Any] = list(statuses)
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        return int(self._conn.execute(sql, args).fetchone()[0])

    def max_file_id(self) -> int:
        return int(self._conn.execute("SELECT COALESCE(MAX(id), 0) FROM files").fetchone()[0])

    def rows_added_after(self, file_id: int, limit: int = 2000
                         ) -> list[tuple[int, str, str, str | None, float, str | bytes]]:
        """(id, kind, status, name key, mtime, path as stored) of the rows added after
        `file_id`, in id order: where each falls in any of the listing's orders."""
        return self._conn.execute(
            "SELECT id, kind, status, name_key, mtime, path FROM files WHERE id > ? "
            "ORDER BY id LIMIT ?", (file_id, limit)).fetchall()
