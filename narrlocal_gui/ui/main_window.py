"""The main window: creates the parts and connects them. It holds no behaviour of its own.

What does what:

* :class:`ProjectDocument` — the project being edited, undo, saving, autosave;
* :class:`PlayerController` — the clock, the sound, which frame to render;
* :class:`OpenCoordinator` — the worker threads that open videos and projects, decode the
  sound and render frames;
* :class:`FileCommands` — the File menu; :class:`IndicatorEdits` — the indicator panel's
  and the box editor's undoable edits; :class:`PhraseNavigator` — going to phrases;
* :class:`SelectionModel` — the one selection (a phrase and its indicator) that every view
  shows and writes, whichever view it was made in;
* :class:`BoxEditor` — selecting, moving, resizing and drawing boxes in the picture;
  :class:`KeyframeCommands` — the Boxes menu's keyframe commands; :class:`BoxCommands` —
  Box from Click and Track Forward on their worker threads;
* :class:`NarrationCommands` — the Narration menu and its worker thread;
  :class:`LocalizeCommands` — the Localize menu and the localizer's worker thread;
  :class:`AdaptCommands` — Localize > Adapt to My Videos… and the training's worker thread;
  :class:`NarrationEdits` — the transcript panel's and the timeline's undoable edits;
* :class:`ExportCommands` — File > Export (video, annotations, still) on the export worker's
  thread, and the in/out points that mark the range to export;
* :class:`SearchCommands` — finding a moment by typing (the field over the timeline, the
  Search menu), the phrases' action spans and their proposals, on the search worker's
  thread;
* the widgets (video, transport, timeline, indicator and transcript panels, the search bar
  and results) only show and request.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QWidget,
)

from narrlocal_gui.core.byte_sizes import MIB
from narrlocal_gui.core.model import Project
from narrlocal_gui.core.time_format import format_timecode
from narrlocal_gui.media.audio_output import AudioOutput
from narrlocal_gui.ui import dialogs
from narrlocal_gui.ui.actions import build_actions, build_menus
from narrlocal_gui.ui.adapt_commands import AdaptCommands
from narrlocal_gui.ui.appearance_dialog import AppearanceChosen, AppearanceDialog
from narrlocal_gui.ui.audio_worker import Waveform
from narrlocal_gui.ui.box_commands import BoxCommands
from narrlocal_gui.ui.box_editor import BoxEditor
from narrlocal_gui.ui.document import ProjectDocument
from narrlocal_gui.ui.export_commands import ExportCommands
from narrlocal_gui.ui.file_commands import FileCommands
from narrlocal_gui.ui.indicator_edits import IndicatorEdits
from narrlocal_gui.ui.indicator_panel import IndicatorPanel
from narrlocal_gui.ui.keyframe_commands import KeyframeCommands
from narrlocal_gui.ui.localize_commands import LocalizeCommands
from narrlocal_gui.ui.narration_commands import NarrationCommands
from narrlocal_gui.ui.narration_edits import NarrationEdits
from narrlocal_gui.ui.open_coordinator import OpenCoordinator, OpenedDocument
from narrlocal_gui.ui.phrase_navigator import PhraseNavigator
from narrlocal_gui.ui.player_controller import PlayerController, ShownFrame
from narrlocal_gui.ui.preferences_dialog import PreferencesDialog
from narrlocal_gui.ui.progress_widget import ProgressWidget
from narrlocal_gui.ui.recent_menu import RecentMenu
from narrlocal_gui.ui.search_actions import add_search_menus, build_search_actions
from narrlocal_gui.ui.search_commands import SearchCommands
from narrlocal_gui.ui.search_panel import SearchBar, SearchResultsPanel
from narrlocal_gui.ui.search_results import SearchResults, search_marks
from narrlocal_gui.ui.selection_model import SelectionModel
from narrlocal_gui.ui.settings import (
    WINDOW_STATE_VERSION,
    Preferences,
    PreferencesStore,
    load_window_state,
    save_window_state,
)
from narrlocal_gui.ui.shortcut_guard import ShortcutGuard
from narrlocal_gui.ui.timeline_widget import TimelineWidget
from narrlocal_gui.ui.transcript_panel import TranscriptPanel
from narrlocal_gui.ui.transport_bar import JUMP_SECONDS, TransportBar
from narrlocal_gui.ui.video_view import VideoView

APP_NAME = "NarrLocal"
NO_VIDEO_MESSAGE = "Open a video (Ctrl+O) or a project (Ctrl+Shift+O), or drop a file here"
STATUS_SECONDS = 8


class MainWindow(QMainWindow):
    def __init__(
        self,
        settings: QSettings | None = None,
        audio_output: AudioOutput | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setAcceptDrops(False)  # the video view is the drop target
        self.preferences = PreferencesStore(settings if settings is not None else QSettings(), self)
        prefs = self.preferences.prefs

        # -- the parts that do the work ------------------------------------------------------
        self.document = ProjectDocument(prefs.autosave_seconds, parent=self)
        self.controller = PlayerController(audio_output, parent=self)
        self.opener = OpenCoordinator(
            prefs.frame_cache_mb * MIB, prefs.default_duration, parent=self
        )
        self.indicator_edits = IndicatorEdits(self.document, self)
        self.appearance = AppearanceDialog(self)
        self.selection = SelectionModel(self)
        self.navigator = PhraseNavigator(self.document, self.controller, self.selection, self)
        self.files = FileCommands(self, self.document, self.opener, self.preferences)
        self.narration = NarrationCommands(self, self.document, self.preferences)
        self.narration_edits = NarrationEdits(self.document, self)
        self.localize = LocalizeCommands(self, self.document, self.preferences)
        self.exports = ExportCommands(self, self.document, self.preferences, self.controller)
        self.adaptation = AdaptCommands(self, self.preferences)
        self.search = SearchCommands(self, self.document, self.selection)

        # -- the widgets -------------------------------------------------------------------
        # The picture is the central widget; the transport bar and the timeline share the
        # bottom dock area at full width, the indicator list sits beside the picture. That
        # keeps the window's minimum width to the widest single row (fits 1366-px screens).
        self.video_view = VideoView()
        self.setCentralWidget(self.video_view)
        self.box_editor = BoxEditor(self.video_view, self.selection, self)
        self.keyframes = KeyframeCommands(
            self.document, self.box_editor, self.indicator_edits, self
        )
        self.box_commands = BoxCommands(self.document, self.box_editor, self.indicator_edits, self)
        self.transport = TransportBar()
        self.timeline = TimelineWidget(selection=self.selection)
        self.indicator_panel = IndicatorPanel(selection=self.selection)
        self.transcript_panel = TranscriptPanel(selection=self.selection)
        transport_dock = self._dock(
            "Transport", "transportDock", self.transport, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        # Always there, under the picture: no title bar, cannot be closed or moved.
        transport_dock.setTitleBarWidget(QWidget(transport_dock))
        transport_dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        timeline_dock = self._dock(
            "Timeline", "timelineDock", self.timeline, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        # The timeline under the transport bar, not beside it.
        self.splitDockWidget(transport_dock, timeline_dock, Qt.Orientation.Vertical)
        # The search field sits in the timeline's title bar: it finds moments on it.
        self.search_bar = SearchBar("Timeline", timeline_dock)
        timeline_dock.setTitleBarWidget(self.search_bar)
        self.timeline_dock = timeline_dock
        indicator_dock = self._dock(
            "Indicators",
            "indicatorDock",
            self.indicator_panel,
            Qt.DockWidgetArea.RightDockWidgetArea,
        )
        # Tabbed with the indicator list: side by side, neither has room at 768 px high.
        self.transcript_dock = self._dock(
            "Transcript",
            "transcriptDock",
            self.transcript_panel,
            Qt.DockWidgetArea.RightDockWidgetArea,
        )
        self.tabifyDockWidget(indicator_dock, self.transcript_dock)
        self.search_panel = SearchResultsPanel()
        self.search_dock = self._dock(
            "Search Results",
            "searchDock",
            self.search_panel,
            Qt.DockWidgetArea.RightDockWidgetArea,
        )
        self.tabifyDockWidget(indicator_dock, self.search_dock)
        indicator_dock.raise_()
        self.indicator_dock = indicator_dock

        self.progress = ProgressWidget()
        # A second display: narration jobs and opening files may run at the same time.
        self.narration_progress = ProgressWidget()
        self.localize_progress = ProgressWidget()
        # Its own display: an export may run while the localizer works.
        self.export_progress = ProgressWidget()
        self.adapt_progress = ProgressWidget()
        self.track_progress = ProgressWidget()
        self.search_progress = ProgressWidget()
        self.clock_label = QLabel()
        self.clock_label.setObjectName("clockSourceLabel")
        self.clock_label.setToolTip("What keeps the picture in time")
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.narration_progress)
        self.statusBar().addPermanentWidget(self.localize_progress)
        self.statusBar().addPermanentWidget(self.export_progress)
        self.statusBar().addPermanentWidget(self.adapt_progress)
        self.statusBar().addPermanentWidget(self.track_progress)
        self.statusBar().addPermanentWidget(self.search_progress)
        self.statusBar().addPermanentWidget(self.clock_label)

        self.recent_menu = RecentMenu(self)
        self.window_actions = build_actions(self, self.document.undo_stack)
        build_menus(
            self,
            self.window_actions,
            self.recent_menu,
            [
                indicator_dock.toggleViewAction(),
                self.transcript_dock.toggleViewAction(),
                timeline_dock.toggleViewAction(),
                self.search_dock.toggleViewAction(),
            ],
        )
        self.search_actions = build_search_actions(self)
        add_search_menus(self.menuBar(), self.search_actions)
        self.addActions(self.search_actions.all())
        self.transport.set_shortcuts(self.window_actions.transport_shortcuts())
        app = QApplication.instance()
        if isinstance(app, QApplication):
            ShortcutGuard.install(app)

        self._wire_document()
        self._wire_player()
        self._wire_engines()
        self._wire_widgets()
        self._wire_narration()
        self._wire_localize()
        self._wire_boxes()
        self._wire_exports()
        self._wire_search()
        self._wire_actions()
        self._apply_preferences(prefs)
        self.window_actions.mute.setChecked(prefs.muted)
        self.controller.set_volume(prefs.volume)
        self.transport.set_volume(prefs.volume)
        self.transport.set_audio_available(self.controller.audio_available)
        self.video_view.set_message(NO_VIDEO_MESSAGE)
        self.clock_label.setText(self.controller.clock_source)
        self._refresh_title()
        self._restore_window_state()
        # Without this, Qt gives the first Tab-focusable widget (the speed box) the focus,
        # and it swallows Up/Down (previous/next phrase) and the other bare-key shortcuts.
        self.video_view.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- public --------------------------------------------------------------------------------
    def open_path(self, path: Path) -> None:
        """Open a video or a project (from the command line, say)."""
        self.files.open_path(Path(path))

    def open_demo(self) -> None:
        """Open the demo project; it starts playing, so a newcomer sees the whole idea at once."""
        self.opener.open_demo()

    # -- wiring --------------------------------------------------------------------------------
    def _wire_document(self) -> None:
        doc = self.document
        # First, so every view that gets the new project already shows a selection in it.
        doc.changed.connect(self.selection.prune)
        doc.changed.connect(self.controller.set_project)
        doc.changed.connect(self.timeline.set_project)
        doc.changed.connect(self.indicator_panel.set_project)
        doc.changed.connect(self.transcript_panel.set_project)
        doc.path_changed.connect(self._refresh_title)
        doc.modified_changed.connect(self._refresh_title)
        doc.changed.connect(self._refresh_title)
        doc.save_failed.connect(self._show_error)
        doc.autosave_failed.connect(self._show_status)
        doc.saved.connect(lambda path: self._show_status(f"Saved to {path}"))

    def _wire_player(self) -> None:
        c = self.controller
        c.position_changed.connect(self.transport.set_position)
        c.position_changed.connect(self.timeline.set_position)
        c.position_changed.connect(self.transcript_panel.set_position)
        c.frame_shown.connect(self._show_frame)
        c.playing_changed.connect(self.transport.set_playing)
        c.rate_changed.connect(self.transport.set_speed)
        c.active_indicators_changed.connect(self.indicator_panel.set_active_ids)
        c.clock_source_changed.connect(self.clock_label.setText)
        c.render_error.connect(self._show_status)

    def _wire_engines(self) -> None:
        opener, media = self.opener, self.opener.media_worker
        # Render requests cross to the media thread and results come back: both queued.
        self.controller.render_requested.connect(media.render)
        media.rendered.connect(self.controller.on_rendered)
        media.render_failed.connect(self.controller.on_render_failed)
        opener.started.connect(self.progress.begin)
        opener.progressed.connect(self.progress.update)
        opener.ended.connect(self.progress.end)
        self.progress.cancel_requested.connect(opener.cancel)
        opener.audio_loaded.connect(self._show_audio)
        opener.audio_failed.connect(self._on_audio_failed)
        self.files.opened.connect(self._show_opened)
        self.preferences.changed.connect(self._apply_preferences)

    def _wire_widgets(self) -> None:
        t, c = self.transport, self.controller
        t.play_toggled.connect(c.toggle)
        t.step_requested.connect(c.step)
        t.jump_requested.connect(c.jump)
        t.start_requested.connect(c.to_start)
        t.end_requested.connect(c.to_end)
        t.speed_changed.connect(c.set_speed)
        t.mute_toggled.connect(self.window_actions.mute.setChecked)
        t.volume_changed.connect(c.set_volume)

        self.timeline.seek_requested.connect(c.seek)
        self.timeline.scrub_started.connect(c.begin_scrub)
        self.timeline.scrub_finished.connect(c.end_scrub)
        self.timeline.phrase_clicked.connect(self.navigator.go_to_phrase)

        p, e = self.indicator_panel, self.indicator_edits
        p.enabled_toggled.connect(e.set_enabled)
        p.style_chosen.connect(e.set_style)
        p.duration_chosen.connect(e.set_duration)
        p.default_duration_chosen.connect(e.set_default_duration)
        p.all_enabled_chosen.connect(e.set_all_enabled)
        p.indicator_activated.connect(self.navigator.go_to_indicator)
        look = self.appearance
        look.appearance_chosen.connect(self._set_appearance)
        look.restore_requested.connect(e.restore_appearance)
        self.document.changed.connect(look.set_project)

        self.video_view.files_dropped.connect(self.files.open_dropped)
        self.recent_menu.path_chosen.connect(self.files.open_recent)
        self.recent_menu.clear_requested.connect(self.files.clear_recent)

    def _wire_narration(self) -> None:
        n, e, p = self.narration, self.narration_edits, self.transcript_panel
        n.attach(self.window_actions, p, self.narration_progress, self.statusBar())
        # The job was for the project that was open; a newly opened one makes it moot.
        self.files.opened.connect(n.cancel)
        p.seek_requested.connect(self.controller.seek)
        p.phrase_selected.connect(self.navigator.go_to_phrase)
        p.segment_text_edited.connect(e.set_segment_text)
        p.phrase_text_edited.connect(e.set_phrase_text)
        p.split_requested.connect(e.split_phrase)
        p.merge_requested.connect(e.merge_phrases)
        p.delete_requested.connect(e.delete_phrase)
        self.timeline.phrase_retimed.connect(e.retime_phrase)
        e.rejected.connect(self._show_status)
        n.jobs.busy_changed.connect(self._show_transcript)

    def _wire_localize(self) -> None:
        loc, panel = self.localize, self.transcript_panel
        loc.attach(self.window_actions, panel, self.localize_progress, self.statusBar())
        # The run was for the project that was open; a newly opened one makes it moot.
        self.files.opened.connect(loc.cancel)
        # Adapting goes on whatever is opened (it trains on another folder).
        self.adaptation.attach(self.window_actions, self.adapt_progress, self.statusBar())

    def _wire_boxes(self) -> None:
        b, e, k, c, a = (
            self.box_editor,
            self.indicator_edits,
            self.keyframes,
            self.controller,
            self.window_actions,
        )
        self.document.changed.connect(b.set_project)
        c.position_changed.connect(b.set_position)
        c.playing_changed.connect(b.set_playing)
        b.frame_project_changed.connect(c.set_project)  # a drag's preview
        b.seek_requested.connect(c.seek)
        b.pause_requested.connect(c.pause)
        b.box_changed.connect(e.set_keyframe)
        b.box_drawn.connect(e.draw_box)
        b.message.connect(self._show_status)
        e.rejected.connect(self._show_status)
        self.indicator_panel.hide_interpolated_toggled.connect(e.set_hide_interpolated)
        a.draw_box.toggled.connect(b.set_draw_mode)
        b.draw_mode_changed.connect(a.draw_box.setChecked)
        a.previous_keyframe.triggered.connect(k.previous_keyframe)
        a.next_keyframe.triggered.connect(k.next_keyframe)
        a.delete_keyframe.triggered.connect(k.delete_keyframe)
        a.delete_box.triggered.connect(k.delete_box)
        k.seek_requested.connect(c.seek)
        k.message.connect(self._show_status)
        self.box_commands.attach(a, self.track_progress, self.statusBar())
        self.box_commands.message.connect(self._show_status)
        # The jobs were for the video that was open.
        self.files.opened.connect(self.box_commands.cancel)

    def _wire_exports(self) -> None:
        x = self.exports
        x.attach(self.window_actions, self.export_progress, self.statusBar())
        x.marks_changed.connect(self.timeline.set_in_out)
        # The marks are times of the video that was open; an export keeps running (it holds
        # its own copy of the project).
        self.files.opened.connect(x.reset_marks)

    def _wire_search(self) -> None:
        s, bar, panel = self.search, self.search_bar, self.search_panel
        s.attach(self.search_actions, self.search_progress, self.statusBar())
        self.search_actions.find.triggered.connect(self._focus_search)
        bar.query_entered.connect(s.run_query)
        s.results_changed.connect(bar.set_results)
        s.results_changed.connect(panel.set_results)
        s.results_changed.connect(self._show_search_results)
        s.proposals_changed.connect(self.indicator_panel.set_proposals)
        s.proposals_changed.connect(self._show_search_marks)
        self.document.changed.connect(self._show_search_marks)
        s.seek_requested.connect(self.controller.seek)
        panel.result_chosen.connect(s.go_to)
        panel.use_requested.connect(s.use_as_action_span)
        self.indicator_panel.follow_chosen.connect(self.indicator_edits.set_follow)

    def _wire_actions(self) -> None:
        a, c, f = self.window_actions, self.controller, self.files
        a.open_video.triggered.connect(f.open_video)
        a.open_project.triggered.connect(f.open_project)
        a.recover.triggered.connect(f.recover)
        a.save.triggered.connect(f.save)
        a.save_as.triggered.connect(f.save_as)
        a.preferences.triggered.connect(self._edit_preferences)
        a.quit.triggered.connect(self.close)
        a.play_pause.triggered.connect(c.toggle)
        a.previous_frame.triggered.connect(lambda: c.step(-1))
        a.next_frame.triggered.connect(lambda: c.step(1))
        a.jump_back.triggered.connect(lambda: c.jump(-JUMP_SECONDS))
        a.jump_forward.triggered.connect(lambda: c.jump(JUMP_SECONDS))
        a.shuttle_reverse.triggered.connect(lambda: c.shuttle("j"))
        a.shuttle_pause.triggered.connect(lambda: c.shuttle("k"))
        a.shuttle_forward.triggered.connect(lambda: c.shuttle("l"))
        a.to_start.triggered.connect(c.to_start)
        a.to_end.triggered.connect(c.to_end)
        a.mute.toggled.connect(c.set_muted)
        a.mute.toggled.connect(self.transport.set_muted)
        a.previous_phrase.triggered.connect(self.navigator.previous)
        a.next_phrase.triggered.connect(self.navigator.next)
        a.appearance.triggered.connect(self._show_appearance)
        a.shortcuts_help.triggered.connect(
            lambda: dialogs.ShortcutsDialog(
                self.window_actions.all() + self.search_actions.all(), self
            ).exec()
        )
        a.about.triggered.connect(lambda: dialogs.show_about(self))

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState/restoreState find docks by name
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    # -- small slots: hand data from one part to others ---------------------------------------
    @Slot()
    def _show_appearance(self) -> None:
        self.appearance.set_project(self.document.project)
        self.appearance.show()
        self.appearance.raise_()
        self.appearance.activateWindow()

    @Slot(object)
    def _show_opened(self, opened: OpenedDocument) -> None:
        info = opened.info
        self.controller.set_media(info, opened.frame_times)
        self.box_editor.set_frame_times(opened.frame_times)
        duration = self.controller.duration
        self.transport.set_duration(duration)
        self.timeline.set_duration(duration)
        self.timeline.set_frame_rate(None if info is None else info.fps)
        self.timeline.set_waveform(None, None, 0.0)
        # The tab with something in it: a project with phrases but nothing localized yet
        # shows its transcript, not an empty indicator list.
        project = opened.project
        if project.indicators or not (project.phrases or project.narration.segments):
            self.indicator_dock.raise_()
        else:
            self.transcript_dock.raise_()
        if info is None:
            self.video_view.set_message(NO_VIDEO_MESSAGE)
        else:
            if info.truncated and info.declared_duration is not None:
                self._show_status(
                    f"'{info.path.name}' is incomplete: its header claims "
                    f"{format_timecode(info.declared_duration)}, but only "
                    f"{format_timecode(info.duration)} exists. Playing what exists."
                )
            if opened.is_demo:
                self.controller.play()

    @Slot()
    def _focus_search(self) -> None:
        self.timeline_dock.show()
        self.search_bar.focus_field()

    @Slot(SearchResults)
    def _show_search_results(self, results: SearchResults) -> None:
        if results.query:
            self.search_dock.show()
            self.search_dock.raise_()
        self._show_search_marks()

    @Slot()
    def _show_search_marks(self, *_args: object) -> None:
        self.timeline.set_search_marks(
            search_marks(self.search.results, self.search.proposals, self.document.project.phrases)
        )

    @Slot(AppearanceChosen)
    def _set_appearance(self, chosen: AppearanceChosen) -> None:
        self.indicator_edits.set_appearance(chosen.field, chosen.value)

    @Slot(ShownFrame)
    def _show_frame(self, frame: ShownFrame) -> None:
        self.video_view.set_frame(frame.picture)

    @Slot(Waveform)
    def _show_audio(self, waveform: Waveform) -> None:
        self.controller.set_audio(waveform.track)
        self.timeline.set_waveform(waveform.mins, waveform.maxs, self.controller.duration)

    @Slot(str)
    def _on_audio_failed(self, message: str) -> None:
        self.controller.set_audio(None)
        self._show_status(f"Playing without sound: {message}")

    @Slot(object)
    def _apply_preferences(self, prefs: Preferences) -> None:
        self.recent_menu.set_paths(prefs.recent_files)
        self.document.set_autosave_seconds(prefs.autosave_seconds)
        self.opener.set_cache_bytes(prefs.frame_cache_mb * MIB)
        self.opener.default_duration = prefs.default_duration
        self.opener.default_follow = prefs.default_follow

    @Slot()
    def _edit_preferences(self) -> None:
        edited = PreferencesDialog.edit(self.preferences.prefs, self)
        if edited is not None:
            self.preferences.update(edited)

    @Slot()
    def _refresh_title(self) -> None:
        # "[*]" is where Qt shows the modified marker (an asterisk, or the macOS dot).
        self.setWindowTitle(f"{self.document.display_name}[*] — {APP_NAME}")
        self.setWindowModified(self.document.is_modified)

    @Slot(bool)
    def _show_transcript(self, busy: bool) -> None:
        # A narration job streams its segments into the panel: bring it to the front.
        if busy:
            self.transcript_dock.show()
            self.transcript_dock.raise_()

    @Slot(str)
    def _show_error(self, message: str) -> None:
        dialogs.show_error(self, message)

    @Slot(str)
    def _show_status(self, message: str) -> None:
        self.statusBar().showMessage(message, STATUS_SECONDS * 1000)

    # -- window state ------------------------------------------------------------------------
    def _restore_window_state(self) -> None:
        geometry, state = load_window_state(self.preferences.settings)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)
        if state is not None:
            self.restoreState(state, WINDOW_STATE_VERSION)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        if not self.exports.confirm_close() or not self.files.confirm_replace():
            event.ignore()
            return
        self.files.discard_if_chosen()
        self.document.stop_autosave()
        self.controller.close()
        self.opener.shutdown()
        self.narration.shutdown()
        self.localize.shutdown()
        self.adaptation.shutdown()
        self.search.shutdown()
        self.exports.shutdown()
        self.box_commands.shutdown()
        save_window_state(
            self.preferences.settings, self.saveGeometry(), self.saveState(WINDOW_STATE_VERSION)
        )
        self.preferences.update(
            replace(
                self.preferences.prefs,
                muted=self.window_actions.mute.isChecked(),
                volume=self.transport.volume(),
            )
        )
        super().closeEvent(event)

    @property
    def project(self) -> Project:
        return self.document.project
