"""The copy checks' image operations without OpenCV compute what OpenCV does."""

from __future__ import annotations

import numpy as np
import pytest

from mediabrowser.core.media.copies import filters

cv2 = pytest.importorskip("cv2")


@pytest.fixture
def picture() -> np.ndarray:
    rng = np.random.default_rng(0)
    x = (rng.random((90, 120, 3)) * 255).astype(np.float32)
    return cv2.GaussianBlur(x, (0, 0), 3)


def test_resizing_blurring_and_neighbourhoods_equal_opencv(picture: np.ndarray) -> None:
    for size in [(60, 45), (40, 30)]:  # whole factors: pixel averages, exactly
        ours = filters.resize(picture, size)
        assert np.abs(ours - cv2.resize(picture, size, interpolation=cv2.INTER_AREA)).max() < 1e-3
    odd = filters.resize(picture, (37, 29))  # other factors: pixel shares weigh a little apart
    assert np.abs(odd - cv2.resize(picture, (37, 29), interpolation=cv2.INTER_AREA)).mean() < 1
    up = filters.resize(picture, (200, 150), area=False)
    assert np.abs(up - cv2.resize(picture, (200, 150), interpolation=cv2.INTER_LINEAR)).max() < 1e-3
    assert np.abs(filters.gaussian_blur(picture, 0.7)
                  - cv2.GaussianBlur(picture, (0, 0), 0.7)).max() < 1e-3
    kernel = np.ones((3, 3), np.uint8)
    assert (filters.dilate3(picture) == cv2.dilate(picture, kernel)).all()
    assert (filters.erode3(picture) == cv2.erode(picture, kernel)).all()


def test_template_matching_equals_opencv(picture: np.ndarray) -> None:
    grey = picture.mean(axis=2)
    for crop, size in [((10, 80, 15, 110), (80, 60)), ((0, 85, 5, 120), (100, 72))]:
        y0, y1, x0, x1 = crop
        templ = cv2.resize(np.ascontiguousarray(grey[y0:y1, x0:x1]), size,
                           interpolation=cv2.INTER_AREA)
        res = cv2.matchTemplate(grey, templ, cv2.TM_CCOEFF_NORMED)
        _lo, score, _at, (x, y) = cv2.minMaxLoc(res)
        ours = filters.match_template(grey, templ)
        assert (ours[1], ours[2]) == (x, y) and abs(ours[0] - score) < 1e-3
