"""One door to the second look: photos and clips (pictures.py), recordings (sounds.py). Each
file is decoded once per checker (bounded caches), each pair looked at once."""

from __future__ import annotations

import os
import time

from mediabrowser.core.media.copies.pictures import PhotoVerifier
from mediabrowser.core.media.copies.sounds import AudioVerifier
from mediabrowser.core.types import MediaItem, MediaKind

MISSING_RECHECK_S = 30.0


class CopyCheck:
    """Safe to call from several threads (decoding and OpenCV let go of the GIL)."""

    def __init__(self) -> None:
        self.pictures = PhotoVerifier()
        self.sounds = AudioVerifier()
        self.looked: dict[tuple[int, int], bool | None] = {}  # (a, b), a < b → a copy?
        self._present: dict[int, float] = {}  # file version → when it was found missing (0: there)

    def present(self, item: MediaItem) -> bool:
        """Whether the file is there to look at (a drive may be offline, a file moved away):
        one stat per file and version, so pairs with a missing file cost nothing more. A
        missing file is looked for again after MISSING_RECHECK_S (a drive plugged back in)."""
        key = _version(item)
        missing_since = self._present.get(key)
        now = time.monotonic()
        if missing_since is None or (missing_since and now - missing_since > MISSING_RECHECK_S):
            try:
                there = os.stat(os.fsencode(item.path)).st_size > 0
            except (OSError, ValueError):
                there = False
            if len(self._present) > 4_000_000:
                self._present = {}
            missing_since = 0.0 if there else now
            self._present[key] = missing_since
        return missing_since == 0.0

    def same(self, a: MediaItem, b: MediaItem) -> bool | None:
        """True: b is a copy of a (the same picture, moments or recording); False: it is
        not; None: cannot tell (a file unreadable, or of another kind)."""
        if a.kind != b.kind or not self.present(a) or not self.present(b):
            return None
        ka, kb = _version(a), _version(b)
        key = (ka, kb) if ka < kb else (kb, ka)
        if key in self.looked:
            return self.looked[key]
        if a.kind == MediaKind.AUDIO:
            verdict = self.sounds.same_recording((ka, a.path, a.duration),
                                                 (kb, b.path, b.duration))
        else:
            verdict = self.pictures.same_picture(
                (ka, a.path, a.kind == MediaKind.VIDEO, a.duration or 0.0),
                (kb, b.path, b.kind == MediaKind.VIDEO, b.duration or 0.0))
        if len(self.looked) > 1_000_000:
            self.looked = {}
        self.looked[key] = verdict
        return verdict


def _version(item: MediaItem) -> int:
    """One number per file and content version (a changed file is looked at again; a file
    outside the library, with no id of its own, by its path)."""
    return hash((item.id, item.path, item.size, item.mtime))
