"""A photo as 32×32 grey levels, kept for finding copies saved turned or mirrored
(core/dupes/turned.py). Made while indexing, from the picture already decoded for the model."""

from __future__ import annotations

import numpy as np
from PIL import Image

SIDE = 32


def grey_of(image: Image.Image) -> np.ndarray:
    """The whole picture (its aspect ignored: turning commutes with that resize)."""
    small = image.convert("L").resize((SIDE, SIDE), Image.Resampling.BOX)
    return np.asarray(small, np.uint8)


def store_grey(conn: object, file_id: int, size: int, mtime: float, grey: np.ndarray | None
               ) -> None:
    """Keep a file's grey picture (None: it could not be made) for this size and date."""
    conn.execute("INSERT OR REPLACE INTO dup_pixels VALUES (?, ?, ?, ?)",  # type: ignore[attr-defined]
                 (file_id, size, mtime, None if grey is None else grey.tobytes()))
