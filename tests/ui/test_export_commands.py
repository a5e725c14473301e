"""File > Export: the video, the annotations and a still, on the export worker's thread; the
progress line, cancel, errors, never replacing a file unasked, the actions' states, the in/out
points, and the worker's thread joined on shutdown."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QStatusBar, QWidget
from pytestqt.qtbot import QtBot

from narrlocal_gui.core.model import (
    Box,
    Indicator,
    IndicatorStyle,
    Phrase,
    Project,
    TrackPoint,
    VideoRef,
)
from narrlocal_gui.core.range_marks import InOutMarks
from narrlocal_gui.core.time_format import format_duration, format_time_left
from narrlocal_gui.export.video_export import export_still, export_video
from narrlocal_gui.export.video_options import (
    AudioMode,
    ExportProgress,
    ExportResult,
    VideoExportOptions,
)
from narrlocal_gui.media.media_info import MediaInfo
from narrlocal_gui.media.probe import probe
from narrlocal_gui.ui.actions import build_actions
from narrlocal_gui.ui.document import ProjectDocument
from narrlocal_gui.ui.export_commands import (
    CANCELLED,
    CANCELLING,
    STOP_AND_CLOSE,
    ExportCommands,
    done_text,
    format_size,
    free_path,
    progress_text,
)
from narrlocal_gui.ui.export_dialog import ExportContext, VideoExportChoice
from narrlocal_gui.ui.export_worker import ExportDone, ExportKind, ExportWorker
from narrlocal_gui.ui.progress_widget import ProgressWidget
from narrlocal_gui.ui.settings import PreferencesStore
from tests.media_factory import make_counter_clip

FRAMES = 15
FPS = 30.0
SIZE = (64, 48)
COLOR = (230, 20, 200)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export-media")
    return make_counter_clip(folder / "clip.mp4", n_frames=FRAMES, fps=FPS, size=SIZE)


def annotated(clip: Path) -> Project:
    return Project(
        video=VideoRef(str(clip), FRAMES / FPS, SIZE[0], SIZE[1], FPS),
        phrases=(
            Phrase("p1", "open the lid", 0.0, 0.3),
            Phrase("p2", "lift it", 0.2, 0.5),
        ),
        indicators=(
            Indicator("i1", "p1", IndicatorStyle.BOX, color=COLOR, track=(TrackPoint(0.0, BOX),)),
            Indicator("i2", "p2", IndicatorStyle.DARKEN, track=(TrackPoint(0.2, BOX),)),
        ),
    )


BOX = Box(8.0, 6.0, 40.0, 30.0)


@dataclass
class FakePlayer:
    info: MediaInfo | None = None
    at: float = 0.0

    def position(self) -> float:
        return self.at


# Module level on purpose: PySide6 connects to the slots of classes defined inside a test
# directly, so they would run in the test's thread instead of the worker's.
class GatedVideo:
    """The real video export, held at its first progress report until ``go`` (or a cancel)."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.go = threading.Event()
        self.projects: list[Project] = []

    def __call__(
        self,
        project: Project,
        out_path: Path,
        options: VideoExportOptions | None = None,
        *,
        progress: Callable[[ExportProgress], None] | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> ExportResult:
        self.projects.append(project)

        def held(state: ExportProgress) -> None:
            if progress is not None:
                progress(state)
            if not self.started.is_set():
                self.started.set()
                while not self.go.wait(0.01):
                    if cancel is not None and cancel():
                        break

        return export_video(project, out_path, options, progress=held, cancel=cancel)


@dataclass
class Recorder:
    errors: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    replace_asked: list[Path] = field(default_factory=list)
    answer: bool = False
    choice: VideoExportChoice | None = None
    contexts: list[ExportContext] = field(default_factory=list)
    save: tuple[Path, str] | None = None
    save_asked: list[tuple[str, Path, str, str]] = field(default_factory=list)
    opened_folders: list[Path] = field(default_factory=list)


class Setup:
    def __init__(self, qtbot: QtBot, tmp_path: Path, worker: ExportWorker | None) -> None:
        self.window = QWidget()
        qtbot.addWidget(self.window)
        self.status = QStatusBar(self.window)
        self.progress = ProgressWidget(self.window)
        self.document = ProjectDocument(recovery_dir=tmp_path / "autosave", parent=self.window)
        self.preferences = PreferencesStore(
            QSettings(str(tmp_path / "prefs.ini"), QSettings.Format.IniFormat), self.window
        )
        self.player = FakePlayer()
        self.rec = rec = Recorder()

        def choose(_parent: object, context: ExportContext, _ask: object) -> VideoExportChoice:
            rec.contexts.append(context)
            return rec.choice  # type: ignore[return-value]

        def ask_save(
            _parent: object, title: str, suggested: Path, filters: str, selected: str
        ) -> tuple[Path, str] | None:
            rec.save_asked.append((title, suggested, filters, selected))
            return rec.save

        def ask_replace(_parent: object, path: Path) -> bool:
            rec.replace_asked.append(path)
            return rec.answer

        def ask(_parent: object, text: str) -> bool:
            rec.questions.append(text)
            return rec.answer

        self.commands = ExportCommands(
            self.window,
            self.document,
            self.preferences,
            self.player,
            worker,
            show_error=lambda _parent, text: rec.errors.append(text),
            ask=ask,
            ask_replace=ask_replace,
            choose_video=choose,
            ask_save=ask_save,
            open_folder=rec.opened_folders.append,
        )
        self.actions = build_actions(self.window, self.document.undo_stack)
        self.commands.attach(self.actions, self.progress, self.status)
        self.labels: list[str] = []
        self.fractions: list[float] = []
        self.done: list[ExportDone] = []
        self.commands.jobs.label_changed.connect(self.labels.append)
        self.commands.jobs.progressed.connect(self.fractions.append)
        self.commands.exported.connect(self.done.append)

    def open(self, project: Project) -> None:
        self.document.replace(project)
        video = project.video
        self.player.info = probe(video.path) if video and Path(video.path).exists() else None

    def wait_idle(self, qtbot: QtBot) -> None:
        qtbot.waitUntil(lambda: not self.commands.busy, timeout=10000)


@pytest.fixture
def make_setup(qtbot: QtBot, tmp_path: Path) -> Iterator[Callable[..., Setup]]:
    made: list[Setup] = []

    def make(worker: ExportWorker | None = None) -> Setup:
        setup = Setup(qtbot, tmp_path, worker)
        made.append(setup)
        return setup

    yield make
    for setup in made:
        assert setup.commands.shutdown()
        assert not setup.commands.jobs.worker_thread.thread.isRunning()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial" in p.name)


def test_the_video_is_exported_with_progress_and_a_report(
    make_setup: Callable[..., Setup], qtbot: QtBot, clip: Path, tmp_path: Path
) -> None:
    gate = GatedVideo()
    s = make_setup(ExportWorker(video=gate))
    project = annotated(clip)
    s.open(project)
    out = tmp_path / "out" / "clip-annotated.mp4"
    out.parent.mkdir()
    s.rec.choice = VideoExportChoice(out, VideoExportOptions(preset="ultrafast"))
    s.actions.export_video.trigger()
    context = s.rec.contexts[0]
    assert context.project is project and context.info is s.player.info
    assert context.suggested == clip.parent / "clip-annotated.mp4"
    assert s.commands.busy and s.progress.active
    assert s.actions.cancel_export.isEnabled()
    assert not any(
        a.isEnabled()
        for a in (s.actions.export_video, s.actions.export_annotations, s.actions.export_still)
    )
    # Edits while exporting stay out of the file: the worker got the project as it was.
    s.document.replace(Project(video=project.video))
    gate.go.set()
    s.wait_idle(qtbot)
    assert gate.projects == [project]

    assert s.rec.errors == [] and len(s.done) == 1
    done = s.done[0]
    assert done.kind is ExportKind.VIDEO and done.path == out and done.video is not None
    assert done.size_bytes == out.stat().st_size > 0
    with av.open(str(out)) as container:
        assert len(container.streams.audio) == 1
        frames = list(container.decode(video=0))
    assert len(frames) == FRAMES
    assert float(frames[-1].time or 0.0) == pytest.approx((FRAMES - 1) / FPS, abs=1e-3)
    assert leftovers(out.parent) == []

    assert s.labels and s.labels[-1] == "Exporting video… 100 %"
    assert all(label.startswith("Exporting video… ") for label in s.labels)
    assert s.fractions[-1] == 1.0 and s.fractions == sorted(s.fractions)
    message = s.status.currentMessage()
    assert message == done_text(done)
    assert str(out) in message and f"{FRAMES} frames" in message
    assert not s.progress.active and s.actions.export_video.isEnabled()
    assert not s.actions.cancel_export.isEnabled()
    # The folder is remembered, and offered again next time.
    assert s.preferences.prefs.export_directory == str(out.parent)
    button = s.commands.show_folder_button
    assert button is not None and not button.isHidden()
    button.click()
    assert s.rec.opened_folders == [out.parent]
    s.actions.export_video.trigger()
    assert s.rec.contexts[-1].suggested == out.parent / "clip-annotated-2.mp4"
    s.wait_idle(qtbot)


def test_cancel_leaves_nothing_and_says_so(
    make_setup: Callable[..., Setup], qtbot: QtBot, clip: Path, tmp_path: Path
) -> None:
    gate = GatedVideo()
    s = make_setup(ExportWorker(video=gate))
    s.open(annotated(clip))
    out = tmp_path / "cancelled.mp4"
    s.rec.choice = VideoExportChoice(out, VideoExportOptions(preset="ultrafast"))
    s.commands.export_video()
    assert gate.started.wait(5.0)
    s.actions.cancel_export.trigger()
    # Still running until the worker confirms it stopped: the message must be true.
    assert s.commands.busy and s.labels[-1] == CANCELLING
    assert not s.actions.cancel_export.isEnabled()
    s.wait_idle(qtbot)
    assert s.status.currentMessage() == CANCELLED == "Export cancelled; nothing was written."
    assert not out.exists() and leftovers(tmp_path) == []
    assert s.done == [] and s.rec.errors == []
    assert not s.progress.active and s.actions.export_video.isEnabled()


def test_an_existing_video_is_not_replaced_without_consent(
    make_setup: Callable[..., Setup], qtbot: QtBot, clip: Path, tmp_path: Path
) -> None:
    s = make_setup()
    s.open(annotated(clip))
    out = tmp_path / "taken.mp4"
    out.write_bytes(b"precious")
    s.rec.choice = VideoExportChoice(out, VideoExportOptions(preset="ultrafast"))
    s.commands.export_video()
    s.wait_idle(qtbot)
    assert out.read_bytes() == b"precious"
    assert len(s.rec.errors) == 1 and "already exists" in s.rec.errors[0]
    # The dialog's "Replace" becomes overwrite=True.
    s.rec.choice = VideoExportChoice(out, VideoExportOptions(preset="ultrafast", overwrite=True))
    s.commands.export_video()
    s.wait_idle(qtbot)
    assert out.read_bytes() != b"precious" and len(s.done) == 1


def test_a_failure_shows_one_sentence(
    make_setup: Callable[..., Setup], qtbot: QtBot, tmp_path: Path
) -> None:
    s = make_setup()
    s.open(Project(video=VideoRef(str(tmp_path / "gone.mp4"))))
    s.rec.choice = VideoExportChoice(tmp_path / "out.mp4", VideoExportOptions())
    s.commands.export_video()
    s.wait_idle(qtbot)
    assert s.rec.errors == [f"The project's video '{tmp_path / 'gone.mp4'}' is missing."]
    assert s.done == [] and not (tmp_path / "out.mp4").exists()


def test_closing_during_an_export_asks_and_shutdown_joins_the_thread(
    make_setup: Callable[..., Setup], qtbot: QtBot, clip: Path, tmp_path: Path
) -> None:
    gate = GatedVideo()
    s = make_setup(ExportWorker(video=gate))
    s.open(annotated(clip))
    assert s.commands.confirm_close() and s.rec.questions == []  # nothing runs: no question
    out = tmp_path / "closing.mp4"
    s.rec.choice = VideoExportChoice(out, VideoExportOptions(preset="ultrafast"))
    s.commands.export_video()
    assert gate.started.wait(5.0)
    assert not s.commands.confirm_close()
    assert s.rec.questions == [STOP_AND_CLOSE] == ["An export is running. Stop it and close?"]
    s.rec.answer = True
    assert s.commands.confirm_close()
    assert s.commands.shutdown()
    assert not s.commands.jobs.worker_thread.thread.isRunning()
    assert not out.exists() and leftovers(tmp_path) == []


def test_annotations_in_the_format_of_the_chosen_filter(
    make_setup: Callable[..., Setup], qtbot: QtBot, clip: Path, tmp_path: Path
) -> None:
    s = make_setup()
    s.open(annotated(clip))
    s.rec.save = (tmp_path / "boxes", "CSV table (*.csv)")
    s.actions.export_annotations.trigger()
    title, suggested, filters, selected = s.rec.save_asked[0]
    assert title == "Export Annotations" and suggested == clip.parent / "clip.json"
    assert filters.split(";;")[0] == selected == "COCO video JSON (*.json)"
    assert "NarrLocal project (*.narrlocal)" in filters.split(";;")
    s.wait_idle(qtbot)
    csv = tmp_path / "boxes.csv"
    assert csv.read_text(encoding="utf-8").splitlines()[0].startswith("phrase,start,end,time")
    assert s.done[-1].kind is ExportKind.ANNOTATIONS and s.done[-1].path == csv
    assert "Exported the annotations to" in s.status.currentMessage()

    s.rec.save = (tmp_path / "phrases.srt", "")
    s.commands.export_annotations()
    assert s.rec.save_asked[-1][3] == "CSV table (*.csv)"  # the last format is offered first
    s.wait_idle(qtbot)
    srt = (tmp_path / "phrases.srt").read_text(encoding="utf-8")
    assert "open the lid" in srt and "-->" in srt
    assert s.rec.errors == []


def test_annotations_ask_before_replacing_a_file_the_dialog_did_not_ask_about(
    make_setup: Callable[..., Setup], qtbot: QtBot, clip: Path, tmp_path: Path
) -> None:
    s = make_setup()
    s.open(annotated(clip))
    taken = tmp_path / "boxes.csv"
    taken.write_text("mine", encoding="utf-8")
    # The typed name had no suffix: the file dialog never saw "boxes.csv".
    s.rec.save = (tmp_path / "boxes", "CSV table (*.csv)")
    s.commands.export_annotations()
    assert s.rec.replace_asked == [taken] and not s.commands.busy
    assert taken.read_text(encoding="utf-8") == "mine"
    s.rec.answer = True
    s.commands.export_annotations()
    s.wait_idle(qtbot)
    assert taken.read_text(encoding="utf-8") != "mine"
    # Picked as it is in the file dialog, which asked itself: no second question.
    s.rec.replace_asked.clear()
    s.rec.save = (taken, "CSV table (*.csv)")
    s.commands.export_annotations()
    s.wait_idle(qtbot)
    assert s.rec.replace_asked == [] and len(s.done) == 2

    s.rec.save = (tmp_path / "what.dat", "")
    s.commands.export_annotations()
    assert len(s.rec.errors) == 1 and "Cannot tell which format" in s.rec.errors[0]


def test_the_still_is_the_engines_still_of_the_playhead(
    make_setup: Callable[..., Setup], qtbot: QtBot, clip: Path, tmp_path: Path
) -> None:
    s = make_setup()
    project = annotated(clip)
    s.open(project)
    s.player.at = 0.25
    s.rec.save = (tmp_path / "frame", "")
    s.actions.export_still.trigger()
    assert s.rec.save_asked[0][1] == clip.parent / "clip-frame-0.250s.png"
    s.wait_idle(qtbot)
    assert s.rec.errors == []
    reference = export_still(project, 0.25, tmp_path / "reference.png")
    with Image.open(tmp_path / "frame.png") as got, Image.open(reference) as want:
        assert np.array_equal(np.asarray(got), np.asarray(want))
    assert s.done[-1].kind is ExportKind.STILL
    assert "Exported the frame to" in s.status.currentMessage()

    s.rec.save = (tmp_path / "frame.jpg", "")
    s.commands.export_still()
    assert s.rec.errors == [
        f"Cannot write '{tmp_path / 'frame.jpg'}': choose a name ending in .png."
    ]


def test_actions_follow_the_video_and_the_marks(
    make_setup: Callable[..., Setup], clip: Path
) -> None:
    s = make_setup()
    a = s.actions
    exports = (a.export_video, a.export_annotations, a.export_still)
    assert not any(action.isEnabled() for action in exports)
    assert not a.cancel_export.isEnabled() and not a.set_in_point.isEnabled()
    s.commands.export_video()  # a stray shortcut does nothing
    assert s.rec.contexts == [] and not s.commands.busy
    s.open(annotated(clip))
    assert all(action.isEnabled() for action in exports)
    assert a.set_in_point.isEnabled() and a.set_out_point.isEnabled()
    assert not a.clear_in_out.isEnabled()
    s.rec.choice = None  # the dialog was cancelled
    a.export_video.trigger()
    assert len(s.rec.contexts) == 1 and not s.commands.busy


def test_in_and_out_points(make_setup: Callable[..., Setup], clip: Path) -> None:
    s = make_setup()
    s.open(annotated(clip))
    seen: list[InOutMarks] = []
    s.commands.marks_changed.connect(seen.append)
    s.player.at = 0.2
    s.actions.set_in_point.trigger()
    assert s.status.currentMessage() == "In point at 00:00:00.200."
    s.player.at = 0.4
    s.actions.set_out_point.trigger()
    assert seen[-1] == s.commands.marks == InOutMarks(0.2, 0.4)
    assert s.actions.clear_in_out.isEnabled()
    s.rec.choice = None
    s.commands.export_video()
    assert s.rec.contexts[-1].marks == InOutMarks(0.2, 0.4)
    s.player.at = 0.1
    s.actions.set_out_point.trigger()
    assert s.commands.marks == InOutMarks(None, 0.1)
    assert "the in point after it was cleared" in s.status.currentMessage()
    s.actions.clear_in_out.trigger()
    assert seen[-1] == InOutMarks() and not s.actions.clear_in_out.isEnabled()
    s.actions.set_in_point.trigger()
    s.commands.reset_marks()  # another video
    assert s.commands.marks == InOutMarks() and seen[-1] == InOutMarks()


def test_texts() -> None:
    state = ExportProgress(42, 100, 4.2, 10.0, 3.0, 70.0)
    assert progress_text(state) == "Exporting video… 42 % — 1 min 10 s left"
    assert progress_text(ExportProgress(0, 100, 0.0, 10.0, 0.0, None)) == "Exporting video… 0 %"
    assert format_time_left(0.2) == "1 s left" and format_time_left(59.4) == "59 s left"
    assert format_time_left(3 * 3600 + 125) == "3 h 02 min left"
    assert format_duration(4.24) == "4.2 s" and format_duration(75) == "1 min 15 s"
    assert format_duration(0.01) == "under 0.1 s"
    assert format_size(500) == "500 bytes" and format_size(3 * 1024 * 1024 // 2) == "1.5 MB"
    done = ExportDone(ExportKind.STILL, Path("/x/a.png"), 2048, 0.31)
    assert done_text(done) == "Exported the frame to /x/a.png (2 KB) in 0.3 s."
    with pytest.raises(ValueError, match="video result"):
        ExportDone(ExportKind.VIDEO, Path("/x/a.mp4"), 1, 1.0)


def test_free_path_never_names_an_existing_file(tmp_path: Path) -> None:
    assert free_path(tmp_path, "clip-annotated", ".mp4") == tmp_path / "clip-annotated.mp4"
    (tmp_path / "clip-annotated.mp4").touch()
    (tmp_path / "clip-annotated-2.mp4").touch()
    assert free_path(tmp_path, "clip-annotated", ".mp4") == tmp_path / "clip-annotated-3.mp4"


def test_audio_mode_reaches_the_engine(
    make_setup: Callable[..., Setup], qtbot: QtBot, clip: Path, tmp_path: Path
) -> None:
    s = make_setup()
    s.open(annotated(clip))
    out = tmp_path / "silent.mp4"
    options = VideoExportOptions(preset="ultrafast", audio=AudioMode.NONE, start=0.1, end=0.3)
    s.rec.choice = VideoExportChoice(out, options)
    s.commands.export_video()
    s.wait_idle(qtbot)
    assert s.done[-1].video is not None and s.done[-1].video.audio_codec is None
    with av.open(str(out)) as container:
        assert len(container.streams.audio) == 0
        assert len(list(container.decode(video=0))) == 6
