"""The timeline's view maths and layout, without a widget."""

from __future__ import annotations

import pytest

from narrlocal_gui.core.model import Indicator, Phrase, Project
from narrlocal_gui.core.timeline_view import (
    TimeAxis,
    clamped_view,
    follow_start,
    indicator_spans,
    max_px_per_s,
    retimed,
    ruler_step,
    zoomed_view,
)


def test_time_and_x_map_both_ways() -> None:
    axis = TimeAxis(start=10.0, px_per_s=20.0, left=76.0)
    assert axis.x_for_time(12.5) == 126.0
    assert axis.time_at(126.0) == 12.5
    assert axis.visible_range(400.0) == (10.0, 30.0)
    assert TimeAxis(0.0, 0.0, 76.0).visible_range(400.0) == (0.0, 0.0)


def test_the_view_stays_inside_the_clip_and_no_smaller_than_the_fit() -> None:
    assert clamped_view(-5.0, 1.0, 60.0, 600.0) == (0.0, 10.0, True)  # below the fit
    assert clamped_view(55.0, 20.0, 60.0, 600.0) == (30.0, 20.0, False)  # past the end
    assert clamped_view(3.0, 20.0, 0.0, 600.0) == (0.0, 0.0, True)  # nothing to show
    assert max_px_per_s(25.0, 600.0, 60.0) == pytest.approx(1250.0)  # a frame is 50 px


def test_zoom_keeps_the_time_under_the_anchor() -> None:
    axis = TimeAxis(0.0, 10.0, 0.0)
    start, pps = zoomed_view(axis, 2.0, 100.0, 10.0, 1000.0)
    assert pps == 20.0 and TimeAxis(start, pps, 0.0).time_at(100.0) == 10.0


def test_following_pages_only_when_the_playhead_leaves_the_view() -> None:
    assert follow_start(5.0, 0.0, 10.0) is None
    assert follow_start(12.0, 0.0, 10.0) == pytest.approx(11.5)


def test_ruler_steps_are_far_enough_apart() -> None:
    assert ruler_step(10.0, 50.0) == (5.0, 5)
    assert ruler_step(1e-9, 50.0) == (3600.0, 6)


def test_a_dragged_edge_keeps_a_frame_and_snaps_to_frames() -> None:
    phrase = Phrase("p", "x", 1.0, 2.0)
    assert retimed(phrase, True, 1.98, (0.0, 10.0), 10.0, 10.0) == (1.9, 2.0)
    assert retimed(phrase, False, 12.0, (0.0, 20.0), None, 10.0) == (1.0, 10.0)
    assert retimed(phrase, True, 1.234, (0.0, 10.0), 10.0, 0.0) == (pytest.approx(1.2), 2.0)


def test_overlapping_indicators_get_lanes() -> None:
    project = Project(
        phrases=(Phrase("a", "a", 0.0, 2.0), Phrase("b", "b", 1.0, 3.0)),
        indicators=(Indicator("i1", "a"), Indicator("i2", "b")),
    )
    assert [s.lane for s in indicator_spans(project)] == [0, 1]
    assert indicator_spans(None) == ()
