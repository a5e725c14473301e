"""Localize > Adapt to My Videos…: train CoMMA on a folder of the user's narrated videos.

The work runs on the :class:`AdaptWorker`'s thread, owned here and joined on
:meth:`AdaptCommands.shutdown` (closing the window stops a run after its current step, with
its state saved, so it can be resumed next time). One run at a time; Localize and the
other work go on meanwhile.

Asking for a folder, this looks for an unfinished run of that folder (its ``status.json``,
read without torch) and offers to resume it or start again. While the run goes on, the
status bar shows the stage (transcribing, reading the videos, training with its epoch,
step and loss), the time left as the engine estimates it, and Cancel. When training
finishes, the adapted checkpoint (written atomically in the application's data folder,
see :func:`~narrlocal_gui.ui.settings.adaptation_dir`) becomes the localizer: the
preferences switch to the CoMMA method with it (Preferences > Localizer method switches
back). Videos that were left out (no transcript, and no narration that speech recognition
could find) are listed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox, QStatusBar, QWidget

from narrlocal_gui.ui import dialogs
from narrlocal_gui.ui.actions import Actions
from narrlocal_gui.ui.adapt_worker import THREAD_NAME, AdaptRequest, AdaptWorker
from narrlocal_gui.ui.progress_widget import ProgressWidget, format_eta
from narrlocal_gui.ui.settings import LocalizerMethod, PreferencesStore, adaptation_dir
from narrlocal_gui.ui.worker_thread import WorkerThread

if TYPE_CHECKING:
    from narrlocal_gui.localizer.adaptation import AdaptProgress, AdaptResult, RunStatus
    from narrlocal_gui.localizer.training.config import TrainConfig

log = logging.getLogger(__name__)

STATUS_MS = 15_000
#: A training step may take seconds on a CPU; closing waits for it (its state is saved).
SHUTDOWN_MS = 60_000
RESUME, RESTART = "resume", "restart"
STOPPED = (
    "Adaptation stopped; its progress is kept: choose Localize > Adapt to My Videos… and "
    "the same folder to resume it."
)

#: The error dialog; tests record it instead.
ShowError = Callable[[QWidget, str], None]
#: ``(parent, start folder) -> chosen folder``, or None.
AskFolder = Callable[[QWidget, str], Path | None]
#: ``(parent, question) -> RESUME, RESTART`` or None (do nothing).
AskResume = Callable[[QWidget, str], str | None]


def ask_folder(parent: QWidget, directory: str) -> Path | None:
    chosen = QFileDialog.getExistingDirectory(
        parent, "Adapt the Localizer to the Videos in a Folder", directory
    )
    return Path(chosen) if chosen else None


def ask_resume(parent: QWidget, text: str) -> str | None:
    box = QMessageBox(QMessageBox.Icon.Question, "Adapt to My Videos", text, parent=parent)
    resume = box.addButton("Resume", QMessageBox.ButtonRole.AcceptRole)
    restart = box.addButton("Start Again", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(resume)
    box.exec()
    clicked = box.clickedButton()
    return RESUME if clicked is resume else RESTART if clicked is restart else None


def resume_question(folder: Path, status: RunStatus) -> str:
    where = (
        f" at step {status.step} of {status.total_steps}"
        if status.state == "stopped" and status.total_steps
        else ""
    )
    return (
        f"Adapting to the videos in '{folder.name}' stopped{where} before it finished. "
        "Resume it, or start again from the beginning?"
    )


def progress_text(p: AdaptProgress) -> str:
    """The status bar's label for a report of the run."""
    if p.stage == "transcribe":
        return f"Adapting: transcribing {p.detail}…" if p.detail else "Adapting: transcribing…"
    if p.stage == "features":
        return "Adapting: reading the videos…"
    if p.stage == "validate":
        return f"Adapting: checking epoch {p.epoch + 1} of {p.epochs}…"
    if p.stage == "done":
        return "Adapting: saving the model…"
    loss = f", loss {p.loss:.3f}" if p.loss is not None else ""
    return f"Adapting: epoch {p.epoch + 1} of {p.epochs}, step {p.done} of {p.total}{loss}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def done_text(result: AdaptResult) -> str:
    return (
        f"Adapted the localizer to {_plural(result.videos, 'video')} "
        f"({_plural(result.clips, 'phrase')}, {_plural(result.epochs, 'epoch')}); Localize now "
        "uses the adapted model (Preferences > Localizer method switches back)."
    )


class AdaptCommands(QObject):
    stage_started = Signal(str)  # what the run does now (the progress display restarts)
    progressed = Signal(float)  # fraction of the stage done
    label_changed = Signal(str)  # the progress display's text, without restarting it
    eta_changed = Signal(str)  # the engine's estimate of the stage's time left
    ended = Signal()
    busy_changed = Signal(bool)
    status_reported = Signal(str)
    adapted = Signal(str)  # the adapted checkpoint, once the localizer uses it

    # Requests to the worker; queued, because it lives in another thread.
    _adapt = Signal(int, object)

    def __init__(
        self,
        window: QWidget,
        preferences: PreferencesStore,
        worker: AdaptWorker | None = None,
        *,
        data_dir: Path | None = None,
        config: TrainConfig | None = None,
        choose_folder: AskFolder = ask_folder,
        choose_resume: AskResume = ask_resume,
        show_error: ShowError = dialogs.show_error,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._preferences = preferences
        self._data_dir = data_dir
        self._config = config
        self._choose_folder = choose_folder
        self._choose_resume = choose_resume
        self._show_error = show_error
        self._job: int | None = None
        self._stage = ""
        self._actions: Actions | None = None
        self._status_bar: QStatusBar | None = None
        self.worker = worker if worker is not None else AdaptWorker()
        self._thread = WorkerThread(self.worker, THREAD_NAME)

        self._adapt.connect(self.worker.adapt)
        self.worker.adapt_progressed.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)

    # -- wiring helper -------------------------------------------------------------------------
    def attach(self, actions: Actions, progress: ProgressWidget, status_bar: QStatusBar) -> None:
        """Connect the menu, a progress display and the status bar."""
        actions.adapt_to_videos.triggered.connect(self.adapt)
        actions.cancel_adaptation.triggered.connect(self.cancel)
        self._actions = actions
        self.busy_changed.connect(self._enable_actions)
        self._enable_actions()

        self.stage_started.connect(progress.begin)
        self.progressed.connect(progress.update)
        self.eta_changed.connect(progress.eta.setText)
        self.label_changed.connect(progress.label.setText)
        self.ended.connect(progress.end)
        progress.cancel_requested.connect(self.cancel)

        self._status_bar = status_bar
        self.status_reported.connect(self._show_status)

    # -- requests ------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._job is not None

    @property
    def data_dir(self) -> Path:
        return self._data_dir if self._data_dir is not None else adaptation_dir()

    @Slot()
    def adapt(self) -> None:
        """Ask for a folder (and whether to resume its unfinished run), then start."""
        if self.busy:
            return
        from narrlocal_gui.localizer.adaptation import AdaptSlot, resumable_run

        folder = self._choose_folder(self._window, self._preferences.prefs.last_directory)
        if folder is None:
            return
        status = resumable_run(AdaptSlot.for_folder(folder, self.data_dir))
        resume = False
        if status is not None:
            answer = self._choose_resume(self._window, resume_question(folder, status))
            if answer is None:
                return
            resume = answer == RESUME
        self.start(folder, resume=resume)

    def start(self, folder: Path, *, resume: bool = False) -> None:
        """Adapt to the videos in ``folder`` (continuing its stopped run with ``resume``)."""
        if self.busy:
            return
        from narrlocal_gui.localizer.adaptation import AdaptSlot

        prefs = self._preferences.prefs
        request = AdaptRequest(
            folder=str(folder),
            slot=str(AdaptSlot.for_folder(folder, self.data_dir).root),
            resume=resume,
            device=prefs.localizer_device.value,
            asr_model=prefs.asr_model,
            asr_language=prefs.narration_language,
            asr_device=prefs.compute_device.value,
            config=self._config,
        )
        self._job = self.worker.jobs.next()
        self._stage = ""
        verb = "Resuming the adaptation" if resume else "Adapting the localizer"
        self.stage_started.emit(f"{verb} to '{Path(folder).name}'…")
        self.busy_changed.emit(True)
        self._adapt.emit(self._job, request)

    @Slot()
    def cancel(self) -> None:
        """Stop the run; training saves its state first, so it can be resumed."""
        if self._job is None:
            return
        self.worker.cancel_current()
        self._end()
        self.status_reported.emit(STOPPED)

    def shutdown(self, timeout_ms: int = SHUTDOWN_MS) -> bool:
        """Stop the running job (its state saved) and join the worker's thread."""
        self._job = None
        return self._thread.shutdown(timeout_ms)

    # -- results -------------------------------------------------------------------------------
    @Slot(int, object)
    def _on_progress(self, job_id: int, p: AdaptProgress) -> None:
        if job_id != self._job:
            return  # stale: cancelled or superseded
        text = progress_text(p)
        if p.stage != self._stage:
            self._stage = p.stage
            self.stage_started.emit(text)
        else:
            self.label_changed.emit(text)
        self.progressed.emit(p.fraction if p.total > 0 else -1.0)
        if p.eta is not None and p.done < p.total:
            self.eta_changed.emit(format_eta(p.eta))

    @Slot(int, object)
    def _on_finished(self, job_id: int, result: AdaptResult) -> None:
        if job_id != self._job:
            return
        self._end()
        if result.checkpoint is None:  # not finished: only a stop ends so, and that is stale
            self.status_reported.emit(STOPPED)
            return
        prefs = self._preferences.prefs
        self._preferences.update(
            replace(
                prefs,
                localizer_method=LocalizerMethod.COMMA,
                comma_checkpoint=str(result.checkpoint),
            )
        )
        self.adapted.emit(str(result.checkpoint))
        self.status_reported.emit(done_text(result))
        if result.skipped:
            from narrlocal_gui.localizer.adaptation import skipped_text

            count = len(result.skipped)
            head = (
                "1 video was left out of the adaptation:"
                if count == 1
                else f"{count} videos were left out of the adaptation:"
            )
            self._show_error(self._window, head + "\n" + skipped_text(result.skipped))

    @Slot(int, str)
    def _on_failed(self, job_id: int, message: str) -> None:
        if job_id != self._job:
            return
        self._end()
        self._show_error(self._window, message)

    @Slot(int)
    def _on_cancelled(self, job_id: int) -> None:
        # Reached only when the worker stopped on its own (shutting down): a cancel from
        # here already ended the run and made this id stale.
        if job_id == self._job:
            self._end()

    # -- internals -----------------------------------------------------------------------------
    def _end(self) -> None:
        self._job = None
        self._stage = ""
        self.ended.emit()
        self.busy_changed.emit(False)

    @Slot(bool)
    def _enable_actions(self, _busy: bool = False) -> None:
        a = self._actions
        if a is None:
            return
        a.adapt_to_videos.setEnabled(not self.busy)
        a.cancel_adaptation.setEnabled(self.busy)

    @Slot(str)
    def _show_status(self, message: str) -> None:
        if self._status_bar is not None:
            self._status_bar.showMessage(message, STATUS_MS)
