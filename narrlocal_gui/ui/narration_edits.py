"""The transcript panel's and the timeline's requests as undoable edits of the document.

Each slot names the edit for the Undo menu and applies one pure function from
:mod:`narrlocal_gui.core.narration_edits`. A value the user got wrong (an empty phrase, a
split at the very end) changes nothing and is reported through ``rejected`` for the window to
show; an unknown id is a bug and raises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from narrlocal_gui.core import narration_edits
from narrlocal_gui.core.ids import new_id
from narrlocal_gui.core.model import Project
from narrlocal_gui.ui.document import ProjectDocument

_LABEL_CHARS = 40


def _quoted(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > _LABEL_CHARS:
        text = text[: _LABEL_CHARS - 1] + "…"
    return f"“{text}”"


class NarrationEdits(QObject):
    rejected = Signal(str)  # why an edit was not made, for the user

    def __init__(self, document: ProjectDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document

    def _phrase_name(self, phrase_id: str) -> str:
        return _quoted(self._document.project.phrase(phrase_id).text)

    def _apply(self, text: str, fn: Callable[..., Project], *args: Any) -> None:
        try:
            self._document.apply(text, fn, *args)
        except ValueError as exc:
            self.rejected.emit(str(exc))

    @Slot(int, str)
    def set_segment_text(self, index: int, text: str) -> None:
        label = "Delete transcript line" if not text.strip() else "Edit transcript"
        self._apply(label, narration_edits.set_segment_text, index, text)

    @Slot(str, str)
    def set_phrase_text(self, phrase_id: str, text: str) -> None:
        self._apply(
            f"Edit phrase {self._phrase_name(phrase_id)}",
            narration_edits.set_phrase_text,
            phrase_id,
            text,
        )

    @Slot(str, int)
    def split_phrase(self, phrase_id: str, char_index: int) -> None:
        self._apply(
            f"Split {self._phrase_name(phrase_id)}",
            narration_edits.split_phrase,
            phrase_id,
            char_index,
            new_id("ph"),
        )

    @Slot(str, str)
    def merge_phrases(self, first_id: str, second_id: str) -> None:
        self._apply(
            f"Merge {self._phrase_name(first_id)} and {self._phrase_name(second_id)}",
            narration_edits.merge_phrases,
            first_id,
            second_id,
        )

    @Slot(str)
    def delete_phrase(self, phrase_id: str) -> None:
        self._apply(
            f"Delete {self._phrase_name(phrase_id)}",
            narration_edits.delete_phrase,
            phrase_id,
        )

    @Slot(str, float, float)
    def retime_phrase(self, phrase_id: str, start: float, end: float) -> None:
        self._apply(
            f"Retime {self._phrase_name(phrase_id)}",
            narration_edits.retime_phrase,
            phrase_id,
            start,
            end,
        )
