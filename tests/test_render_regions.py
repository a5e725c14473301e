"""Region effects (brighten, tint) and surround effects (darken, grayscale, spotlight)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from narrlocal_gui.render.geometry import PixelRect
from narrlocal_gui.render.regions import (
    WHITE,
    RegionShift,
    apply_surround,
    brighten_region,
    shift_regions,
    shifted_towards,
    tint_region,
)

Frame = npt.NDArray[np.uint8]
RECT = PixelRect(40, 30, 120, 90)


def _frame() -> Frame:
    return np.random.default_rng(7).integers(0, 256, size=(120, 200, 3), dtype=np.uint8)


def _outside(mask_rects: list[PixelRect], shape: tuple[int, int]) -> npt.NDArray[np.bool_]:
    outside = np.ones(shape, dtype=bool)
    for r in mask_rects:
        outside[r.slices] = False
    return outside


def _luma(pixels: Frame) -> float:
    rgb = pixels.astype(np.float64)
    return float(np.mean(0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]))


def test_shifted_towards_is_the_affine_blend() -> None:
    pixels = np.array([[[0, 100, 255]]], dtype=np.uint8)
    assert shifted_towards(pixels, (255, 0, 0), 0.5).tolist() == [[[128, 50, 128]]]
    assert shifted_towards(pixels, (10, 20, 30), 1.0).tolist() == [[[10, 20, 30]]]
    assert shifted_towards(pixels, (10, 20, 30), 0.0).tolist() == pixels.tolist()


def test_brighten_raises_luminance_inside_only() -> None:
    before = _frame()
    frame = before.copy()
    brighten_region(frame, RECT, 0.35)
    assert _luma(frame[RECT.slices]) > _luma(before[RECT.slices]) + 20
    outside = _outside([RECT], frame.shape[:2])
    assert np.array_equal(frame[outside], before[outside])


def test_brighten_by_zero_changes_nothing() -> None:
    before = _frame()
    frame = before.copy()
    brighten_region(frame, RECT, 0.0)
    assert np.array_equal(frame, before)


def test_tint_moves_inside_towards_colour_only() -> None:
    before = np.full((120, 200, 3), 128, dtype=np.uint8)
    frame = before.copy()
    tint_region(frame, RECT, (255, 0, 0), 0.35)
    inside = frame[RECT.slices].astype(np.int32)
    # Red rises, green and blue fall: the hue moved towards pure red.
    assert np.all(inside[..., 0] > 128)
    assert np.all(inside[..., 1] < 128)
    assert np.all(inside[..., 2] < 128)
    outside = _outside([RECT], frame.shape[:2])
    assert np.array_equal(frame[outside], before[outside])


def test_tint_reduces_distance_to_colour_on_random_frame() -> None:
    color = (0, 158, 115)
    before = _frame()
    frame = before.copy()
    tint_region(frame, RECT, color, 0.5)
    target = np.array(color, dtype=np.float64)
    dist_before = np.linalg.norm(before[RECT.slices] - target, axis=-1).mean()
    dist_after = np.linalg.norm(frame[RECT.slices] - target, axis=-1).mean()
    assert dist_after < 0.6 * dist_before


def test_overlapping_brightens_shift_each_pixel_once() -> None:
    before = _frame()
    a, b = PixelRect(20, 20, 100, 80), PixelRect(60, 40, 160, 110)
    frame = before.copy()
    shift_regions(frame, [RegionShift(a, WHITE, 0.4), RegionShift(b, WHITE, 0.4)])
    once = shifted_towards(before, WHITE, 0.4)
    covered = ~_outside([a, b], before.shape[:2])
    assert np.array_equal(frame[covered], once[covered])
    assert np.array_equal(frame[~covered], before[~covered])


def test_overlapping_shifts_later_wins() -> None:
    before = np.full((50, 50, 3), 100, dtype=np.uint8)
    a, b = PixelRect(0, 0, 30, 30), PixelRect(20, 20, 50, 50)
    frame = before.copy()
    shift_regions(frame, [RegionShift(a, (255, 0, 0), 1.0), RegionShift(b, (0, 0, 255), 1.0)])
    assert frame[25, 25].tolist() == [0, 0, 255]
    assert frame[5, 5].tolist() == [255, 0, 0]


def test_darken_lowers_outside_and_keeps_inside() -> None:
    before = _frame()
    frame = before.copy()
    apply_surround(frame, [RECT], darken=0.55, grayscale=False)
    assert np.array_equal(frame[RECT.slices], before[RECT.slices])
    outside = _outside([RECT], frame.shape[:2])
    assert _luma(frame[outside]) < 0.5 * _luma(before[outside])
    expected = np.rint(before[outside].astype(np.float64) * 0.45)
    assert np.max(np.abs(frame[outside] - expected)) <= 1


def test_grayscale_makes_outside_gray_and_keeps_inside() -> None:
    before = _frame()
    frame = before.copy()
    apply_surround(frame, [RECT], darken=0.0, grayscale=True)
    assert np.array_equal(frame[RECT.slices], before[RECT.slices])
    outside = frame[_outside([RECT], frame.shape[:2])].astype(np.int32)
    assert np.max(np.abs(outside[:, 0] - outside[:, 1])) <= 1
    assert np.max(np.abs(outside[:, 1] - outside[:, 2])) <= 1
    # Grayscale alone keeps brightness.
    assert abs(_luma(outside.astype(np.uint8)) - _luma(before[_outside([RECT], (120, 200))])) < 2


def test_spotlight_is_gray_and_dark_outside() -> None:
    before = _frame()
    frame = before.copy()
    apply_surround(frame, [RECT], darken=0.55, grayscale=True)
    assert np.array_equal(frame[RECT.slices], before[RECT.slices])
    mask = _outside([RECT], frame.shape[:2])
    outside = frame[mask].astype(np.int32)
    assert np.max(np.abs(outside[:, 0] - outside[:, 2])) <= 1
    assert _luma(frame[mask]) < 0.5 * _luma(before[mask])


def test_surround_union_keeps_every_inside_rect() -> None:
    before = _frame()
    a, b = PixelRect(5, 5, 60, 50), PixelRect(40, 30, 190, 110)  # overlapping
    c = PixelRect(150, 0, 200, 20)
    frame = before.copy()
    apply_surround(frame, [a, b, c], darken=0.5, grayscale=True)
    for r in (a, b, c):
        assert np.array_equal(frame[r.slices], before[r.slices])
    mask = _outside([a, b, c], frame.shape[:2])
    assert not np.array_equal(frame[mask], before[mask])


def test_surround_without_effect_is_noop() -> None:
    before = _frame()
    frame = before.copy()
    apply_surround(frame, [RECT], darken=0.0, grayscale=False)
    assert np.array_equal(frame, before)


def test_surround_works_on_a_non_contiguous_view() -> None:
    base = _frame()
    before = base.copy()
    view = base[:, ::2]
    apply_surround(view, [PixelRect(0, 0, 10, 10)], darken=0.5, grayscale=True)
    assert np.array_equal(base[:, 1::2], before[:, 1::2])
    assert np.array_equal(base[:10, 0:20:2], before[:10, 0:20:2])
    assert not np.array_equal(base[50:, ::2], before[50:, ::2])
