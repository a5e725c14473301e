"""Mapping source-video boxes to pixel rectangles on the drawn frame."""

from __future__ import annotations

import pytest

from narrlocal_gui.core.model import Box
from narrlocal_gui.render.geometry import (
    PixelRect,
    bounds_to_rect,
    box_to_rect,
    map_box,
    source_scale,
)


def test_box_at_source_resolution_maps_to_itself() -> None:
    assert box_to_rect(Box(10, 20, 50, 60), (200, 120)) == PixelRect(10, 20, 50, 60)


def test_source_size_scales_box_to_preview() -> None:
    # A 400x240 source shown at 200x120: everything halves.
    rect = box_to_rect(Box(100, 40, 200, 120), (200, 120), source_size=(400, 240))
    assert rect == PixelRect(50, 20, 100, 60)


def test_anisotropic_scaling_uses_each_axis() -> None:
    assert source_scale((200, 120), (400, 120)) == (0.5, 1.0)
    rect = box_to_rect(Box(100, 10, 200, 30), (200, 120), source_size=(400, 120))
    assert rect == PixelRect(50, 10, 100, 30)


@pytest.mark.parametrize("bad", [(0, 100), (100, 0), (-5, -5)])
def test_unusable_source_size_is_ignored(bad: tuple[int, int]) -> None:
    assert source_scale((200, 120), bad) == (1.0, 1.0)


def test_partly_outside_box_is_clipped() -> None:
    assert box_to_rect(Box(-30, -10, 50, 40), (200, 120)) == PixelRect(0, 0, 50, 40)
    assert box_to_rect(Box(150, 100, 900, 900), (200, 120)) == PixelRect(150, 100, 200, 120)


@pytest.mark.parametrize(
    "box",
    [Box(-50, -50, -1, -1), Box(200, 0, 300, 50), Box(0, 120, 10, 130), Box(-10, 10, 0, 20)],
)
def test_box_wholly_outside_gives_none(box: Box) -> None:
    assert box_to_rect(box, (200, 120)) is None


def test_sub_pixel_box_keeps_one_pixel() -> None:
    rect = box_to_rect(Box(10.2, 20.2, 10.4, 20.4), (200, 120))
    assert rect is not None
    assert (rect.width, rect.height) == (1, 1)
    edge = box_to_rect(Box(199.7, 119.7, 199.9, 119.9), (200, 120))
    assert edge == PixelRect(199, 119, 200, 120)


def test_overflowing_scale_gives_none_instead_of_raising() -> None:
    assert map_box(Box(0, 0, 1e308, 1e308), (200, 120), (1, 1)) is None
    assert box_to_rect(Box(0, 0, 1e308, 1e308), (200, 120), (1, 1)) is None


def test_empty_frame_gives_none() -> None:
    assert box_to_rect(Box(0, 0, 10, 10), (0, 0)) is None


def test_rounding_is_half_up() -> None:
    assert bounds_to_rect((0.5, 1.5, 2.5, 3.5), (10, 10)) == PixelRect(1, 2, 3, 4)


def test_pixel_rect_helpers() -> None:
    rect = PixelRect(2, 3, 7, 9)
    assert (rect.width, rect.height) == (5, 6)
    assert rect.slices == (slice(3, 9), slice(2, 7))
    assert rect.intersects(PixelRect(6, 8, 10, 10))
    assert not rect.intersects(PixelRect(7, 3, 10, 9))
