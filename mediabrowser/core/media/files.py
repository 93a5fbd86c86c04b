"""Checks every decoder makes before it opens a file (read-only, always)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from mediabrowser.core.media import reasons
from mediabrowser.core.types import MediaError


def check_readable(path: str | Path) -> int:
    """Return the size; raise MediaError for a missing, unreadable, special or empty file."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise MediaError(reasons.from_os_error(exc)) from None
    if stat.S_ISDIR(st.st_mode):
        raise MediaError("a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise MediaError("not a regular file (a device, pipe or socket)")
    if st.st_size == 0:
        raise MediaError("empty file (0 bytes)")
    if not os.access(path, os.R_OK):
        raise MediaError("cannot read file: permission denied")
    return st.st_size


def native_path(path: str | Path) -> str:
    """The path to hand to a native decoder (OpenCV, FFmpeg, libsndfile, LibRaw). They take
    UTF-8 text: a name that is not valid UTF-8 crashes OpenCV outright and makes the others
    refuse, so such a file is opened through a symbolic link with a plain name."""
    from mediabrowser.core.filenames import openable_alias

    return openable_alias(str(path))
