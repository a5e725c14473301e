"""The adaptation's worker: trains CoMMA on a folder of the user's videos on its own thread.

One long-lived :class:`AdaptWorker` serves the window. A request (:class:`AdaptRequest`,
plain data) names the folder, the slot folder its files go to, whether to resume, and the
devices and speech recognition to use; the worker runs
:func:`narrlocal_gui.localizer.adaptation.adapt` (transcripts, features, training), which
imports torch here, in the worker's thread, never the GUI's.

Progress leaves by ``adapt_progressed`` (an :class:`AdaptProgress`: stage, steps, epoch,
ETA; at most ten a second, but every new stage or video and the end of a stage) and the
base class's fraction. Cancelling is checked between videos, frames and training steps;
training then saves its state first, so the job ends in ``cancelled`` with a run that
resumes. Every job ends in exactly one of ``finished``, ``failed`` or ``cancelled``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal, Slot

from narrlocal_gui.localizer.settings import pipeline_device
from narrlocal_gui.progress import CancelCallback, ProgressCallback
from narrlocal_gui.ui.worker_thread import Worker

if TYPE_CHECKING:
    from narrlocal_gui.localizer.adaptation import AdaptProgress, AdaptResult, Transcriber
    from narrlocal_gui.localizer.training.config import TrainConfig

THREAD_NAME = "narrlocal-adapt"
#: Seconds between two progress reports within a stage.
REPORT_INTERVAL = 0.1


@dataclass(frozen=True, slots=True)
class AdaptRequest:
    """What to adapt to and how. ``device`` is a localizer device preference ("auto",
    "cpu", "gpu"); the ``asr_*`` fields choose the speech recognition of videos without a
    transcript; ``config`` None trains the default model (resuming, the saved one)."""

    folder: str
    slot: str
    resume: bool = False
    device: str = "auto"
    asr_model: str = "base.en"
    asr_language: str | None = None
    asr_device: str = "auto"
    config: TrainConfig | None = None


@dataclass(frozen=True, slots=True)
class AdaptJob:
    """A request with the job id it runs as."""

    job_id: int
    request: AdaptRequest


@dataclass(frozen=True, slots=True)
class AdaptProgressed:
    """A report of a run (throttled within a stage)."""

    job_id: int
    progress: AdaptProgress


@dataclass(frozen=True, slots=True)
class AdaptFinished:
    """A run's end: its checkpoint (None if it stopped) and what it left out."""

    job_id: int
    result: AdaptResult


#: ``adapt``'s signature (the real one, or a test's with stand-in encoders).
AdaptEngine = Callable[..., "AdaptResult"]
#: A request -> the transcriber for its videos without a transcript (None: skip them).
TranscriberFactory = Callable[[AdaptRequest], "Transcriber | None"]


def _whisper(request: AdaptRequest) -> Transcriber:
    from narrlocal_gui.localizer.adaptation import whisper_transcriber

    return whisper_transcriber(request.asr_model, request.asr_language, request.asr_device)


def training_device(preference: str) -> str:
    """The torch device training runs on for a localizer device preference: CUDA where it
    is asked for (or automatic) and present, else the CPU (training is not tuned for MPS)."""
    from narrlocal_gui.localizer.pipeline import resolve_device

    device, _ = resolve_device(pipeline_device(preference))
    return "cuda" if device == "cuda" else "cpu"


class _Reports:
    """Forwards a run's AdaptProgress at most every REPORT_INTERVAL within a stage."""

    def __init__(self, emit: Callable[[Any], None]) -> None:
        self._emit = emit
        self._stage = ("", "")
        self._last = 0.0

    def __call__(self, p: AdaptProgress) -> None:
        now = time.monotonic()
        stage = (p.stage, p.detail)  # a new video being transcribed is news too
        if stage != self._stage or p.done >= p.total or now - self._last >= REPORT_INTERVAL:
            self._stage, self._last = stage, now
            self._emit(p)


class AdaptWorker(Worker):
    """Slot ``adapt``; results tagged with the request's job id. ``engine`` and
    ``transcribers`` can be replaced (tests)."""

    adapt_progressed = Signal(AdaptProgressed)
    finished = Signal(AdaptFinished)

    def __init__(
        self,
        engine: AdaptEngine | None = None,
        transcribers: TranscriberFactory | None = None,
    ) -> None:
        super().__init__()
        self._engine = engine
        self._transcribers: TranscriberFactory = transcribers or _whisper

    @Slot(AdaptJob)
    def adapt(self, job: AdaptJob) -> None:
        job_id, request = job.job_id, job.request
        name = Path(request.folder).name or request.folder

        def work(progress: ProgressCallback, cancel: CancelCallback) -> AdaptResult:
            from narrlocal_gui.localizer.adaptation import AdaptSlot, adapt

            engine = self._engine or adapt

            def report(p: AdaptProgress) -> None:
                self.adapt_progressed.emit(AdaptProgressed(job_id, p))
                progress(p.fraction)

            return engine(
                request.folder,
                AdaptSlot(Path(request.slot)),
                config=request.config,
                resume=request.resume,
                device=training_device(request.device),
                transcriber=self._transcribers(request),
                progress=_Reports(report),
                cancel=cancel,
            )

        result = self.run_job(job_id, work, f"Cannot adapt the localizer to '{name}'")
        if result is not None:
            self.finished.emit(AdaptFinished(job_id, result))
