"""The timeline: time ruler, audio waveform, phrases, indicator spans and the playhead.

Everything but the playhead (and the emphasis on indicators visible now) is painted once into
a cached pixmap, so following playback at 60 Hz only repaints two thin strips: the playhead's
old and new place. The layout of the rows and all the painting are in
:mod:`narrlocal_gui.ui.timeline_paint`; this widget keeps the state and handles input.

View state is a left-edge time and a zoom in pixels per second. The whole clip always fits at
the smallest zoom; the largest shows a frame as ~50 px (20 ms per 50 px without a frame rate).

Keyframes (an indicator's track points) are diamonds on its span: every correction made by a
person, filled; the model's own points only for the selected indicator, hollow and thinned to
one per few pixels, so a dense track never turns the row into a smear.

A phrase block's left and right edges can be dragged to retime the phrase. While dragging, the
block is drawn over the cached layers, so the preview is as cheap as the playhead; the new
times are reported once, on release (Esc cancels).
"""

from __future__ import annotations

import bisect
import html
import math
import time
from dataclasses import replace

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import (
    QHelpEvent,
    QHideEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QScrollBar, QSizePolicy, QToolTip, QWidget

from narrlocal_gui.core.model import Phrase, Project
from narrlocal_gui.core.range_marks import InOutMarks
from narrlocal_gui.core.selection import Selection
from narrlocal_gui.core.time_format import format_span
from narrlocal_gui.core.timeline_view import (
    IndicatorSpan,
    TimeAxis,
    clamped_view,
    follow_start,
    indicator_spans,
    max_px_per_s,
    min_px_per_s,
    retimed,
    zoomed_view,
)
from narrlocal_gui.ui.search_results import SearchMarks
from narrlocal_gui.ui.selection_model import SelectionModel
from narrlocal_gui.ui.timeline_marks import paint_search_marks
from narrlocal_gui.ui.timeline_paint import (
    GUTTER,
    EdgeDrag,
    Rows,
    TimelineScene,
    Waveform,
    block_rect,
    drawn_keyframes,
    paint_overlay,
    render_static,
    row_layout,
    rows_min_height,
    span_rect,
)

EDGE_GRAB_PX = 5.0  # a phrase edge can be grabbed this close to it
FOLLOW_PAUSE_S = 3.0  # after the user scrolls or zooms, the view stays put this long
WHEEL_ZOOM_PER_NOTCH = 1.25


class TimelineWidget(QWidget):
    """A zoomable overview of the clip. Reports seeks, clicks and retimes; edits nothing."""

    seek_requested = Signal(float)
    scrub_started = Signal()
    scrub_finished = Signal()
    phrase_clicked = Signal(str)
    phrase_retimed = Signal(str, float, float)  # phrase id, new start, new end

    def __init__(
        self, parent: QWidget | None = None, *, selection: SelectionModel | None = None
    ) -> None:
        """``selection``: the window's; without one the timeline has its own (tests)."""
        super().__init__(parent)
        self._selection = SelectionModel(self) if selection is None else selection
        self._selection.changed.connect(self._on_selection_changed)
        self._duration = 0.0
        self._position = 0.0
        self._fps: float | None = None
        self._phrases: tuple[Phrase, ...] = ()
        self._by_start: list[Phrase] = []  # for finding the phrases near a point
        self._starts: list[float] = []
        self._longest_phrase = 0.0
        self._edge_drag: EdgeDrag | None = None
        self._spans: tuple[IndicatorSpan, ...] = ()
        self._lane_count = 1
        self._span_starts = np.zeros(0)
        self._span_ends = np.zeros(0)
        self._span_enabled = np.zeros(0, dtype=bool)
        self._content_end = 0.0  # where the last phrase or indicator ends
        self._active: frozenset[int] = frozenset()  # indices into _spans
        self._wave: Waveform | None = None
        self._marks = InOutMarks()
        self._search_marks = SearchMarks()

        self._view_start = 0.0
        self._px_per_s = 0.0
        self._fit = True  # at the smallest zoom: stays so across resizes and new media
        self._last_user_view_change = -math.inf
        self._scrubbing = False
        self._last_scrub_time: float | None = None
        self._cache: QPixmap | None = None

        self._scrollbar = QScrollBar(Qt.Orientation.Horizontal, self)
        self._scrollbar.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._scrollbar.valueChanged.connect(self._on_scrollbar_moved)

        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setMouseTracking(True)  # the resize cursor over phrase edges
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumHeight(self._min_height())
        self._refit()

    # -- data in -----------------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        self._phrases = () if project is None else project.phrases
        self._by_start = sorted(self._phrases, key=lambda p: p.start)
        self._starts = [p.start for p in self._by_start]
        self._longest_phrase = max((p.end - p.start for p in self._phrases), default=0.0)
        if self._edge_drag is not None:
            # Other edits (localizer results) may land mid-drag; only a vanished phrase ends it.
            current = next((p for p in self._phrases if p.id == self._edge_drag.phrase.id), None)
            if current is None:
                self._cancel_edge_drag()
            else:
                self._edge_drag = replace(self._edge_drag, phrase=current)
        spans = indicator_spans(project)
        self._spans = spans
        self._lane_count = max((span.lane for span in spans), default=0) + 1
        self._span_starts = np.array([s.start for s in spans], dtype=np.float64)
        self._span_ends = np.array([s.end for s in spans], dtype=np.float64)
        self._span_enabled = np.array([s.indicator.enabled for s in spans], dtype=bool)
        ends = [p.end for p in self._phrases]
        ends.extend(s.end for s in spans)
        self._content_end = max(ends, default=0.0)
        self._active = self._active_at(self._position)
        self._extent_changed()

    def set_duration(self, seconds: float) -> None:
        seconds = seconds if math.isfinite(seconds) and seconds > 0.0 else 0.0
        if seconds != self._duration:
            self._duration = seconds
            self._fit = True  # new media: start with the whole clip in view
            self._extent_changed()

    def set_frame_rate(self, fps: float | None) -> None:
        """The clip's frame rate, used only for the zoom limit (None: unknown)."""
        self._fps = fps if fps is not None and math.isfinite(fps) and fps > 0.0 else None
        self._set_view(self._view_start, min(self._px_per_s, self._max_px_per_s()))

    def set_waveform(
        self,
        mins: npt.NDArray[np.floating] | None,
        maxs: npt.NDArray[np.floating] | None,
        duration: float,
    ) -> None:
        """Envelopes (equal length, values in -1..1) evenly covering [0, duration]."""
        if mins is None or maxs is None or len(mins) == 0 or duration <= 0.0:
            self._wave = None
        else:
            if len(mins) != len(maxs):
                raise ValueError(f"envelopes differ in length: {len(mins)} != {len(maxs)}")
            lows = np.asarray(mins, dtype=np.float32)
            highs = np.asarray(maxs, dtype=np.float32)
            # Narration is often recorded quietly; scale to the loudest moment so the shape
            # of the speech is visible, but never blow silence up into noise.
            peak = float(max(np.max(np.abs(lows)), np.max(np.abs(highs))))
            self._wave = Waveform(lows, highs, float(duration), max(peak, 0.05))
        self._invalidate()

    def selection_model(self) -> SelectionModel:
        """The selected phrase is highlighted; the selected indicator is outlined and shows
        every keyframe (others show only corrections)."""
        return self._selection

    def _on_selection_changed(self, _selection: Selection) -> None:
        self._invalidate()

    @property
    def _selected_phrase(self) -> str | None:
        return self._selection.selection().phrase_id

    @property
    def _selected_indicator(self) -> str | None:
        return self._selection.selection().indicator_id

    def set_search_marks(self, marks: SearchMarks) -> None:
        """The search results, action spans and proposals to mark (see timeline_marks)."""
        self._search_marks = marks
        self.update()

    def search_marks(self) -> SearchMarks:
        return self._search_marks

    def set_in_out(self, marks: InOutMarks) -> None:
        """The in and out points: the range between them is shaded, each drawn as a bracket."""
        if marks != self._marks:
            self._marks = marks
            self._invalidate()

    def in_out(self) -> InOutMarks:
        return self._marks

    def keyframe_marks(self) -> list[tuple[str, float, bool]]:
        """(indicator id, time, made by a person) of the keyframes drawn in the view."""
        scene = self._scene()
        return [
            (span.indicator.id, t, human)
            for span in self._spans
            for t, human in drawn_keyframes(scene, span)
        ]

    def set_position(self, t: float) -> None:
        """Move the playhead; cheap enough to call on every displayed frame."""
        if not math.isfinite(t) or t == self._position:
            return
        old_x = self.x_for_time(self._position)
        self._position = max(t, 0.0)
        active = self._active_at(self._position)
        if active != self._active:
            self._active = active
            self.update(self._rows().indicators.toAlignedRect())
        if self._maybe_follow():
            return  # the whole view moved and repaints anyway
        self._update_playhead_strip(old_x)
        self._update_playhead_strip(self.x_for_time(self._position))

    # -- view --------------------------------------------------------------------------
    def duration(self) -> float:
        return self._duration

    def position(self) -> float:
        return self._position

    def axis(self) -> TimeAxis:
        return TimeAxis(self._view_start, self._px_per_s, GUTTER)

    def visible_range(self) -> tuple[float, float]:
        """The times at the left and right edges of the rows."""
        return self.axis().visible_range(self._content_width())

    def x_for_time(self, t: float) -> float:
        return self.axis().x_for_time(t)

    def time_at(self, x: float) -> float:
        """The time under widget x (not clamped)."""
        return self.axis().time_at(x)

    def zoom_by(self, factor: float, anchor_x: float | None = None) -> None:
        """Zoom in (factor > 1) or out keeping the time under ``anchor_x`` in place."""
        if self._extent() <= 0.0 or factor <= 0.0:
            return
        if anchor_x is None:
            anchor_x = GUTTER + self._content_width() / 2.0
        start, pps = zoomed_view(
            self.axis(), factor, anchor_x, self._min_px_per_s(), self._max_px_per_s()
        )
        self._set_view(start, pps)
        self._note_user_view_change()

    def is_fit(self) -> bool:
        return self._fit

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(800, 164)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(GUTTER + 160, self._min_height())

    # -- Qt events ---------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        bar_h = self._scrollbar.sizeHint().height()
        self._scrollbar.setGeometry(GUTTER, self.height() - bar_h, self._content_width(), bar_h)
        if self._fit:
            self._refit()
        else:
            self._set_view(self._view_start, max(self._px_per_s, self._min_px_per_s()))
        self._invalidate()
        super().resizeEvent(event)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._invalidate()
        super().changeEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt override)
        # A release can be lost to a hide; never leave the player paused for a scrub.
        self._end_scrub()
        self._cancel_edge_drag()
        super().hideEvent(event)

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and self._edge_drag is not None
        ):
            event.accept()  # Esc cancels the drag, whatever else it does in the window
            return True
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            if self._edge_drag is not None:
                return True
            text = self._tooltip_at(QPointF(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() != Qt.MouseButton.LeftButton or self._extent() <= 0.0:
            super().mousePressEvent(event)
            return
        pos = event.position()
        rows = self._rows()
        if pos.y() >= rows.bottom or pos.x() < GUTTER:
            super().mousePressEvent(event)
            return
        edge = self._edge_hit(pos, rows)
        if edge is not None:
            grabbed, left = edge
            edge_x = self.x_for_time(grabbed.start if left else grabbed.end)
            self._edge_drag = EdgeDrag(grabbed, left, pos.x() - edge_x, grabbed.start, grabbed.end)
            self.setCursor(Qt.CursorShape.SizeHorCursor)
            self._invalidate()  # the static layer is redrawn without the dragged block
            event.accept()
            return
        phrase = self._phrase_hit(pos, rows)
        if phrase is not None:
            self.phrase_clicked.emit(phrase.id)
            self.seek_requested.emit(phrase.start)
            event.accept()
            return
        self._scrubbing = True
        self._last_scrub_time = None
        self.scrub_started.emit()
        self._scrub_to(pos.x())
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self._edge_drag is not None:
            self._drag_edge_to(event.position().x())
            event.accept()
        elif self._scrubbing:
            self._scrub_to(event.position().x())
            event.accept()
        else:
            if not event.buttons():
                self._update_hover_cursor(event.position())
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self._edge_drag is not None and event.button() == Qt.MouseButton.LeftButton:
            self._drag_edge_to(event.position().x())
            self._finish_edge_drag()
            self._update_hover_cursor(event.position())
            event.accept()
        elif self._scrubbing and event.button() == Qt.MouseButton.LeftButton:
            self._scrub_to(event.position().x())
            self._end_scrub()
            event.accept()
        else:
            super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape and self._edge_drag is not None:
            self._cancel_edge_drag()
            event.accept()
            return
        super().keyPressEvent(event)

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if self._edge_drag is None:
            self.unsetCursor()
        super().leaveEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        if self._extent() <= 0.0:
            event.ignore()
            return
        delta = event.angleDelta()
        steps = (delta.y() or delta.x()) / 120.0
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            if steps:
                self.zoom_by(WHEEL_ZOOM_PER_NOTCH**steps, event.position().x())
            event.accept()
            return
        if self._fit:
            event.ignore()  # nothing to scroll: let an enclosing scroll area have it
            return
        pixel = event.pixelDelta()
        if not pixel.isNull():  # a touchpad: follow the fingers exactly
            shift = float(-(pixel.y() or pixel.x()))
        else:  # a wheel: an eighth of the view per notch
            shift = -steps * self._content_width() / 8.0
        self._set_view(self._view_start + shift / self._px_per_s, self._px_per_s)
        self._note_user_view_change()
        event.accept()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        scene = self._scene()
        if (
            self._cache is None
            or self._cache.deviceIndependentSize().toSize() != self.size()
            or self._cache.devicePixelRatio() != self.devicePixelRatioF()
        ):
            self._cache = render_static(scene, self.devicePixelRatioF())
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._cache)
        rows = scene.rows
        painter.setClipRect(QRectF(GUTTER, 0, scene.content_width, rows.bottom))
        paint_search_marks(
            painter,
            scene.axis,
            rows.ruler.top(),
            rows.wave.bottom(),
            rows.phrases,
            self._search_marks,
            scene.palette,
        )
        paint_overlay(painter, scene)
        painter.end()

    # -- geometry ----------------------------------------------------------------------
    def _min_height(self) -> int:
        return rows_min_height() + self._scrollbar.sizeHint().height()

    def _content_width(self) -> int:
        return max(self.width() - GUTTER, 1)

    def _rows(self) -> Rows:
        bottom = float(self.height() - self._scrollbar.sizeHint().height())
        return row_layout(float(self.width()), bottom, self._lane_count)

    def _scene(self) -> TimelineScene:
        """What the painting functions draw: this widget's state now."""
        return TimelineScene(
            palette=self.palette(),
            width=self.width(),
            height=self.height(),
            content_width=self._content_width(),
            rows=self._rows(),
            axis=self.axis(),
            extent=self._extent(),
            fps=self._fps,
            phrases=self._phrases,
            spans=self._spans,
            lane_count=self._lane_count,
            selection=self._selection.selection(),
            marks=self._marks,
            edge_drag=self._edge_drag,
            active=self._active,
            position=self._position,
            waveform=self._wave,
        )

    def _extent(self) -> float:
        """The span the timeline covers: the media, or without media the project's content."""
        return self._duration if self._duration > 0.0 else self._content_end

    def _min_px_per_s(self) -> float:
        return min_px_per_s(self._content_width(), self._extent())

    def _max_px_per_s(self) -> float:
        return max_px_per_s(self._fps, self._content_width(), self._extent())

    def _refit(self) -> None:
        self._set_view(0.0, self._min_px_per_s())

    def _extent_changed(self) -> None:
        if self._fit:
            self._refit()
        else:
            self._set_view(self._view_start, max(self._px_per_s, self._min_px_per_s()))
        self._invalidate()

    def _set_view(self, start: float, px_per_s: float) -> None:
        """Clamp and apply a view; keeps the scroll bar in step without echoing back."""
        extent = self._extent()
        if extent <= 0.0 or px_per_s <= 0.0:
            self._view_start, self._px_per_s, self._fit = 0.0, 0.0, True
            with QSignalBlocker(self._scrollbar):
                self._scrollbar.setRange(0, 0)
            self._invalidate()
            return
        start, px_per_s, self._fit = clamped_view(start, px_per_s, extent, self._content_width())
        changed = start != self._view_start or px_per_s != self._px_per_s
        self._view_start, self._px_per_s = start, px_per_s
        content = self._content_width()
        with QSignalBlocker(self._scrollbar):
            self._scrollbar.setRange(0, max(math.ceil(extent * px_per_s - content), 0))
            self._scrollbar.setPageStep(content)
            self._scrollbar.setSingleStep(max(content // 20, 1))
            self._scrollbar.setValue(round(start * px_per_s))
        if changed:
            self._invalidate()

    def _on_scrollbar_moved(self, value: int) -> None:
        if self._px_per_s > 0.0:
            self._set_view(value / self._px_per_s, self._px_per_s)
            self._note_user_view_change()

    def _note_user_view_change(self) -> None:
        self._last_user_view_change = time.monotonic()

    def _maybe_follow(self) -> bool:
        """Page the view to the playhead when playback leaves it. True when it moved."""
        if self._fit or self._scrubbing or self._px_per_s <= 0.0:
            return False
        if time.monotonic() - self._last_user_view_change < FOLLOW_PAUSE_S:
            return False
        start = follow_start(self._position, *self.visible_range())
        if start is None:
            return False
        self._set_view(start, self._px_per_s)
        return True

    def _update_playhead_strip(self, x: float) -> None:
        if GUTTER - 8 <= x <= self.width() + 8:
            self.update(QRect(math.floor(x) - 7, 0, 15, round(self._rows().bottom)))

    # -- hit testing -------------------------------------------------------------------
    def _active_at(self, t: float) -> frozenset[int]:
        if not self._spans:
            return frozenset()
        hits = (self._span_starts <= t) & (t < self._span_ends) & self._span_enabled
        return frozenset(int(i) for i in np.flatnonzero(hits))

    def _phrase_hit(self, pos: QPointF, rows: Rows) -> Phrase | None:
        if pos.x() < GUTTER:
            return None
        if rows.phrases.contains(pos):
            for phrase in reversed(self._phrases):
                if block_rect(self.axis(), phrase.start, phrase.end, rows.phrases).contains(pos):
                    return phrase
        elif rows.indicators.contains(pos):
            span = self._span_hit(pos, rows)
            return None if span is None else span.phrase
        return None

    def _phrases_near(self, x: float) -> list[Phrase]:
        """The phrases whose blocks may reach within an edge grab of widget x."""
        reach = EDGE_GRAB_PX + 5.0  # blocks are at least 4 px wide, whatever their length
        lo = self.time_at(x - reach) - self._longest_phrase
        hi = self.time_at(x + reach)
        first = bisect.bisect_left(self._starts, lo)
        last = bisect.bisect_right(self._starts, hi)
        return self._by_start[first:last]

    def _edge_hit(self, pos: QPointF, rows: Rows) -> tuple[Phrase, bool] | None:
        """The phrase edge under ``pos``: (phrase, True for its start edge), or None.

        An edge is grabbed up to :data:`EDGE_GRAB_PX` outside its block, and as far inside
        when the block is wide enough to keep a middle for clicking. Of two edges in reach the
        nearer wins, then the one of the block under the pointer.
        """
        if pos.x() < GUTTER or not rows.phrases.contains(pos) or self._px_per_s <= 0.0:
            return None
        best: tuple[float, int, Phrase, bool] | None = None
        for phrase in self._phrases_near(pos.x()):
            rect = block_rect(self.axis(), phrase.start, phrase.end, rows.phrases)
            inside = EDGE_GRAB_PX if rect.width() >= 3.0 * EDGE_GRAB_PX else 0.0
            under = 0 if rect.contains(pos) else 1
            for left, x in ((True, rect.left()), (False, rect.right())):
                d = pos.x() - x if left else x - pos.x()  # > 0: inside the block
                if -EDGE_GRAB_PX <= d <= inside:
                    key = (abs(d), under, phrase, left)
                    if best is None or key[:2] < best[:2]:
                        best = key
        return None if best is None else (best[2], best[3])

    def _update_hover_cursor(self, pos: QPointF) -> None:
        if self._extent() > 0.0 and self._edge_hit(pos, self._rows()) is not None:
            self.setCursor(Qt.CursorShape.SizeHorCursor)
        else:
            self.unsetCursor()

    # -- dragging phrase edges -----------------------------------------------------------
    def _drag_edge_to(self, x: float) -> None:
        drag = self._edge_drag
        if drag is None:
            return
        start, end = retimed(
            drag.phrase,
            drag.left,
            self.time_at(x - drag.grab_dx),
            self.visible_range(),
            self._fps,
            self._duration,
        )
        if (start, end) != (drag.start, drag.end):
            self._edge_drag = replace(drag, start=start, end=end)
            self.update()

    def _finish_edge_drag(self) -> None:
        drag = self._edge_drag
        self._edge_drag = None
        self._invalidate()
        if drag is None:
            return
        changed = (drag.start, drag.end) != (drag.phrase.start, drag.phrase.end)
        if changed and drag.start < drag.end:
            self.phrase_retimed.emit(drag.phrase.id, drag.start, drag.end)

    def _cancel_edge_drag(self) -> None:
        if self._edge_drag is not None:
            self._edge_drag = None
            self.unsetCursor()
            self._invalidate()

    def edge_drag_preview(self) -> tuple[str, float, float] | None:
        """The phrase being retimed and its times so far, or None when no edge is dragged."""
        drag = self._edge_drag
        return None if drag is None else (drag.phrase.id, drag.start, drag.end)

    def _span_hit(self, pos: QPointF, rows: Rows) -> IndicatorSpan | None:
        for span in reversed(self._spans):
            if span_rect(self.axis(), span, self._lane_count, rows.indicators).contains(pos):
                return span
        return None

    def _scrub_to(self, x: float) -> None:
        # Clamp to the visible part: dragging past an edge must not make the view jump.
        start, end = self.visible_range()
        t = min(max(self.time_at(x), start), end, self._extent())
        if t != self._last_scrub_time:
            self._last_scrub_time = t
            self.seek_requested.emit(t)

    def _end_scrub(self) -> None:
        if self._scrubbing:
            self._scrubbing = False
            self._last_scrub_time = None
            self.scrub_finished.emit()

    def _tooltip_at(self, pos: QPointF) -> str:
        rows = self._rows()
        if pos.x() < GUTTER or pos.y() >= rows.bottom or self._extent() <= 0.0:
            return ""
        if rows.phrases.contains(pos):
            edge = self._edge_hit(pos, rows)
            phrase = self._phrase_hit(pos, rows) if edge is None else edge[0]
            if phrase is not None:
                hint = ""
                if edge is not None:
                    which = "starts" if edge[1] else "ends"
                    hint = f"<p><i>Drag to change when it {which}; Esc cancels.</i></p>"
                return (
                    f"<p>{html.escape(phrase.text)}</p>"
                    f"<p><tt>{format_span(phrase.start, phrase.end)}</tt>"
                    f" ({phrase.end - phrase.start:.2f} s)</p>{hint}"
                )
            return ""
        if rows.indicators.contains(pos):
            span = self._span_hit(pos, rows)
            if span is None:
                return ""
            state = "" if span.indicator.enabled else " <i>(off)</i>"
            return (
                f"<p><b>{html.escape(span.indicator.style.label)}</b>{state}</p>"
                f"<p>{html.escape(span.phrase.text)}</p>"
                f"<p><tt>{format_span(span.start, span.end)}</tt></p>"
            )
        return "Click or drag to seek. Wheel scrolls, Ctrl+wheel zooms."

    # -- painting ----------------------------------------------------------------------
    def _invalidate(self) -> None:
        self._cache = None
        self.update()
