"""Decoders for the models, one module per kind; this module gathers them for callers.

Every failure becomes a MediaError whose message names the problem in plain words.
Files are only ever opened for reading.
"""

from __future__ import annotations

from mediabrowser.core.media.audio import AUDIO_MAX_SECONDS, AUDIO_RATE, audio_info, load_audio
from mediabrowser.core.media.files import check_readable
from mediabrowser.core.media.images import image_header, image_size, load_image
from mediabrowser.core.media.video import (
    NoVideoStream,
    video_details,
    video_frames,
    video_info,
    video_poster,
)

__all__ = ["AUDIO_MAX_SECONDS", "AUDIO_RATE", "NoVideoStream", "audio_info", "check_readable",
           "image_header", "image_size", "load_audio", "load_image", "video_details",
           "video_frames", "video_info", "video_poster"]
