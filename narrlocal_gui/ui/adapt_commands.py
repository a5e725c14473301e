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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox, QStatusBar, QWidget

from narrlocal_gui.core.time_format import format_eta
from narrlocal_gui.ui import dialogs
from narrlocal_gui.ui.actions import Actions
from narrlocal_gui.ui.adapt_worker import (
    THREAD_NAME,
    AdaptFinished,
    AdaptJob,
    AdaptProgressed,
    AdaptRequest,
    AdaptWorker,
)
from narrlocal_gui.ui.job_controller import JobController
from narrlocal_gui.ui.progress_widget import ProgressWidget
from narrlocal_gui.ui.settings import LocalizerMethod, PreferencesStore, adaptation_dir

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


@dataclass(slots=True)
class _Run:
    id: int
    #: The engine's stage last shown: a new one restarts the progress display.
    stage: str = ""


class AdaptCommands(QObject):
    """The run's progress, end and status lines go through ``jobs`` (its
    :class:`JobController`)."""

    adapted = Signal(str)  # the adapted checkpoint, once the localizer uses it

    # Requests to the worker; queued, because it lives in another thread.
    _adapt = Signal(AdaptJob)

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
        self._actions: Actions | None = None
        self.worker = worker if worker is not None else AdaptWorker()
        # The worker's own reports (adapt_progressed) say more than its plain fraction.
        self.jobs: JobController[_Run] = JobController(
            self,
            self.worker,
            THREAD_NAME,
            status_ms=STATUS_MS,
            on_failed=self._on_failed,
            forward_progress=False,
        )

        self._adapt.connect(self.worker.adapt)
        self.worker.adapt_progressed.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)

    # -- wiring helper -------------------------------------------------------------------------
    def attach(self, actions: Actions, progress: ProgressWidget, status_bar: QStatusBar) -> None:
        """Connect the menu, a progress display and the status bar."""
        actions.adapt_to_videos.triggered.connect(self.adapt)
        actions.cancel_adaptation.triggered.connect(self.cancel)
        self._actions = actions
        self.jobs.busy_changed.connect(self._enable_actions)
        self._enable_actions()
        self.jobs.attach(progress, status_bar, self.cancel)

    # -- requests ------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.jobs.busy

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
        verb = "Resuming the adaptation" if resume else "Adapting the localizer"
        run = self.jobs.start(_Run, f"{verb} to '{Path(folder).name}'…")
        self._adapt.emit(AdaptJob(run.id, request))

    @Slot()
    def cancel(self) -> None:
        """Stop the run; training saves its state first, so it can be resumed."""
        if self.jobs.cancel() is not None:
            self.jobs.report(STOPPED)

    def shutdown(self, timeout_ms: int = SHUTDOWN_MS) -> bool:
        """Stop the running job (its state saved) and join the worker's thread."""
        return self.jobs.shutdown(timeout_ms)

    # -- results -------------------------------------------------------------------------------
    @Slot(AdaptProgressed)
    def _on_progress(self, report: AdaptProgressed) -> None:
        run = self.jobs.current(report.job_id)
        if run is None:
            return  # stale: cancelled or superseded
        p = report.progress
        text = progress_text(p)
        if p.stage != run.stage:
            run.stage = p.stage
            self.jobs.stage_started.emit(text)
        else:
            self.jobs.label_changed.emit(text)
        self.jobs.progressed.emit(p.fraction if p.total > 0 else -1.0)
        if p.eta is not None and p.done < p.total:
            self.jobs.eta_changed.emit(format_eta(p.eta))

    @Slot(AdaptFinished)
    def _on_finished(self, finished: AdaptFinished) -> None:
        if self.jobs.current(finished.job_id) is None:
            return
        self.jobs.end()
        result = finished.result
        if result.checkpoint is None:  # not finished: only a stop ends so, and that is stale
            self.jobs.report(STOPPED)
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
        self.jobs.report(done_text(result))
        if result.skipped:
            from narrlocal_gui.localizer.adaptation import skipped_text

            count = len(result.skipped)
            head = (
                "1 video was left out of the adaptation:"
                if count == 1
                else f"{count} videos were left out of the adaptation:"
            )
            self._show_error(self._window, head + "\n" + skipped_text(result.skipped))

    def _on_failed(self, _run: _Run, message: str) -> None:
        self._show_error(self._window, message)

    # -- internals -----------------------------------------------------------------------------

    @Slot(bool)
    def _enable_actions(self, _busy: bool = False) -> None:
        a = self._actions
        if a is None:
            return
        a.adapt_to_videos.setEnabled(not self.busy)
        a.cancel_adaptation.setEnabled(self.busy)
