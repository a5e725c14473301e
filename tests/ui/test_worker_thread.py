"""Worker threads: named, cancellable, joined; job ids; throttled progress."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import pytest
from PySide6.QtCore import QObject, QThread, Signal, Slot
from pytestqt.qtbot import QtBot

from narrlocal_gui.errors import MediaError
from narrlocal_gui.progress import Cancelled
from narrlocal_gui.ui.worker_thread import (
    CancelFlag,
    JobCounter,
    ProgressThrottle,
    Worker,
    WorkerThread,
    running_threads,
)


class _Echo(Worker):
    done = Signal(int, str)
    released = Signal(str)

    def __init__(self, gate: threading.Event | None = None) -> None:
        super().__init__()
        self._gate = gate
        self.release_thread = ""

    @Slot(int)
    def work(self, job_id: int) -> None:
        # Stand-in for a long job that checks for cancellation between batches.
        for _ in range(200):
            if self._gate is not None and not self._gate.wait(0.01):
                continue
            if self.should_stop(job_id):
                self.done.emit(job_id, "stopped")
                return
            time.sleep(0.001)
        self.done.emit(job_id, QThread.currentThread().objectName())

    def release(self) -> None:
        self.release_thread = QThread.currentThread().objectName()


class _Client(QObject):
    request = Signal(int)


# Module level on purpose: PySide6 (6.12) connects to a slot of a class defined inside a
# function DIRECTLY, so it would run in the caller's thread instead of the worker's.
class _Stuck(Worker):
    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.blocking = threading.Event()

    @Slot()
    def block(self) -> None:
        self.blocking.set()
        self.gate.wait(10.0)  # ignores the cancel flag on purpose


class _Poke(QObject):
    go = Signal()


class _Receiver(QObject):
    """Collects a worker's results in the GUI thread, as the app's receivers do.

    (qtbot.waitSignal is not used on worker signals: PySide6 calls a plain Python callable
    in the EMITTING thread, so its quit-the-wait-loop callback would race with the loop.)
    """

    def __init__(self) -> None:
        super().__init__()
        self.results: list[tuple[int, str]] = []

    @Slot(int, str)
    def take(self, job_id: int, text: str) -> None:
        self.results.append((job_id, text))


def test_cancel_flag_and_job_counter() -> None:
    flag = CancelFlag()
    assert not flag() and not flag.is_set()
    flag.set()
    assert flag() and flag.is_set()
    flag.clear()
    assert not flag()
    jobs = JobCounter()
    first = jobs.next()
    assert jobs.is_current(first)
    second = jobs.next()
    assert second > first and not jobs.is_current(first) and jobs.latest == second


def test_progress_throttle_lets_first_and_last_through() -> None:
    seen: list[float] = []
    throttle = ProgressThrottle(seen.append, interval_s=10.0)
    for i in range(100):
        throttle(i / 100)
    throttle(1.0)
    assert seen == [0.0, 1.0]


def test_worker_runs_in_its_named_thread_and_is_joined(qtbot: QtBot) -> None:
    worker = _Echo()
    handle = WorkerThread(worker, "narrlocal-test-echo")
    client = _Client()
    client.request.connect(worker.work)
    receiver = _Receiver()
    worker.done.connect(receiver.take)
    try:
        job = worker.jobs.next()
        client.request.emit(job)
        qtbot.waitUntil(lambda: bool(receiver.results), timeout=5000)
        assert receiver.results == [(job, "narrlocal-test-echo")]
        assert handle.thread in running_threads()
    finally:
        assert handle.shutdown(5000)
    assert not handle.thread.isRunning()
    # release() ran in the worker's own thread, where its resources were made.
    assert worker.release_thread == "narrlocal-test-echo"
    assert handle.shutdown(10)  # a second shutdown is harmless


def test_superseded_job_stops_early(qtbot: QtBot) -> None:
    gate = threading.Event()
    worker = _Echo(gate)
    handle = WorkerThread(worker, "narrlocal-test-cancel")
    client = _Client()
    client.request.connect(worker.work)
    receiver = _Receiver()
    worker.done.connect(receiver.take)
    try:
        job = worker.jobs.next()
        client.request.emit(job)
        worker.cancel_current()  # from the GUI thread, while the job runs
        gate.set()
        qtbot.waitUntil(lambda: bool(receiver.results), timeout=5000)
        assert receiver.results == [(job, "stopped")]
    finally:
        handle.shutdown(5000)


def test_shutdown_of_a_stuck_worker_times_out_with_a_warning(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    worker = _Stuck()
    handle = WorkerThread(worker, "narrlocal-test-stuck")
    poke = _Poke()
    poke.go.connect(worker.block)
    poke.go.emit()
    assert worker.blocking.wait(5.0)
    with caplog.at_level(logging.WARNING):
        assert not handle.shutdown(50)
    assert "narrlocal-test-stuck" in caplog.text
    worker.gate.set()
    assert handle.shutdown(5000)


class _Recorder:
    def __init__(self, worker: Worker) -> None:
        self.events: list[tuple[str, object]] = []
        worker.failed.connect(lambda failure: self.events.append(("failed", failure.message)))
        worker.cancelled.connect(lambda job: self.events.append(("cancelled", job)))
        worker.progressed.connect(
            lambda report: self.events.append(("progressed", report.fraction))
        )


def test_run_job_returns_the_result_and_forwards_progress() -> None:
    worker = Worker()
    seen = _Recorder(worker)
    job = worker.jobs.next()

    def work(progress: Callable[[float], None], cancel: Callable[[], bool]) -> int:
        progress(0.5)
        assert not cancel()
        return 42

    assert worker.run_job(job, work, "unexpected") == 42
    assert seen.events == [("progressed", 0.5)]


def test_run_job_reports_each_way_a_job_can_end() -> None:
    worker = Worker()
    seen = _Recorder(worker)

    def raises(exc: Exception) -> Callable[..., int]:
        def work(progress: object, cancel: object) -> int:
            raise exc

        return work

    job = worker.jobs.next()
    assert worker.run_job(job, raises(MediaError("Cannot open 'x': it is empty.")), "oops") is None
    assert worker.run_job(job, raises(Cancelled()), "oops") is None
    assert worker.run_job(job, raises(KeyError("bug")), "Cannot open 'x'") is None
    assert seen.events == [
        ("failed", "Cannot open 'x': it is empty."),
        ("cancelled", job),
        ("failed", "Cannot open 'x' ('bug')."),
    ]


def test_run_job_drops_stale_jobs_and_discards_late_results() -> None:
    worker = Worker()
    seen = _Recorder(worker)
    stale = worker.jobs.next()
    worker.jobs.next()
    ran: list[bool] = []
    assert worker.run_job(stale, lambda p, c: ran.append(True), "oops") is None
    assert not ran and seen.events == [("cancelled", stale)]

    job = worker.jobs.next()
    discarded: list[str] = []

    def superseded_while_running(progress: object, cancel: object) -> str:
        worker.cancel_current()
        return "result"

    assert worker.run_job(job, superseded_while_running, "oops", discard=discarded.append) is None
    assert discarded == ["result"]
