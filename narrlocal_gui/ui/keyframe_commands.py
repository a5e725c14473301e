"""The Boxes menu's keyframe commands: go to the previous or next keyframe, delete one, or
delete a whole box.

They act on the box selected in the picture or the indicator list (navigation goes through
every enabled indicator when none is), at the frame on screen. What cannot be done is said in
``message`` instead of silently doing nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from narrlocal_gui.core import track_edits
from narrlocal_gui.core.visibility import frame_tolerance, point_on_frame
from narrlocal_gui.ui.box_editor import BoxEditor, quoted
from narrlocal_gui.ui.document import ProjectDocument
from narrlocal_gui.ui.indicator_edits import IndicatorEdits

SELECT_FIRST = "Select a box first: click it in the picture or its row in the indicator list."


class KeyframeCommands(QObject):
    seek_requested = Signal(float)
    message = Signal(str)

    def __init__(
        self,
        document: ProjectDocument,
        editor: BoxEditor,
        edits: IndicatorEdits,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._document = document
        self._editor = editor
        self._edits = edits

    def _tolerance(self) -> float:
        frame = self._editor.current_frame()
        return frame_tolerance(self._document.project) if frame is None else frame.tolerance

    def _whose(self) -> str:
        selected = self._editor.selected_indicator()
        if selected is None:
            return ""
        project = self._document.project
        return f" of {quoted(project.phrase(project.indicator(selected).phrase_id).text)}"

    @Slot()
    def previous_keyframe(self) -> None:
        t = track_edits.previous_keyframe_time(
            self._document.project,
            self._editor.position(),
            self._tolerance(),
            self._editor.selected_indicator(),
        )
        if t is None:
            self.message.emit(f"No keyframe{self._whose()} before this frame.")
        else:
            self.seek_requested.emit(t)

    @Slot()
    def next_keyframe(self) -> None:
        t = track_edits.next_keyframe_time(
            self._document.project,
            self._editor.position(),
            self._tolerance(),
            self._editor.selected_indicator(),
        )
        if t is None:
            self.message.emit(f"No keyframe{self._whose()} after this frame.")
        else:
            self.seek_requested.emit(t)

    @Slot()
    def delete_keyframe(self) -> None:
        """Delete the selected box's keyframe on the frame on screen."""
        selected = self._editor.selected_indicator()
        if selected is None:
            self.message.emit(SELECT_FIRST)
            return
        tolerance = self._tolerance()
        indicator = self._document.project.indicator(selected)
        # The same notion of "on this frame" as the picture's (hide interpolated frames).
        point = point_on_frame(indicator.track, self._editor.position(), tolerance)
        if point is None:
            self.message.emit(f"No keyframe{self._whose()} on this frame.")
            return
        self._edits.delete_keyframe(selected, point.time, tolerance)

    @Slot()
    def delete_box(self) -> None:
        """Delete the selected indicator's whole track: it shows no box any more."""
        selected = self._editor.selected_indicator()
        if selected is None:
            self.message.emit(SELECT_FIRST)
            return
        if not self._document.project.indicator(selected).track:
            self.message.emit(f"The indicator{self._whose()} has no box.")
            return
        self._edits.delete_box(selected)
