"""Long-lived worker objects on their own QThreads: start, cancel, job ids, clean shutdown.

The pattern (one worker per engine, requests in by queued signal, plain data out) needs three
small pieces that every worker shares:

* :class:`CancelFlag`, a thread-safe "stop now" flag. A cancel request cannot be a queued
  signal: it would wait in the worker's event queue behind the very job it should stop.
* :class:`JobCounter`, which hands out job ids. Asking for a new id makes every earlier job
  stale, so a worker can stop a superseded job early and the GUI can drop its late result.
* :class:`WorkerThread`, which moves a :class:`Worker` to a named QThread and joins it on
  shutdown (cancel, quit, wait with a timeout, and a logged warning if it will not stop).

Every QThread started here is recorded in a registry so tests can prove none is left running.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtCore import QObject, Qt, QThread, Signal

from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.progress import Cancelled

log = logging.getLogger(__name__)

T = TypeVar("T")

# Weak: a joined thread must be free to be garbage collected.
_threads: weakref.WeakSet[QThread] = weakref.WeakSet()


class CancelFlag:
    """A flag set from the GUI thread and polled by a worker between batches."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    def is_set(self) -> bool:
        return self._event.is_set()

    def __call__(self) -> bool:
        # Callable so it can be passed straight to APIs taking ``cancel: Callable[[], bool]``.
        return self._event.is_set()


class JobCounter:
    """Job ids, increasing; only the latest one is current. Safe to read from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest = 0

    def next(self) -> int:
        """A new job id; every earlier job becomes stale."""
        with self._lock:
            self._latest += 1
            return self._latest

    @property
    def latest(self) -> int:
        with self._lock:
            return self._latest

    def is_current(self, job_id: int) -> bool:
        with self._lock:
            return job_id == self._latest


@dataclass(frozen=True, slots=True)
class JobFailed:
    """A job ended in an error; ``message`` is one sentence for the user."""

    job_id: int
    message: str


@dataclass(frozen=True, slots=True)
class JobProgressed:
    """How far a job (or its current stage) is."""

    job_id: int
    fraction: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.fraction <= 1.0:
            raise ValueError(f"a fraction done must be in 0..1, not {self.fraction}")


@dataclass(frozen=True, slots=True)
class StageStarted:
    """A job began a stage (loading a model, transcribing...); its progress restarts at 0."""

    job_id: int
    text: str


@dataclass(frozen=True, slots=True)
class FileJob:
    """A request to work on the file at ``path`` (open, read, decode) as job ``job_id``."""

    job_id: int
    path: str


class ProgressThrottle:
    """A ``progress(fraction)`` callback that forwards at most one report per interval.

    Decoders report per frame; emitting each one would flood the GUI thread's event queue.
    The first report and the final 1.0 always go through.
    """

    def __init__(self, emit: Callable[[float], None], interval_s: float = 0.05) -> None:
        self._emit = emit
        self._interval = interval_s
        self._last = -1.0

    def __call__(self, fraction: float) -> None:
        now = time.monotonic()
        if fraction >= 1.0 or self._last < 0.0 or now - self._last >= self._interval:
            self._last = now
            self._emit(min(max(float(fraction), 0.0), 1.0))


class Worker(QObject):
    """Base for the engines' workers: a shutdown flag and the jobs the GUI has requested.

    ``jobs`` is written by the GUI thread (:meth:`JobCounter.next` before emitting a request)
    and read by the worker, so a long job can notice that a newer request superseded it.
    Every job ends in exactly one of the worker's own result signals or one of these:
    """

    failed = Signal(JobFailed)
    cancelled = Signal(int)  # job id
    progressed = Signal(JobProgressed)

    def __init__(self) -> None:
        super().__init__()
        self.shutdown_flag = CancelFlag()
        self.jobs = JobCounter()

    def should_stop(self, job_id: int) -> bool:
        """True when the app is closing or ``job_id`` was superseded or cancelled."""
        return self.shutdown_flag.is_set() or not self.jobs.is_current(job_id)

    def cancel_current(self) -> None:
        """Make the running job stale (it stops at its next check); safe from the GUI thread."""
        self.jobs.next()

    def run_job(
        self,
        job_id: int,
        work: Callable[[Callable[[float], None], Callable[[], bool]], T],
        unexpected: str,
        discard: Callable[[T], None] | None = None,
    ) -> T | None:
        """Run ``work(progress, cancel)`` for ``job_id``; its result, or None once reported.

        A job already stale, cancelled on the way (``Cancelled``) or stale by the time it
        finishes ends in ``cancelled`` (its result handed to ``discard``); a user-caused
        failure in ``failed`` with its own message; anything else is logged and reported as
        "``unexpected`` (the error)." so the app survives a bug or an unforeseen file.
        """
        if self.should_stop(job_id):
            self.cancelled.emit(job_id)
            return None
        progress = ProgressThrottle(lambda f: self.progressed.emit(JobProgressed(job_id, f)))
        try:
            result = work(progress, lambda: self.should_stop(job_id))
        except Cancelled:
            self.cancelled.emit(job_id)
            return None
        except UserFacingError as exc:
            self.failed.emit(JobFailed(job_id, str(exc)))
            return None
        except Exception as exc:
            log.exception("%s", unexpected)
            self.failed.emit(JobFailed(job_id, f"{unexpected} ({exc})."))
            return None
        if self.should_stop(job_id):
            if discard is not None:
                discard(result)
            self.cancelled.emit(job_id)
            return None
        return result

    def release(self) -> None:
        """Free resources; runs in the worker's own thread just before that thread ends.

        Engines whose objects must stay in one thread (PyAV) close them here.
        """


class WorkerThread:
    """A :class:`Worker` running on its own, named QThread until :meth:`shutdown`."""

    def __init__(self, worker: Worker, name: str) -> None:
        self.worker = worker
        self.thread = QThread()
        self.thread.setObjectName(name)
        worker.moveToThread(self.thread)
        # ``finished`` is emitted from the ending thread itself; a direct connection makes
        # release() run there, where the worker's thread-bound objects were created.
        self.thread.finished.connect(worker.release, Qt.ConnectionType.DirectConnection)
        _threads.add(self.thread)
        self.thread.start()

    @property
    def name(self) -> str:
        return self.thread.objectName()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Cancel the running job, stop the event loop and join; False if it did not stop."""
        if not self.thread.isRunning():
            return True
        self.worker.shutdown_flag.set()
        self.thread.quit()
        if self.thread.wait(timeout_ms):
            return True
        log.warning("worker thread %r did not stop within %d ms", self.name, timeout_ms)
        return False


def running_threads() -> list[QThread]:
    """Threads started by :class:`WorkerThread` that are still running (for tests, debugging)."""
    return [t for t in list(_threads) if t.isRunning()]
