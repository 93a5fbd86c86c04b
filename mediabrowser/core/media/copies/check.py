"""One door to the second look: photos and clips (pictures.py), recordings (sounds.py). Each
file is decoded once per checker (bounded caches), each pair looked at once."""

from __future__ import annotations

from mediabrowser.core.media.copies.pictures import PhotoVerifier
from mediabrowser.core.media.copies.sounds import AudioVerifier
from mediabrowser.core.types import MediaItem, MediaKind


class CopyCheck:
    """Safe to call from several threads (decoding and OpenCV let go of the GIL)."""

    def __init__(self) -> None:
        self.pictures = PhotoVerifier()
        self.sounds = AudioVerifier()
        self.looked: dict[tuple[int, int], bool | None] = {}  # (a, b), a < b → a copy?

    def same(self, a: MediaItem, b: MediaItem) -> bool | None:
        """True: b is a copy of a (the same picture, moments or recording); False: it is
        not; None: cannot tell (a file unreadable, or of another kind)."""
        if a.kind != b.kind:
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
