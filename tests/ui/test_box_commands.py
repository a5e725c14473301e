"""Box from a click and Track Forward in the main window, offscreen, on generated clips.

A still clip with a bright rectangle on a textured table (for the click) and a clip where
a textured square slides a few pixels a frame (for the tracker). The engines run on their
own threads; the tests check the thread by wrapping the engine functions.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt, QThread
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
from narrlocal_gui.core.project_io import save_project
from narrlocal_gui.localizer import regions, tracking
from narrlocal_gui.localizer.box_geometry import box_iou
from narrlocal_gui.media.writer import write_video
from narrlocal_gui.ui.main_window import MainWindow

W, H = 320, 240
FPS = 25.0
N_FRAMES = 30
FRAME = 1.0 / FPS
RECT = (120.0, 70.0, 210.0, 150.0)
PATCH = 48
STEP = (3, 2)  # pixels per frame the square slides (x, y)
START = (60, 50)


def _table(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.integers(90, 140, size=(H // 8, W // 8, 3), dtype=np.uint8)
    return np.kron(small, np.ones((8, 8, 1), np.uint8))


def _rect_frames() -> Iterator[np.ndarray]:
    frame = _table()
    x1, y1, x2, y2 = (int(v) for v in RECT)
    frame[y1:y2, x1:x2] = (250, 240, 60)
    for _ in range(N_FRAMES):
        yield frame


def _square_box(i: int) -> tuple[float, float, float, float]:
    x, y = START[0] + STEP[0] * i, START[1] + STEP[1] * i
    return (float(x), float(y), float(x + PATCH), float(y + PATCH))


def _moving_frames() -> Iterator[np.ndarray]:
    rng = np.random.default_rng(1)
    patch = rng.integers(0, 255, size=(PATCH // 6, PATCH // 6, 3), dtype=np.uint8)
    patch = np.kron(patch, np.ones((6, 6, 1), np.uint8))
    ys, xs = np.mgrid[0:H, 0:W]
    background = np.stack([(xs // 2) % 256, (ys // 2) % 256, np.full_like(xs, 90)], axis=2)
    for i in range(N_FRAMES):
        frame = background.astype(np.uint8)
        x1, y1, x2, y2 = (int(v) for v in _square_box(i))
        frame[y1:y2, x1:x2] = patch
        yield frame


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("boxclips")
    still = write_video(folder / "rect.mp4", _rect_frames(), FPS, (W, H), crf=18)
    moving = write_video(folder / "moving.mp4", _moving_frames(), FPS, (W, H), crf=18)
    return still, moving


def _project(video: Path, indicators: tuple[Indicator, ...] = ()) -> Project:
    return Project(
        video=VideoRef(path=str(video), fps=FPS),
        phrases=(Phrase("p1", "the yellow card", 0.0, N_FRAMES * FRAME),),
        indicators=indicators,
        display=DisplaySettings(default_duration=None, show_labels=False),
    )


def _open(qtbot: QtBot, tmp_path: Path, project: Project) -> MainWindow:
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    settings.setValue("preferences/autosave_seconds", 60.0)
    win = MainWindow(settings=settings)
    qtbot.addWidget(win)
    win.show()
    path = tmp_path / "boxes.narrlocal"
    save_project(project, path)
    win.open_path(path)
    qtbot.waitUntil(lambda: win.controller.has_media and win.video_view.has_frame(), timeout=10000)
    return win


def _go(window: MainWindow, qtbot: QtBot, t: float) -> None:
    window.controller.seek(t)
    qtbot.waitUntil(
        lambda: window.box_editor.position() == t and window.controller._in_flight is None,
        timeout=3000,
    )


def _widget(window: MainWindow, x: float, y: float) -> QPoint:
    point = window.video_view.frame_to_widget(QPointF(x, y))
    assert point is not None
    return point.toPoint()


def _on_thread(
    monkeypatch: pytest.MonkeyPatch,
    module: Any,
    name: str,
    threads: list[str],
    delay: Callable[[int], float] = lambda _call: 0.0,
) -> None:
    """Wrap ``module.name`` to record the thread it runs on (and to wait ``delay(call)``)."""
    original = getattr(module, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        threads.append(QThread.currentThread().objectName())
        time.sleep(delay(len(threads)))
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)


# -- box from a click --------------------------------------------------------------------------


@pytest.fixture
def still(qtbot: QtBot, tmp_path: Path, clips: tuple[Path, Path]) -> Iterator[MainWindow]:
    win = _open(qtbot, tmp_path, _project(clips[0]))
    _go(win, qtbot, 10 * FRAME)
    yield win
    win.close()


def test_ctrl_click_boxes_the_thing_as_one_undo_step(
    still: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    _on_thread(monkeypatch, regions, "region_at", threads)
    undo = still.document.undo_stack
    steps = undo.count()
    qtbot.mouseClick(
        still.video_view,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ControlModifier,
        _widget(still, 150.0, 100.0),
    )
    assert still.box_commands.regions.busy  # found off the GUI thread, applied later
    qtbot.waitUntil(lambda: still.project.indicator_for_phrase("p1") is not None, timeout=5000)
    assert threads == ["narrlocal-region"]
    indicator = still.project.indicator_for_phrase("p1")
    assert indicator is not None and indicator.style is IndicatorStyle.BOX
    (point,) = indicator.track
    assert point.human and point.time == pytest.approx(10 * FRAME)
    assert box_iou(point.box.as_tuple(), RECT) >= 0.8, point.box
    assert undo.count() == steps + 1
    assert undo.undoText() == "Box from click for “the yellow card”"
    assert still.box_editor.selected_indicator() == indicator.id
    assert not still.box_commands.regions.busy
    undo.undo()
    assert still.project.indicator_for_phrase("p1") is None


def test_a_second_click_supersedes_the_first(
    still: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    # The first segmentation is slow: the second click comes while it runs.
    _on_thread(monkeypatch, regions, "region_at", threads, lambda call: 0.4 if call == 1 else 0)
    steps = still.document.undo_stack.count()
    view = still.video_view
    ctrl = Qt.KeyboardModifier.ControlModifier
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, ctrl, _widget(still, 20.0, 20.0))
    qtbot.waitUntil(lambda: len(threads) == 1, timeout=3000)
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, ctrl, _widget(still, 160.0, 110.0))
    qtbot.waitUntil(lambda: not still.box_commands.regions.busy, timeout=5000)
    qtbot.wait(100)  # the first job's late result, if any, has arrived and been dropped
    assert still.document.undo_stack.count() == steps + 1
    indicator = still.project.indicator_for_phrase("p1")
    assert indicator is not None
    assert box_iou(indicator.track[0].box.as_tuple(), RECT) >= 0.8


def test_box_from_click_mode_boxes_on_a_plain_click(still: MainWindow, qtbot: QtBot) -> None:
    still.window_actions.box_from_click.trigger()
    assert still.box_editor.click_mode()
    qtbot.mouseClick(
        still.video_view,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        _widget(still, 150.0, 100.0),
    )
    assert not still.window_actions.box_from_click.isChecked()  # one box per click mode
    qtbot.waitUntil(lambda: still.project.indicator_for_phrase("p1") is not None, timeout=5000)


# -- Track Forward -------------------------------------------------------------------------------


@pytest.fixture
def moving(qtbot: QtBot, tmp_path: Path, clips: tuple[Path, Path]) -> Iterator[MainWindow]:
    first = TrackPoint(0.0, Box(*_square_box(0)), human=True)
    indicator = Indicator("i1", "p1", style=IndicatorStyle.BOX, track=(first,))
    win = _open(qtbot, tmp_path, _project(clips[1], (indicator,)))
    _go(win, qtbot, 0.0)
    win.selection.select_indicator(win.project, "i1")
    yield win
    win.close()


def test_track_forward_follows_the_square_as_one_undo_step(
    moving: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    _on_thread(monkeypatch, tracking, "track_box", threads)
    before = moving.project
    undo = moving.document.undo_stack
    steps = undo.count()
    fractions: list[float] = []
    moving.box_commands.tracks.progressed.connect(fractions.append)
    moving.window_actions.track_forward.trigger()
    assert moving.track_progress.active  # progress, time left and Cancel in the status bar
    qtbot.waitUntil(lambda: not moving.box_commands.tracks.busy, timeout=10000)
    assert set(threads) == {"narrlocal-track"}
    assert fractions and fractions[-1] == pytest.approx(1.0)
    track = moving.project.indicator("i1").track
    assert all(p.human for p in track)
    assert len(track) >= 5
    assert track[-1].time == pytest.approx((N_FRAMES - 1) * FRAME)
    # The square has slid 87 px right and 58 down: the last box is still on it.
    assert box_iou(track[-1].box.as_tuple(), _square_box(N_FRAMES - 1)) >= 0.7, track[-1]
    assert undo.count() == steps + 1
    assert undo.undoText() == "Track forward for “the yellow card”"
    assert not moving.track_progress.active
    undo.undo()
    assert moving.project.indicator("i1").track == before.indicator("i1").track


def test_cancel_keeps_nothing(
    moving: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    _on_thread(monkeypatch, tracking, "track_box", threads, lambda _call: 0.2)
    before = moving.project
    steps = moving.document.undo_stack.count()
    moving.window_actions.track_forward.trigger()
    qtbot.waitUntil(lambda: len(threads) >= 1, timeout=3000)
    moving.track_progress.cancel_button.click()
    assert not moving.box_commands.tracks.busy and not moving.track_progress.active
    qtbot.wait(400)  # the stopped job's batch ends; nothing of it may arrive
    assert moving.project is before
    assert moving.document.undo_stack.count() == steps
    assert "Tracking stopped" in moving.statusBar().currentMessage()


def test_track_forward_needs_a_selected_box(moving: MainWindow) -> None:
    moving.selection.select_indicator(moving.project, None)
    moving.selection.select_phrase(moving.project, None)
    moving.window_actions.track_forward.trigger()
    assert not moving.box_commands.tracks.busy
    assert moving.statusBar().currentMessage().startswith("Select a box to track")


def test_tracking_again_goes_over_the_first_track(moving: MainWindow, qtbot: QtBot) -> None:
    moving.window_actions.track_forward.trigger()
    qtbot.waitUntil(lambda: not moving.box_commands.tracks.busy, timeout=10000)
    first = moving.project.indicator("i1").track  # keys on frames 0, 5, 10, ... 29
    _go(moving, qtbot, 7 * FRAME)  # where the first track drifted, say
    moving.window_actions.track_forward.trigger()
    qtbot.waitUntil(lambda: not moving.box_commands.tracks.busy, timeout=10000)
    again = moving.project.indicator("i1").track
    frames = [round(p.time / FRAME) for p in again]
    assert frames == [0, 5, 7, 12, 17, 22, 27, 29]
    assert all(p.human for p in again)
    # Frames 10, 15, 20, 25 and 29 of the first track were gone over.
    assert len(first) == 7
    assert "over 5 earlier" in moving.statusBar().currentMessage()
