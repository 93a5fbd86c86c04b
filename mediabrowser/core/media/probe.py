"""Probe a file: kind (by content, then extension), size, mtime, dimensions/duration, hash."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mediabrowser.core.media import reasons
from mediabrowser.core.media.decode import (
    NoVideoStream,
    audio_info,
    check_readable,
    image_header,
    video_details,
)
from mediabrowser.core.media.hashing import fast_hash
from mediabrowser.core.media.sniff import kind_from_extension, sniff_file
from mediabrowser.core.media.taken import video_facts
from mediabrowser.core.types import MediaError, MediaKind


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
    taken: float | None = None  # when the photo was taken / the video recorded, if it says
    camera: str | None = None


def detect_kind(path: str | Path) -> MediaKind | None:
    """Kind by content; by extension when the content is unrecognised; None when neither knows."""
    try:
        sniffed = sniff_file(path)
    except OSError as exc:
        raise MediaError(reasons.from_os_error(exc)) from None
    return sniffed or kind_from_extension(path)


def probe(path: str | Path) -> ProbeResult | None:
    """None for a file that is not media at all (no media extension, no media content)."""
    size = check_readable(path)
    st = os.stat(path)
    kind = detect_kind(path)
    if kind is None:
        return None
    width = height = sample_rate = None
    duration = taken = None
    camera = None
    if kind is MediaKind.IMAGE:
        width, height, taken, camera = image_header(path)
    elif kind is MediaKind.VIDEO:
        try:
            width, height, duration, _, tags = video_details(path)
            taken, camera = video_facts(tags)
        except NoVideoStream as no_picture:
            # An MP4 or MKV holding only sound (an iPhone voice memo, a podcast): audio.
            try:
                duration, sample_rate = audio_info(path)
            except MediaError:
                raise no_picture from None
            kind = MediaKind.AUDIO
    else:
        duration, sample_rate = audio_info(path)
    try:
        digest = fast_hash(path, size)
    except OSError as exc:
        raise MediaError(reasons.from_os_error(exc)) from None
    return ProbeResult(kind, size, st.st_mtime, digest, width, height, duration, sample_rate,
                       taken, camera)
