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

from narrlocal_gui.core.model import Narration, Segment
from narrlocal_gui.core.narration_edits import set_phrases, set_transcript
from narrlocal_gui.narration.asr import AsrOptions
from narrlocal_gui.narration.transcripts.imported import TRANSCRIPT_SUFFIXES
from narrlocal_gui.ui import dialogs
from narrlocal_gui.ui.actions import Actions
from narrlocal_gui.ui.document import ProjectDocument
from narrlocal_gui.ui.job_controller import JobController
from narrlocal_gui.ui.narration_worker import (
    ExtractRequest,
    ImportRequest,
    NarrationReady,
    NarrationWorker,
    PhrasesReady,
    SegmentRecognized,
    TranscribeRequest,
)
from narrlocal_gui.ui.progress_widget import ProgressWidget
from narrlocal_gui.ui.settings import Preferences, PreferencesStore
from narrlocal_gui.ui.worker_thread import StageStarted

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
    """The job's progress, end and status lines go through ``jobs`` (its
    :class:`JobController`)."""

    segment_recognized = Signal(Segment)  # of the running job, for the panel
    streaming_cleared = Signal()

    # Requests to the worker; queued, because it lives in another thread.
    _transcribe = Signal(TranscribeRequest)
    _import = Signal(ImportRequest)
    _extract = Signal(ExtractRequest)

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
        self._status_bar: QStatusBar | None = None
        self._actions: Actions | None = None
        self.worker = worker if worker is not None else NarrationWorker()
        self.jobs: JobController[_Job] = JobController(
            self,
            self.worker,
            "narrlocal-narration",
            status_ms=STATUS_MS,
            on_failed=self._on_failed,
            on_end=self.streaming_cleared.emit,
        )

        self._transcribe.connect(self.worker.transcribe)
        self._import.connect(self.worker.import_file)
        self._extract.connect(self.worker.extract)
        self.worker.segment_recognized.connect(self._on_segment)
        self.worker.narration_ready.connect(self._on_narration)
        self.worker.phrases_ready.connect(self._on_phrases)
        self.worker.stage_started.connect(self._on_stage)

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
        self.jobs.busy_changed.connect(self._enable_actions)
        self._enable_actions(self.busy)

        panel.transcribe_requested.connect(self.transcribe)
        panel.import_requested.connect(self.import_transcript)
        panel.extract_requested.connect(self.extract_again)
        self.segment_recognized.connect(panel.append_streaming_segment)
        self.streaming_cleared.connect(panel.clear_streaming)
        self.jobs.busy_changed.connect(panel.set_busy)

        self.jobs.attach(progress, status_bar, self.cancel)
        self._status_bar = status_bar
        # A tooltip holds a result's details only while its message is shown.
        status_bar.messageChanged.connect(self._forget_details)

    # -- requests ------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.jobs.busy

    @Slot()
    def transcribe(self) -> None:
        video = self._video_path()
        if video is None:
            dialogs.show_error(self._window, NO_VIDEO)
            return
        if not self._may_replace():
            return
        job = self._begin(TRANSCRIBE, f"Transcribing '{Path(video).name}'…", video=video)
        self._transcribe.emit(
            TranscribeRequest(job.id, video, asr_options(self._preferences.prefs))
        )

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
        self._import.emit(
            ImportRequest(job.id, str(path), video or "", -1.0 if duration is None else duration)
        )

    @Slot()
    def extract_again(self) -> None:
        narration = self._document.project.narration
        if not narration.segments:
            dialogs.show_error(self._window, NO_NARRATION)
            return
        job = self._begin(EXTRACT, "Splitting the narration into phrases…", narration=narration)
        self._extract.emit(ExtractRequest(job.id, narration))

    @Slot()
    def cancel(self) -> None:
        """Stop the running job; the project stays as it was."""
        if self.jobs.cancel() is not None:
            self.jobs.report("Narration job cancelled; nothing was changed.")

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop the running job and join the worker's thread; False if it did not stop."""
        return self.jobs.shutdown(timeout_ms)

    # -- results -------------------------------------------------------------------------------
    @Slot(SegmentRecognized)
    def _on_segment(self, recognized: SegmentRecognized) -> None:
        if self.jobs.current(recognized.job_id) is not None:
            self.segment_recognized.emit(recognized.segment)

    @Slot(StageStarted)
    def _on_stage(self, stage: StageStarted) -> None:
        if self.jobs.current(stage.job_id) is not None:
            self.jobs.stage_started.emit(stage.text)

    @Slot(NarrationReady)
    def _on_narration(self, ready: NarrationReady) -> None:
        job = self.jobs.current(ready.job_id)
        if job is None:
            return
        self.jobs.end()
        if job.video is not None and self._video_path() != job.video:
            self.jobs.report(f"{job.undo_text}: another video is open now; discarded.")
            return
        narration = ready.transcript.narration
        phrases = tuple(ready.phrases)
        self._document.apply(job.undo_text, set_transcript, narration, phrases)
        self._report(job.undo_text, narration, len(phrases), tuple(ready.notes))

    @Slot(PhrasesReady)
    def _on_phrases(self, ready: PhrasesReady) -> None:
        job = self.jobs.current(ready.job_id)
        if job is None:
            return
        self.jobs.end()
        if self._document.project.narration != job.narration:
            self.jobs.report(
                "The narration changed while its phrases were extracted; run Extract Phrases Again."
            )
            return
        phrases = tuple(ready.phrases)
        self._document.apply(job.undo_text, set_phrases, phrases)
        self.jobs.report(f"{job.undo_text}: {len(phrases)} phrases.")

    def _on_failed(self, _job: _Job, message: str) -> None:
        dialogs.show_error(self._window, message)

    # -- internals -----------------------------------------------------------------------------
    def _begin(
        self,
        undo_text: str,
        text: str,
        video: str | None = None,
        narration: Narration | None = None,
    ) -> _Job:
        # A new job id makes the running job stale: it stops at its next check.
        self.streaming_cleared.emit()
        return self.jobs.start(lambda job_id: _Job(job_id, undo_text, video, narration), text)

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
        self.jobs.report(result_summary(what, narration, phrases, notes))
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
    def _forget_details(self, _message: str) -> None:
        if self._status_bar is not None:
            self._status_bar.setToolTip("")
