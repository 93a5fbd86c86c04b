"""File names are bytes. Python holds them as str with undecodable bytes as lone surrogates
(os.fsdecode's "surrogateescape"); these helpers keep that exact and make it readable.

- In the database a path is TEXT when it is valid UTF-8 (nearly always) and a BLOB of its raw
  bytes otherwise, so every name the file system allows is stored losslessly and found again.
- To people (window, messages) a name is shown with U+FFFD for each byte that is not UTF-8.
- In JSON, Python's escaping keeps the surrogates as "\\udcXX"; json.loads gives back the same
  str, which os.fsencode (or subprocess) turns into the original bytes.
"""

from __future__ import annotations

import os


def to_db(path: str) -> str | bytes:
    """The value stored for `path`: itself when valid UTF-8, else its raw bytes."""
    return path if is_readable_text(path) else os.fsencode(path)


def from_db(value: str | bytes) -> str:
    return os.fsdecode(value) if isinstance(value, bytes) else value


def is_readable_text(path: str) -> bool:
    """True when the name is valid UTF-8 (it can be shown and handed to Qt as it is)."""
    try:
        path.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def display(path: str) -> str:
    """A readable form for people: undecodable bytes become U+FFFD, control characters
    (a newline in a name) become visible symbols."""
    try:
        text = os.fsencode(path).decode("utf-8", "replace")
    except UnicodeEncodeError:  # surrogates that are not escaped bytes (e.g. from bad JSON)
        text = path.encode("utf-8", "replace").decode("utf-8")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        text = "".join(chr(0x2400 + ord(c)) if ord(c) < 32 else ("\u2421" if ord(c) == 127 else c)
                       for c in text)
    return text


def display_name(path: str) -> str:
    return display(os.path.basename(path.rstrip(os.sep)) or path)


def openable_alias(path: str, folder: str | None = None) -> str:
    """A path other programs (Qt's player, a file manager) can open: `path` itself when its
    name is valid UTF-8, else a symbolic link with a plain name pointing at it (the media file
    itself is never touched)."""
    if is_readable_text(path):
        return path
    import hashlib
    import tempfile

    base = folder or os.path.join(tempfile.gettempdir(), f"mediabrowser-{os.getuid()}-aliases")
    os.makedirs(base, mode=0o700, exist_ok=True)
    raw = os.fsencode(path)
    ext = os.path.splitext(raw)[1].decode("ascii", "ignore")[:10]
    alias = os.path.join(base, hashlib.blake2b(raw, digest_size=12).hexdigest() + ext)
    try:
        if os.readlink(alias) == path:
            return alias
    except OSError:
        pass
    # A unique temporary name, then an atomic rename: threads making the same alias at once
    # (preview, thumbnails, indexing) all end with the same, complete link.
    import uuid

    tmp = f"{alias}.{uuid.uuid4().hex}.tmp"
    os.symlink(path, tmp)
    os.replace(tmp, alias)
    return alias
