"""The one selection the views share, evented: views subscribe to ``changed`` and write here.

The window makes one :class:`SelectionModel` and hands it to every view (the picture's box
editor, the timeline, the indicator list, the transcript) and to the phrase navigator; none
keeps a selection of its own. The rules for what a request selects are the pure functions of
:mod:`narrlocal_gui.core.selection`; this object only holds the result and announces it.

Who writes: choosing a phrase (in the transcript, on the timeline, with Up/Down) means going
there, so those views ask the :class:`PhraseNavigator`, which seeks and then selects;
choosing an indicator (a row of the list, a box in the picture) selects it where it is.

``changed`` is emitted only when the selection really changes, and a view that shows a new
selection does so without writing back (each guards its own echo), so no loop can start.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from narrlocal_gui.core.model import Project
from narrlocal_gui.core.selection import Selection, indicator_selected, phrase_selected, pruned


class SelectionModel(QObject):
    changed = Signal(Selection)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._selection = Selection()

    def selection(self) -> Selection:
        return self._selection

    def select_phrase(self, project: Project, phrase_id: str | None) -> None:
        """The phrase and its indicator (see :func:`phrase_selected`)."""
        self._set(phrase_selected(project, phrase_id))

    def select_indicator(self, project: Project, indicator_id: str | None) -> None:
        """The indicator and its phrase (see :func:`indicator_selected`)."""
        self._set(indicator_selected(self._selection, project, indicator_id))

    @Slot(object)
    def prune(self, project: Project) -> None:
        """The project changed: forget what it no longer holds."""
        self._set(pruned(self._selection, project))

    def _set(self, selection: Selection) -> None:
        if selection != self._selection:
            self._selection = selection
            self.changed.emit(selection)
