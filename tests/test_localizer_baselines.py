"""The centre-prior and optical-flow baselines, the heat-map helpers they share with CoMMA,
and clip sampling from real (generated) media files.

:func:`write_square_clip` (a bright square sliding along the top-left corner of a dark
frame) is used by the evaluation and CLI tests too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from narrlocal_gui.localizer.clip_sampling import sample_clip, sample_times, scale_localization
from narrlocal_gui.localizer.heatmaps import (
    interpolate_heatmaps,
    localization_from_heatmaps,
    point_and_box,
)
from narrlocal_gui.localizer.methods.baselines import (
    CentrePriorLocalizer,
    FlowLocalizer,
    grid_shape,
    phrase_prior,
)
from narrlocal_gui.localizer.types import ClipInput, Localization
from narrlocal_gui.media.source import open_media
from narrlocal_gui.media.writer import write_video
from tests.media_factory import make_image

SIZE = (192, 128)  # W, H
SQUARE = 20
FPS = 10


def square_x(t: float) -> float:
    """Left edge of the square at time t: it slides right at 12 px/s along y = 8."""
    return 8.0 + 12.0 * t


def square_box(t: float, margin: float = 8.0) -> list[float]:
    x = square_x(t)
    return [x - margin, 8.0 - margin, x + SQUARE + margin, 8.0 + SQUARE + margin]


def square_frame(t: float) -> np.ndarray:
    width, height = SIZE
    frame = np.full((height, width, 3), 40, dtype=np.uint8)
    x = round(square_x(t))
    frame[8 : 8 + SQUARE, x : x + SQUARE] = (250, 240, 200)
    return frame


def write_square_clip(path: Path, seconds: float = 4.0) -> Path:
    n = round(seconds * FPS)
    return write_video(path, (square_frame(i / FPS) for i in range(n)), FPS, SIZE)


def square_clip(times: list[float]) -> ClipInput:
    return ClipInput(np.stack([square_frame(t) for t in times]), np.asarray(times), 1.0, 2.0)


# -- shared helpers ---------------------------------------------------------------------------


def test_point_and_box_find_the_peak_and_its_region() -> None:
    heat = np.zeros((8, 12), dtype=np.float32)
    heat[2:4, 8:10] = 1.0
    heat[6, 1] = 0.3  # a weaker, separate blob is not part of the region
    point, box = point_and_box(heat, (1200, 800))
    assert 800 <= point[0] <= 1000 and 200 <= point[1] <= 400
    x1, y1, x2, y2 = box
    assert x1 <= point[0] <= x2 and y1 <= point[1] <= y2
    assert x1 > 600 and y2 < 600  # the box is around the peak, not the whole frame
    flat_point, flat_box = point_and_box(np.full((4, 4), 0.2), (100, 50))
    assert flat_point == (50.0, 25.0) and flat_box == (0.0, 0.0, 100.0, 50.0)
    with pytest.raises(ValueError):
        point_and_box(np.zeros(4), (10, 10))


def test_cubic_interpolation_puts_the_mode_between_two_hot_cells() -> None:
    # Cells are 100 px wide: cell 4 (centre x = 450) is hottest, cell 5 (550) nearly so.
    heat = np.zeros((4, 10), dtype=np.float32)
    heat[1, 4], heat[1, 5] = 1.0, 0.8
    (lx, ly), _ = point_and_box(heat, (1000, 400))
    (cx, cy), _ = point_and_box(heat, (1000, 400), interpolation="cubic")
    assert abs(lx - 450) < 4 and abs(ly - 150) < 4  # bilinear: the hottest cell's centre
    assert 460 < cx < 500 and abs(cy - 150) < 4  # bicubic: towards the other hot cell
    # A lone hot cell keeps its centre either way.
    single = np.zeros((4, 10), dtype=np.float32)
    single[2, 7] = 1.0
    for interpolation in ("linear", "cubic"):
        (x, y), _ = point_and_box(single, (1000, 400), interpolation=interpolation)
        assert abs(x - 750) < 4 and abs(y - 250) < 4


def test_interpolate_heatmaps_in_time() -> None:
    maps = np.stack([np.zeros((2, 2)), np.ones((2, 2))]).astype(np.float32)
    out = interpolate_heatmaps(np.array([1.0, 3.0]), maps, [0.0, 1.5, 2.0, 9.0])
    np.testing.assert_allclose(out[:, 0, 0], [0.0, 0.25, 0.5, 1.0])
    single = interpolate_heatmaps(np.array([1.0]), maps[1:], [0.0, 5.0])
    assert single.shape == (2, 2, 2)


def test_localization_from_heatmaps_normalises_and_scores() -> None:
    clip = square_clip([0.0, 0.5, 1.0])
    heat = np.zeros((2, 4, 6), dtype=np.float32)
    heat[0, 1, 1] = 2.0
    heat[1, 2, 4] = 4.0
    loc = localization_from_heatmaps(heat, np.array([0.0, 1.0]), clip)
    assert loc.heatmaps.shape == (3, 4, 6) and float(loc.heatmaps.max()) == 1.0
    assert loc.scores[2] == pytest.approx(1.0) and loc.scores[0] == pytest.approx(0.5)
    assert loc.points[0, 0] < SIZE[0] / 2 < loc.points[2, 0]


def test_phrase_prior_and_grid_shape() -> None:
    np.testing.assert_allclose(
        phrase_prior(np.array([0.0, 5.0, 6.0, 8.5, 20.0]), 5.0, 6.0), [0.0, 1.0, 1.0, 0.5, 0.0]
    )
    assert grid_shape((1280, 720)) == (18, 32)
    assert grid_shape((100, 400)) == (32, 8)


# -- the baselines ------------------------------------------------------------------------------


def test_centre_prior_points_at_the_centre() -> None:
    clip = square_clip([0.0, 1.5, 3.0])
    loc = CentrePriorLocalizer().localize(clip, "anything")
    assert isinstance(loc, Localization)
    np.testing.assert_allclose(loc.points, [[96.0, 64.0]] * 3)
    rows, cols = loc.heatmaps.shape[1:]
    assert (rows, cols) == grid_shape(SIZE)
    peak = np.unravel_index(int(np.argmax(loc.heatmaps[0])), (rows, cols))
    assert abs(peak[0] - (rows - 1) / 2) <= 0.5 and abs(peak[1] - (cols - 1) / 2) <= 0.5
    x1, y1, x2, y2 = loc.boxes[0]
    assert x1 < 96 < x2 and y1 < 64 < y2 and x2 - x1 < SIZE[0]
    np.testing.assert_allclose(loc.scores, [0.8, 1.0, 0.8])


def test_flow_points_at_the_moving_square() -> None:
    times = [0.0, 0.5, 1.0, 1.5, 2.0]
    loc = FlowLocalizer().localize(square_clip(times), "anything")
    for i, t in enumerate(times):
        x1, y1, x2, y2 = square_box(t)
        px, py = loc.points[i]
        assert x1 <= px <= x2 and y1 <= py <= y2, (t, loc.points[i])
        bx1, by1, bx2, by2 = loc.boxes[i]
        assert bx1 <= px <= bx2 and by1 <= py <= by2
        assert bx2 < SIZE[0] / 2 + 20  # the region stays near the square
    assert loc.heatmaps.shape[1:] == grid_shape(SIZE)
    assert float(loc.heatmaps.min()) >= 0.0 and float(loc.heatmaps.max()) == pytest.approx(1.0)


def test_flow_without_motion_falls_back_to_the_centre() -> None:
    still = ClipInput(np.stack([square_frame(1.0)] * 3), np.array([0.0, 0.5, 1.0]), 0.0, 1.0)
    loc = FlowLocalizer().localize(still, "x")
    np.testing.assert_allclose(loc.points, [[96.0, 64.0]] * 3)
    photo = ClipInput(square_frame(1.0)[None], np.zeros(1), 0.0, 0.0)
    np.testing.assert_allclose(FlowLocalizer().localize(photo, "x").points, [[96.0, 64.0]])


# -- clip sampling ------------------------------------------------------------------------------


def test_sample_times_cover_the_window_clipped_to_the_media() -> None:
    np.testing.assert_allclose(
        sample_times(10.0, 3.0, 4.0, window=1.0, fps=2.0), np.arange(2, 5.5, 0.5)
    )
    np.testing.assert_allclose(
        sample_times(10.0, 1.0, 9.5, window=5.0, fps=1.0), np.arange(0, 11.0)
    )
    assert sample_times(10.0, 12.0, 13.0, window=1.0, fps=2.0).tolist() == [10.0]
    with pytest.raises(ValueError):
        sample_times(10.0, 4.0, 3.0, window=1.0, fps=2.0)
    with pytest.raises(ValueError):
        sample_times(10.0, 3.0, 4.0, window=-1.0, fps=2.0)


def test_sample_clip_from_a_video(tmp_path: Path) -> None:
    path = write_square_clip(tmp_path / "square.mp4")
    clip = sample_clip(path, 1.0, 1.5, window=0.5, fps=2.0, include_times=(1.23,))
    assert clip.frames.shape[1:] == (128, 192, 3)
    np.testing.assert_allclose(clip.times, [0.5, 1.0, 1.2, 1.5, 2.0], atol=1e-6)
    # The included frame is the one shown at 1.23 s: the square sits where it was at 1.2 s.
    row = clip.frames[2, 18].astype(int).sum(axis=1)
    bright = np.flatnonzero(row > 500)
    assert abs(bright[0] - square_x(1.2)) <= 2
    with open_media(path) as source:
        small = sample_clip(source, 1.0, 1.5, window=0.0, fps=2.0, max_side=96)
        assert not source.closed  # an open source is left open
    assert small.frames.shape[1:] == (64, 96, 3)
    loc = FlowLocalizer().localize(small, "x")
    native = scale_localization(loc, small.size, (192, 128))
    np.testing.assert_allclose(native.points, loc.points * 2)
    np.testing.assert_allclose(native.boxes, loc.boxes * 2)


def test_sample_clip_from_an_image(tmp_path: Path) -> None:
    path = make_image(tmp_path / "photo.png", (64, 48))
    clip = sample_clip(path, 0.0, 0.0, include_times=(3.0,))
    assert clip.frames.shape == (1, 48, 64, 3) and clip.times.tolist() == [0.0]
    with pytest.raises(ValueError):
        sample_clip(path, 0.0, 0.0, max_side=4)
