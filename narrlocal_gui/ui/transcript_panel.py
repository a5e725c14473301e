"""The transcript panel: the narration and its phrases, read and corrected in place.

Two lists share the panel, one above the other: the transcript (one row per narration
segment) and the phrases. Both show the time and the whole text, wrapped, and mark the row
being spoken at the playhead. Clicking a row seeks there. Double-click (or F2) edits a row's
text in place; double-clicking a word selects it, so fixing a misheard word is a double-click
and typing. Enter commits, Esc cancels.

Phrases can be split, merged with the next one, deleted, or extracted again from the
transcript. Split cuts at the text cursor while a phrase is being edited (also Ctrl+Enter in
the editor); otherwise it cuts before the word nearest the middle of the phrase, so the usual
case needs no dialog and a wrong cut is one Undo away.

The panel edits nothing itself: every change leaves as a request signal, becomes an undoable
edit elsewhere (see :mod:`narrlocal_gui.ui.narration_edits`), and comes back through
:meth:`TranscriptPanel.set_project`.

While a transcription runs its segments stream in (:meth:`append_streaming_segment`), shown in
italics in place of the transcript until the finished one arrives with :meth:`set_project`
(a project whose narration differs) or :meth:`clear_streaming` is called; whoever runs the job
should call it when the job ends in any way.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from narrlocal_gui.core.model import Phrase, Project, Segment
from narrlocal_gui.core.narration_edits import middle_split_index
from narrlocal_gui.core.selection import Selection
from narrlocal_gui.ui.selection_model import SelectionModel
from narrlocal_gui.ui.transcript_models import PhraseListModel, SegmentListModel
from narrlocal_gui.ui.transcript_views import TimedTextDelegate, TranscriptListView

NO_VIDEO_TITLE = "No video open"
NO_VIDEO_TEXT = "Open a video (Ctrl+O) to transcribe its narration."
EMPTY_TITLE = "No narration yet"
EMPTY_TEXT = (
    "Transcribe the audio (Ctrl+T) or import a transcript (Ctrl+I): "
    "SRT, WebVTT, JSON with times, or plain text to be aligned."
)
NO_TRANSCRIPT_TEXT = "No transcript. Transcribe the audio (Ctrl+T) or import one (Ctrl+I)."
NO_PHRASES_TEXT = "No phrases yet. Extract them from the transcript."
NO_PHRASES_YET_TEXT = "Phrases can be extracted once the transcription is done."


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _title(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label


def _info_label() -> QLabel:
    label = QLabel()
    palette = label.palette()
    palette.setColor(
        QPalette.ColorRole.WindowText, palette.color(QPalette.ColorRole.PlaceholderText)
    )
    label.setPalette(palette)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


def _tool_button(action: QAction) -> QToolButton:
    button = QToolButton()
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    # Never takes focus: clicking Split keeps the phrase editor (and its cursor) open.
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return button


class TranscriptPanel(QWidget):
    seek_requested = Signal(float)
    phrase_selected = Signal(str)  # the user chose this row: go there (the navigator)
    segment_text_edited = Signal(int, str)  # segment index, new text
    phrase_text_edited = Signal(str, str)  # phrase id, new text
    split_requested = Signal(str, int)  # phrase id, char index
    merge_requested = Signal(str, str)  # first id, second id
    delete_requested = Signal(str)  # phrase id
    extract_requested = Signal()
    transcribe_requested = Signal()
    import_requested = Signal()
    localize_requested = Signal(str)  # phrase id

    def __init__(
        self, parent: QWidget | None = None, *, selection: SelectionModel | None = None
    ) -> None:
        """``selection``: the window's; without one the panel has its own (tests)."""
        super().__init__(parent)
        self._project: Project | None = None
        self._selection = SelectionModel(self) if selection is None else selection
        self._selection.changed.connect(self._on_selection_changed)
        self._busy = False
        self._selecting = False
        self._restore_id: str | None = None

        self._segment_model = SegmentListModel(self)
        self._segment_model.text_edited.connect(self.segment_text_edited)
        self._phrase_model = PhraseListModel(self)
        self._phrase_model.text_edited.connect(self.phrase_text_edited)

        self._build_actions()
        self._stack = QStackedWidget(self)
        self._stack.addWidget(self._build_empty_page())
        self._stack.addWidget(self._build_lists())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)
        self._refresh()

    # -- data in -----------------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        old = self._project
        self._project = project
        if project is None:
            self._segment_model.clear_streaming()
            self._segment_model.set_segments(())
            self._phrase_model.set_phrases(())
        else:
            narration_changed = old is None or (
                project.narration is not old.narration and project.narration != old.narration
            )
            if narration_changed:
                self._segment_model.clear_streaming()  # the finished transcript is here
            self._segment_model.set_segments(project.narration.segments)
            self._phrase_model.set_phrases(project.phrases)
        self._refresh()

    def set_position(self, t: float) -> None:
        """The playhead moved: mark the rows spoken now and keep them in view."""
        for model, view in (
            (self._segment_model, self._transcript),
            (self._phrase_model, self._phrases),
        ):
            before = model.current_row()
            row = model.set_current_time(t)
            if row is not None and row != before:
                view.follow(row)

    def selection_model(self) -> SelectionModel:
        return self._selection

    def _on_selection_changed(self, selection: Selection) -> None:
        self._show_selected(selection.phrase_id)

    def _show_selected(self, phrase_id: str | None) -> None:
        """Select the phrase's row and scroll to it; as the selection's echo, emits nothing."""
        row = None if phrase_id is None else self._phrase_model.row_of(phrase_id)
        self._selecting = True
        try:
            selection = self._phrases.selectionModel()
            if row is None:
                selection.clearSelection()
                selection.setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.Clear)
            else:
                index = self._phrase_model.index(row, 0)
                selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
                self._phrases.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        finally:
            self._selecting = False
        self._refresh_actions()

    def append_streaming_segment(self, segment: Segment) -> None:
        view = self._transcript
        bar = view.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4 or not self._segment_model.is_streaming()
        self._segment_model.append_streaming(segment)
        if at_end and not view.user_scrolled_recently():
            view.scrollToBottom()  # like a log: follow the newest line unless reading back
        self._refresh()

    def clear_streaming(self) -> None:
        self._segment_model.clear_streaming()
        self._refresh()

    def set_busy(self, busy: bool) -> None:
        """While a narration job runs: no second transcription, import or extraction."""
        self._busy = busy
        self._refresh_actions()

    # -- lookups (for the window and the tests) ----------------------------------------
    def transcript_view(self) -> TranscriptListView:
        return self._transcript

    def phrase_view(self) -> TranscriptListView:
        return self._phrases

    def segment_model(self) -> SegmentListModel:
        return self._segment_model

    def phrase_model(self) -> PhraseListModel:
        return self._phrase_model

    def selected_phrase(self) -> str | None:
        phrase = self._current_phrase()
        return None if phrase is None else phrase.id

    # -- building ----------------------------------------------------------------------
    def _build_actions(self) -> None:
        def action(text: str, tip: str, slot: object) -> QAction:
            act = QAction(text, self)
            act.setToolTip(tip)
            act.setStatusTip(tip)
            act.triggered.connect(slot)
            return act

        self.transcribe_action = action(
            "Transcribe…", "Transcribe the audio track offline (Ctrl+T)", self.transcribe_requested
        )
        self.import_action = action(
            "Import…",
            "Import a transcript: SRT, WebVTT, JSON with times, or plain text (Ctrl+I)",
            self.import_requested,
        )
        self.split_action = action(
            "Split",
            "Split the phrase at the text cursor, or before its middle word (Ctrl+Enter while "
            "editing)",
            self._split,
        )
        self.merge_action = action(
            "Merge with Next", "Join the phrase and the one after it", self._merge
        )
        self.delete_action = action("Delete", "Delete the phrase and its indicator", self._delete)
        self.extract_action = action(
            "Extract Again",
            "Split the transcript into phrases again (localizations of unchanged phrases are kept)",
            self.extract_requested,
        )
        self.localize_action = action(
            "Localize This Phrase",
            "Find again when and where in the picture this phrase happens (Ctrl+Shift+L)",
            self._localize,
        )
        self.edit_segment_action = action(
            "Edit Text", "Edit the text of this part of the transcript (F2)", self._edit_segment
        )

    def _build_empty_page(self) -> QWidget:
        page = QWidget(self)
        self._empty_title = _title(EMPTY_TITLE)
        self._empty_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty_text = QLabel(EMPTY_TEXT)
        self._empty_text.setWordWrap(True)
        self._empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._transcribe_button = QPushButton("Transcribe Audio")
        self._transcribe_button.setObjectName("transcribeButton")
        self._transcribe_button.setToolTip(self.transcribe_action.toolTip())
        self._transcribe_button.clicked.connect(self.transcribe_requested)
        self._import_button = QPushButton("Import Transcript…")
        self._import_button.setObjectName("importButton")
        self._import_button.setToolTip(self.import_action.toolTip())
        self._import_button.clicked.connect(self.import_requested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self._transcribe_button)
        buttons.addWidget(self._import_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(10)
        layout.addStretch(1)
        layout.addWidget(self._empty_title)
        layout.addWidget(self._empty_text)
        layout.addLayout(buttons)
        layout.addStretch(2)
        return page

    def _build_lists(self) -> QWidget:
        self._transcript = TranscriptListView(NO_TRANSCRIPT_TEXT)
        self._transcript.setObjectName("transcriptList")
        self._transcript.setModel(self._segment_model)
        self._transcript_delegate = TimedTextDelegate(self._transcript, "00:00.0")
        self._transcript.setItemDelegate(self._transcript_delegate)
        self._transcript.clicked.connect(self._on_segment_clicked)
        self._transcript.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self._transcript.customContextMenuRequested.connect(self._segment_menu)

        self._phrases = TranscriptListView(NO_PHRASES_TEXT)
        self._phrases.setObjectName("phraseList")
        self._phrases.claimed_keys = frozenset(
            {Qt.Key.Key_F2, Qt.Key.Key_Delete, Qt.Key.Key_Backspace}
        )
        self._phrases.setModel(self._phrase_model)
        self._phrase_delegate = TimedTextDelegate(self._phrases, "00:00.0–00:00.0")
        self._phrases.setItemDelegate(self._phrase_delegate)
        self._phrase_delegate.editing_changed.connect(lambda _e: self._refresh_actions())
        self._phrase_delegate.split_here.connect(self._split)
        self._phrases.clicked.connect(self._on_phrase_clicked)
        self._phrases.delete_pressed.connect(self._delete)
        self._phrases.selectionModel().currentRowChanged.connect(self._on_current_phrase_changed)
        self._phrases.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self._phrases.customContextMenuRequested.connect(self._phrase_menu)
        self._phrase_model.modelAboutToBeReset.connect(self._remember_selection)
        self._phrase_model.modelReset.connect(self._restore_selection)

        self._transcript_info = _info_label()
        self._phrase_info = _info_label()

        transcript_header = QHBoxLayout()
        transcript_header.setContentsMargins(4, 0, 0, 0)
        transcript_header.addWidget(_title("Transcript"))
        transcript_header.addWidget(self._transcript_info, 1)
        transcript_header.addWidget(_tool_button(self.transcribe_action))
        transcript_header.addWidget(_tool_button(self.import_action))

        phrase_header = QHBoxLayout()
        phrase_header.setContentsMargins(4, 0, 0, 0)
        phrase_header.addWidget(_title("Phrases"))
        phrase_header.addWidget(self._phrase_info, 1)
        self._extract_button = _tool_button(self.extract_action)
        self._extract_button.setObjectName("extractButton")
        phrase_header.addWidget(self._extract_button)

        phrase_buttons = QHBoxLayout()
        phrase_buttons.setContentsMargins(0, 0, 0, 0)
        for act, name in (
            (self.split_action, "splitButton"),
            (self.merge_action, "mergeButton"),
            (self.delete_action, "deleteButton"),
        ):
            button = _tool_button(act)
            button.setObjectName(name)
            phrase_buttons.addWidget(button)
        phrase_buttons.addStretch(1)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(3)
        top_layout.addLayout(transcript_header)
        top_layout.addWidget(self._transcript, 1)

        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 4, 0, 0)
        bottom_layout.setSpacing(3)
        bottom_layout.addLayout(phrase_header)
        bottom_layout.addWidget(self._phrases, 1)
        bottom_layout.addLayout(phrase_buttons)

        self._splitter = QSplitter(Qt.Orientation.Vertical, self)
        self._splitter.setObjectName("transcriptSplitter")
        self._splitter.setChildrenCollapsible(False)
        self._splitter.addWidget(top)
        self._splitter.addWidget(bottom)
        self._splitter.setStretchFactor(0, 3)
        self._splitter.setStretchFactor(1, 2)
        return self._splitter

    # -- state ---------------------------------------------------------------------------
    def _refresh(self) -> None:
        project = self._project
        streaming = self._segment_model.is_streaming()
        has_content = project is not None and (
            bool(project.narration.segments) or bool(project.phrases)
        )
        self._stack.setCurrentIndex(1 if has_content or streaming else 0)
        has_video = project is not None and project.video is not None
        self._empty_title.setText(EMPTY_TITLE if has_video else NO_VIDEO_TITLE)
        self._empty_text.setText(EMPTY_TEXT if has_video else NO_VIDEO_TEXT)
        self._transcribe_button.setVisible(has_video)
        self._import_button.setVisible(has_video)
        if streaming:
            count = self._segment_model.streaming_count()
            self._transcript_info.setText(f"Transcribing… {_plural(count, 'segment')} so far")
        else:
            segments = self._segment_model.segments()
            info = _plural(len(segments), "segment") if segments else ""
            unsure = self._segment_model.unsure_word_count() if segments else 0
            if unsure:
                info += f" · {_plural(unsure, 'unsure word')}"
            self._transcript_info.setText(info)
        self._phrases.placeholder = NO_PHRASES_YET_TEXT if streaming else NO_PHRASES_TEXT
        phrases = self._phrase_model.phrases()
        self._phrase_info.setText(_plural(len(phrases), "phrase") if phrases else "")
        self.extract_action.setText("Extract Again" if phrases else "Extract Phrases")
        self._refresh_actions()

    def _refresh_actions(self) -> None:
        project = self._project
        # Narration belongs to a video: nothing to transcribe or import before one is open.
        idle = project is not None and project.video is not None and not self._busy
        self.transcribe_action.setEnabled(idle)
        self.import_action.setEnabled(idle)
        self._transcribe_button.setEnabled(idle)
        self._import_button.setEnabled(idle)
        self.extract_action.setEnabled(
            idle
            and project is not None
            and bool(project.narration.segments)
            and not self._segment_model.is_streaming()
        )
        phrase = self._current_phrase()
        editing = self._phrase_delegate.editor() is not None
        can_split = phrase is not None and (editing or middle_split_index(phrase.text) is not None)
        self.split_action.setEnabled(can_split)
        self.merge_action.setEnabled(phrase is not None and self._next_phrase(phrase) is not None)
        self.delete_action.setEnabled(phrase is not None)
        self.localize_action.setEnabled(
            phrase is not None and project is not None and project.video is not None
        )

    def _current_phrase(self) -> Phrase | None:
        index = self._phrases.selectionModel().currentIndex()
        if not index.isValid() or not self._phrases.selectionModel().isSelected(index):
            return None
        return self._phrase_model.phrase(index.row())

    def _next_phrase(self, phrase: Phrase) -> Phrase | None:
        row = self._phrase_model.row_of(phrase.id)
        if row is None or row + 1 >= self._phrase_model.rowCount():
            return None
        return self._phrase_model.phrase(row + 1)

    # -- requests ------------------------------------------------------------------------
    def _split(self) -> None:
        editor = self._phrase_delegate.editor()
        row = self._phrase_delegate.editor_row()
        if editor is not None and row is not None:
            phrase = self._phrase_model.phrase(row)
            typed, cursor = editor.text(), editor.cursor_position()
            # The editor may hold unsaved typing: save it as it will be stored (whitespace
            # collapsed) and cut at the same place in that text.
            text = " ".join(typed.split())
            index = len(" ".join(typed[:cursor].split()))
            self._phrase_delegate.finish(editor, commit=False)
            if text and text != phrase.text:
                self.phrase_text_edited.emit(phrase.id, text)
            self.split_requested.emit(phrase.id, index)
            return
        current = self._current_phrase()
        if current is None:
            return
        middle = middle_split_index(current.text)
        if middle is not None:
            self.split_requested.emit(current.id, middle)

    def _merge(self) -> None:
        self._commit_phrase_editor()
        phrase = self._current_phrase()
        following = None if phrase is None else self._next_phrase(phrase)
        if phrase is not None and following is not None:
            self.merge_requested.emit(phrase.id, following.id)

    def _delete(self) -> None:
        editor = self._phrase_delegate.editor()
        if editor is not None:
            self._phrase_delegate.finish(editor, commit=False)
        phrase = self._current_phrase()
        if phrase is not None:
            self.delete_requested.emit(phrase.id)

    def _localize(self) -> None:
        self._commit_phrase_editor()
        phrase = self._current_phrase()
        if phrase is not None:
            self.localize_requested.emit(phrase.id)

    def _commit_phrase_editor(self) -> None:
        editor = self._phrase_delegate.editor()
        if editor is not None:
            self._phrase_delegate.finish(editor, commit=True)

    def _edit_segment(self) -> None:
        index = self._transcript.currentIndex()
        if index.isValid():
            self._transcript.edit(index)

    # -- view events ---------------------------------------------------------------------
    def _on_segment_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.seek_requested.emit(self._segment_model.segment(index.row()).start)

    def _on_phrase_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            phrase = self._phrase_model.phrase(index.row())
            self.seek_requested.emit(phrase.start)

    def _on_current_phrase_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._selecting and current.isValid():
            self.phrase_selected.emit(self._phrase_model.phrase(current.row()).id)
        self._refresh_actions()

    def _remember_selection(self) -> None:
        self._restore_id = self.selected_phrase()

    def _restore_selection(self) -> None:
        # A reset (a phrase split, merged or deleted) drops the selection; keep it by id.
        phrase_id, self._restore_id = self._restore_id, None
        row = None if phrase_id is None else self._phrase_model.row_of(phrase_id)
        if row is not None:
            self._selecting = True
            try:
                self._phrases.selectionModel().setCurrentIndex(
                    self._phrase_model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect,
                )
            finally:
                self._selecting = False
        self._refresh_actions()

    def _phrase_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        for act in (self.split_action, self.merge_action, self.delete_action):
            menu.addAction(act)
        menu.addSeparator()
        menu.addAction(self.localize_action)
        menu.addAction(self.extract_action)
        menu.exec(self._phrases.viewport().mapToGlobal(pos))

    def _segment_menu(self, pos: QPoint) -> None:
        index = self._transcript.indexAt(pos)
        if index.isValid():
            self._transcript.setCurrentIndex(index)  # what "Edit Text" will edit
        menu = QMenu(self)
        self.edit_segment_action.setEnabled(
            index.isValid() and not self._segment_model.is_streaming()
        )
        menu.addAction(self.edit_segment_action)
        menu.addSeparator()
        menu.addAction(self.transcribe_action)
        menu.addAction(self.import_action)
        menu.exec(self._transcript.viewport().mapToGlobal(pos))
