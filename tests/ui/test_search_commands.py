"""Search in the window, on a fake engine on the real worker thread: a query's moments reach
the timeline and the results list, Enter / F3 step through them, a result becomes the
selected phrase's action span (undoable), bad queries are told in the status bar, the first
video's indexing can be cancelled, stale results are dropped, proposals are accepted, and an
indicator's Action column is an undoable edit."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QStatusBar, QWidget
from pytestqt.qtbot import QtBot

from narrlocal_gui.core.model import (
    Indicator,
    Narration,
    Phrase,
    Project,
    SpanChoice,
    VideoRef,
)
from narrlocal_gui.core.visibility import display_span
from narrlocal_gui.localizer.search.moment import Moment
from narrlocal_gui.progress import Cancelled
from narrlocal_gui.ui import search_worker
from narrlocal_gui.ui.document import ProjectDocument
from narrlocal_gui.ui.indicator_panel import Column
from narrlocal_gui.ui.main_window import MainWindow
from narrlocal_gui.ui.progress_widget import ProgressWidget
from narrlocal_gui.ui.search_actions import build_search_actions
from narrlocal_gui.ui.search_commands import NO_RESULT, NO_VIDEO, SearchCommands
from narrlocal_gui.ui.search_results import Proposals, SearchResults, search_marks
from narrlocal_gui.ui.search_worker import SearchWorker
from narrlocal_gui.ui.selection_model import SelectionModel

PHRASES = (
    Phrase("p1", "pour the water", 1.0, 2.0),
    Phrase("p2", "hello everyone", 0.0, 0.5, visual=False, not_visual_reason="greeting"),  # type: ignore[arg-type]
    Phrase("p3", "fold the note", 6.0, 7.0),
)
MOMENTS = (Moment(4.0, 6.0, 0.9), Moment(1.0, 2.5, 0.6), Moment(7.0, 8.0, 0.2))


class FakeEngine:
    """The search engine's methods the worker calls, with canned answers; ``gate`` holds
    the first indexing until released (or cancelled)."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.gate = gate
        self.indexed: list[str] = []
        self.queries: list[str] = []
        self.narrations: list[Narration] = []
        self.thread: threading.Thread | None = None

    def index_video(self, path: str, *, progress: Any = None, cancel: Any = None) -> str:
        self.thread = threading.current_thread()
        if self.gate is not None:
            while not self.gate.wait(0.01):
                if cancel is not None and cancel():
                    raise Cancelled("cancelled")
        if progress is not None:
            progress(1.0)
        self.indexed.append(path)
        return path

    def index_narration(self, narration: Narration) -> Narration:
        self.narrations.append(narration)
        return narration

    def search(
        self, video: str, query: str, narration: Any = None, *, top: int = 5
    ) -> list[Moment]:
        self.queries.append(query)
        return list(MOMENTS[:top]) if "nothing" not in query else []

    def action_span(
        self, video: str, phrase: str, start: float, end: float, *, window: float = 5.0
    ) -> Moment | None:
        return None if "fold" in phrase else Moment(start + 2.0, end + 3.0, 0.7)


class Setup:
    def __init__(self, qtbot: QtBot, tmp_path: Path, gate: threading.Event | None) -> None:
        self.window = QWidget()
        qtbot.addWidget(self.window)
        self.status = QStatusBar(self.window)
        self.progress = ProgressWidget(self.window)
        self.document = ProjectDocument(recovery_dir=tmp_path / "autosave", parent=self.window)
        self.selection = SelectionModel(self.window)
        self.engine = FakeEngine(gate)
        self.made = 0
        self.commands = SearchCommands(
            self.window, self.document, self.selection, SearchWorker(self._make)
        )
        self.actions = build_search_actions(self.window)
        self.commands.attach(self.actions, self.progress, self.status)
        self.seeks: list[float] = []
        self.commands.seek_requested.connect(self.seeks.append)
        self.results: list[SearchResults] = []
        self.commands.results_changed.connect(self.results.append)

    def _make(self) -> Any:
        self.made += 1
        return self.engine

    def open(self, path: str = "/videos/clip.mp4") -> None:
        narration = Narration(source="manual")
        self.document.replace(
            Project(
                video=VideoRef(path=path, duration=10.0),
                narration=narration,
                phrases=PHRASES,
                indicators=(Indicator("i1", "p1"),),
            )
        )

    def wait_idle(self, qtbot: QtBot) -> None:
        # The first query loads spaCy (its stop words) on the worker: seconds on a busy machine.
        qtbot.waitUntil(lambda: not self.commands.jobs.busy, timeout=30000)


@pytest.fixture
def make_setup(qtbot: QtBot, tmp_path: Path) -> Iterator[Callable[..., Setup]]:
    made: list[Setup] = []

    def make(gate: threading.Event | None = None) -> Setup:
        setup = Setup(qtbot, tmp_path, gate)
        made.append(setup)
        return setup

    yield make
    for setup in made:
        if setup.engine.gate is not None:
            setup.engine.gate.set()
        assert setup.commands.shutdown()
        assert not setup.commands.jobs.worker_thread.thread.isRunning()


def test_a_query_runs_on_the_worker_and_jumps_to_the_best(
    make_setup: Callable[..., Setup], qtbot: QtBot
) -> None:
    s = make_setup()
    s.open()
    s.commands.run_query("  pour   the water ")
    assert s.commands.jobs.busy and s.actions.cancel_search.isEnabled()
    s.wait_idle(qtbot)
    assert s.engine.queries == ["pour the water"]
    assert s.engine.thread is not None and s.engine.thread is not threading.main_thread()
    assert s.commands.results.moments == MOMENTS
    assert s.commands.results.current == 0 and s.seeks == [4.0]
    assert "Result 1 of 3" in s.status.currentMessage()
    # Enter on the same query, and F3, go to the next; Shift+F3 back; round again.
    s.commands.run_query("pour the water")
    s.actions.next_result.trigger()
    assert s.seeks == [4.0, 1.0, 7.0]
    s.actions.next_result.trigger()
    s.actions.previous_result.trigger()
    assert s.seeks[-2:] == [4.0, 7.0]
    assert s.engine.queries == ["pour the water"]  # no second search for the same text
    # A second query: the engine stays loaded and the video indexed once per request.
    s.commands.run_query("fold the note")
    s.wait_idle(qtbot)
    assert s.made == 1 and s.engine.queries[-1] == "fold the note"


def test_use_as_action_span_is_one_undoable_edit(
    make_setup: Callable[..., Setup], qtbot: QtBot
) -> None:
    s = make_setup()
    s.open()
    s.commands.use_as_action_span()
    assert s.status.currentMessage() == NO_RESULT
    s.commands.run_query("pour the water")
    s.wait_idle(qtbot)
    assert not s.actions.use_as_action_span.isEnabled()  # no phrase selected
    s.selection.select_phrase(s.document.project, "p1")
    assert s.actions.use_as_action_span.isEnabled()
    s.commands.go_to(1)
    s.actions.use_as_action_span.trigger()
    assert s.document.project.phrase("p1").action_span == (1.0, 2.5)
    assert "Action span" in s.document.undo_stack.undoText()
    assert s.actions.clear_action_span.isEnabled()
    s.actions.clear_action_span.trigger()
    assert s.document.project.phrase("p1").action_span is None
    s.document.undo_stack.undo()
    assert s.document.project.phrase("p1").action_span == (1.0, 2.5)
    s.document.undo_stack.undo()
    assert s.document.project.phrase("p1").action_span is None


@pytest.mark.parametrize("query", ["", "the of it", "x" * 10_000])
def test_bad_queries_are_told_in_the_status_bar(
    make_setup: Callable[..., Setup], qtbot: QtBot, query: str
) -> None:
    s = make_setup()
    s.open()
    s.commands.run_query(query)
    s.wait_idle(qtbot)
    message = s.status.currentMessage()
    assert message.startswith("The query") and s.engine.queries == []
    assert s.made == 0  # told before the engine loads


def test_no_video_and_nothing_found(make_setup: Callable[..., Setup], qtbot: QtBot) -> None:
    s = make_setup()
    s.commands.run_query("pour the water")
    assert s.status.currentMessage() == NO_VIDEO and not s.commands.jobs.busy
    s.open()
    s.commands.run_query("nothing red ball")
    s.wait_idle(qtbot)
    assert s.commands.results == SearchResults("nothing red ball", ())
    assert "Nothing in the video stands out" in s.status.currentMessage()


def test_the_first_indexing_can_be_cancelled_and_stale_results_are_dropped(
    make_setup: Callable[..., Setup], qtbot: QtBot
) -> None:
    gate = threading.Event()
    s = make_setup(gate)
    s.open()
    s.commands.run_query("pour the water")
    qtbot.waitUntil(
        lambda: s.progress.label.text() == "Reading the video's features…", timeout=5000
    )
    s.actions.cancel_search.trigger()
    assert not s.commands.jobs.busy and s.status.currentMessage() == "Search cancelled."
    # A query replaced by a newer one: only the newer one's moments are shown.
    s.commands.run_query("pour the water")
    s.commands.run_query("fold the note")
    gate.set()
    s.wait_idle(qtbot)
    qtbot.wait(50)
    assert {r.query for r in s.results if r.moments} == {"fold the note"}
    assert s.commands.results.query == "fold the note"


def test_proposals_are_shown_and_accepted(make_setup: Callable[..., Setup], qtbot: QtBot) -> None:
    s = make_setup()
    s.open()
    got: list[Proposals] = []
    s.commands.proposals_changed.connect(got.append)
    s.actions.propose_action_spans.trigger()
    s.wait_idle(qtbot)
    # The greeting is not visual: not sent; "fold" finds nothing.
    proposals = s.commands.proposals
    assert [p.phrase.id for p in proposals.items] == ["p1"] and got
    assert proposals.for_phrase(s.document.project.phrase("p1")) == Moment(3.0, 5.0, 0.7)
    marks = search_marks(s.commands.results, proposals, s.document.project.phrases)
    assert marks.proposals == (("p1", 3.0, 5.0),)
    s.selection.select_phrase(s.document.project, "p1")
    assert s.actions.accept_proposal.isEnabled()
    s.actions.accept_proposal.trigger()
    assert s.document.project.phrase("p1").action_span == (3.0, 5.0)
    marks = search_marks(s.commands.results, proposals, s.document.project.phrases)
    assert marks.proposals == () and marks.action_spans == (("p1", 3.0, 5.0),)
    # Another video: results and proposals are moot.
    s.open("/videos/other.mp4")
    assert s.commands.proposals == Proposals()


# -- in the window ---------------------------------------------------------------------------
@pytest.fixture
def window(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[MainWindow, FakeEngine]]:
    engine = FakeEngine()
    monkeypatch.setattr(search_worker, "_load_engine", lambda: engine)
    win = MainWindow(settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    yield win, engine
    win.close()


def test_the_search_field_over_the_timeline(
    window: tuple[MainWindow, FakeEngine], qtbot: QtBot
) -> None:
    win, engine = window
    win.document.replace(
        Project(
            video=VideoRef(path="/videos/clip.mp4", duration=10.0),
            phrases=PHRASES,
            indicators=(Indicator("i1", "p1"),),
        )
    )
    seeks: list[float] = []
    win.search.seek_requested.connect(seeks.append)
    win.search_actions.find.trigger()
    field = win.search_bar.field
    qtbot.waitUntil(field.hasFocus, timeout=2000)
    qtbot.keyClicks(field, "pour the water")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.search_panel.list.count() == 3, timeout=30000)
    assert engine.queries == ["pour the water"] and seeks == [4.0]
    assert win.timeline.search_marks().results == tuple((m.start, m.end) for m in MOMENTS)
    assert win.timeline.search_marks().current == 0
    assert win.search_bar.count.text() == "1 of 3"
    assert win.search_panel.list.item(0).text().startswith("1.")
    # A click on a result goes there; the button makes it the phrase's action span.
    list_widget = win.search_panel.list
    rect = list_widget.visualItemRect(list_widget.item(2))
    qtbot.mouseClick(list_widget.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert seeks[-1] == 7.0 and win.timeline.search_marks().current == 2
    win.selection.select_phrase(win.document.project, "p1")
    qtbot.mouseClick(win.search_panel.use_button, Qt.MouseButton.LeftButton)
    assert win.document.project.phrase("p1").action_span == (7.0, 8.0)
    assert win.timeline.search_marks().action_spans == (("p1", 7.0, 8.0),)
    # The indicator follows the action span once its Action box is ticked (undoable).
    model = win.indicator_panel.model()
    index = model.index(0, Column.ACTION)
    model.setData(index, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    project = win.document.project
    assert project.indicator("i1").follow is SpanChoice.ACTION
    shown = display_span(project.indicator("i1"), project.phrase("p1"), project.display)
    assert shown[0] == 7.0
    assert "7.0" in str(model.data(index, Qt.ItemDataRole.ToolTipRole))
    win.document.undo_stack.undo()
    assert win.document.project.indicator("i1").follow is SpanChoice.SPOKEN
    win.document.undo_stack.undo()
    assert win.document.project.phrase("p1").action_span is None
    # A bad query: the engine's message in the status bar.
    field.setText("the")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.statusBar().currentMessage().startswith("The query"), timeout=5000)


def test_search_keys_are_free_and_the_menus_hold_the_actions(
    window: tuple[MainWindow, FakeEngine],
) -> None:
    win, _ = window
    seen: dict[str, str] = {}
    for action in win.window_actions.all() + win.search_actions.all():
        for key in action.shortcuts():
            assert key.toString() not in seen, f"{key.toString()}: {action.text()}"
            seen[key.toString()] = action.text()
    assert seen["Ctrl+F"] == "&Find a Moment…" and "F3" in seen and "Shift+F3" in seen
    titles = [a.text() for a in win.menuBar().actions()]
    assert titles[-2:] == ["&Search", "&Help"]
    localize = next(a.menu() for a in win.menuBar().actions() if a.text() == "&Localize")
    assert win.search_actions.propose_action_spans in localize.actions()  # type: ignore[union-attr]


def test_the_follow_preference_reaches_new_projects(tmp_path: Path, qtbot: QtBot) -> None:
    from narrlocal_gui.ui.preferences_dialog import PreferencesDialog
    from narrlocal_gui.ui.settings import Preferences, load_preferences, save_preferences

    settings = QSettings(str(tmp_path / "p.ini"), QSettings.Format.IniFormat)
    assert load_preferences(settings).default_follow is SpanChoice.SPOKEN
    dialog = PreferencesDialog(Preferences())
    qtbot.addWidget(dialog)
    dialog.follow_action.setChecked(True)
    edited = dialog.preferences()
    assert edited.default_follow is SpanChoice.ACTION
    save_preferences(settings, edited)
    assert load_preferences(settings).default_follow is SpanChoice.ACTION
