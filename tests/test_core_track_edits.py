"""Box corrections as keyframes (core/track_edits.py, core/box_handles.py), without Qt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from narrlocal_gui.core.box_handles import (
    Handle,
    box_hit,
    drawn_box,
    fit_box,
    handle_at,
    moved_box,
    resized_box,
)
from narrlocal_gui.core.localization_edits import apply_localization, merge_track, phrase_color
from narrlocal_gui.core.model import (
    Box,
    DisplaySettings,
    Indicator,
    Phrase,
    Project,
    TrackPoint,
    VideoRef,
)
from narrlocal_gui.core.project_io import load_project, project_to_json, save_project
from narrlocal_gui.core.track_edits import (
    MIN_BOX_SIZE,
    add_box_for_phrase,
    clear_track,
    delete_keyframe,
    keyframe_indicators,
    keyframe_times,
    next_keyframe_time,
    phrase_display_span,
    point_at,
    previous_keyframe_time,
    set_hide_interpolated,
    set_keyframe,
)
from narrlocal_gui.core.visibility import (
    DEFAULT_FRAME_TOLERANCE,
    box_at,
    frame_tolerance,
    point_on_frame,
    visible_indicators,
)
from narrlocal_gui.errors import ProjectFileError

FPS = 25.0
FRAME = 1.0 / FPS
TOL = FRAME / 2.0


def _box(x: float, y: float = 10.0, size: float = 20.0) -> Box:
    return Box(x, y, x + size, y + size)


def _model_track(start: float = 10.0, frames: int = 11, step: int = 5) -> tuple[TrackPoint, ...]:
    """A model point every ``step`` frames from ``start``; the box moves 1 px per frame."""
    return tuple(
        TrackPoint(start + i * FRAME, _box(100.0 + i)) for i in range(0, frames * step, step)
    )


def _shown(project: Project, t: float, tolerance: float | None = None) -> Box | None:
    """The box i1 shows at ``t`` (it must be visible then)."""
    (visible,) = [v for v in visible_indicators(project, t, tolerance) if v.indicator_id == "i1"]
    return visible.box


def _project(**ind: object) -> Project:
    return Project(
        video=VideoRef("clip.mp4", fps=FPS),
        phrases=(
            Phrase("p1", "add the onions", 10.0, 12.0),
            Phrase("p2", "stir", 20.0, 21.0),
            Phrase("p3", "serve", 30.0, 31.0),
        ),
        indicators=(
            Indicator("i1", "p1", track=_model_track(), **ind),  # type: ignore[arg-type]
            Indicator("i3", "p3", track=(TrackPoint(30.4, _box(5.0), human=True),)),
        ),
        display=DisplaySettings(default_duration=3.0),
    )


# -- set_keyframe ----------------------------------------------------------------------------


def test_a_correction_is_a_human_point_and_the_model_points_elsewhere_stay() -> None:
    project = _project()
    before = project.indicator("i1").track
    t = 10.0 + 7 * FRAME  # between two model points
    edited = set_keyframe(project, "i1", t, _box(300.0), TOL)
    track = edited.indicator("i1").track
    assert len(track) == len(before) + 1
    assert [p for p in track if p.human] == [TrackPoint(t, _box(300.0), human=True)]
    assert [p for p in track if not p.human] == list(before)
    assert box_at(track, t) == _box(300.0)
    # Halfway to the next model point, halfway between the two boxes.
    halfway = box_at(track, t + 1.5 * FRAME)
    assert halfway is not None and halfway.x1 == pytest.approx((300.0 + 110.0) / 2)
    assert project.indicator("i1").track == before  # the old project is untouched


def test_a_correction_replaces_points_within_half_a_frame_only() -> None:
    project = _project()
    model_time = 10.0 + 5 * FRAME
    edited = set_keyframe(project, "i1", model_time + 0.4 * FRAME, _box(50.0), TOL)
    times = keyframe_times(edited.indicator("i1"))
    assert model_time not in times  # the model point it sat on is gone
    assert 10.0 in times and 10.0 + 10 * FRAME in times  # its neighbours are not
    again = set_keyframe(edited, "i1", model_time + 0.4 * FRAME, _box(60.0), TOL)
    assert [p.box for p in again.indicator("i1").track if p.human] == [_box(60.0)]
    assert set_keyframe(again, "i1", model_time + 0.4 * FRAME, _box(60.0), TOL) == again


def test_set_keyframe_refuses_bad_input() -> None:
    project = _project()
    with pytest.raises(KeyError):
        set_keyframe(project, "nope", 10.0, _box(1.0), TOL)
    with pytest.raises(ValueError, match="at least"):
        set_keyframe(project, "i1", 10.0, Box(0, 0, MIN_BOX_SIZE / 2, 10), TOL)
    with pytest.raises(ValueError, match="time"):
        set_keyframe(project, "i1", float("nan"), _box(1.0), TOL)
    with pytest.raises(ValueError, match="tolerance"):
        set_keyframe(project, "i1", 10.0, _box(1.0), 0.0)


# -- deleting --------------------------------------------------------------------------------


def test_delete_keyframe_removes_the_point_and_leaves_the_rest() -> None:
    project = _project()
    t = 10.0 + 5 * FRAME
    edited = delete_keyframe(project, "i1", t + 0.2 * FRAME, TOL)
    assert t not in keyframe_times(edited.indicator("i1"))
    assert len(edited.indicator("i1").track) == len(project.indicator("i1").track) - 1
    assert delete_keyframe(project, "i1", t + 2 * FRAME, TOL) is project  # nothing there
    with pytest.raises(KeyError):
        delete_keyframe(project, "nope", t, TOL)


def test_deleting_the_last_keyframe_leaves_no_box() -> None:
    project = delete_keyframe(_project(), "i3", 30.4, TOL)
    assert project.indicator("i3").track == ()
    (shown,) = visible_indicators(project, 30.5)
    assert shown.box is None


def test_clear_track_deletes_the_whole_box() -> None:
    project = clear_track(_project(), "i1")
    assert project.indicator("i1").track == ()
    assert clear_track(project, "i1") is project
    with pytest.raises(KeyError):
        clear_track(project, "nope")


# -- drawing a box for a phrase --------------------------------------------------------------


def test_add_box_for_a_phrase_without_indicator_creates_one() -> None:
    project = _project()
    edited = add_box_for_phrase(project, "p2", 20.5, _box(7.0), TOL, "new-1")
    ind = edited.indicator("new-1")
    assert ind.phrase_id == "p2" and ind.enabled and ind.style.value == "box"
    assert ind.color == phrase_color(project, "p2")
    assert ind.track == (TrackPoint(20.5, _box(7.0), human=True),)
    generated = add_box_for_phrase(project, "p2", 20.5, _box(7.0), TOL)
    new = generated.indicator_for_phrase("p2")
    assert new is not None and new.id.startswith("ind-")


def test_add_box_for_a_phrase_with_an_indicator_sets_a_keyframe() -> None:
    project = _project()
    edited = add_box_for_phrase(project, "p1", 10.5, _box(9.0), TOL, "unused")
    assert [i.id for i in edited.indicators] == ["i1", "i3"]
    assert point_at(edited.indicator("i1").track, 10.5, TOL) == TrackPoint(
        10.5, _box(9.0), human=True
    )


def test_add_box_for_phrase_refuses_bad_input() -> None:
    project = _project()
    with pytest.raises(KeyError):
        add_box_for_phrase(project, "nope", 1.0, _box(1.0), TOL, "x")
    with pytest.raises(ValueError, match="taken"):
        add_box_for_phrase(project, "p2", 20.5, _box(1.0), TOL, "i1")


# -- queries ---------------------------------------------------------------------------------


def test_keyframe_times_and_point_at() -> None:
    project = set_keyframe(_project(), "i1", 10.5, _box(1.0), TOL)
    ind = project.indicator("i1")
    assert keyframe_times(ind, human_only=True) == (10.5,)
    assert len(keyframe_times(ind)) == len(ind.track)
    assert point_at(ind.track, 10.5 + 0.49 * FRAME, TOL) == TrackPoint(10.5, _box(1.0), True)
    assert point_at(ind.track, 10.5 + 0.51 * FRAME, TOL) is None


def test_display_span_of_a_phrase_with_and_without_indicator() -> None:
    project = _project(duration_override=1.5)
    assert phrase_display_span(project, "p1") == (10.0, 11.5)
    assert phrase_display_span(project, "p2") == (20.0, 23.0)  # the project's default


def test_next_and_previous_keyframe_of_the_selected_indicator() -> None:
    project = _project()
    model = keyframe_times(project.indicator("i1"))
    # Only points inside the span (10 s to 13 s) count.
    assert next_keyframe_time(project, 10.0, TOL, "i1") == model[1]
    assert next_keyframe_time(project, model[1] - 0.4 * FRAME, TOL, "i1") == model[1]
    assert previous_keyframe_time(project, model[2], TOL, "i1") == model[1]
    # On the frame of a keyframe (a little after it): previous is the one before.
    assert previous_keyframe_time(project, model[2] + 0.3 * FRAME, TOL, "i1") == model[1]
    assert previous_keyframe_time(project, 10.0, TOL, "i1") is None
    assert next_keyframe_time(project, model[-1], TOL, "i1") is None
    assert next_keyframe_time(project, 30.0, TOL, "i1") is None


def test_keyframe_navigation_without_selection_goes_through_enabled_indicators() -> None:
    project = _project()
    assert next_keyframe_time(project, 12.5, TOL) == 30.4  # i3's correction
    off = Project(
        video=project.video,
        phrases=project.phrases,
        indicators=(project.indicators[0], Indicator("i3", "p3", enabled=False, track=())),
    )
    assert next_keyframe_time(off, 12.5, TOL) is None
    assert [i.id for i in keyframe_indicators(project, None)] == ["i1", "i3"]
    assert [i.id for i in keyframe_indicators(project, "i3")] == ["i3"]
    assert [i.id for i in keyframe_indicators(project, "gone")] == ["i1", "i3"]


def test_a_point_a_moment_before_the_span_is_reached_at_its_start() -> None:
    early = Indicator("i2", "p2", track=(TrackPoint(20.0 - 0.6 * FRAME, _box(1.0)),))
    project = Project(phrases=(Phrase("p2", "stir", 20.0, 21.0),), indicators=(early,))
    assert next_keyframe_time(project, 0.0, TOL) == 20.0


# -- hide interpolated frames ----------------------------------------------------------------


def test_hide_interpolated_shows_boxes_only_on_keyframe_frames() -> None:
    project = set_hide_interpolated(_project(), "i1", True)
    assert project.indicator("i1").hide_interpolated
    first, second = keyframe_times(project.indicator("i1"))[:2]
    assert _shown(project, first) == _box(100.0)
    # The player may ask a little after the frame started: still that keyframe's own box.
    assert _shown(project, first + 0.6 * FRAME) == _box(100.0)
    assert _shown(project, first + FRAME) is None
    assert _shown(project, second) == _box(105.0)
    assert _shown(set_hide_interpolated(project, "i1", False), first + FRAME) is not None


def test_the_keyframe_window_never_covers_the_next_frame() -> None:
    track = (TrackPoint(1.0, _box(1.0)),)
    assert point_on_frame(track, 1.0, TOL) is not None
    assert point_on_frame(track, 1.0 - 0.5 * FRAME, TOL) is not None  # rounding slack
    assert point_on_frame(track, 1.0 - 0.6 * FRAME, TOL) is None
    assert point_on_frame(track, 1.0 + FRAME, TOL) is None
    # Millisecond timestamps: the next frame of 25 fps may start at 39 ms, not 40.
    assert point_on_frame(track, 1.039, TOL) is None


def test_frame_tolerance_comes_from_the_video_frame_rate() -> None:
    assert frame_tolerance(_project()) == pytest.approx(TOL)
    assert frame_tolerance(Project()) == DEFAULT_FRAME_TOLERANCE
    assert frame_tolerance(Project(video=VideoRef("v.mp4", fps=0.0))) == DEFAULT_FRAME_TOLERANCE
    hidden = set_hide_interpolated(_project(), "i1", True)
    # An explicit tolerance wins over the project's.
    assert _shown(hidden, 10.0 + FRAME) is None
    assert _shown(hidden, 10.0 + FRAME, 2 * FRAME) is not None


# -- the localizer keeps corrections ---------------------------------------------------------


def test_localizing_again_keeps_the_corrections() -> None:
    corrected = set_keyframe(_project(), "i1", 10.5, _box(300.0), TOL)
    rerun = tuple(TrackPoint(10.0 + i * 0.1, _box(200.0 + i)) for i in range(20))
    again = apply_localization(corrected, "p1", rerun, (), 0.9, new_indicator_id="unused")
    track = again.indicator("i1").track
    assert TrackPoint(10.5, _box(300.0), human=True) in track
    assert [p for p in track if p.human] == [TrackPoint(10.5, _box(300.0), human=True)]
    assert box_at(track, 10.5) == _box(300.0)
    assert merge_track(track, rerun) == track  # the same run again changes nothing


def test_a_deleted_model_keyframe_comes_back_when_localizing_again() -> None:
    project = _project()
    deleted = delete_keyframe(project, "i1", 10.0, TOL)
    again = apply_localization(
        deleted, "p1", project.indicator("i1").track, (), None, new_indicator_id="unused"
    )
    assert again.indicator("i1").track == project.indicator("i1").track


# -- the project file ------------------------------------------------------------------------


def test_corrections_and_hide_interpolated_survive_a_save(tmp_path: Path) -> None:
    project = set_hide_interpolated(
        set_keyframe(_project(), "i1", 10.5, _box(3.0), TOL), "i1", True
    )
    path = tmp_path / "p.narrlocal"
    save_project(project, path)
    back = load_project(path)
    assert back.indicator("i1").hide_interpolated
    assert not back.indicator("i3").hide_interpolated
    assert back.indicator("i1").track == project.indicator("i1").track
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["indicators"][0]["hide_interpolated"] is True
    assert [p["human"] for p in doc["indicators"][1]["track"]] == [True]


def test_a_file_without_hide_interpolated_still_loads(tmp_path: Path) -> None:
    doc = project_to_json(_project())
    for indicator in doc["indicators"]:
        del indicator["hide_interpolated"]
    path = tmp_path / "old.narrlocal"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert not any(i.hide_interpolated for i in load_project(path).indicators)


def test_a_wrong_hide_interpolated_is_reported_where_it_is(tmp_path: Path) -> None:
    doc = project_to_json(_project())
    doc["indicators"][1]["hide_interpolated"] = "yes"
    path = tmp_path / "bad.narrlocal"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ProjectFileError, match=r"indicators\[1\]\.hide_interpolated"):
        load_project(path)


# -- mouse geometry --------------------------------------------------------------------------


def test_handles_are_found_near_their_points_corners_first() -> None:
    box = Box(10, 10, 110, 60)
    assert handle_at(box, 11, 9, 3) is Handle.TOP_LEFT
    assert handle_at(box, 60, 61, 3) is Handle.BOTTOM
    assert handle_at(box, 110, 35, 3) is Handle.RIGHT
    assert handle_at(box, 60, 35, 3) is None
    tiny = Box(0, 0, 4, 4)  # every handle within reach: a corner wins
    assert handle_at(tiny, 4, 4, 5) is Handle.BOTTOM_RIGHT


def test_a_press_takes_the_selected_boxs_handle_then_the_topmost_box() -> None:
    under, over = ("a", Box(0, 0, 100, 100)), ("b", Box(50, 50, 150, 150))
    boxes = [under, over]
    assert box_hit(boxes, None, 75, 75, 3) == ("b", None)  # the one drawn last is on top
    assert box_hit(boxes, "a", 75, 75, 3) == ("a", None)  # unless the other is selected
    assert box_hit(boxes, "a", 101, 99, 3) == ("a", Handle.BOTTOM_RIGHT)  # just outside
    assert box_hit(boxes, "b", 101, 99, 3) == ("b", None)  # an unselected box has no handles
    assert box_hit(boxes, None, 10, 140, 3) is None


def test_resizing_follows_the_handle_within_the_frame_and_never_inverts() -> None:
    box = Box(10, 10, 110, 60)
    assert resized_box(box, Handle.BOTTOM_RIGHT, 150, 90, 640, 360) == Box(10, 10, 150, 90)
    assert resized_box(box, Handle.TOP, 500, 30, 640, 360) == Box(10, 30, 110, 60)
    assert resized_box(box, Handle.LEFT, -40, 0, 640, 360) == Box(0, 10, 110, 60)
    past = resized_box(box, Handle.LEFT, 500, 0, 640, 360)  # dragged past the right edge
    assert past == Box(110 - MIN_BOX_SIZE, 10, 110, 60)


def test_moving_keeps_the_size_and_stops_at_the_frame_edges() -> None:
    box = Box(10, 10, 110, 60)
    assert moved_box(box, 20, 5, 640, 360) == Box(30, 15, 130, 65)
    assert moved_box(box, -50, 1000, 640, 360) == Box(0, 310, 100, 360)


def test_drawing_and_fitting_boxes() -> None:
    assert drawn_box(100, 80, 20, 10, 640, 360) == Box(20, 10, 100, 80)
    assert drawn_box(600, 300, 700, 400, 640, 360) == Box(600, 300, 640, 360)
    assert drawn_box(5, 5, 6, 30, 640, 360) is None  # a click, not a box
    assert fit_box(Box(-10, -10, 50, 50), 640, 360) == Box(0, 0, 50, 50)
    assert fit_box(Box(700, 0, 800, 10), 640, 360) is None
    grown = fit_box(Box(639.5, 10, 645, 11), 640, 360)
    assert grown == Box(640 - MIN_BOX_SIZE, 9.5, 640, 11.5)
