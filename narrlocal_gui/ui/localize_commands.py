"""The Localize menu's behaviour: localize all phrases, localize one again, cancel.

The work runs on the :class:`LocalizerWorker`'s thread, owned here and joined on
:meth:`LocalizeCommands.shutdown`. One run at a time. Results stream in: each phrase's
indicator is applied as soon as its result arrives, and the whole run is ONE undo step (each
result is merged into the run's step; the merge key is the run, so a second run never merges
into the first; autosave waits for the end of a run, as a save would split it). A result is
applied only if its phrase is still what was sent: a phrase whose
text or times were edited meanwhile, or that was deleted, is skipped (localize it again).
A cancel keeps the phrases already localized and leaves the others as they were. A phrase
whose localization fails is skipped; the run goes on and lists the skipped ones at its end.

The status bar shows where the localizer runs ("Localizer: CPU", "Localizer: GPU (CUDA) …"),
and says so when it had to move to the CPU during a run (the GPU ran out of memory).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from narrlocal_gui.core.ids import new_id
from narrlocal_gui.core.model import HeatSample, Phrase, Project, TrackPoint
from narrlocal_gui.localizer.settings import LocalizeSettings, pipeline_device
from narrlocal_gui.ui import dialogs
from narrlocal_gui.ui.actions import Actions
from narrlocal_gui.ui.document import ProjectDocument
from narrlocal_gui.ui.job_controller import JobController
from narrlocal_gui.ui.localizer_worker import (
    THREAD_NAME,
    DeviceChosen,
    LocalizationFinished,
    LocalizeRequest,
    LocalizerWorker,
    PhraseLocalized,
    PhraseSkipped,
)
from narrlocal_gui.ui.progress_widget import ProgressWidget
from narrlocal_gui.ui.settings import LocalizerMethod, Preferences, PreferencesStore
from narrlocal_gui.ui.worker_thread import StageStarted

if TYPE_CHECKING:
    from narrlocal_gui.ui.transcript_panel import TranscriptPanel

log = logging.getLogger(__name__)

LOCALIZE = "Localize phrases"
NO_PHRASES = (
    "There are no phrases to localize: transcribe the audio (Ctrl+T) or import a transcript "
    "(Ctrl+I) first."
)
NO_SELECTION = "Select a phrase in the transcript panel first, then localize it again."
UNKNOWN_PHRASE = "That phrase no longer exists."
STATUS_MS = 10_000
#: Skipped phrases named in the end-of-run message; the rest are counted.
FAILURES_LISTED = 5
DEVICE_PREFIX = "Localizer: "

#: The error dialog; tests record it instead.
ShowError = Callable[[QWidget, str], None]

_run_keys = itertools.count(1)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def localizer_options(prefs: Preferences) -> LocalizeSettings:
    comma = prefs.localizer_method is LocalizerMethod.COMMA
    built_in = prefs.localizer_method is LocalizerMethod.BUILT_IN
    return LocalizeSettings(
        # comma without a checkpoint runs the built-in model (localizer/methods/shipped.py)
        method="comma" if comma or built_in else "",
        window=prefs.localizer_window,
        device=pipeline_device(prefs.localizer_device.value),
        checkpoint=prefs.comma_checkpoint if comma else None,
    )


@dataclass(frozen=True, slots=True)
class LocalizedPhrase:
    """One result as the undoable edit applies it (plain data, comparable)."""

    phrase_id: str
    track: tuple[TrackPoint, ...]
    heatmaps: tuple[HeatSample, ...]
    score: float | None
    new_indicator_id: str


def apply_localized(project: Project, run_key: str, result: LocalizedPhrase) -> Project:
    """The project with ``result`` applied; the edit of a localization run.

    ``run_key`` names the run: ProjectDocument.apply(..., merge=True) merges edits with the
    same arguments but the last, so every result of one run joins ONE undo step and a later
    run (another key) makes its own.
    """
    from narrlocal_gui.core.localization_edits import apply_localization

    return apply_localization(
        project,
        result.phrase_id,
        result.track,
        result.heatmaps,
        result.score,
        new_indicator_id=result.new_indicator_id,
    )


def _same(a: Phrase, b: Phrase) -> bool:
    return (a.text, a.start, a.end) == (b.text, b.start, b.end)


def progress_text(done: int, total: int) -> str:
    """The progress display's label while phrase ``done + 1`` of ``total`` is worked on."""
    if total == 1:
        return "Localizing 1 phrase…"
    return f"Localizing {min(done + 1, total)} of {total} phrases…"


@dataclass(slots=True)
class _Run:
    id: int
    video: str
    #: The phrases as sent, by id: a result is applied only if its phrase is still the same.
    phrases: dict[str, Phrase]
    key: str = field(default_factory=lambda: f"localize-{next(_run_keys)}")
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    applied: int = 0
    stale: int = 0
    notice: str = ""
    #: (phrase text, reason) of the phrases skipped because they failed.
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.phrases)


class LocalizeCommands(QObject):
    """The run's progress, end and status lines go through ``jobs`` (its
    :class:`JobController`)."""

    device_notice_changed = Signal(str)  # "Localizer: CPU" for the status bar's label
    phrase_applied = Signal(str)  # phrase id whose indicator was just localized

    # Requests to the worker; queued, because it lives in another thread.
    _localize = Signal(LocalizeRequest)

    def __init__(
        self,
        window: QWidget,
        document: ProjectDocument,
        preferences: PreferencesStore,
        worker: LocalizerWorker | None = None,
        show_error: ShowError = dialogs.show_error,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._document = document
        self._preferences = preferences
        self._show_error = show_error
        self._actions: Actions | None = None
        self._panel: TranscriptPanel | None = None
        self.device_label: QLabel | None = None
        self.worker = worker if worker is not None else LocalizerWorker()
        # The run's autosave hold ends with it, whichever way it ends.
        self.jobs: JobController[_Run] = JobController(
            self,
            self.worker,
            THREAD_NAME,
            status_ms=STATUS_MS,
            on_failed=self._on_failed,
            on_end=document.release_autosave,
        )

        self._localize.connect(self.worker.localize)
        self.worker.phrase_localized.connect(self._on_phrase)
        self.worker.phrase_failed.connect(self._on_phrase_failed)
        self.worker.stage_started.connect(self._on_stage)
        self.worker.device_chosen.connect(self._on_device)
        self.worker.finished_all.connect(self._on_finished)
        document.changed.connect(self._on_project)

    # -- wiring helper -------------------------------------------------------------------------
    def attach(
        self,
        actions: Actions,
        panel: TranscriptPanel,
        progress: ProgressWidget,
        status_bar: QStatusBar,
    ) -> None:
        """Connect the menu, the transcript panel, a progress display and the status bar
        (where a permanent label shows the localizer's device)."""
        actions.localize_all.triggered.connect(self.localize_all)
        actions.localize_selected.triggered.connect(self.localize_selected)
        actions.cancel_localization.triggered.connect(self.cancel)
        self._actions = actions
        self.jobs.busy_changed.connect(self._enable_actions)
        self._enable_actions()

        self._panel = panel
        panel.localize_requested.connect(self.localize_phrase)

        self.jobs.attach(progress, status_bar, self.cancel)
        label = QLabel(status_bar)
        label.setObjectName("localizerDeviceLabel")
        label.setToolTip("Where the localizer runs (Preferences > Localizer device)")
        status_bar.addPermanentWidget(label)
        self.device_label = label
        self.device_notice_changed.connect(label.setText)
        self._preferences.changed.connect(self._on_preferences)
        self._on_preferences(self._preferences.prefs)

    # -- requests ------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.jobs.busy

    @Slot()
    def localize_all(self) -> None:
        self._start(self._document.project.phrases)

    @Slot()
    def localize_selected(self) -> None:
        """Localize again the phrase selected in the transcript panel."""
        phrase_id = None if self._panel is None else self._panel.selected_phrase()
        if phrase_id is None:
            self.jobs.report(NO_SELECTION)
            return
        self.localize_phrase(phrase_id)

    @Slot(str)
    def localize_phrase(self, phrase_id: str) -> None:
        phrase = next((p for p in self._document.project.phrases if p.id == phrase_id), None)
        if phrase is None:
            self.jobs.report(UNKNOWN_PHRASE)
            return
        self._start((phrase,))

    @Slot()
    def cancel(self) -> None:
        """Stop the run; the phrases already localized stay (one undo step), the rest as
        they were."""
        run = self.jobs.cancel()
        if run is None:
            return
        self.jobs.report(
            f"Localization cancelled: {self._applied_text(run)} kept; the others are unchanged."
        )

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop the running job and join the worker's thread; False if it did not stop."""
        return self.jobs.shutdown(timeout_ms)

    # -- results -------------------------------------------------------------------------------
    @Slot(StageStarted)
    def _on_stage(self, stage: StageStarted) -> None:
        run = self.jobs.current(stage.job_id)
        if run is not None:
            self.jobs.stage_started.emit(stage.text)
            if run.done == 0 and not stage.text.startswith("Loading"):
                self.jobs.label_changed.emit(progress_text(0, run.total))

    @Slot(DeviceChosen)
    def _on_device(self, chosen: DeviceChosen) -> None:
        run = self.jobs.current(chosen.job_id)
        if run is None:
            return
        notice = chosen.notice
        self.device_notice_changed.emit(DEVICE_PREFIX + notice)
        if run.notice and notice != run.notice:
            self.jobs.report(
                f"The localizer moved from {run.notice} to {notice} (the GPU ran out of "
                "memory); the rest is slower."
            )
        run.notice = notice

    @Slot(PhraseLocalized)
    def _on_phrase(self, localized_phrase: PhraseLocalized) -> None:
        run = self.jobs.current(localized_phrase.job_id)
        if run is None:
            return  # stale: cancelled, superseded, or another video opened
        result = localized_phrase.result
        run.done += 1
        if run.done < run.total:
            self.jobs.label_changed.emit(progress_text(run.done, run.total))
        sent = run.phrases.get(result.phrase_id)
        project = self._document.project
        now = next((p for p in project.phrases if p.id == result.phrase_id), None)
        if sent is None or now is None or not _same(sent, now) or self._video() != run.video:
            run.stale += 1
            log.info("dropped the localization of %r: the phrase changed", result.phrase_id)
            return
        indicator = project.indicator_for_phrase(result.phrase_id)
        localized = LocalizedPhrase(
            result.phrase_id,
            tuple(result.track),
            tuple(result.heatmaps),
            result.score,
            indicator.id if indicator is not None else new_id("ind"),
        )
        self._document.apply(LOCALIZE, apply_localized, run.key, localized, merge=True)
        run.applied += 1
        self.phrase_applied.emit(result.phrase_id)

    @Slot(PhraseSkipped)
    def _on_phrase_failed(self, skipped: PhraseSkipped) -> None:
        run = self.jobs.current(skipped.job_id)
        if run is None:
            return
        run.done += 1
        if run.done < run.total:
            self.jobs.label_changed.emit(progress_text(run.done, run.total))
        run.failed.append((skipped.failure.text, skipped.failure.reason))

    @Slot(LocalizationFinished)
    def _on_finished(self, finished: LocalizationFinished) -> None:
        run = self.jobs.current(finished.job_id)
        if run is None:
            return
        self.jobs.end()
        seconds = time.monotonic() - run.started
        where = f" on {run.notice}" if run.notice else ""
        message = f"Localized {self._applied_text(run)} in {seconds:.0f} s{where}."
        if run.stale:
            message += (
                f" {run.stale} changed while being localized and kept their old indicator: "
                "localize them again (Ctrl+Shift+L)."
            )
        if run.failed:
            self._report_failures(run)
        self.jobs.report(message)

    def _report_failures(self, run: _Run) -> None:
        shown = run.failed[:FAILURES_LISTED]
        lines = [f"• “{_short(text)}”: {reason}" for text, reason in shown]
        if len(run.failed) > len(shown):
            lines.append(f"… and {len(run.failed) - len(shown)} more (see the log).")
        count = len(run.failed)
        head = (
            "1 phrase could not be localized and was skipped:"
            if count == 1
            else f"{count} phrases could not be localized and were skipped:"
        )
        self._show_error(self._window, head + "\n" + "\n".join(lines))

    def _on_failed(self, run: _Run, message: str) -> None:
        # The run has ended (JobController); say what it kept.
        if run.applied:
            message += f" The {self._applied_text(run)} finished before are kept."
        self._show_error(self._window, message)

    @Slot(object)
    def _on_project(self, _project: Project) -> None:
        self._enable_actions()

    @Slot(object)
    def _on_preferences(self, prefs: Preferences) -> None:
        # Until a run says where it really runs, the label shows what was asked for.
        if not self.jobs.busy:
            self.device_notice_changed.emit(DEVICE_PREFIX + prefs.localizer_device.label)

    # -- internals -----------------------------------------------------------------------------
    def _start(self, phrases: tuple[Phrase, ...]) -> None:
        video = self._video()
        if video is None or self.jobs.busy:
            return  # the actions are disabled then; a stray shortcut does nothing
        if not phrases:
            self._show_error(self._window, NO_PHRASES)
            return
        # An autosave between two results would split the run into several undo steps.
        self._document.hold_autosave()
        sent = {p.id: p for p in phrases}
        run = self.jobs.start(lambda job_id: _Run(job_id, video, sent), progress_text(0, len(sent)))
        options = localizer_options(self._preferences.prefs)
        self._localize.emit(LocalizeRequest(run.id, video, tuple(phrases), options))

    def _video(self) -> str | None:
        video = self._document.project.video
        return None if video is None else video.path

    @staticmethod
    def _applied_text(run: _Run) -> str:
        if run.total == 1:
            return "the phrase" if run.applied else "no phrase"
        return f"{run.applied} of {run.total} phrases"

    @Slot(bool)
    def _enable_actions(self, _busy: bool = False) -> None:
        a = self._actions
        if a is None:
            return
        busy = self.jobs.busy
        has_video = self._video() is not None
        a.localize_all.setEnabled(has_video and not busy)
        a.localize_selected.setEnabled(has_video and not busy)
        a.cancel_localization.setEnabled(busy)
