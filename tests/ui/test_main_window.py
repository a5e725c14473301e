"""The main window end to end: real clips, real worker threads, offscreen.

Clips are generated counter clips (frame i shows the number i), so "the right frame is on
screen" is checked by reading the number back from the pixels the view was given.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QDoubleSpinBox
from pytestqt.qtbot import QtBot

from narrlocal_gui.core.model import (
    AppearanceField,
    Box,
    DisplaySettings,
    HeatColors,
    Indicator,
    IndicatorStyle,
    Phrase,
    Project,
    TrackPoint,
    VideoRef,
)
from narrlocal_gui.core.project_io import load_project, save_project
from narrlocal_gui.render.boxes import scaled_line_width
from narrlocal_gui.ui import dialogs as dialogs_module
from narrlocal_gui.ui.document import autosave_dir
from narrlocal_gui.ui.edit_requests import DefaultDurationChosen
from narrlocal_gui.ui.indicator_panel import Column
from narrlocal_gui.ui.main_window import MainWindow
from narrlocal_gui.ui.player_controller import CLOCK_NO_DEVICE, ShownFrame
from tests.media_factory import (
    make_audio_only_m4a,
    make_counter_clip,
    make_empty_file,
    make_text_as_video,
    make_truncated_clip,
    make_unsupported_codec_clip,
    read_counter,
)

FPS = 30.0
N_FRAMES = 60
COLOR = (230, 20, 200)
BOX = Box(40.0, 24.0, 120.0, 72.0)
EDGE = (66, 40)  # (row, column) on the box's left edge, clear of the label


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The clips every test may open, written once per module."""
    folder = tmp_path_factory.mktemp("media")
    return {
        "clip": make_counter_clip(
            folder / "clip.mp4", n_frames=N_FRAMES, fps=FPS, with_audio=False
        ),
        "sound": make_counter_clip(
            folder / "sound.mp4", n_frames=N_FRAMES, fps=FPS, with_audio=True
        ),
        "other": make_counter_clip(folder / "other.mp4", n_frames=30, fps=FPS, with_audio=False),
    }


class Shown:
    """The frames the controller handed to the view, newest last."""

    def __init__(self, window: MainWindow) -> None:
        self.frames: list[np.ndarray] = []
        window.controller.frame_shown.connect(self._add)

    def _add(self, frame: ShownFrame) -> None:
        if frame.picture is not None:
            self.frames.append(np.asarray(frame.picture))

    @property
    def last(self) -> np.ndarray:
        return self.frames[-1]

    def counter(self) -> int:
        return read_counter(self.last) if self.frames else -1


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    settings.setValue("preferences/autosave_seconds", 1.0)
    win = MainWindow(settings=settings)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def _open(window: MainWindow, qtbot: QtBot, path: Path) -> Shown:
    shown = Shown(window)
    window.open_path(path)
    qtbot.waitUntil(lambda: window.controller.has_media and bool(shown.frames), timeout=10000)
    return shown


def _project_for(video: Path, enabled: bool = True) -> Project:
    return Project(
        video=VideoRef(path=str(video)),
        phrases=(Phrase("p1", "the middle", 0.0, 1.5),),
        indicators=(
            Indicator(
                "i1",
                "p1",
                style=IndicatorStyle.BOX,
                enabled=enabled,
                color=COLOR,
                track=(TrackPoint(0.0, BOX),),
            ),
        ),
    )


def _edge_is_indicator_colour(frame: np.ndarray) -> bool:
    pixel = frame[EDGE].astype(int)
    return bool(np.abs(pixel - np.array(COLOR)).max() <= 2)


def _open_with_a_box(window: MainWindow, qtbot: QtBot, video: Path, project_path: Path) -> Shown:
    """Save :func:`_project_for` ``video`` at ``project_path``, open it, wait for its box."""
    save_project(_project_for(video), project_path)
    shown = _open(window, qtbot, project_path)
    qtbot.waitUntil(lambda: _edge_is_indicator_colour(shown.last), timeout=5000)
    return shown


def test_open_a_clip_and_seek_to_exact_frames(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path]
) -> None:
    shown = _open(window, qtbot, media["clip"])
    assert shown.counter() == 0
    assert window.video_view.has_frame()
    assert window.windowTitle() == "clip[*] — NarrLocal" and not window.isWindowModified()
    for index in (37, 5, 59):
        window.controller.seek(index / FPS + 0.001)
        qtbot.waitUntil(lambda i=index: shown.counter() == i, timeout=5000)
    window.window_actions.previous_frame.trigger()
    qtbot.waitUntil(lambda: shown.counter() == 58, timeout=5000)
    window.window_actions.to_start.trigger()
    qtbot.waitUntil(lambda: shown.counter() == 0, timeout=5000)


def test_play_advances_with_the_wall_clock(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path]
) -> None:
    shown = _open(window, qtbot, media["sound"])
    # The sound is decoded, but this machine has no audio device.
    qtbot.waitUntil(lambda: window.clock_label.text() == CLOCK_NO_DEVICE, timeout=5000)
    window.window_actions.play_pause.trigger()
    assert window.controller.playing and window.transport.is_playing()
    qtbot.waitUntil(lambda: window.controller.position() > 0.5, timeout=5000)
    qtbot.waitUntil(lambda: shown.counter() >= 10, timeout=5000)
    window.window_actions.play_pause.trigger()
    assert not window.controller.playing


def test_toggling_an_indicator_changes_the_rendered_pixels_and_undo_restores(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path], tmp_path: Path
) -> None:
    project_path = tmp_path / "review.narrlocal"
    shown = _open_with_a_box(window, qtbot, media["clip"], project_path)
    assert window.windowTitle().startswith("review")
    assert window.indicator_panel.model().rowCount() == 1

    # Untick "On" in the panel, as a click on the check box does.
    model = window.indicator_panel.model()
    model.setData(
        model.index(0, Column.ON), Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole
    )
    assert not window.document.project.indicator("i1").enabled
    qtbot.waitUntil(lambda: not _edge_is_indicator_colour(shown.last), timeout=5000)
    assert window.isWindowModified()

    # Autosave writes the project file soon after the edit (1 s in these settings).
    qtbot.waitUntil(lambda: not load_project(project_path).indicator("i1").enabled, timeout=4000)
    assert not window.isWindowModified()

    window.window_actions.undo.trigger()
    assert window.document.project.indicator("i1").enabled
    qtbot.waitUntil(lambda: _edge_is_indicator_colour(shown.last), timeout=5000)


def test_closing_while_a_video_is_being_indexed_joins_the_threads(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from narrlocal_gui.progress import Cancelled
    from narrlocal_gui.ui import media_worker

    started: list[bool] = []

    def slow_open(path: Path, **kwargs: Any) -> Any:
        # A long indexing run: it reports progress and checks cancel between batches.
        started.append(True)
        for i in range(2000):
            if kwargs["cancel"]():
                raise Cancelled("cancelled")
            kwargs["progress"](i / 2000)
            time.sleep(0.005)
        raise AssertionError("indexing was never cancelled")

    monkeypatch.setattr(media_worker, "open_media", slow_open)
    window.open_path(media["clip"])
    qtbot.waitUntil(lambda: bool(started) and window.progress.active, timeout=5000)
    assert window.opener.busy
    window.close()  # the thread fixture fails the test if a worker is left running
    assert not window.opener.busy


def test_cancel_button_stops_opening_and_keeps_the_current_video(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = _open(window, qtbot, media["clip"])
    project = window.document.project
    from narrlocal_gui.progress import Cancelled
    from narrlocal_gui.ui import media_worker

    started: list[bool] = []
    cancelled: list[bool] = []

    def slow_open(path: Path, **kwargs: Any) -> Any:
        started.append(True)
        while not kwargs["cancel"]():
            time.sleep(0.005)
        cancelled.append(True)
        raise Cancelled("cancelled")

    monkeypatch.setattr(media_worker, "open_media", slow_open)
    window.open_path(media["other"])
    qtbot.waitUntil(lambda: bool(started) and window.progress.active, timeout=5000)
    window.progress.cancel_button.click()
    qtbot.waitUntil(lambda: bool(cancelled), timeout=5000)
    assert not window.progress.active
    assert window.document.project is project
    window.controller.seek(20 / FPS + 0.001)
    qtbot.waitUntil(lambda: shown.counter() == 20, timeout=5000)


def _bad_inputs(tmp: Path, clip: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, a word the message must contain)."""
    corrupt = tmp / "corrupt.narrlocal"
    corrupt.write_text('{"format": "narrlocal-project", "version": 1, "phrases": [', "utf-8")
    newer = tmp / "newer.narrlocal"
    doc = json.loads(json.dumps({"format": "narrlocal-project", "version": 99}))
    newer.write_text(json.dumps(doc), "utf-8")
    return {
        "not media": (make_text_as_video(tmp / "notes.mp4"), "not a video"),
        "empty": (make_empty_file(tmp / "empty.mp4"), "empty"),
        "missing": (tmp / "missing.mp4", "does not exist"),
        "truncated": (
            make_truncated_clip(tmp / "cut.mp4", keep_fraction=0.1, with_audio=False),
            "cut.mp4",
        ),
        "unsupported codec": (make_unsupported_codec_clip(tmp / "codec.mp4"), "codec"),
        "audio only": (make_audio_only_m4a(tmp / "voice.m4a"), "audio-only"),
        "corrupt project": (corrupt, "damaged"),
        "newer project": (newer, "newer"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "not media",
        "empty",
        "missing",
        "truncated",
        "unsupported codec",
        "audio only",
        "corrupt project",
        "newer project",
    ],
)
def test_bad_input_shows_a_message_and_keeps_the_current_project(
    case: str,
    window: MainWindow,
    qtbot: QtBot,
    media: dict[str, Path],
    tmp_path: Path,
    dialogs: Any,
) -> None:
    shown = _open(window, qtbot, media["clip"])
    project, title = window.document.project, window.windowTitle()
    path, word = _bad_inputs(tmp_path, media["clip"])[case]
    window.open_path(path)
    qtbot.waitUntil(lambda: bool(dialogs.messages), timeout=5000)
    kind, text = dialogs.messages[-1]
    assert kind == "warning"
    assert word in text, text
    assert text.endswith(".") and "\n" not in text
    assert window.document.project is project and window.windowTitle() == title
    assert not window.progress.active
    # Still playable.
    window.controller.seek(12 / FPS + 0.001)
    qtbot.waitUntil(lambda: shown.counter() == 12, timeout=5000)


def test_a_truncated_but_partly_playable_clip_opens_with_what_exists(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    cut = make_truncated_clip(tmp_path / "half.mp4", keep_fraction=0.5, n_frames=60)
    shown = _open(window, qtbot, cut)
    assert 0 < window.controller.duration < 2.0
    assert "is incomplete" in window.statusBar().currentMessage()
    window.window_actions.to_end.trigger()
    qtbot.waitUntil(lambda: window.controller.frame_index() == shown.counter(), timeout=5000)


def test_a_project_whose_video_is_missing_opens_without_it(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, dialogs: Any
) -> None:
    path = tmp_path / "orphan.narrlocal"
    save_project(_project_for(tmp_path / "gone.mp4"), path)
    window.open_path(path)
    qtbot.waitUntil(lambda: window.document.path == path, timeout=5000)
    assert any("does not exist" in t for t in dialogs.texts("warning"))
    assert not window.controller.has_media
    assert window.indicator_panel.model().rowCount() == 1
    assert window.windowTitle().startswith("orphan")


def test_a_video_without_sound_plays_silently(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path]
) -> None:
    _open(window, qtbot, media["clip"])
    qtbot.waitUntil(lambda: "no audio track" in window.clock_label.text(), timeout=5000)
    window.window_actions.play_pause.trigger()
    qtbot.waitUntil(lambda: window.controller.position() > 0.2, timeout=5000)


def test_drag_and_drop_opens_the_file(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path]
) -> None:
    shown = Shown(window)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(media["other"]))])
    view = window.video_view
    centre = view.rect().center()
    enter = QDragEnterEvent(
        centre,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(centre),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view, drop)
    qtbot.waitUntil(lambda: bool(shown.frames), timeout=10000)
    assert window.windowTitle().startswith("other")
    assert window.controller.duration == pytest.approx(1.0, abs=0.05)


def test_a_path_with_spaces_and_non_ascii_characters_opens(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    folder = tmp_path / "Vidéos à revoir 日本"
    folder.mkdir()
    clip = make_counter_clip(folder / "my clip ✓ ünï.mp4", n_frames=15, with_audio=False)
    shown = _open(window, qtbot, clip)
    assert shown.counter() == 0
    assert window.windowTitle().startswith("my clip ✓ ünï")
    assert window.preferences.prefs.recent_files[0] == str(clip)
    assert window.recent_menu.paths()[0] == clip


def test_keyboard_space_and_jkl_drive_the_clock(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path]
) -> None:
    _open(window, qtbot, media["clip"])
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    view = window.video_view
    view.setFocus()
    controller = window.controller
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert controller.playing and controller.rate == 1.0
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert not controller.playing
    controller.seek(1.0)
    qtbot.keyClick(view, Qt.Key.Key_L)
    qtbot.keyClick(view, Qt.Key.Key_L)
    assert controller.playing and controller.rate == 2.0
    qtbot.keyClick(view, Qt.Key.Key_J)
    assert controller.playing and controller.rate == -1.0
    qtbot.keyClick(view, Qt.Key.Key_K)
    assert not controller.playing
    position = controller.position()
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert controller.position() > position
    qtbot.keyClick(view, Qt.Key.Key_M)
    assert window.window_actions.mute.isChecked() and window.transport.is_muted()


def test_the_picture_has_the_focus_when_the_window_opens(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path], tmp_path: Path
) -> None:
    """Nothing was clicked yet: Down goes to the first phrase (the speed box, first in the
    Tab chain, used to get the focus and took Down as "next speed")."""
    path = tmp_path / "phrases.narrlocal"
    save_project(_two_phrase_project(media["clip"]), path)
    _open(window, qtbot, path)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    assert QApplication.focusWidget() is window.video_view
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    assert window.controller.position() == pytest.approx(0.2)
    assert window.controller.rate == 1.0


def test_a_spin_box_keeps_its_keys(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path], tmp_path: Path
) -> None:
    path = tmp_path / "keys.narrlocal"
    save_project(_project_for(media["clip"]), path)
    _open(window, qtbot, path)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    spin = window.indicator_panel.findChild(QDoubleSpinBox, "defaultDurationSpin")
    assert spin is not None
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus, timeout=2000)
    before = spin.value()
    controller = window.controller
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    assert spin.value() > before  # the spin box stepped ...
    assert window.document.project.display.default_duration == spin.value()
    assert controller.position() == 0.0  # ... and the player did not jump to a phrase
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Space)
    assert not controller.playing


def test_save_as_writes_the_project_and_renames_the_window(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path], tmp_path: Path, dialogs: Any
) -> None:
    _open(window, qtbot, media["clip"])
    target = tmp_path / "saved project"
    dialogs.save_file = str(target)
    window.window_actions.save_as.trigger()
    written = target.with_suffix(".narrlocal")
    assert written.exists()
    assert load_project(written).video is not None
    assert window.windowTitle().startswith("saved project")
    assert window.preferences.prefs.recent_files[0] == str(written)


def test_recover_an_autosaved_project(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = autosave_dir()
    folder.mkdir(parents=True)
    recovery = folder / "clip-20250101-120000.narrlocal"
    save_project(_project_for(media["clip"], enabled=False), recovery)
    monkeypatch.setattr(dialogs_module, "choose_recovery_file", lambda _parent, files: files[0])
    shown = Shown(window)
    window.window_actions.recover.trigger()
    qtbot.waitUntil(lambda: bool(shown.frames), timeout=10000)
    doc = window.document
    assert doc.path is None and doc.recovery_path == recovery and doc.is_modified
    assert not doc.project.indicator("i1").enabled


def test_an_unreadable_recent_file_is_reported_and_forgotten(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path], tmp_path: Path, dialogs: Any
) -> None:
    doomed = make_counter_clip(tmp_path / "doomed.mp4", n_frames=10, with_audio=False)
    _open(window, qtbot, doomed)
    assert window.recent_menu.paths()[0] == doomed
    doomed.unlink()
    window.recent_menu.path_chosen.emit(doomed)
    assert any("no longer exists" in t for t in dialogs.texts("warning"))
    assert doomed not in window.recent_menu.paths()


def test_window_geometry_and_preferences_survive_a_restart(qtbot: QtBot, tmp_path: Path) -> None:
    ini = str(tmp_path / "restart.ini")
    first = MainWindow(settings=QSettings(ini, QSettings.Format.IniFormat))
    qtbot.addWidget(first)
    first.resize(first.width(), 520)
    first.show()
    first.window_actions.mute.setChecked(True)
    size = first.size()
    first.close()
    second = MainWindow(settings=QSettings(ini, QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    # The offscreen screen is small, so only the height is free to differ from the default.
    assert size.height() == 520 and second.height() == 520
    assert second.window_actions.mute.isChecked() and second.transport.is_muted()
    second.close()


def test_position_reaches_the_transport_and_timeline(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path]
) -> None:
    _open(window, qtbot, media["clip"])
    window.controller.seek(1.0)
    assert window.timeline.position() == pytest.approx(1.0)
    assert window.timeline.duration() == pytest.approx(window.controller.duration)


def _two_phrase_project(video: Path) -> Project:
    return Project(
        video=VideoRef(path=str(video)),
        phrases=(Phrase("p1", "first", 0.2, 0.6), Phrase("p2", "second", 1.0, 1.5)),
        indicators=(
            Indicator("i1", "p1", track=(TrackPoint(0.0, BOX),)),
            Indicator("i2", "p2", track=(TrackPoint(0.0, BOX),)),
        ),
    )


def test_up_down_and_the_indicator_list_go_to_phrases(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path], tmp_path: Path
) -> None:
    path = tmp_path / "phrases.narrlocal"
    save_project(_two_phrase_project(media["clip"]), path)
    _open(window, qtbot, path)
    assert not window.isWindowModified()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    view = window.video_view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert window.controller.position() == pytest.approx(0.2)
    assert window.indicator_panel.selected_indicator() == "i1"
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert window.controller.position() == pytest.approx(1.0)
    assert window.indicator_panel.selected_indicator() == "i2"
    window.controller.seek(1.7)  # well into "second": Up restarts it ...
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert window.controller.position() == pytest.approx(1.0)
    qtbot.keyClick(view, Qt.Key.Key_Up)  # ... and right after its start goes to "first"
    assert window.controller.position() == pytest.approx(0.2)
    # Activating a row (double-click, Enter) goes to its phrase.
    window.indicator_panel.indicator_activated.emit("i1")
    assert window.controller.position() == pytest.approx(0.2)
    assert window.timeline._selected_phrase == "p1"  # no public getter


def test_audio_that_cannot_be_decoded_does_not_stop_the_video(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from narrlocal_gui.errors import MediaError
    from narrlocal_gui.ui import audio_worker

    def broken(path: Path, **_kwargs: Any) -> Any:
        raise MediaError(f"Cannot decode the audio of '{Path(path).name}': damaged.")

    monkeypatch.setattr(audio_worker, "decode_audio", broken)
    shown = _open(window, qtbot, media["sound"])
    qtbot.waitUntil(lambda: "damaged" in window.statusBar().currentMessage(), timeout=5000)
    assert "no audio track" in window.clock_label.text()
    window.window_actions.play_pause.trigger()
    qtbot.waitUntil(lambda: shown.counter() >= 5, timeout=5000)
    window.window_actions.play_pause.trigger()


def test_closing_with_unsaved_untitled_changes_asks_first(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path], dialogs: Any
) -> None:
    from PySide6.QtWidgets import QMessageBox

    _open(window, qtbot, media["clip"])
    window.indicator_panel.default_duration_chosen.emit(DefaultDurationChosen(4.5))
    assert window.isWindowModified()
    assert window.document.autosave_now()
    recovery = window.document.recovery_path
    assert recovery is not None and recovery.exists()
    dialogs.question_answer = QMessageBox.StandardButton.Cancel
    assert not window.close()
    assert window.isVisible() and dialogs.texts("question")
    dialogs.question_answer = QMessageBox.StandardButton.Discard
    assert window.close()
    assert not recovery.exists()  # discarded on purpose


@pytest.mark.shared
@pytest.mark.parametrize(
    "name", ["narrated/speech_podium.mp4", "faults/truncated_header_says_421s.mp4"]
)
def test_real_clips_open_and_play(
    name: str, window: MainWindow, qtbot: QtBot, shared_media: Path
) -> None:
    shown = _open(window, qtbot, shared_media / name)
    if name.startswith("faults"):
        # The header claims 421 s; only what the file really holds is offered.
        assert 50.0 < window.controller.duration < 70.0
    qtbot.waitUntil(lambda: window.clock_label.text() == CLOCK_NO_DEVICE, timeout=10000)
    count = len(shown.frames)
    window.window_actions.play_pause.trigger()
    qtbot.waitUntil(lambda: len(shown.frames) >= count + 5, timeout=5000)
    window.window_actions.play_pause.trigger()


def test_closing_while_the_demo_is_being_built_stops_it(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    import narrlocal_gui.demo

    calls: list[float] = []

    def slow_demo(progress: Any = None) -> Path:
        for i in range(1000):  # a long build that reports progress as the real one does
            progress(i / 1000)
            calls.append(i / 1000)
            time.sleep(0.005)
        raise AssertionError("the demo build was never stopped")

    monkeypatch.setattr(narrlocal_gui.demo, "ensure_demo_project", slow_demo)
    window.open_demo()
    qtbot.waitUntil(lambda: len(calls) > 3, timeout=5000)
    window.close()  # joined within the thread fixture's patience, or the test fails


def _menu(window: MainWindow, title: str) -> dict[str, str]:
    """The entries of the menu bar's menu ``title``: text without '&' -> shortcut."""
    from PySide6.QtWidgets import QMenu

    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and action.text().replace("&", "") == title:
            return {
                a.text().replace("&", ""): a.shortcut().toString()
                for a in menu.actions()
                if not a.isSeparator()
            }
    raise AssertionError(f"no {title} menu")


def test_the_narration_menu_and_the_transcript_dock(window: MainWindow) -> None:
    from PySide6.QtWidgets import QDockWidget

    entries = _menu(window, "Narration")
    assert entries["Transcribe Audio"] == "Ctrl+T"
    assert entries["Import Transcript…"] == "Ctrl+I"
    assert "Extract Phrases Again" in entries and "Cancel Narration Job" in entries
    assert not window.window_actions.cancel_narration.isEnabled()
    dock = window.findChild(QDockWidget, "transcriptDock")
    assert dock is not None and dock.widget() is window.transcript_panel
    assert "Transcript" in _menu(window, "View")
    assert window.tabifiedDockWidgets(dock)  # shares its place with the indicator list


def _cues(path: Path) -> Path:
    path.write_text(
        "1\n00:00:00,100 --> 00:00:00,900\nCut the tape and fold it.\n\n"
        "2\n00:00:01,000 --> 00:00:01,900\nAdd the card.\n",
        encoding="utf-8",
    )
    return path


def test_an_imported_transcript_reaches_the_panel_and_the_timeline(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path], tmp_path: Path, dialogs: Any
) -> None:
    _open(window, qtbot, media["clip"])
    dialogs.open_file = str(_cues(tmp_path / "cues.srt"))
    actions = window.window_actions
    window.window_actions.import_transcript.trigger()
    assert actions.cancel_narration.isEnabled() and not actions.transcribe.isEnabled()
    assert window.transcript_dock.isVisible()  # brought to the front for the streamed text
    qtbot.waitUntil(lambda: bool(window.document.project.phrases), timeout=60_000)
    assert not actions.cancel_narration.isEnabled() and actions.transcribe.isEnabled()
    assert not window.narration_progress.active
    phrases = window.document.project.phrases
    assert [p.text for p in phrases] == ["Cut the tape", "fold it", "Add the card"]
    assert window.document.undo_stack.undoText() == "Import transcript"
    assert window.timeline._phrases == phrases  # no public getter
    assert "2 segments" in window.statusBar().currentMessage()
    # The panel asks to seek and to select; the player and the other views follow.
    window.transcript_panel.seek_requested.emit(1.2)
    assert window.controller.position() == pytest.approx(1.2, abs=0.05)
    window.transcript_panel.phrase_selected.emit(phrases[2].id)
    assert window.controller.position() == pytest.approx(phrases[2].start, abs=0.05)
    # An edit from the timeline is an undoable narration edit.
    window.timeline.phrase_retimed.emit(phrases[2].id, 1.1, 1.8)
    assert window.document.project.phrase(phrases[2].id).start == pytest.approx(1.1)
    window.window_actions.undo.trigger()
    window.window_actions.undo.trigger()
    assert window.document.project.narration.segments == ()
    assert not dialogs.texts("warning")


def test_closing_during_a_narration_job_joins_its_thread(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from narrlocal_gui.progress import Cancelled

    started: list[bool] = []

    class Endless:
        def transcribe(self, path: Path, options: object, **kw: Any) -> Any:
            started.append(True)
            while not kw["cancel"]():
                time.sleep(0.005)
            raise Cancelled("cancelled")

    monkeypatch.setattr(window.narration.worker, "_load_engine", lambda _m, _d: Endless())
    _open(window, qtbot, media["sound"])
    window.window_actions.transcribe.trigger()
    qtbot.waitUntil(lambda: bool(started) and window.narration_progress.active, timeout=10_000)
    assert window.narration.busy
    window.close()  # the thread fixture fails the test if the narration worker is left running


def test_the_export_menu_entries_and_the_in_out_points(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path]
) -> None:
    from narrlocal_gui.core.range_marks import InOutMarks

    entries = _menu(window, "File")
    assert entries["Export Video…"] == "Ctrl+E"
    assert entries["Export Annotations…"] == "Ctrl+Shift+E"
    assert entries["Export Still Frame…"] == "Ctrl+Shift+F"
    assert "Cancel Export" in entries
    playback = _menu(window, "Playback")
    assert playback["Set In Point"] == "I" and playback["Set Out Point"] == "O"
    assert playback["Clear In/Out"] == "Alt+X"
    a = window.window_actions
    assert not a.export_video.isEnabled() and not a.set_in_point.isEnabled()
    _open(window, qtbot, media["clip"])
    assert a.export_video.isEnabled() and a.export_still.isEnabled()
    window.controller.seek(0.5)
    a.set_in_point.trigger()
    window.controller.seek(1.5)
    a.set_out_point.trigger()
    marks = window.timeline.in_out()
    assert marks.span == pytest.approx((0.5, 1.5), abs=1.0 / FPS)
    assert window.exports.marks == marks
    # Another video: the marks were times of the old one.
    with qtbot.waitSignal(window.files.opened, timeout=10000):
        window.open_path(media["other"])
    assert window.timeline.in_out() == InOutMarks() == window.exports.marks


def test_closing_during_an_export_asks_first(
    window: MainWindow,
    qtbot: QtBot,
    media: dict[str, Path],
    tmp_path: Path,
    dialogs: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from narrlocal_gui.export.video_options import VideoExportOptions
    from narrlocal_gui.ui.export_dialog import VideoExportChoice
    from tests.ui.test_export_commands import GatedVideo

    gate = GatedVideo()
    monkeypatch.setattr(window.exports.worker, "_video", gate)
    out = tmp_path / "out.mp4"
    choice = VideoExportChoice(out, VideoExportOptions(preset="ultrafast"))
    monkeypatch.setattr(window.exports, "_choose_video", lambda *_a: choice)
    _open(window, qtbot, media["clip"])
    window.window_actions.export_video.trigger()
    assert gate.started.wait(5.0)
    assert window.export_progress.active and not window.window_actions.export_still.isEnabled()
    dialogs.question_answer = QMessageBox.StandardButton.No
    assert not window.close()
    assert window.isVisible() and window.exports.busy
    assert dialogs.texts("question") == ["An export is running. Stop it and close?"]
    dialogs.question_answer = QMessageBox.StandardButton.Yes
    assert window.close()  # the thread fixture fails the test if the export worker still runs
    assert not out.exists()


def test_indicator_appearance_is_live_undoable_and_follows_undo(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path], tmp_path: Path
) -> None:
    shown = _open_with_a_box(window, qtbot, media["clip"], tmp_path / "look.narrlocal")
    height, width = shown.last.shape[:2]
    thick = scaled_line_width(20, width, height)
    assert thick > scaled_line_width(3, width, height)
    inner = (EDGE[0], EDGE[1] + thick - 1)  # inside a 20 px line, outside a 3 px one

    def inner_is_colour() -> bool:
        return bool(np.abs(shown.last[inner].astype(int) - np.array(COLOR)).max() <= 2)

    assert not inner_is_colour()
    window.window_actions.appearance.trigger()
    dialog = window.appearance
    assert dialog.isVisible() and dialog.line_width.value() == 3 and dialog.labels.isChecked()

    stack = window.document.undo_stack
    steps = stack.count()
    for px in (4, 10, 20):  # stepping the spin box: one undo step
        dialog.line_width.setValue(px)
    assert window.document.project.display.line_width == 20
    assert stack.count() == steps + 1 and stack.undoText() == "Line width 20 px"
    qtbot.waitUntil(inner_is_colour, timeout=5000)

    dialog.labels.setChecked(False)
    dialog.percent[AppearanceField.DARKEN_AMOUNT].setValue(80)
    display = window.document.project.display
    assert (display.show_labels, display.darken_amount) == (False, 0.8)
    assert stack.undoText() == "Darkened surround 80 %"

    window.window_actions.undo.trigger()  # the darkening
    window.window_actions.undo.trigger()  # the labels
    assert dialog.labels.isChecked()  # the dialog follows the document
    window.window_actions.undo.trigger()  # the line width
    assert dialog.line_width.value() == 3
    qtbot.waitUntil(lambda: not inner_is_colour(), timeout=5000)

    window.window_actions.redo.trigger()
    dialog.percent[AppearanceField.HEATMAP_OPACITY].setValue(90)
    dialog.heat_colors.setCurrentIndex(dialog.heat_colors.findData(HeatColors.INFERNO))
    assert window.document.project.display.heatmap_colors is HeatColors.INFERNO
    assert stack.undoText() == "Heat map colours Inferno"
    restore = dialog.findChild(QDialogButtonBox).button(
        QDialogButtonBox.StandardButton.RestoreDefaults
    )
    restore.click()
    assert window.document.project.display == DisplaySettings()
    assert stack.undoText() == "Restore the default appearance"
    assert dialog.line_width.value() == 3
    dialog.close()


def _front_tab(window: MainWindow) -> str:
    """The title of the right-hand dock tab in front (Indicators or Transcript)."""
    from PySide6.QtWidgets import QTabBar

    for bar in window.findChildren(QTabBar):
        titles = {bar.tabText(i) for i in range(bar.count())}
        if {"Indicators", "Transcript"} <= titles:
            return bar.tabText(bar.currentIndex())
    return ""


def test_a_project_opens_on_the_tab_that_has_something_in_it(
    window: MainWindow, qtbot: QtBot, media: dict[str, Path], tmp_path: Path
) -> None:
    unlocalized = tmp_path / "phrases.narrlocal"
    save_project(replace(_project_for(media["clip"]), indicators=()), unlocalized)
    _open(window, qtbot, unlocalized)
    qtbot.waitUntil(lambda: _front_tab(window) == "Transcript", timeout=5000)

    localized = tmp_path / "boxes.narrlocal"
    save_project(_project_for(media["clip"]), localized)
    _open(window, qtbot, localized)
    qtbot.waitUntil(lambda: _front_tab(window) == "Indicators", timeout=5000)
