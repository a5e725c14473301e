"""Phrase labels: font sizing, text masks, elision, contrast, placement and drawing."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from narrlocal_gui.render.geometry import PixelRect
from narrlocal_gui.render.labels import (
    BLACK,
    ELLIPSIS,
    MIN_FONT_SIZE,
    WHITE,
    clean_label,
    draw_label,
    elide,
    label_font_size,
    label_padding,
    label_tag,
    place_label,
    text_color_for,
    text_mask,
    text_width,
)

Frame = npt.NDArray[np.uint8]
COLOR = (230, 159, 0)
W, H = 200, 120


def _frame() -> Frame:
    return np.full((H, W, 3), 60, dtype=np.uint8)


def _changed_bbox(before: Frame, after: Frame) -> tuple[int, int, int, int]:
    """(top, bottom exclusive, left, right exclusive) of the pixels that differ."""
    ys, xs = np.nonzero(np.any(before != after, axis=-1))
    assert ys.size, "nothing was drawn"
    return int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1


def test_font_size_scales_with_short_side_and_has_a_floor() -> None:
    assert label_font_size(1280, 720) == 18
    assert label_font_size(1920, 1080) == 27
    assert label_font_size(720, 1280) == 18
    assert label_font_size(200, 120) == MIN_FONT_SIZE


@pytest.mark.parametrize(
    ("background", "expected"),
    [
        ((240, 228, 66), BLACK),  # yellow
        ((230, 159, 0), BLACK),  # orange
        ((0, 114, 178), WHITE),  # blue
        ((0, 0, 0), WHITE),
        ((255, 255, 255), BLACK),
    ],
)
def test_text_colour_contrasts_with_background(
    background: tuple[int, int, int], expected: tuple[int, int, int]
) -> None:
    assert text_color_for(background) == expected


def test_text_mask_is_cached_read_only_and_equally_tall() -> None:
    a = text_mask("pour the milk", 16)
    assert a is text_mask("pour the milk", 16)
    assert not a.flags.writeable
    assert a.dtype == np.uint8
    assert a.shape[0] == text_mask("x", 16).shape[0] == text_mask("Ågy", 16).shape[0]
    assert a.shape[1] == text_width("pour the milk", 16)
    assert int(a.max()) == 255  # anti-aliased ink reaches full coverage in the strokes
    assert int(np.count_nonzero((a > 0) & (a < 255))) > 0  # and has soft edges


def test_text_mask_grows_with_size_and_length() -> None:
    assert text_mask("abc", 24).shape[0] > text_mask("abc", 12).shape[0]
    assert text_width("abcdef", 12) > text_width("abc", 12)


def test_empty_text_mask_has_no_width() -> None:
    assert text_mask("", 12).shape[1] == 0


def test_elide_keeps_fitting_text() -> None:
    assert elide("short", 12, 200) == "short"


def test_elide_cuts_long_text_with_ellipsis() -> None:
    text = "the chef slowly folds the beaten egg whites into the chocolate mixture"
    shown = elide(text, 12, 150)
    assert shown.endswith(ELLIPSIS)
    assert text.startswith(shown[:-1])
    assert text_width(shown, 12) <= 150
    # The longest prefix that fits: one more character would not.
    longer = text[: len(shown)].rstrip() + ELLIPSIS
    assert text_width(longer, 12) > 150 or longer == shown


def test_elide_gives_empty_when_nothing_fits() -> None:
    assert elide("anything", 12, 3) == ""


def test_clean_label_makes_one_line() -> None:
    assert clean_label("  open\nthe \t door ") == "open the door"


def test_label_tag_is_padded_coloured_with_contrasting_text() -> None:
    tag = label_tag("Cup", 12, COLOR)
    mask = text_mask("Cup", 12)
    pad_x, pad_y = label_padding(12)
    assert tag.shape == (mask.shape[0] + 2 * pad_y, mask.shape[1] + 2 * pad_x, 3)
    assert not tag.flags.writeable
    assert tag[0, 0].tolist() == list(COLOR)
    inner = tag[pad_y : pad_y + mask.shape[0], pad_x : pad_x + mask.shape[1]]
    # Full-coverage ink pixels are the text colour (black on orange).
    assert np.all(inner[mask == 255] == 0)
    assert np.all(inner[mask == 0] == np.array(COLOR, dtype=np.uint8))


def test_place_label_prefers_above_top_left() -> None:
    assert place_label(50, 16, PixelRect(40, 50, 120, 100), W, H) == (40, 34)


def test_place_label_moves_inside_for_box_at_top_edge() -> None:
    assert place_label(50, 16, PixelRect(40, 0, 120, 100), W, H) == (40, 0)
    assert place_label(50, 16, PixelRect(40, 10, 120, 100), W, H) == (40, 10)


def test_place_label_stays_in_frame_at_right_and_bottom_edges() -> None:
    assert place_label(50, 16, PixelRect(180, 60, 200, 100), W, H) == (150, 44)
    assert place_label(50, 16, PixelRect(0, 0, 30, 8), W, 10) == (0, 0)
    x, y = place_label(50, 16, PixelRect(100, 110, 120, 120), W, H)
    assert (x, y) == (100, 94)


def test_draw_label_puts_text_above_the_box() -> None:
    before = _frame()
    frame = before.copy()
    rect = PixelRect(40, 60, 140, 110)
    draw_label(frame, rect, "a cup", COLOR, 12)
    top, bottom, left, right = _changed_bbox(before, frame)
    assert bottom == rect.y1
    assert left == rect.x1
    assert top >= 0
    region = frame[top:bottom, left:right]
    assert np.any(np.all(region == np.array(COLOR, dtype=np.uint8), axis=-1))
    assert np.any(np.all(region == 0, axis=-1))  # black ink on the orange tag


def test_draw_label_at_top_right_stays_inside_and_unclipped() -> None:
    before = _frame()
    frame = before.copy()
    rect = PixelRect(170, 0, 200, 40)
    draw_label(frame, rect, "top right", COLOR, 12)
    top, bottom, left, right = _changed_bbox(before, frame)
    tag = label_tag("top right", 12, COLOR)
    assert (top, right) == (0, W)
    assert (bottom - top, right - left) == tag.shape[:2]


def test_draw_label_elides_long_text_to_frame_width() -> None:
    before = _frame()
    frame = before.copy()
    text = "a remarkably long narrated phrase that cannot possibly fit into this small frame"
    draw_label(frame, PixelRect(10, 50, 60, 90), text, COLOR, 12)
    _, _, left, right = _changed_bbox(before, frame)
    pad_x, _ = label_padding(12)
    shown = elide(text, 12, W - 2 * pad_x)
    assert shown.endswith(ELLIPSIS)
    tag_width = label_tag(shown, 12, COLOR).shape[1]
    assert W - 2 * pad_x < tag_width <= W
    # Pushed left from the box's x so that all of it shows.
    assert (left, right) == (W - tag_width, W)


def test_draw_label_with_blank_text_draws_nothing() -> None:
    before = _frame()
    frame = before.copy()
    draw_label(frame, PixelRect(10, 50, 60, 90), " \n ", COLOR, 12)
    assert np.array_equal(frame, before)


def test_draw_label_on_frame_shorter_than_tag_is_clipped_not_raising() -> None:
    frame = np.zeros((8, 200, 3), dtype=np.uint8)
    draw_label(frame, PixelRect(10, 0, 60, 8), "tiny", COLOR, 12)
    assert np.any(frame != 0)


def test_place_label_steps_out_of_the_way_of_earlier_tags() -> None:
    rect = PixelRect(40, 50, 120, 100)
    first = place_label(50, 16, rect, W, H)
    assert first == (40, 34)
    taken = [(40, 34, 90, 50)]
    assert place_label(50, 16, rect, W, H, taken) == (40, 18)  # one tag higher
    taken.append((40, 18, 90, 34))
    assert place_label(50, 16, rect, W, H, taken) == (40, 2)
    taken.append((40, 2, 90, 18))
    assert place_label(50, 16, rect, W, H, taken) == (40, 50)  # no room above: below
    # A tag beside the taken ones is not moved.
    assert place_label(50, 16, PixelRect(100, 50, 150, 100), W, H, taken) == (100, 34)


def test_two_labels_of_boxes_with_one_top_edge_are_both_readable() -> None:
    frame = np.zeros((H, W, 3), dtype=np.uint8)
    taken: list[tuple[int, int, int, int]] = []
    draw_label(frame, PixelRect(40, 60, 120, 100), "first", COLOR, 12, taken)
    draw_label(frame, PixelRect(50, 60, 130, 100), "second", (0, 0, 255), 12, taken)
    assert len(taken) == 2
    (ax1, ay1, ax2, ay2), (bx1, by1, bx2, by2) = taken
    assert not (ax1 < bx2 and bx1 < ax2 and ay1 < by2 and by1 < ay2)
    assert (frame == COLOR).all(axis=2).any() and (frame == (0, 0, 255)).all(axis=2).any()
