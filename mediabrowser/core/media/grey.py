"""A photo as 32×32 grey levels, and a summary of it that turning or mirroring the photo
leaves as it is; both kept for finding copies saved turned or mirrored (core/dupes/turned.py).
Made while indexing, from the picture already decoded for the model."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from PIL import Image

SIDE = 32
LOW = 8  # DCT coefficients kept per axis
_T = Image.Transpose
# The square's eight symmetries, the identity first, each on a grey array and as the photo's
# transpose (the seven after the identity in the order of image_models.TURNS). Grey or colour
# arrays alike: the first two axes are the picture's.
SYMMETRIES = (
    (lambda a: a, None), (lambda a: np.rot90(a, 1), _T.ROTATE_90),
    (lambda a: np.rot90(a, 2), _T.ROTATE_180), (lambda a: np.rot90(a, 3), _T.ROTATE_270),
    (lambda a: a[:, ::-1], _T.FLIP_LEFT_RIGHT), (lambda a: a[::-1, :], _T.FLIP_TOP_BOTTOM),
    (lambda a: a.swapaxes(0, 1), _T.TRANSPOSE),
    (lambda a: np.rot90(a, 2).swapaxes(0, 1), _T.TRANSVERSE),
)


def grey_of(image: Image.Image) -> np.ndarray:
    """The whole picture (its aspect ignored: turning commutes with that resize)."""
    small = image.convert("L").resize((SIDE, SIDE), Image.Resampling.BOX)
    return np.asarray(small, np.uint8)


def _dct_matrix(n: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    m = np.cos(np.pi * (2 * np.arange(n)[None, :] + 1) * k / (2 * n))
    m[0] /= np.sqrt(2)
    return (m * np.sqrt(2 / n)).astype(np.float32)


_DCT = _dct_matrix(SIDE)[:LOW]
_UPPER = np.triu_indices(LOW, k=1)


def summaries(greys: np.ndarray) -> np.ndarray:
    """Unit vectors (one per 32×32 grey picture of `greys`, shape (n, 32, 32)) that a turn or
    a mirror image leaves as they are: the low DCT coefficients' magnitudes (mirroring flips
    only their signs), symmetrised across the diagonal (a quarter turn transposes them); the
    mean level is left out."""
    c = np.abs(np.einsum("ij,njk,lk->nil", _DCT, greys.astype(np.float32), _DCT))
    a, b = c[:, _UPPER[0], _UPPER[1]], c[:, _UPPER[1], _UPPER[0]]
    diag = c[:, np.arange(1, LOW), np.arange(1, LOW)]
    v = np.concatenate([a + b, np.abs(a - b), diag], axis=1)
    n = np.linalg.norm(v, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return (v / n).astype(np.float32)


class PixelWriter(Protocol):
    """Where they are kept: the store's open transaction (core/store/tx.py Tx), which this
    module, beside the store, cannot import."""

    def put_pixels(self, file_id: int, size: int, mtime: float, grey: bytes | None,
                   summary: bytes | None) -> None: ...


def store_grey(tx: PixelWriter, file_id: int, size: int, mtime: float,
               grey: np.ndarray | None) -> None:
    """Keep a file's grey picture and summary (None: it could not be made), for this size and
    date of the file."""
    summary = None if grey is None else summaries(grey[None])[0].astype(np.float16).tobytes()
    tx.put_pixels(file_id, size, mtime, None if grey is None else grey.tobytes(), summary)
