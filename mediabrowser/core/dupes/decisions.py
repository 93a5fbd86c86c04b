"""What the person decided about duplicates, and the last listing, in the library database
(schema 4; the SQL is core/store/duplicates.py). Decisions are kept by file id, which follows a
file when it moves or is renamed."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable
from dataclasses import dataclass

from mediabrowser.core.store.duplicates import GroupRow
from mediabrowser.core.store.repo import Store
from mediabrowser.core.store.tx import Tx


# ---- "not duplicates" ---------------------------------------------------------------------
def mark_not_duplicates(store: Store, file_ids: Iterable[int]) -> list[tuple[int, int]]:
    """These files are not copies of one another: no run groups any two of them again.
    Returns the pairs newly marked (what undo takes back)."""
    with store.transaction() as tx:
        return _mark(store, tx, file_ids)


def _mark(store: Store, tx: Tx, file_ids: Iterable[int]) -> list[tuple[int, int]]:
    ids = sorted(set(int(x) for x in file_ids))
    known = store.not_duplicate_pairs_among(tx, ids)
    fresh = [p for p in itertools.combinations(ids, 2) if p not in known]
    store.add_not_duplicates(tx, fresh, time.time())
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
    with store.transaction() as tx:  # both or neither, whenever the app is stopped
        pairs = _mark(store, tx, [f for f, _s in members[group_id]])
        store.drop_dup_groups(tx, [group_id])
    return Marked(pairs, rows, members, settings.get("at") if settings else None)


def undo_marked(store: Store, marked: Marked) -> None:
    settings = listing_settings(store)
    with store.transaction() as tx:
        store.remove_not_duplicates(tx, [(min(a, b), max(a, b)) for a, b in marked.pairs])
        if settings and settings.get("at") == marked.listing:
            for g in marked.groups:
                store.restore_dup_group(tx, g, marked.members.get(g.id, []))


def unmark_pairs(store: Store, pairs: Iterable[tuple[int, int]]) -> None:
    with store.transaction() as tx:
        store.remove_not_duplicates(tx, [(min(a, b), max(a, b)) for a, b in pairs])


@dataclass(frozen=True)
class NotDuplicateSet:
    """Files marked "not duplicates" together (one click), newest first."""

    at: float
    file_ids: list[int]
    pairs: list[tuple[int, int]]


def not_duplicate_sets(store: Store, limit: int = 200) -> list[NotDuplicateSet]:
    """The newest `limit` markings (files marked together share the time they were marked)."""
    out: dict[float, list[tuple[int, int]]] = {}
    for a, b, at in store.not_duplicate_marks():
        if at not in out and len(out) >= limit:
            break
        out.setdefault(at, []).append((a, b))
    return [NotDuplicateSet(at, sorted({x for p in pairs for x in p}), pairs)
            for at, pairs in out.items()]


def unmark_not_duplicates(store: Store, file_ids: Iterable[int]) -> None:
    ids = sorted(set(int(x) for x in file_ids))
    with store.transaction() as tx:
        store.remove_not_duplicates(tx, itertools.combinations(ids, 2))


def forbidden_pairs(store: Store) -> dict[int, set[int]]:
    """file id → the files marked "not duplicates" of it."""
    out: dict[int, set[int]] = {}
    for a, b in store.not_duplicate_pairs():
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


# ---- keepers and reference folders ---------------------------------------------------------
def choose_keeper(store: Store, keeper: int, others: Iterable[int]) -> None:
    """The person keeps `keeper` of its group: remembered across runs."""
    with store.transaction() as tx:
        store.set_keeper(tx, keeper, others, time.time())


def chosen_keepers(store: Store) -> set[int]:
    return store.keepers()


def reference_folders(store: Store) -> list[str]:
    return store.reference_paths()


def set_reference_folders(store: Store, folders: Iterable[str]) -> None:
    with store.transaction() as tx:
        store.replace_reference_paths(tx, folders, time.time())


# ---- the last listing ---------------------------------------------------------------------
def save_listing(store: Store, groups: list, settings: dict) -> None:
    """Replace the kept listing with these groups (core/dupes/grouping.py Group), in order."""
    with store.transaction() as tx:
        store.clear_dup_listing(tx)
        for gid, g in enumerate(groups, start=1):
            store.add_dup_group(tx, GroupRow(gid, g.tier, len(g.members), g.reclaimable,
                                             g.keeper.id),
                                [(m.item.id, m.score) for m in g.members],
                                {m.item.id: m.part for m in g.members if m.part is not None})
        store.set_dup_listing_settings(tx, {**settings, "at": time.time()})


def listing_settings(store: Store) -> dict | None:
    return store.dup_listing_settings()


def page_groups(store: Store, after: int, limit: int) -> list[GroupRow]:
    """Groups of the kept listing after group id `after`, in order (keyset paging)."""
    return store.dup_groups_after(after, limit)


def listing_totals(store: Store) -> tuple[int, int, int]:
    """(groups, files that are not keepers, their bytes) in the kept listing."""
    return store.dup_listing_totals()


BULK_TIERS = ("identical", "same")  # bulk clean-up never touches a "similar" group


def bulk_groups(store: Store) -> tuple[list[GroupRow], int]:
    """(the kept listing's identical and same-content groups, in order; how many similar
    groups there are besides, which bulk clean-up leaves alone)."""
    return (store.dup_groups_of_tiers(BULK_TIERS),
            store.count_dup_groups(BULK_TIERS, of_these=False))


def bulk_count(store: Store) -> int:
    return store.count_dup_groups(BULK_TIERS)


def bulk_plan(store: Store, group_ids: Iterable[int]) -> list[tuple[int, list[int]]]:
    """(keeper, the other files) of these groups, for trash_files."""
    plan: dict[int, tuple[int, list[int]]] = {}
    for gid, keeper, fid in store.dup_non_keepers(group_ids):
        plan.setdefault(gid, (keeper, []))[1].append(fid)
    return [plan[g] for g in sorted(plan)]


def group_members(store: Store, group_id: int) -> list[tuple[int, float]]:
    """(file id, score) of a kept group's members, best first."""
    return store.dup_group_members(group_id)


def group_parts(store: Store, group_id: int) -> dict[int, tuple[float, float]]:
    """file id → (start, end) of a kept group's clips contained in its keeper."""
    return store.dup_group_parts(group_id)


def group_of(store: Store, file_id: int) -> int | None:
    return store.dup_group_of(file_id)


def drop_groups(store: Store, group_ids: Iterable[int]) -> None:
    with store.transaction() as tx:
        store.drop_dup_groups(tx, group_ids)


def restore_groups(store: Store, rows: list[GroupRow], members: dict[int, list[tuple[int, float]]]
                   ) -> None:
    """Put groups back as they were (undo, into the same listing): nothing there now is
    replaced."""
    with store.transaction() as tx:
        for g in rows:
            store.restore_dup_group(tx, g, members.get(g.id, []))


def group_rows(store: Store, group_ids: Iterable[int]) -> list[GroupRow]:
    return store.dup_groups_by_id(group_ids)
