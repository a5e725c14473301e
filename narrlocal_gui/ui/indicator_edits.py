"""The indicator panel's requests as undoable edits of the document.

Each slot names the edit for the Undo menu and applies one pure function from
:mod:`narrlocal_gui.core.edits`. Duration changes merge while the user keeps stepping the
same spin box, so one Undo takes back the whole adjustment.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot

from narrlocal_gui.core import edits
from narrlocal_gui.core.model import IndicatorStyle
from narrlocal_gui.ui.document import ProjectDocument

_LABEL_CHARS = 40


def _seconds(value: float | None, none_text: str) -> str:
    return none_text if value is None else f"{value:g} s"


class IndicatorEdits(QObject):
    def __init__(self, document: ProjectDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document

    def _name(self, indicator_id: str) -> str:
        project = self._document.project
        text = project.phrase(project.indicator(indicator_id).phrase_id).text
        if len(text) > _LABEL_CHARS:
            text = text[: _LABEL_CHARS - 1] + "…"
        return f"“{text}”"

    @Slot(str, bool)
    def set_enabled(self, indicator_id: str, enabled: bool) -> None:
        verb = "Show" if enabled else "Hide"
        self._document.apply(
            f"{verb} {self._name(indicator_id)}",
            edits.set_indicator_enabled,
            indicator_id,
            enabled,
        )

    @Slot(str, object)
    def set_style(self, indicator_id: str, style: IndicatorStyle) -> None:
        style = IndicatorStyle(style)
        self._document.apply(
            f"{style.label} for {self._name(indicator_id)}",
            edits.set_indicator_style,
            indicator_id,
            style,
        )

    @Slot(str, object)
    def set_duration(self, indicator_id: str, seconds: float | None) -> None:
        self._document.apply(
            f"Duration {_seconds(seconds, 'default')} for {self._name(indicator_id)}",
            edits.set_indicator_duration,
            indicator_id,
            seconds,
            merge=True,
        )

    @Slot(object)
    def set_default_duration(self, seconds: float | None) -> None:
        self._document.apply(
            f"Default duration {_seconds(seconds, 'whole phrase')}",
            edits.set_default_duration,
            seconds,
            merge=True,
        )

    @Slot(bool)
    def set_all_enabled(self, enabled: bool) -> None:
        self._document.apply(
            "Show all indicators" if enabled else "Hide all indicators",
            edits.set_all_enabled,
            enabled,
        )
