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
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Signal, Slot

from narrlocal_gui.core.model import Phrase
from narrlocal_gui.localizer.settings import LocalizeSettings
from narrlocal_gui.progress import CancelCallback, Cancelled, ProgressCallback
from narrlocal_gui.ui.worker_thread import StageStarted, Worker

if TYPE_CHECKING:
    from narrlocal_gui.localizer.pipeline import PhraseFailure, PhraseResult

log = logging.getLogger(__name__)

THREAD_NAME = "narrlocal-localizer"
LOADING = "Loading the localizer…"


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
LocalizerFactory = Callable[[LocalizeSettings], PhraseLocalizerLike]


def create_phrase_localizer(settings: LocalizeSettings) -> PhraseLocalizerLike:
    """The real localizer for ``settings`` (the pipeline, and torch with it, is imported
    here, in the worker's thread)."""
    from narrlocal_gui.localizer.pipeline import PhraseLocalizer

    return PhraseLocalizer(settings)


@dataclass(frozen=True, slots=True)
class LocalizeRequest:
    """Localize ``phrases`` in ``video_path``, in order, with ``settings``."""

    job_id: int
    video_path: str
    phrases: tuple[Phrase, ...]
    settings: LocalizeSettings


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
        self._settings: LocalizeSettings | None = None

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

    def _localizer_for(self, job_id: int, settings: LocalizeSettings) -> PhraseLocalizerLike:
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
