"""The Narration menu's behaviour: transcribe the audio, import a transcript, extract the
phrases again, cancel.

The work runs on the :class:`NarrationWorker`'s thread, owned here and joined on
:meth:`NarrationCommands.shutdown`. One job at a time: a new request makes the running one
stale. A result replaces the project's narration and phrases as ONE undo step, and only if
it still belongs to what is open (the video it was made from, or the narration it split).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox, QStatusBar, QWidget

from narrlocal_gui.core.model import Narration, Phrase
from narrlocal_gui.core.narration_edits import set_phrases, set_transcript
from narrlocal_gui.narration.asr import AsrOptions
from narrlocal_gui.narration.transcript_json import Transcript
from narrlocal_gui.narration.transcripts.imported import TRANSCRIPT_SUFFIXES
from narrlocal_gui.ui import dialogs
from narrlocal_gui.ui.actions import Actions
from narrlocal_gui.ui.document import ProjectDocument
from narrlocal_gui.ui.narration_worker import NarrationWorker
from narrlocal_gui.ui.progress_widget import ProgressWidget
from narrlocal_gui.ui.settings import Preferences, PreferencesStore
from narrlocal_gui.ui.worker_thread import WorkerThread

if TYPE_CHECKING:
    from narrlocal_gui.ui.transcript_panel import TranscriptPanel

log = logging.getLogger(__name__)

TRANSCRIBE = "Transcribe audio"
IMPORT = "Import transcript"
EXTRACT = "Extract phrases"
NO_VIDEO = (
    "Open a video first (Ctrl+O): Transcribe Audio recognises the speech in the video's sound."
)
NO_NARRATION = (
    "There is no narration to split into phrases: transcribe the audio (Ctrl+T) or import "
    "a transcript (Ctrl+I) first."
)
TRANSCRIPT_FILTER = (
    "Transcripts ({})".format(" ".join(f"*{s}" for s in TRANSCRIPT_SUFFIXES)) + ";;All files (*)"
)
STATUS_MS = 10_000
#: At most this many notes are listed in the status bar's tooltip (all are in the log).
_TOOLTIP_NOTES = 20

#: Asked before a new narration replaces the current one: True to go ahead.
ConfirmReplace = Callable[[QWidget], bool]


def ask_replace_narration(parent: QWidget) -> bool:
    answer = QMessageBox.question(
        parent,
        dialogs.APP_NAME,
        "Replace the current narration and its phrases? Indicators of phrases that stay the "
        "same are kept. You can undo this (Ctrl+Z).",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes,
    )
    return answer == QMessageBox.StandardButton.Yes


def asr_options(prefs: Preferences) -> AsrOptions:
    return AsrOptions(
        model=prefs.asr_model, language=prefs.narration_language, device=prefs.compute_device.value
    )


def result_summary(what: str, narration: Narration, phrases: int, notes: tuple[str, ...]) -> str:
    """One status-bar line for a finished job; with several notes, the first and a count."""
    head = f"{what}: {len(narration.segments)} segments, {phrases} phrases."
    if not notes:
        return head
    first = notes[0].rstrip(".")
    if len(notes) == 1:
        return f"{head} {first}."
    kind = "repairs" if what == IMPORT else "notes"
    return f"{head} {len(notes)} {kind}, the first: {first} (point here for all)."


@dataclass(frozen=True, slots=True)
class _Job:
    id: int
    undo_text: str
    #: The video the job worked on; its result is dropped if another one is open by then.
    video: str | None = None
    #: For phrase extraction: the narration split; dropped if the user has edited it since.
    narration: Narration | None = None


class NarrationCommands(QObject):
    stage_started = Signal(str)  # what the job does now (the progress display restarts)
    progressed = Signal(float)  # fraction of that stage
    ended = Signal()
    busy_changed = Signal(bool)
    segment_recognized = Signal(object)  # Segment of the running job, for the panel
    streaming_cleared = Signal()
    status_reported = Signal(str)

    # Requests to the worker; queued, because it lives in another thread.
    _transcribe = Signal(int, str, object)
    _import = Signal(int, str, str, float)
    _extract = Signal(int, object)

    def __init__(
        self,
        window: QWidget,
        document: ProjectDocument,
        preferences: PreferencesStore,
        confirm_replace: ConfirmReplace = ask_replace_narration,
        worker: NarrationWorker | None = None,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._document = document
        self._preferences = preferences
        self._confirm_replace = confirm_replace
        self._job: _Job | None = None
        self._status_bar: QStatusBar | None = None
        self._actions: Actions | None = None
        self.worker = worker if worker is not None else NarrationWorker()
        self._thread = WorkerThread(self.worker, "narrlocal-narration")

        self._transcribe.connect(self.worker.transcribe)
        self._import.connect(self.worker.import_file)
        self._extract.connect(self.worker.extract)
        self.worker.segment_recognized.connect(self._on_segment)
        self.worker.narration_ready.connect(self._on_narration)
        self.worker.phrases_ready.connect(self._on_phrases)
        self.worker.stage_started.connect(self._on_stage)
        self.worker.progressed.connect(self._on_progress)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)

    # -- wiring helper -------------------------------------------------------------------------
    def attach(
        self,
        actions: Actions,
        panel: TranscriptPanel,
        progress: ProgressWidget,
        status_bar: QStatusBar,
    ) -> None:
        """Connect the menu, the transcript panel, a progress display and the status bar."""
        actions.transcribe.triggered.connect(self.transcribe)
        actions.import_transcript.triggered.connect(self.import_transcript)
        actions.extract_phrases.triggered.connect(self.extract_again)
        actions.cancel_narration.triggered.connect(self.cancel)
        self._actions = actions
        self.busy_changed.connect(self._enable_actions)
        self._enable_actions(self.busy)

        panel.transcribe_requested.connect(self.transcribe)
        panel.import_requested.connect(self.import_transcript)
        panel.extract_requested.connect(self.extract_again)
        self.segment_recognized.connect(panel.append_streaming_segment)
        self.streaming_cleared.connect(panel.clear_streaming)
        self.busy_changed.connect(panel.set_busy)

        self.stage_started.connect(progress.begin)
        self.progressed.connect(progress.update)
        self.ended.connect(progress.end)
        progress.cancel_requested.connect(self.cancel)

        self._status_bar = status_bar
        self.status_reported.connect(self._show_status)
        # A tooltip holds a result's details only while its message is shown.
        status_bar.messageChanged.connect(self._forget_details)

    # -- requests ------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._job is not None

    @Slot()
    def transcribe(self) -> None:
        video = self._video_path()
        if video is None:
            dialogs.show_error(self._window, NO_VIDEO)
            return
        if not self._may_replace():
            return
        job = self._begin(TRANSCRIBE, f"Transcribing '{Path(video).name}'…", video=video)
        self._transcribe.emit(job.id, video, asr_options(self._preferences.prefs))

    @Slot()
    def import_transcript(self) -> None:
        """Ask for a transcript file, then import it."""
        path, _ = QFileDialog.getOpenFileName(
            self._window, "Import Transcript", self._start_directory(), TRANSCRIPT_FILTER
        )
        if path:
            self.import_path(Path(path))

    def import_path(self, path: Path) -> None:
        """Import ``path``; plain text is aligned to the open video's speech."""
        # Whether it is plain text shows only once it is read (an SRT may be named .txt):
        # without a video, the worker says so.
        video = self._video_path()
        if not self._may_replace():
            return
        project_video = self._document.project.video
        duration = project_video.duration if project_video is not None else None
        job = self._begin(IMPORT, f"Importing '{Path(path).name}'…", video=video)
        self._import.emit(job.id, str(path), video or "", -1.0 if duration is None else duration)

    @Slot()
    def extract_again(self) -> None:
        narration = self._document.project.narration
        if not narration.segments:
            dialogs.show_error(self._window, NO_NARRATION)
            return
        job = self._begin(EXTRACT, "Splitting the narration into phrases…", narration=narration)
        self._extract.emit(job.id, narration)

    @Slot()
    def cancel(self) -> None:
        """Stop the running job; the project stays as it was."""
        if self._job is None:
            return
        self.worker.cancel_current()
        self._end()
        self.status_reported.emit("Narration job cancelled; nothing was changed.")

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop the running job and join the worker's thread; False if it did not stop."""
        self._job = None
        return self._thread.shutdown(timeout_ms)

    # -- results -------------------------------------------------------------------------------
    @Slot(int, object)
    def _on_segment(self, job_id: int, segment: object) -> None:
        if self._is_current(job_id):
            self.segment_recognized.emit(segment)

    @Slot(int, str)
    def _on_stage(self, job_id: int, text: str) -> None:
        if self._is_current(job_id):
            self.stage_started.emit(text)

    @Slot(int, float)
    def _on_progress(self, job_id: int, fraction: float) -> None:
        if self._is_current(job_id):
            self.progressed.emit(fraction)

    @Slot(int, object, object, object)
    def _on_narration(
        self,
        job_id: int,
        transcript: Transcript,
        phrases: tuple[Phrase, ...],
        notes: tuple[str, ...],
    ) -> None:
        job = self._job
        if job is None or job.id != job_id:
            return
        self._end()
        if job.video is not None and self._video_path() != job.video:
            self.status_reported.emit(f"{job.undo_text}: another video is open now; discarded.")
            return
        narration = transcript.narration
        self._document.apply(job.undo_text, set_transcript, narration, tuple(phrases))
        self._report(job.undo_text, narration, len(phrases), tuple(notes))

    @Slot(int, object)
    def _on_phrases(self, job_id: int, phrases: tuple[Phrase, ...]) -> None:
        job = self._job
        if job is None or job.id != job_id:
            return
        self._end()
        if self._document.project.narration != job.narration:
            self.status_reported.emit(
                "The narration changed while its phrases were extracted; run Extract Phrases Again."
            )
            return
        self._document.apply(job.undo_text, set_phrases, tuple(phrases))
        self.status_reported.emit(f"{job.undo_text}: {len(phrases)} phrases.")

    @Slot(int, str)
    def _on_failed(self, job_id: int, message: str) -> None:
        if self._is_current(job_id):
            self._end()
            dialogs.show_error(self._window, message)

    @Slot(int)
    def _on_cancelled(self, job_id: int) -> None:
        # Reached only when the worker stopped on its own (shutting down): a cancel from
        # here already ended the job and made this id stale.
        if self._is_current(job_id):
            self._end()

    # -- internals -----------------------------------------------------------------------------
    def _begin(
        self,
        undo_text: str,
        text: str,
        video: str | None = None,
        narration: Narration | None = None,
    ) -> _Job:
        # Asking for a new id makes the running job stale: it stops at its next check.
        job = _Job(self.worker.jobs.next(), undo_text, video, narration)
        was_busy = self._job is not None
        self._job = job
        self.streaming_cleared.emit()
        self.stage_started.emit(text)
        if not was_busy:
            self.busy_changed.emit(True)
        return job

    def _end(self) -> None:
        self._job = None
        self.streaming_cleared.emit()
        self.ended.emit()
        self.busy_changed.emit(False)

    def _is_current(self, job_id: int) -> bool:
        return self._job is not None and self._job.id == job_id

    def _may_replace(self) -> bool:
        if not self._document.project.narration.segments:
            return True
        return self._confirm_replace(self._window)

    def _video_path(self) -> str | None:
        video = self._document.project.video
        return None if video is None else video.path

    def _start_directory(self) -> str:
        video = self._video_path()
        if video is not None and Path(video).parent.is_dir():
            return str(Path(video).parent)
        folder = self._preferences.prefs.last_directory
        return folder if folder and Path(folder).is_dir() else str(Path.home())

    def _report(
        self, what: str, narration: Narration, phrases: int, notes: tuple[str, ...]
    ) -> None:
        for note in notes:
            log.info("%s: %s", what, note)
        self.status_reported.emit(result_summary(what, narration, phrases, notes))
        if len(notes) > 1 and self._status_bar is not None:
            shown = "\n".join(notes[:_TOOLTIP_NOTES])
            if len(notes) > _TOOLTIP_NOTES:
                shown += f"\n… and {len(notes) - _TOOLTIP_NOTES} more in the log"
            self._status_bar.setToolTip(shown)

    @Slot(bool)
    def _enable_actions(self, busy: bool) -> None:
        # One job at a time, as in the transcript panel: while one runs, only Cancel.
        a = self._actions
        if a is not None:
            for action in (a.transcribe, a.import_transcript, a.extract_phrases):
                action.setEnabled(not busy)
            a.cancel_narration.setEnabled(busy)

    @Slot(str)
    def _show_status(self, message: str) -> None:
        if self._status_bar is not None:
            self._status_bar.showMessage(message, STATUS_MS)

    @Slot(str)
    def _forget_details(self, _message: str) -> None:
        if self._status_bar is not None:
            self._status_bar.setToolTip("")
