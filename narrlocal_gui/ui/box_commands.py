"""Boxes > Box from Click and Track Forward: boxes found by the engines, applied as edits.

* **Box from a click.** The box editor reports a Ctrl+click (or a click in Box from Click
  mode) as a :class:`BoxClicked`. The :class:`RegionWorker` segments the frame at that point
  (:func:`~narrlocal_gui.localizer.regions.region_at`, seeded by the phrase's heat map at
  that time when its indicator has one); the box becomes a keyframe exactly as a drawn box
  does, one undo step "Box from click for “…”". Meanwhile the pointer is busy and the status
  bar says so; a second click supersedes the first (its late result is dropped by job id).
* **Track Forward.** The selected indicator's box on the frame on screen is carried over the
  next :data:`TRACK_SECONDS` (not past its display span) by the :class:`TrackWorker`; the
  status bar shows progress, the time left and Cancel. The result is one undo step, "Track
  forward for “…”": a human keyframe about every
  :data:`~narrlocal_gui.core.track_edits.TRACK_KEY_STEP` seconds, over whatever points were
  in the span (corrections too: tracking again from where a track drifted must go over the
  first track; the status line counts them). Cancel keeps nothing: a half-tracked span would
  look finished, and running it again costs seconds.

Both jobs run through a :class:`JobController` each, with their own threads joined on
:meth:`BoxCommands.shutdown`.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QStatusBar

from narrlocal_gui.core import track_edits
from narrlocal_gui.core.visibility import box_at, heatmap_at
from narrlocal_gui.ui.actions import Actions
from narrlocal_gui.ui.box_editor import BoxEditor, quoted
from narrlocal_gui.ui.box_workers import (
    REGION_THREAD,
    TRACK_THREAD,
    RegionFound,
    RegionRequest,
    RegionWorker,
    Tracked,
    TrackRequest,
    TrackWorker,
)
from narrlocal_gui.ui.document import ProjectDocument
from narrlocal_gui.ui.edit_requests import BoxClicked, BoxDrawn
from narrlocal_gui.ui.indicator_edits import IndicatorEdits
from narrlocal_gui.ui.job_controller import JobController
from narrlocal_gui.ui.progress_widget import ProgressWidget

#: How far Track Forward goes, in seconds (less where the phrase's box stops showing).
TRACK_SECONDS = 5.0
STATUS_MS = 8000
SELECT_TO_TRACK = "Select a box to track: click it in the picture or its row in the indicator list."
TRACK_STOPPED = "Tracking stopped; the box was not changed."


@dataclass(frozen=True, slots=True)
class _Click:
    id: int
    request: BoxClicked


@dataclass(frozen=True, slots=True)
class _Track:
    id: int
    indicator_id: str
    tolerance: float


class BoxCommands(QObject):
    """The box from a click (``regions``) and Track Forward (``tracks``), each a
    :class:`JobController` over its worker."""

    message = Signal(str)

    # Requests to the workers; queued, because they live in other threads.
    _find = Signal(RegionRequest)
    _track = Signal(TrackRequest)

    def __init__(
        self,
        document: ProjectDocument,
        editor: BoxEditor,
        edits: IndicatorEdits,
        parent: QObject | None = None,
        *,
        region_worker: RegionWorker | None = None,
        track_worker: TrackWorker | None = None,
    ) -> None:
        super().__init__(parent)
        self._document = document
        self._editor = editor
        self._edits = edits
        self._busy_cursor = False
        #: Track Forward's length in seconds.
        self.track_seconds = TRACK_SECONDS
        self.regions: JobController[_Click] = JobController(
            self,
            region_worker if region_worker is not None else RegionWorker(),
            REGION_THREAD,
            status_ms=STATUS_MS,
            on_failed=self._click_failed,
            on_end=self._restore_cursor,
        )
        self.tracks: JobController[_Track] = JobController(
            self,
            track_worker if track_worker is not None else TrackWorker(),
            TRACK_THREAD,
            status_ms=STATUS_MS,
            on_failed=self._track_failed,
        )
        region, track = self.regions.worker, self.tracks.worker
        assert isinstance(region, RegionWorker) and isinstance(track, TrackWorker)
        self._find.connect(region.find)
        region.found.connect(self._on_found)
        self._track.connect(track.track)
        track.tracked.connect(self._on_tracked)
        editor.box_clicked.connect(self.box_from_click)

    # -- wiring helper -------------------------------------------------------------------------
    def attach(self, actions: Actions, progress: ProgressWidget, status_bar: QStatusBar) -> None:
        """Connect the Boxes menu, Track Forward's progress display and the status bar."""
        actions.box_from_click.toggled.connect(self._editor.set_click_mode)
        self._editor.click_mode_changed.connect(actions.box_from_click.setChecked)
        actions.track_forward.triggered.connect(self.track_forward)
        self.tracks.attach(progress, status_bar, self.cancel_track)

    # -- box from a click ---------------------------------------------------------------------
    @Slot(BoxClicked)
    def box_from_click(self, clicked: BoxClicked) -> None:
        """Find the box around the click on the worker; the result is applied on arrival."""
        project = self._document.project
        if project.video is None:
            return
        indicator = project.indicator_for_phrase(clicked.phrase_id)
        heat = None if indicator is None else heatmap_at(indicator.heatmaps, clicked.time)
        run = self.regions.start(lambda job_id: _Click(job_id, clicked), "")
        if not self._busy_cursor:
            self._busy_cursor = True
            QGuiApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        name = quoted(project.phrase(clicked.phrase_id).text)
        self.message.emit(f"Finding the box of {name} under the click…")
        self._find.emit(
            RegionRequest(run.id, project.video.path, clicked.time, clicked.point, heat)
        )

    @Slot(RegionFound)
    def _on_found(self, found: RegionFound) -> None:
        run = self.regions.current(found.job_id)
        if run is None:
            return  # superseded by a newer click, or cancelled
        self.regions.end()
        clicked = run.request
        project = self._document.project
        if not any(p.id == clicked.phrase_id for p in project.phrases):
            return  # the phrase went away meanwhile
        before = project
        self._edits.box_from_click(
            BoxDrawn(clicked.phrase_id, clicked.time, found.box, clicked.tolerance)
        )
        boxed = self._document.project.indicator_for_phrase(clicked.phrase_id)
        if self._document.project is not before and boxed is not None:
            self._editor.select_indicator(boxed.id)
            self.message.emit(
                f"Box from click for {quoted(project.phrase(clicked.phrase_id).text)}"
                " (Ctrl+Z undoes it)."
            )

    def _click_failed(self, _run: _Click, message: str) -> None:
        self.message.emit(message)

    @Slot()
    def _restore_cursor(self) -> None:
        if self._busy_cursor:
            self._busy_cursor = False
            QGuiApplication.restoreOverrideCursor()

    # -- Track Forward -------------------------------------------------------------------------
    @Slot()
    def track_forward(self) -> None:
        """Track the selected box from the frame on screen over the next seconds."""
        project = self._document.project
        selected = self._editor.selected_indicator()
        frame = self._editor.current_frame()
        if selected is None:
            self.message.emit(SELECT_TO_TRACK)
            return
        if project.video is None or frame is None:
            return
        indicator = project.indicator(selected)
        name = quoted(project.phrase(indicator.phrase_id).text)
        start, end = track_edits.phrase_display_span(project, indicator.phrase_id)
        position = self._editor.position()
        box = box_at(indicator.track, position)
        if not start <= position < end or not indicator.enabled or box is None:
            self.message.emit(f"{name} shows no box on this frame: go to where it does.")
            return
        key_time, _snap = self._editor.key_time(indicator.phrase_id, frame)
        tolerance = frame.tolerance
        stop = track_edits.track_forward_end(
            project, selected, key_time, self.track_seconds, tolerance
        )
        if stop < key_time + 2.0 * tolerance:  # not even one frame more
            self.message.emit(f"Nothing to track: {name} shows no more frames after this one.")
            return
        run = self.tracks.start(
            lambda job_id: _Track(job_id, selected, tolerance), f"Tracking {name} forward…"
        )
        self._track.emit(TrackRequest(run.id, project.video.path, key_time, stop, box))

    @Slot(Tracked)
    def _on_tracked(self, tracked: Tracked) -> None:
        run = self.tracks.current(tracked.job_id)
        if run is None:
            return
        self.tracks.end()
        project = self._document.project
        if not any(i.id == run.indicator_id for i in project.indicators):
            return  # the box was deleted meanwhile
        keys = track_edits.tracked_keys(tracked.samples)
        indicator = project.indicator(run.indicator_id)
        first, last = keys[0][0] + run.tolerance, keys[-1][0] + run.tolerance
        replaced = sum(1 for p in indicator.track if p.human and first < p.time < last)
        self._edits.track_forward(run.indicator_id, keys, run.tolerance)
        if self._document.project is not project:
            seconds = keys[-1][0] - keys[0][0]
            name = quoted(project.phrase(indicator.phrase_id).text)
            over = f", over {replaced} earlier" if replaced else ""
            self.tracks.report(
                f"Tracked {name} for {seconds:.1f} s: {len(keys)} keyframes{over} (one undo step)."
            )
        else:
            self.tracks.report("The tracker found the box where it already was.")

    @Slot()
    def cancel_track(self) -> None:
        if self.tracks.cancel() is not None:
            self.tracks.report(TRACK_STOPPED)

    def _track_failed(self, _run: _Track, message: str) -> None:
        self.tracks.report(message)

    # -- the window's end ----------------------------------------------------------------------
    @Slot()
    def cancel(self) -> None:
        """Forget both jobs (another video or project was opened)."""
        self.regions.cancel()
        self.cancel_track()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop both jobs and join both threads."""
        self._restore_cursor()
        regions = self.regions.shutdown(timeout_ms)
        return self.tracks.shutdown(timeout_ms) and regions
