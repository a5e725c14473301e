"""The GUI side of a long job, written once for every command that runs one.

A command (Localize, Narration, Adapt, Export) owns one :class:`JobController`, which owns
the command's :class:`~narrlocal_gui.ui.worker_thread.Worker` on its named thread and the
one job that may run at a time:

* :meth:`JobController.start` asks the worker's counter for a new job id (any earlier job
  becomes stale: the worker stops it at its next check, and its late results are dropped
  here because :meth:`JobController.current` no longer knows its id);
* the worker's generic ``failed``, ``cancelled`` and (optionally) ``progressed`` signals
  are handled here: a failure ends the job and goes to the command's ``on_failed``;
* :meth:`JobController.attach` binds a :class:`ProgressWidget` (text, fraction, the
  estimate of the time left, Cancel) and the status bar, where :meth:`report` writes;
* :meth:`JobController.cancel` ends the job at once, :meth:`request_cancel` waits for the
  worker to say it stopped (an export says "nothing was written" only once it is true);
* :meth:`JobController.shutdown` joins the worker's thread when the window closes.

What a job's results mean stays in its command: it connects the worker's own result
signals and looks up the job they belong to with :meth:`current`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QStatusBar

from narrlocal_gui.ui.progress_widget import ProgressWidget
from narrlocal_gui.ui.worker_thread import JobFailed, JobProgressed, Worker, WorkerThread

#: What a command remembers about its running job (which phrases it sent, which file...).
R = TypeVar("R")


class JobController(QObject, Generic[R]):
    """One long job at a time on ``worker``'s thread: its id, progress display and end."""

    stage_started = Signal(str)  # what the job does now (the progress display restarts)
    progressed = Signal(float)  # fraction of the stage done, or -1 for busy
    label_changed = Signal(str)  # the progress display's text, without restarting it
    eta_changed = Signal(str)  # an engine's own estimate of the time left
    ended = Signal()
    busy_changed = Signal(bool)
    status_reported = Signal(str)

    def __init__(
        self,
        parent: QObject,
        worker: Worker,
        thread_name: str,
        *,
        status_ms: int,
        on_failed: Callable[[R, str], None],
        on_end: Callable[[], None] | None = None,
        forward_progress: bool = True,
        cancelled_message: str | None = None,
    ) -> None:
        """``on_failed(job, message)`` tells the user about a failure once the job ended;
        ``on_end`` runs as any job ends, before ``ended``; ``forward_progress`` shows the
        worker's generic ``progressed`` (off for commands whose worker reports richer
        progress of its own); ``cancelled_message`` is reported when the worker confirms
        that it stopped a job that was still current."""
        super().__init__(parent)
        self.worker = worker
        self._on_failed_cb = on_failed
        self._on_end = on_end
        self._cancelled_message = cancelled_message
        self._status_ms = status_ms
        self._status_bar: QStatusBar | None = None
        self._job_id: int | None = None
        self._run: R | None = None
        self._cancelling = False
        self._thread = WorkerThread(worker, thread_name)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        if forward_progress:
            worker.progressed.connect(self._on_progress)

    # -- wiring --------------------------------------------------------------------------------
    def attach(
        self, progress: ProgressWidget, status_bar: QStatusBar, cancel: Callable[[], None]
    ) -> None:
        """Show the job in ``progress`` (its Cancel calls ``cancel``) and report in
        ``status_bar``."""
        self.stage_started.connect(progress.begin)
        self.progressed.connect(progress.update)
        self.label_changed.connect(progress.label.setText)
        self.eta_changed.connect(progress.eta.setText)
        self.ended.connect(progress.end)
        progress.cancel_requested.connect(cancel)
        self._status_bar = status_bar
        self.status_reported.connect(self._show_status)

    # -- state ---------------------------------------------------------------------------------
    @property
    def worker_thread(self) -> WorkerThread:
        return self._thread

    @property
    def run(self) -> R | None:
        """The running job, or None."""
        return self._run

    @property
    def busy(self) -> bool:
        return self._run is not None

    @property
    def cancelling(self) -> bool:
        """True between :meth:`request_cancel` and the worker's answer."""
        return self._cancelling

    def current(self, job_id: int) -> R | None:
        """The running job if ``job_id`` is its id; None for a stale one (drop its result)."""
        return self._run if self._run is not None and self._job_id == job_id else None

    # -- the job's life ------------------------------------------------------------------------
    def start(self, make: Callable[[int], R], text: str) -> R:
        """A new job ``make(job id)``, shown as ``text``; the running one becomes stale."""
        job_id = self.worker.jobs.next()
        run = make(job_id)
        was_busy = self._run is not None
        self._job_id, self._run, self._cancelling = job_id, run, False
        self.stage_started.emit(text)
        if not was_busy:
            self.busy_changed.emit(True)
        return run

    def end(self) -> None:
        """The job is over (its result applied, or it failed or stopped)."""
        self._job_id, self._run, self._cancelling = None, None, False
        if self._on_end is not None:
            self._on_end()
        self.ended.emit()
        self.busy_changed.emit(False)

    def cancel(self) -> R | None:
        """Stop the running job and end it now; the job cancelled, or None if none ran."""
        run = self._run
        if run is None:
            return None
        self.worker.cancel_current()
        self.end()
        return run

    def request_cancel(self, label: str) -> bool:
        """Ask the worker to stop and wait for it (the display shows ``label``, busy);
        False when no job runs or one is already being cancelled."""
        if self._run is None or self._cancelling:
            return False
        self._cancelling = True
        self.worker.cancel_current()
        self.progressed.emit(-1.0)
        self.label_changed.emit(label)
        return True

    def report(self, message: str) -> None:
        """A line for the status bar."""
        self.status_reported.emit(message)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop the running job and join the worker's thread; False if it did not stop."""
        self._job_id, self._run, self._cancelling = None, None, False
        return self._thread.shutdown(timeout_ms)

    # -- the worker's generic signals ----------------------------------------------------------
    @Slot(JobProgressed)
    def _on_progress(self, report: JobProgressed) -> None:
        if self.current(report.job_id) is not None:
            self.progressed.emit(report.fraction)

    @Slot(JobFailed)
    def _on_failed(self, failure: JobFailed) -> None:
        run = self.current(failure.job_id)
        if run is None:
            return
        self.end()
        self._on_failed_cb(run, failure.message)

    @Slot(int)
    def _on_cancelled(self, job_id: int) -> None:
        # A cancel from here already ended the job and made this id stale; what reaches
        # this is a worker that stopped on its own (shutting down) or, after
        # request_cancel, the worker's confirmation.
        if self.current(job_id) is None:
            return
        self.end()
        if self._cancelled_message is not None:
            self.status_reported.emit(self._cancelled_message)

    @Slot(str)
    def _show_status(self, message: str) -> None:
        if self._status_bar is not None:
            self._status_bar.showMessage(message, self._status_ms)
