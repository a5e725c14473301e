"""Box areas and overlaps, exact on small cases worked out by hand."""

from __future__ import annotations

import pytest

from narrlocal_gui.localizer.box_geometry import (
    box_area,
    box_iou,
    centre_box,
    clip_box,
    iou_with_union,
    union_area,
)


def test_area_and_iou_of_two_boxes() -> None:
    assert box_area((0, 0, 4, 3)) == 12.0
    assert box_area((5, 5, 4, 4)) == 0.0
    assert box_iou((0, 0, 4, 4), (0, 0, 4, 4)) == 1.0
    # 2x4 overlap of two 4x4 boxes: 8 / (16 + 16 - 8)
    assert box_iou((0, 0, 4, 4), (2, 0, 6, 4)) == pytest.approx(8 / 24)
    assert box_iou((0, 0, 1, 1), (2, 2, 3, 3)) == 0.0
    assert box_iou((0, 0, 0, 0), (0, 0, 0, 0)) == 0.0


def test_union_area_counts_overlaps_once() -> None:
    assert union_area([]) == 0.0
    assert union_area([(0, 0, 4, 4), (2, 0, 6, 4)]) == pytest.approx(24.0)
    assert union_area([(0, 0, 4, 4), (1, 1, 2, 2)]) == pytest.approx(16.0)  # nested
    assert union_area([(0, 0, 1, 1), (10, 10, 12, 13)]) == pytest.approx(7.0)
    # [0,3]x[0,2] (6) plus the part of [0.5,2.5]x[1,3] below y = 2 (2 x 1)
    boxes = [(0, 0, 2, 2), (1, 0, 3, 2), (0.5, 1, 2.5, 3)]
    assert union_area(boxes) == pytest.approx(8.0)


def test_iou_with_union_is_the_pixel_set_union() -> None:
    # Two 10x10 boxes 20 apart: a box over both covers 10x40 = 400 with 200 of them truth,
    # so 200 / 400 = 0.5, where the bounding box of the truth would have given 1.0.
    truth = [(0, 0, 10, 10), (30, 0, 40, 10)]
    assert iou_with_union((0, 0, 40, 10), truth) == pytest.approx(0.5)
    # One of the two exactly: 100 / 200.
    assert iou_with_union((0, 0, 10, 10), truth) == pytest.approx(0.5)
    # Overlapping truth boxes are not counted twice: union 150, prediction = union's hull.
    assert iou_with_union((0, 0, 15, 10), [(0, 0, 10, 10), (5, 0, 15, 10)]) == pytest.approx(1.0)
    assert iou_with_union((100, 100, 110, 110), truth) == 0.0


def test_centre_box_and_clipping() -> None:
    assert centre_box((200, 100)) == (50.0, 25.0, 150.0, 75.0)
    assert clip_box((-5, -5, 500, 50), (100, 80)) == (0.0, 0.0, 100.0, 50.0)
    assert clip_box((120, 10, 130, 20), (100, 80)) == (99.0, 10.0, 100.0, 20.0)
