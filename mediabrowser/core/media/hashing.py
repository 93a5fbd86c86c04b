"""Content hashes: a fast one from size and three sampled blocks, a full one on collision."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

BLOCK = 64 * 1024


def fast_hash(path: str | Path, size: int | None = None) -> str:
    """Hash of the size and the first, middle and last 64 KiB: cheap even for huge videos."""
    if size is None:
        size = os.stat(path).st_size
    h = hashlib.blake2b(digest_size=16)
    h.update(size.to_bytes(8, "little"))
    with open(path, "rb") as f:
        if size <= 3 * BLOCK:
            h.update(f.read())
        else:
            for offset in (0, size // 2 - BLOCK // 2, size - BLOCK):
                f.seek(offset)
                h.update(f.read(BLOCK))
    return h.hexdigest()


def full_hash(path: str | Path) -> str:
    h = hashlib.blake2b(digest_size=20)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
