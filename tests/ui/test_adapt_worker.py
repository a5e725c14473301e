"""The adaptation worker: progress arrives, a cancel leaves a run that resumes, videos
without a transcript are transcribed (or skipped and listed), a folder with nothing to
adapt to fails in one sentence. Tiny data (a few 4-second clips), stand-in encoders and a
16-wide model, so each test takes seconds."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, Signal
from pytestqt.qtbot import QtBot

pytest.importorskip("torch")

from narrlocal_gui.core.model import Narration
from narrlocal_gui.localizer.adaptation import (
    AdaptProgress,
    AdaptResult,
    AdaptSlot,
    adapt,
    read_status,
    resumable_run,
)
from narrlocal_gui.localizer.model.checkpoints import load_checkpoint
from narrlocal_gui.localizer.model.config import CommaConfig
from narrlocal_gui.localizer.training.config import TrainConfig
from narrlocal_gui.narration.asr import NoSpeechError
from narrlocal_gui.narration.transcript_json import Transcript
from narrlocal_gui.ui.adapt_worker import THREAD_NAME, AdaptJob, AdaptRequest, AdaptWorker
from narrlocal_gui.ui.worker_thread import WorkerThread
from tests.training_helpers import (
    FakeTextEncoder,
    FakeVideoEncoder,
    make_training_set,
    sentence,
)

MODEL = CommaConfig(width=16, heads=2, ff_mult=1, max_frames=2, max_words=4)
#: 3 videos of 2 phrases, batches of 2: 3 steps an epoch, 6 in all.
CONFIG = TrainConfig(model=MODEL, epochs=2, batch_size=2, lr=1e-3, checkpoint_every=0)


def fake_transcriber(
    video: Path, progress: Callable[[float], None], cancel: Callable[[], bool]
) -> Transcript:
    """Narration for videos called ``talk_*``; the others are silent."""
    if not video.stem.startswith("talk"):
        raise NoSpeechError(f"No speech was found in the audio of {video.name}")
    progress(0.5)
    narration = Narration(
        (sentence("the red square slides.", 0.2, 1.2), sentence("a red block moves.", 2.5, 3.5)),
        language="en",
        source="asr:test",
    )
    return Transcript(narration, media=video.name, duration=4.0)


class Pause:
    """Stops the engine at a training step until released (a deterministic moment to
    cancel or close at)."""

    def __init__(self, at_step: int) -> None:
        self.at_step = at_step
        self.reached = threading.Event()
        self.release = threading.Event()

    def wrap(self, progress: Callable[[AdaptProgress], None]) -> Callable[[AdaptProgress], None]:
        def report(p: AdaptProgress) -> None:
            progress(p)
            if p.stage == "train" and p.done == self.at_step and not self.release.is_set():
                self.reached.set()
                self.release.wait(10.0)

        return report


def fake_engine(pause: Pause | None = None, calls: list[dict[str, Any]] | None = None) -> Any:
    """``adapt`` with the stand-in encoders (and optionally a pause)."""

    def engine(folder: str, slot: AdaptSlot, **kwargs: Any) -> AdaptResult:
        if calls is not None:
            calls.append(kwargs)
        if pause is not None:
            kwargs["progress"] = pause.wrap(kwargs["progress"])
        return adapt(
            folder,
            slot,
            video_encoder=FakeVideoEncoder(),
            text_encoder=FakeTextEncoder(),
            **kwargs,
        )

    return engine


def training_folder(tmp_path: Path, videos: int = 3) -> Path:
    folder = tmp_path / "my videos"
    make_training_set(folder, videos, seconds=4.0)
    return folder


class Emitter(QObject):
    go = Signal(AdaptJob)


class Recorder:
    """What the worker reported; ``send`` queues a request to it, as the GUI does."""

    def __init__(self, worker: AdaptWorker) -> None:
        self.worker = worker
        self._emitter = Emitter()
        self._emitter.go.connect(worker.adapt)
        self.progress: list[AdaptProgress] = []
        self.finished: list[AdaptResult] = []
        self.failed: list[str] = []
        self.cancelled: list[int] = []
        worker.adapt_progressed.connect(lambda report: self.progress.append(report.progress))
        worker.finished.connect(lambda finished: self.finished.append(finished.result))
        worker.failed.connect(lambda failure: self.failed.append(failure.message))
        worker.cancelled.connect(self.cancelled.append)

    @property
    def ended(self) -> bool:
        return bool(self.finished or self.failed or self.cancelled)

    def send(self, request: AdaptRequest) -> int:
        job = self.worker.jobs.next()
        self._emitter.go.emit(AdaptJob(job, request))
        return job


@pytest.fixture
def run_worker() -> Iterator[Callable[..., tuple[AdaptWorker, Recorder]]]:
    threads: list[WorkerThread] = []

    def make(engine: Any = None, transcribers: Any = None) -> tuple[AdaptWorker, Recorder]:
        worker = AdaptWorker(
            engine=engine or fake_engine(),
            transcribers=transcribers or (lambda _request: fake_transcriber),
        )
        recorder = Recorder(worker)
        threads.append(WorkerThread(worker, THREAD_NAME))
        return worker, recorder

    yield make
    for thread in threads:
        assert thread.shutdown(30_000)


def request(folder: Path, slot: AdaptSlot, **kwargs: Any) -> AdaptRequest:
    return AdaptRequest(str(folder), str(slot.root), device="cpu", config=CONFIG, **kwargs)


def test_progress_arrives_and_the_checkpoint_is_written(
    qtbot: QtBot, tmp_path: Path, run_worker: Any
) -> None:
    folder = training_folder(tmp_path)
    slot = AdaptSlot.for_folder(folder, tmp_path / "data")
    _worker, rec = run_worker()
    rec.send(request(folder, slot))
    qtbot.waitUntil(lambda: rec.ended, timeout=60_000)
    assert rec.failed == [] and rec.cancelled == []
    (result,) = rec.finished
    assert result.finished and result.videos == 3 and result.clips == 6
    assert result.step == result.total_steps == 6 and result.skipped == ()
    assert result.checkpoint == slot.checkpoint and slot.checkpoint.is_file()
    assert load_checkpoint(slot.checkpoint).config.width == 16
    stages = [p.stage for p in rec.progress]
    assert stages.index("features") < stages.index("train") < stages.index("done")
    train = [p for p in rec.progress if p.stage == "train"]
    assert train[-1].done == 6 and train[-1].total == 6 and train[-1].epochs == 2
    status = read_status(slot)
    assert status is not None and status.state == "finished" and resumable_run(slot) is None


def test_a_cancel_leaves_a_run_that_resumes(qtbot: QtBot, tmp_path: Path, run_worker: Any) -> None:
    folder = training_folder(tmp_path)
    slot = AdaptSlot.for_folder(folder, tmp_path / "data")
    pause = Pause(at_step=2)
    calls: list[dict[str, Any]] = []
    worker, rec = run_worker(engine=fake_engine(pause, calls))
    first_job = rec.send(request(folder, slot))
    qtbot.waitUntil(pause.reached.is_set, timeout=60_000)
    worker.cancel_current()  # what Cancel does; checked before the next step
    pause.release.set()
    qtbot.waitUntil(lambda: rec.ended, timeout=60_000)
    assert rec.cancelled == [first_job] and rec.finished == [] and not slot.checkpoint.exists()
    status = resumable_run(slot)
    assert status is not None and status.state == "stopped" and status.step == 2

    rec.progress.clear()
    rec.send(request(folder, slot, resume=True))
    qtbot.waitUntil(lambda: bool(rec.finished or rec.failed), timeout=60_000)
    assert rec.failed == []
    (result,) = rec.finished
    assert result.finished and result.step == 6 and slot.checkpoint.is_file()
    first = next(p for p in rec.progress if p.stage == "train")
    assert first.done == 2  # continued where it stopped, not from the start
    assert calls[-1]["resume"] is True and resumable_run(slot) is None


def test_videos_without_a_transcript_are_transcribed_or_listed(
    qtbot: QtBot, tmp_path: Path, run_worker: Any
) -> None:
    folder = training_folder(tmp_path, videos=2)
    videos = folder / "videos"
    # One video with narration but no transcript, one without speech.
    (videos / "clip_00.mp4").rename(videos / "talk_00.mp4")
    (folder / "transcripts" / "clip_00.json").unlink()
    (folder / "transcripts" / "clip_01.json").unlink()
    make_training_set(tmp_path / "more", 1)
    (tmp_path / "more" / "videos" / "clip_00.mp4").rename(videos / "silent.mp4")
    slot = AdaptSlot.for_folder(folder, tmp_path / "data")
    _worker, rec = run_worker()
    rec.send(request(folder, slot))
    qtbot.waitUntil(lambda: rec.ended, timeout=60_000)
    assert rec.failed == []
    (result,) = rec.finished
    assert result.videos == 1  # talk_00; clip_01 lost its transcript too, silent has none
    assert (slot.transcripts / "talk_00.json").is_file()
    names = [name for name, _reason in result.skipped]
    assert names == ["clip_01.mp4", "silent.mp4"]
    assert "No speech was found" in dict(result.skipped)["silent.mp4"]
    assert any(p.stage == "transcribe" and p.detail == "talk_00.mp4" for p in rec.progress)


@pytest.mark.parametrize("kind", ["empty", "silent"])
def test_a_folder_with_nothing_to_adapt_to_fails_in_one_sentence(
    qtbot: QtBot, tmp_path: Path, run_worker: Any, kind: str
) -> None:
    folder = tmp_path / "nothing"
    if kind == "empty":
        folder.mkdir()
        (folder / "notes.txt").write_text("no videos here")
    else:
        make_training_set(folder, 2)
        for transcript in (folder / "transcripts").iterdir():
            transcript.unlink()
    slot = AdaptSlot.for_folder(folder, tmp_path / "data")
    _worker, rec = run_worker()
    rec.send(request(folder, slot))
    qtbot.waitUntil(lambda: rec.ended, timeout=60_000)
    (message,) = rec.failed
    assert message.count(". ") == 0 and message.endswith(".") and "\n" not in message
    if kind == "empty":
        assert message == f"'{folder}' holds no videos (MP4, MOV, M4V, MKV, WEBM, …) to adapt to."
    else:
        assert message.startswith(f"None of the 2 videos in '{folder}' has a transcript")
        assert "No speech was found" in message
    assert not slot.checkpoint.exists()
