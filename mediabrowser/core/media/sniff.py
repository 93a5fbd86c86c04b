"""Recognise a file's media kind from its first bytes, with the extension as a fallback."""

from __future__ import annotations

from pathlib import Path

from mediabrowser.core.types import MediaKind

RAW_EXTS = {".dng", ".cr2", ".cr3", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".orf", ".rw2",
            ".raf", ".pef", ".srw", ".3fr", ".erf", ".kdc", ".mrw", ".x3f"}
IMAGE_EXTS = {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".apng", ".webp", ".bmp", ".gif", ".tif",
              ".tiff", ".heic", ".heif", ".hif", ".avif"} | RAW_EXTS
VIDEO_EXTS = {".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".wmv", ".mpg", ".mpeg", ".3gp",
              ".mts", ".m2ts", ".ts", ".flv", ".ogv", ".vob"}
AUDIO_EXTS = {".mp3", ".wav", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".m4b", ".aac", ".aiff",
              ".aif", ".aifc", ".wma", ".caf"}
MEDIA_EXTS = IMAGE_EXTS | VIDEO_EXTS | AUDIO_EXTS

_AUDIO_FTYP_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1",
                b"msf1", b"MiHE", b"MiHB", b"avif", b"avis", b"crx "}


def kind_from_extension(path: str | Path) -> MediaKind | None:
    ext = Path(path).suffix.lower()
    if ext in IMAGE_EXTS:
        return MediaKind.IMAGE
    if ext in VIDEO_EXTS:
        return MediaKind.VIDEO
    if ext in AUDIO_EXTS:
        return MediaKind.AUDIO
    return None


def sniff_bytes(head: bytes) -> MediaKind | None:
    """Kind from magic numbers; None when the bytes match no format we know."""
    h = head
    if h.startswith(b"\xff\xd8\xff") or h.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaKind.IMAGE
    if h[:6] in (b"GIF87a", b"GIF89a") or h.startswith(b"BM"):
        return MediaKind.IMAGE
    if h[:4] in (b"II*\x00", b"MM\x00*"):
        return MediaKind.IMAGE
    if h[:4] == b"RIFF" and len(h) >= 12:
        form = h[8:12]
        if form == b"WEBP":
            return MediaKind.IMAGE
        if form == b"WAVE":
            return MediaKind.AUDIO
        if form == b"AVI ":
            return MediaKind.VIDEO
    if h[4:8] == b"ftyp" and len(h) >= 12:
        brand = h[8:12]
        if brand in _AUDIO_FTYP_BRANDS:
            return MediaKind.AUDIO
        if brand in _HEIF_BRANDS:
            return MediaKind.IMAGE
        return MediaKind.VIDEO
    if h.startswith(b"\x1a\x45\xdf\xa3"):  # Matroska / WebM
        return MediaKind.VIDEO
    if h.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):  # ASF (wmv)
        return MediaKind.VIDEO
    if h[:4] in (b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3"):  # MPEG program / video stream
        return MediaKind.VIDEO
    if h.startswith(b"ID3") or h.startswith(b"fLaC") or h.startswith(b"OggS"):
        return MediaKind.AUDIO
    if h[:4] == b"FORM" and h[8:12] in (b"AIFF", b"AIFC"):
        return MediaKind.AUDIO
    if len(h) >= 2 and h[0] == 0xFF and (h[1] & 0xF6) in (0xF0, 0xF2, 0xF4, 0xF6):
        # MPEG audio frame sync (mp3) or ADTS (aac)
        return MediaKind.AUDIO
    return None


def sniff_file(path: str | Path) -> MediaKind | None:
    with open(path, "rb") as f:
        return sniff_bytes(f.read(64))
