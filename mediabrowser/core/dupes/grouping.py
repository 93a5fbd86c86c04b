"""Find copies: pairs (edges.py, turned.py) grouped as stars around a keeper (stars.py).

Tiers come from calibrated scores (core/calibration.py), the same for every kind and model:
*identical* is the same bytes; *same* is a score of 0.9 or more against the keeper, as in search
results, with a second look at the pixels or the sound of pairs a model is not sure of (a
stereo pair or a detail cut from a photo reaches 0.9 too, and is similar at most); *similar* is
0.7 or more (burst shots, near takes). `--tier same` lists identical and same groups;
`--tier similar` joins them, whole, with their similar neighbours, so raising the tier only
ever adds pairs, never splits them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from mediabrowser.core.dupes import decisions
from mediabrowser.core.dupes.contained import contained_clips, with_contained
from mediabrowser.core.dupes.edges import identical_sets, knn_pairs, reference_pairs
from mediabrowser.core.dupes.pairs import EdgeList, Pairs, SpaceOf
from mediabrowser.core.dupes.stars import (
    IDENTICAL,
    SAME,
    SAME_SCORE,
    SIMILAR,
    SIMILAR_TIER,
    Context,
    Group,
    Member,
    same_groups,
    similar_groups,
    verified_edges,
)
from mediabrowser.core.dupes.turned import TurnChecker, turned_pairs
from mediabrowser.core.embed.registry import get_spec
from mediabrowser.core.library import Library
from mediabrowser.core.media.copies.check import CopyCheck
from mediabrowser.core.types import BadInput, CancelToken, MediaKind, Progress

TIERS = (IDENTICAL, SAME, SIMILAR_TIER)
__all__ = ["IDENTICAL", "SAME", "SIMILAR_TIER", "TIERS", "Group", "Member", "DuplicateReport",
           "find_duplicates_job"]


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
        raise BadInput(f"unknown tier {tier!r} (identical, same or similar)")
    cancel = cancel or CancelToken()
    t0 = time.perf_counter()
    report = DuplicateReport(tier=tier)
    seeds = files_under_paths(lib, paths) if paths else None
    refs = files_under_paths(lib, reference) if reference else None
    if refs is not None and seeds is None:
        seeds = lib.store.present_file_ids() - refs
    if seeds is not None and not seeds:
        return report
    yield Progress("compare", 0, 0, message="identical files")
    identical, fulls, aliases = yield from identical_sets(
        lib, None if seeds is None else seeds | (refs or set()), cancel)
    if refs is not None:
        identical = [s for s in identical if set(s) & refs and set(s) & seeds]  # type: ignore[operator]
    pairs: dict[tuple[str, str], Pairs] = {}  # (kind, space) → pairs
    # A close look shared by every step of this run; not the library's (search results'),
    # whose verdicts are kept for the session: a run looks again at files changed since.
    copies = CopyCheck() if tier != IDENTICAL else None
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
                turned, checker = yield from turned_pairs(
                    lib, space, floor, cancel, pairs[(kind, space)], seeds, copies,
                    lib.calibration(space).cosine_for(SAME_SCORE))
                pairs[(kind, space)].extend(*turned.arrays())
    yield Progress("group", 0, 0)
    by_space: dict[str, list[Pairs]] = {}
    for (_kind, space), p in pairs.items():
        by_space.setdefault(space, []).append(p)
    edges = EdgeList.of(by_space, aliases)
    ctx = Context(lib, fulls, SpaceOf(edges), checker, decisions.chosen_keepers(lib.store),
                  list(reference or ()) + decisions.reference_folders(lib.store),
                  decisions.forbidden_pairs(lib.store), copies)
    same_cos = np.array([lib.calibration(sp).cosine_for(SAME_SCORE) for sp in edges.spaces]
                        + [2.0])
    same_edges = yield from verified_edges(
        ctx, edges.take(edges.cos >= same_cos[edges.space]), cancel)
    groups = same_groups(ctx, identical, same_edges,
                         floor_score(tier) if tier == IDENTICAL else SAME_SCORE)
    if tier == SIMILAR_TIER:
        groups = similar_groups(ctx, groups, edges)
    for kind, space in _spaces(lib):
        if kind == MediaKind.VIDEO.value and tier != IDENTICAL:
            clips = yield from contained_clips(lib, space, cancel, seeds)
            groups = with_contained(ctx, groups, clips)
    if seeds is not None:
        groups = [g for g in groups if any(m.item.id in seeds for m in g.members)]
    groups.sort(key=lambda g: (-len(g.members), -g.reclaimable, os.fsencode(g.keeper.path)))
    report.groups = groups
    report.files = len(seeds) if seeds is not None else sum(
        lib.store.count(k.value) for k in MediaKind)
    report.seconds = time.perf_counter() - t0
    yield Progress("group", len(groups), len(groups))
    return report


