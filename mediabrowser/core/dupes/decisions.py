"""What the person decided about duplicates, and the last listing, in the library database
(schema 4). Decisions are kept by file id, which follows a file when it moves or is renamed."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass

from mediabrowser.core.filenames import from_db, to_db
from mediabrowser.core.store.db import rows_in
from mediabrowser.core.store.repo import Store


# ---- "not duplicates" ---------------------------------------------------------------------
def mark_not_duplicates(store: Store, file_ids: Iterable[int]) -> list[tuple[int, int]]:
    """These files are not copies of one another: no run groups any two of them again.
    Returns the pairs newly marked (what undo takes back)."""
    ids = sorted(set(int(x) for x in file_ids))
    now = time.time()
    pairs = list(itertools.combinations(ids, 2))
    with store.transaction() as c:
        known = {(a, b) for a, b in rows_in(c, "SELECT a, b FROM dup_not WHERE a IN", ids)}
        fresh = [p for p in pairs if p not in known]
        c.executemany("INSERT OR IGNORE INTO dup_not (a, b, at) VALUES (?, ?, ?)",
                      [(a, b, now) for a, b in fresh])
    return fresh


@dataclass
class Marked:
    """One "not duplicates" click, enough to take it back: the pairs it marked, and the group
    it took out of the kept listing (which undo restores only into that same listing)."""

    pairs: list[tuple[int, int]]
    groups: list[GroupRow]
    members: dict[int, list[tuple[int, float]]]
    listing: float | None


def mark_group_not_duplicates(store: Store, group_id: int) -> Marked:
    """Mark a kept group's files as not duplicates and take the group out of the listing."""
    members = {group_id: group_members(store, group_id)}
    rows = group_rows(store, [group_id])
    settings = listing_settings(store)
    pairs = mark_not_duplicates(store, [f for f, _s in members[group_id]])
    drop_groups(store, [group_id])
    return Marked(pairs, rows, members, settings.get("at") if settings else None)


def undo_marked(store: Store, marked: Marked) -> None:
    unmark_pairs(store, marked.pairs)
    settings = listing_settings(store)
    if settings and settings.get("at") == marked.listing:
        restore_groups(store, marked.groups, marked.members)


def unmark_pairs(store: Store, pairs: Iterable[tuple[int, int]]) -> None:
    with store.transaction() as c:
        c.executemany("DELETE FROM dup_not WHERE a = ? AND b = ?",
                      [(min(a, b), max(a, b)) for a, b in pairs])


@dataclass(frozen=True)
class NotDuplicateSet:
    """Files marked "not duplicates" together (one click), newest first."""

    at: float
    file_ids: list[int]
    pairs: list[tuple[int, int]]


def not_duplicate_sets(store: Store, limit: int = 200) -> list[NotDuplicateSet]:
    """The newest `limit` markings (files marked together share the time they were marked)."""
    out: dict[float, list[tuple[int, int]]] = {}
    for a, b, at in store.conn.execute("SELECT a, b, at FROM dup_not ORDER BY at DESC, a, b"):
        if at not in out and len(out) >= limit:
            break
        out.setdefault(at, []).append((a, b))
    return [NotDuplicateSet(at, sorted({x for p in pairs for x in p}), pairs)
            for at, pairs in out.items()]


def unmark_not_duplicates(store: Store, file_ids: Iterable[int]) -> None:
    ids = sorted(set(int(x) for x in file_ids))
    with store.transaction() as c:
        c.executemany("DELETE FROM dup_not WHERE a = ? AND b = ?",
                      list(itertools.combinations(ids, 2)))


def forbidden_pairs(store: Store) -> dict[int, set[int]]:
    """file id → the files marked "not duplicates" of it."""
    out: dict[int, set[int]] = {}
    for a, b in store.conn.execute("SELECT a, b FROM dup_not"):
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


# ---- keepers and reference folders ---------------------------------------------------------
def choose_keeper(store: Store, keeper: int, others: Iterable[int]) -> None:
    """The person keeps `keeper` of its group: remembered across runs."""
    with store.transaction() as c:
        rows_in(c, "DELETE FROM dup_keepers WHERE file_id IN", list(others))
        c.execute("INSERT OR REPLACE INTO dup_keepers (file_id, at) VALUES (?, ?)",
                  (keeper, time.time()))
        c.execute("UPDATE dup_groups SET keeper = ? WHERE id = "
                  "(SELECT group_id FROM dup_members WHERE file_id = ?)", (keeper, keeper))


def chosen_keepers(store: Store) -> set[int]:
    return {r[0] for r in store.conn.execute("SELECT file_id FROM dup_keepers")}


def reference_folders(store: Store) -> list[str]:
    return [from_db(r[0]) for r in store.conn.execute(
        "SELECT path FROM dup_reference ORDER BY path")]


def set_reference_folders(store: Store, folders: Iterable[str]) -> None:
    with store.transaction() as c:
        c.execute("DELETE FROM dup_reference")
        c.executemany("INSERT OR IGNORE INTO dup_reference (path, added_at) VALUES (?, ?)",
                      [(to_db(f), time.time()) for f in folders])


# ---- the last listing ---------------------------------------------------------------------
@dataclass(frozen=True)
class GroupRow:
    id: int
    tier: str
    n: int
    bytes: int  # what moving every copy but the keeper frees
    keeper: int


def save_listing(store: Store, groups: list, settings: dict) -> None:
    """Replace the kept listing with these groups (core/dupes/grouping.py Group), in order."""
    with store.transaction() as c:
        c.execute("DELETE FROM dup_members")
        c.execute("DELETE FROM dup_groups")
        c.execute("DELETE FROM dup_listing")
        for gid, g in enumerate(groups, start=1):
            c.execute("INSERT INTO dup_groups (id, tier, n, bytes, keeper) VALUES (?, ?, ?, ?, ?)",
                      (gid, g.tier, len(g.members), g.reclaimable, g.keeper.id))
            c.executemany("INSERT OR REPLACE INTO dup_members (file_id, group_id, score) "
                          "VALUES (?, ?, ?)", [(m.item.id, gid, m.score) for m in g.members])
        c.execute("INSERT INTO dup_listing VALUES ('settings', ?)",
                  (json.dumps({**settings, "at": time.time()}),))


def listing_settings(store: Store) -> dict | None:
    r = store.conn.execute("SELECT value FROM dup_listing WHERE key = 'settings'").fetchone()
    return json.loads(r[0]) if r else None


def page_groups(store: Store, after: int, limit: int) -> list[GroupRow]:
    """Groups of the kept listing after group id `after`, in order (keyset paging)."""
    rows = store.conn.execute("SELECT id, tier, n, bytes, keeper FROM dup_groups WHERE id > ? "
                              "ORDER BY id LIMIT ?", (after, limit)).fetchall()
    return [GroupRow(*r) for r in rows]


def listing_totals(store: Store) -> tuple[int, int, int]:
    """(groups, files that are not keepers, their bytes) in the kept listing."""
    n, extra, size = store.conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(n - 1), 0), COALESCE(SUM(bytes), 0) FROM dup_groups"
    ).fetchone()
    return int(n), int(extra), int(size)


BULK_TIERS = ("identical", "same")  # bulk clean-up never touches a "similar" group


def bulk_groups(store: Store) -> tuple[list[GroupRow], int]:
    """(the kept listing's identical and same-content groups, in order; how many similar
    groups there are besides, which bulk clean-up leaves alone)."""
    rows = [GroupRow(*r) for r in store.conn.execute(
        "SELECT id, tier, n, bytes, keeper FROM dup_groups WHERE tier IN (?, ?) ORDER BY id",
        BULK_TIERS)]
    other = store.conn.execute("SELECT COUNT(*) FROM dup_groups WHERE tier NOT IN (?, ?)",
                               BULK_TIERS).fetchone()[0]
    return rows, int(other)


def bulk_count(store: Store) -> int:
    return int(store.conn.execute("SELECT COUNT(*) FROM dup_groups WHERE tier IN (?, ?)",
                                  BULK_TIERS).fetchone()[0])


def bulk_plan(store: Store, group_ids: Iterable[int]) -> list[tuple[int, list[int]]]:
    """(keeper, the other files) of these groups, for trash_files."""
    plan: dict[int, tuple[int, list[int]]] = {}
    for gid, keeper, fid in rows_in(
            store.conn, "SELECT g.id, g.keeper, m.file_id FROM dup_members m JOIN dup_groups g "
            "ON g.id = m.group_id WHERE m.file_id != g.keeper AND g.id IN", list(group_ids)):
        plan.setdefault(gid, (keeper, []))[1].append(fid)
    return [plan[g] for g in sorted(plan)]


def group_members(store: Store, group_id: int) -> list[tuple[int, float]]:
    """(file id, score) of a kept group's members, best first."""
    return [(r[0], r[1]) for r in store.conn.execute(
        "SELECT file_id, score FROM dup_members WHERE group_id = ? ORDER BY score DESC, file_id",
        (group_id,))]


def group_of(store: Store, file_id: int) -> int | None:
    r = store.conn.execute("SELECT group_id FROM dup_members WHERE file_id = ?",
                           (file_id,)).fetchone()
    return int(r[0]) if r else None


def drop_groups(store: Store, group_ids: Iterable[int]) -> None:
    with store.transaction() as c:
        rows_in(c, "DELETE FROM dup_groups WHERE id IN", list(group_ids))


def restore_groups(store: Store, rows: list[GroupRow], members: dict[int, list[tuple[int, float]]]
                   ) -> None:
    """Put groups back as they were (undo, into the same listing): nothing there now is
    replaced."""
    with store.transaction() as c:
        for g in rows:
            c.execute("INSERT OR IGNORE INTO dup_groups (id, tier, n, bytes, keeper) "
                      "VALUES (?, ?, ?, ?, ?)", (g.id, g.tier, g.n, g.bytes, g.keeper))
            c.executemany("INSERT OR IGNORE INTO dup_members (file_id, group_id, score) "
                          "VALUES (?, ?, ?)", [(f, g.id, s) for f, s in members.get(g.id, [])])


def group_rows(store: Store, group_ids: Iterable[int]) -> list[GroupRow]:
    return [GroupRow(*r) for r in rows_in(
        store.conn, "SELECT id, tier, n, bytes, keeper FROM dup_groups WHERE id IN",
        list(group_ids))]
