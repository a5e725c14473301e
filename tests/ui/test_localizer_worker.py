"""The localizer's worker: results stream per phrase, cancel between phrases keeps what is done,
stale jobs are dropped, the localizer is made again only for new settings, and it is closed in
the worker's own thread when that thread ends."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QObject, QThread, Signal, Slot
from pytestqt.qtbot import QtBot

from narrlocal_gui.core.model import Box, HeatSample, Phrase, TrackPoint
from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.localizer.pipeline import PhraseFailure, PhraseResult
from narrlocal_gui.localizer.settings import LocalizeSettings, pipeline_device
from narrlocal_gui.progress import Cancelled
from narrlocal_gui.ui.localizer_worker import (
    LOADING,
    THREAD_NAME,
    DeviceChosen,
    LocalizationFinished,
    LocalizeRequest,
    LocalizerWorker,
    PhraseLocalized,
    PhraseSkipped,
)
from narrlocal_gui.ui.worker_thread import JobFailed, StageStarted, WorkerThread

SHARED = Path(__file__).resolve().parents[3] / "shared" / "media" / "narrated"


def fake_result(phrase: Phrase, shift: float = 0.0) -> PhraseResult:
    box = Box(10.0 + shift, 20.0, 110.0 + shift, 90.0)
    grid = np.zeros((4, 6), dtype=np.float32)
    grid[1, 2] = 1.0
    return PhraseResult(
        phrase.id,
        (TrackPoint(phrase.start, box), TrackPoint(phrase.end, box)),
        (HeatSample(phrase.start, grid),),
        0.75,
        0.01,
    )


class FakeLocalizer:
    """Localizes a phrase per permit (``release``); waits for one while polling ``cancel``."""

    def __init__(
        self,
        settings: object,
        *,
        gated: bool = False,
        fail_on: str | tuple[str, ...] = (),
        notices: tuple[str, ...] = ("CPU",),
    ) -> None:
        self.settings = settings
        self.gated = gated
        self.fail_on = (fail_on,) if isinstance(fail_on, str) else fail_on
        self.notices = list(notices)
        self.permits = threading.Semaphore(0)
        self.loaded_in: str | None = None
        self.closed_in: str | None = None
        self.seen: list[str] = []
        self.cancels: list[object] = []
        self.shift = 0.0  # moves the boxes, for a result that differs from the last

    @property
    def device_notice(self) -> str:
        return self.notices[0]

    def load(self) -> None:
        self.loaded_in = QThread.currentThread().objectName()

    def release(self, count: int = 1) -> None:
        self.permits.release(count)

    def localize(self, video_path: Path, phrase: Phrase, *, cancel: Any = None) -> PhraseResult:
        self.cancels.append(cancel)
        if self.gated:
            while not self.permits.acquire(timeout=0.005):
                if cancel is not None and cancel():
                    raise Cancelled("stopped inside a phrase")
        self.seen.append(phrase.id)
        if phrase.id in self.fail_on:
            raise UserFacingError(f"Cannot read '{Path(video_path).name}'.")
        if len(self.notices) > 1:
            self.notices.pop(0)  # e.g. the GPU ran out of memory: now on the CPU
        return fake_result(phrase, self.shift)

    def close(self) -> None:
        self.closed_in = QThread.currentThread().objectName()


class Recorder(QObject):
    """Collects the worker's signals in the GUI thread (queued, as the window gets them)."""

    requested = Signal(LocalizeRequest)

    def __init__(self, worker: LocalizerWorker) -> None:
        super().__init__()
        self.events: list[tuple[Any, ...]] = []
        self.results: list[PhraseResult] = []
        self.requested.connect(worker.localize)
        worker.phrase_localized.connect(self.on_phrase)
        worker.phrase_failed.connect(self.on_phrase_failed)
        worker.stage_started.connect(self.on_stage)
        worker.device_chosen.connect(self.on_device)
        worker.finished_all.connect(self.on_finished)
        worker.failed.connect(self.on_failed)
        worker.cancelled.connect(self.on_cancelled)

    @Slot(PhraseLocalized)
    def on_phrase(self, localized: PhraseLocalized) -> None:
        result = localized.result
        assert isinstance(result, PhraseResult)
        self.results.append(result)
        self.events.append(("phrase", localized.job_id, result.phrase_id))

    @Slot(PhraseSkipped)
    def on_phrase_failed(self, skipped: PhraseSkipped) -> None:
        failure = skipped.failure
        assert isinstance(failure, PhraseFailure)
        self.events.append(("skipped", skipped.job_id, failure.phrase_id, failure.reason))

    @Slot(StageStarted)
    def on_stage(self, stage: StageStarted) -> None:
        self.events.append(("stage", stage.job_id, stage.text))

    @Slot(DeviceChosen)
    def on_device(self, chosen: DeviceChosen) -> None:
        self.events.append(("device", chosen.job_id, chosen.notice))

    @Slot(LocalizationFinished)
    def on_finished(self, finished: LocalizationFinished) -> None:
        self.events.append(("finished", finished.job_id, finished.done, finished.total))

    @Slot(JobFailed)
    def on_failed(self, failure: JobFailed) -> None:
        self.events.append(("failed", failure.job_id, failure.message))

    @Slot(int)
    def on_cancelled(self, job: int) -> None:
        self.events.append(("cancelled", job))

    def kinds(self, kind: str) -> list[tuple[Any, ...]]:
        return [e for e in self.events if e[0] == kind]


PHRASES = (
    Phrase("p1", "cut the tape", 1.0, 2.0),
    Phrase("p2", "fold it", 2.5, 3.0),
    Phrase("p3", "add the card", 4.0, 5.0),
)


class Rig:
    def __init__(self, **fake: Any) -> None:
        self.made: list[FakeLocalizer] = []
        self.fake_kwargs = fake
        self.worker = LocalizerWorker(factory=self._make)
        self.thread = WorkerThread(self.worker, THREAD_NAME)
        self.rec = Recorder(self.worker)

    def _make(self, settings: object) -> FakeLocalizer:
        fake = FakeLocalizer(settings, **self.fake_kwargs)
        self.made.append(fake)
        return fake

    def start(
        self, settings: LocalizeSettings | None = None, phrases: tuple[Phrase, ...] = PHRASES
    ) -> int:
        job = self.worker.jobs.next()
        self.rec.requested.emit(
            LocalizeRequest(job, "/videos/clip.mp4", phrases, settings or LocalizeSettings())
        )
        return job


@pytest.fixture
def rig() -> Iterator[Any]:
    rigs: list[Rig] = []

    def make(**fake: Any) -> Rig:
        r = Rig(**fake)
        rigs.append(r)
        return r

    yield make
    for r in rigs:
        assert r.thread.shutdown()


def test_every_phrase_is_reported_as_it_finishes(rig: Any, qtbot: QtBot) -> None:
    r = rig(gated=True)
    job = r.start()
    qtbot.waitUntil(lambda: bool(r.made), timeout=5000)
    fake = r.made[0]
    fake.release()
    qtbot.waitUntil(lambda: len(r.rec.kinds("phrase")) == 1, timeout=5000)
    # The first result is out while the second phrase is still being worked on.
    time.sleep(0.05)
    assert r.rec.kinds("finished") == [] and fake.seen == ["p1"]
    fake.release(2)
    qtbot.waitUntil(lambda: bool(r.rec.kinds("finished")), timeout=5000)
    assert [e[2] for e in r.rec.kinds("phrase")] == ["p1", "p2", "p3"]
    assert r.rec.kinds("finished") == [("finished", job, 3, 3)]
    assert r.rec.kinds("device") == [("device", job, "CPU")]
    stages = [e[2] for e in r.rec.kinds("stage")]
    assert stages[0] == LOADING and "3 phrases" in stages[1]
    # Loaded in the worker's thread, and the cancel check handed to every phrase.
    assert fake.loaded_in == THREAD_NAME
    assert all(callable(c) for c in fake.cancels)


def test_cancel_between_phrases_keeps_the_finished_ones(rig: Any, qtbot: QtBot) -> None:
    r = rig(gated=True)
    job = r.start()
    qtbot.waitUntil(lambda: bool(r.made), timeout=5000)
    r.made[0].release()
    qtbot.waitUntil(lambda: len(r.rec.kinds("phrase")) == 1, timeout=5000)
    r.worker.cancel_current()
    qtbot.waitUntil(lambda: bool(r.rec.kinds("cancelled")), timeout=5000)
    assert r.rec.kinds("cancelled") == [("cancelled", job)]
    assert [e[2] for e in r.rec.kinds("phrase")] == ["p1"]
    assert r.rec.kinds("finished") == []
    assert r.made[0].seen == ["p1"]  # stopped inside phrase 2, phrase 3 never started


def test_a_stale_job_does_nothing_and_a_new_one_reuses_the_localizer(
    rig: Any, qtbot: QtBot
) -> None:
    r = rig()
    first = r.worker.jobs.next()
    second = r.start()  # made ``first`` stale before the worker saw it
    r.rec.requested.emit(LocalizeRequest(first, "/videos/clip.mp4", PHRASES, LocalizeSettings()))
    qtbot.waitUntil(lambda: bool(r.rec.kinds("cancelled")), timeout=5000)
    qtbot.waitUntil(lambda: bool(r.rec.kinds("finished")), timeout=5000)
    assert r.rec.kinds("finished") == [("finished", second, 3, 3)]
    assert {e[1] for e in r.rec.kinds("phrase")} == {second}
    third = r.start()
    qtbot.waitUntil(lambda: len(r.rec.kinds("finished")) == 2, timeout=5000)
    assert len(r.made) == 1  # same settings: the loaded localizer again
    assert LOADING not in [e[2] for e in r.rec.kinds("stage") if e[1] == third]
    r.start(LocalizeSettings(window=2.0))
    qtbot.waitUntil(lambda: len(r.rec.kinds("finished")) == 3, timeout=5000)
    assert len(r.made) == 2 and r.made[0].closed_in == THREAD_NAME
    assert r.made[1].settings == LocalizeSettings(window=2.0)


def test_a_failing_phrase_is_skipped_and_the_rest_goes_on(rig: Any, qtbot: QtBot) -> None:
    r = rig(fail_on="p2")
    job = r.start()
    qtbot.waitUntil(lambda: bool(r.rec.kinds("finished")), timeout=5000)
    assert [e[2] for e in r.rec.kinds("phrase")] == ["p1", "p3"]
    assert r.rec.kinds("skipped") == [("skipped", job, "p2", "Cannot read 'clip.mp4'.")]
    assert r.rec.kinds("finished") == [("finished", job, 2, 3)]
    assert r.rec.kinds("failed") == []


def test_a_job_whose_first_phrases_all_fail_fails(rig: Any, qtbot: QtBot) -> None:
    phrases = (*PHRASES, Phrase("p4", "close the box", 6.0, 7.0))
    r = rig(fail_on=("p1", "p2", "p3", "p4"))
    job = r.start(phrases=phrases)
    qtbot.waitUntil(lambda: bool(r.rec.kinds("failed")), timeout=5000)
    assert r.made[0].seen == ["p1", "p2", "p3"]  # the fourth is not tried
    assert len(r.rec.kinds("skipped")) == 2  # the third ends the job instead
    assert r.rec.kinds("failed") == [("failed", job, "Cannot read 'clip.mp4'.")]
    assert r.rec.kinds("finished") == []


def test_a_move_to_the_cpu_is_reported(rig: Any, qtbot: QtBot) -> None:
    r = rig(notices=("GPU (CUDA): Test GPU", "CPU (the GPU ran out of memory)"))
    job = r.start()
    qtbot.waitUntil(lambda: bool(r.rec.kinds("finished")), timeout=5000)
    assert r.rec.kinds("device") == [
        ("device", job, "GPU (CUDA): Test GPU"),
        ("device", job, "CPU (the GPU ran out of memory)"),
    ]


def test_the_localizer_is_closed_in_its_thread_at_shutdown(rig: Any, qtbot: QtBot) -> None:
    r = rig(gated=True)
    r.start()
    qtbot.waitUntil(lambda: bool(r.made), timeout=5000)
    started = time.monotonic()
    assert r.thread.shutdown()  # a job blocked inside a phrase stops on the shutdown flag
    assert time.monotonic() - started < 2.0
    assert r.made[0].closed_in == THREAD_NAME
    assert not r.thread.thread.isRunning()


def test_the_gui_device_names_become_pipeline_devices() -> None:
    assert pipeline_device("gpu", "linux") == "cuda"
    assert pipeline_device("gpu", "darwin") == "mps"
    assert pipeline_device("auto") == "auto" and pipeline_device("cpu") == "cpu"


@pytest.mark.skipif(not (SHARED / "speech_podium.mp4").exists(), reason="no shared media")
def test_the_real_bridge_localizes_phrases_of_a_real_video(qtbot: QtBot) -> None:
    worker = LocalizerWorker()  # the real PhraseLocalizer
    thread = WorkerThread(worker, THREAD_NAME)
    rec = Recorder(worker)
    try:
        phrases = (
            Phrase("a", "the man at the podium", 1.0, 3.0),
            Phrase("b", "the microphone", 4.0, 6.0),
        )
        options = LocalizeSettings(method="bridge", fps=1.0, window=1.0, device="cpu")
        job = worker.jobs.next()
        rec.requested.emit(
            LocalizeRequest(job, str(SHARED / "speech_podium.mp4"), phrases, options)
        )
        qtbot.waitUntil(lambda: bool(rec.kinds("finished") or rec.kinds("failed")), timeout=60_000)
        assert rec.kinds("failed") == []
        assert rec.kinds("finished") == [("finished", job, 2, 2)]
        assert rec.kinds("device") == [("device", job, "CPU")]
        for phrase, res in zip(phrases, rec.results, strict=True):
            assert res.phrase_id == phrase.id and res.track and res.heatmaps
            for point in res.track:
                box = point.box
                assert 0 <= box.x1 < box.x2 <= 320 and 0 <= box.y1 < box.y2 <= 240
    finally:
        assert thread.shutdown(30_000)
