"""The search's widgets: the field over the timeline and the list of results.

:class:`SearchBar` is the timeline dock's title bar: its title, the search field (Ctrl+F)
and how many results there are. :class:`SearchResultsPanel` lists the moments (span and
score, best first); a click goes there, and a button sets the selected phrase's action span
to the chosen moment. Both only show and request; :class:`SearchCommands` does the work.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from narrlocal_gui.ui.search_results import SearchResults, span_text

PLACEHOLDER = "Find a moment: type what happens, Enter (Ctrl+F)"


class SearchBar(QWidget):
    """A dock's title with a search field; Enter sends the text."""

    query_entered = Signal(str)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 4, 2)
        self.title = QLabel(title)
        layout.addWidget(self.title)
        layout.addStretch(1)
        self.count = QLabel()
        self.count.setObjectName("searchCount")
        layout.addWidget(self.count)
        self.field = QLineEdit()
        self.field.setObjectName("searchField")
        self.field.setPlaceholderText(PLACEHOLDER)
        self.field.setClearButtonEnabled(True)
        self.field.setToolTip(
            "Type what happens in the video, e.g. 'pour the water into the kettle', and press "
            "Enter; Enter again or F3 goes to the next result"
        )
        self.field.setMinimumWidth(260)
        self.field.setMaximumWidth(420)
        self.field.returnPressed.connect(self._on_return)
        layout.addWidget(self.field, 2)

    def focus_field(self) -> None:
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    @Slot(SearchResults)
    def set_results(self, results: SearchResults) -> None:
        n = len(results.moments)
        if not results.query:
            self.count.setText("")
        elif n == 0:
            self.count.setText("no results")
        elif results.current is None:
            self.count.setText(f"{n} results")
        else:
            self.count.setText(f"{results.current + 1} of {n}")

    @Slot()
    def _on_return(self) -> None:
        self.query_entered.emit(self.field.text())


class SearchResultsPanel(QWidget):
    """The results, best first; ``result_chosen(index)`` on a click, ``use_requested(index)``
    from the button."""

    result_chosen = Signal(int)
    use_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.heading = QLabel("Type what to look for in the field over the timeline (Ctrl+F).")
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.list = QListWidget()
        self.list.setObjectName("searchResults")
        self.list.itemClicked.connect(self._on_clicked)
        self.list.itemActivated.connect(self._on_clicked)
        layout.addWidget(self.list, 1)
        self.use_button = QPushButton("Use as This Phrase's Action Span")
        self.use_button.setObjectName("useAsActionSpan")
        self.use_button.setToolTip(
            "The selected phrase's indicator can then follow this span instead of when the "
            "words are spoken (the indicator list's Action column)"
        )
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(self._on_use)
        layout.addWidget(self.use_button)
        self._results = SearchResults()

    @Slot(SearchResults)
    def set_results(self, results: SearchResults) -> None:
        if results.moments != self._results.moments or results.query != self._results.query:
            self.list.clear()
            for rank, m in enumerate(results.moments, 1):
                item = QListWidgetItem(
                    f"{rank}.  {span_text(m.start, m.end)}   score {m.score:.2f}"
                )
                self.list.addItem(item)
            if not results.query:
                self.heading.setText(
                    "Type what to look for in the field over the timeline (Ctrl+F)."
                )
            elif results.moments:
                self.heading.setText(f"“{results.query}”: best first")
            else:
                self.heading.setText(f"“{results.query}”: nothing stands out")
        self._results = results
        if results.current is not None:
            self.list.setCurrentRow(results.current)
        self.use_button.setEnabled(results.current is not None)

    @Slot(QListWidgetItem)
    def _on_clicked(self, item: QListWidgetItem) -> None:
        self.result_chosen.emit(self.list.row(item))

    @Slot()
    def _on_use(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.use_requested.emit(row)
