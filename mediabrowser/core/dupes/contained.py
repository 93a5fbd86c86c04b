"""Clips cut from a longer video: each clip's moments aligned over time with the other
videos' (core/moments.py), so a clip is shown in the longer video's group as "contained in"
it, with where — never as the same as a clip of another moment. The longer video is the
keeper; bulk clean-up leaves a contained clip alone (a cut is often made on purpose).
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from dataclasses import dataclass

from mediabrowser.core.dupes.stars import SAME, SAME_SCORE, Context, Group, Member
from mediabrowser.core.embed.base import moments_space
from mediabrowser.core.library import Library
from mediabrowser.core.moments import aligned
from mediabrowser.core.types import CancelToken, MediaKind, Progress

BATCH = 256  # clips whose moments are read at once
LONGER_BY = 1.0  # seconds: the containing video is at least this much longer
COVERED = 0.8  # the aligned run spans at least this share of the clip


@dataclass(frozen=True)
class Contained:
    clip: int
    video: int
    start: float
    end: float
    score: float


def contained_clips(lib: Library, space: str, cancel: CancelToken,
                    seeds: set[int] | None = None
                    ) -> Generator[Progress, None, list[Contained]]:
    """Every video (of `seeds`, when given) found inside a longer one at the "same" level."""
    moments = moments_space(space)
    if lib.indexes.get(moments) is None:
        return []
    ids = sorted(lib.store.space_file_ids(moments) if seeds is None
                 else seeds & lib.store.space_file_ids(moments))
    found: list[Contained] = []
    for start in range(0, len(ids), BATCH):
        cancel.raise_if_cancelled()
        batch = ids[start:start + BATCH]
        rows = lib.store.files_by_ids(batch)
        stored = lib.store.moments_of(batch, moments)
        for fid in batch:
            row = rows.get(fid)
            if row is None or row.status != "ok" or fid not in stored or not row.duration:
                continue
            starts, ends, vecs = stored[fid]
            for m in aligned(lib, space, (starts + ends) / 2, vecs, 3,
                             [MediaKind.VIDEO.value], fid):
                longer = m.item.duration or 0.0
                if (m.start is None or m.end is None or m.score < SAME_SCORE
                        or longer < row.duration + LONGER_BY
                        or m.end - m.start < COVERED * row.duration):
                    continue
                found.append(Contained(fid, m.item.id, m.start, m.end, m.score))
                break  # its best containing video
        yield Progress("compare", min(start + BATCH, len(ids)), len(ids),
                       message="clips inside longer videos")
    return found


def with_contained(ctx: Context, groups: list[Group], found: Iterable[Contained]
                   ) -> list[Group]:
    """`groups`, each containing video's group gaining its clips (a video in no group gets
    one; a video that is a copy in a group lends it to that group, whose keeper shows the same
    moment); a clip already in a group, chosen as a keeper or marked "not duplicates" with the
    video stays where it is."""
    where = {m.item.id: g for g in groups for m in g.members}
    out = list(groups)
    for c in found:
        if c.clip in where or c.clip in ctx.chosen or c.video in ctx.forbidden.get(c.clip, ()):
            continue
        items = ctx.lib.store.files_by_ids([c.clip, c.video])
        if c.clip not in items or c.video not in items:
            continue
        member = Member(items[c.clip].item(), c.score, False, (c.start, c.end))
        group = where.get(c.video)
        if group is None:
            group = Group(SAME, [Member(items[c.video].item(), 1.0, False)])
            out.append(group)
            where[c.video] = group
        group.members.append(member)
        where[c.clip] = group
    return out
