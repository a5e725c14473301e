"""Find a moment by typing, and each phrase's action span: the Search menu's behaviour.

A query runs on the :class:`SearchWorker`'s thread, owned here and joined on
:meth:`SearchCommands.shutdown`; one job at a time, a new query making the running one
stale. Its moments come back ranked; the best is shown at once (``seek_requested``) and
Enter / F3 step through the others. A bad query ends with the engine's message in the
status bar.

"Use Result as Action Span" and "Accept Proposed Action Span" set the selected phrase's
action span, "Clear Action Span" removes it: each one undoable edit
(:func:`narrlocal_gui.core.edits.set_phrase_action_span`). "Propose Action Spans" asks the
engine where each visual phrase's action is seen, inside the phrase's localization window;
the proposals are shown, not applied, until the user accepts one.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QStatusBar

from narrlocal_gui.core import edits
from narrlocal_gui.core.model import Project
from narrlocal_gui.ui.document import ProjectDocument
from narrlocal_gui.ui.job_controller import JobController
from narrlocal_gui.ui.progress_widget import ProgressWidget
from narrlocal_gui.ui.search_actions import SearchActions
from narrlocal_gui.ui.search_results import Proposal, Proposals, SearchResults, span_text
from narrlocal_gui.ui.search_worker import (
    THREAD_NAME,
    ProposeRequest,
    SearchFound,
    SearchRequest,
    SearchWorker,
    SpansProposed,
)
from narrlocal_gui.ui.selection_model import SelectionModel
from narrlocal_gui.ui.worker_thread import StageStarted

STATUS_MS = 8000
NO_VIDEO = "Open a video first, then type what to look for."
NO_PHRASE = "Select a phrase first (in the transcript, the timeline or the indicator list)."
NO_RESULT = "Search first (Ctrl+F), then choose a result."
NO_PROPOSAL = "There is no proposed action span for this phrase: Localize > Propose Action Spans."
NO_PHRASES = "There are no phrases to propose action spans for."
_LABEL_CHARS = 40


def _quoted(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > _LABEL_CHARS:
        text = text[: _LABEL_CHARS - 1] + "…"
    return f"“{text}”"


class SearchCommands(QObject):
    """Queries, proposals and the action-span edits; progress and status go through
    ``jobs`` (its :class:`JobController`)."""

    seek_requested = Signal(float)
    results_changed = Signal(SearchResults)
    proposals_changed = Signal(Proposals)

    # Requests to the worker; queued, because it lives in another thread.
    _search = Signal(SearchRequest)
    _propose = Signal(ProposeRequest)

    def __init__(
        self,
        parent: QObject,
        document: ProjectDocument,
        selection: SelectionModel,
        worker: SearchWorker | None = None,
    ) -> None:
        super().__init__(parent)
        self._document = document
        self._selection = selection
        self._actions: SearchActions | None = None
        self._video: str | None = None
        self.results = SearchResults()
        self.proposals = Proposals()
        self.worker = worker if worker is not None else SearchWorker()
        self.jobs: JobController[int] = JobController(
            self,
            self.worker,
            THREAD_NAME,
            status_ms=STATUS_MS,
            on_failed=self._on_failed,
            cancelled_message="Search cancelled.",
        )
        self._search.connect(self.worker.search)
        self._propose.connect(self.worker.propose)
        self.worker.found.connect(self._on_found)
        self.worker.proposed.connect(self._on_proposed)
        self.worker.stage_started.connect(self._on_stage)
        document.changed.connect(self._on_project)
        selection.changed.connect(self._enable_actions)

    def attach(
        self, actions: SearchActions, progress: ProgressWidget, status_bar: QStatusBar
    ) -> None:
        """Connect the menu, a progress display (with Cancel) and the status bar."""
        actions.next_result.triggered.connect(lambda: self.step(1))
        actions.previous_result.triggered.connect(lambda: self.step(-1))
        actions.use_as_action_span.triggered.connect(lambda: self.use_as_action_span())
        actions.accept_proposal.triggered.connect(self.accept_proposal)
        actions.clear_action_span.triggered.connect(self.clear_action_span)
        actions.propose_action_spans.triggered.connect(self.propose_all)
        actions.cancel_search.triggered.connect(self.cancel)
        self._actions = actions
        self.jobs.busy_changed.connect(self._enable_actions)
        self.jobs.attach(progress, status_bar, self.cancel)
        self._enable_actions()

    # -- queries -------------------------------------------------------------------------------
    @Slot(str)
    def run_query(self, text: str) -> None:
        """Search for ``text``; the same query again (Enter) goes to the next result."""
        query = " ".join(text.split())
        if self.results.moments and query == self.results.query and not self.jobs.busy:
            self.step(1)
            return
        video = self._document.project.video
        if video is None:
            self.jobs.report(NO_VIDEO)
            return
        project = self._document.project
        job_id = self.jobs.start(lambda job_id: job_id, f"Searching for {_quoted(query)}…")
        self._search.emit(SearchRequest(job_id, video.path, query, project.narration))

    def step(self, delta: int) -> None:
        """The next (1) or previous (-1) result."""
        if not self.results.moments:
            self.jobs.report(NO_RESULT)
            return
        self.go_to(self.results.step(delta).current or 0)

    @Slot(int)
    def go_to(self, index: int) -> None:
        """Show result ``index`` and put the playhead at its start."""
        if not 0 <= index < len(self.results.moments):
            return
        self._set_results(self.results.at(index))
        moment = self.results.moments[index]
        self.seek_requested.emit(moment.start)
        self.jobs.report(
            f"Result {index + 1} of {len(self.results.moments)}: "
            f"{span_text(moment.start, moment.end)} (score {moment.score:.2f})"
        )

    def clear_results(self) -> None:
        self._set_results(SearchResults())

    # -- action spans --------------------------------------------------------------------------
    def use_as_action_span(self, index: int | None = None) -> None:
        """The selected phrase's action span becomes result ``index`` (None: the one shown)."""
        i = self.results.current if index is None else index
        if i is None or not 0 <= i < len(self.results.moments):
            self.jobs.report(NO_RESULT)
            return
        moment = self.results.moments[i]
        self._set_span(moment.start, moment.end)

    @Slot()
    def accept_proposal(self) -> None:
        phrase_id = self._selection.selection().phrase_id
        if phrase_id is None:
            self.jobs.report(NO_PHRASE)
            return
        moment = self.proposals.for_phrase(self._document.project.phrase(phrase_id))
        if moment is None:
            self.jobs.report(NO_PROPOSAL)
            return
        self._set_span(moment.start, moment.end)

    @Slot()
    def clear_action_span(self) -> None:
        phrase_id = self._selected_phrase()
        if phrase_id is not None:
            self._apply(
                f"Clear action span of {self._name(phrase_id)}",
                edits.set_phrase_action_span,
                phrase_id,
                None,
            )

    @Slot()
    def propose_all(self) -> None:
        project = self._document.project
        if project.video is None:
            self.jobs.report(NO_VIDEO)
            return
        phrases = tuple(p for p in project.phrases if p.visual)
        if not phrases:
            self.jobs.report(NO_PHRASES)
            return
        video = project.video.path
        job_id = self.jobs.start(lambda job_id: job_id, "Proposing action spans…")
        self._propose.emit(ProposeRequest(job_id, video, phrases))

    # -- the job's life ------------------------------------------------------------------------
    @Slot()
    def cancel(self) -> None:
        if self.jobs.cancel() is not None:
            self.jobs.report("Search cancelled.")

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop the running job and join the worker's thread (the window is closing)."""
        return self.jobs.shutdown(timeout_ms)

    @Slot(StageStarted)
    def _on_stage(self, stage: StageStarted) -> None:
        if self.jobs.current(stage.job_id) is not None:
            self.jobs.stage_started.emit(stage.text)

    @Slot(SearchFound)
    def _on_found(self, found: SearchFound) -> None:
        if self.jobs.current(found.job_id) is None:
            return  # a stale query: a newer one replaced it
        self.jobs.end()
        self._set_results(SearchResults(found.query, found.moments))
        if found.moments:
            self.go_to(0)
        else:
            self.jobs.report(f"Nothing in the video stands out for {_quoted(found.query)}.")

    @Slot(SpansProposed)
    def _on_proposed(self, proposed: SpansProposed) -> None:
        if self.jobs.current(proposed.job_id) is None:
            return
        self.jobs.end()
        found = tuple(Proposal(p.phrase, p.moment) for p in proposed.proposals if p.moment)
        self.proposals = self.proposals.merged(Proposals(found))
        self.proposals_changed.emit(self.proposals)
        self._enable_actions()
        self.jobs.report(
            f"Proposed an action span for {len(found)} of {len(proposed.proposals)} phrases "
            "(Search > Accept Proposed Action Span takes the selected phrase's)."
        )

    def _on_failed(self, _job_id: int, message: str) -> None:
        self.jobs.report(message)

    @Slot(object)
    def _on_project(self, project: Project) -> None:
        # Results and proposals are times of one video: another one makes them moot.
        video = None if project.video is None else project.video.path
        if video != self._video:
            self._video = video
            self.cancel()
            self.clear_results()
            self.proposals = Proposals()
            self.proposals_changed.emit(self.proposals)
        self._enable_actions()

    # -- internals -----------------------------------------------------------------------------
    def _set_results(self, results: SearchResults) -> None:
        self.results = results
        self.results_changed.emit(results)
        self._enable_actions()

    def _selected_phrase(self) -> str | None:
        phrase_id = self._selection.selection().phrase_id
        if phrase_id is None:
            self.jobs.report(NO_PHRASE)
        return phrase_id

    def _set_span(self, start: float, end: float) -> None:
        phrase_id = self._selected_phrase()
        if phrase_id is not None:
            self._apply(
                f"Action span {span_text(start, end)} for {self._name(phrase_id)}",
                edits.set_phrase_action_span,
                phrase_id,
                (start, end),
            )

    def _apply(self, text: str, fn: Callable[..., Project], *args: object) -> None:
        try:
            self._document.apply(text, fn, *args)
        except ValueError as exc:
            self.jobs.report(f"Cannot set the action span: {exc}")

    def _name(self, phrase_id: str) -> str:
        return _quoted(self._document.project.phrase(phrase_id).text)

    @Slot()
    def _enable_actions(self, *_args: object) -> None:
        a = self._actions
        if a is None:
            return
        project = self._document.project
        phrase_id = self._selection.selection().phrase_id
        phrase = None
        if phrase_id is not None and any(p.id == phrase_id for p in project.phrases):
            phrase = project.phrase(phrase_id)
        has_results = bool(self.results.moments)
        a.next_result.setEnabled(has_results)
        a.previous_result.setEnabled(has_results)
        a.use_as_action_span.setEnabled(phrase is not None and self.results.moment is not None)
        a.accept_proposal.setEnabled(
            phrase is not None and self.proposals.for_phrase(phrase) is not None
        )
        a.clear_action_span.setEnabled(phrase is not None and phrase.action_span is not None)
        a.propose_action_spans.setEnabled(project.video is not None and not self.jobs.busy)
        a.cancel_search.setEnabled(self.jobs.busy)
