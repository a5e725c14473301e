"""Localizing the phrases of a video: the one path shared by the GUI worker and the CLI.

For each phrase the frames in ``[start - window, end + window]`` are sampled (at
``fps``, no larger than ``max_side``), the method localizes the phrase in them, the points
and boxes are mapped back to the video's pixels, and the result becomes plain project data
(:class:`PhraseResult`: track points, heat maps, a score) ready for
:func:`narrlocal_gui.core.localization_edits.apply_localization`.

:class:`PhraseLocalizer` is long-lived: it loads the method once (lazily, on the thread
that first calls :meth:`PhraseLocalizer.load` or :meth:`PhraseLocalizer.localize`; use it
from that one thread), keeps the videos it reads open, and hands the method the video's
:class:`~narrlocal_gui.localizer.encoders.feature_cache.MediaFingerprint` so the encoder grids are
cached on disk: a second run on the same video only reads them back.

Devices: ``auto`` prefers CUDA, then Apple MPS, then the CPU (:func:`resolve_device`); on
CUDA the encoders run in float16 (the method's choice, given the device). When CUDA runs
out of memory inside a phrase, that phrase is retried on the CPU and the localizer stays
on the CPU for the rest (:attr:`PhraseLocalizer.device_notice` says so).

Cancelling: ``cancel()`` is checked between phrases and by the method inside a phrase.
:func:`localize_phrases` never raises :class:`~narrlocal_gui.media.media_info.Cancelled`:
it returns the phrases finished so far (a phrase interrupted half-way is dropped), so a
caller knows it was cancelled when fewer results than phrases come back and its own
``cancel()`` is true. :meth:`PhraseLocalizer.localize` does raise ``Cancelled``.

Failures: a phrase whose localization fails (a damaged stretch of the video, an error in
the method) is skipped and reported as a :class:`PhraseFailure`; the others go on. Only
when the first :data:`ABORT_AFTER_FAILURES` phrases all fail is the run broken rather than
unlucky, and the error ends it (:class:`FailureTally`).

torch is imported only when a device other than the CPU is considered or a method that
needs it is loaded.
"""

from __future__ import annotations

import contextlib
import logging
import math
import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from narrlocal_gui.core.model import Box, HeatSample, Phrase, TrackPoint
from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.localizer.methods.registry import METHODS, LocalizationMethod, create_method
from narrlocal_gui.localizer.settings import DEVICES, LocalizeSettings
from narrlocal_gui.localizer.types import ClipInput, Localization
from narrlocal_gui.progress import CancelCallback, Cancelled

if TYPE_CHECKING:
    from narrlocal_gui.localizer.encoders.feature_cache import FeatureCache, MediaFingerprint
    from narrlocal_gui.media.source import FrameSource

__all__ = [
    "ABORT_AFTER_FAILURES",
    "FailureTally",
    "MethodFactory",
    "PhraseFailure",
    "PhraseLocalizer",
    "PhraseResult",
    "covered_seconds",
    "grid_times",
    "localization_to_result",
    "localize_phrases",
    "resolve_device",
]

log = logging.getLogger(__name__)

#: Videos kept open by one localizer (the GUI works on one at a time).
_OPEN_SOURCES = 2

#: A frame shown at a window edge starts a little before the sample time.
_EDGE_TOLERANCE = 0.5

#: ``(method name, torch device) -> method``; see :class:`PhraseLocalizer`.
MethodFactory = Callable[[str, str], LocalizationMethod]


@dataclass(frozen=True, slots=True)
class PhraseResult:
    """One phrase localized: its box track (``human=False``), heat maps, score (mean over
    the frames while it is spoken; None when there is none) and the seconds it took."""

    phrase_id: str
    track: tuple[TrackPoint, ...]
    heatmaps: tuple[HeatSample, ...]
    score: float | None
    seconds: float

    def __post_init__(self) -> None:
        if not self.phrase_id:
            raise ValueError("phrase_id must not be empty")
        if self.score is not None and not math.isfinite(self.score):
            raise ValueError(f"score must be finite, not {self.score}")
        if not (math.isfinite(self.seconds) and self.seconds >= 0):
            raise ValueError(f"seconds must be a finite number >= 0, not {self.seconds}")
        object.__setattr__(self, "track", tuple(self.track))
        object.__setattr__(self, "heatmaps", tuple(self.heatmaps))


@dataclass(frozen=True, slots=True)
class PhraseFailure:
    """A phrase that could not be localized, and why (one sentence for people)."""

    phrase_id: str
    text: str
    reason: str

    def __post_init__(self) -> None:
        if not self.phrase_id:
            raise ValueError("phrase_id must not be empty")


#: This many failures before any success end a run: every phrase would fail the same way.
ABORT_AFTER_FAILURES = 3


def failure_reason(exc: Exception) -> str:
    """What went wrong, for people: a user-facing message as it is, anything else named."""
    if isinstance(exc, UserFacingError):
        return str(exc)
    text = str(exc).strip() or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text


@dataclass(slots=True)
class FailureTally:
    """Counts a run's successes and failures and decides when a failure ends the run."""

    succeeded: int = 0
    failures: list[PhraseFailure] = field(default_factory=list)

    def success(self) -> None:
        self.succeeded += 1

    def failure(self, phrase: Phrase, exc: Exception) -> PhraseFailure:
        """Record ``exc`` for ``phrase``; re-raises it when the run is evidently broken."""
        failure = PhraseFailure(phrase.id, phrase.text, failure_reason(exc))
        self.failures.append(failure)
        log.warning("localizing %r failed: %s", phrase.text, failure.reason, exc_info=exc)
        if self.succeeded == 0 and len(self.failures) >= ABORT_AFTER_FAILURES:
            raise exc
        return failure


# -- devices ---------------------------------------------------------------------------------


def resolve_device(preference: str) -> tuple[str, str]:
    """(torch device, notice for people) for a preference of :data:`DEVICES`.

    ``auto`` takes CUDA, then MPS, then the CPU. Asking for ``cuda`` or ``mps`` where
    there is none raises :class:`UserFacingError`. torch is imported only here, and not for
    ``cpu``.
    """
    if preference not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, not {preference!r}")
    if preference == "cpu":
        return "cpu", "CPU"
    torch: Any
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None and preference in ("auto", "cuda") and torch.cuda.is_available():
        return "cuda", f"GPU (CUDA): {torch.cuda.get_device_name(0)}"
    mps = getattr(getattr(torch, "backends", None), "mps", None)
    if preference in ("auto", "mps") and mps is not None and mps.is_available():
        return "mps", "GPU (Apple MPS)"
    if preference == "auto":
        return "cpu", "CPU"
    kind = "CUDA GPU" if preference == "cuda" else "Apple GPU (MPS)"
    raise UserFacingError(
        f"No {kind} is available for localization; choose the CPU (--device cpu) or let "
        "NarrLocal choose (--device auto)."
    )


def _is_out_of_memory(exc: BaseException) -> bool:
    """torch.cuda.OutOfMemoryError, or anything that says it is one (older torch raises a
    RuntimeError "CUDA out of memory")."""
    torch = sys.modules.get("torch")
    oom = getattr(getattr(torch, "cuda", None), "OutOfMemoryError", None)
    if isinstance(oom, type) and isinstance(exc, oom):
        return True
    return type(exc).__name__ == "OutOfMemoryError" or "out of memory" in str(exc).lower()


def _free_cuda_memory() -> None:
    torch = sys.modules.get("torch")
    if torch is None:
        return
    with contextlib.suppress(Exception):  # only an attempt to give memory back
        torch.cuda.empty_cache()


# -- turning a method's output into project data ---------------------------------------------


def localization_to_result(
    loc: Localization,
    phrase: Phrase,
    seconds: float,
    *,
    window: float = 5.0,
    heatmaps_per_second: float = 2.0,
    frame_size: tuple[int, int] | None = None,
) -> PhraseResult:
    """The :class:`PhraseResult` of ``loc`` (points and boxes in the video's pixels).

    Every frame of ``loc`` within ``[phrase.start - window, phrase.end + window]`` (with
    half a second to spare at the edges, where the frame shown started a little earlier)
    gives a track point; boxes are cut to ``frame_size`` = (width, height) when given, and a
    box with nothing left is skipped. Heat maps are thinned to at most
    ``heatmaps_per_second`` (float32 grids). The score is the mean of the per-frame scores
    while the phrase is spoken (the frame nearest its middle when none falls inside).
    """
    if not (math.isfinite(heatmaps_per_second) and heatmaps_per_second > 0):
        raise ValueError("heatmaps_per_second must be > 0")
    times = np.asarray(loc.times, dtype=np.float64)
    if times.size == 0:
        return PhraseResult(phrase.id, (), (), None, max(0.0, seconds))
    lo = phrase.start - window - _EDGE_TOLERANCE
    hi = phrase.end + window + _EDGE_TOLERANCE
    inside = np.flatnonzero((times >= lo) & (times <= hi))
    middle = (phrase.start + phrase.end) / 2.0
    if inside.size == 0:
        inside = np.array([loc.index_at(middle)])

    track: list[TrackPoint] = []
    for i in inside:
        box = _box(loc.boxes[i], frame_size)
        if box is not None:
            track.append(TrackPoint(max(0.0, float(times[i])), box, human=False))

    heat: list[HeatSample] = []
    spacing = 1.0 / heatmaps_per_second - 1e-6
    last = -math.inf
    for i in inside:
        t = float(times[i])
        if t - last >= spacing:
            grid = np.asarray(loc.heatmaps[i], dtype=np.float32)
            heat.append(HeatSample(max(0.0, t), grid))
            last = t

    spoken = np.flatnonzero((times >= phrase.start - 1e-6) & (times <= phrase.end + 1e-6))
    if spoken.size == 0:
        spoken = np.array([loc.index_at(middle)])
    score = float(np.mean(np.asarray(loc.scores, dtype=np.float64)[spoken]))
    return PhraseResult(
        phrase.id,
        tuple(track),
        tuple(heat),
        score if math.isfinite(score) else None,
        max(0.0, seconds),
    )


def _box(values: np.ndarray, frame_size: tuple[int, int] | None) -> Box | None:
    x1, y1, x2, y2 = (float(v) for v in values)
    if not all(math.isfinite(v) for v in (x1, y1, x2, y2)) or x2 <= x1 or y2 <= y1:
        return None
    box = Box(x1, y1, x2, y2)
    return box.clipped(*frame_size) if frame_size is not None else box


def covered_seconds(
    phrases: Sequence[Phrase], window: float, duration: float | None = None
) -> float:
    """Seconds of video inside at least one phrase's window (the union), clipped to
    ``[0, duration]``: how much video a localization run looks at."""
    spans = sorted(
        (
            max(0.0, p.start - window),
            p.end + window if duration is None else min(duration, p.end + window),
        )
        for p in phrases
    )
    total = 0.0
    cur_lo, cur_hi = -1.0, -1.0
    for lo, hi in spans:
        if hi <= lo:
            continue
        if lo > cur_hi:
            total += max(0.0, cur_hi - cur_lo)
            cur_lo, cur_hi = lo, hi
        else:
            cur_hi = max(cur_hi, hi)
    total += max(0.0, cur_hi - cur_lo)
    return total


# -- the long-lived localizer ----------------------------------------------------------------


@dataclass(slots=True)
class _OpenVideo:
    source: FrameSource
    fingerprint: MediaFingerprint | None
    size: tuple[int, int]


class PhraseLocalizer:
    """Localizes phrases of videos one at a time with one loaded method (see the module).

    ``method_factory`` (for tests and special set-ups) builds the method from its name and
    torch device; by default :func:`create_method` does, with ``feature_cache`` (the user's
    cache when None) for the methods that cache encoder grids. Not thread-safe.
    """

    def __init__(
        self,
        settings: LocalizeSettings,
        *,
        feature_cache: FeatureCache | None = None,
        method_factory: MethodFactory | None = None,
    ) -> None:
        self.settings = settings
        self._feature_cache = feature_cache
        self._factory = method_factory
        self._method: LocalizationMethod | None = None
        self._device: str | None = None
        self._notice = ""
        self._videos: OrderedDict[str, _OpenVideo] = OrderedDict()

    # -- state -------------------------------------------------------------------------------

    @property
    def method_name(self) -> str:
        return self.settings.method_name

    @property
    def device(self) -> str:
        """The torch device in use ("cuda", "mps" or "cpu"), resolved on first use."""
        self._resolve()
        assert self._device is not None
        return self._device

    @property
    def device_notice(self) -> str:
        """Where the localizer runs, for people: "GPU (CUDA): NVIDIA H100", "CPU", or why it
        moved to the CPU."""
        self._resolve()
        return self._notice

    def _resolve(self) -> None:
        if self._device is not None:
            return
        if not METHODS[self.method_name].uses_torch:  # runs on the CPU whatever the preference
            self._device, self._notice = "cpu", "CPU"
        else:
            self._device, self._notice = resolve_device(self.settings.device)

    def load(self) -> None:
        """Load the method now (it is loaded on first use otherwise). Raises
        :class:`UserFacingError` for a method that cannot be created here."""
        self._resolve()
        if self._method is not None:
            return
        assert self._device is not None
        self._method = self._create(self.method_name, self._device)

    def _create(self, name: str, device: str) -> LocalizationMethod:
        if self._factory is not None:
            return self._factory(name, device)
        return create_method(
            name,
            checkpoint=self.settings.checkpoint,
            device=device,
            feature_cache=self._feature_cache,
        )

    def _video(self, video_path: str | Path) -> _OpenVideo:
        from narrlocal_gui.localizer.encoders.feature_cache import MediaFingerprint
        from narrlocal_gui.media.source import open_media

        key = str(Path(video_path).expanduser().absolute())
        found = self._videos.get(key)
        if found is not None:
            self._videos.move_to_end(key)
            return found
        source = open_media(key)
        try:
            fingerprint: MediaFingerprint | None = MediaFingerprint.of(key)
        except OSError:
            fingerprint = None  # no disk cache for this one, but it can still be localized
        info = source.info
        opened = _OpenVideo(source, fingerprint, (info.width, info.height))
        self._videos[key] = opened
        while len(self._videos) > _OPEN_SOURCES:
            _, old = self._videos.popitem(last=False)
            old.source.close()
        return opened

    # -- work --------------------------------------------------------------------------------

    def localize(
        self, video_path: str | Path, phrase: Phrase, *, cancel: CancelCallback | None = None
    ) -> PhraseResult:
        """Localize one phrase of the video. Raises :class:`Cancelled` when ``cancel()``
        turns true, :class:`UserFacingError` for a video that cannot be read."""
        from narrlocal_gui.localizer.clip_sampling import scale_localization

        started = time.perf_counter()
        self.load()
        video = self._video(video_path)
        s = self.settings
        clip = _sample_on_grid(video.source, phrase, s)
        if cancel is not None and cancel():
            raise Cancelled()
        try:
            loc = self._run(clip, phrase.text, video, cancel)
        except Cancelled:
            raise
        except Exception as exc:
            if self._device != "cuda" or not _is_out_of_memory(exc):
                raise
            self._fall_back_to_cpu()
            loc = self._run(clip, phrase.text, video, cancel)
        loc = scale_localization(loc, clip.size, video.size)
        return localization_to_result(
            loc,
            phrase,
            time.perf_counter() - started,
            window=s.window,
            heatmaps_per_second=s.heatmaps_per_second,
            frame_size=video.size,
        )

    def _run(
        self, clip: Any, text: str, video: _OpenVideo, cancel: CancelCallback | None
    ) -> Localization:
        method = self._method
        assert method is not None
        result = method.localize(clip, text, media=video.fingerprint, cancel=cancel)
        if not isinstance(result, Localization):
            raise TypeError(f"{self.method_name} returned {type(result).__name__}")
        return result

    def _fall_back_to_cpu(self) -> None:
        """CUDA ran out of memory: the method again on the CPU, for good."""
        self._method = None
        _free_cuda_memory()
        self._device = "cpu"
        self._notice = "CPU (the GPU ran out of memory)"
        self.load()

    def close(self) -> None:
        """Close the videos kept open (the method stays loaded; closing twice is fine)."""
        while self._videos:
            _, video = self._videos.popitem()
            video.source.close()

    def __enter__(self) -> PhraseLocalizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def grid_times(
    duration: float, phrase_start: float, phrase_end: float, *, window: float, fps: float
) -> list[float]:
    """Sample times for a phrase on the video-wide grid ``k / fps`` inside
    ``[start - window, end + window]`` clipped to the video (at least one time).

    Unlike times counted from each window's own start, these are the same instants for
    every phrase, so the overlapping windows of neighbouring phrases share their frames
    and with them the encoder grids (in memory and in the feature cache)."""
    end_of_media = max(0.0, float(duration))
    lo = min(max(phrase_start - window, 0.0), end_of_media)
    hi = min(max(phrase_end + window, 0.0), end_of_media)
    first = math.ceil(lo * fps - 1e-9)
    last = math.floor(hi * fps + 1e-9)
    if last < first:  # a window shorter than a grid step: its middle
        return [round((lo + hi) / 2 * fps) / fps if hi > lo else lo]
    return [k / fps for k in range(first, last + 1)]


def _sample_on_grid(source: FrameSource, phrase: Phrase, s: LocalizeSettings) -> ClipInput:
    from dataclasses import replace

    from narrlocal_gui.localizer.clip_sampling import sample_clip
    from narrlocal_gui.media.media_info import MediaKind

    info = source.info
    if info.kind is MediaKind.IMAGE:
        times = [0.0]
    else:
        times = grid_times(info.duration, phrase.start, phrase.end, window=s.window, fps=s.fps)
    first = min(times[0], info.duration)
    clip = sample_clip(
        source, first, first, window=0.0, fps=s.fps, include_times=times[1:], max_side=s.max_side
    )
    return replace(clip, phrase_start=phrase.start, phrase_end=phrase.end)


def localize_phrases(
    video_path: str | Path,
    phrases: Sequence[Phrase],
    settings: LocalizeSettings,
    *,
    progress: Callable[[int, int, float | None], None] | None = None,
    cancel: CancelCallback | None = None,
    on_result: Callable[[PhraseResult], None] | None = None,
    on_failure: Callable[[PhraseFailure], None] | None = None,
    localizer: PhraseLocalizer | None = None,
) -> list[PhraseResult]:
    """Localize ``phrases`` of the video in order; the results, one per phrase.

    ``progress(done, total, eta_seconds)`` is called before the first phrase (eta None) and
    after each one; the estimate weighs phrases by the video they add (overlapping windows
    reuse features). ``on_result`` gets each result as soon as it is ready, ``on_failure``
    each phrase skipped because it failed (see the module; the progress counts it). When
    ``cancel()`` turns true the phrases finished so far are returned (see the module).
    ``localizer`` (kept open, with its method loaded, for the next call) must have
    ``settings``; without one, a localizer is made and closed here.
    """
    if localizer is not None and localizer.settings != settings:
        raise ValueError("the localizer was made with other settings")
    own = localizer is None
    worker = localizer if localizer is not None else PhraseLocalizer(settings)
    results: list[PhraseResult] = []
    try:
        total = len(phrases)
        if progress is not None:
            progress(0, total, None)
        if total == 0:
            return results
        worker.load()
        weights = _phrase_weights(phrases, settings.window)
        remaining = sum(weights)
        done_weight = 0.0
        started = time.perf_counter()
        tally = FailureTally()
        for phrase, weight in zip(phrases, weights, strict=True):
            if cancel is not None and cancel():
                break
            try:
                result = worker.localize(video_path, phrase, cancel=cancel)
            except Cancelled:
                break
            except Exception as exc:
                failure = tally.failure(phrase, exc)
                if on_failure is not None:
                    on_failure(failure)
            else:
                tally.success()
                results.append(result)
                if on_result is not None:
                    on_result(result)
            done_weight += weight
            remaining -= weight
            if progress is not None:
                elapsed = time.perf_counter() - started
                eta = elapsed / done_weight * max(remaining, 0.0) if done_weight > 0 else None
                progress(tally.succeeded + len(tally.failures), total, eta)
        return results
    finally:
        if own:
            worker.close()


def _phrase_weights(phrases: Sequence[Phrase], window: float) -> list[float]:
    """How much new video each phrase's window adds to the ones before (at least a tenth
    of its own window: sampling and the method's own work cost something too)."""
    weights: list[float] = []
    seen: list[Phrase] = []
    covered = 0.0
    for phrase in phrases:
        seen.append(phrase)
        now = covered_seconds(seen, window)
        own = phrase.end - phrase.start + 2 * window
        weights.append(max(now - covered, 0.1 * own, 1e-3))
        covered = now
    return weights
