"""The few image operations the copy checks need, in NumPy and Pillow (what OpenCV gave
before: the small build leaves OpenCV's 150 MiB out). Tests compare them with OpenCV's.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from PIL import Image


def resize(x: np.ndarray, size: tuple[int, int], area: bool = True) -> np.ndarray:
    """float32 (h, w) or (h, w, c) to size (width, height): averaging the pixels each new one
    covers when shrinking (OpenCV's INTER_AREA), bilinear otherwise."""
    method = Image.Resampling.BOX if area else Image.Resampling.BILINEAR
    x = np.asarray(x, np.float32)
    if x.ndim == 2:
        return np.asarray(Image.fromarray(x, mode="F").resize(size, method), np.float32)
    return np.stack([np.asarray(Image.fromarray(np.ascontiguousarray(x[..., c]), mode="F")
                                .resize(size, method), np.float32)
                     for c in range(x.shape[2])], axis=2)


@cache
def _gaussian(sigma: float) -> np.ndarray:
    n = max(3, int(round(sigma * 8 + 1)) | 1)  # OpenCV's kernel size for float pictures
    r = np.arange(n) - n // 2
    k = np.exp(-0.5 * (r / sigma) ** 2)
    return (k / k.sum()).astype(np.float32)


def gaussian_blur(x: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur, borders mirrored without repeating the edge (OpenCV's
    default)."""
    k = _gaussian(sigma)
    r = len(k) // 2
    out = np.asarray(x, np.float32)
    for axis in (0, 1):
        pad = [(0, 0)] * out.ndim
        pad[axis] = (r, r)
        padded = np.pad(out, pad, mode="reflect")
        acc = np.zeros_like(out)
        for i, w in enumerate(k):
            acc += w * np.take(padded, np.arange(i, i + out.shape[axis]), axis=axis)
        out = acc
    return out


def _neighbourhood(x: np.ndarray, op: str) -> np.ndarray:
    """3×3 max ("max") or min ("min") of each pixel's neighbourhood, per channel."""
    padded = np.pad(x, [(1, 1), (1, 1)] + [(0, 0)] * (x.ndim - 2), mode="edge")
    h, w = x.shape[:2]
    views = [padded[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)]
    return np.max(views, axis=0) if op == "max" else np.min(views, axis=0)


def dilate3(x: np.ndarray) -> np.ndarray:
    return _neighbourhood(x, "max")


def erode3(x: np.ndarray) -> np.ndarray:
    return _neighbourhood(x, "min")


def match_template(image: np.ndarray, templ: np.ndarray) -> tuple[float, int, int]:
    """Where `templ` best matches inside `image` (both 2-D), by normalised correlation of
    their deviations from the mean (OpenCV's TM_CCOEFF_NORMED): (score, x, y)."""
    img = np.asarray(image, np.float64)
    t = np.asarray(templ, np.float64)
    big_h, big_w = img.shape
    h, w = t.shape
    t = t - t.mean()
    t_norm = float(np.sqrt((t * t).sum()))
    # correlation through the FFT: circular, but the positions where the template lies
    # wholly inside the picture are not wrapped
    spectrum = np.fft.rfft2(img) * np.fft.rfft2(t[::-1, ::-1], s=(big_h, big_w))
    num = np.fft.irfft2(spectrum, s=(big_h, big_w))[h - 1:, w - 1:]
    one = np.pad(img.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    two = np.pad((img * img).cumsum(0).cumsum(1), ((1, 0), (1, 0)))

    def box(ii: np.ndarray) -> np.ndarray:
        return ii[h:, w:] - ii[:-h, w:] - ii[h:, :-w] + ii[:-h, :-w]

    s1, s2 = box(one), box(two)
    var = np.maximum(s2 - s1 * s1 / (h * w), 0.0)
    den = np.sqrt(var) * t_norm
    score = np.where(den > 1e-6 * max(1.0, t_norm), num / np.maximum(den, 1e-12), 0.0)
    y, x = np.unravel_index(int(np.argmax(score)), score.shape)
    return float(score[y, x]), int(x), int(y)
