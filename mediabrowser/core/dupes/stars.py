"""Groups from pairs, as stars around a keeper.

Same-content groups first: pairs at the "same" level (and byte-identical sets) are joined by a
union-find that never joins files marked "not duplicates"; each component gets its keeper, and
every member is scored against it. A member that joined through a chain but is not itself the
same content as the keeper leaves (and is grouped again with the others that left), so every
member of a group is what its tier says. For photos, clips and recordings a second look
(core/media/copies) settles the pairs a model scores alike without being sure.

Similar groups (`--tier similar`) are made from those groups as wholes: groups and single
files joined by similar pairs become one group around the best of their keepers, so a copy is
never the keeper of its own original's group, and every same group stays whole inside.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from mediabrowser.core import tiers
from mediabrowser.core.dupes.keeper import pick_keeper
from mediabrowser.core.dupes.pairs import EdgeList, SpaceOf, components, mutual_partners
from mediabrowser.core.dupes.turned import TurnChecker
from mediabrowser.core.dupes.unionfind import UnionFind
from mediabrowser.core.library import Library
from mediabrowser.core.media.copies.check import CopyCheck
from mediabrowser.core.store.repo import FileRow
from mediabrowser.core.types import CancelToken, MediaItem, MediaKind, Progress

IDENTICAL, SAME, SIMILAR_TIER = "identical", "same", "similar"
SAME_SCORE = tiers.SAME  # "the same content", as in search results
SIMILAR = tiers.VERY_SIMILAR  # similar groups hold what search calls "very similar" and up
STAR_BATCH = 20_000  # files whose rows and vectors are read in one go
VERIFY_CHUNK = 256  # pairs looked at between two progress reports
MAX_ROUNDS = 10  # regrouping what left a group (each round only ever has fewer files)



@dataclass(frozen=True)
class Member:
    item: MediaItem
    score: float  # calibrated, against the keeper (the keeper's own is 1)
    identical: bool  # the same bytes as the keeper
    part: tuple[float, float] | None = None  # a clip contained in the keeper: where (seconds)


@dataclass
class Group:
    tier: str
    members: list[Member]  # the keeper first, then best first

    @property
    def keeper(self) -> MediaItem:
        return self.members[0].item

    @property
    def reclaimable(self) -> int:
        """What bulk clean-up frees: every copy but the keeper (contained clips stay)."""
        return sum(m.item.size for m in self.members[1:] if m.part is None)


@dataclass
class Context:
    lib: Library
    fulls: dict[int, str]  # file id → hash of every byte (files of identical sets)
    space_of: SpaceOf  # file id → the space its pairs are in
    turned: TurnChecker | None
    chosen: set[int]  # keepers the person chose
    reference: list[str]  # reference folders
    forbidden: dict[int, set[int]]  # "not duplicates"
    copies: CopyCheck | None = None  # the second look (None: identical files only)

    def __post_init__(self) -> None:
        self.partner: dict[int, int] = {}  # file → the file it is the best match of, mutually
        self.keeper_keys: dict[tuple[int, bool], tuple] = {}  # kept across regrouping rounds


def same_groups(ctx: Context, identical: list[list[int]], edges: EdgeList, floor: float
                ) -> list[Group]:
    """Identical and same-content groups (`floor` 1: identical ones only)."""
    ctx.partner = mutual_partners(edges)
    ia = np.array([s[0] for s in identical for _x in s[1:]], np.int64)
    ib = np.array([x for s in identical for x in s[1:]], np.int64)
    out: list[Group] = []
    nodes: np.ndarray | None = None
    for _round in range(MAX_ROUNDS):
        if nodes is not None:
            both = np.isin(ia, nodes) & np.isin(ib, nodes)
            ia, ib, edges = ia[both], ib[both], edges.within(nodes)
        groups, left = _stars(ctx, components((ia, ib), edges, ctx.forbidden), floor)
        out += groups
        if len(left) < 2 or (nodes is not None and len(left) == len(nodes)):
            break
        nodes = np.unique(np.array(left, np.int64))
    return out


def similar_groups(ctx: Context, base: list[Group], edges: EdgeList) -> list[Group]:
    """`base` (same groups) and single files joined by similar pairs; each same group joins
    whole or not at all."""
    unit_of: dict[int, int] = {}
    units: list[list[MediaItem]] = []  # a same group's members (keeper first), or one file
    for g in base:
        for m in g.members:
            unit_of[m.item.id] = len(units)
        units.append([m.item for m in g.members])
    singles: set[int] = set()
    pairs = list(zip(edges.a.tolist(), edges.b.tolist(), strict=True))
    for a, b in pairs:
        for x in (a, b):
            if x not in unit_of:
                unit_of[x] = -1
                singles.add(x)
    rows = ctx.lib.store.files_by_ids(singles)
    for x in singles:
        if x in rows and rows[x].status == "ok":
            unit_of[x] = len(units)
            units.append([rows[x].item()])
    forbidden: dict[int, set[int]] = {}
    for a, others in ctx.forbidden.items():
        if unit_of.get(a, -1) >= 0:
            for b in others:
                if unit_of.get(b, -1) >= 0 and unit_of[b] != unit_of[a]:
                    forbidden.setdefault(unit_of[a], set()).add(unit_of[b])
    uf = UnionFind(forbidden)
    for a, b in pairs:
        ua, ub = unit_of.get(a, -1), unit_of.get(b, -1)
        if ua >= 0 and ub >= 0 and ua != ub:
            uf.union(ua, ub)
    merged: set[int] = set()
    out: list[Group] = []
    for comp in uf.components():
        group, joined = _merge(ctx, [units[u] for u in comp])
        if group is not None:
            out.append(group)
            merged.update(comp[i] for i in joined)
    out += [g for i, g in enumerate(base) if i not in merged]
    return out


def _merge(ctx: Context, units: list[list[MediaItem]]) -> tuple[Group | None, list[int]]:
    """One similar group around the best keeper of `units` (indexes of those that joined)."""
    keeper = pick_keeper([u[0] for u in units], ctx.chosen, ctx.reference)
    space = _space(ctx, [u[0] for u in units])
    if space is None:
        return None, []
    cos = cosines_to(ctx.lib, space, keeper.id, [u[0].id for u in units])
    calibration = ctx.lib.calibration(space)
    joined = []
    for i, u in enumerate(units):
        c = cos.get(u[0].id)
        if c is None:
            continue
        score = float(calibration.score(c))
        if ctx.turned is not None and u[0].kind == MediaKind.IMAGE and score < SAME_SCORE \
                and ctx.turned.alike(keeper.id, [u[0].id]):
            score = max(score, float(calibration.score(ctx.turned.cosine(keeper.id, u[0].id)
                                                       or -1.0)))
        if u[0].id == keeper.id or score + 1e-9 >= SIMILAR:
            joined.append(i)
    if len(joined) < 2:
        return None, []
    items = [it for i in joined for it in units[i]]
    cos = cosines_to(ctx.lib, space, keeper.id, [it.id for it in items])
    scores = calibration.score(np.array([cos.get(it.id, -1.0) for it in items]))
    kfull = ctx.fulls.get(keeper.id)
    members = [Member(keeper, 1.0, True)]
    for it, s in zip(items, scores.tolist(), strict=True):
        if it.id == keeper.id:
            continue
        same_bytes = kfull is not None and ctx.fulls.get(it.id) == kfull
        if not same_bytes and s >= SAME_SCORE and not _look_closer(ctx, keeper, it):
            s = SAME_SCORE - 0.001  # not a verified copy of this keeper: similar, as it says
        members.append(Member(it, 1.0 if same_bytes else round(min(s, 0.999999), 6),
                              same_bytes))
    rest = sorted(members[1:], key=lambda m: (-m.score, m.item.path))
    return Group(SIMILAR_TIER, [members[0], *rest]), joined


def _stars(ctx: Context, comps: list[list[int]], floor: float) -> tuple[list[Group], list[int]]:
    """The groups of these components, and the files that left them. Rows and vectors are
    read for many components at once (one query per STAR_BATCH files, not one per group)."""
    groups: list[Group] = []
    left: list[int] = []
    start = 0
    while start < len(comps):
        end, n = start, 0
        while end < len(comps) and (n == 0 or n + len(comps[end]) <= STAR_BATCH):
            n += len(comps[end])
            end += 1
        ids = [f for c in comps[start:end] for f in c]
        rows = ctx.lib.store.files_by_ids(ids)
        vectors = _BatchVectors(ctx.lib, ids)
        for comp in comps[start:end]:
            group, ejected = _star(ctx, comp, floor, rows, vectors)
            if group is not None:
                groups.append(group)
            left += ejected
        start = end
    return groups, left


class _BatchVectors:
    """The vectors of some files, read once per space, for scoring members against keepers."""

    def __init__(self, lib: Library, ids: list[int]) -> None:
        self._lib = lib
        self._labels = list(lib.store.labels_of_files(ids))
        self._spaces: dict[str, tuple[np.ndarray, np.ndarray, dict[int, list[int]]]] = {}

    def cosines(self, space: str, keeper: int, ids: list[int]) -> dict[int, float]:
        """file id → best cosine between its vectors and the keeper's."""
        if space not in self._spaces:
            got = self._lib.store.vectors_by_labels(self._labels, space, present=False)
            rows_of: dict[int, list[int]] = {}
            for i, fid in enumerate(got.file_ids.tolist()):
                rows_of.setdefault(fid, []).append(i)
            self._spaces[space] = (got.matrix, got.file_ids, rows_of)
        matrix, files, rows_of = self._spaces[space]
        mine = rows_of.get(keeper)
        if not mine:
            return {}
        idx = [r for f in ids for r in rows_of.get(f, ())]
        cos = (matrix[idx] @ matrix[mine].T).max(axis=1)
        out: dict[int, float] = {}
        for fid, c in zip(files[idx].tolist(), cos.tolist(), strict=True):
            out[fid] = max(c, out.get(fid, -2.0))
        return out


def _star(ctx: Context, comp: list[int], floor: float, rows: dict[int, FileRow],
          vectors: _BatchVectors) -> tuple[Group | None, list[int]]:
    """The group of a component with its keeper and scores, and the members too far from the
    keeper (they are grouped again among themselves)."""
    items = [rows[f].item() for f in comp if f in rows and rows[f].status == "ok"]
    if len(items) < 2:
        return None, []
    keeper = pick_keeper(items, ctx.chosen, ctx.reference, ctx.keeper_keys)
    kfull = ctx.fulls.get(keeper.id)
    space = _space(ctx, items)
    calibration = ctx.lib.calibration(space) if space else None
    cosines = vectors.cosines(space, keeper.id, [it.id for it in items]) if space else {}
    calibrated: dict[int, float] = {}
    if calibration is not None and cosines:
        calibrated = dict(zip(cosines, calibration.score(np.array(list(cosines.values())))
                              .tolist(), strict=True))
    low = [it.id for it in items if it.kind == MediaKind.IMAGE and it.id != keeper.id
           and calibrated.get(it.id, 1.0) < SAME_SCORE]
    maybe_turned = ctx.turned.alike(keeper.id, low) if ctx.turned is not None and low \
        and floor < 1.0 else set()
    members = [Member(keeper, 1.0, True)]
    ejected: list[int] = []
    for it in items:
        if it.id == keeper.id:
            continue
        if kfull is not None and ctx.fulls.get(it.id) == kfull:
            members.append(Member(it, 1.0, True))
            continue
        if it.id not in calibrated or calibration is None or floor >= 1.0:
            ejected.append(it.id)
            continue
        score = calibrated[it.id]
        if ctx.turned is not None and it.id in maybe_turned:
            turned = ctx.turned.cosine(keeper.id, it.id)  # a copy saved turned?
            if turned is not None:
                score = max(score, float(calibration.score(turned)))
        verdict = _look_closer(ctx, keeper, it)
        if verdict is False or floor <= SAME_SCORE:
            score = settled(score, verdict)
        if score + 1e-9 < floor:
            ejected.append(it.id)
        else:
            members.append(Member(it, round(min(score, 0.999999), 6), False))
    gone = {ctx.partner[e] for e in ejected if e in ctx.partner}
    if gone:  # a file's own best match leaves with it
        ejected += [m.item.id for m in members[1:] if m.item.id in gone and not m.identical]
        members = [members[0], *(m for m in members[1:] if m.item.id not in gone
                                 or m.identical)]
    if len(members) < 2:
        return None, ejected
    head, rest = members[0], sorted(members[1:], key=lambda m: (-m.score, m.item.path))
    tier = IDENTICAL if all(m.identical for m in rest) else SAME
    return Group(tier, [head, *rest]), ejected


def _space(ctx: Context, items: list[MediaItem]) -> str | None:
    return next((sp for i in items if (sp := ctx.space_of.get(i.id)) is not None), None)


def cosines_to(lib: Library, space: str, keeper: int, ids: list[int]) -> dict[int, float]:
    """file id → best cosine between its vectors and the keeper's (segments: the best pair),
    read in one query."""
    return _BatchVectors(lib, ids).cosines(space, keeper, ids)


def verified_edges(ctx: Context, edges: EdgeList, cancel: CancelToken
                   ) -> Generator[Progress, None, EdgeList]:
    """The same-level pairs a second look agrees with (core/media/copies), so that
    look-alikes never join a group through one another; byte-identical pairs need no look.
    Pairs are looked at on every core, a chunk at a time."""
    copies = ctx.copies
    if copies is None or not len(edges):
        return edges
    rows = ctx.lib.store.files_by_ids(edges.files().tolist())
    items = {fid: it for fid, r in rows.items() if copies.present(it := r.item())}
    # A missing file has nothing to look at (the model decides), nor do the same bytes.
    here = np.fromiter(items, np.int64, len(items))
    todo = np.flatnonzero(np.isin(edges.a, here) & np.isin(edges.b, here))
    todo = np.array([i for i, a, b in zip(todo.tolist(), edges.a[todo].tolist(),
                                          edges.b[todo].tolist(), strict=True)
                     if a not in ctx.fulls or ctx.fulls.get(a) != ctx.fulls.get(b)], np.int64)
    if not len(todo):
        return edges
    keep = np.ones(len(edges), bool)
    threads = os.cpu_count() or 1

    def differ(part: np.ndarray) -> list[int]:
        return [i for i, a, b in zip(part.tolist(), edges.a[part].tolist(),
                                     edges.b[part].tolist(), strict=True)
                if _differs(ctx, items[a], items[b])]

    with ThreadPoolExecutor(threads) as pool:
        for start in range(0, len(todo), VERIFY_CHUNK):
            cancel.raise_if_cancelled()
            yield Progress("verify", start, len(todo), message="pairs looked at closely")
            part = todo[start:start + VERIFY_CHUNK]
            for gone in pool.map(differ, [part[i::threads] for i in range(threads)]):
                keep[gone] = False
    return edges.take(keep)


def settled(score: float, verdict: bool | None) -> float:
    """A model's score once a second look has spoken: not a copy (another shot, take, tone
    or moment) is similar at most; a copy is the same content; undecided, the model's."""
    if verdict is False:
        return min(score, SAME_SCORE - 0.001)
    return max(score, SAME_SCORE) if verdict else score


def _differs(ctx: Context, keeper: MediaItem, it: MediaItem) -> bool:
    """Whether a second look says `it` is not a copy of `keeper` (core/media/copies)."""
    return _look_closer(ctx, keeper, it) is False


def _look_closer(ctx: Context, keeper: MediaItem, it: MediaItem) -> bool | None:
    """A second look (core/media/copies): a copy, not one, or cannot tell (unreadable)."""
    return None if ctx.copies is None else ctx.copies.same(keeper, it)


def rescore(lib: Library, group_id: int, keeper_id: int) -> None:
    """Score a kept group's members against its new keeper (the person chose another)."""
    from mediabrowser.core.dupes import decisions
    from mediabrowser.core.embed.registry import get_spec

    ids = [f for f, _s in decisions.group_members(lib.store, group_id)]
    rows = lib.store.files_by_ids(ids)
    keeper = rows.get(keeper_id)
    if keeper is None:
        return
    space = get_spec(lib.answering_model(keeper.kind)).index_space
    cos = cosines_to(lib, space, keeper_id, ids)
    calibration = lib.calibration(space)
    turned = TurnChecker(lib, space) if keeper.kind == "image" else None
    low = [f for f in ids if f != keeper_id and float(calibration.score(cos.get(f, -1.0)))
           < SAME_SCORE]
    maybe = turned.alike(keeper_id, low) if turned is not None and low else set()
    scores: list[tuple[float, int]] = []
    for f in ids:
        row = rows.get(f)
        if row is None:
            continue
        if f == keeper_id or (keeper.full_hash and row.full_hash == keeper.full_hash):
            score = 1.0
        else:
            x = cos.get(f, -1.0)
            if turned is not None and f in maybe:
                x = max(x, turned.cosine(keeper_id, f) or -1.0)
            score = settled(float(calibration.score(x)),  # as the search said it
                            lib.copies.same(keeper.item(), row.item()))
            score = round(min(score, 0.999999), 6)
        scores.append((score, f))
    freed = sum(r.size for f, r in rows.items() if f != keeper_id)
    with lib.store.transaction() as tx:
        lib.store.rescore_dup_group(tx, group_id, scores, freed)
