from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

import random

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QAction, QFont, QKeySequence, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QPushButton, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from narrlocal_gui.core import narration_edits as ne
from narrlocal_gui.core.model import Narration, Phrase, Project, Segment, VideoRef, Word
from narrlocal_gui.ui import transcript_views
from narrlocal_gui.ui.shortcut_guard import ShortcutGuard
from narrlocal_gui.ui.transcript_models import (
    CURRENT_ROLE,
    TIME_ROLE,
    UNSURE_ROLE,
    PhraseListModel,
    SegmentListModel,
    unsure_ranges,
)
from narrlocal_gui.ui.transcript_panel import (
    EMPTY_TITLE,
    NO_VIDEO_TITLE,
    TranscriptPanel,
)
from narrlocal_gui.ui.transcript_views import TextRowEditor

DISPLAY = Qt.ItemDataRole.DisplayRole


def _segment(text: str, start: float, step: float = 0.4, unsure: str = "") -> Segment:
    words = []
    t = start
    for token in text.split():
        words.append(Word(token, t, t + step, 0.3 if token == unsure else 0.9))
        t += step
    return Segment(text, start, t, tuple(words))


SEGMENTS = (
    _segment("put some oil into a pan", 1.0),
    _segment("and add chopped onions", 4.0, unsure="chopped"),
    _segment("stir until they are golden brown", 8.0),
)
PHRASES = (
    Phrase("p1", "put some oil into a pan", 1.0, 3.4),
    Phrase("p2", "and add chopped onions", 4.0, 5.6),
    Phrase("p3", "stir until golden", 8.0, 10.4),
)


def _project(segments: tuple[Segment, ...] = SEGMENTS, phrases: tuple[Phrase, ...] = PHRASES):
    return Project(
        video=VideoRef("cooking.mp4", duration=60.0),
        narration=Narration(segments, "en", "asr:base"),
        phrases=phrases,
    )


def _long_project(count: int = 400) -> Project:
    segments = tuple(
        _segment(f"line {i} of a long talk about cooking onions slowly", i * 5.0)
        for i in range(count)
    )
    phrases = tuple(Phrase(f"p{i}", s.text, s.start, s.end) for i, s in enumerate(segments))
    return _project(segments, phrases)


def _select(panel: TranscriptPanel, phrase_id: str | None) -> None:
    """Select as the window does: in the selection the panel shows."""
    project = panel._project
    assert project is not None
    panel.selection_model().select_phrase(project, phrase_id)


@pytest.fixture
def panel(qtbot: QtBot) -> TranscriptPanel:
    widget = TranscriptPanel()
    qtbot.addWidget(widget)
    widget.resize(450, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_project(_project())
    return widget


def _settle(qtbot: QtBot, panel: TranscriptPanel) -> None:
    """Wait until both lists have laid out every row (they do it in batches)."""
    for view in (panel.transcript_view(), panel.phrase_view()):
        model = view.model()
        last = model.index(model.rowCount() - 1, 0)
        qtbot.waitUntil(lambda v=view, i=last: v.visualRect(i).isValid(), timeout=3000)


def _row_point(view: transcript_views.TranscriptListView, row: int) -> QPoint:
    rect = view.visualRect(view.model().index(row, 0))
    return QPoint(rect.right() - 20, rect.center().y())


def _button(panel: TranscriptPanel, name: str) -> QToolButton:
    button = panel.findChild(QToolButton, name)
    assert button is not None
    return button


def _open_editor(
    qtbot: QtBot, view: transcript_views.TranscriptListView, row: int
) -> TextRowEditor:
    view.setCurrentIndex(view.model().index(row, 0))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    while editor is not None and not isinstance(editor, TextRowEditor):
        editor = editor.parentWidget()
    assert isinstance(editor, TextRowEditor)
    return editor


def _double_click(qtbot: QtBot, widget: QWidget, pos: QPoint) -> None:
    """What a real double-click delivers: press, release, double-click, release."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)
    event = QMouseEvent(
        QEvent.Type.MouseButtonDblClick,
        QPointF(pos),
        QPointF(widget.mapToGlobal(pos)),
        Qt.MouseButton.LeftButton,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=pos)


# -- models -------------------------------------------------------------------------------
def test_unsure_words_are_found_in_the_text() -> None:
    segment = Segment(
        "the the cat sat",
        0.0,
        2.0,
        (
            Word("the", 0.0, 0.2, 0.9),
            Word(" the", 0.2, 0.4, 0.2),
            Word("dog", 0.4, 0.6, 0.1),  # edited away since: not in the text
            Word("sat", 0.8, 1.0, 0.45),
        ),
    )
    assert unsure_ranges(segment) == ((4, 3), (12, 3))


def test_segment_rows_show_time_text_and_unsure_words(qtbot: QtBot) -> None:
    model = SegmentListModel()
    model.set_segments(SEGMENTS)
    assert model.rowCount() == 3
    index = model.index(1, 0)
    assert index.data(DISPLAY) == "and add chopped onions"
    assert index.data(TIME_ROLE) == "00:04.0"
    assert index.data(UNSURE_ROLE) == ((8, 7),)
    assert "chopped" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert model.unsure_word_count() == 1
    assert model.flags(index) & Qt.ItemFlag.ItemIsEditable


def test_same_segments_change_nothing_and_one_edit_refreshes_one_row(qtbot: QtBot) -> None:
    model = SegmentListModel()
    model.set_segments(SEGMENTS)
    resets: list[int] = []
    changed: list[tuple[int, int]] = []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(lambda a, b, _roles=(): changed.append((a.row(), b.row())))
    model.set_segments(SEGMENTS)
    model.set_segments(tuple(SEGMENTS))  # equal and identical rows: nothing to announce
    assert resets == [] and changed == []
    edited = ne.set_segment_text(_project(), 1, "and add sliced onions").narration.segments
    model.set_segments(edited)
    assert resets == []
    assert changed == [(1, 1)]
    assert model.index(1, 0).data(DISPLAY) == "and add sliced onions"
    model.set_segments(edited[:2])
    assert resets == [1]


def test_row_at_matches_a_linear_search() -> None:
    rng = random.Random(5)
    phrases = []
    t = 0.0
    for i in range(300):
        t += rng.uniform(0.0, 2.0)
        phrases.append(Phrase(f"p{i}", "x", t, t + rng.uniform(0.0, 3.0)))
    phrases.sort(key=lambda p: (p.start, p.end))
    model = PhraseListModel()
    model.set_phrases(tuple(phrases))
    for _ in range(500):
        at = rng.uniform(-1.0, t + 4.0)
        spoken = [i for i, p in enumerate(phrases) if p.start <= at < p.end]
        row = model.row_at(at)
        if not spoken:
            assert row is None
        else:
            assert row in spoken


# -- empty states -------------------------------------------------------------------------
def test_empty_state_tells_what_to_do_and_its_buttons_ask_for_it(qtbot: QtBot) -> None:
    panel = TranscriptPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_project(None)
    texts = [label.text() for label in panel.findChildren(type(panel._empty_title))]
    assert NO_VIDEO_TITLE in texts
    transcribe = panel.findChild(QPushButton, "transcribeButton")
    imp = panel.findChild(QPushButton, "importButton")
    assert transcribe is not None and imp is not None
    assert not transcribe.isVisible()
    panel.set_project(Project())  # what the window holds before a video is opened
    assert panel._empty_title.text() == NO_VIDEO_TITLE
    assert not transcribe.isVisible()
    panel.set_project(Project(video=VideoRef("v.mp4", duration=5.0)))
    assert panel._empty_title.text() == EMPTY_TITLE
    assert "Ctrl+T" in panel._empty_text.text() and "Ctrl+I" in panel._empty_text.text()
    assert transcribe.isVisible() and transcribe.isEnabled()
    with qtbot.waitSignal(panel.transcribe_requested, timeout=1000):
        qtbot.mouseClick(transcribe, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(panel.import_requested, timeout=1000):
        qtbot.mouseClick(imp, Qt.MouseButton.LeftButton)
    panel.set_busy(True)
    assert not transcribe.isEnabled() and not imp.isEnabled()
    panel.set_busy(False)
    assert transcribe.isEnabled()


def test_lists_show_once_there_is_a_narration(panel: TranscriptPanel) -> None:
    assert panel.transcript_view().isVisible()
    assert panel.phrase_view().model().rowCount() == 3
    assert panel.transcript_view().model().rowCount() == 3


def test_extract_is_offered_when_there_is_a_transcript(
    panel: TranscriptPanel, qtbot: QtBot
) -> None:
    extract = _button(panel, "extractButton")
    assert extract.isEnabled()
    assert extract.text().startswith("Extract Again")
    with qtbot.waitSignal(panel.extract_requested, timeout=1000):
        qtbot.mouseClick(extract, Qt.MouseButton.LeftButton)
    panel.set_busy(True)
    assert not extract.isEnabled()
    panel.set_busy(False)
    panel.set_project(_project(segments=()))  # phrases without a transcript
    assert not extract.isEnabled()
    panel.set_project(_project(phrases=()))
    assert extract.isEnabled() and extract.text().startswith("Extract Phrases")


# -- seeking, highlighting, following -----------------------------------------------------
def test_clicking_rows_seeks_and_selects(panel: TranscriptPanel, qtbot: QtBot) -> None:
    _settle(qtbot, panel)
    seeks: list[float] = []
    selected: list[str] = []
    panel.seek_requested.connect(seeks.append)
    panel.phrase_selected.connect(selected.append)
    view = panel.transcript_view()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=_row_point(view, 2))
    assert seeks == [8.0]
    view = panel.phrase_view()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=_row_point(view, 1))
    assert seeks == [8.0, 4.0]
    assert selected == ["p2"]
    assert panel.selected_phrase() == "p2"


def test_the_shared_selection_is_shown_without_echo(panel: TranscriptPanel, qtbot: QtBot) -> None:
    with qtbot.assertNotEmitted(panel.phrase_selected):
        _select(panel, "p3")
    assert panel.selected_phrase() == "p3"
    _select(panel, None)
    assert panel.selected_phrase() is None


def test_the_spoken_rows_are_marked(panel: TranscriptPanel) -> None:
    panel.set_position(4.5)
    assert panel.segment_model().index(1, 0).data(CURRENT_ROLE)
    assert panel.phrase_model().index(1, 0).data(CURRENT_ROLE)
    assert not panel.segment_model().index(0, 0).data(CURRENT_ROLE)
    panel.set_position(6.5)  # between phrases: none is being spoken
    assert panel.phrase_model().current_row() is None
    image_before = panel.phrase_view().grab().toImage()
    panel.set_position(9.0)
    assert panel.phrase_view().grab().toImage() != image_before


def test_lists_follow_the_playhead_until_the_user_scrolls(
    panel: TranscriptPanel, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _long_project()
    panel.set_project(project)
    _settle(qtbot, panel)
    view = panel.transcript_view()

    def shown(row: int) -> bool:
        rect = view.visualRect(view.model().index(row, 0))
        return view.viewport().rect().contains(rect)

    assert not shown(300)
    panel.set_position(300 * 5.0 + 1.0)
    qtbot.waitUntil(lambda: shown(300), timeout=3000)
    monkeypatch.setattr(transcript_views, "FOLLOW_PAUSE_S", 1e9)
    pos = QPointF(view.viewport().rect().center())
    wheel = QWheelEvent(
        pos,
        QPointF(view.viewport().mapToGlobal(pos)),
        QPoint(),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), wheel)
    top = view.indexAt(QPoint(1, 1)).row()
    panel.set_position(20 * 5.0 + 1.0)  # the user is reading: leave the list where it is
    qtbot.wait(10)
    assert view.indexAt(QPoint(1, 1)).row() == top
    assert not shown(20)
    monkeypatch.setattr(transcript_views, "FOLLOW_PAUSE_S", 0.0)
    panel.set_position(21 * 5.0 + 1.0)
    qtbot.waitUntil(lambda: shown(21), timeout=3000)


def test_an_edit_that_resets_the_list_keeps_the_place_and_selection(
    panel: TranscriptPanel, qtbot: QtBot
) -> None:
    project = _long_project()
    panel.set_project(project)
    _settle(qtbot, panel)
    view = panel.phrase_view()
    _select(panel, "p250")
    top_before = view.indexAt(QPoint(1, 1)).row()
    assert top_before > 200
    panel.set_project(ne.split_phrase(project, "p250", 5, "new"))
    qtbot.waitUntil(lambda: view.indexAt(QPoint(1, 1)).row() == top_before, timeout=3000)
    assert panel.selected_phrase() == "p250"


def test_set_project_with_the_same_lists_does_not_reset(
    panel: TranscriptPanel, qtbot: QtBot
) -> None:
    resets: list[str] = []
    panel.segment_model().modelReset.connect(lambda: resets.append("segments"))
    panel.phrase_model().modelReset.connect(lambda: resets.append("phrases"))
    project = _project()
    panel.set_project(project)
    panel.set_project(ne.set_phrase_text(project, "p1", "pour some oil"))
    assert resets == []
    panel.set_project(ne.delete_phrase(project, "p1"))
    assert resets == ["phrases"]


# -- editing ------------------------------------------------------------------------------
def test_editing_a_segment_in_place(panel: TranscriptPanel, qtbot: QtBot) -> None:
    edits: list[tuple[int, str]] = []
    panel.segment_text_edited.connect(lambda i, t: edits.append((i, t)))
    view = panel.transcript_view()
    editor = _open_editor(qtbot, view, 1)
    assert editor.text() == "and add chopped onions"
    editor.selectAll()
    qtbot.keyClicks(editor, "and add sliced onions")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert edits == [(1, "and add sliced onions")]
    assert panel._transcript_delegate.editor() is None


def test_escape_cancels_an_edit(panel: TranscriptPanel, qtbot: QtBot) -> None:
    view = panel.transcript_view()
    with qtbot.assertNotEmitted(panel.segment_text_edited):
        editor = _open_editor(qtbot, view, 0)
        qtbot.keyClicks(editor, " quickly")
        qtbot.keyClick(editor, Qt.Key.Key_Escape)
        view.setFocus()
        qtbot.wait(1)


def test_double_clicking_a_word_selects_it_for_fixing(panel: TranscriptPanel, qtbot: QtBot) -> None:
    _settle(qtbot, panel)
    view = panel.transcript_view()
    index = view.model().index(1, 0)
    rect = view.visualRect(index)
    delegate = panel._transcript_delegate
    # The middle of "chopped" in the laid-out row.
    text = "and add chopped onions"
    metrics_x = view.fontMetrics().horizontalAdvance(text[: text.index("chopped") + 3])
    point = QPoint(rect.left() + round(delegate.text_left()) + metrics_x, rect.top() + 12)
    assert delegate.char_at(index, point, rect) in range(8, 15)
    _double_click(qtbot, view.viewport(), point)
    editor = delegate.editor()
    assert editor is not None
    assert editor.textCursor().selectedText() == "chopped"
    edits: list[tuple[int, str]] = []
    panel.segment_text_edited.connect(lambda i, t: edits.append((i, t)))
    qtbot.keyClicks(editor, "diced")
    qtbot.keyClick(editor, Qt.Key.Key_Enter)
    assert edits == [(1, "and add diced onions")]


def _panel_in_window(
    qtbot: QtBot, shortcuts: tuple[str, ...]
) -> tuple[QMainWindow, TranscriptPanel, list[str]]:
    """A panel inside a window whose actions have these single-key shortcuts."""
    window = QMainWindow()
    qtbot.addWidget(window)
    panel = TranscriptPanel()
    window.setCentralWidget(panel)
    window.resize(450, 700)
    fired: list[str] = []
    for key in shortcuts:
        action = QAction(key, window)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _c=False, k=key: fired.append(k))
        window.addAction(action)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    panel.set_project(_project())
    return window, panel, fired


def test_editing_a_phrase_keeps_the_keys_from_window_shortcuts(qtbot: QtBot) -> None:
    ShortcutGuard.install(QApplication.instance())  # type: ignore[arg-type]
    _window, panel, fired = _panel_in_window(qtbot, ("Space", "Up", "Home", "K", "Delete"))
    edits: list[tuple[str, str]] = []
    panel.phrase_text_edited.connect(lambda i, t: edits.append((i, t)))
    editor = _open_editor(qtbot, panel.phrase_view(), 2)
    for key in (Qt.Key.Key_Home, Qt.Key.Key_Up, Qt.Key.Key_Delete):
        qtbot.keyClick(QApplication.focusWidget(), key)
    qtbot.keyClicks(QApplication.focusWidget(), "K ")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert fired == []
    assert edits == [("p3", "K tir until golden")]
    assert editor.finished
    # The shortcuts are live: outside the editor, K is the window's.
    qtbot.keyClick(panel.phrase_view(), Qt.Key.Key_K)
    assert fired == ["K"]


def test_delete_key_in_the_phrase_list_deletes_the_phrase_not_a_window_shortcut(
    qtbot: QtBot,
) -> None:
    _window, panel, fired = _panel_in_window(qtbot, ("Delete",))
    view = panel.phrase_view()
    _select(panel, "p2")
    view.setFocus()
    with qtbot.waitSignal(panel.delete_requested, timeout=1000) as blocker:
        qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert blocker.args == ["p2"]
    assert fired == []
    panel.transcript_view().setFocus()  # the transcript list leaves Delete to the window
    qtbot.keyClick(panel.transcript_view(), Qt.Key.Key_Delete)
    assert fired == ["Delete"]


# -- split, merge, delete -----------------------------------------------------------------
def test_split_without_editing_cuts_before_the_middle_word(
    panel: TranscriptPanel, qtbot: QtBot
) -> None:
    split = _button(panel, "splitButton")
    assert not split.isEnabled()  # nothing selected
    _select(panel, "p1")
    assert split.isEnabled()
    with qtbot.waitSignal(panel.split_requested, timeout=1000) as blocker:
        qtbot.mouseClick(split, Qt.MouseButton.LeftButton)
    assert blocker.args == ["p1", ne.middle_split_index(PHRASES[0].text)]
    panel.set_project(_project(phrases=(Phrase("one", "word", 1.0, 2.0),)))
    _select(panel, "one")
    assert not split.isEnabled()


def test_split_while_editing_cuts_at_the_cursor(panel: TranscriptPanel, qtbot: QtBot) -> None:
    signals: list[tuple[str, ...]] = []
    panel.split_requested.connect(lambda i, c: signals.append(("split", i, str(c))))
    panel.phrase_text_edited.connect(lambda i, t: signals.append(("text", i, t)))
    editor = _open_editor(qtbot, panel.phrase_view(), 1)
    cursor = editor.textCursor()
    cursor.setPosition(len("and add"))
    editor.setTextCursor(cursor)
    qtbot.mouseClick(_button(panel, "splitButton"), Qt.MouseButton.LeftButton)
    assert signals == [("split", "p2", "7")]
    assert panel._phrase_delegate.editor() is None
    # Typed but not yet committed: the text is saved first, and cut where the cursor is.
    signals.clear()
    editor = _open_editor(qtbot, panel.phrase_view(), 2)
    editor.setPlainText("stir  until golden\nbrown")
    cursor = editor.textCursor()
    cursor.setPosition(len("stir  until "))
    editor.setTextCursor(cursor)
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert signals == [
        ("text", "p3", "stir until golden brown"),
        ("split", "p3", str(len("stir until"))),
    ]


def test_merge_with_next_and_delete(panel: TranscriptPanel, qtbot: QtBot) -> None:
    merge = _button(panel, "mergeButton")
    delete = _button(panel, "deleteButton")
    _select(panel, "p2")
    with qtbot.waitSignal(panel.merge_requested, timeout=1000) as blocker:
        qtbot.mouseClick(merge, Qt.MouseButton.LeftButton)
    assert blocker.args == ["p2", "p3"]
    with qtbot.waitSignal(panel.delete_requested, timeout=1000) as blocker:
        qtbot.mouseClick(delete, Qt.MouseButton.LeftButton)
    assert blocker.args == ["p2"]
    _select(panel, "p3")
    assert not merge.isEnabled()  # the last phrase has no next
    assert delete.isEnabled()


def test_merge_commits_the_open_edit_first(panel: TranscriptPanel, qtbot: QtBot) -> None:
    signals: list[str] = []
    panel.phrase_text_edited.connect(lambda i, t: signals.append(f"text {i} {t}"))
    panel.merge_requested.connect(lambda a, b: signals.append(f"merge {a} {b}"))
    editor = _open_editor(qtbot, panel.phrase_view(), 0)
    editor.setPlainText("pour oil")
    qtbot.mouseClick(_button(panel, "mergeButton"), Qt.MouseButton.LeftButton)
    assert signals == ["text p1 pour oil", "merge p1 p2"]


# -- streaming ----------------------------------------------------------------------------
def test_streamed_segments_show_until_the_transcript_arrives(qtbot: QtBot) -> None:
    panel = TranscriptPanel()
    qtbot.addWidget(panel)
    panel.show()
    empty = Project(video=VideoRef("v.mp4", duration=60.0))
    panel.set_project(empty)
    panel.set_busy(True)
    model = panel.segment_model()
    for segment in SEGMENTS[:2]:
        panel.append_streaming_segment(segment)
    assert panel.transcript_view().isVisible()
    assert model.rowCount() == 2
    index = model.index(1, 0)
    assert index.data(DISPLAY) == SEGMENTS[1].text
    font = index.data(Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.italic()
    assert not model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert "Transcribing" in panel._transcript_info.text()
    panel.set_project(empty)  # an unrelated update while transcribing keeps the stream
    assert model.rowCount() == 2
    panel.set_project(_project())  # the finished transcript
    panel.set_busy(False)
    assert model.rowCount() == 3
    assert model.index(1, 0).data(Qt.ItemDataRole.FontRole) is None
    assert model.flags(model.index(1, 0)) & Qt.ItemFlag.ItemIsEditable
    panel.append_streaming_segment(SEGMENTS[0])
    assert model.rowCount() == 1
    panel.clear_streaming()  # cancelled: back to the project's transcript
    assert model.rowCount() == 3


# -- playback while working ---------------------------------------------------------------
def test_following_playback_does_not_lay_the_rows_out_again(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    measured: list[int] = []
    size_hint = transcript_views.TimedTextDelegate.sizeHint

    def counting(self: transcript_views.TimedTextDelegate, *args: object) -> object:
        measured.append(1)
        return size_hint(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(transcript_views.TimedTextDelegate, "sizeHint", counting)
    panel = TranscriptPanel()
    qtbot.addWidget(panel)
    panel.resize(450, 700)
    panel.show()
    panel.set_project(_long_project(300))
    _settle(qtbot, panel)
    qtbot.wait(150)  # any re-wrap after the first layout (the scroll bar appearing)
    measured.clear()
    for row in range(10):
        panel.set_position(row * 5.0 + 1.0)
        qtbot.wait(1)
    assert panel.segment_model().current_row() == 9
    # Painting measures the rows in view; one relayout alone would measure all 600 rows.
    assert len(measured) < 600


def test_an_open_editor_keeps_its_text_while_the_playhead_passes(
    panel: TranscriptPanel, qtbot: QtBot
) -> None:
    editor = _open_editor(qtbot, panel.transcript_view(), 1)
    qtbot.keyClicks(editor, " now")
    for t in (4.5, 9.0, 4.2):
        panel.set_position(t)
    assert editor.text() == "and add chopped onions now"
    # The row itself refreshed under the editor (another edit's undo): the typing stays.
    panel.set_project(ne.set_segment_text(_project(), 1, "and add onions"))
    assert editor.text() == "and add chopped onions now"
    edits: list[tuple[int, str]] = []
    panel.segment_text_edited.connect(lambda i, t: edits.append((i, t)))
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert edits == [(1, "and add chopped onions now")]
