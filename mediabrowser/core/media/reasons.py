"""Why a file could not be used, in plain words: never a source path or an exception's text.

Decoders fail with messages meant for their developers ("moov atom not found", "Error in
src/decoder.cpp:123", "cannot identify image file <_io.BytesIO ...>"). These helpers turn the
exception and the file's first bytes into a short reason a person understands.
"""

from __future__ import annotations

import errno
import re
from pathlib import Path

# What the first bytes say a file is, when it is not a media file we can read.
_NOT_MEDIA_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
    (b"SQLite format 3", "a database"),
    (b"{\\rtf", "a text document"),
]

# Substrings of decoder messages (FFmpeg, libsndfile, Pillow, OpenCV), lower-cased, and the
# reason they mean. First match wins, so the more specific come first.
_MESSAGE_REASONS: list[tuple[str, str]] = [
    ("moov atom not found", "truncated: the file ends early (its index is missing)"),
    ("truncated", "truncated: the file ends early"),
    ("end of file", "truncated: the file ends early"),
    ("premature end", "truncated: the file ends early"),
    ("unexpected eof", "truncated: the file ends early"),
    ("invalid data found", "damaged: the data is not in the format its name says"),
    ("format not recognised", "not a recognised audio format"),
    ("unknown format", "not a recognised format"),
    ("no audio stream", "no sound in this file"),
    ("no video stream", "no picture in this file"),
    ("unsupported", "a format or codec this app cannot decode yet"),
    ("codec not", "a codec this app cannot decode yet"),
    ("permission denied", "cannot read file: permission denied"),
    ("no such file", "file not found"),
]


def describe_content(path: str | Path) -> str | None:
    """"an HTML page", "a PDF document", "empty" … for a file that is not media; None when the
    bytes look like nothing in particular."""
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError:
        return None
    return describe_bytes(head)


def describe_bytes(head: bytes) -> str | None:
    if not head:
        return "empty"
    for magic, what in _NOT_MEDIA_MAGIC:
        if head.startswith(magic):
            return what
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "an HTML page"
    if text.startswith(b"<?xml") or text.startswith(b"<svg"):
        return "an SVG drawing" if b"<svg" in text else "an XML document"
    if text.startswith((b"{", b"[")) and _is_text(head):
        return "a text file (JSON)"
    if _is_text(head):
        return "a text file"
    return None


def _is_text(head: bytes) -> bool:
    try:
        decoded = head.decode("utf-8")
    except UnicodeDecodeError:
        # A cut in the middle of a multi-byte character at the end is still text.
        try:
            decoded = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return all(c.isprintable() or c in "\r\n\t\f" for c in decoded)


def not_kind_reason(kind_word: str, path: str | Path) -> str:
    """"not a picture: this is an HTML page", or a plain "not a recognised … format"."""
    what = describe_content(path)
    if what == "empty":
        return "empty file (0 bytes)"
    if what:
        return f"not {kind_word}: this is {what}"
    return f"not {kind_word}: the content is in no format this app recognises"


def from_message(message: str, fallback: str) -> str:
    """A reason from a decoder's message, or `fallback` when the message is not understood."""
    low = message.lower()
    for needle, reason in _MESSAGE_REASONS:
        if needle in low:
            return reason
    return fallback


def from_os_error(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "cannot read file: permission denied"
    if isinstance(exc, FileNotFoundError):
        return "file not found (moved or deleted during the run)"
    if isinstance(exc, IsADirectoryError):
        return "a folder, not a file"
    if exc.errno == errno.EIO:
        return "cannot read file: the disk reported a read error"
    if exc.errno in (errno.ENAMETOOLONG,):
        return "the file name is too long to open"
    if exc.errno in (errno.ENXIO, errno.ENODEV, errno.EOPNOTSUPP):
        return "not a regular file"
    return "cannot read file: " + (exc.strerror or "the system refused")


_SOURCE_PATH = re.compile(r"\S+\.(?:c|cc|cpp|h|hpp|py|pyx)(?::\d+)?", re.IGNORECASE)


def scrub(text: str, limit: int = 160) -> str:
    """A last resort for an unforeseen message: no source paths, no tracebacks, one short line."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    line = _SOURCE_PATH.sub("", line)
    line = re.sub(r"<[^>]*(?:object|at 0x)[^>]*>", "", line)  # <_io.BytesIO object at 0x…>
    line = re.sub(r"\s+", " ", line).strip(" :,.")
    return line[:limit]


def unexpected(stage: str, exc: BaseException) -> str:
    """For an exception nobody foresaw: say what failed, in words, without a traceback."""
    if isinstance(exc, OSError):
        return from_os_error(exc)
    if isinstance(exc, MemoryError):
        return f"too large to {stage} with the memory this computer has"
    detail = from_message(str(exc), "")
    if detail:
        return detail
    return f"could not {stage} this file (damaged, or a variant this app does not handle)"
