"""Box outlines."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from narrlocal_gui.render.boxes import draw_outline, scaled_line_width
from narrlocal_gui.render.geometry import PixelRect

Frame = npt.NDArray[np.uint8]
COLOR = (230, 159, 0)


def _frame() -> Frame:
    return np.full((120, 200, 3), 40, dtype=np.uint8)


@pytest.mark.parametrize(
    ("size", "expected"),
    [((1280, 720), 3), ((1920, 1080), 5), ((640, 360), 2), ((320, 180), 1), ((720, 1280), 3)],
)
def test_line_width_scales_with_short_side(size: tuple[int, int], expected: int) -> None:
    assert scaled_line_width(3, *size) == expected


def test_line_width_never_below_one() -> None:
    assert scaled_line_width(1, 40, 30) == 1


def test_outline_colours_the_edge_inside_the_box_only() -> None:
    frame = _frame()
    rect = PixelRect(50, 30, 150, 90)
    draw_outline(frame, rect, COLOR, 3)
    for y, x in [(30, 50), (30, 100), (89, 149), (60, 50), (60, 149), (32, 100), (87, 100)]:
        assert frame[y, x].tolist() == list(COLOR)
    # Just outside the box and just inside the line: untouched.
    for y, x in [(29, 100), (90, 100), (60, 49), (60, 150), (33, 100), (60, 53), (60, 146)]:
        assert frame[y, x].tolist() == [40, 40, 40]
    changed = np.any(frame != 40, axis=-1)
    ys, xs = np.nonzero(changed)
    assert (ys.min(), ys.max(), xs.min(), xs.max()) == (30, 89, 50, 149)


def test_outline_thicker_than_box_fills_it_without_spilling() -> None:
    frame = _frame()
    rect = PixelRect(10, 10, 14, 13)
    draw_outline(frame, rect, COLOR, 10)
    assert np.all(frame[rect.slices] == np.array(COLOR, dtype=np.uint8))
    changed = np.any(frame != 40, axis=-1)
    assert int(changed.sum()) == rect.width * rect.height


def test_outline_at_frame_edge_stays_visible() -> None:
    frame = _frame()
    draw_outline(frame, PixelRect(0, 0, 200, 120), COLOR, 2)
    assert frame[0, 100].tolist() == list(COLOR)
    assert frame[119, 100].tolist() == list(COLOR)
    assert frame[60, 199].tolist() == list(COLOR)
    assert frame[60, 100].tolist() == [40, 40, 40]
