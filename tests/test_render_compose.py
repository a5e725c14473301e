"""render_indicators: every style through the public entry point, and their composition."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from narrlocal_gui.core.model import Box, DisplaySettings, IndicatorStyle, Rgb
from narrlocal_gui.core.visibility import VisibleIndicator
from narrlocal_gui.render import render_indicators
from narrlocal_gui.render.boxes import scaled_line_width
from narrlocal_gui.render.geometry import PixelRect

Frame = npt.NDArray[np.uint8]
W, H = 200, 120
ORANGE: Rgb = (230, 159, 0)
NO_LABELS = DisplaySettings(show_labels=False)
BOX = Box(50, 40, 130, 100)
RECT = PixelRect(50, 40, 130, 100)


def _frame() -> Frame:
    """A read-only random frame: any attempt to draw on the input raises."""
    frame = np.random.default_rng(11).integers(0, 256, size=(H, W, 3), dtype=np.uint8)
    frame.setflags(write=False)
    return frame


def _ind(
    style: IndicatorStyle,
    box: Box | None = BOX,
    *,
    heatmap: npt.NDArray[np.float32] | None = None,
    color: Rgb = ORANGE,
    label: str = "the red cup",
    ident: str = "i1",
) -> VisibleIndicator:
    return VisibleIndicator(ident, style, color, label, box, heatmap)


def _outside(*rects: PixelRect) -> npt.NDArray[np.bool_]:
    mask = np.ones((H, W), dtype=bool)
    for r in rects:
        mask[r.slices] = False
    return mask


def _luma(pixels: Frame) -> float:
    return float(np.mean(pixels.astype(np.float64) @ np.array([0.299, 0.587, 0.114])))


def _changed(a: Frame, b: Frame) -> npt.NDArray[np.bool_]:
    changed: npt.NDArray[np.bool_] = np.any(a != b, axis=-1)
    return changed


def test_nothing_visible_returns_the_input_itself() -> None:
    frame = _frame()
    assert render_indicators(frame, [], DisplaySettings()) is frame


def test_indicator_without_box_or_heatmap_draws_nothing() -> None:
    frame = _frame()
    for style in IndicatorStyle:
        out = render_indicators(frame, [_ind(style, None)], DisplaySettings())
        assert np.array_equal(out, frame)


def test_result_is_a_new_writable_array_when_something_is_drawn() -> None:
    frame = _frame()
    out = render_indicators(frame, [_ind(IndicatorStyle.BOX)], DisplaySettings())
    assert out is not frame
    assert not np.shares_memory(out, frame)
    assert out.shape == frame.shape and out.dtype == np.uint8


def test_read_only_input_is_never_modified() -> None:
    frame = _frame()
    before = frame.copy()
    everything = [
        _ind(style, Box(10 + 20 * i, 10 + 10 * i, 90 + 10 * i, 70 + 5 * i), ident=str(i))
        for i, style in enumerate(IndicatorStyle)
    ]
    render_indicators(frame, everything, DisplaySettings())
    assert np.array_equal(frame, before)


def test_non_contiguous_input_is_accepted() -> None:
    base = np.random.default_rng(2).integers(0, 256, size=(H, 2 * W, 3), dtype=np.uint8)
    view = base[:, ::2]
    expected = render_indicators(view.copy(), [_ind(IndicatorStyle.SPOTLIGHT)], NO_LABELS)
    out = render_indicators(view, [_ind(IndicatorStyle.SPOTLIGHT)], NO_LABELS)
    assert np.array_equal(out, expected)


def test_bad_frame_raises_value_error() -> None:
    with pytest.raises(ValueError, match="H x W x 3 uint8"):
        render_indicators(np.zeros((H, W), np.uint8), [_ind(IndicatorStyle.BOX)], NO_LABELS)
    with pytest.raises(ValueError, match="H x W x 3 uint8"):
        render_indicators(np.zeros((H, W, 3), np.float32), [], NO_LABELS)


def test_box_outline_has_indicator_colour_at_edge_and_nothing_far_outside() -> None:
    frame = _frame()
    out = render_indicators(frame, [_ind(IndicatorStyle.BOX)], NO_LABELS)
    t = scaled_line_width(NO_LABELS.line_width, W, H)
    color = np.array(ORANGE, dtype=np.uint8)
    for y, x in [(40, 90), (99, 90), (70, 50), (70, 129), (40 + t - 1, 90)]:
        assert np.array_equal(out[y, x], color)
    changed = _changed(out, frame)
    assert not changed[_outside(RECT)].any()
    assert not changed[40 + t : 100 - t, 50 + t : 130 - t].any()


def test_brighten_raises_inside_and_leaves_outside_exactly() -> None:
    frame = _frame()
    out = render_indicators(frame, [_ind(IndicatorStyle.BRIGHTEN)], NO_LABELS)
    assert _luma(out[RECT.slices]) > _luma(frame[RECT.slices]) + 20
    assert np.array_equal(out[_outside(RECT)], frame[_outside(RECT)])


def test_tint_moves_inside_hue_towards_colour() -> None:
    frame = np.full((H, W, 3), 128, dtype=np.uint8)
    out = render_indicators(frame, [_ind(IndicatorStyle.TINT, color=(0, 0, 255))], NO_LABELS)
    inside = out[RECT.slices].astype(np.int32)
    assert np.all(inside[..., 2] > 128)
    assert np.all(inside[..., 0] < 128)
    assert np.array_equal(out[_outside(RECT)], frame[_outside(RECT)])


def test_darken_lowers_outside_and_leaves_inside_exactly() -> None:
    frame = _frame()
    out = render_indicators(frame, [_ind(IndicatorStyle.DARKEN)], NO_LABELS)
    assert np.array_equal(out[RECT.slices], frame[RECT.slices])
    outside = _outside(RECT)
    assert _luma(out[outside]) < 0.6 * _luma(frame[outside])
    # Colour survives darkening alone.
    assert np.any(out[outside][:, 0] != out[outside][:, 1])


def test_grayscale_makes_outside_gray_and_leaves_inside_exactly() -> None:
    frame = _frame()
    out = render_indicators(frame, [_ind(IndicatorStyle.GRAYSCALE)], NO_LABELS)
    assert np.array_equal(out[RECT.slices], frame[RECT.slices])
    outside = out[_outside(RECT)].astype(np.int32)
    assert np.max(np.abs(outside[:, 0] - outside[:, 1])) <= 1
    assert np.max(np.abs(outside[:, 1] - outside[:, 2])) <= 1


def test_spotlight_is_dark_and_gray_outside() -> None:
    frame = _frame()
    out = render_indicators(frame, [_ind(IndicatorStyle.SPOTLIGHT)], NO_LABELS)
    assert np.array_equal(out[RECT.slices], frame[RECT.slices])
    mask = _outside(RECT)
    outside = out[mask].astype(np.int32)
    assert np.max(np.abs(outside[:, 0] - outside[:, 2])) <= 1
    assert _luma(out[mask]) < 0.6 * _luma(frame[mask])


def test_two_spotlights_keep_both_regions_intact() -> None:
    frame = _frame()
    a, b = Box(10, 10, 60, 50), Box(120, 60, 190, 110)
    visible = [
        _ind(IndicatorStyle.SPOTLIGHT, a, ident="a"),
        _ind(IndicatorStyle.SPOTLIGHT, b, ident="b"),
    ]
    out = render_indicators(frame, visible, NO_LABELS)
    ra, rb = PixelRect(10, 10, 60, 50), PixelRect(120, 60, 190, 110)
    assert np.array_equal(out[ra.slices], frame[ra.slices])
    assert np.array_equal(out[rb.slices], frame[rb.slices])
    assert _changed(out, frame)[_outside(ra, rb)].mean() > 0.9


def test_grayscale_and_darken_combine_into_one_surround() -> None:
    frame = _frame()
    a, b = Box(10, 10, 60, 50), Box(120, 60, 190, 110)
    visible = [
        _ind(IndicatorStyle.GRAYSCALE, a, ident="a"),
        _ind(IndicatorStyle.DARKEN, b, ident="b"),
    ]
    out = render_indicators(frame, visible, NO_LABELS)
    spot = render_indicators(
        frame,
        [_ind(IndicatorStyle.SPOTLIGHT, a, ident="a"), _ind(IndicatorStyle.SPOTLIGHT, b)],
        NO_LABELS,
    )
    # Grayscale from one, darkening from the other, both regions inside: a spotlight.
    assert np.array_equal(out, spot)


def test_heatmap_changes_hot_pixels_and_keeps_cold_ones() -> None:
    frame = _frame()
    grid = np.zeros((6, 10), dtype=np.float32)
    grid[:, :2] = 1.0
    out = render_indicators(frame, [_ind(IndicatorStyle.HEATMAP, None, heatmap=grid)], NO_LABELS)
    diff = np.abs(out.astype(np.int32) - frame.astype(np.int32))
    assert float(diff[:, :20].mean()) > 20
    assert int(diff[:, W // 2 :].max()) <= 1


def test_heatmap_without_grid_uses_a_blob_over_the_box() -> None:
    frame = np.full((H, W, 3), 128, dtype=np.uint8)
    out = render_indicators(frame, [_ind(IndicatorStyle.HEATMAP)], NO_LABELS)
    diff = np.abs(out.astype(np.int32) - frame.astype(np.int32)).sum(axis=-1)
    assert diff[70, 90] > 60  # box centre
    assert diff[70, 90] > diff[45, 55]  # fades towards the box corner
    assert diff[5, 195] <= 1  # far away: the picture is kept


def test_heatmap_opacity_zero_draws_no_heat() -> None:
    frame = _frame()
    settings = DisplaySettings(heatmap_opacity=0.0, show_labels=False)
    out = render_indicators(frame, [_ind(IndicatorStyle.HEATMAP)], settings)
    assert np.array_equal(out, frame)


def test_two_heatmaps_merge_by_maximum_and_order_does_not_matter() -> None:
    frame = _frame()
    left = np.zeros((6, 10), np.float32)
    left[:, :2] = 1.0
    right = left[:, ::-1].copy()
    a = _ind(IndicatorStyle.HEATMAP, None, heatmap=left, ident="a")
    b = _ind(IndicatorStyle.HEATMAP, None, heatmap=right, ident="b")
    ab = render_indicators(frame, [a, b], NO_LABELS)
    ba = render_indicators(frame, [b, a], NO_LABELS)
    assert np.array_equal(ab, ba)
    only_a = render_indicators(frame, [a], NO_LABELS)
    assert np.array_equal(ab[:, :40], only_a[:, :40])


def test_region_effects_come_after_surround() -> None:
    frame = _frame()
    visible = [_ind(IndicatorStyle.BRIGHTEN, ident="b"), _ind(IndicatorStyle.SPOTLIGHT)]
    out = render_indicators(frame, visible, NO_LABELS)
    only_brighten = render_indicators(frame, [visible[0]], NO_LABELS)
    # Spotlight keeps its inside intact, so the brightened box is exactly as if alone.
    assert np.array_equal(out[RECT.slices], only_brighten[RECT.slices])


def test_labels_put_text_above_the_box() -> None:
    frame = np.full((H, W, 3), 60, dtype=np.uint8)
    with_labels = render_indicators(frame, [_ind(IndicatorStyle.BOX)], DisplaySettings())
    without = render_indicators(frame, [_ind(IndicatorStyle.BOX)], NO_LABELS)
    label = _changed(with_labels, without)
    ys, xs = np.nonzero(label)
    assert ys.max() < RECT.y1  # wholly above the box
    assert xs.min() == RECT.x1
    region = with_labels[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    assert np.any(np.all(region == 0, axis=-1))  # black text on the orange tag


@pytest.mark.parametrize(
    "style", [s for s in IndicatorStyle if s is not IndicatorStyle.BOX], ids=str
)
def test_every_style_with_a_box_gets_a_label(style: IndicatorStyle) -> None:
    frame = _frame()
    with_labels = render_indicators(frame, [_ind(style)], DisplaySettings())
    without = render_indicators(frame, [_ind(style)], NO_LABELS)
    assert _changed(with_labels, without)[: RECT.y1].any()


def test_label_for_box_at_top_right_stays_in_frame() -> None:
    frame = np.full((H, W, 3), 60, dtype=np.uint8)
    box = Box(170, -20, 260, 40)  # at the top edge and off the right edge
    # Brightening by 0 draws nothing but the label, so every changed pixel is the tag's.
    labels_only = DisplaySettings(brighten_amount=0.0)
    out = render_indicators(frame, [_ind(IndicatorStyle.BRIGHTEN, box)], labels_only)
    ys, xs = np.nonzero(_changed(out, frame))
    assert ys.min() == 0
    assert xs.max() == W - 1
    # The whole tag is visible: it reaches well left of the clipped box to fit.
    assert xs.min() < 170


def test_long_label_is_elided_to_frame_width() -> None:
    frame = np.full((H, W, 3), 60, dtype=np.uint8)
    text = "and then she carefully pours the steaming milk into the large blue ceramic cup"
    ind = _ind(IndicatorStyle.BOX, label=text)
    with_labels = render_indicators(frame, [ind], DisplaySettings())
    without = render_indicators(frame, [ind], NO_LABELS)
    ys, xs = np.nonzero(_changed(with_labels, without))
    assert xs.max() - xs.min() + 1 <= W
    assert xs.min() >= 0
    assert ys.max() < RECT.y1


def test_show_labels_false_draws_no_label() -> None:
    frame = np.full((H, W, 3), 60, dtype=np.uint8)
    out = render_indicators(frame, [_ind(IndicatorStyle.BRIGHTEN)], NO_LABELS)
    assert np.array_equal(out[: RECT.y1], frame[: RECT.y1])


def test_source_size_maps_boxes_onto_a_smaller_frame() -> None:
    frame = _frame()
    # Source 400x240 shown at 200x120: the source box (100, 80)-(260, 200) covers RECT.
    ind = _ind(IndicatorStyle.BRIGHTEN, Box(100, 80, 260, 200))
    out = render_indicators(frame, [ind], NO_LABELS, source_size=(400, 240))
    ys, xs = np.nonzero(_changed(out, frame))
    assert (ys.min(), ys.max() + 1, xs.min(), xs.max() + 1) == (40, 100, 50, 130)


@pytest.mark.parametrize(
    "box",
    [
        Box(-500, -500, -400, -400),
        Box(250, 10, 300, 50),
        Box(-50, -50, 1000, 1000),
        Box(190, 110, 5000, 5000),
        Box(10.1, 10.1, 10.2, 10.2),
        Box(-1e300, -1e300, 1e300, 1e300),
    ],
)
@pytest.mark.parametrize("style", list(IndicatorStyle), ids=str)
def test_boxes_outside_or_odd_never_raise(box: Box, style: IndicatorStyle) -> None:
    frame = _frame()
    out = render_indicators(frame, [_ind(style, box)], DisplaySettings(), source_size=(W, H))
    assert out.shape == frame.shape


def test_box_wholly_off_frame_draws_nothing() -> None:
    frame = _frame()
    for style in IndicatorStyle:
        out = render_indicators(frame, [_ind(style, Box(300, 200, 400, 300))], DisplaySettings())
        assert out is frame


def test_rendering_is_deterministic() -> None:
    frame = _frame()
    grid = np.random.default_rng(5).random((7, 7), dtype=np.float32)
    visible = [
        _ind(IndicatorStyle.BOX, Box(20, 30, 90, 100), ident="a"),
        _ind(IndicatorStyle.GRAYSCALE, Box(100, 20, 180, 90), ident="b"),
        _ind(IndicatorStyle.HEATMAP, Box(60, 60, 150, 115), heatmap=grid, ident="c"),
        _ind(IndicatorStyle.TINT, Box(0, 0, 40, 40), color=(0, 114, 178), ident="d"),
    ]
    first = render_indicators(frame, visible, DisplaySettings())
    for _ in range(3):
        assert np.array_equal(render_indicators(frame, visible, DisplaySettings()), first)
