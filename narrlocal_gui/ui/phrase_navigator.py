"""Going to phrases: from the timeline, the indicator list, or Up/Down.

Whichever way a phrase is chosen, the playhead moves to its start and the phrase and its
indicator become the selection (:class:`SelectionModel`), which every view shows.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot

from narrlocal_gui.core.navigation import next_phrase_start, phrase_at, previous_phrase_start
from narrlocal_gui.ui.document import ProjectDocument
from narrlocal_gui.ui.player_controller import PlayerController
from narrlocal_gui.ui.selection_model import SelectionModel


class PhraseNavigator(QObject):
    def __init__(
        self,
        document: ProjectDocument,
        controller: PlayerController,
        selection: SelectionModel,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._document = document
        self._controller = controller
        self._selection = selection

    @Slot(str)
    def go_to_phrase(self, phrase_id: str) -> None:
        project = self._document.project
        try:
            phrase = project.phrase(phrase_id)
        except KeyError:
            return  # a click that raced with an undo removing the phrase
        self._controller.seek(phrase.start)
        self._selection.select_phrase(project, phrase_id)

    @Slot(str)
    def go_to_indicator(self, indicator_id: str) -> None:
        try:
            indicator = self._document.project.indicator(indicator_id)
        except KeyError:
            return
        self.go_to_phrase(indicator.phrase_id)

    @Slot()
    def previous(self) -> None:
        start = previous_phrase_start(self._document.project, self._controller.position())
        self._go_to_time(0.0 if start is None else start)

    @Slot()
    def next(self) -> None:
        start = next_phrase_start(self._document.project, self._controller.position())
        if start is not None:
            self._go_to_time(start)

    def _go_to_time(self, t: float) -> None:
        self._controller.seek(t)
        project = self._document.project
        self._selection.select_phrase(project, phrase_at(project, t))
