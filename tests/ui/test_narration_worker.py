"""The narration worker on its own thread: real Whisper (tiny.en) on real clips, imports,
alignment, phrase extraction, cancel, failures and stale jobs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, Signal, Slot
from pytestqt.qtbot import QtBot

from narrlocal_gui.core.model import Narration, Segment, Word
from narrlocal_gui.narration.asr import AsrOptions, WhisperEngine
from narrlocal_gui.narration.transcript_json import Transcript
from narrlocal_gui.progress import Cancelled
from narrlocal_gui.ui.narration_worker import (
    NEEDS_VIDEO,
    ExtractRequest,
    ImportRequest,
    NarrationReady,
    NarrationWorker,
    PhrasesReady,
    SegmentRecognized,
    TranscribeRequest,
)
from narrlocal_gui.ui.worker_thread import JobFailed, JobProgressed, StageStarted, WorkerThread
from tests.media_factory import make_counter_clip

TINY = AsrOptions(model="tiny.en", language="en", device="cpu")

# Loaded once for the module: every test's worker gets the same engine (as one long-lived
# worker would keep it), so the model's load time is paid once.
_engines: dict[tuple[str, str], WhisperEngine] = {}
_engine_lock = threading.Lock()


def shared_engine(model: str, device: str) -> WhisperEngine:
    with _engine_lock:
        if (model, device) not in _engines:
            _engines[(model, device)] = WhisperEngine.load(model, device)
        return _engines[(model, device)]


class Events(QObject):
    """Everything the worker emitted, in order, collected in the GUI thread."""

    def __init__(self, worker: NarrationWorker) -> None:
        super().__init__()
        self.log: list[tuple[str, int, Any]] = []
        worker.segment_recognized.connect(self.segment)
        worker.narration_ready.connect(self.narration)
        worker.phrases_ready.connect(self.phrases)
        worker.failed.connect(self.failed)
        worker.cancelled.connect(self.cancelled)
        worker.stage_started.connect(self.stage)
        worker.progressed.connect(self.progress)

    @Slot(SegmentRecognized)
    def segment(self, recognized: SegmentRecognized) -> None:
        self.log.append(("segment", recognized.job_id, recognized.segment))

    @Slot(NarrationReady)
    def narration(self, ready: NarrationReady) -> None:
        self.log.append(("narration", ready.job_id, (ready.transcript, ready.phrases, ready.notes)))

    @Slot(PhrasesReady)
    def phrases(self, ready: PhrasesReady) -> None:
        self.log.append(("phrases", ready.job_id, ready.phrases))

    @Slot(JobFailed)
    def failed(self, failure: JobFailed) -> None:
        self.log.append(("failed", failure.job_id, failure.message))

    @Slot(int)
    def cancelled(self, job: int) -> None:
        self.log.append(("cancelled", job, None))

    @Slot(StageStarted)
    def stage(self, stage: StageStarted) -> None:
        self.log.append(("stage", stage.job_id, stage.text))

    @Slot(JobProgressed)
    def progress(self, report: JobProgressed) -> None:
        self.log.append(("progress", report.job_id, report.fraction))

    def kinds(self, job: int | None = None) -> list[str]:
        return [k for k, j, _ in self.log if job is None or j == job]

    def ended(self, job: int) -> bool:
        return any(
            k in ("narration", "phrases", "failed", "cancelled") and j == job
            for k, j, _ in self.log
        )

    def payload(self, kind: str, job: int) -> Any:
        return next(p for k, j, p in self.log if k == kind and j == job)


class Requests(QObject):
    transcribe = Signal(TranscribeRequest)
    align = Signal(int, str, str)
    import_file = Signal(ImportRequest)
    extract = Signal(ExtractRequest)


Harness = tuple[NarrationWorker, Requests, Events]


@pytest.fixture
def make_worker() -> Iterator[Callable[..., Harness]]:
    threads: list[WorkerThread] = []

    def make(load_engine: Callable[[str, str], Any] = shared_engine) -> Harness:
        worker = NarrationWorker(load_engine=load_engine)
        threads.append(WorkerThread(worker, "narrlocal-narration-test"))
        requests = Requests()
        requests.transcribe.connect(worker.transcribe)
        requests.align.connect(worker.align)
        requests.import_file.connect(worker.import_file)
        requests.extract.connect(worker.extract)
        return worker, requests, Events(worker)

    yield make
    for thread in threads:
        assert thread.shutdown(10000)


@pytest.mark.shared
def test_transcribes_a_real_clip_streaming_segments_first(
    make_worker: Callable[..., Harness], qtbot: QtBot, shared_media: Path
) -> None:
    worker, requests, events = make_worker()
    job = worker.jobs.next()
    requests.transcribe.emit(
        TranscribeRequest(job, str(shared_media / "narrated/speech_podium.mp4"), TINY)
    )
    qtbot.waitUntil(lambda: events.ended(job), timeout=120_000)
    kinds = events.kinds(job)
    assert "narration" in kinds, events.log
    assert "segment" in kinds and kinds.index("segment") < kinds.index("narration")
    transcript, phrases, notes = events.payload("narration", job)
    assert isinstance(transcript, Transcript)
    streamed = [p for k, j, p in events.log if k == "segment" and j == job]
    assert [s.text for s in streamed] == [s.text for s in transcript.narration.segments]
    words = [w for s in transcript.narration.segments for w in s.words]
    assert len(words) > 5 and 0.0 <= words[0].start < words[-1].end <= 9.0
    assert phrases and all(p.end <= 9.0 for p in phrases)
    assert any("tiny.en" in note and "real time" in note for note in notes), notes
    stages = [p for k, j, p in events.log if k == "stage" and j == job]
    assert any("Transcribing" in s for s in stages) and any("phrases" in s for s in stages)
    assert all(0.0 <= p <= 1.0 for k, _, p in events.log if k == "progress")


class _HeldAfterFirstSegment:
    """The real engine, waiting after its first segment until the job is cancelled (30 s at
    most): on a fast machine a short clip is transcribed before a cancel sent when its first
    segment arrives could land, and the test would race the machine."""

    def __init__(self, engine: WhisperEngine) -> None:
        self._engine = engine

    def transcribe(self, path: Path, options: Any, **kwargs: Any) -> Any:
        cancel = kwargs.get("cancel")
        passed_on = kwargs.get("on_segment")

        def on_segment(segment: Segment) -> None:
            if passed_on is not None:
                passed_on(segment)
            deadline = time.monotonic() + 30.0
            while cancel is not None and not cancel() and time.monotonic() < deadline:
                time.sleep(0.01)

        return self._engine.transcribe(path, options, **{**kwargs, "on_segment": on_segment})


@pytest.mark.shared
def test_cancel_mid_transcription_ends_in_cancelled(
    make_worker: Callable[..., Harness], qtbot: QtBot, shared_media: Path
) -> None:
    worker, requests, events = make_worker(
        lambda model, device: _HeldAfterFirstSegment(shared_engine(model, device))
    )
    job = worker.jobs.next()
    requests.transcribe.emit(
        TranscribeRequest(job, str(shared_media / "narrated/speech_timing_banana.mp4"), TINY)
    )
    qtbot.waitUntil(lambda: "segment" in events.kinds(job) or events.ended(job), timeout=120_000)
    worker.cancel_current()
    qtbot.waitUntil(lambda: events.ended(job), timeout=30_000)
    assert events.kinds(job)[-1] == "cancelled"
    assert "narration" not in events.kinds(job)


def test_a_video_without_sound_fails_with_a_clear_message(
    make_worker: Callable[..., Harness], qtbot: QtBot, tmp_path: Path
) -> None:
    silent = make_counter_clip(tmp_path / "silent clip.mp4", n_frames=30, with_audio=False)
    worker, requests, events = make_worker()
    job = worker.jobs.next()
    requests.transcribe.emit(TranscribeRequest(job, str(silent), TINY))
    qtbot.waitUntil(lambda: events.ended(job), timeout=60_000)
    message = events.payload("failed", job)
    assert "silent clip.mp4" in message and "audio" in message
    assert message.endswith(".") and "\n" not in message and "Traceback" not in message


def _srt(path: Path) -> Path:
    path.write_text(
        "1\n00:00:00,500 --> 00:00:02,000\nPut some oil into a pan and add chopped onions.\n\n"
        "2\n00:00:02,500 --> 00:00:04,000\nThen stir the onions until they are golden.\n",
        encoding="utf-8",
    )
    return path


def test_importing_an_srt_gives_narration_and_phrases_together(
    make_worker: Callable[..., Harness], qtbot: QtBot, tmp_path: Path
) -> None:
    worker, requests, events = make_worker(load_engine=_no_engine)
    job = worker.jobs.next()
    requests.import_file.emit(ImportRequest(job, str(_srt(tmp_path / "cues.srt")), "", -1.0))
    qtbot.waitUntil(lambda: events.ended(job), timeout=60_000)
    transcript, phrases, notes = events.payload("narration", job)
    assert len(transcript.narration.segments) == 2
    texts = [p.text for p in phrases]
    assert any("oil" in t for t in texts) and any("onions" in t for t in texts)
    assert len(phrases) >= 3  # "put some oil into a pan" | "add chopped onions" | "stir ..."
    assert all(0.5 <= p.start < p.end <= 4.0 for p in phrases)
    assert isinstance(notes, tuple)


def test_plain_text_without_a_video_is_refused(
    make_worker: Callable[..., Harness], qtbot: QtBot, tmp_path: Path
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("Put some oil into a pan.\n", encoding="utf-8")
    worker, requests, events = make_worker(load_engine=_no_engine)
    job = worker.jobs.next()
    requests.import_file.emit(ImportRequest(job, str(text), "", -1.0))
    qtbot.waitUntil(lambda: events.ended(job), timeout=30_000)
    assert events.payload("failed", job) == NEEDS_VIDEO


@pytest.mark.shared
def test_plain_text_is_aligned_to_the_video(
    make_worker: Callable[..., Harness], qtbot: QtBot, shared_media: Path, tmp_path: Path
) -> None:
    # The first cues of the clip's own captions, without their times.
    text = tmp_path / "manifesto.txt"
    text.write_text(
        "this audiobook is in the public domain you can find the text version of this audio "
        "book at www.marxists.org workers of the world unite",
        encoding="utf-8",
    )
    worker, requests, events = make_worker(load_engine=_no_engine)
    job = worker.jobs.next()
    video = shared_media / "narrated/manifesto.mp4"
    requests.import_file.emit(ImportRequest(job, str(text), str(video), 88.0))
    qtbot.waitUntil(lambda: events.ended(job), timeout=300_000)
    transcript, phrases, _notes = events.payload("narration", job)
    words = [w for s in transcript.narration.segments for w in s.words]
    audiobook = next(w for w in words if "audiobook" in w.text.lower())
    unite = next(w for w in words if "unite" in w.text.lower())
    # The captions put "audiobook" in 1.6-3.9 s and "unite" in 9.5-12.8 s.
    assert 1.0 <= audiobook.start <= 4.5 and 9.0 <= unite.start <= 13.5
    assert phrases
    stages = [p for k, j, p in events.log if k == "stage" and j == job]
    assert any("Aligning" in s for s in stages)


def test_extract_splits_a_narration(make_worker: Callable[..., Harness], qtbot: QtBot) -> None:
    narration = Narration(
        segments=(
            Segment(
                "cut the tape and fold it",
                1.0,
                3.0,
                words=tuple(
                    Word(w, 1.0 + 0.4 * i, 1.3 + 0.4 * i)
                    for i, w in enumerate(["cut", "the", "tape", "and", "fold", "it"])
                ),
            ),
        )
    )
    worker, requests, events = make_worker(load_engine=_no_engine)
    job = worker.jobs.next()
    requests.extract.emit(ExtractRequest(job, narration))
    qtbot.waitUntil(lambda: events.ended(job), timeout=60_000)
    phrases = events.payload("phrases", job)
    assert [p.text for p in phrases] == ["cut the tape", "fold it"]


class _SlowEngine:
    """Streams a segment every few milliseconds until cancelled, as a long clip would."""

    def __init__(self) -> None:
        self.segments = 0

    def transcribe(self, path: Path, options: AsrOptions, **kw: Any) -> Transcript:
        for i in range(2000):
            if kw["cancel"]():
                raise Cancelled("cancelled")
            kw["on_segment"](Segment(f"segment {i}", i, i + 0.5))
            self.segments += 1
            time.sleep(0.005)
        raise AssertionError("never cancelled")


def test_a_newer_job_makes_the_running_one_stale(
    make_worker: Callable[..., Harness], qtbot: QtBot, tmp_path: Path
) -> None:
    engine = _SlowEngine()
    worker, requests, events = make_worker(load_engine=lambda _m, _d: engine)
    first = worker.jobs.next()
    requests.transcribe.emit(TranscribeRequest(first, "clip.mp4", TINY))
    qtbot.waitUntil(lambda: engine.segments > 3, timeout=10_000)
    second = worker.jobs.next()
    requests.import_file.emit(ImportRequest(second, str(_srt(tmp_path / "cues.srt")), "", -1.0))
    qtbot.waitUntil(lambda: events.ended(first) and events.ended(second), timeout=60_000)
    assert events.kinds(first)[-1] == "cancelled"
    assert "narration" in events.kinds(second)
    # Nothing of the stale job is emitted after the newer one was asked for.
    first_end = max(i for i, (k, j, _) in enumerate(events.log) if j == first)
    assert all(k != "segment" for k, j, _ in events.log[first_end:] if j == first)


def test_the_engine_is_loaded_once_and_reused(
    make_worker: Callable[..., Harness], qtbot: QtBot
) -> None:
    loads: list[tuple[str, str]] = []

    class Quick:
        def transcribe(self, path: Path, options: AsrOptions, **kw: Any) -> Transcript:
            segment = Segment("cut the tape", 0.0, 1.0)
            kw["on_segment"](segment)
            return Transcript(Narration((segment,), "en", "asr"), duration=1.0, model="m")

    def load(model: str, device: str) -> Quick:
        loads.append((model, device))
        return Quick()

    worker, requests, events = make_worker(load_engine=load)
    jobs: list[int] = []
    for options in (TINY, TINY, AsrOptions(model="base", device="cpu")):
        job = worker.jobs.next()
        jobs.append(job)
        requests.transcribe.emit(TranscribeRequest(job, "clip.mp4", options))
        qtbot.waitUntil(lambda: events.ended(jobs[-1]), timeout=30_000)
    assert [events.kinds(j)[-1] for j in jobs] == ["narration"] * 3
    assert loads == [("tiny.en", "cpu"), ("base", "cpu")]


def _no_engine(_model: str, _device: str) -> Any:
    raise AssertionError("this job must not load a speech recognition model")
