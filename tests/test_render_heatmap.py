"""Heat maps: grid upscaling, Gaussian blobs, colouring and blending."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from narrlocal_gui.core.model import HeatColors
from narrlocal_gui.render.heatmap import blend_heat, colorize, gaussian_blob, heat_from_grid

Frame = npt.NDArray[np.uint8]
W, H = 200, 120


def _frame() -> Frame:
    return np.random.default_rng(3).integers(0, 256, size=(H, W, 3), dtype=np.uint8)


def _left_hot_grid() -> npt.NDArray[np.float32]:
    grid = np.zeros((6, 10), dtype=np.float32)
    grid[:, :2] = 1.0
    return grid


def test_heat_from_grid_has_frame_size_and_range() -> None:
    heat = heat_from_grid(_left_hot_grid(), W, H)
    assert heat is not None
    assert heat.shape == (H, W)
    assert heat.dtype == np.float32
    assert float(heat.min()) >= 0.0
    assert float(heat.max()) <= 1.0


def test_heat_from_grid_is_smooth_and_keeps_cold_cells_cold() -> None:
    heat = heat_from_grid(_left_hot_grid(), W, H)
    assert heat is not None
    assert float(heat[:, :20].min()) > 0.9
    assert float(heat[:, W // 2 :].max()) == 0.0
    # Smooth: no jump bigger than a fraction of the range between neighbouring pixels.
    assert float(np.abs(np.diff(heat, axis=1)).max()) < 0.2


def test_heat_from_grid_large_frame_uses_two_step_upscale_consistently() -> None:
    heat = heat_from_grid(_left_hot_grid(), 1280, 720)
    assert heat is not None
    assert heat.shape == (720, 1280)
    assert float(heat[:, :100].min()) > 0.9
    assert float(heat[:, 700:].max()) == 0.0


def test_heat_from_grid_single_cell_is_uniform() -> None:
    heat = heat_from_grid(np.array([[0.25]], dtype=np.float32), W, H)
    assert heat is not None
    assert np.all(heat == np.float32(0.25))


@pytest.mark.parametrize(
    "grid", [np.zeros((0, 3), np.float32), np.zeros(5, np.float32), np.zeros((2, 2, 2))]
)
def test_heat_from_grid_rejects_unusable_grids(grid: npt.NDArray[np.float32]) -> None:
    assert heat_from_grid(grid, W, H) is None


def test_heat_from_grid_treats_nan_as_cold() -> None:
    grid = np.full((4, 4), np.nan, dtype=np.float32)
    heat = heat_from_grid(grid, W, H)
    assert heat is not None
    assert float(heat.max()) == 0.0


def test_gaussian_blob_peaks_at_box_centre() -> None:
    blob = gaussian_blob((50.0, 20.0, 150.0, 80.0), W, H)
    assert blob.shape == (H, W)
    assert blob.dtype == np.float32
    y, x = np.unravel_index(int(np.argmax(blob)), blob.shape)
    assert abs(int(x) - 99.5) <= 1
    assert abs(int(y) - 49.5) <= 1
    assert float(blob.max()) > 0.99
    # About a quarter at the box edge, nearly nothing far away.
    assert 0.15 < float(blob[50, 50]) < 0.35
    assert float(blob[0, 0]) < 0.01


def test_colorize_gives_rgb_from_blue_cold_to_red_hot() -> None:
    heat = np.linspace(0.0, 1.0, 256, dtype=np.float32).reshape(1, 256)
    colored = colorize(heat)
    assert colored.shape == (1, 256, 3)
    assert colored.dtype == np.uint8
    # Turbo's hot end is red and its cold end blue, which proves the RGB channel order.
    r, g, b = colored[0, -1].tolist()
    assert r > 100 and g < 30 and b < 30
    r, g, b = colored[0, 0].tolist()
    assert b > r and b > g
    # The middle of the range is bright (green-yellow): the rings of a heat map read as such.
    luma = colored.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    assert luma[0, 128] > max(luma[0, 0], luma[0, -1]) + 100


def test_blend_changes_hot_pixels_and_keeps_cold_ones() -> None:
    before = _frame()
    frame = before.copy()
    heat = heat_from_grid(_left_hot_grid(), W, H)
    assert heat is not None
    blend_heat(frame, heat, 0.5)
    diff = np.abs(frame.astype(np.int32) - before.astype(np.int32))
    assert float(diff[:, :20].mean()) > 20
    assert int(diff[:, W // 2 :].max()) <= 1


def test_blend_with_zero_opacity_is_noop() -> None:
    before = _frame()
    frame = before.copy()
    blend_heat(frame, np.ones((H, W), dtype=np.float32), 0.0)
    assert np.array_equal(frame, before)


def test_blend_full_heat_full_opacity_is_the_colormap() -> None:
    frame = _frame()
    heat = np.ones((H, W), dtype=np.float32)
    blend_heat(frame, heat, 1.0)
    assert np.array_equal(frame, colorize(heat))


def test_blend_works_on_a_non_contiguous_view() -> None:
    base = _frame()
    before = base.copy()
    blend_heat(base[:, ::2], np.ones((H, W // 2), dtype=np.float32), 1.0)
    assert np.array_equal(base[:, 1::2], before[:, 1::2])
    assert not np.array_equal(base[:, ::2], before[:, ::2])


def test_inferno_is_the_other_choice_and_the_frame_takes_the_chosen_one() -> None:
    heat = np.linspace(0.0, 1.0, 256, dtype=np.float32).reshape(1, 256)
    r, g, b = colorize(heat, HeatColors.INFERNO)[0, -1].tolist()
    assert r > 200 and g > 200 and b < 200  # inferno's hot end: pale yellow
    hot = np.ones((H, W), dtype=np.float32)
    turbo, inferno = _frame(), _frame()
    blend_heat(turbo, hot, 1.0, HeatColors.TURBO)
    blend_heat(inferno, hot, 1.0, HeatColors.INFERNO)
    assert np.array_equal(turbo, colorize(hot, HeatColors.TURBO))
    assert np.array_equal(inferno, colorize(hot, HeatColors.INFERNO))
    assert not np.array_equal(turbo, inferno)
