"""Track Forward's pure rules: where it stops, which tracked boxes become keyframes, and the
one edit that puts them in the track (docs/correcting-boxes.md)."""

from __future__ import annotations

import pytest

from narrlocal_gui.core.model import (
    Box,
    DisplaySettings,
    Indicator,
    Phrase,
    Project,
    TrackPoint,
    VideoRef,
)
from narrlocal_gui.core.track_edits import (
    TRACK_KEY_STEP,
    set_keyframe,
    set_tracked_keyframes,
    track_forward_end,
    tracked_keys,
)
from narrlocal_gui.core.visibility import box_at

FPS = 25.0
FRAME = 1.0 / FPS
TOL = FRAME / 2.0


def _box(x: float) -> Box:
    return Box(x, 10.0, x + 20.0, 30.0)


def _project() -> Project:
    model = tuple(TrackPoint(10.0 + 0.5 * i, _box(100.0)) for i in range(7))  # 10.0 .. 13.0
    return Project(
        video=VideoRef("clip.mp4", fps=FPS),
        phrases=(Phrase("p1", "cut the card", 10.0, 13.0),),
        indicators=(Indicator("i1", "p1", track=model),),
        display=DisplaySettings(default_duration=None),
    )


def _samples(t0: float, n: int) -> list[tuple[float, Box]]:
    """A tracked box on each of ``n`` frames from ``t0``, 1 px further right each frame."""
    return [(t0 + i * FRAME, _box(10.0 + i)) for i in range(n)]


def test_track_forward_stops_at_the_span_end() -> None:
    project = _project()
    assert track_forward_end(project, "i1", 10.0, 5.0, TOL) == pytest.approx(13.0)
    assert track_forward_end(project, "i1", 10.0, 1.0, TOL) == pytest.approx(11.0)
    # A correction ahead does not stop it (tracking again goes over an earlier track).
    corrected = set_keyframe(project, "i1", 12.0, _box(50.0), TOL)
    assert track_forward_end(corrected, "i1", 10.0, 5.0, TOL) == pytest.approx(13.0)
    assert track_forward_end(project, "i1", 13.0, 5.0, TOL) == pytest.approx(13.0)
    with pytest.raises(ValueError):
        track_forward_end(project, "i1", 10.0, 0.0, TOL)
    with pytest.raises(KeyError):
        track_forward_end(project, "nope", 10.0, 1.0, TOL)


def test_tracked_keys_keep_one_box_per_step_and_the_last() -> None:
    samples = _samples(10.0, 26)  # 1 s at 25 fps
    keys = tracked_keys(samples, 0.2)
    assert [round((t - 10.0) / FRAME) for t, _ in keys] == [0, 5, 10, 15, 20, 25]
    odd = tracked_keys(_samples(10.0, 8), 0.2)
    assert [round((t - 10.0) / FRAME) for t, _ in odd] == [0, 5, 7]
    assert tracked_keys([], TRACK_KEY_STEP) == ()
    assert len(tracked_keys(samples, 0.0)) == len(samples)


def test_tracked_keyframes_are_one_edit_of_human_points_over_the_span() -> None:
    project = _project()
    keys = tracked_keys(_samples(10.0, 26), 0.2)
    tracked = set_tracked_keyframes(project, "i1", keys, TOL)
    track = tracked.indicator("i1").track
    inside = [p for p in track if 10.0 - TOL < p.time < 11.0 + TOL]
    assert [(p.time, p.box) for p in inside] == list(keys)
    assert all(p.human for p in inside)
    # The model's points after the tracked span stay, untouched.
    assert [p.time for p in track if p.time > 11.0 + TOL] == [11.5, 12.0, 12.5, 13.0]
    assert all(not p.human for p in track if p.time > 11.0 + TOL)
    # Between two keys the box is the tracker's, interpolated (no model guess blended in).
    assert box_at(track, 10.1) == _box(12.5)
    # The project it was made from is unchanged: undo is going back to it.
    assert project.indicator("i1").track == _project().indicator("i1").track


def test_tracked_keyframes_replace_corrections_inside_and_keep_those_outside() -> None:
    project = set_keyframe(_project(), "i1", 12.0, _box(70.0), TOL)
    project = set_keyframe(project, "i1", 10.5, _box(60.0), TOL)
    tracked = set_tracked_keyframes(project, "i1", [(10.0, _box(0.0)), (11.0, _box(5.0))], TOL)
    humans = [(p.time, p.box) for p in tracked.indicator("i1").track if p.human]
    assert humans == [(10.0, _box(0.0)), (11.0, _box(5.0)), (12.0, _box(70.0))]


def test_tracked_keyframes_refuse_bad_input() -> None:
    project = _project()
    with pytest.raises(ValueError):
        set_tracked_keyframes(project, "i1", [], TOL)
    with pytest.raises(ValueError):
        set_tracked_keyframes(project, "i1", [(11.0, _box(0.0)), (10.0, _box(0.0))], TOL)
    with pytest.raises(ValueError):
        set_tracked_keyframes(project, "i1", [(10.0, Box(0.0, 0.0, 1.0, 1.0))], TOL)
    with pytest.raises(KeyError):
        set_tracked_keyframes(project, "nope", [(10.0, _box(0.0))], TOL)
