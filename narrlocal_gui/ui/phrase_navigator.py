"""Going to phrases: from the timeline, the indicator list, or Up/Down.

Whichever way a phrase is chosen, the playhead moves to its start and both the timeline and
the indicator list show it as selected, so the three views never disagree.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from narrlocal_gui.core.navigation import next_phrase_start, phrase_at, previous_phrase_start
from narrlocal_gui.ui.document import ProjectDocument
from narrlocal_gui.ui.player_controller import PlayerController


class PhraseNavigator(QObject):
    phrase_selected = Signal(object)  # phrase id, or None
    indicator_selected = Signal(object)  # indicator id, or None

    def __init__(
        self,
        document: ProjectDocument,
        controller: PlayerController,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._document = document
        self._controller = controller

    @Slot(str)
    def go_to_phrase(self, phrase_id: str) -> None:
        project = self._document.project
        try:
            phrase = project.phrase(phrase_id)
        except KeyError:
            return  # a click that raced with an undo removing the phrase
        self._controller.seek(phrase.start)
        self._select(phrase_id)

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
        self._select(phrase_at(self._document.project, t))

    def _select(self, phrase_id: str | None) -> None:
        self.phrase_selected.emit(phrase_id)
        indicator = (
            None if phrase_id is None else self._document.project.indicator_for_phrase(phrase_id)
        )
        self.indicator_selected.emit(None if indicator is None else indicator.id)
