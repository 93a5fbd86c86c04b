"""Group copies: pairs (edges.py) joined by a union-find that never joins files marked "not
duplicates", then each group's keeper and every member's score against it.

Tiers come from calibrated scores (core/calibration.py), the same for every kind and model:
*identical* is the same bytes; *same* is a score of 0.9 or more against the keeper, as in search
results, and for photos a second look at the pixels (verify.py: a stereo pair or a detail cut
from a photo reaches 0.9 too, and is similar at most); *similar* is SIMILAR or more (burst shots,
near takes). A member that joined through a chain but is not itself close enough to the keeper
leaves the group (and may form its own), so a group's every member is what its tier says.
`--tier same` lists identical and same groups; `--tier similar` lets similar pairs join them too,
so raising the tier only ever adds pairs, never splits them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from mediabrowser.core.dupes import decisions
from mediabrowser.core.dupes.edges import Pairs, identical_sets, knn_pairs, reference_pairs
from mediabrowser.core.dupes.keeper import pick_keeper, under
from mediabrowser.core.dupes.turned import TurnChecker, turned_pairs
from mediabrowser.core.dupes.unionfind import UnionFind
from mediabrowser.core.dupes.verify import PhotoVerifier
from mediabrowser.core.dupes.verify_audio import AudioVerifier
from mediabrowser.core.embed.registry import get_spec
from mediabrowser.core.library import Library
from mediabrowser.core.types import CancelToken, MediaItem, MediaKind, Progress

IDENTICAL, SAME, SIMILAR_TIER = "identical", "same", "similar"
TIERS = (IDENTICAL, SAME, SIMILAR_TIER)
SAME_SCORE = 0.9  # "the same content", as in search results
SURE = 0.995  # photos scoring this high are copies without a second look (verify.py)
SIMILAR = 0.7  # "very similar" in search results: near takes, burst shots
REGROUP_ROUNDS = 3
Verifiers = tuple[PhotoVerifier, AudioVerifier]


@dataclass(frozen=True)
class Member:
    item: MediaItem
    score: float  # calibrated, against the keeper (the keeper's own is 1)
    identical: bool  # the same bytes as the keeper


@dataclass
class Group:
    tier: str
    members: list[Member]  # the keeper first, then best first

    @property
    def keeper(self) -> MediaItem:
        return self.members[0].item

    @property
    def reclaimable(self) -> int:
        return sum(m.item.size for m in self.members[1:])


@dataclass
class DuplicateReport:
    groups: list[Group] = field(default_factory=list)
    files: int = 0  # files compared
    seconds: float = 0.0
    tier: str = SAME


def floor_score(tier: str) -> float:
    return {IDENTICAL: 1.0, SAME: SAME_SCORE, SIMILAR_TIER: SIMILAR}[tier]


def files_under_paths(lib: Library, paths: Iterable[str]) -> set[int]:
    """Ids of the present files that are these paths or lie under them."""
    out: set[int] = set()
    for p in paths:
        ap = os.path.abspath(os.path.expanduser(p))
        row = lib.store.file_by_path(ap)
        if row is not None and row.status == "ok":
            out.add(row.id)
        if os.path.isdir(ap) or row is None:
            out.update(r.id for r in lib.store.files_under(ap) if r.status == "ok")
    return out


def _spaces(lib: Library) -> list[tuple[str, str]]:
    """(kind, space) of the kinds the library holds, in their answering model's space."""
    counts = lib.store.counts()
    out = []
    for kind in MediaKind:
        if counts.get(kind.value, {}).get("ok", 0) >= 2:
            out.append((kind.value, get_spec(lib.answering_model(kind)).index_space))
    return out


def find_duplicates_job(lib: Library, tier: str = SAME, paths: Sequence[str] | None = None,
                        reference: Sequence[str] | None = None,
                        cancel: CancelToken | None = None
                        ) -> Generator[Progress, None, DuplicateReport]:
    """Groups of copies, largest first. `paths`: only groups holding a file under one of
    them. `reference`: compare the files of `paths` (or every other file) only against the
    files of these folders, whose copies are kept."""
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r} (identical, same or similar)")
    cancel = cancel or CancelToken()
    t0 = time.perf_counter()
    report = DuplicateReport(tier=tier)
    seeds = files_under_paths(lib, paths) if paths else None
    refs = files_under_paths(lib, reference) if reference else None
    if refs is not None and seeds is None:
        seeds = {r[0] for r in lib.store.conn.execute("SELECT id FROM files WHERE status = 'ok'")
                 } - refs
    if seeds is not None and not seeds:
        return report
    yield Progress("compare", 0, 0, message="identical files")
    identical, fulls = yield from identical_sets(
        lib, None if seeds is None else seeds | (refs or set()), cancel)
    if refs is not None:
        identical = [s for s in identical if set(s) & refs and set(s) & seeds]  # type: ignore[operator]
    pairs: dict[tuple[str, str], Pairs] = {}  # (kind, space) → pairs
    checker: TurnChecker | None = None  # scores photos alike once one is turned
    if tier != IDENTICAL:
        for kind, space in _spaces(lib):
            floor = lib.calibration(space).cosine_for(floor_score(tier))
            if refs is not None:
                job = reference_pairs(lib, space, kind, floor, cancel, seeds or (), refs)
            else:
                job = knn_pairs(lib, space, kind, floor, cancel, seeds)
            pairs[(kind, space)] = yield from job
            if kind == "image" and refs is None:
                turned, checker = yield from turned_pairs(lib, space, floor, cancel,
                                                          pairs[(kind, space)], seeds)
                for (a, b), c in turned.cosines.items():
                    pairs[(kind, space)].add(a, b, c)
    yield Progress("group", 0, 0)
    forbidden = decisions.forbidden_pairs(lib.store)
    groups = _groups(lib, identical, fulls, pairs, checker, forbidden, tier,
                     reference=list(reference or ()) + decisions.reference_folders(lib.store))
    if seeds is not None:
        groups = [g for g in groups if any(m.item.id in seeds for m in g.members)]
    groups.sort(key=lambda g: (-len(g.members), -g.reclaimable, os.fsencode(g.keeper.path)))
    report.groups = groups
    report.files = len(seeds) if seeds is not None else sum(
        lib.store.count(k.value) for k in MediaKind)
    report.seconds = time.perf_counter() - t0
    yield Progress("group", len(groups), len(groups))
    return report


def _groups(lib: Library, identical: list[list[int]], fulls: dict[int, str],
            pairs: dict[tuple[str, str], Pairs], turned: TurnChecker | None,
            forbidden: dict[int, set[int]], tier: str, reference: list[str]) -> list[Group]:
    edges: list[tuple[float, int, int, str]] = []  # (cosine, a, b, space), best first
    for (_kind, space), p in pairs.items():
        edges += [(c, a, b, space) for (a, b), c in p.cosines.items()]
    edges.sort(key=lambda e: -e[0])
    chosen = decisions.chosen_keepers(lib.store)
    verifier = (PhotoVerifier(), AudioVerifier()) if tier != IDENTICAL else None
    space_of = {a: s for _c, a, _b, s in edges} | {b: s for _c, _a, b, s in edges}
    nodes: set[int] | None = None
    out: list[Group] = []
    for _round in range(REGROUP_ROUNDS):
        uf = UnionFind(forbidden)
        for s in identical:
            kept = [x for x in s if nodes is None or x in nodes]
            for x in kept[1:]:
                uf.union(kept[0], x)
        for _c, a, b, _s in edges:
            if nodes is None or (a in nodes and b in nodes):
                uf.union(a, b)
        left: set[int] = set()
        for comp in uf.components():
            group, ejected = _scored(lib, comp, fulls, space_of, turned, tier, chosen,
                                     reference, verifier)
            if group is not None:
                out.append(group)
            left.update(ejected)
        if len(left) < 2:
            break
        nodes = left
    return out


def _scored(lib: Library, comp: list[int], fulls: dict[int, str], space_of: dict[int, str],
            turned: TurnChecker | None, tier: str, chosen: set[int],
            reference: list[str], verifier: Verifiers | None
            ) -> tuple[Group | None, list[int]]:
    """The group of a component with its keeper and scores, and the members too far from the
    keeper for the tier (they are grouped again among themselves)."""
    rows = lib.store.files_by_ids(comp)
    items = [rows[f].item() for f in comp if f in rows and rows[f].status == "ok"]
    if len(items) < 2:
        return None, []
    keeper = pick_keeper(items, chosen, reference)
    floor = floor_score(tier)
    kfull = fulls.get(keeper.id)
    space = space_of.get(keeper.id) or next((space_of[i.id] for i in items if i.id in space_of),
                                            None)
    calibration = lib.calibration(space) if space else None
    # Every member against the keeper at once: their vectors in one read, scored together.
    cosines = _scores_against(lib, space, keeper.id, [it.id for it in items]) if space else {}
    if calibration is not None and cosines:
        calibrated = dict(zip(cosines, calibration.score(np.array(list(cosines.values())))
                              .tolist(), strict=True))
    members = [Member(keeper, 1.0, True)]
    ejected: list[int] = []
    for it in items:
        if it.id == keeper.id:
            continue
        if kfull is not None and fulls.get(it.id) == kfull:
            members.append(Member(it, 1.0, True))
            continue
        cos = cosines.get(it.id)
        if cos is None or calibration is None:
            ejected.append(it.id)
            continue
        score = calibrated[it.id]
        if turned is not None and it.kind == MediaKind.IMAGE and score + 1e-9 < floor:
            cos = max(cos, turned.cosine(keeper.id, it.id) or -1.0)  # a turned copy?
            score = float(calibration.score(cos))
        if SIMILAR <= score < SURE and verifier is not None and _differs(verifier, keeper, it):
            score = min(score, SAME_SCORE - 0.001)  # another shot, take or tone: similar
        if score + 1e-9 < floor or tier == IDENTICAL:
            ejected.append(it.id)
        else:
            members.append(Member(it, round(min(score, 0.999999), 6), False))
    if len(members) < 2:
        return None, ejected
    head, rest = members[0], sorted(members[1:], key=lambda m: (-m.score, m.item.path))
    if all(m.identical for m in rest):
        group_tier = IDENTICAL
    elif all(m.score >= SAME_SCORE for m in rest):
        group_tier = SAME
    else:
        group_tier = SIMILAR_TIER
    return Group(group_tier, [head, *rest]), ejected


def _scores_against(lib: Library, space: str, keeper: int, ids: list[int]
                    ) -> dict[int, float]:
    """file id → best cosine between its vectors and the keeper's (segments: the best pair)."""
    got = lib.store.vectors_by_labels(lib.store.labels_of_files(ids), space, present=False)
    mine = got.matrix[got.file_ids == keeper]
    if not len(mine):
        return {}
    cos = (got.matrix @ mine.T).max(axis=1)
    out: dict[int, float] = {}
    for fid, c in zip(got.file_ids.tolist(), cos.tolist(), strict=True):
        out[fid] = max(c, out.get(fid, -2.0))
    return out


def _differs(verifier: Verifiers, keeper: MediaItem, it: MediaItem) -> bool:
    """Whether a second look says `it` is not a copy of `keeper` (verify*.py)."""
    if it.kind == MediaKind.AUDIO:
        return verifier[1].same_recording((keeper.id, keeper.path, keeper.duration),
                                          (it.id, it.path, it.duration)) is False
    return verifier[0].same_picture(_look(keeper), _look(it)) is False


def _look(item: MediaItem) -> tuple[int, str, bool, int]:
    return item.id, item.path, item.kind == MediaKind.VIDEO, max(item.width or 0,
                                                                item.height or 0)


def is_reference(item: MediaItem, reference: Sequence[str]) -> bool:
    return under(item.path, reference)
