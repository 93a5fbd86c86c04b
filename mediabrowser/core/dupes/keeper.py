"""Which copy of a group to keep: the one the person chose, else one in a reference folder,
else the largest picture, then the longest, then the oldest (then the larger file, then the
path, so the choice never depends on the order files were found)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from mediabrowser.core.types import MediaItem


def under(path: str, folders: Iterable[str]) -> bool:
    """Whether `path` is one of `folders` or inside one (compared as bytes, like the store)."""
    p = os.fsencode(path)
    for folder in folders:
        f = os.fsencode(folder).rstrip(b"/" + os.fsencode(os.sep))
        if p == f or p.startswith(f + os.fsencode(os.sep)):
            return True
    return False


def keeper_key(item: MediaItem, chosen: Iterable[int] = (), reference: Sequence[str] = ()
               ) -> tuple:
    pixels = (item.width or 0) * (item.height or 0)
    # Whole seconds: re-encoding pads a few milliseconds, which must not decide.
    return (item.id not in set(chosen), not under(item.path, reference), -pixels,
            -round(item.duration or 0.0), item.mtime, -item.size, os.fsencode(item.path))


def pick_keeper(items: Sequence[MediaItem], chosen: Iterable[int] = (),
                reference: Sequence[str] = ()) -> MediaItem:
    chosen = set(chosen)
    return min(items, key=lambda it: keeper_key(it, chosen, reference))


def keeper_reason(keeper: MediaItem, items: Sequence[MediaItem], chosen: Iterable[int] = (),
                  reference: Sequence[str] = ()) -> str:
    """Why this copy is suggested, in a few words for the window."""
    if keeper.id in set(chosen):
        return "your choice"
    if under(keeper.path, reference):
        return "in a reference folder"
    others = [it for it in items if it.id != keeper.id]
    px = (keeper.width or 0) * (keeper.height or 0)
    if px and all((o.width or 0) * (o.height or 0) < px for o in others):
        return "largest picture"
    if keeper.duration and all((o.duration or 0) < keeper.duration - 0.05 for o in others):
        return "longest"
    if all(o.mtime > keeper.mtime for o in others):
        return "oldest"
    return "first by name"
