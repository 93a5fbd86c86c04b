"""Probe a file: kind (by content, then extension), size, mtime, dimensions/duration, hash."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from mediabrowser.core.media.decode import _image_error, audio_info, check_readable, video_info
from mediabrowser.core.media.hashing import fast_hash
from mediabrowser.core.media.sniff import kind_from_extension, sniff_file
from mediabrowser.core.types import MediaError, MediaKind

_SWAPPED_ORIENTATIONS = {5, 6, 7, 8}  # EXIF orientations that turn the picture on its side


@dataclass(frozen=True)
class ProbeResult:
    kind: MediaKind
    size: int
    mtime: float
    hash: str
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    sample_rate: int | None = None


def detect_kind(path: str | Path) -> MediaKind | None:
    """Kind by content; by extension when the content is unrecognised; None when neither knows."""
    try:
        sniffed = sniff_file(path)
    except PermissionError:
        raise MediaError("cannot read file: permission denied") from None
    except OSError as exc:
        raise MediaError(f"cannot read file: {exc.strerror or exc}") from None
    return sniffed or kind_from_extension(path)


def probe(path: str | Path) -> ProbeResult | None:
    """None for a file that is not media at all (no media extension, no media content)."""
    size = check_readable(path)
    st = os.stat(path)
    kind = detect_kind(path)
    if kind is None:
        return None
    width = height = sample_rate = None
    duration = None
    if kind is MediaKind.IMAGE:
        width, height = _image_size(path)
    elif kind is MediaKind.VIDEO:
        width, height, duration, _ = video_info(path)
    else:
        duration, sample_rate = audio_info(path)
    try:
        digest = fast_hash(path, size)
    except OSError as exc:
        raise MediaError(f"cannot read file: {exc.strerror or exc}") from None
    return ProbeResult(kind, size, st.st_mtime, digest, width, height, duration, sample_rate)


def _image_size(path: str | Path) -> tuple[int, int]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                w, h = im.size
                try:
                    orientation = im.getexif().get(0x0112)
                except Exception:  # noqa: BLE001 - a broken EXIF block is not fatal
                    orientation = None
        if orientation in _SWAPPED_ORIENTATIONS:
            w, h = h, w
        return w, h
    except (OSError, ValueError, SyntaxError, UnidentifiedImageError,
            Image.DecompressionBombError) as exc:
        raise _image_error(exc) from None
