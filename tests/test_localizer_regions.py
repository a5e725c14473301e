"""region_at: the box of a drawn object under a point, with and without a heat map."""

from __future__ import annotations

import numpy as np
import pytest

from narrlocal_gui.localizer.box_geometry import box_iou
from narrlocal_gui.localizer.regions import REGION_METHODS, RegionSettings, region_at

W, H = 320, 240
OBJECT = (120.0, 60.0, 220.0, 150.0)  # x1, y1, x2, y2


def scene(seed: int = 0) -> np.ndarray:
    """A textured grey table with a red rectangle (the object) on it."""
    rng = np.random.default_rng(seed)
    image = rng.integers(90, 130, size=(H, W, 3), dtype=np.uint8)
    x1, y1, x2, y2 = (int(v) for v in OBJECT)
    image[y1:y2, x1:x2] = (200, 40, 30)
    return image


def coarse_heat(rows: int = 7, cols: int = 10) -> np.ndarray:
    """A blurry map over the object: a Gaussian at its centre, wider than it."""
    ys, xs = np.mgrid[0:rows, 0:cols]
    cx = (OBJECT[0] + OBJECT[2]) / 2 / W * cols - 0.5
    cy = (OBJECT[1] + OBJECT[3]) / 2 / H * rows - 0.5
    return np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * 1.5**2)).astype(np.float32)


def test_grabcut_fits_the_drawn_rectangle_from_a_coarse_heat_map() -> None:
    box = region_at(scene(), (170.0, 100.0), coarse_heat())
    assert box_iou(box, OBJECT) >= 0.85, box


def test_a_click_alone_finds_the_rectangle() -> None:
    box = region_at(scene(), (150.0, 90.0))
    assert box_iou(box, OBJECT) >= 0.85, box


@pytest.mark.parametrize("method", REGION_METHODS)
def test_every_method_holds_the_point_and_stays_in_the_frame(method: str) -> None:
    settings = RegionSettings(method=method)  # type: ignore[arg-type]
    for point in ((170.0, 100.0), (5.0, 5.0), (W - 1.0, H - 1.0)):
        for heat in (coarse_heat(), None, np.zeros((4, 4), np.float32)):
            x1, y1, x2, y2 = region_at(scene(), point, heat, settings=settings)
            assert 0 <= x1 <= point[0] <= x2 <= W and 0 <= y1 <= point[1] <= y2 <= H


def test_superpixels_and_threshold_find_the_object_too() -> None:
    threshold = region_at(
        scene(), (170.0, 100.0), coarse_heat(), settings=RegionSettings("threshold")
    )
    superpixels = region_at(
        scene(), (170.0, 100.0), coarse_heat(), settings=RegionSettings("superpixels")
    )
    assert box_iou(superpixels, OBJECT) >= 0.7, superpixels
    assert box_iou(threshold, OBJECT) > 0.2  # the heat alone: roughly there, not the outline


def test_a_flat_picture_and_bad_inputs() -> None:
    flat = np.full((60, 80, 3), 128, np.uint8)
    x1, y1, x2, y2 = region_at(flat, (40.0, 30.0), coarse_heat())
    assert x1 <= 40 <= x2 and y1 <= 30 <= y2
    with pytest.raises(ValueError):
        region_at(np.zeros((10, 10), np.uint8), (1.0, 1.0))
    with pytest.raises(ValueError):
        RegionSettings(high=0.1, low=0.2)
