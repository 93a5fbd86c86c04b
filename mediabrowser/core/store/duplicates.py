"""Duplicates in the library database (schema 4): what the person decided (pairs that are not
duplicates, chosen keepers, reference folders) and the last listing of groups, with the reads
that finding copies makes of the files table. What to decide stays in core/dupes."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from mediabrowser.core.filenames import from_db, to_db
from mediabrowser.core.store.db import rows_in
from mediabrowser.core.store.tx import Tx, conn_of

_GROUP = "SELECT id, tier, n, bytes, keeper FROM dup_groups"


@dataclass(frozen=True)
class GroupRow:
    """A group of the kept listing (its id is its place in the listing)."""

    id: int
    tier: str
    n: int
    bytes: int  # what moving every copy but the keeper frees
    keeper: int


def _marks(values: tuple[str, ...]) -> str:
    return ",".join("?" * len(values))


class DuplicateRepo:
    _conn: sqlite3.Connection

    # ---- files: what finding copies reads --------------------------------------------------
    def files_sharing_hash(self, seeds: Iterable[int] | None = None
                           ) -> list[tuple[int, str, str | None, str | bytes]]:
        """(id, fast hash, full hash, path as stored) of the present files whose fast hash
        another present file shares, by hash (`seeds`: only hashes of these files)."""
        if seeds is None:
            return self._conn.execute(
                "SELECT id, hash, full_hash, path FROM files WHERE status = 'ok' AND hash IN "
                "(SELECT hash FROM files WHERE status = 'ok' AND hash IS NOT NULL "
                "GROUP BY hash HAVING COUNT(*) > 1) ORDER BY hash").fetchall()
        hashes = {r[0] for r in rows_in(self._conn, "SELECT hash FROM files WHERE hash IS NOT "
                                        "NULL AND status = 'ok' AND id IN", seeds)}
        return rows_in(self._conn, "SELECT id, hash, full_hash, path FROM files WHERE "
                       "status = 'ok' AND hash IN", hashes)

    # ---- "not duplicates" ------------------------------------------------------------------
    def not_duplicate_pairs_among(self, tx: Tx, file_ids: Iterable[int]
                                  ) -> set[tuple[int, int]]:
        """Marked pairs (a < b) whose first file is one of these (read inside `tx`)."""
        return {(a, b) for a, b in rows_in(conn_of(tx), "SELECT a, b FROM dup_not WHERE a IN",
                                           file_ids)}

    def add_not_duplicates(self, tx: Tx, pairs: Iterable[tuple[int, int]], at: float) -> None:
        """Mark pairs (a < b) as not duplicates, at time `at` (a click's pairs share it)."""
        conn_of(tx).executemany("INSERT OR IGNORE INTO dup_not (a, b, at) VALUES (?, ?, ?)",
                                [(a, b, at) for a, b in pairs])

    def remove_not_duplicates(self, tx: Tx, pairs: Iterable[tuple[int, int]]) -> None:
        """Take back these marked pairs (a < b)."""
        conn_of(tx).executemany("DELETE FROM dup_not WHERE a = ? AND b = ?", list(pairs))

    def not_duplicate_marks(self) -> Iterator[tuple[int, int, float]]:
        """(a, b, when) of every marked pair, newest first (read lazily: stop when enough)."""
        return iter(self._conn.execute("SELECT a, b, at FROM dup_not ORDER BY at DESC, a, b"))

    def not_duplicate_pairs(self) -> Iterator[tuple[int, int]]:
        """(a, b) of every marked pair."""
        return iter(self._conn.execute("SELECT a, b FROM dup_not"))

    # ---- keepers and reference folders -----------------------------------------------------
    def set_keeper(self, tx: Tx, keeper: int, others: Iterable[int], at: float) -> None:
        """Remember `keeper` as chosen over `others` (their own choice is forgotten), and make
        it the keeper of its group in the kept listing."""
        conn = conn_of(tx)
        rows_in(conn, "DELETE FROM dup_keepers WHERE file_id IN", others)
        conn.execute("INSERT OR REPLACE INTO dup_keepers (file_id, at) VALUES (?, ?)",
                     (keeper, at))
        conn.execute("UPDATE dup_groups SET keeper = ? WHERE id = "
                     "(SELECT group_id FROM dup_members WHERE file_id = ?)", (keeper, keeper))

    def keepers(self) -> set[int]:
        return {r[0] for r in self._conn.execute("SELECT file_id FROM dup_keepers")}

    def reference_paths(self) -> list[str]:
        return [from_db(r[0]) for r in self._conn.execute(
            "SELECT path FROM dup_reference ORDER BY path")]

    def replace_reference_paths(self, tx: Tx, folders: Iterable[str], at: float) -> None:
        conn = conn_of(tx)
        conn.execute("DELETE FROM dup_reference")
        conn.executemany("INSERT OR IGNORE INTO dup_reference (path, added_at) VALUES (?, ?)",
                         [(to_db(f), at) for f in folders])

    # ---- the kept listing: writes ----------------------------------------------------------
    def clear_dup_listing(self, tx: Tx) -> None:
        conn = conn_of(tx)
        conn.execute("DELETE FROM dup_members")
        conn.execute("DELETE FROM dup_groups")
        conn.execute("DELETE FROM dup_listing")

    def add_dup_group(self, tx: Tx, group: GroupRow, members: Iterable[tuple[int, float]],
                      parts: dict[int, tuple[float, float]] | None = None) -> None:
        """A new group and its (file id, score) members (a file already in a group moves);
        `parts`: members that are clips contained in the keeper, and where."""
        conn = conn_of(tx)
        parts = parts or {}
        conn.execute("INSERT INTO dup_groups (id, tier, n, bytes, keeper) VALUES (?, ?, ?, ?, ?)",
                     (group.id, group.tier, group.n, group.bytes, group.keeper))
        conn.executemany("INSERT OR REPLACE INTO dup_members (file_id, group_id, score, start_s, "
                         "end_s) VALUES (?, ?, ?, ?, ?)",
                         [(f, group.id, s, *parts.get(f, (None, None))) for f, s in members])

    def restore_dup_group(self, tx: Tx, group: GroupRow, members: Iterable[tuple[int, float]]
                          ) -> None:
        """Put a group back as it was: nothing there now is replaced."""
        conn = conn_of(tx)
        conn.execute("INSERT OR IGNORE INTO dup_groups (id, tier, n, bytes, keeper) "
                     "VALUES (?, ?, ?, ?, ?)",
                     (group.id, group.tier, group.n, group.bytes, group.keeper))
        conn.executemany("INSERT OR IGNORE INTO dup_members (file_id, group_id, score) "
                         "VALUES (?, ?, ?)", [(f, group.id, s) for f, s in members])

    def set_dup_listing_settings(self, tx: Tx, settings: dict[str, Any]) -> None:
        conn_of(tx).execute("INSERT OR REPLACE INTO dup_listing VALUES ('settings', ?)",
                            (json.dumps(settings),))

    def drop_dup_groups(self, tx: Tx, group_ids: Iterable[int]) -> None:
        """Take groups out of the listing (their members go with them)."""
        rows_in(conn_of(tx), "DELETE FROM dup_groups WHERE id IN", group_ids)

    def rescore_dup_group(self, tx: Tx, group_id: int, scores: Iterable[tuple[float, int]],
                          freed: int) -> None:
        """New (score, file id) of a group's members, and what its clean-up frees."""
        conn = conn_of(tx)
        conn.executemany("UPDATE dup_members SET score = ? WHERE file_id = ? AND group_id = ?",
                         [(s, f, group_id) for s, f in scores])
        conn.execute("UPDATE dup_groups SET bytes = ? WHERE id = ?", (freed, group_id))

    # ---- the kept listing: reads -----------------------------------------------------------
    def dup_listing_settings(self) -> dict[str, Any] | None:
        r = self._conn.execute("SELECT value FROM dup_listing WHERE key = 'settings'").fetchone()
        return json.loads(r[0]) if r else None

    def dup_groups_after(self, after: int, limit: int) -> list[GroupRow]:
        """Groups after group id `after`, in order (keyset paging)."""
        rows = self._conn.execute(f"{_GROUP} WHERE id > ? ORDER BY id LIMIT ?",
                                  (after, limit)).fetchall()
        return [GroupRow(*r) for r in rows]

    def dup_groups_by_id(self, group_ids: Iterable[int]) -> list[GroupRow]:
        return [GroupRow(*r) for r in rows_in(self._conn, f"{_GROUP} WHERE id IN", group_ids)]

    def dup_groups_of_tiers(self, tiers: tuple[str, ...]) -> list[GroupRow]:
        return [GroupRow(*r) for r in self._conn.execute(
            f"{_GROUP} WHERE tier IN ({_marks(tiers)}) ORDER BY id", tiers)]

    def count_dup_groups(self, tiers: tuple[str, ...], of_these: bool = True) -> int:
        """Groups of these tiers (`of_these` False: of every other tier)."""
        op = "IN" if of_these else "NOT IN"
        return int(self._conn.execute(
            f"SELECT COUNT(*) FROM dup_groups WHERE tier {op} ({_marks(tiers)})",
            tiers).fetchone()[0])

    def dup_listing_totals(self) -> tuple[int, int, int]:
        """(groups, files that are not keepers, their bytes)."""
        n, extra, size = self._conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(n - 1), 0), COALESCE(SUM(bytes), 0) FROM dup_groups"
        ).fetchone()
        return int(n), int(extra), int(size)

    def dup_non_keepers(self, group_ids: Iterable[int]) -> list[tuple[int, int, int]]:
        """(group id, keeper, member) of these groups' members that are not their keeper."""
        return rows_in(self._conn, "SELECT g.id, g.keeper, m.file_id FROM dup_members m JOIN "
                       "dup_groups g ON g.id = m.group_id WHERE m.file_id != g.keeper "
                       "AND m.start_s IS NULL AND g.id IN", group_ids)

    def dup_group_parts(self, group_id: int) -> dict[int, tuple[float, float]]:
        """Members of a group that are clips contained in its keeper: file id → (start, end)."""
        return {int(r[0]): (float(r[1]), float(r[2])) for r in self._conn.execute(
            "SELECT file_id, start_s, end_s FROM dup_members WHERE group_id = ? AND start_s IS "
            "NOT NULL", (group_id,))}

    def dup_group_members(self, group_id: int) -> list[tuple[int, float]]:
        """(file id, score) of a group's members, best first."""
        return [(r[0], r[1]) for r in self._conn.execute(
            "SELECT file_id, score FROM dup_members WHERE group_id = ? "
            "ORDER BY score DESC, file_id", (group_id,))]

    def dup_group_of(self, file_id: int) -> int | None:
        r = self._conn.execute("SELECT group_id FROM dup_members WHERE file_id = ?",
                               (file_id,)).fetchone()
        return int(r[0]) if r else None

    def copy_groups_of(self, file_ids: Iterable[int]) -> dict[int, int]:
        """file id → its group in the last duplicates listing, for groups of copies
        (identical or same content; not similar shots)."""
        return dict(rows_in(self._conn, "SELECT m.file_id, m.group_id FROM dup_members m "
                            "JOIN dup_groups g ON g.id = m.group_id WHERE g.tier IN "
                            "('identical', 'same') AND m.file_id IN",
                            [int(x) for x in file_ids]))
