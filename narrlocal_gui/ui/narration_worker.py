"""The narration engine's worker: speech recognition, alignment, transcript import and phrase
extraction, on its own thread.

The Whisper model and the spaCy pipeline take seconds to load, so the worker loads each on
first use (in its own thread, never the GUI's) and keeps it for the next job; a Whisper model
is loaded again only when the preferences ask for another model or device.

Every job that produces a narration also splits it into phrases before it reports, so the GUI
receives both at once and replaces them in ONE undo step. Recognised segments stream out as
they come, for the transcript panel to show while the rest is still being worked on.

Each job runs in stages (loading, transcribing, phrases); ``stage_started`` names the stage
and ``progressed`` is the fraction of that stage, so the progress display's estimate of the
time left is about the stage in progress and is not skewed by the model's loading time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import Signal, Slot

from narrlocal_gui.core.model import Narration, Phrase, Segment
from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.narration.alignment import align_text
from narrlocal_gui.narration.asr import AsrOptions, AsrProgress, WhisperEngine
from narrlocal_gui.narration.phrases import extract_phrases, load_nlp
from narrlocal_gui.narration.transcript_json import Transcript
from narrlocal_gui.narration.transcripts.reader import read_transcript
from narrlocal_gui.progress import CancelCallback, Cancelled, ProgressCallback
from narrlocal_gui.ui.worker_thread import JobProgressed, ProgressThrottle, StageStarted, Worker

log = logging.getLogger(__name__)

#: Said when a plain-text transcript is imported with no video to align it to.
NEEDS_VIDEO = (
    "A plain-text transcript has no times: open its video first (Ctrl+O), then import the "
    "text again to align it to the speech."
)


class SpeechEngine(Protocol):
    """What the worker needs of a loaded recogniser (:class:`WhisperEngine`, or a test's)."""

    def transcribe(
        self,
        path: Path,
        options: AsrOptions,
        *,
        progress: Callable[[AsrProgress], None] | None = None,
        cancel: CancelCallback | None = None,
        on_segment: Callable[[Segment], None] | None = None,
    ) -> Transcript: ...


#: (model name, device preference) -> a loaded engine; called in the worker's thread.
EngineLoader = Callable[[str, str], SpeechEngine]


@dataclass(frozen=True, slots=True)
class _Stages:
    """Emits a job's stage names and per-stage progress, tagged with the job id."""

    worker: NarrationWorker
    job_id: int

    def begin(self, text: str) -> ProgressCallback:
        self.worker.stage_started.emit(StageStarted(self.job_id, text))
        return ProgressThrottle(
            lambda f: self.worker.progressed.emit(JobProgressed(self.job_id, f))
        )


def transcription_note(transcript: Transcript, seconds: float) -> str:
    """How a transcript was made, e.g. "Transcribed with base on CPU (int8) at 0.12x real time"."""
    device = (transcript.device or "?").upper()
    compute = f" ({transcript.compute_type})" if transcript.compute_type else ""
    note = f"Transcribed with {transcript.model or '?'} on {device}{compute}"
    if transcript.duration:
        note += f" at {seconds / transcript.duration:.2f}x real time"
    return note


@dataclass(frozen=True, slots=True)
class TranscribeRequest:
    """Recognise the speech in the video at ``path``."""

    job_id: int
    path: str
    options: AsrOptions


@dataclass(frozen=True, slots=True)
class ImportRequest:
    """Read a transcript file; ``video_path`` is "" when no video is open,
    ``media_duration`` negative when unknown."""

    job_id: int
    transcript_path: str
    video_path: str
    media_duration: float


@dataclass(frozen=True, slots=True)
class ExtractRequest:
    """Split ``narration`` into phrases again."""

    job_id: int
    narration: Narration


@dataclass(frozen=True, slots=True)
class SegmentRecognized:
    """A segment of speech, streamed while transcribing."""

    job_id: int
    segment: Segment


@dataclass(frozen=True, slots=True)
class NarrationReady:
    """A job's transcript, its phrases and notes for the user."""

    job_id: int
    transcript: Transcript
    phrases: tuple[Phrase, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PhrasesReady:
    """The phrases an extraction found."""

    job_id: int
    phrases: tuple[Phrase, ...]


class NarrationWorker(Worker):
    """Slots ``transcribe``, ``align``, ``import_file`` and ``extract``; results tagged with
    the request's job id (``jobs`` numbers them; a new request makes the running one stale).
    """

    segment_recognized = Signal(SegmentRecognized)
    narration_ready = Signal(NarrationReady)
    phrases_ready = Signal(PhrasesReady)
    stage_started = Signal(StageStarted)

    def __init__(self, load_engine: EngineLoader | None = None) -> None:
        super().__init__()
        self._load_engine: EngineLoader = load_engine or WhisperEngine.load
        self._engine: SpeechEngine | None = None
        self._engine_key: tuple[str, str] | None = None
        self._nlp: object | None = None

    # -- requests ------------------------------------------------------------------------------
    @Slot(TranscribeRequest)
    def transcribe(self, request: TranscribeRequest) -> None:
        """Recognise the speech in the video's audio, streaming segments, then the phrases."""
        job_id, path, options = request.job_id, request.path, request.options
        stages = _Stages(self, job_id)

        def work(_progress: ProgressCallback, cancel: CancelCallback) -> _Result:
            engine = self._engine_for(options, stages)
            self._check(cancel)
            report = stages.begin(f"Transcribing '{Path(path).name}'…")

            def on_progress(p: AsrProgress) -> None:
                report(p.fraction)

            def on_segment(segment: Segment) -> None:
                if not self.should_stop(job_id):
                    self.segment_recognized.emit(SegmentRecognized(job_id, segment))

            started = time.monotonic()
            transcript = engine.transcribe(
                Path(path), options, progress=on_progress, cancel=cancel, on_segment=on_segment
            )
            note = transcription_note(transcript, time.monotonic() - started)
            return _Result(transcript, self._phrases(transcript.narration, stages, cancel), (note,))

        self._report(job_id, work, f"Cannot transcribe '{Path(path).name}': unexpected error")

    @Slot(int, str, str)
    def align(self, job_id: int, path: str, text: str) -> None:
        """Give ``text`` the times at which it is spoken in ``path``, then the phrases."""
        stages = _Stages(self, job_id)

        def work(_progress: ProgressCallback, cancel: CancelCallback) -> _Result:
            transcript = self._align(path, text, stages, cancel)
            return _Result(transcript, self._phrases(transcript.narration, stages, cancel), ())

        self._report(
            job_id, work, f"Cannot align the text to '{Path(path).name}': unexpected error"
        )

    @Slot(ImportRequest)
    def import_file(self, request: ImportRequest) -> None:
        """Read a transcript file (aligned to the video's audio when it is plain text)."""
        job_id, transcript_path = request.job_id, request.transcript_path
        video_path, media_duration = request.video_path, request.media_duration
        stages = _Stages(self, job_id)
        name = Path(transcript_path).name

        def work(_progress: ProgressCallback, cancel: CancelCallback) -> _Result:
            stages.begin(f"Reading '{name}'…")(0.0)
            imported = read_transcript(
                Path(transcript_path),
                media_duration=media_duration if media_duration >= 0 else None,
            )
            transcript = imported.transcript
            if imported.needs_alignment:
                if not video_path:
                    raise UserFacingError(NEEDS_VIDEO)
                self._check(cancel)
                transcript = self._align(video_path, imported.text, stages, cancel)
            phrases = self._phrases(transcript.narration, stages, cancel)
            return _Result(transcript, phrases, tuple(imported.repairs))

        self._report(job_id, work, f"Cannot import '{name}': unexpected error")

    @Slot(ExtractRequest)
    def extract(self, request: ExtractRequest) -> None:
        """Split the narration into phrases again (after the user edited its text)."""
        job_id, narration = request.job_id, request.narration
        stages = _Stages(self, job_id)
        phrases = self.run_job(
            job_id,
            lambda _progress, cancel: self._phrases(narration, stages, cancel),
            "Cannot split the narration into phrases: unexpected error",
        )
        if phrases is not None:
            self.phrases_ready.emit(PhrasesReady(job_id, phrases))

    # -- stages --------------------------------------------------------------------------------
    def _engine_for(self, options: AsrOptions, stages: _Stages) -> SpeechEngine:
        key = (options.model, options.device)
        if self._engine is None or self._engine_key != key:
            stages.begin(f"Loading the speech recognition model ({options.model})…")
            # Drop the old model first: two in memory at once is what runs a laptop out of it.
            self._engine = self._engine_key = None
            self._engine = self._load_engine(options.model, options.device)
            self._engine_key = key
        return self._engine

    def _align(self, path: str, text: str, stages: _Stages, cancel: CancelCallback) -> Transcript:
        report = stages.begin(f"Aligning the text to the speech in '{Path(path).name}'…")
        return align_text(Path(path), text, progress=report, cancel=cancel)

    def _phrases(
        self, narration: Narration, stages: _Stages, cancel: CancelCallback
    ) -> tuple[Phrase, ...]:
        report = stages.begin("Splitting the narration into phrases…")
        if self._nlp is None:
            # Kept for the worker's lifetime: the pipeline is loaded here, off the GUI thread.
            self._nlp = load_nlp()
        self._check(cancel)
        return tuple(extract_phrases(narration, progress=report, cancel=cancel))

    # -- internals -----------------------------------------------------------------------------
    @staticmethod
    def _check(cancel: CancelCallback) -> None:
        if cancel():
            raise Cancelled("the narration job was cancelled")

    def _report(
        self,
        job_id: int,
        work: Callable[[ProgressCallback, CancelCallback], _Result],
        unexpected: str,
    ) -> None:
        result = self.run_job(job_id, work, unexpected)
        if result is not None:
            self.narration_ready.emit(
                NarrationReady(job_id, result.transcript, result.phrases, result.notes)
            )

    def release(self) -> None:
        self._engine = self._engine_key = None
        self._nlp = None


@dataclass(frozen=True, slots=True)
class _Result:
    transcript: Transcript
    phrases: tuple[Phrase, ...]
    notes: tuple[str, ...]
