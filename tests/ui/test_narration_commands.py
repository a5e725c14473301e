"""The Narration menu's commands: one undo step per result, confirmation before replacing,
clear errors, cancel, and the worker's thread joined on shutdown."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QMessageBox, QStatusBar, QWidget
from pytestqt.qtbot import QtBot

from narrlocal_gui.core.model import Narration, Phrase, Project, Segment, VideoRef, Word
from narrlocal_gui.narration.asr import AsrOptions
from narrlocal_gui.narration.transcript_json import Transcript
from narrlocal_gui.progress import Cancelled
from narrlocal_gui.ui.actions import build_actions
from narrlocal_gui.ui.document import ProjectDocument
from narrlocal_gui.ui.narration_commands import (
    EXTRACT,
    IMPORT,
    NO_NARRATION,
    NO_VIDEO,
    TRANSCRIBE,
    NarrationCommands,
    ask_replace_narration,
    asr_options,
    result_summary,
)
from narrlocal_gui.ui.narration_worker import NEEDS_VIDEO, NarrationReady, NarrationWorker
from narrlocal_gui.ui.progress_widget import ProgressWidget
from narrlocal_gui.ui.settings import ComputeDevice, Preferences, PreferencesStore


class FakeEngine:
    """Recognises two fixed segments; with ``block`` it streams until cancelled."""

    def __init__(self, block: bool = False) -> None:
        self.block = block
        self.started = False
        self.stopped = False
        self.options: list[AsrOptions] = []

    def transcribe(self, path: Path, options: AsrOptions, **kw: Any) -> Transcript:
        self.options.append(options)
        self.started = True
        segments = (_segment("cut the tape and fold it.", 1.0), _segment("Add the card.", 4.0))
        if self.block:
            while not kw["cancel"]():
                time.sleep(0.005)
            self.stopped = True
            raise Cancelled("cancelled")
        for s in segments:
            kw["on_segment"](s)
        return Transcript(Narration(segments, "en", "asr:fake"), duration=6.0, model="fake")


def _segment(text: str, start: float) -> Segment:
    words = tuple(
        Word(w, start + 0.3 * i, start + 0.3 * i + 0.25) for i, w in enumerate(text.split())
    )
    return Segment(text, start, words[-1].end, words)


class FakePanel(QWidget):
    """The transcript panel's requests and the slots the commands feed."""

    transcribe_requested = Signal()
    import_requested = Signal()
    extract_requested = Signal()

    def append_streaming_segment(self, _segment: object) -> None: ...
    def clear_streaming(self) -> None: ...
    def set_busy(self, _busy: bool) -> None: ...


class Setup:
    def __init__(self, qtbot: QtBot, tmp_path: Path, engine: FakeEngine) -> None:
        self.window = QWidget()
        qtbot.addWidget(self.window)
        self.status = QStatusBar(self.window)
        self.document = ProjectDocument(recovery_dir=tmp_path / "autosave", parent=self.window)
        self.preferences = PreferencesStore(
            QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat), self.window
        )
        self.confirmations: list[bool] = []
        self.answer = True
        self.engine = engine
        self.commands = NarrationCommands(
            self.window,
            self.document,
            self.preferences,
            confirm_replace=self._confirm,
            worker=NarrationWorker(load_engine=lambda _m, _d: engine),
        )
        self.busy: list[bool] = []
        self.commands.jobs.busy_changed.connect(self.busy.append)
        self.commands.jobs.status_reported.connect(self.status.showMessage)

    def _confirm(self, _parent: QWidget) -> bool:
        self.confirmations.append(self.answer)
        return self.answer

    def open_video(self, path: str = "/videos/clip.mp4", duration: float = 6.0) -> None:
        self.document.replace(Project(video=VideoRef(path=path, duration=duration)))


@pytest.fixture
def make_setup(qtbot: QtBot, tmp_path: Path) -> Iterator[Callable[..., Setup]]:
    made: list[Setup] = []

    def make(engine: FakeEngine | None = None) -> Setup:
        setup = Setup(qtbot, tmp_path, engine or FakeEngine())
        made.append(setup)
        return setup

    yield make
    for setup in made:
        assert setup.commands.shutdown()


def _srt(path: Path) -> Path:
    path.write_text(
        "1\n00:00:00,500 --> 00:00:02,000\nPut some oil into a pan and add chopped onions.\n\n"
        "2\n00:00:02,500 --> 00:00:04,000\nThen stir the onions until they are golden.\n",
        encoding="utf-8",
    )
    return path


def test_importing_an_srt_is_one_undo_step(
    make_setup: Callable[..., Setup], qtbot: QtBot, tmp_path: Path
) -> None:
    s = make_setup()
    s.open_video()
    before = s.document.project
    s.commands.import_path(_srt(tmp_path / "cues.srt"))
    assert s.commands.busy
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=60_000)
    project = s.document.project
    assert len(project.narration.segments) == 2 and len(project.phrases) >= 3
    assert s.document.undo_stack.count() == 1
    assert s.document.undo_stack.undoText() == IMPORT
    assert s.confirmations == []  # nothing to replace: no question
    assert s.busy == [True, False]
    assert "2 segments" in s.status.currentMessage()
    s.document.undo_stack.undo()
    assert s.document.project == before
    assert s.document.project.narration == Narration() and s.document.project.phrases == ()


def test_transcribing_streams_segments_and_applies_one_step(
    make_setup: Callable[..., Setup], qtbot: QtBot
) -> None:
    s = make_setup()
    s.preferences.update(
        Preferences(asr_model="tiny.en", compute_device=ComputeDevice.CPU, narration_language="en")
    )
    s.open_video()
    streamed: list[object] = []
    s.commands.segment_recognized.connect(streamed.append)
    s.commands.transcribe()
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=60_000)
    assert len(streamed) == 2
    assert s.engine.options == [AsrOptions(model="tiny.en", language="en", device="cpu")]
    assert s.document.undo_stack.undoText() == TRANSCRIBE
    assert [p.text for p in s.document.project.phrases] == [
        "cut the tape",
        "fold it",
        "Add the card",
    ]
    assert s.document.project.narration.source == "asr:fake"


def test_replacing_a_narration_asks_first(
    make_setup: Callable[..., Setup], qtbot: QtBot, tmp_path: Path
) -> None:
    s = make_setup()
    s.open_video()
    s.commands.transcribe()
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=60_000)
    first = s.document.project
    s.answer = False
    s.commands.import_path(_srt(tmp_path / "cues.srt"))
    assert s.confirmations == [False] and not s.commands.busy
    assert s.document.project is first
    s.answer = True
    s.commands.import_path(_srt(tmp_path / "cues.srt"))
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=60_000)
    assert s.confirmations == [False, True]
    assert len(s.document.project.narration.segments) == 2
    assert s.document.project.narration != first.narration
    assert s.document.undo_stack.count() == 2


def test_the_replace_question_says_it_can_be_undone(dialogs: Any) -> None:
    dialogs.question_answer = QMessageBox.StandardButton.No
    assert not ask_replace_narration(QWidget())
    dialogs.question_answer = QMessageBox.StandardButton.Yes
    assert ask_replace_narration(QWidget())
    assert "undo" in dialogs.texts("question")[-1]


def test_without_a_video_transcribing_and_plain_text_explain_why(
    make_setup: Callable[..., Setup], qtbot: QtBot, tmp_path: Path, dialogs: Any
) -> None:
    s = make_setup()
    s.commands.transcribe()
    assert dialogs.texts("warning") == [NO_VIDEO]
    assert not s.commands.busy and not s.engine.started
    text = tmp_path / "narration.txt"
    text.write_text("cut the tape", encoding="utf-8")
    s.commands.import_path(text)
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=30_000)
    assert dialogs.texts("warning") == [NO_VIDEO, NEEDS_VIDEO]
    assert s.document.undo_stack.count() == 0
    s.commands.extract_again()
    assert dialogs.texts("warning")[-1] == NO_NARRATION


def test_an_srt_imports_without_a_video(
    make_setup: Callable[..., Setup], qtbot: QtBot, tmp_path: Path
) -> None:
    s = make_setup()
    s.commands.import_path(_srt(tmp_path / "cues.srt"))
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=60_000)
    assert len(s.document.project.narration.segments) == 2


def test_the_import_menu_offers_transcript_files(
    make_setup: Callable[..., Setup], qtbot: QtBot, tmp_path: Path, monkeypatch: Any
) -> None:
    from PySide6.QtWidgets import QFileDialog

    s = make_setup()
    srt = _srt(tmp_path / "cues.srt")
    asked: list[str] = []

    def ask(_parent: object, _title: str, _folder: str, filters: str) -> tuple[str, str]:
        asked.append(filters)
        return str(srt), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(ask))
    s.commands.import_transcript()
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=60_000)
    assert all(f"*{suffix}" in asked[0] for suffix in (".srt", ".vtt", ".json", ".txt"))
    assert len(s.document.project.narration.segments) == 2


def test_a_failure_is_shown_and_changes_nothing(
    make_setup: Callable[..., Setup], qtbot: QtBot, tmp_path: Path, dialogs: Any
) -> None:
    s = make_setup()
    s.open_video()
    before = s.document.project
    broken = tmp_path / "broken.srt"
    broken.write_bytes(b"\x00\x01 this is not a subtitle file \xff")
    s.commands.import_path(broken)
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=30_000)
    (message,) = dialogs.texts("warning")
    assert "broken.srt" in message and message.endswith(".")
    assert s.document.project is before and s.document.undo_stack.count() == 0


def test_cancel_mid_job_leaves_the_project_unchanged(
    make_setup: Callable[..., Setup], qtbot: QtBot
) -> None:
    s = make_setup(FakeEngine(block=True))
    s.open_video()
    before = s.document.project
    s.commands.transcribe()
    qtbot.waitUntil(lambda: s.engine.started, timeout=10_000)
    s.commands.cancel()
    assert not s.commands.busy and s.busy == [True, False]
    assert "cancelled" in s.status.currentMessage()
    # The worker notices and stops; its late "cancelled" changes nothing here.
    qtbot.waitUntil(lambda: s.engine.stopped, timeout=5000)
    qtbot.wait(100)
    assert s.document.project is before and s.document.undo_stack.count() == 0


def test_a_result_for_another_video_is_dropped(
    make_setup: Callable[..., Setup], qtbot: QtBot
) -> None:
    s = make_setup(FakeEngine(block=True))
    s.open_video("/videos/a.mp4")
    s.commands.transcribe()
    qtbot.waitUntil(lambda: s.engine.started, timeout=10_000)
    job = s.commands.jobs.run
    assert job is not None
    s.open_video("/videos/b.mp4")
    s.commands._on_narration(
        NarrationReady(job.id, Transcript(Narration((_segment("x y", 0.0),))), (), ())
    )
    assert s.document.project.narration == Narration()
    assert "another video" in s.status.currentMessage()


def test_extract_again_is_its_own_undo_step(make_setup: Callable[..., Setup], qtbot: QtBot) -> None:
    s = make_setup()
    narration = Narration((_segment("cut the tape and fold it", 1.0),))
    s.document.replace(
        Project(narration=narration, phrases=(Phrase("old", "all of it", 1.0, 3.0),))
    )
    s.commands.extract_again()
    qtbot.waitUntil(lambda: not s.commands.busy, timeout=60_000)
    assert [p.text for p in s.document.project.phrases] == ["cut the tape", "fold it"]
    assert s.document.undo_stack.undoText() == EXTRACT
    s.document.undo_stack.undo()
    assert [p.id for p in s.document.project.phrases] == ["old"]


def test_options_and_summaries() -> None:
    prefs = Preferences(asr_model="tiny.en", compute_device=ComputeDevice.CUDA)
    assert asr_options(prefs) == AsrOptions(model="tiny.en", language=None, device="cuda")
    narration = Narration((_segment("a b", 0.0), _segment("c d", 2.0)))
    assert result_summary(TRANSCRIBE, narration, 3, ()) == f"{TRANSCRIBE}: 2 segments, 3 phrases."
    one = result_summary(TRANSCRIBE, narration, 3, ("Transcribed with base on CPU (int8).",))
    assert one.endswith("Transcribed with base on CPU (int8).")
    many = result_summary(IMPORT, narration, 3, ("Cue 2 overlapped cue 1", "Cue 5 was empty"))
    assert "2 repairs" in many and "Cue 2 overlapped cue 1" in many


def test_repairs_are_listed_in_the_status_bar_tooltip(
    make_setup: Callable[..., Setup], tmp_path: Path
) -> None:
    s = make_setup()
    actions = build_actions(s.window, s.document.undo_stack)
    panel = FakePanel()
    s.commands.attach(actions, panel, ProgressWidget(), s.status)  # type: ignore[arg-type]
    assert not actions.cancel_narration.isEnabled()
    s.commands._report(IMPORT, Narration(), 0, ("first repair", "second repair"))
    assert "2 repairs" in s.status.currentMessage()
    assert s.status.toolTip() == "first repair\nsecond repair"
    s.status.clearMessage()
    assert s.status.toolTip() == ""
