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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Signal, Slot

from narrlocal_gui.core.model import Phrase
from narrlocal_gui.localizer.settings import LocalizeSettings
from narrlocal_gui.progress import CancelCallback, Cancelled, ProgressCallback
from narrlocal_gui.ui.worker_thread import Worker

if TYPE_CHECKING:
    from narrlocal_gui.localizer.pipeline import PhraseResult

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


class LocalizerWorker(Worker):
    """Slot ``localize``; results tagged with the request's job id."""

    phrase_localized = Signal(int, object)  # job id, PhraseResult (as each phrase finishes)
    phrase_failed = Signal(int, object)  # job id, PhraseFailure (the phrase was skipped)
    stage_started = Signal(int, str)  # job id, what the job does now; progress restarts at 0
    device_chosen = Signal(int, str)  # job id, where the localizer runs ("CPU", "GPU (CUDA)…")
    finished_all = Signal(int, int, int)  # job id, phrases done, phrases asked for

    def __init__(self, factory: LocalizerFactory | None = None) -> None:
        super().__init__()
        self._factory: LocalizerFactory = factory or create_phrase_localizer
        self._localizer: PhraseLocalizerLike | None = None
        self._settings: LocalizeSettings | None = None

    @Slot(int, str, object, object)
    def localize(self, job_id: int, video_path: str, phrases: object, settings: object) -> None:
        """Localize each of ``phrases`` (a sequence of Phrase) in ``video_path``, in order,
        with ``settings`` (a LocalizeSettings)."""
        if not isinstance(settings, LocalizeSettings):
            raise TypeError(f"settings must be LocalizeSettings, not {type(settings).__name__}")
        todo: tuple[Phrase, ...] = tuple(phrases) if isinstance(phrases, Sequence) else ()
        total = len(todo)
        name = Path(video_path).name

        def work(progress: ProgressCallback, cancel: CancelCallback) -> int:
            from narrlocal_gui.localizer.pipeline import FailureTally

            tally = FailureTally()
            localizer = self._localizer_for(job_id, settings)
            notice = localizer.device_notice
            self.device_chosen.emit(job_id, notice)
            self.stage_started.emit(job_id, f"Localizing {total} phrases in '{name}'…")
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
                    self.phrase_failed.emit(job_id, tally.failure(phrase, exc))
                else:
                    if cancel():
                        # Finished, but no longer wanted: whoever cancelled has moved on.
                        raise Cancelled("the localization was cancelled")
                    tally.success()
                    log.debug("localized %r in %.2f s", phrase.id, time.monotonic() - started)
                    self.phrase_localized.emit(job_id, result)
                progress(done / total)
                # Out of GPU memory, the localizer goes on on the CPU: say so.
                now = localizer.device_notice
                if now != notice:
                    notice = now
                    self.device_chosen.emit(job_id, notice)
            return tally.succeeded

        done = self.run_job(job_id, work, f"Cannot localize the phrases in '{name}'")
        if done is not None:
            self.finished_all.emit(job_id, done, total)

    def _localizer_for(self, job_id: int, settings: LocalizeSettings) -> PhraseLocalizerLike:
        if self._localizer is None or self._settings != settings:
            self.stage_started.emit(job_id, LOADING)
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
