"""The localizer's worker: localizes phrases one after another on its own thread.

One long-lived :class:`LocalizerWorker` holds one ``PhraseLocalizer`` (the model, its device
and its feature cache) for the life of the window; it is made again only when the requested
settings change. The localizer is created, loaded and closed in the worker's thread, never the
GUI's: even importing torch would freeze the window for seconds.

A job is a tuple of phrases. Each phrase's result leaves by ``phrase_localized`` as soon as it
is ready, so the GUI can show it while the rest is still being worked on. Cancelling is checked
between phrases (and handed to the localizer for its own checks inside a phrase); the phrases
finished before a cancel were already reported, and stay. A phrase that fails is skipped and
reported by ``phrase_failed`` (the pipeline's ``FailureTally`` decides when failures mean the
whole job is broken; then the job fails). A job superseded by a newer one
stops the same way, and the GUI drops whatever it still reports by its job id.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import Signal, Slot

from narrlocal_gui.core.model import Phrase
from narrlocal_gui.progress import CancelCallback, Cancelled, ProgressCallback
from narrlocal_gui.ui.worker_thread import StageStarted, Worker

if TYPE_CHECKING:
    from narrlocal_gui.localizer.pipeline import LocalizeSettings, PhraseFailure, PhraseResult

log = logging.getLogger(__name__)

THREAD_NAME = "narrlocal-localizer"
LOADING = "Loading the localizer…"


@dataclass(frozen=True, slots=True)
class LocalizerOptions:
    """The GUI's choice of localizer settings, as plain data.

    The GUI thread builds these; the worker turns them into the pipeline's
    ``LocalizeSettings`` in its own thread (:func:`to_settings`), so the GUI never imports
    the pipeline (and torch with it).
    """

    method: str = ""
    window: float = 5.0
    fps: float = 2.0
    #: "auto", "cpu", "gpu" (CUDA, or Apple's MPS on macOS), or a pipeline device name.
    device: str = "auto"
    max_side: int = 640
    checkpoint: str | None = None
    heatmaps_per_second: float = 2.0


def pipeline_device(device: str, platform: str = sys.platform) -> str:
    """The pipeline's name for a device preference: "gpu" is CUDA, or MPS on macOS."""
    if device == "gpu":
        return "mps" if platform == "darwin" else "cuda"
    return device


def to_settings(options: LocalizerOptions) -> LocalizeSettings:
    from narrlocal_gui.localizer.pipeline import LocalizeSettings

    return LocalizeSettings(
        method=options.method,
        window=options.window,
        fps=options.fps,
        device=pipeline_device(options.device),
        max_side=options.max_side,
        checkpoint=options.checkpoint,
        heatmaps_per_second=options.heatmaps_per_second,
    )


class PhraseLocalizerLike(Protocol):
    """What the worker needs of a localizer (the pipeline's ``PhraseLocalizer``, or a test's)."""

    @property
    def device_notice(self) -> str: ...

    def load(self) -> None: ...

    def localize(
        self, video_path: Path, phrase: Phrase, *, cancel: CancelCallback | None = None
    ) -> PhraseResult: ...

    def close(self) -> None: ...


#: Settings (as sent with the request) -> a localizer; called in the worker's thread.
LocalizerFactory = Callable[[Any], PhraseLocalizerLike]


def create_phrase_localizer(settings: object) -> PhraseLocalizerLike:
    """The real localizer for ``settings`` (:class:`LocalizerOptions` or ``LocalizeSettings``)."""
    from narrlocal_gui.localizer.pipeline import PhraseLocalizer

    if isinstance(settings, LocalizerOptions):
        settings = to_settings(settings)
    return PhraseLocalizer(settings)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class LocalizeRequest:
    """Localize ``phrases`` in ``video_path``, in order, with ``settings``."""

    job_id: int
    video_path: str
    phrases: tuple[Phrase, ...]
    #: :class:`LocalizerOptions` from the GUI (or the pipeline's ``LocalizeSettings``);
    #: ``object`` because the pipeline's type must not be imported in the GUI thread.
    settings: object


@dataclass(frozen=True, slots=True)
class PhraseLocalized:
    """One phrase's result, as soon as it is ready."""

    job_id: int
    result: PhraseResult


@dataclass(frozen=True, slots=True)
class PhraseSkipped:
    """A phrase whose localization failed; the job goes on without it."""

    job_id: int
    failure: PhraseFailure


@dataclass(frozen=True, slots=True)
class DeviceChosen:
    """Where the localizer runs ("CPU", "GPU (CUDA)…"), said again when that changes."""

    job_id: int
    notice: str


@dataclass(frozen=True, slots=True)
class LocalizationFinished:
    """The job went through all its phrases: ``done`` of ``total`` were localized."""

    job_id: int
    done: int
    total: int

    def __post_init__(self) -> None:
        if not 0 <= self.done <= self.total:
            raise ValueError(f"{self.done} of {self.total} phrases done")


class LocalizerWorker(Worker):
    """Slot ``localize``; results tagged with the request's job id."""

    phrase_localized = Signal(PhraseLocalized)
    phrase_failed = Signal(PhraseSkipped)
    stage_started = Signal(StageStarted)
    device_chosen = Signal(DeviceChosen)
    finished_all = Signal(LocalizationFinished)

    def __init__(self, factory: LocalizerFactory | None = None) -> None:
        super().__init__()
        self._factory: LocalizerFactory = factory or create_phrase_localizer
        self._localizer: PhraseLocalizerLike | None = None
        self._settings: object = None

    @Slot(LocalizeRequest)
    def localize(self, request: LocalizeRequest) -> None:
        """Localize each of the request's phrases in its video, in order."""
        job_id, video_path, settings = request.job_id, request.video_path, request.settings
        todo = request.phrases
        total = len(todo)
        name = Path(video_path).name

        def work(progress: ProgressCallback, cancel: CancelCallback) -> int:
            from narrlocal_gui.localizer.pipeline import FailureTally

            tally = FailureTally()
            localizer = self._localizer_for(job_id, settings)
            notice = localizer.device_notice
            self.device_chosen.emit(DeviceChosen(job_id, notice))
            self.stage_started.emit(
                StageStarted(job_id, f"Localizing {total} phrases in '{name}'…")
            )
            progress(0.0)
            for done, phrase in enumerate(todo, start=1):
                if cancel():
                    raise Cancelled("the localization was cancelled")
                started = time.monotonic()
                try:
                    result = localizer.localize(Path(video_path), phrase, cancel=cancel)
                except Cancelled:
                    raise
                except Exception as exc:
                    self.phrase_failed.emit(PhraseSkipped(job_id, tally.failure(phrase, exc)))
                else:
                    if cancel():
                        # Finished, but no longer wanted: whoever cancelled has moved on.
                        raise Cancelled("the localization was cancelled")
                    tally.success()
                    log.debug("localized %r in %.2f s", phrase.id, time.monotonic() - started)
                    self.phrase_localized.emit(PhraseLocalized(job_id, result))
                progress(done / total)
                # Out of GPU memory, the localizer goes on on the CPU: say so.
                now = localizer.device_notice
                if now != notice:
                    notice = now
                    self.device_chosen.emit(DeviceChosen(job_id, notice))
            return tally.succeeded

        done = self.run_job(job_id, work, f"Cannot localize the phrases in '{name}'")
        if done is not None:
            self.finished_all.emit(LocalizationFinished(job_id, done, total))

    def _localizer_for(self, job_id: int, settings: object) -> PhraseLocalizerLike:
        if self._localizer is None or self._settings != settings:
            self.stage_started.emit(StageStarted(job_id, LOADING))
            # Close the old one first: two models in memory at once is what runs out of it.
            self._close()
            localizer = self._factory(settings)
            # Loaded here, as its own stage: the first phrase's time (and so the estimate
            # of the time left) is then the localizing alone.
            localizer.load()
            self._localizer, self._settings = localizer, settings
        return self._localizer

    def _close(self) -> None:
        localizer, self._localizer, self._settings = self._localizer, None, None
        if localizer is not None:
            try:
                localizer.close()
            except Exception:
                log.exception("closing the localizer failed")

    def release(self) -> None:
        self._close()
