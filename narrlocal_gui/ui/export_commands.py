"""The File menu's exports (video, annotations, still frame) and the in/out points they use.

The work runs on the :class:`ExportWorker`'s thread, owned here and joined on
:meth:`ExportCommands.shutdown`. One export at a time: the export actions are disabled while
one runs, and Cancel Export stops it. Each export takes the project as it is when the user
confirms (an immutable snapshot), so editing meanwhile changes nothing in the file; opening
another video does not stop it either.

Nothing is overwritten without a question: the file dialogs ask before returning an existing
file (then the export may replace it without asking again); a name that this code completed
with a suffix, and so was never asked about, is asked about here. The engine writes under a
temporary name and renames on success, so a cancel leaves nothing behind; "nothing was
written" is said only once the worker confirmed it stopped.

The in and out points are session state (not saved in the project): they mark the range
that Export Video offers, and the timeline shows them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QPushButton, QStatusBar, QWidget

from narrlocal_gui.core.byte_sizes import GIB, KIB, MIB
from narrlocal_gui.core.model import Project
from narrlocal_gui.core.range_marks import InOutMarks
from narrlocal_gui.core.time_format import format_duration, format_time_left, format_timecode
from narrlocal_gui.export.annotation_formats import FORMATS
from narrlocal_gui.export.video_options import DEFAULT_CRF, DEFAULT_PRESET, ExportProgress
from narrlocal_gui.media.media_info import MediaInfo
from narrlocal_gui.ui import dialogs
from narrlocal_gui.ui.actions import Actions
from narrlocal_gui.ui.document import ProjectDocument
from narrlocal_gui.ui.export_dialog import (
    STILL_FILTER,
    AskReplace,
    ExportContext,
    VideoExportChoice,
    annotation_filter,
    annotation_format_for,
    ask_replace,
    ask_save_path,
    ask_yes_no,
    choose_video_export,
)
from narrlocal_gui.ui.export_worker import (
    THREAD_NAME,
    AnnotationsExportRequest,
    ExportDone,
    ExportFinished,
    ExportKind,
    ExportProgressed,
    ExportWorker,
    StillExportRequest,
    VideoExportRequest,
)
from narrlocal_gui.ui.job_controller import JobController
from narrlocal_gui.ui.progress_widget import ProgressWidget
from narrlocal_gui.ui.settings import PreferencesStore

log = logging.getLogger(__name__)

STATUS_MS = 10_000
#: How long "Show in Folder" stays in the status bar after an export.
SHOW_FOLDER_MS = 30_000
CANCELLED = "Export cancelled; nothing was written."
CANCELLING = "Cancelling the export…"
STOP_AND_CLOSE = "An export is running. Stop it and close?"
STARTED = {
    ExportKind.VIDEO: "Exporting video…",
    ExportKind.STILL: "Exporting the frame…",
    ExportKind.ANNOTATIONS: "Exporting annotations…",
}
_WRITTEN = {
    ExportKind.VIDEO: "the video",
    ExportKind.STILL: "the frame",
    ExportKind.ANNOTATIONS: "the annotations",
}

#: The error dialog; tests record it instead.
ShowError = Callable[[QWidget, str], None]
#: A yes/no question: True for yes.
AskQuestion = Callable[[QWidget | None, str], bool]
ChooseVideo = Callable[[QWidget | None, ExportContext, AskReplace], VideoExportChoice | None]
#: ``(parent, title, suggested, filters, selected filter)`` -> (path, filter) or None.
AskSavePath = Callable[[QWidget | None, str, Path, str, str], tuple[Path, str] | None]
OpenFolder = Callable[[Path], None]


class PlayerState(Protocol):
    """What the exports need of the player: the open video and the playhead."""

    @property
    def info(self) -> MediaInfo | None: ...

    def position(self) -> float: ...


# -- texts ---------------------------------------------------------------------------------


def format_size(size_bytes: int) -> str:
    """ "512 bytes", "850 KB", "12.3 MB", "1.20 GB" (1 KB = 1024 bytes, as elsewhere)."""
    size = max(size_bytes, 0)
    if size < KIB:
        return f"{size} bytes"
    if size < MIB:
        return f"{size / KIB:.0f} KB"
    if size < GIB:
        return f"{size / MIB:.1f} MB"
    return f"{size / GIB:.2f} GB"


def progress_text(state: ExportProgress) -> str:
    """The status bar's line while a video is written: "Exporting video… 42 % — 1 min 10 s
    left" (no time left until the engine has a rate to go by)."""
    percent = int(state.fraction * 100.0)
    text = f"{STARTED[ExportKind.VIDEO]} {percent} %"
    if state.eta is not None and state.frames_done < state.frames_total:
        text += f" — {format_time_left(state.eta)}"
    return text


def done_text(done: ExportDone) -> str:
    """The status message after an export: what, where, how big, how long it took."""
    details = format_size(done.size_bytes)
    if done.video is not None:
        details += f", {done.video.frames} frames"
    return (
        f"Exported {_WRITTEN[done.kind]} to {done.path} ({details}) "
        f"in {format_duration(done.elapsed)}."
    )


# -- file names ----------------------------------------------------------------------------


def free_path(folder: Path, stem: str, suffix: str) -> Path:
    """``folder/stem+suffix``, or with "-2", "-3"… added until no file has the name."""
    candidate = folder / f"{stem}{suffix}"
    number = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{number}{suffix}"
        number += 1
    return candidate


def still_stem(video_stem: str, t: float) -> str:
    # No colons: a timecode is not a valid file name on Windows.
    return f"{video_stem}-frame-{t:.3f}s"


def _with_suffix(path: Path, suffix: str) -> Path:
    # Non-native file dialogs return the name as typed; the file must be recognisable.
    return path if path.suffix else path.with_name(path.name + suffix)


def _open_folder(folder: Path) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


@dataclass(frozen=True, slots=True)
class _Run:
    id: int
    kind: ExportKind
    path: Path


class ExportCommands(QObject):
    """The export's progress, end and status lines go through ``jobs`` (its
    :class:`JobController`)."""

    marks_changed = Signal(InOutMarks)
    exported = Signal(ExportDone)

    # Requests to the worker; queued, because it lives in another thread.
    _video_requested = Signal(VideoExportRequest)
    _still_requested = Signal(StillExportRequest)
    _annotations_requested = Signal(AnnotationsExportRequest)

    def __init__(
        self,
        window: QWidget,
        document: ProjectDocument,
        preferences: PreferencesStore,
        player: PlayerState,
        worker: ExportWorker | None = None,
        *,
        show_error: ShowError = dialogs.show_error,
        ask: AskQuestion = ask_yes_no,
        ask_replace: AskReplace = ask_replace,
        choose_video: ChooseVideo = choose_video_export,
        ask_save: AskSavePath = ask_save_path,
        open_folder: OpenFolder = _open_folder,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._document = document
        self._preferences = preferences
        self._player = player
        self._show_error = show_error
        self._ask = ask
        self._ask_replace = ask_replace
        self._choose_video = choose_video
        self._ask_save = ask_save
        self._open_folder = open_folder
        self._actions: Actions | None = None
        self._marks = InOutMarks()
        # Remembered for the session: someone who chose another quality keeps it.
        self._crf = DEFAULT_CRF
        self._preset = DEFAULT_PRESET
        self._annotation_filter = annotation_filter(FORMATS[0])
        self._last_folder: Path | None = None
        self.show_folder_button: QPushButton | None = None
        self._folder_timer = QTimer(self)
        self._folder_timer.setSingleShot(True)
        self._folder_timer.setInterval(SHOW_FOLDER_MS)
        self._folder_timer.timeout.connect(self._hide_show_folder)

        self.worker = worker if worker is not None else ExportWorker()
        # "Nothing was written" only once the worker confirmed it (request_cancel).
        self.jobs: JobController[_Run] = JobController(
            self,
            self.worker,
            THREAD_NAME,
            status_ms=STATUS_MS,
            on_failed=self._on_failed,
            forward_progress=False,
            cancelled_message=CANCELLED,
        )
        self._video_requested.connect(self.worker.export_video)
        self._still_requested.connect(self.worker.export_still)
        self._annotations_requested.connect(self.worker.export_annotations)
        self.worker.export_progressed.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        document.changed.connect(self._on_project)

    # -- wiring helper -------------------------------------------------------------------------
    def attach(self, actions: Actions, progress: ProgressWidget, status_bar: QStatusBar) -> None:
        """Connect the menu, a progress display and the status bar (where "Show in Folder"
        appears after an export)."""
        actions.export_video.triggered.connect(self.export_video)
        actions.export_annotations.triggered.connect(self.export_annotations)
        actions.export_still.triggered.connect(self.export_still)
        actions.cancel_export.triggered.connect(self.cancel)
        actions.set_in_point.triggered.connect(self.set_in_point)
        actions.set_out_point.triggered.connect(self.set_out_point)
        actions.clear_in_out.triggered.connect(self.clear_in_out)
        self._actions = actions
        self.jobs.busy_changed.connect(self._enable_actions)
        self._enable_actions()

        self.jobs.attach(progress, status_bar, self.cancel)
        # The engine's own estimate is in the label; the display's second guess would differ.
        self.jobs.label_changed.connect(progress.eta.clear)

        button = QPushButton("Show in Folder", status_bar)
        button.setObjectName("showExportFolder")
        button.setFlat(True)
        button.clicked.connect(self._show_folder)
        button.setVisible(False)
        status_bar.addPermanentWidget(button)
        self.show_folder_button = button

    # -- state ---------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.jobs.busy

    @property
    def marks(self) -> InOutMarks:
        return self._marks

    # -- in and out points ---------------------------------------------------------------------
    @Slot()
    def set_in_point(self) -> None:
        if not self._has_video():
            return
        t = self._player.position()
        marks = self._marks.with_in(t)
        note = " (the out point before it was cleared)" if self._cleared(marks) else ""
        self._set_marks(marks, f"In point at {format_timecode(t)}{note}.")

    @Slot()
    def set_out_point(self) -> None:
        if not self._has_video():
            return
        t = self._player.position()
        marks = self._marks.with_out(t)
        note = " (the in point after it was cleared)" if self._cleared(marks) else ""
        self._set_marks(marks, f"Out point at {format_timecode(t)}{note}.")

    @Slot()
    def clear_in_out(self) -> None:
        if not self._marks.is_empty:
            self._set_marks(InOutMarks(), "In and out points cleared.")

    @Slot()
    def reset_marks(self) -> None:
        """Another video: its times are not this one's (quietly)."""
        if not self._marks.is_empty:
            self._marks = InOutMarks()
            self.marks_changed.emit(self._marks)
            self._enable_actions()

    # -- requests ------------------------------------------------------------------------------
    @Slot()
    def export_video(self) -> None:
        """Ask where and how (the export dialog), then write the annotated video."""
        project = self._document.project
        if project.video is None or self.busy:
            return  # the action is disabled then; a stray shortcut does nothing
        context = ExportContext(
            project,
            self._player.info,
            self._marks,
            free_path(self._folder(project), f"{Path(project.video.path).stem}-annotated", ".mp4"),
            self._crf,
            self._preset,
        )
        choice = self._choose_video(self._window, context, self._ask_replace)
        if choice is None:
            return
        self._crf, self._preset = choice.options.crf, choice.options.preset
        self._remember_folder(choice.path)
        run = self._begin(ExportKind.VIDEO, choice.path)
        # The project as it is now, when the user confirmed: later edits stay out of the file.
        self._video_requested.emit(
            VideoExportRequest(run.id, self._document.project, str(choice.path), choice.options)
        )

    @Slot()
    def export_still(self) -> None:
        """Save the frame at the playhead, drawn as the view draws it, as a PNG."""
        project = self._document.project
        if project.video is None or self.busy:
            return
        t = self._player.position()
        stem = still_stem(Path(project.video.path).stem, t)
        suggested = free_path(self._folder(project), stem, ".png")
        picked = self._ask_save(
            self._window, "Export Still Frame", suggested, STILL_FILTER, STILL_FILTER
        )
        if picked is None:
            return
        returned, _filter = picked
        path = _with_suffix(returned, ".png")
        if path.suffix.lower() != ".png":
            self._show_error(self._window, f"Cannot write '{path}': choose a name ending in .png.")
            return
        overwrite = self._may_replace(path, returned)
        if overwrite is None:
            return
        self._remember_folder(path)
        run = self._begin(ExportKind.STILL, path)
        self._still_requested.emit(
            StillExportRequest(run.id, self._document.project, t, str(path), overwrite)
        )

    @Slot()
    def export_annotations(self) -> None:
        """Write the annotations in the format picked in the save dialog's list of types."""
        project = self._document.project
        if project.video is None or self.busy:
            return
        filters = [annotation_filter(fmt) for fmt in FORMATS]
        fmt = next(f for f in FORMATS if annotation_filter(f) == self._annotation_filter)
        suggested = free_path(self._folder(project), Path(project.video.path).stem, fmt.suffix)
        picked = self._ask_save(
            self._window,
            "Export Annotations",
            suggested,
            ";;".join(filters),
            self._annotation_filter,
        )
        if picked is None:
            return
        returned, chosen_filter = picked
        chosen = annotation_format_for(returned, chosen_filter)
        if chosen is None:
            suffixes = ", ".join(f.suffix for f in FORMATS)
            self._show_error(
                self._window,
                f"Cannot tell which format to write '{returned.name}' in: choose one in the "
                f"list of file types, or a name ending in {suffixes}.",
            )
            return
        self._annotation_filter = annotation_filter(chosen)
        path = _with_suffix(returned, chosen.suffix)
        overwrite = self._may_replace(path, returned)
        if overwrite is None:
            return
        self._remember_folder(path)
        run = self._begin(ExportKind.ANNOTATIONS, path)
        self._annotations_requested.emit(
            AnnotationsExportRequest(
                run.id, self._document.project, chosen.name, str(path), overwrite
            )
        )

    @Slot()
    def cancel(self) -> None:
        """Stop the export. The run ends when the worker confirms it stopped, so the message
        can say what really happened."""
        if self.jobs.request_cancel(CANCELLING):
            self._enable_actions()

    def confirm_close(self) -> bool:
        """Before the window closes: may a running export be stopped? (asks if one runs)"""
        return not self.jobs.busy or self._ask(self._window, STOP_AND_CLOSE)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop the running export (its temporary file is removed) and join the worker's
        thread; False if it did not stop."""
        self._folder_timer.stop()
        return self.jobs.shutdown(timeout_ms)

    # -- results -------------------------------------------------------------------------------
    @Slot(ExportProgressed)
    def _on_progress(self, report: ExportProgressed) -> None:
        if self.jobs.current(report.job_id) is None or self.jobs.cancelling:
            return
        self.jobs.progressed.emit(report.progress.fraction)
        self.jobs.label_changed.emit(progress_text(report.progress))

    @Slot(ExportFinished)
    def _on_finished(self, finished: ExportFinished) -> None:
        if self.jobs.current(finished.job_id) is None:
            return
        self.jobs.end()
        done = finished.done
        self._last_folder = done.path.parent
        self.jobs.report(done_text(done))
        if self.show_folder_button is not None:
            self.show_folder_button.setToolTip(f"Open {self._last_folder}")
            self.show_folder_button.setVisible(True)
            self._folder_timer.start()
        self.exported.emit(done)

    def _on_failed(self, _run: _Run, message: str) -> None:
        self._show_error(self._window, message)

    @Slot(Project)
    def _on_project(self, _project: Project) -> None:
        self._enable_actions()

    # -- internals -----------------------------------------------------------------------------
    def _begin(self, kind: ExportKind, path: Path) -> _Run:
        self._hide_show_folder()
        return self.jobs.start(lambda job_id: _Run(job_id, kind, path), STARTED[kind])

    def _has_video(self) -> bool:
        return self._document.project.video is not None

    def _may_replace(self, path: Path, returned: Path) -> bool | None:
        """``overwrite`` for writing ``path``; None when the user keeps the existing file."""
        if not path.exists():
            return False
        if path == returned:
            return True  # the file dialog asked before returning it
        return True if self._ask_replace(self._window, path) else None

    def _folder(self, project: Project) -> Path:
        """Where exports go by default: the last export's folder, else beside the project
        file, else beside the video."""
        remembered = self._preferences.prefs.export_directory
        candidates = [Path(remembered)] if remembered else []
        if self._document.path is not None:
            candidates.append(Path(self._document.path).parent)
        if project.video is not None:
            candidates.append(Path(project.video.path).parent)
        return next((c for c in candidates if c.is_dir()), Path.home())

    def _remember_folder(self, path: Path) -> None:
        prefs = self._preferences.prefs
        self._preferences.update(replace(prefs, export_directory=str(path.parent)))

    def _set_marks(self, marks: InOutMarks, message: str) -> None:
        self._marks = marks
        self.marks_changed.emit(marks)
        self.jobs.report(message)
        self._enable_actions()

    def _cleared(self, marks: InOutMarks) -> bool:
        before = self._marks
        return (before.in_point is not None and marks.in_point is None) or (
            before.out_point is not None and marks.out_point is None
        )

    @Slot(bool)
    def _enable_actions(self, _busy: bool = False) -> None:
        a = self._actions
        if a is None:
            return
        busy = self.jobs.busy
        has_video = self._has_video()
        for action in (a.export_video, a.export_annotations, a.export_still):
            action.setEnabled(has_video and not busy)
        a.cancel_export.setEnabled(busy and not self.jobs.cancelling)
        a.set_in_point.setEnabled(has_video)
        a.set_out_point.setEnabled(has_video)
        a.clear_in_out.setEnabled(not self._marks.is_empty)

    @Slot()
    def _show_folder(self) -> None:
        if self._last_folder is not None:
            self._open_folder(self._last_folder)

    @Slot()
    def _hide_show_folder(self) -> None:
        self._folder_timer.stop()
        if self.show_folder_button is not None:
            self.show_folder_button.setVisible(False)
