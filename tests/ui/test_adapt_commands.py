"""Localize > Adapt to My Videos…: the status bar shows the stage, step and time left; a
finished run switches the localizer to the adapted checkpoint (a preference); Cancel keeps
a run that the next Adapt offers to resume; a folder with nothing to adapt to is one
sentence; closing the window mid-training joins the thread with the state saved. Also the
localizer method's preference and its Preferences entry."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QStatusBar, QWidget
from pytestqt.qtbot import QtBot

pytest.importorskip("torch")

from narrlocal_gui.localizer import adaptation
from narrlocal_gui.localizer.adaptation import AdaptSlot, resumable_run
from narrlocal_gui.ui.actions import build_actions
from narrlocal_gui.ui.adapt_commands import RESUME, STOPPED, AdaptCommands
from narrlocal_gui.ui.adapt_worker import AdaptWorker
from narrlocal_gui.ui.localize_commands import localizer_options
from narrlocal_gui.ui.preferences_dialog import PreferencesDialog
from narrlocal_gui.ui.progress_widget import ProgressWidget
from narrlocal_gui.ui.settings import (
    LocalizerMethod,
    Preferences,
    PreferencesStore,
    adaptation_dir,
    load_preferences,
    save_preferences,
)
from tests.ui.test_adapt_worker import (
    CONFIG,
    Pause,
    fake_engine,
    fake_transcriber,
    training_folder,
)


class Setup:
    def __init__(
        self, qtbot: QtBot, tmp_path: Path, folder: Path, pause: Pause | None = None
    ) -> None:
        self.window = QWidget()
        qtbot.addWidget(self.window)
        self.status = QStatusBar(self.window)
        self.progress = ProgressWidget(self.window)
        self.undo = QUndoStack(self.window)
        self.actions = build_actions(self.window, self.undo)
        self.preferences = PreferencesStore(
            QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat), self.window
        )
        self.errors: list[str] = []
        self.questions: list[str] = []
        self.answer: str | None = RESUME
        self.folder = folder
        self.data = tmp_path / "data"
        self.commands = AdaptCommands(
            self.window,
            self.preferences,
            AdaptWorker(fake_engine(pause), lambda _request: fake_transcriber),
            data_dir=self.data,
            config=CONFIG,
            choose_folder=lambda _parent, _start: self.folder,
            choose_resume=self._ask,
            show_error=lambda _parent, text: self.errors.append(text),
        )
        self.commands.attach(self.actions, self.progress, self.status)
        self.texts: list[str] = []
        self.etas: list[str] = []
        self.commands.jobs.stage_started.connect(self.texts.append)
        self.commands.jobs.label_changed.connect(self.texts.append)
        self.commands.jobs.eta_changed.connect(self.etas.append)

    def _ask(self, _parent: QWidget, text: str) -> str | None:
        self.questions.append(text)
        return self.answer

    @property
    def slot(self) -> AdaptSlot:
        return AdaptSlot.for_folder(self.folder, self.data)

    def close(self) -> None:
        assert self.commands.shutdown(30_000)


@pytest.fixture
def setup_for(qtbot: QtBot, tmp_path: Path) -> Any:
    made: list[Setup] = []

    def make(folder: Path, pause: Pause | None = None) -> Setup:
        s = Setup(qtbot, tmp_path, folder, pause)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def test_a_finished_run_switches_the_localizer_to_the_adapted_model(
    qtbot: QtBot, tmp_path: Path, setup_for: Any
) -> None:
    s = setup_for(training_folder(tmp_path))
    s.actions.adapt_to_videos.trigger()
    assert s.progress.active and s.commands.busy
    assert not s.actions.adapt_to_videos.isEnabled() and s.actions.cancel_adaptation.isEnabled()
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=60_000)
    assert s.errors == [] and s.questions == []
    prefs = s.preferences.prefs
    assert prefs.localizer_method is LocalizerMethod.COMMA
    assert Path(prefs.comma_checkpoint) == s.slot.checkpoint and s.slot.checkpoint.is_file()
    assert s.slot.checkpoint.is_relative_to(s.data)
    options = localizer_options(prefs)
    assert options.method == "comma" and options.checkpoint == str(s.slot.checkpoint)
    # Persisted: a new store reads the same.
    again = load_preferences(QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat))
    assert again.localizer_method is LocalizerMethod.COMMA
    assert s.texts[0] == "Adapting the localizer to 'my videos'…"
    assert "Adapting: reading the videos…" in s.texts
    assert any(t.startswith("Adapting: epoch 2 of 2, step 6 of 6, loss ") for t in s.texts)
    assert all(e.startswith("about ") and e.endswith(" left") for e in s.etas)
    assert s.status.currentMessage().startswith("Adapted the localizer to 3 videos (6 phrases")
    assert not s.progress.active and s.actions.adapt_to_videos.isEnabled()


def test_cancel_keeps_a_run_that_adapt_offers_to_resume(
    qtbot: QtBot, tmp_path: Path, setup_for: Any
) -> None:
    pause = Pause(at_step=2)
    s = setup_for(training_folder(tmp_path), pause)
    s.actions.adapt_to_videos.trigger()
    qtbot.waitUntil(pause.reached.is_set, timeout=60_000)
    s.progress.cancel_button.click()
    assert not s.commands.busy and not s.progress.active
    assert s.status.currentMessage() == STOPPED
    pause.release.set()
    # The resume state is saved a moment before the run's status says where it stopped.
    qtbot.waitUntil(lambda: _stopped(s.slot), timeout=60_000)
    assert s.preferences.prefs.localizer_method is LocalizerMethod.TRAINING_FREE

    s.texts.clear()
    s.actions.adapt_to_videos.trigger()
    assert s.questions == [
        "Adapting to the videos in 'my videos' stopped at step 2 of 6 before it finished. "
        "Resume it, or start again from the beginning?"
    ]
    assert s.texts[0] == "Resuming the adaptation to 'my videos'…"
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=60_000)
    assert s.errors == []
    train = [t for t in s.texts if t.startswith("Adapting: epoch")]
    assert train[0].startswith("Adapting: epoch 1 of 2, step 2 of 6")  # where it stopped
    assert s.preferences.prefs.localizer_method is LocalizerMethod.COMMA
    assert resumable_run(s.slot) is None


def test_no_answer_to_the_resume_question_starts_nothing(
    qtbot: QtBot, tmp_path: Path, setup_for: Any
) -> None:
    pause = Pause(at_step=1)
    s = setup_for(training_folder(tmp_path), pause)
    s.commands.start(s.folder)
    qtbot.waitUntil(pause.reached.is_set, timeout=60_000)
    s.commands.cancel()
    pause.release.set()
    qtbot.waitUntil(lambda: _stopped(s.slot), timeout=60_000)
    s.answer = None
    s.actions.adapt_to_videos.trigger()
    assert len(s.questions) == 1 and not s.commands.busy


def test_a_folder_without_usable_videos_is_one_sentence(
    qtbot: QtBot, tmp_path: Path, setup_for: Any
) -> None:
    empty = tmp_path / "holiday"
    empty.mkdir()
    s = setup_for(empty)
    s.actions.adapt_to_videos.trigger()
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=60_000)
    assert s.errors == [f"'{empty}' holds no videos (MP4, MOV, M4V, MKV, WEBM, …) to adapt to."]
    assert s.preferences.prefs.localizer_method is LocalizerMethod.TRAINING_FREE


def test_skipped_videos_are_listed(qtbot: QtBot, tmp_path: Path, setup_for: Any) -> None:
    folder = training_folder(tmp_path)
    (folder / "transcripts" / "clip_02.json").unlink()  # not "talk_…": no speech found
    s = setup_for(folder)
    s.actions.adapt_to_videos.trigger()
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=60_000)
    assert s.preferences.prefs.localizer_method is LocalizerMethod.COMMA
    (message,) = s.errors
    assert message.startswith("1 video was left out of the adaptation:\n• clip_02.mp4: No speech")


def test_closing_the_window_while_training_joins_the_thread(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from narrlocal_gui.ui.main_window import MainWindow

    pause = Pause(at_step=2)
    engine = fake_engine(pause)

    def tiny(folder: str, slot: AdaptSlot, **kwargs: Any) -> Any:
        kwargs["config"] = kwargs.get("config") or CONFIG
        kwargs["transcriber"] = fake_transcriber
        return engine(folder, slot, **kwargs)

    monkeypatch.setattr(adaptation, "adapt", tiny)
    window = MainWindow(QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    folder = training_folder(tmp_path)
    window.adaptation.start(folder)
    assert window.adapt_progress.active
    qtbot.waitUntil(pause.reached.is_set, timeout=60_000)
    # The worker is inside a step: closing must wait for it, then it saves and stops.
    threading.Timer(0.3, pause.release.set).start()
    window.close()
    status = resumable_run(AdaptSlot.for_folder(folder, adaptation_dir()))
    assert status is not None and status.state == "stopped" and status.step == 2
    # (The autouse fixture fails the test if the thread is still running.)


def _stopped(slot: AdaptSlot) -> bool:
    run = resumable_run(slot)
    return run is not None and run.state == "stopped"


# -- the preference ------------------------------------------------------------------------


def test_the_method_preference_round_trips_and_falls_back(tmp_path: Path) -> None:
    checkpoint = tmp_path / "adapted.pt"
    checkpoint.write_bytes(b"weights")
    settings = QSettings(str(tmp_path / "p.ini"), QSettings.Format.IniFormat)
    prefs = Preferences(localizer_method=LocalizerMethod.COMMA, comma_checkpoint=str(checkpoint))
    save_preferences(settings, prefs)
    assert load_preferences(settings) == prefs
    checkpoint.unlink()  # deleted: back to the training-free method, the path remembered
    loaded = load_preferences(settings)
    assert loaded.localizer_method is LocalizerMethod.TRAINING_FREE
    assert loaded.comma_checkpoint == str(checkpoint)
    assert localizer_options(loaded).method == "" and localizer_options(loaded).checkpoint is None
    with pytest.raises(ValueError, match="checkpoint"):
        Preferences(localizer_method=LocalizerMethod.COMMA)


def test_preferences_dialog_switches_the_method(qtbot: QtBot, tmp_path: Path) -> None:
    checkpoint = str(tmp_path / "adapted.pt")
    prefs = Preferences(localizer_method=LocalizerMethod.COMMA, comma_checkpoint=checkpoint)
    dialog = PreferencesDialog(prefs)
    qtbot.addWidget(dialog)
    assert dialog.localizer_method.currentData() == "comma"
    assert dialog.comma_checkpoint.text() == checkpoint
    assert dialog.comma_checkpoint.isEnabled()
    dialog.localizer_method.setCurrentIndex(
        dialog.localizer_method.findData(LocalizerMethod.TRAINING_FREE.value)
    )
    back = dialog.preferences()
    assert back.localizer_method is LocalizerMethod.TRAINING_FREE
    assert back.comma_checkpoint == checkpoint  # kept, to switch back to it later
    assert not dialog.comma_checkpoint.isEnabled()  # ignored by this method
    assert dialog.browse_checkpoint.isEnabled()  # choosing a file switches to the adapted one
    dialog.comma_checkpoint.clear()
    dialog.localizer_method.setCurrentIndex(
        dialog.localizer_method.findData(LocalizerMethod.COMMA.value)
    )
    assert not dialog.ok_button.isEnabled()  # the adapted method needs its checkpoint
    dialog.localizer_method.setCurrentIndex(
        dialog.localizer_method.findData(LocalizerMethod.BUILT_IN.value)
    )
    assert dialog.ok_button.isEnabled()  # the built-in model needs no file
    built_in = dialog.preferences()
    assert built_in.localizer_method is LocalizerMethod.BUILT_IN
    # comma without a checkpoint: the pipeline runs the model that ships (shipped.py)
    options = localizer_options(built_in)
    assert options.method == "comma" and options.checkpoint is None
