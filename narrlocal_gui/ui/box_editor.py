"""Correcting boxes in the picture: select, move, resize, draw, and ask for a box with a
click (docs/correcting-boxes.md).

:class:`BoxEditor` watches the video view's mouse and keys (an event filter) and paints the
selection over the frame (the view's overlay). It edits nothing itself: a finished drag is
reported once, on release, as a request the window turns into one undoable edit. While the
pointer moves it reports a preview project for the player to render, so the frame follows
the drag; Esc cancels and puts the real project back. A Ctrl+click (or a click in Box from
Click mode) is reported as a :class:`BoxClicked` for the phrase a drawn box would be for;
finding the box is the box commands' work, off the GUI thread.

Editing happens on frames: an edit is a keyframe at the start time of the frame on screen,
and the playhead is moved onto that start (the same frame) so the picture shows exactly the
keyframe's box, not one interpolated a fraction of a frame later.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent, QMouseEvent, QPainter

from narrlocal_gui.core import track_edits
from narrlocal_gui.core.box_handles import (
    Handle,
    box_hit,
    drawn_box,
    fit_box,
    handle_point,
    moved_box,
    resized_box,
)
from narrlocal_gui.core.frame_times import frame_index_at
from narrlocal_gui.core.localization_edits import phrase_color
from narrlocal_gui.core.model import Box, Project, Rgb
from narrlocal_gui.core.navigation import phrase_at
from narrlocal_gui.core.selection import Selection
from narrlocal_gui.core.time_format import format_timecode
from narrlocal_gui.core.visibility import VisibleIndicator, frame_tolerance, visible_indicators
from narrlocal_gui.ui import box_overlay
from narrlocal_gui.ui.edit_requests import BoxClicked, BoxCorrected, BoxDrawn
from narrlocal_gui.ui.selection_model import SelectionModel
from narrlocal_gui.ui.video_view import VideoView

#: A handle is grabbed this close to its centre, in widget pixels.
GRAB_PX = 7.0
#: The pointer must move this far (widget pixels) before a press becomes a drag.
DRAG_START_PX = 3.0

_QUOTE_CHARS = 40

_HANDLE_CURSORS = {
    Handle.TOP_LEFT: Qt.CursorShape.SizeFDiagCursor,
    Handle.BOTTOM_RIGHT: Qt.CursorShape.SizeFDiagCursor,
    Handle.TOP_RIGHT: Qt.CursorShape.SizeBDiagCursor,
    Handle.BOTTOM_LEFT: Qt.CursorShape.SizeBDiagCursor,
    Handle.LEFT: Qt.CursorShape.SizeHorCursor,
    Handle.RIGHT: Qt.CursorShape.SizeHorCursor,
    Handle.TOP: Qt.CursorShape.SizeVerCursor,
    Handle.BOTTOM: Qt.CursorShape.SizeVerCursor,
}


def quoted(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > _QUOTE_CHARS:
        text = text[: _QUOTE_CHARS - 1] + "…"
    return f"“{text}”"


@dataclass(frozen=True, slots=True)
class FrameAt:
    """The frame on screen: when it starts, and half the time to its neighbours."""

    start: float
    tolerance: float


class _Mode(enum.Enum):
    MOVE = "Move"
    RESIZE = "Resize"
    DRAW = "Draw"


@dataclass(frozen=True, slots=True)
class _Drag:
    mode: _Mode
    phrase_id: str
    indicator_id: str | None  # None: drawing the first box of a phrase
    color: Rgb
    key_time: float
    tolerance: float
    press: QPointF  # widget pixels
    anchor: tuple[float, float]  # frame pixels: the press, or the grabbed handle's centre
    grab: tuple[float, float]  # frame pixels: anchor minus the press
    start_box: Box | None
    snap: bool  # the playhead goes to the frame's start (key_time) once the drag starts
    handle: Handle | None = None
    box: Box | None = None
    moved: bool = False


class BoxEditor(QObject):
    """Edits boxes in ``view``; a box clicked there becomes ``selection``'s indicator."""

    box_changed = Signal(BoxCorrected)
    box_drawn = Signal(BoxDrawn)
    box_clicked = Signal(BoxClicked)
    frame_project_changed = Signal(Project)  # what the player should render now
    seek_requested = Signal(float)
    pause_requested = Signal()
    draw_mode_changed = Signal(bool)
    click_mode_changed = Signal(bool)
    message = Signal(str)

    def __init__(
        self, view: VideoView, selection: SelectionModel, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._view = view
        self._selection = selection
        self._project = Project()
        self._frame_times: npt.NDArray[np.float64] = np.zeros(0, dtype=np.float64)
        self._position = 0.0
        self._playing = False
        self._hover: str | None = None
        self._draw_mode = False
        self._click_mode = False
        self._drag: _Drag | None = None
        self._previewing = False
        self._visible: list[VisibleIndicator] | None = None
        view.setMouseTracking(True)  # hover outlines and the resize cursors
        view.installEventFilter(self)
        view.set_overlay(self._paint)
        selection.changed.connect(self._on_selection_changed)

    # -- data in -----------------------------------------------------------------------------
    @Slot(object)
    def set_project(self, project: Project) -> None:
        self._project = project
        self._visible = None
        drag = self._drag
        if (
            drag is not None
            and drag.indicator_id is not None
            and not any(i.id == drag.indicator_id for i in project.indicators)
        ):
            self.cancel_drag()
        self._view.update()

    def set_frame_times(self, frame_times: npt.NDArray[np.float64] | None) -> None:
        """The start times of the video's frames (None or empty: no video, nothing to edit)."""
        self.cancel_drag()
        self._frame_times = (
            np.zeros(0, dtype=np.float64)
            if frame_times is None
            else np.asarray(frame_times, dtype=np.float64)
        )

    @Slot(float)
    def set_position(self, t: float) -> None:
        if t != self._position:
            self._position = t
            self._visible = None
            if not self._playing:  # while playing there is no overlay; frames repaint anyway
                self._view.update()

    @Slot(bool)
    def set_playing(self, playing: bool) -> None:
        self._playing = playing
        if playing:
            self.cancel_drag()
        self._view.update()

    # -- selection and mode ----------------------------------------------------------------
    def select_indicator(self, indicator_id: str | None) -> None:
        """Select the indicator and its phrase (None: no indicator; the phrase stays)."""
        self._selection.select_indicator(self._project, indicator_id)

    def selected_indicator(self) -> str | None:
        return self._selection.selection().indicator_id

    @Slot(object)
    def _on_selection_changed(self, _selection: Selection) -> None:
        self._view.update()  # the outline, and Draw Box's target

    @Slot(bool)
    def set_draw_mode(self, on: bool) -> None:
        """Draw Box: the next drag on the picture draws a box for the target phrase."""
        on = bool(on)
        if on == self._draw_mode:
            return
        self._draw_mode = on
        if on:
            self.set_click_mode(False)
            if self._playing:
                self.pause_requested.emit()
            self._view.setFocus(Qt.FocusReason.ShortcutFocusReason)  # so Esc reaches us
        elif self._drag is not None and self._drag.mode is _Mode.DRAW:
            self.cancel_drag()
        self._update_cursor(None)
        self._view.update()
        self.draw_mode_changed.emit(on)

    def draw_mode(self) -> bool:
        return self._draw_mode

    @Slot(bool)
    def set_click_mode(self, on: bool) -> None:
        """Box from Click: the next click on the picture asks for a box around the thing
        there, as a Ctrl+click does at any time."""
        on = bool(on)
        if on == self._click_mode:
            return
        self._click_mode = on
        if on:
            self.set_draw_mode(False)
            if self._playing:
                self.pause_requested.emit()
            self._view.setFocus(Qt.FocusReason.ShortcutFocusReason)  # so Esc reaches us
        self._update_cursor(None)
        self._view.update()
        self.click_mode_changed.emit(on)

    def click_mode(self) -> bool:
        return self._click_mode

    def dragging(self) -> bool:
        return self._drag is not None

    # -- where we are -------------------------------------------------------------------------
    def position(self) -> float:
        return self._position

    def current_frame(self) -> FrameAt | None:
        """The frame on screen at the playhead (None without a video)."""
        times = self._frame_times
        index = frame_index_at(times, self._position)
        if index < 0:
            return None
        start = float(times[index])
        neighbours = times[max(index - 1, 0) : index + 2]
        gaps = [float(g) for g in np.diff(neighbours) if g > 0.0]
        tolerance = 0.5 * min(gaps) if gaps else frame_tolerance(self._project)
        return FrameAt(start, tolerance)

    def visible_boxes(self) -> list[VisibleIndicator]:
        """The indicators showing a box at the playhead, as the renderer draws them."""
        if self._visible is None:
            self._visible = [
                v for v in visible_indicators(self._project, self._position) if v.box is not None
            ]
        return self._visible

    def box_rect(self, box: Box) -> QRectF | None:
        """``box`` (frame pixels) in the view's widget pixels."""
        top_left = self._view.frame_to_widget(QPointF(box.x1, box.y1))
        bottom_right = self._view.frame_to_widget(QPointF(box.x2, box.y2))
        if top_left is None or bottom_right is None:
            return None
        return QRectF(top_left, bottom_right)

    # -- Qt events -----------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is not self._view:
            return False
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            return self._press(event)
        if kind == QEvent.Type.MouseMove and isinstance(event, QMouseEvent):
            return self._move(event)
        if kind == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent):
            return self._release(event)
        if kind == QEvent.Type.MouseButtonDblClick and self._drag is not None:
            return True
        if isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Escape:
            if self._drag is None and not self._draw_mode and not self._click_mode:
                return False
            if kind == QEvent.Type.ShortcutOverride:
                event.accept()  # Esc is ours while dragging or drawing
                return True
            if kind == QEvent.Type.KeyPress:
                if self._drag is not None:
                    self.cancel_drag()
                else:
                    self.set_draw_mode(False)
                    self.set_click_mode(False)
                return True
        if kind in (QEvent.Type.Hide, QEvent.Type.WindowDeactivate):
            self.cancel_drag()  # the release may never come
        elif kind == QEvent.Type.Leave and self._drag is None:
            self._set_hover(None)
        return False

    def _press(self, event: QMouseEvent) -> bool:
        if event.button() != Qt.MouseButton.LeftButton or not self._view.has_frame():
            return False
        if self._drag is not None:
            return True
        if self._playing:
            self.pause_requested.emit()  # a click on the moving picture stops it first
            return True
        frame = self.current_frame()
        if frame is None:
            return False
        pos = event.position()
        if self._click_mode or event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self._click_box(pos, frame)
            return True
        drawing = self._draw_mode or bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if drawing:
            if self._view.widget_to_frame(pos) is not None:
                self._begin_draw(pos, frame)
            return True
        hit = self._hit(pos)
        if hit is None:
            self.select_indicator(None)
            return True
        visible, handle = hit
        self.select_indicator(visible.indicator_id)
        self._begin_edit(visible, handle, pos, frame)
        return True

    def _move(self, event: QMouseEvent) -> bool:
        drag = self._drag
        pos = event.position()
        if drag is None:
            if not event.buttons():
                self._set_hover(pos)
            return False
        if not drag.moved:
            if (pos - drag.press).manhattanLength() < DRAG_START_PX:
                return True
            drag = replace(drag, moved=True)
            if drag.snap:
                self.seek_requested.emit(drag.key_time)
        self._drag = replace(drag, box=self._dragged_box(drag, pos))
        self._preview()
        self._view.update()
        return True

    def _release(self, event: QMouseEvent) -> bool:
        drag = self._drag
        if drag is None or event.button() != Qt.MouseButton.LeftButton:
            return drag is not None
        self._drag = replace(drag, box=self._dragged_box(drag, event.position()))
        self._commit()
        self._set_hover(event.position())
        return True

    # -- dragging ------------------------------------------------------------------------------
    def cancel_drag(self) -> None:
        """Forget the drag in progress (Esc): nothing is edited."""
        if self._drag is None:
            return
        self._drag = None
        self._end_preview()
        self._update_cursor(None)
        self._view.update()

    def _frame_size(self) -> tuple[float, float]:
        size = self._view.frame_size()
        return float(size.width()), float(size.height())

    def _to_frame(self, pos: QPointF) -> tuple[float, float]:
        point = self._view.map_to_frame(pos)
        return (0.0, 0.0) if point is None else (point.x(), point.y())

    def _reach(self) -> float:
        scale = self._view.frame_scale()
        return GRAB_PX / scale if scale > 0.0 else 0.0

    def _hit(self, pos: QPointF) -> tuple[VisibleIndicator, Handle | None] | None:
        """What a press at ``pos`` takes (see :func:`box_hit`): boxes as they are on the frame."""
        width, height = self._frame_size()
        shown = {v.indicator_id: v for v in self.visible_boxes()}
        boxes = [
            (v.indicator_id, fitted)
            for v in shown.values()
            if v.box is not None and (fitted := fit_box(v.box, width, height)) is not None
        ]
        x, y = self._to_frame(pos)
        hit = box_hit(boxes, self.selected_indicator(), x, y, self._reach())
        return None if hit is None else (shown[hit[0]], hit[1])

    def key_time(self, phrase_id: str, frame: FrameAt) -> tuple[float, bool]:
        """When the edit's keyframe goes, and whether the playhead must be moved there: the
        frame's start.

        The frame at a phrase's start may have begun before it; the box does not show there,
        so the keyframe stays at the playhead instead.
        """
        span_start, _end = track_edits.phrase_display_span(self._project, phrase_id)
        if frame.start < span_start:
            return self._position, False
        return frame.start, frame.start != self._position

    def _begin_edit(
        self, visible: VisibleIndicator, handle: Handle | None, pos: QPointF, frame: FrameAt
    ) -> None:
        width, height = self._frame_size()
        assert visible.box is not None
        start_box = fit_box(visible.box, width, height)
        if start_box is None:
            return
        indicator = self._project.indicator(visible.indicator_id)
        press = self._to_frame(pos)
        anchor = press if handle is None else handle_point(start_box, handle)
        key_time, snap = self.key_time(indicator.phrase_id, frame)
        self._drag = _Drag(
            mode=_Mode.MOVE if handle is None else _Mode.RESIZE,
            phrase_id=indicator.phrase_id,
            indicator_id=indicator.id,
            color=indicator.color,
            key_time=key_time,
            tolerance=frame.tolerance,
            press=QPointF(pos),
            anchor=anchor,
            grab=(anchor[0] - press[0], anchor[1] - press[1]),
            start_box=start_box,
            snap=snap,
            handle=handle,
            box=start_box,
        )
        self._update_cursor(None)

    def _begin_draw(self, pos: QPointF, frame: FrameAt) -> None:
        phrase_id = self.draw_target(report=True)
        if phrase_id is None:
            return
        indicator = self._project.indicator_for_phrase(phrase_id)
        press = self._to_frame(pos)
        key_time, snap = self.key_time(phrase_id, frame)
        self._drag = _Drag(
            mode=_Mode.DRAW,
            phrase_id=phrase_id,
            indicator_id=None if indicator is None else indicator.id,
            color=(
                phrase_color(self._project, phrase_id) if indicator is None else indicator.color
            ),
            key_time=key_time,
            tolerance=frame.tolerance,
            press=QPointF(pos),
            anchor=press,
            grab=(0.0, 0.0),
            start_box=None,
            snap=snap,
        )
        self._view.setCursor(Qt.CursorShape.CrossCursor)

    def _click_box(self, pos: QPointF, frame: FrameAt) -> None:
        point = self._view.widget_to_frame(pos)
        if point is None:
            return  # beside the picture
        phrase_id = self.draw_target(report=True)
        if phrase_id is None:
            return
        key_time, snap = self.key_time(phrase_id, frame)
        if snap:
            self.seek_requested.emit(key_time)
        self.set_click_mode(False)  # one box per Box from Click, as Draw Box
        self.box_clicked.emit(
            BoxClicked(phrase_id, key_time, (point.x(), point.y()), frame.tolerance)
        )

    def _dragged_box(self, drag: _Drag, pos: QPointF) -> Box | None:
        if not drag.moved:
            return drag.box
        width, height = self._frame_size()
        x, y = self._to_frame(pos)
        if drag.mode is _Mode.DRAW:
            return drawn_box(drag.anchor[0], drag.anchor[1], x, y, width, height)
        assert drag.start_box is not None
        if drag.mode is _Mode.MOVE:
            dx, dy = x - drag.anchor[0], y - drag.anchor[1]
            return moved_box(drag.start_box, dx, dy, width, height)
        assert drag.handle is not None
        return resized_box(
            drag.start_box, drag.handle, x + drag.grab[0], y + drag.grab[1], width, height
        )

    def _commit(self) -> None:
        drag, self._drag = self._drag, None
        self._update_cursor(None)
        self._view.update()
        if drag is None or not drag.moved or drag.box is None or drag.box == drag.start_box:
            self._end_preview()
            return
        before = self._project
        if drag.mode is _Mode.DRAW:
            self.box_drawn.emit(BoxDrawn(drag.phrase_id, drag.key_time, drag.box, drag.tolerance))
            self.set_draw_mode(False)  # one box per Draw Box: then back to selecting
            drawn = self._project.indicator_for_phrase(drag.phrase_id)
            if drawn is not None:
                self.select_indicator(drawn.id)
        else:
            assert drag.indicator_id is not None
            self.box_changed.emit(
                BoxCorrected(
                    drag.indicator_id, drag.key_time, drag.box, drag.tolerance, drag.mode.value
                )
            )
        # The edit's new project reached the player; without one (refused, or nothing
        # changed), the player still shows the preview and must get the real project back.
        if self._project is before:
            self._end_preview()
        self._previewing = False

    def _preview(self) -> None:
        drag = self._drag
        if drag is None or drag.mode is _Mode.DRAW or drag.box is None:
            return
        assert drag.indicator_id is not None
        try:
            preview = track_edits.set_keyframe(
                self._project, drag.indicator_id, drag.key_time, drag.box, drag.tolerance
            )
        except (KeyError, ValueError):
            return
        self._previewing = True
        self.frame_project_changed.emit(preview)

    def _end_preview(self) -> None:
        if self._previewing:
            self._previewing = False
            self.frame_project_changed.emit(self._project)

    # -- drawing a new box ---------------------------------------------------------------------
    def draw_target(self, report: bool = False) -> str | None:
        """The phrase a drawn box is for: the selected one, else the one spoken now.

        None when there is none, or its box would not show here (another time, or turned
        off); with ``report``, ``message`` says why.
        """
        project = self._project
        phrase_id = self._selection.selection().phrase_id
        if phrase_id is None or not any(p.id == phrase_id for p in project.phrases):
            phrase_id = phrase_at(project, self._position)
        if phrase_id is None:
            if report:
                self.message.emit(
                    "Select a phrase to draw its box (in the transcript or the indicator list),"
                    " or go to where one is spoken."
                )
            return None
        name = quoted(project.phrase(phrase_id).text)
        start, end = track_edits.phrase_display_span(project, phrase_id)
        if not start <= self._position < end:
            if report:
                self.message.emit(
                    f"{name} shows from {format_timecode(start)} to {format_timecode(end)}:"
                    " go there to draw its box."
                )
            return None
        indicator = project.indicator_for_phrase(phrase_id)
        if indicator is not None and not indicator.enabled:
            if report:
                self.message.emit(f"{name} is turned off: turn it on to draw its box.")
            return None
        return phrase_id

    # -- hover, cursor, overlay ---------------------------------------------------------------
    def _set_hover(self, pos: QPointF | None) -> None:
        hit = None if pos is None or self._playing else self._hit(pos)
        hover = None if hit is None else hit[0].indicator_id
        if hover != self._hover:
            self._hover = hover
            self._view.update()
        self._update_cursor(hit)

    def _update_cursor(self, hit: tuple[VisibleIndicator, Handle | None] | None) -> None:
        drag = self._drag
        if drag is not None:
            if drag.mode is _Mode.DRAW:
                self._view.setCursor(Qt.CursorShape.CrossCursor)
            elif drag.handle is not None:
                self._view.setCursor(_HANDLE_CURSORS[drag.handle])
            else:
                self._view.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif self._draw_mode or self._click_mode:
            self._view.setCursor(Qt.CursorShape.CrossCursor)
        elif hit is not None and hit[1] is not None:
            self._view.setCursor(_HANDLE_CURSORS[hit[1]])
        elif hit is not None:
            self._view.setCursor(Qt.CursorShape.SizeAllCursor)
        else:
            self._view.unsetCursor()

    def _paint(self, painter: QPainter) -> None:
        if self._playing:
            return  # the picture moves on under any outline drawn now
        drag = self._drag
        if drag is not None:
            rect = None if drag.box is None else self.box_rect(drag.box)
            if rect is not None:
                if drag.mode is _Mode.DRAW:
                    box_overlay.paint_rubber_band(painter, rect, drag.color)
                else:
                    box_overlay.paint_selection(painter, rect, drag.color, True)
            if drag.mode is _Mode.DRAW:
                name = quoted(self._project.phrase(drag.phrase_id).text)
                box_overlay.paint_hint(painter, self._view.image_rect(), f"Box of {name}")
            return
        selected = self.selected_indicator()
        for visible in self.visible_boxes():
            assert visible.box is not None
            rect = self.box_rect(visible.box)
            if rect is None:
                continue
            if visible.indicator_id == selected:
                box_overlay.paint_selection(painter, rect, visible.color, True)
            elif visible.indicator_id == self._hover and not self._draw_mode:
                box_overlay.paint_hover(painter, rect)
        if self._click_mode:
            target = self.draw_target()
            if target is None:
                text = "Box from Click: select a phrase shown at this time (Esc: stop)"
            else:
                name = quoted(self._project.phrase(target).text)
                text = f"Click the thing {name} is about to box it (Esc: stop)"
            box_overlay.paint_hint(painter, self._view.image_rect(), text)
        if self._draw_mode:
            target = self.draw_target()
            if target is None:
                text = "Draw Box: select a phrase shown at this time (Esc: stop drawing)"
            else:
                name = quoted(self._project.phrase(target).text)
                text = f"Drag to draw the box of {name} (Esc: stop drawing)"
            box_overlay.paint_hint(painter, self._view.image_rect(), text)
