"""The GUI side of a long job: start, progress, stale results, cancel, failure, shutdown."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QStatusBar
from pytestqt.qtbot import QtBot

from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.progress import Cancelled
from narrlocal_gui.ui.job_controller import JobController
from narrlocal_gui.ui.progress_widget import ProgressWidget
from narrlocal_gui.ui.worker_thread import Worker, running_threads


@dataclass(frozen=True, slots=True)
class Done:
    job_id: int
    value: str


@dataclass(frozen=True, slots=True)
class Order:
    job_id: int
    fail: bool = False


# Module level on purpose: PySide6 connects to a slot of a class defined inside a function
# DIRECTLY, so it would run in the caller's thread instead of the worker's.
class GatedWorker(Worker):
    """Reports half way, then waits for ``gate`` (checking for a cancel) and finishes."""

    done = Signal(Done)

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.halfway = threading.Event()

    @Slot(Order)
    def work(self, order: Order) -> None:
        def job(progress: Callable[[float], None], cancel: Callable[[], bool]) -> str:
            progress(0.5)
            self.halfway.set()
            while not self.gate.wait(0.005):
                if cancel():
                    raise Cancelled("stopped")
            if order.fail:
                raise UserFacingError("The file is damaged.")
            return "result"

        value = self.run_job(order.job_id, job, "unexpected")
        if value is not None:
            self.done.emit(Done(order.job_id, value))


@dataclass(slots=True)
class Run:
    id: int
    name: str


class Command(QObject):
    """A minimal command: what the four real ones do with their controller."""

    requested = Signal(Order)

    def __init__(self, cancelled_message: str | None = None) -> None:
        super().__init__()
        self.worker = GatedWorker()
        self.failures: list[tuple[str, str]] = []
        self.results: list[tuple[str, str]] = []
        self.ends = 0
        self.jobs: JobController[Run] = JobController(
            self,
            self.worker,
            "narrlocal-test-job",
            status_ms=5000,
            on_failed=lambda run, message: self.failures.append((run.name, message)),
            on_end=self._count_end,
            cancelled_message=cancelled_message,
        )
        self.requested.connect(self.worker.work)
        self.worker.done.connect(self._on_done)

    def start(self, name: str, fail: bool = False) -> Run:
        run = self.jobs.start(lambda job_id: Run(job_id, name), f"Working on {name}…")
        self.requested.emit(Order(run.id, fail))
        return run

    def _count_end(self) -> None:
        self.ends += 1

    @Slot(Done)
    def _on_done(self, done: Done) -> None:
        run = self.jobs.current(done.job_id)
        if run is None:
            return
        self.jobs.end()
        self.results.append((run.name, done.value))


@dataclass
class Setup:
    command: Command
    progress: ProgressWidget
    status: QStatusBar
    busy: list[bool]
    texts: list[str]
    ended: list[None]


@pytest.fixture
def make_setup(qtbot: QtBot) -> Iterator[Callable[..., Setup]]:
    made: list[Command] = []

    def make(cancelled_message: str | None = None) -> Setup:
        command = Command(cancelled_message)
        made.append(command)
        progress = ProgressWidget()
        status = QStatusBar()
        qtbot.addWidget(progress)
        qtbot.addWidget(status)
        setup = Setup(command, progress, status, [], [], [])
        command.jobs.attach(progress, status, command.jobs.cancel)
        command.jobs.busy_changed.connect(setup.busy.append)
        command.jobs.stage_started.connect(setup.texts.append)
        command.jobs.ended.connect(lambda: setup.ended.append(None))
        return setup

    yield make
    for command in made:
        command.worker.gate.set()
        assert command.jobs.shutdown(5000)


def test_a_job_starts_shows_its_progress_and_ends_with_its_result(
    make_setup: Callable[..., Setup], qtbot: QtBot
) -> None:
    s = make_setup()
    run = s.command.start("a")
    assert s.busy == [True] and s.texts == ["Working on a…"]
    assert s.command.jobs.busy and s.command.jobs.run is run
    assert s.command.jobs.current(run.id) is run
    assert s.progress.active and s.progress.label.text() == "Working on a…"
    qtbot.waitUntil(lambda: s.progress.bar.value() == 500, timeout=5000)
    s.command.worker.gate.set()
    qtbot.waitUntil(lambda: bool(s.command.results), timeout=5000)
    assert s.command.results == [("a", "result")]
    assert s.busy == [True, False] and s.command.ends == 1 and len(s.ended) == 1
    assert not s.progress.active and not s.command.jobs.busy


def test_a_new_job_makes_the_running_one_stale_and_drops_its_result(
    make_setup: Callable[..., Setup], qtbot: QtBot
) -> None:
    s = make_setup()
    first = s.command.start("first")
    second = s.command.start("second")
    assert s.busy == [True]  # still busy: no second "busy" for the second job
    assert s.command.jobs.current(first.id) is None
    assert s.command.worker.should_stop(first.id)
    s.command.worker.gate.set()
    qtbot.waitUntil(lambda: bool(s.command.results), timeout=5000)
    qtbot.wait(50)
    assert s.command.results == [("second", "result")]
    assert s.command.jobs.current(second.id) is None  # ended


def test_cancel_ends_the_job_at_once_and_the_worker_stops_between_batches(
    make_setup: Callable[..., Setup], qtbot: QtBot
) -> None:
    s = make_setup(cancelled_message="never: the job was already ended here")
    run = s.command.start("a")
    assert s.command.worker.halfway.wait(5.0)
    assert s.command.jobs.cancel() is run
    assert s.busy == [True, False] and not s.progress.active
    assert s.command.worker.should_stop(run.id)
    assert s.command.jobs.cancel() is None  # nothing runs any more
    qtbot.wait(100)
    # The worker's "cancelled" for the stale id changes nothing and says nothing.
    assert s.busy == [True, False] and s.status.currentMessage() == ""
    assert s.command.results == [] and s.command.failures == []


def test_a_cancel_that_waits_for_the_worker_reports_once_it_stopped(
    make_setup: Callable[..., Setup], qtbot: QtBot
) -> None:
    s = make_setup(cancelled_message="Stopped; nothing was written.")
    s.command.start("a")
    assert s.command.worker.halfway.wait(5.0)
    assert s.command.jobs.request_cancel("Stopping…")
    assert s.command.jobs.cancelling and s.command.jobs.busy
    assert s.progress.label.text() == "Stopping…" and s.progress.bar.maximum() == 0
    assert not s.command.jobs.request_cancel("Stopping…")  # once is enough
    qtbot.waitUntil(lambda: not s.command.jobs.busy, timeout=5000)
    assert s.status.currentMessage() == "Stopped; nothing was written."
    assert s.busy == [True, False] and not s.command.jobs.cancelling


def test_a_failure_ends_the_job_and_goes_to_the_command(
    make_setup: Callable[..., Setup], qtbot: QtBot
) -> None:
    s = make_setup()
    s.command.start("a", fail=True)
    s.command.worker.gate.set()
    qtbot.waitUntil(lambda: bool(s.command.failures), timeout=5000)
    assert s.command.failures == [("a", "The file is damaged.")]
    assert s.busy == [True, False] and not s.progress.active and s.command.ends == 1


def test_report_writes_in_the_status_bar(make_setup: Callable[..., Setup]) -> None:
    s = make_setup()
    s.command.jobs.report("Done.")
    assert s.status.currentMessage() == "Done."


def test_shutdown_stops_the_running_job_and_joins_the_thread(
    make_setup: Callable[..., Setup],
) -> None:
    s = make_setup()
    run = s.command.start("a")
    assert s.command.worker.halfway.wait(5.0)
    thread = s.command.jobs.worker_thread.thread
    assert thread in running_threads()
    assert s.command.jobs.shutdown(5000)
    assert not thread.isRunning() and thread not in running_threads()
    assert not s.command.jobs.busy and s.command.jobs.current(run.id) is None
