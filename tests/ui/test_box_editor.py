"""Correcting boxes in the main window: select, move, resize, draw, delete, undo.

A real window on a generated counter clip (160 x 96, 30 fps), offscreen. The mouse works in
the video view's widget pixels; expectations are in the clip's pixels, through the view's
own mapping.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, QPointF, QSettings, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from narrlocal_gui.core.model import (
    Box,
    DisplaySettings,
    Indicator,
    IndicatorStyle,
    Phrase,
    Project,
    TrackPoint,
    VideoRef,
)
from narrlocal_gui.core.project_io import load_project, save_project
from narrlocal_gui.core.track_edits import point_at
from narrlocal_gui.core.visibility import visible_indicators
from narrlocal_gui.ui.indicator_panel import Column
from narrlocal_gui.ui.main_window import MainWindow
from tests.media_factory import make_counter_clip

FPS = 30.0
N_FRAMES = 60
FRAME = 1.0 / FPS
TOL = FRAME / 2.0
START_BOX = Box(40.0, 24.0, 100.0, 64.0)
END_BOX = Box(70.0, 24.0, 130.0, 64.0)  # 30 px to the right, a second later
T = 9 * FRAME  # frame 9: the box is START_BOX moved 9 px right
COLOR = (230, 20, 200)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("boxclip")
    return make_counter_clip(folder / "clip.mp4", n_frames=N_FRAMES, fps=FPS, with_audio=False)


def _project(video: Path) -> Project:
    return Project(
        video=VideoRef(path=str(video), fps=FPS),
        phrases=(
            Phrase("p1", "the middle", 0.0, 1.5),
            Phrase("p2", "the lid", 0.2, 1.9),
        ),
        indicators=(
            Indicator(
                "i1",
                "p1",
                style=IndicatorStyle.BOX,
                color=COLOR,
                track=(TrackPoint(0.0, START_BOX), TrackPoint(1.0, END_BOX)),
            ),
        ),
        display=DisplaySettings(default_duration=None, show_labels=False),
    )


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, clip: Path) -> Iterator[MainWindow]:
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    settings.setValue("preferences/autosave_seconds", 60.0)
    win = MainWindow(settings=settings)
    qtbot.addWidget(win)
    win.show()
    path = tmp_path / "boxes.narrlocal"
    save_project(_project(clip), path)
    win.open_path(path)
    qtbot.waitUntil(lambda: win.controller.has_media and win.video_view.has_frame(), timeout=10000)
    _go(win, qtbot, T)
    yield win
    win.close()


def _go(window: MainWindow, qtbot: QtBot, t: float) -> None:
    """Seek to ``t`` and wait until its frame is on screen (no render left in flight)."""
    window.controller.seek(t)
    qtbot.waitUntil(
        lambda: window.box_editor.position() == t and window.controller._in_flight is None,
        timeout=3000,
    )


def _shown_box(window: MainWindow, indicator_id: str = "i1") -> Box | None:
    for visible in visible_indicators(window.project, window.box_editor.position()):
        if visible.indicator_id == indicator_id:
            return visible.box
    return None


def _widget(window: MainWindow, x: float, y: float) -> QPoint:
    point = window.video_view.frame_to_widget(QPointF(x, y))
    assert point is not None
    return point.toPoint()


def _drag(
    window: MainWindow,
    qtbot: QtBot,
    start: QPoint,
    end: QPoint,
    modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
    release: bool = True,
) -> None:
    view = window.video_view
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, modifier, start)
    for k in range(1, 5):
        qtbot.mouseMove(view, start + (end - start) * (k / 4))
    if release:
        qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, modifier, end)


def _scale(window: MainWindow) -> float:
    return window.video_view.frame_scale()


def _human_points(window: MainWindow, indicator_id: str = "i1") -> list[TrackPoint]:
    return [p for p in window.project.indicator(indicator_id).track if p.human]


# -- selecting ---------------------------------------------------------------------------------


def test_a_click_on_a_box_selects_it_everywhere(window: MainWindow, qtbot: QtBot) -> None:
    box = _shown_box(window)
    assert box == Box(49.0, 24.0, 109.0, 64.0)
    view = window.video_view
    rect = window.box_editor.box_rect(box)
    assert rect is not None
    corner = rect.bottomRight().toPoint()
    plain = view.grab().toImage().pixelColor(corner)
    renders: list[object] = []
    window.controller.frame_shown.connect(renders.append)
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=_widget(window, 79.0, 44.0))
    assert window.box_editor.selected_indicator() == "i1"
    assert window.indicator_panel.selected_indicator() == "i1"
    assert window.timeline._selected_indicator == "i1"  # no public getter
    assert window.document.undo_stack.count() == 0  # selecting is no edit
    # The handles are the view's overlay: drawn over the frame, never rendered into it.
    assert view.grab().toImage().pixelColor(corner) != plain
    qtbot.wait(50)
    assert renders == []
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=_widget(window, 5.0, 90.0))
    assert window.box_editor.selected_indicator() is None
    assert window.indicator_panel.selected_indicator() is None
    assert view.grab().toImage().pixelColor(corner) == plain


def _shown_everywhere(window: MainWindow) -> tuple[str | None, ...]:
    """The selected indicator in the picture, the list and the timeline, then the selected
    phrase on the timeline and in the transcript."""
    return (
        window.box_editor.selected_indicator(),
        window.indicator_panel.selected_indicator(),
        window.timeline._selected_indicator,  # no public getter
        window.timeline._selected_phrase,
        window.transcript_panel.selected_phrase(),
    )


def test_one_selection_whichever_view_it_was_made_in(window: MainWindow, qtbot: QtBot) -> None:
    view = window.video_view
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=_widget(window, 79.0, 44.0))
    assert _shown_everywhere(window) == ("i1", "i1", "i1", "p1", "p1")
    # Beside every box: no indicator, the phrase stays (what a drawn box is for).
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=_widget(window, 5.0, 90.0))
    assert _shown_everywhere(window) == (None, None, None, "p1", "p1")
    # The transcript: "the lid" has no indicator.
    phrases = window.transcript_panel.phrase_view()
    phrases.selectionModel().setCurrentIndex(
        window.transcript_panel.phrase_model().index(1, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect,
    )
    assert _shown_everywhere(window) == (None, None, None, "p2", "p2")
    assert window.controller.position() == pytest.approx(0.2)  # choosing a phrase goes there
    # The indicator list.
    window.indicator_panel.table().selectRow(0)
    assert _shown_everywhere(window) == ("i1", "i1", "i1", "p1", "p1")
    # The timeline: a click on "the lid" where only it is spoken.
    timeline = window.timeline
    at = QPoint(round(timeline.x_for_time(1.7)), round(timeline._rows().phrases.center().y()))
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=at)
    assert _shown_everywhere(window) == (None, None, None, "p2", "p2")
    # Up: back to the start of "the lid" and on to "the middle", with its indicator.
    window.navigator.previous()
    window.navigator.previous()
    assert _shown_everywhere(window) == ("i1", "i1", "i1", "p1", "p1")
    # A box drawn for "the lid" selects its new indicator; undone, the phrase stays selected.
    window.navigator.go_to_phrase("p2")
    window.window_actions.draw_box.trigger()
    _drag(window, qtbot, _widget(window, 120.0, 10.0), _widget(window, 150.0, 40.0))
    new = window.project.indicator_for_phrase("p2")
    assert new is not None
    assert _shown_everywhere(window) == (new.id, new.id, new.id, "p2", "p2")
    window.document.undo_stack.undo()
    assert _shown_everywhere(window) == (None, None, None, "p2", "p2")


def test_selecting_a_row_in_the_indicator_list_selects_the_box(window: MainWindow) -> None:
    window.indicator_panel.table().selectRow(0)
    assert window.box_editor.selected_indicator() == "i1"


# -- moving and resizing -----------------------------------------------------------------------


def test_dragging_a_box_moves_it_as_one_undo_step(window: MainWindow, qtbot: QtBot) -> None:
    before = window.project
    scale = _scale(window)
    start = _widget(window, 79.0, 44.0)
    end = start + QPoint(round(20 * scale), round(10 * scale))
    _drag(window, qtbot, start, end)
    stack = window.document.undo_stack
    assert stack.count() == 1
    assert stack.undoText() == "Move box of “the middle”"
    (point,) = _human_points(window)
    assert point.time == pytest.approx(T)
    dx, dy = (end - start).x() / scale, (end - start).y() / scale
    assert point.box.as_tuple() == pytest.approx((49.0 + dx, 24.0 + dy, 109.0 + dx, 64.0 + dy))
    assert _shown_box(window) == point.box
    # The model's own points stay around the correction.
    assert [p.time for p in window.project.indicator("i1").track] == pytest.approx([0.0, T, 1.0])
    after = window.project
    stack.undo()
    assert window.project == before
    stack.redo()
    assert window.project == after
    assert window.isWindowModified()


def test_the_frame_follows_the_drag_before_the_release(window: MainWindow, qtbot: QtBot) -> None:
    previews: list[Project] = []
    window.box_editor.frame_project_changed.connect(previews.append)
    start = _widget(window, 79.0, 44.0)
    _drag(window, qtbot, start, start + QPoint(60, 0), release=False)
    assert previews, "no preview was rendered while dragging"
    preview_box = point_at(previews[-1].indicator("i1").track, T, TOL)
    assert preview_box is not None and preview_box.box.x1 > 49.0
    assert window.document.undo_stack.count() == 0  # nothing is committed yet
    qtbot.mouseRelease(window.video_view, Qt.MouseButton.LeftButton, pos=start + QPoint(60, 0))
    assert window.document.undo_stack.count() == 1


def test_dragging_a_corner_handle_resizes(window: MainWindow, qtbot: QtBot) -> None:
    view = window.video_view
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=_widget(window, 79.0, 44.0))
    corner = _widget(window, 109.0, 64.0)
    qtbot.mouseMove(view, corner)
    assert view.cursor().shape() == Qt.CursorShape.SizeFDiagCursor
    scale = _scale(window)
    _drag(window, qtbot, corner, corner + QPoint(round(15 * scale), round(20 * scale)))
    assert window.document.undo_stack.undoText() == "Resize box of “the middle”"
    (point,) = _human_points(window)
    assert (point.box.x1, point.box.y1) == pytest.approx((49.0, 24.0))  # the far corner stays
    assert (point.box.x2, point.box.y2) == pytest.approx((124.0, 84.0), abs=1.0 / scale)
    # Dragged past the frame: the box stops at its edge.
    corner = _widget(window, point.box.x2, point.box.y2)
    _drag(window, qtbot, corner, corner + QPoint(2000, 2000))
    (point,) = _human_points(window)
    assert (point.box.x2, point.box.y2) == (160.0, 96.0)
    assert window.document.undo_stack.count() == 2


def test_escape_cancels_a_drag(window: MainWindow, qtbot: QtBot) -> None:
    before = window.project
    restored: list[Project] = []
    window.box_editor.frame_project_changed.connect(restored.append)
    start = _widget(window, 79.0, 44.0)
    _drag(window, qtbot, start, start + QPoint(80, 40), release=False)
    assert window.box_editor.dragging()
    qtbot.keyClick(window.video_view, Qt.Key.Key_Escape)
    assert not window.box_editor.dragging()
    assert restored[-1] is window.project  # the player renders the real project again
    qtbot.mouseRelease(window.video_view, Qt.MouseButton.LeftButton, pos=start + QPoint(80, 40))
    assert window.document.undo_stack.count() == 0
    assert window.project == before


def test_a_click_without_moving_changes_nothing(window: MainWindow, qtbot: QtBot) -> None:
    start = _widget(window, 79.0, 44.0)
    _drag(window, qtbot, start, start + QPoint(1, 0))
    assert window.document.undo_stack.count() == 0


def test_an_edit_between_frames_snaps_to_the_frame_start(window: MainWindow, qtbot: QtBot) -> None:
    _go(window, qtbot, T + 0.4 * FRAME)
    start = _widget(window, 79.0, 44.0)
    _drag(window, qtbot, start, start + QPoint(40, 0))
    (point,) = _human_points(window)
    assert point.time == pytest.approx(T)
    assert window.controller.position() == pytest.approx(T)  # the same frame, at its start
    assert _shown_box(window) == point.box


def test_a_click_on_the_playing_picture_pauses_it(window: MainWindow, qtbot: QtBot) -> None:
    window.controller.play()
    assert window.controller.playing
    start = _widget(window, 79.0, 44.0)
    qtbot.mouseClick(window.video_view, Qt.MouseButton.LeftButton, pos=start)
    assert not window.controller.playing
    assert window.document.undo_stack.count() == 0


# -- drawing -----------------------------------------------------------------------------------


def test_draw_box_mode_draws_a_new_box_for_the_selected_phrase(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.navigator.go_to_phrase("p2")  # the lid: no indicator yet
    assert window.box_editor.selected_indicator() is None
    window.window_actions.draw_box.trigger()
    assert window.box_editor.draw_mode()
    t = window.box_editor.position()
    _drag(window, qtbot, _widget(window, 120.0, 10.0), _widget(window, 150.0, 40.0))
    stack = window.document.undo_stack
    assert stack.undoText() == "Draw box for “the lid”"
    new = window.project.indicator_for_phrase("p2")
    assert new is not None and new.enabled
    (point,) = new.track
    assert point.human and point.time == pytest.approx(t)
    assert point.box.as_tuple() == pytest.approx((120.0, 10.0, 150.0, 40.0), abs=1.0)
    assert not window.box_editor.draw_mode()  # one box per Draw Box
    assert not window.window_actions.draw_box.isChecked()
    assert window.box_editor.selected_indicator() == new.id
    assert window.indicator_panel.selected_indicator() == new.id
    stack.undo()
    assert window.project.indicator_for_phrase("p2") is None
    assert window.box_editor.selected_indicator() is None
    stack.redo()
    assert window.project.indicator_for_phrase("p2") == new


def test_shift_drag_draws_for_the_phrase_spoken_now_over_other_boxes(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.selection.select_phrase(window.project, None)
    _go(window, qtbot, 1.0)  # both are spoken; "the lid" started last
    before = window.project.indicator("i1")
    _drag(
        window,
        qtbot,
        _widget(window, 60.0, 30.0),
        _widget(window, 90.0, 60.0),
        Qt.KeyboardModifier.ShiftModifier,
    )
    new = window.project.indicator_for_phrase("p2")
    assert new is not None and len(new.track) == 1
    assert new.track[0].box.as_tuple() == pytest.approx((60.0, 30.0, 90.0, 60.0), abs=1.0)
    assert window.project.indicator("i1") == before  # pressed inside its box, but drew


def test_drawing_is_refused_where_the_phrase_does_not_show(
    window: MainWindow, qtbot: QtBot
) -> None:
    messages: list[str] = []
    window.box_editor.message.connect(messages.append)
    _go(window, qtbot, 1.95)  # after both phrases
    window.box_editor.set_draw_mode(True)
    _drag(window, qtbot, _widget(window, 10.0, 10.0), _widget(window, 60.0, 60.0))
    assert window.document.undo_stack.count() == 0
    assert messages and "Select a phrase" in messages[-1]
    window.selection.select_phrase(window.project, "p1")
    _drag(window, qtbot, _widget(window, 10.0, 10.0), _widget(window, 60.0, 60.0))
    assert "shows from" in messages[-1]
    assert window.document.undo_stack.count() == 0
    qtbot.keyClick(window.video_view, Qt.Key.Key_Escape)
    assert not window.box_editor.draw_mode()


# -- keyframes: delete, navigate ---------------------------------------------------------------


def test_delete_keyframe_and_delete_box(window: MainWindow, qtbot: QtBot) -> None:
    actions = window.window_actions
    messages: list[str] = []
    window.keyframes.message.connect(messages.append)
    actions.delete_keyframe.trigger()
    assert messages[-1].startswith("Select a box first")
    start = _widget(window, 79.0, 44.0)
    _drag(window, qtbot, start, start + QPoint(30, 0))
    corrected = window.project
    actions.delete_keyframe.trigger()
    stack = window.document.undo_stack
    assert stack.undoText() == "Delete keyframe of “the middle”"
    assert _human_points(window) == []
    assert _shown_box(window) == Box(49.0, 24.0, 109.0, 64.0)  # interpolated again
    actions.delete_keyframe.trigger()  # nothing left on this frame
    assert stack.count() == 2 and "No keyframe" in messages[-1]
    stack.undo()
    assert window.project == corrected
    actions.delete_box.trigger()
    assert stack.undoText() == "Delete box of “the middle”"
    assert window.project.indicator("i1").track == ()
    assert _shown_box(window) is None
    stack.undo()
    assert window.project == corrected


def test_keyframe_keys_move_the_playhead(window: MainWindow, qtbot: QtBot) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    view = window.video_view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert window.controller.position() == pytest.approx(1.0)
    qtbot.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert window.controller.position() == pytest.approx(0.0)
    # A correction is a keyframe too; Delete deletes it.
    _go(window, qtbot, T)
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=_widget(window, 79.0, 44.0))
    start = _widget(window, 79.0, 44.0)
    _drag(window, qtbot, start, start + QPoint(30, 0))
    _go(window, qtbot, 0.0)
    qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert window.controller.position() == pytest.approx(T)
    marks = window.timeline.keyframe_marks()
    assert ("i1", pytest.approx(T), True) in marks
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert _human_points(window) == []


def test_indicators_showing_at_once_get_their_own_timeline_lanes(qtbot: QtBot) -> None:
    """Two indicators showing at once are stacked, not drawn over each other: each keeps its
    colour in its lane, and the one being edited gets the selection colour and its points
    whether or not it is showing at the playhead."""
    from narrlocal_gui.ui.timeline_widget import TimelineWidget

    first = (230, 20, 200)
    second = (20, 120, 230)
    timeline = TimelineWidget()
    qtbot.addWidget(timeline)
    timeline.resize(900, 160)
    timeline.show()
    phrases = (Phrase("p1", "first", 1.0, 6.0), Phrase("p2", "second", 2.0, 7.0))
    track = (TrackPoint(1.0, START_BOX), TrackPoint(3.0, END_BOX), TrackPoint(5.0, START_BOX))
    timeline.set_duration(10.0)
    project = Project(
        phrases=phrases,
        indicators=(
            Indicator("i1", "p1", IndicatorStyle.BOX, color=first, track=track),
            Indicator("i2", "p2", IndicatorStyle.DARKEN, color=second, track=track),
        ),
        display=DisplaySettings(default_duration=None),
    )
    timeline.set_project(project)
    row = timeline._rows().indicators
    lanes = [row.top() + row.height() / 4, row.top() + row.height() * 3 / 4]
    x = round(timeline.x_for_time(4.5))  # both show here; no keyframe or playhead nearby
    highlight = timeline.palette().color(timeline.palette().ColorRole.Highlight)

    def colour_at(px: int, py: float) -> tuple[int, int, int]:
        colour = timeline.grab().toImage().pixelColor(px, round(py))
        return (colour.red(), colour.green(), colour.blue())

    def near(a: tuple[int, int, int], b: tuple[int, int, int], tol: int) -> bool:
        return all(abs(p - q) <= tol for p, q in zip(a, b, strict=True))

    def closer_to(c: tuple[int, int, int], a: tuple[int, int, int]) -> bool:
        """``c`` looks more like ``a`` than the other indicator's colour (spans are drawn
        translucent while not showing)."""
        other = second if a == first else first
        return sum((p - q) ** 2 for p, q in zip(c, a, strict=True)) < sum(
            (p - q) ** 2 for p, q in zip(c, other, strict=True)
        )

    hl = (highlight.red(), highlight.green(), highlight.blue())
    for position in (9.0, 4.0):  # neither showing (static layer); both showing (raised)
        timeline.set_position(position)
        for selected in (None, "i1", "i2"):
            timeline.selection_model().select_indicator(project, selected)
            assert closer_to(colour_at(x, lanes[0]), first)
            assert closer_to(colour_at(x, lanes[1]), second)
        timeline.selection_model().select_indicator(project, "i1")
        assert ("i1", 3.0, False) in timeline.keyframe_marks()
        # The selection's outline, in the selection colour, along its lane's top edge.
        top = round(row.top()) + 1
        assert any(near(colour_at(x, top + dy), hl, 60) for dy in range(3))


# -- the indicator list ------------------------------------------------------------------------


def test_hide_interpolated_frames_from_the_list_is_undoable(window: MainWindow) -> None:
    model = window.indicator_panel.model()
    index = model.index(0, Column.KEYS_ONLY)
    assert model.data(index, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert _shown_box(window) is not None  # frame 9 is between the two model points
    model.setData(index, Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    stack = window.document.undo_stack
    assert stack.undoText() == "Hide interpolated frames of “the middle”"
    assert window.project.indicator("i1").hide_interpolated
    assert model.data(index, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked
    assert _shown_box(window) is None
    stack.undo()
    assert not window.project.indicator("i1").hide_interpolated
    assert model.data(index, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked


def test_every_indicator_and_phrase_edit_is_one_undo_step(window: MainWindow) -> None:
    model = window.indicator_panel.model()
    stack = window.document.undo_stack
    original = window.project
    model.setData(
        model.index(0, Column.ON), Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole
    )
    model.setData(model.index(0, Column.STYLE), IndicatorStyle.SPOTLIGHT, Qt.ItemDataRole.EditRole)
    model.setData(model.index(0, Column.DURATION), 2.0, Qt.ItemDataRole.EditRole)
    window.transcript_panel.phrase_text_edited.emit("p1", "the very middle")
    window.timeline.phrase_retimed.emit("p2", 0.3, 1.8)
    assert [stack.text(i) for i in range(stack.count())] == [
        "Hide “the middle”",
        "Spotlight for “the middle”",
        "Duration 2 s for “the middle”",
        "Edit phrase “the middle”",
        "Retime “the lid”",
    ]
    edited = window.project
    assert edited.phrase("p1").text == "the very middle"
    assert edited.indicator("i1").style is IndicatorStyle.SPOTLIGHT
    while stack.canUndo():
        stack.undo()
    assert window.project == original
    while stack.canRedo():
        stack.redo()
    assert window.project == edited


def test_corrections_are_saved_as_made_by_a_person(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    start = _widget(window, 79.0, 44.0)
    _drag(window, qtbot, start, start + QPoint(30, 0))
    assert window.document.autosave_now()
    path = window.document.path
    assert path is not None
    saved = load_project(path)
    assert saved == window.project
    assert [p.human for p in saved.indicator("i1").track] == [False, True, False]
