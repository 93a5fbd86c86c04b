"""How a file was encoded, for choosing which of several copies to keep: lossless or lossy, how
many bits a second (or a pixel) it spends, and whether its tags say a converter wrote it (a
re-encode) rather than the camera or recorder that made the original. Read from the container's
header only (PyAV), for the few files of a duplicate group."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from mediabrowser.core.media.files import native_path

LOSSLESS_EXT = {".png", ".bmp", ".tif", ".tiff", ".gif", ".ppm", ".pgm", ".pnm", ".dng",
                ".cr2", ".cr3", ".nef", ".arw", ".orf", ".rw2", ".raf", ".wav", ".flac",
                ".aif", ".aiff", ".ape", ".wv", ".tta"}
LOSSLESS_CODECS = {"flac", "alac", "ape", "wavpack", "tta", "ffv1", "huffyuv", "utvideo",
                   "png", "rawvideo", "ffvhuff", "mlp", "truehd"}
# Tags the usual converters write: FFmpeg's libraries, HandBrake, and the like.
CONVERTERS = ("lavf", "lavc", "handbrake", "ffmpeg", "gstreamer", "vlc")


@dataclass(frozen=True)
class Encoding:
    lossless: bool = False
    bits_per_second: float = 0.0  # audio and video: the whole file's rate; 0 when unknown
    converted: bool = False  # a converter's tag: most likely a re-encode of another file
    codec: str = ""


def encoding_of(path: str | Path, kind: str, size: int, duration: float | None) -> Encoding:
    """Never raises: a file that cannot be read is simply not known to be better."""
    ext = os.path.splitext(os.fsdecode(path))[1].lower()
    lossless = ext in LOSSLESS_EXT
    rate = size * 8 / duration if duration else 0.0
    if kind == "image":
        if ext == ".webp":
            lossless = _webp_lossless(path)
        return Encoding(lossless, 0.0, False, ext.lstrip("."))
    try:
        import av

        with av.open(native_path(path)) as c:
            tags = " ".join(str(v) for v in c.metadata.values()).lower()
            codecs = []
            for s in c.streams:
                codecs.append(s.codec_context.name if s.codec_context else "")
                tags += " " + " ".join(str(v) for v in s.metadata.values()).lower()
            main = next((s for s in c.streams if s.type == ("video" if kind == "video"
                                                             else "audio")), None)
            codec = main.codec_context.name if main is not None else ""
            if codec.startswith("pcm_") or codec in LOSSLESS_CODECS:
                lossless = True
            elif codec:
                lossless = False
            if c.bit_rate:
                rate = float(c.bit_rate)
    except Exception:  # noqa: BLE001 - unreadable here: the keeper rule falls back on the rest
        return Encoding(lossless, rate, False, ext.lstrip("."))
    return Encoding(lossless, rate, any(t in tags for t in CONVERTERS), codec)


def _webp_lossless(path: str | Path) -> bool:
    """A WebP file's first chunk: VP8L is lossless, VP8 and VP8X (usually) lossy."""
    try:
        with open(native_path(path), "rb") as f:
            head = f.read(16)
    except OSError:
        return False
    return head[12:16] == b"VP8L"
