"""Copies among results shown as one: the best-scoring copy stands for the others, which it
carries (the window shows "3 copies" on its tile; a toggle shows them all again).

Copies are the members of one group of copies in the last duplicates listing (identical or
same content; similar shots stay apart), or files with the same content hash. Only the rows
of the results are read, whatever the library's size."""

from __future__ import annotations

from dataclasses import dataclass, field

from mediabrowser.core.dupes.unionfind import UnionFind
from mediabrowser.core.library import Library
from mediabrowser.core.types import Match


@dataclass
class Shown:
    match: Match
    copies: list[Match] = field(default_factory=list)  # the others, best first


def collapse_copies(lib: Library, matches: list[Match]) -> list[Shown]:
    """`matches` (best first) with copies of one another folded into the first of them."""
    if len(matches) < 2:
        return [Shown(m) for m in matches]
    ids = [m.item.id for m in matches]
    groups = lib.store.copy_groups_of(ids)
    rows = lib.store.files_by_ids(ids)
    sets = UnionFind()
    first_of: dict[object, int] = {}
    for fid in ids:
        row = rows.get(fid)
        keys: list[object] = []
        if fid in groups:
            keys.append(("group", groups[fid]))
        if row is not None and row.hash:
            keys.append(("hash", row.full_hash or row.hash, row.size))
        for key in keys:
            other = first_of.setdefault(key, fid)
            if other != fid:
                sets.union(other, fid)
    out: list[Shown] = []
    lead: dict[int, Shown] = {}
    for m in matches:
        root = sets.find(m.item.id)
        if root in lead:
            lead[root].copies.append(m)
        else:
            lead[root] = Shown(m)
            out.append(lead[root])
    return out
