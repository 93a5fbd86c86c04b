"""Walk folders for media files: hidden and system folders skipped, symlink loops never followed."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from mediabrowser.core.media.sniff import MEDIA_EXTS
from mediabrowser.core.types import CancelToken

# Folders that hold application data, not a person's media.
SKIP_DIRS = {"__pycache__", "node_modules", "$RECYCLE.BIN", "System Volume Information",
             "lost+found", "@eaDir", ".Trash", "Thumbs.db"}


def is_candidate(name: str) -> bool:
    """A file worth probing: a media extension, or no extension at all (sniffed later)."""
    if name.startswith("."):
        return False
    ext = os.path.splitext(name)[1].lower()
    return ext in MEDIA_EXTS or ext == ""


def iter_media_files(
    roots: Iterable[str | Path], cancel: CancelToken | None = None, *, skip: Path | None = None
) -> Iterator[Path]:
    """Yield absolute paths of candidate media files below each root (or the root itself).

    `skip` is a folder never entered (the library's own folder when it lies inside a root).
    """
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[Path] = set()
    skip_real = skip.resolve() if skip else None
    for root in roots:
        root_path = Path(root).expanduser().absolute()
        if root_path.is_file():
            if root_path not in seen_files:
                seen_files.add(root_path)
                yield root_path
            continue
        if not root_path.is_dir():
            continue
        stack = [root_path]
        while stack:
            if cancel:
                cancel.raise_if_cancelled()
            folder = stack.pop()
            try:
                st = folder.stat()
            except OSError:
                continue
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:  # a symlink loop or a folder reached twice
                continue
            seen_dirs.add(key)
            if skip_real is not None and folder.resolve() == skip_real:
                continue
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            subdirs: list[Path] = []
            for entry in entries:
                if entry.name.startswith(".") or entry.name in SKIP_DIRS:
                    continue
                try:
                    if entry.is_dir():
                        subdirs.append(Path(entry.path))
                    elif entry.is_file() and is_candidate(entry.name):
                        p = Path(entry.path)
                        if p not in seen_files:
                            seen_files.add(p)
                            yield p
                except OSError:
                    continue
            stack.extend(reversed(subdirs))
