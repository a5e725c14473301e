"""The search's worker: typed queries and action-span proposals on their own thread.

One long-lived :class:`SearchWorker` serves the window and keeps one search engine
(:class:`~narrlocal_gui.localizer.search.engine.SearchEngine`), made on this thread the
first time it is needed: loading it imports torch and the encoders, never on the GUI's
thread. The engine keeps what it indexed, so the first query on a video reads (or builds and
caches) its per-frame features, with progress and cancel between chunks, and later queries
take milliseconds.

Requests are plain data (:class:`SearchRequest`, :class:`ProposeRequest`), results too
(:class:`SearchFound`, :class:`SpansProposed`), each with its job id. A bad query ends in the
base class's ``failed`` with the engine's :class:`QueryError` message. Every job ends in
exactly one of ``found`` / ``proposed``, ``failed`` or ``cancelled``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot

from narrlocal_gui.core.model import Narration, Phrase
from narrlocal_gui.localizer.search.moment import Moment
from narrlocal_gui.progress import CancelCallback, Cancelled, ProgressCallback
from narrlocal_gui.ui.worker_thread import StageStarted, Worker

if TYPE_CHECKING:
    from narrlocal_gui.localizer.search.engine import SearchEngine
    from narrlocal_gui.localizer.search.video_index import VideoIndex

THREAD_NAME = "narrlocal-search"
#: How many moments a query lists.
TOP_MOMENTS = 10
#: Seconds around a phrase where its action may be seen (the localizer's window).
PROPOSAL_WINDOW = 5.0

#: Makes the engine (called once, on the worker's thread); tests pass a fake one.
EngineFactory = Callable[[], "SearchEngine"]


def _load_engine() -> SearchEngine:
    from narrlocal_gui.localizer.search.engine import SearchEngine

    return SearchEngine.load()


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """Search ``media`` for ``query``, with the project's narration (empty: picture only)."""

    job_id: int
    media: str
    query: str
    narration: Narration
    top: int = TOP_MOMENTS


@dataclass(frozen=True, slots=True)
class SearchFound:
    """The moments of a query, best first (empty: nothing stands out)."""

    job_id: int
    query: str
    moments: tuple[Moment, ...]


@dataclass(frozen=True, slots=True)
class ProposeRequest:
    """Propose the action span of each of ``phrases`` inside its window of ``media``."""

    job_id: int
    media: str
    phrases: tuple[Phrase, ...]
    window: float = PROPOSAL_WINDOW


@dataclass(frozen=True, slots=True)
class ProposedSpan:
    """Where the action of the phrase (as it was sent) is seen; None: nothing stands out."""

    phrase: Phrase
    moment: Moment | None


@dataclass(frozen=True, slots=True)
class SpansProposed:
    job_id: int
    proposals: tuple[ProposedSpan, ...]


class SearchWorker(Worker):
    """Slots ``search`` and ``propose``; results tagged with the request's job id."""

    stage_started = Signal(StageStarted)
    found = Signal(SearchFound)
    proposed = Signal(SpansProposed)

    def __init__(self, engine_factory: EngineFactory | None = None) -> None:
        super().__init__()
        self._factory: EngineFactory = engine_factory or _load_engine
        self._engine: SearchEngine | None = None

    def _video(
        self, job_id: int, media: str, progress: ProgressCallback, cancel: CancelCallback
    ) -> tuple[SearchEngine, VideoIndex]:
        if self._engine is None:
            self.stage_started.emit(StageStarted(job_id, "Loading the search engine…"))
            self._engine = self._factory()
        if cancel():
            raise Cancelled("cancelled")
        self.stage_started.emit(StageStarted(job_id, "Reading the video's features…"))
        return self._engine, self._engine.index_video(media, progress=progress, cancel=cancel)

    @Slot(SearchRequest)
    def search(self, request: SearchRequest) -> None:
        def work(progress: ProgressCallback, cancel: CancelCallback) -> tuple[Moment, ...]:
            from narrlocal_gui.localizer.search.query import check_query

            check_query(request.query)  # a bad query is told before anything loads
            engine, video = self._video(request.job_id, request.media, progress, cancel)
            narration = (
                engine.index_narration(request.narration) if request.narration.segments else None
            )
            return tuple(engine.search(video, request.query, narration, top=request.top))

        moments = self.run_job(request.job_id, work, "Cannot search the video")
        if moments is not None:
            self.found.emit(SearchFound(request.job_id, request.query, moments))

    @Slot(ProposeRequest)
    def propose(self, request: ProposeRequest) -> None:
        def work(progress: ProgressCallback, cancel: CancelCallback) -> tuple[ProposedSpan, ...]:
            engine, video = self._video(request.job_id, request.media, progress, cancel)
            self.stage_started.emit(StageStarted(request.job_id, "Proposing action spans…"))
            out = []
            for i, phrase in enumerate(request.phrases):
                if cancel():
                    raise Cancelled("cancelled")
                moment = engine.action_span(
                    video, phrase.text, phrase.start, phrase.end, window=request.window
                )
                out.append(ProposedSpan(phrase, moment))
                progress((i + 1) / len(request.phrases))
            return tuple(out)

        proposals = self.run_job(request.job_id, work, "Cannot propose action spans")
        if proposals is not None:
            self.proposed.emit(SpansProposed(request.job_id, proposals))
