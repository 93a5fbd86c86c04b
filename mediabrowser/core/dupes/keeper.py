"""Which copy of a group to keep: the best one. The person's choice first, then a copy in a
reference folder, then the largest picture, then lossless over lossy, then more bits a second
(audio, video) or a pixel (photos of one format), then an original over a converter's
re-encode, then the longest (lengths within PAD seconds are equal: encoders pad), then one not
named as a copy ("x copy.jpg", "Copy of x", "x (2)"), then the oldest (dates within a minute
are equal: the window shows them to the minute), then the larger
file, then the path, so the choice never depends on the order files were found.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from mediabrowser.core.media.encoding import Encoding, encoding_of
from mediabrowser.core.types import MediaItem

PAD = 0.5  # seconds: an MP3's encoder delay and padding, a video's last frame
BETTER_RATE = 1.1  # a rate this much higher is better quality, not noise between encoders

# The rule each part of keeper_key stands for, as the window says it ("kept (…)").
REASONS = ("your choice", "in a reference folder", "largest picture", "lossless",
           "highest quality", "original, not a re-encode", "longest", "not named as a copy",
           "oldest", "largest file", "first by name")
# Names file managers and browsers give copies: "x copy.jpg", "Copy of x", "x (2)", "x - Copy".
COPY_NAME = re.compile(r"(\bcopy\b|\bkopie\b|\bcopie\b|^copy of |\(\d+\)$|[-_ ]copy\d*$)",
                       re.IGNORECASE)


def under(path: str, folders: Iterable[str]) -> bool:
    """Whether `path` is one of `folders` or inside one (compared as bytes, like the store)."""
    p = os.fsencode(path)
    for folder in folders:
        f = os.fsencode(folder).rstrip(b"/" + os.fsencode(os.sep))
        if p == f or p.startswith(f + os.fsencode(os.sep)):
            return True
    return False


@lru_cache(maxsize=4096)
def _encoding(path: str, kind: str, size: int, mtime: float, duration: float | None
              ) -> Encoding:
    return encoding_of(path, kind, size, duration)


def encoding(item: MediaItem) -> Encoding:
    return _encoding(item.path, item.kind.value, item.size, item.mtime, item.duration)


def keeper_key(item: MediaItem, chosen: Iterable[int] = (), reference: Sequence[str] = (),
               photo_rates: bool = True) -> tuple:
    """`photo_rates`: the group's photos share one format, so bytes a pixel say which is the
    better encode (across formats they say nothing)."""
    pixels = (item.width or 0) * (item.height or 0)
    enc = encoding(item)
    rate = enc.bits_per_second or (item.size / pixels if pixels and photo_rates else 0.0)
    # On a log scale: rates within BETTER_RATE of each other mostly tie.
    step = -math.floor(math.log(rate) / math.log(BETTER_RATE)) if rate > 0 else 0
    return (*_first(item, chosen, reference), not enc.lossless, step, enc.converted,
            -math.floor((item.duration or 0.0) / PAD + 0.5), named_as_copy(item.path),
            math.floor(item.mtime / 60),
            -item.size, os.fsencode(item.path))


def _first(item: MediaItem, chosen: Iterable[int], reference: Sequence[str]
           ) -> tuple[bool, bool, int]:
    """The rules that need no look inside the file: choice, reference folder, picture size."""
    chosen = chosen if isinstance(chosen, (set, frozenset)) else set(chosen)
    return (item.id not in chosen, not under(item.path, reference),
            -(item.width or 0) * (item.height or 0))


def named_as_copy(path: str) -> bool:
    return bool(COPY_NAME.search(os.path.splitext(os.path.basename(path))[0].strip()))


def _one_format(items: Sequence[MediaItem]) -> bool:
    return len({os.path.splitext(it.path)[1].lower() for it in items}) == 1


def _keys(items: Sequence[MediaItem], chosen: set[int], reference: Sequence[str],
          one_format: bool | None = None) -> dict[int, tuple]:
    one = _one_format(items) if one_format is None else one_format
    return {it.id: keeper_key(it, chosen, reference, one) for it in items}


def pick_keeper(items: Sequence[MediaItem], chosen: Iterable[int] = (),
                reference: Sequence[str] = (),
                known: dict[tuple[int, bool], tuple] | None = None) -> MediaItem:
    """`known`: keys worked out before, kept by the caller (grouping asks again for the files
    that left a group, among themselves)."""
    chosen = set(chosen)
    first = {it.id: _first(it, chosen, reference) for it in items}
    best = min(first.values())
    # Only the copies that tie on the first rules need their headers read.
    tied = [it for it in items if first[it.id] == best]
    if len(tied) == 1:
        return tied[0]
    one = _one_format(items)
    known = {} if known is None else known
    for it in tied:
        if (it.id, one) not in known:
            known[(it.id, one)] = keeper_key(it, chosen, reference, one)
    return min(tied, key=lambda it: known[(it.id, one)])


def keeper_reason(keeper: MediaItem, items: Sequence[MediaItem], chosen: Iterable[int] = (),
                  reference: Sequence[str] = (), contained: Iterable[int] = ()) -> str:
    """Which rule chose this copy over the next best, in a few words for the window.
    `contained`: clips cut from the keeper, which the rules do not weigh against it."""
    cut = set(contained)
    copies = [it for it in items if it.id != keeper.id and it.id not in cut]
    if cut and not copies:
        return "the video the clips are cut from"
    keys = _keys([keeper, *copies], set(chosen), reference)
    mine = keys[keeper.id]
    others = [k for i, k in keys.items() if i != keeper.id]
    if not others:
        return REASONS[-1]
    runner_up = min(others)
    for i, (a, b) in enumerate(zip(mine, runner_up, strict=True)):
        if a != b:
            return REASONS[i] if a < b else "your choice"
    return REASONS[-1]
