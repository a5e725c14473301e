"""The Localize menu's commands: results stream into the project, one undo step per run,
cancel keeps the finished phrases, stale results are dropped, errors are shown, the device is
shown, and the worker's thread is joined on shutdown. Also the localizer's preferences."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QStatusBar, QWidget
from pytestqt.qtbot import QtBot

from narrlocal_gui.core.edits import set_indicator_style
from narrlocal_gui.core.model import IndicatorStyle, Phrase, Project, VideoRef
from narrlocal_gui.core.narration_edits import retime_phrase, set_phrase_text
from narrlocal_gui.core.visibility import visible_indicators
from narrlocal_gui.localizer.settings import LocalizeSettings, pipeline_device
from narrlocal_gui.render.compose import render_indicators
from narrlocal_gui.ui.actions import build_actions
from narrlocal_gui.ui.document import ProjectDocument
from narrlocal_gui.ui.localize_commands import (
    LOCALIZE,
    NO_PHRASES,
    NO_SELECTION,
    LocalizeCommands,
    localizer_options,
    progress_text,
)
from narrlocal_gui.ui.localizer_worker import LocalizerWorker
from narrlocal_gui.ui.preferences_dialog import PreferencesDialog
from narrlocal_gui.ui.progress_widget import ProgressWidget
from narrlocal_gui.ui.settings import (
    LocalizerDevice,
    Preferences,
    PreferencesStore,
    load_preferences,
    save_preferences,
)
from tests.ui.test_localizer_worker import FakeLocalizer

PHRASES = (
    Phrase("p1", "cut the tape", 1.0, 2.0),
    Phrase("p2", "fold it", 2.5, 3.0),
    Phrase("p3", "add the card", 4.0, 5.0),
)


class FakePanel(QWidget):
    localize_requested = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.selected: str | None = None

    def selected_phrase(self) -> str | None:
        return self.selected


class Setup:
    def __init__(self, qtbot: QtBot, tmp_path: Path, **fake: Any) -> None:
        self.window = QWidget()
        qtbot.addWidget(self.window)
        self.status = QStatusBar(self.window)
        self.progress = ProgressWidget(self.window)
        self.document = ProjectDocument(recovery_dir=tmp_path / "autosave", parent=self.window)
        self.preferences = PreferencesStore(
            QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat), self.window
        )
        self.errors: list[str] = []
        self.made: list[FakeLocalizer] = []
        self.fake_kwargs = fake
        self.commands = LocalizeCommands(
            self.window,
            self.document,
            self.preferences,
            worker=LocalizerWorker(factory=self._make),
            show_error=lambda _parent, text: self.errors.append(text),
        )
        self.actions = build_actions(self.window, self.document.undo_stack)
        self.panel = FakePanel()
        qtbot.addWidget(self.panel)
        self.commands.attach(self.actions, self.panel, self.progress, self.status)  # type: ignore[arg-type]
        self.busy: list[bool] = []
        self.commands.jobs.busy_changed.connect(self.busy.append)

    def _make(self, settings: object) -> FakeLocalizer:
        fake = FakeLocalizer(settings, **self.fake_kwargs)
        self.made.append(fake)
        return fake

    def open(self, phrases: tuple[Phrase, ...] = PHRASES, path: str = "/videos/clip.mp4") -> None:
        self.document.replace(
            Project(video=VideoRef(path=path, duration=8.0, width=480, height=360), phrases=phrases)
        )

    def fake(self, qtbot: QtBot) -> FakeLocalizer:
        qtbot.waitUntil(lambda: bool(self.made), timeout=5000)
        return self.made[-1]

    def indicator_ids(self) -> list[str]:
        return [i.phrase_id for i in self.document.project.indicators]


@pytest.fixture
def make_setup(qtbot: QtBot, tmp_path: Path) -> Iterator[Callable[..., Setup]]:
    made: list[Setup] = []

    def make(**fake: Any) -> Setup:
        setup = Setup(qtbot, tmp_path, **fake)
        made.append(setup)
        return setup

    yield make
    for setup in made:
        assert setup.commands.shutdown()
        assert not setup.commands.jobs.worker_thread.thread.isRunning()


def test_results_stream_in_and_a_run_is_one_undo_step(
    make_setup: Callable[..., Setup], qtbot: QtBot
) -> None:
    s = make_setup(gated=True)
    s.open()
    before = s.document.project
    s.actions.localize_all.trigger()
    assert s.commands.busy and s.busy == [True]
    assert s.actions.cancel_localization.isEnabled() and not s.actions.localize_all.isEnabled()
    fake = s.fake(qtbot)
    fake.release()
    # The first phrase's indicator is there while the run goes on.
    qtbot.waitUntil(lambda: s.indicator_ids() == ["p1"], timeout=5000)
    assert s.commands.busy
    assert s.progress.active and s.progress.label.text() == progress_text(1, 3)
    assert progress_text(1, 3) == "Localizing 2 of 3 phrases…"
    assert s.commands.device_label is not None
    assert s.commands.device_label.text() == "Localizer: CPU"
    fake.release(2)
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=5000)
    assert s.indicator_ids() == ["p1", "p2", "p3"]
    indicator = s.document.project.indicator_for_phrase("p2")
    assert indicator is not None and indicator.score == 0.75 and len(indicator.track) == 2
    assert s.document.undo_stack.count() == 1
    assert s.document.undo_stack.undoText() == LOCALIZE
    assert "3 of 3 phrases" in s.status.currentMessage()
    assert not s.progress.active and s.busy == [True, False]
    s.document.undo_stack.undo()
    assert s.document.project == before

    # A second run is a second step: it does not merge into the first.
    s.document.undo_stack.redo()
    fake.shift = 5.0
    s.commands.localize_all()
    fake.release(3)
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=5000)
    assert s.document.undo_stack.count() == 2
    assert len(s.made) == 1  # the same localizer for the same settings


def test_autosave_does_not_split_a_run(
    make_setup: Callable[..., Setup], qtbot: QtBot, tmp_path: Path
) -> None:
    s = make_setup(gated=True)
    s.open()
    s.document.set_autosave_seconds(0.05)
    assert s.document.save_as(tmp_path / "clip.narrlocal")
    saved: list[object] = []
    s.document.autosaved.connect(saved.append)
    s.commands.localize_all()
    fake = s.fake(qtbot)
    fake.release()
    qtbot.waitUntil(lambda: s.indicator_ids() == ["p1"], timeout=5000)
    qtbot.wait(300)  # an autosave would have come by now
    assert saved == []
    fake.release(2)
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=5000)
    assert s.document.undo_stack.count() == 1
    # After the run, autosave saves as usual (after the preferences' delay).
    qtbot.waitUntil(lambda: bool(saved), timeout=5000)
    assert not s.document.is_modified


def test_cancel_keeps_the_finished_phrases_and_leaves_the_others(
    make_setup: Callable[..., Setup], qtbot: QtBot
) -> None:
    s = make_setup(gated=True)
    s.open()
    s.commands.localize_all()
    fake = s.fake(qtbot)
    fake.release()
    qtbot.waitUntil(lambda: s.indicator_ids() == ["p1"], timeout=5000)
    s.actions.cancel_localization.trigger()
    assert not s.commands.busy and not s.progress.active
    assert "1 of 3 phrases kept" in s.status.currentMessage()
    fake.release(2)  # too late: the worker stopped
    time.sleep(0.1)
    qtbot.wait(50)
    assert s.indicator_ids() == ["p1"]
    assert s.document.undo_stack.count() == 1
    assert s.errors == []


def test_a_phrase_edited_while_it_was_localized_keeps_its_old_state(
    make_setup: Callable[..., Setup], qtbot: QtBot
) -> None:
    s = make_setup(gated=True)
    s.open()
    s.commands.localize_all()
    fake = s.fake(qtbot)
    s.document.apply("Edit phrase", set_phrase_text, "p2", "fold it twice")
    s.document.apply("Retime phrase", retime_phrase, "p3", 4.2, 5.0)
    fake.release(3)
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=5000)
    assert s.indicator_ids() == ["p1"]
    assert "2 changed while being localized" in s.status.currentMessage()
    # Localize the edited one again, from the panel's selection.
    s.panel.selected = "p2"
    s.actions.localize_selected.trigger()
    fake.release()
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=5000)
    assert s.indicator_ids() == ["p1", "p2"]
    # And from the panel's context action.
    s.panel.localize_requested.emit("p3")
    fake.release()
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=5000)
    assert sorted(s.indicator_ids()) == ["p1", "p2", "p3"]


def test_a_result_for_another_video_is_dropped(
    make_setup: Callable[..., Setup], qtbot: QtBot
) -> None:
    s = make_setup(gated=True)
    s.open()
    s.commands.localize_all()
    fake = s.fake(qtbot)
    s.open(path="/videos/other.mp4")
    fake.release(3)
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=5000)
    assert s.indicator_ids() == []


def test_a_failing_phrase_is_skipped_and_listed_at_the_end(
    make_setup: Callable[..., Setup], qtbot: QtBot
) -> None:
    s = make_setup(fail_on="p2")
    s.open()
    s.commands.localize_all()
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=5000)
    assert s.indicator_ids() == ["p1", "p3"]
    assert s.errors == [
        "1 phrase could not be localized and was skipped:\n• “fold it”: Cannot read 'clip.mp4'."
    ]
    assert "Localized 2 of 3 phrases" in s.status.currentMessage()
    assert s.document.undo_stack.count() == 1  # still one undo step


def test_a_broken_run_shows_the_error_and_keeps_what_was_done(
    make_setup: Callable[..., Setup], qtbot: QtBot
) -> None:
    phrases = (*PHRASES, *(Phrase(f"q{i}", f"step {i}", 6.0 + i, 6.5 + i) for i in range(3)))
    s = make_setup(fail_on=("q0", "q1", "q2"))
    s.open(phrases=phrases)
    s.commands.localize_all()
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=5000)
    # Three failures after successes are bad luck, not a broken run: all skipped.
    assert len(s.errors) == 1 and s.errors[0].startswith("3 phrases could not be localized")
    assert s.indicator_ids() == ["p1", "p2", "p3"]

    s.errors.clear()
    s.made[0].fail_on = tuple(p.id for p in phrases)  # the same localizer is used again
    s.commands.localize_all()
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=5000)
    assert len(s.errors) == 1
    assert s.errors[0].startswith("Cannot read 'clip.mp4'.")


def test_no_phrases_says_what_to_do_and_no_video_disables(
    make_setup: Callable[..., Setup], qtbot: QtBot
) -> None:
    s = make_setup()
    assert not s.actions.localize_all.isEnabled()
    assert not s.actions.localize_selected.isEnabled()
    assert not s.actions.cancel_localization.isEnabled()
    s.commands.localize_all()  # a stray call without a video does nothing
    assert s.errors == [] and not s.commands.busy
    s.open(phrases=())
    assert s.actions.localize_all.isEnabled()
    s.actions.localize_all.trigger()
    assert s.errors == [NO_PHRASES] and not s.commands.busy
    s.open()
    s.actions.localize_selected.trigger()  # nothing selected
    assert s.status.currentMessage() == NO_SELECTION and not s.commands.busy


def test_a_move_to_the_cpu_is_shown(make_setup: Callable[..., Setup], qtbot: QtBot) -> None:
    s = make_setup(notices=("GPU (CUDA): Test GPU", "CPU (the GPU ran out of memory)"))
    assert s.commands.device_label is not None
    assert s.commands.device_label.text() == "Localizer: Automatic (CUDA > MPS > CPU)"
    s.open()
    messages: list[str] = []
    s.commands.jobs.status_reported.connect(messages.append)
    s.commands.localize_all()
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=5000)
    assert s.commands.device_label.text() == "Localizer: CPU (the GPU ran out of memory)"
    assert any("ran out of memory" in m for m in messages)


def test_the_preferences_reach_the_localizer(
    make_setup: Callable[..., Setup], qtbot: QtBot
) -> None:
    s = make_setup()
    s.preferences.update(Preferences(localizer_device=LocalizerDevice.GPU, localizer_window=2.5))
    assert s.commands.device_label is not None
    assert s.commands.device_label.text() == "Localizer: GPU"
    s.open()
    s.commands.localize_all()
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=5000)
    assert s.made[0].settings == LocalizeSettings(window=2.5, device=pipeline_device("gpu"))
    assert localizer_options(Preferences()) == LocalizeSettings(window=5.0, device="auto")


def test_a_localized_indicator_in_heat_map_style_shows_its_heat_map(
    make_setup: Callable[..., Setup], qtbot: QtBot
) -> None:
    s = make_setup()
    s.open()
    s.commands.localize_all()
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=5000)
    indicator = s.document.project.indicator_for_phrase("p1")
    assert indicator is not None and indicator.style is IndicatorStyle.BOX
    s.document.apply("Style", set_indicator_style, indicator.id, IndicatorStyle.HEATMAP)
    project = s.document.project
    (shown,) = [v for v in visible_indicators(project, 1.5) if v.indicator_id == indicator.id]
    assert shown.style is IndicatorStyle.HEATMAP and shown.heatmap is not None
    assert shown.heatmap.shape == (4, 6) and float(shown.heatmap.max()) == 1.0
    frame = np.full((360, 480, 3), 40, dtype=np.uint8)
    drawn = render_indicators(frame, [shown], project.display)
    # The hot cell (row 1, column 2 of 4x6) is coloured; a cold corner is not.
    hot = drawn[int(1.5 * 90), int(2.5 * 80)]
    assert int(np.abs(hot.astype(int) - 40).sum()) > 30
    assert np.array_equal(drawn[350, 470], frame[350, 470])


# -- preferences -------------------------------------------------------------------------------


def test_localizer_preferences_round_trip(tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "p.ini"), QSettings.Format.IniFormat)
    assert load_preferences(settings).localizer_device is LocalizerDevice.AUTO
    assert load_preferences(settings).localizer_window == 5.0
    prefs = Preferences(localizer_device=LocalizerDevice.CPU, localizer_window=12.5)
    save_preferences(settings, prefs)
    again = load_preferences(QSettings(str(tmp_path / "p.ini"), QSettings.Format.IniFormat))
    assert again == prefs and isinstance(again.localizer_device, LocalizerDevice)


def test_bad_stored_localizer_preferences_fall_back(tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "p.ini"), QSettings.Format.IniFormat)
    settings.setValue("preferences/localizer_device", "tpu")
    settings.setValue("preferences/localizer_window", "999")
    prefs = load_preferences(settings)
    assert prefs.localizer_device is LocalizerDevice.AUTO and prefs.localizer_window == 30.0
    settings.setValue("preferences/localizer_window", "nan")
    assert load_preferences(settings).localizer_window == 5.0
    with pytest.raises(ValueError):
        Preferences(localizer_window=0.1)
    with pytest.raises(ValueError):
        Preferences(localizer_device="tpu")  # type: ignore[arg-type]


def test_the_preferences_dialog_edits_the_localizer(qtbot: QtBot) -> None:
    dialog = PreferencesDialog(
        Preferences(localizer_device=LocalizerDevice.GPU, localizer_window=7.5)
    )
    qtbot.addWidget(dialog)
    assert dialog.localizer_device.currentData() == "gpu"
    assert dialog.localizer_window.value() == 7.5
    assert dialog.preferences() == Preferences(
        localizer_device=LocalizerDevice.GPU, localizer_window=7.5
    )
    dialog.localizer_device.setCurrentIndex(dialog.localizer_device.findData("cpu"))
    dialog.localizer_window.setValue(100.0)  # clamped to the range
    edited = dialog.preferences()
    assert edited.localizer_device is LocalizerDevice.CPU and edited.localizer_window == 30.0
    labels = [dialog.localizer_device.itemText(i) for i in range(dialog.localizer_device.count())]
    assert labels == ["Automatic (CUDA > MPS > CPU)", "CPU", "GPU"]
