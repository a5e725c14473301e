"""How the timeline is laid out and drawn: its rows, its blocks, and the two layers.

The static layer (:func:`render_static`: ruler, waveform, phrases, indicator spans, in and out
points) is painted once into a pixmap the widget caches; the overlay (:func:`paint_overlay`:
the spans shown now, a phrase edge being dragged, the playhead) is painted over it on every
repaint, so following playback or a drag only redraws thin strips.

Everything here draws from a :class:`TimelineScene`, a snapshot of what the widget shows;
nothing here handles input or keeps state.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetricsF,
    QImage,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
)

from narrlocal_gui.core.model import Phrase
from narrlocal_gui.core.range_marks import InOutMarks
from narrlocal_gui.core.selection import Selection
from narrlocal_gui.core.time_format import format_ruler_time
from narrlocal_gui.core.timeline_view import (
    IndicatorSpan,
    TimeAxis,
    frame_seconds,
    ruler_step,
    span_keyframes,
    waveform_columns,
)

_PREMULTIPLIED = QImage.Format.Format_ARGB32_Premultiplied

GUTTER = 76  # row names on the left
RULER_H = 22
PHRASE_H = 26
INDICATOR_H = 18
LANE_H = 13  # each lane when indicators overlap and are stacked
ROW_GAP = 2
MIN_WAVE_H = 36
TINY_BLOCK_PX = 8.0  # narrower blocks are drawn as plain fills

KEY_PX = 4.5  # half the width of a correction's diamond
MODEL_KEY_PX = 3.0  # half the width of a model point's diamond


@dataclass(frozen=True, slots=True)
class Rows:
    """Where each row is, in widget coordinates."""

    ruler: QRectF
    wave: QRectF
    phrases: QRectF
    indicators: QRectF
    bottom: float  # where the scroll bar starts


def row_layout(width: float, bottom: float, lane_count: int) -> Rows:
    """The rows of a timeline ``width`` wide whose rows end at ``bottom``."""
    # Stacked lanes take their height from the waveform, which keeps its minimum.
    room = bottom - (RULER_H + MIN_WAVE_H + PHRASE_H + 3 * ROW_GAP) - ROW_GAP
    wanted = INDICATOR_H if lane_count == 1 else lane_count * LANE_H
    indicators_h = max(INDICATOR_H, min(float(wanted), room))
    indicators_top = bottom - ROW_GAP - indicators_h
    phrases_top = indicators_top - ROW_GAP - PHRASE_H
    wave_top = RULER_H + ROW_GAP
    return Rows(
        ruler=QRectF(0, 0, width, RULER_H),
        wave=QRectF(0, wave_top, width, max(phrases_top - ROW_GAP - wave_top, 1.0)),
        phrases=QRectF(0, phrases_top, width, PHRASE_H),
        indicators=QRectF(0, indicators_top, width, indicators_h),
        bottom=bottom,
    )


def rows_min_height() -> int:
    """The height of the rows at their smallest (one indicator lane)."""
    return RULER_H + MIN_WAVE_H + PHRASE_H + INDICATOR_H + 4 * ROW_GAP


def block_rect(axis: TimeAxis, start: float, end: float, row: QRectF) -> QRectF:
    """The block of [start, end] in ``row``, never too narrow to see and to click."""
    x1 = axis.x_for_time(start)
    # Keep even a very short phrase wide enough to see and to click.
    x2 = max(axis.x_for_time(end), x1 + 4.0)
    return QRectF(x1, row.top() + 2, x2 - x1, row.height() - 4)


def lane_rect(span: IndicatorSpan, lane_count: int, row: QRectF) -> QRectF:
    """The part of the indicators ``row`` that is ``span``'s lane."""
    if lane_count == 1:
        return row
    height = row.height() / lane_count
    return QRectF(row.left(), row.top() + span.lane * height, row.width(), height)


def span_rect(axis: TimeAxis, span: IndicatorSpan, lane_count: int, row: QRectF) -> QRectF:
    lane = lane_rect(span, lane_count, row)
    return block_rect(axis, span.start, span.end, lane).adjusted(0.5, 0.5, -0.5, -0.5)


@dataclass(frozen=True, slots=True)
class EdgeDrag:
    """A phrase edge being dragged: the phrase as it was, which edge, and the preview."""

    phrase: Phrase
    left: bool  # the start edge (else the end edge)
    grab_dx: float  # pointer x minus the edge's x at the press, so the edge never jumps
    start: float
    end: float


@dataclass(frozen=True, slots=True, eq=False)
class Waveform:
    """Envelopes (equal length, values in -1..1) evenly covering [0, duration], drawn
    scaled to ``peak``."""

    mins: npt.NDArray[np.float32]
    maxs: npt.NDArray[np.float32]
    duration: float
    peak: float

    def __post_init__(self) -> None:
        if len(self.mins) != len(self.maxs):
            raise ValueError(f"envelopes differ in length: {len(self.mins)} != {len(self.maxs)}")
        if not (self.duration > 0.0 and self.peak > 0.0):
            raise ValueError(f"duration and peak must be > 0, not {self.duration}, {self.peak}")

    def columns(
        self, visible: tuple[float, float], count: int
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]] | None:
        """The envelope's min and max under each of ``count`` columns across ``visible``
        (None where no column starts in the data)."""
        return waveform_columns(self.mins, self.maxs, self.duration, visible, count)


@dataclass(frozen=True, slots=True, eq=False)
class TimelineScene:
    """What the timeline shows at one moment, as the painting functions need it."""

    palette: QPalette
    width: int
    height: int
    content_width: int  # the rows' width right of the gutter
    rows: Rows
    axis: TimeAxis
    extent: float  # the span the timeline covers (0: nothing to show)
    fps: float | None
    phrases: tuple[Phrase, ...]
    spans: tuple[IndicatorSpan, ...]
    lane_count: int
    selection: Selection
    marks: InOutMarks
    edge_drag: EdgeDrag | None
    active: frozenset[int]  # indices into spans: the indicators shown now
    position: float
    waveform: Waveform | None

    def __post_init__(self) -> None:
        if self.lane_count < 1:
            raise ValueError(f"a timeline has at least one lane, not {self.lane_count}")

    @property
    def visible_range(self) -> tuple[float, float]:
        return self.axis.visible_range(self.content_width)

    def span_rect(self, span: IndicatorSpan, row: QRectF) -> QRectF:
        return span_rect(self.axis, span, self.lane_count, row)


def drawn_keyframes(scene: TimelineScene, span: IndicatorSpan) -> list[tuple[float, bool]]:
    """(time, human) of the keyframes drawn on ``span`` in the view (the widget's doc)."""
    selected = span.indicator.id == scene.selection.indicator_id
    frame_s = frame_seconds(scene.fps)
    return span_keyframes(span, selected, scene.axis, scene.visible_range, frame_s)


def render_static(scene: TimelineScene, dpr: float) -> QPixmap:
    """The cached layer: everything but the overlay, at ``dpr`` device pixels per pixel."""
    pixmap = QPixmap(QSize(max(round(scene.width * dpr), 1), max(round(scene.height * dpr), 1)))
    pixmap.setDevicePixelRatio(dpr)
    pixmap.fill(scene.palette.color(QPalette.ColorRole.Window))
    painter = QPainter(pixmap)
    rows = scene.rows
    _paint_gutter(painter, scene, rows)
    content = QRectF(GUTTER, 0, scene.content_width, rows.bottom)
    painter.setClipRect(content)
    for row in (rows.wave, rows.phrases, rows.indicators):
        painter.fillRect(row.intersected(content), scene.palette.color(QPalette.ColorRole.Base))
    if scene.extent > 0.0:
        _paint_in_out_range(painter, scene, rows)
        _paint_ruler(painter, scene, rows)
        _paint_waveform(painter, scene, rows.wave)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        _paint_phrases(painter, scene, rows.phrases)
        _paint_spans(painter, scene, rows.indicators)
        _paint_in_out_marks(painter, scene, rows)
    else:
        painter.setPen(scene.palette.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(rows.wave, Qt.AlignmentFlag.AlignCenter, "No media")
    painter.end()
    return pixmap


def paint_overlay(painter: QPainter, scene: TimelineScene) -> None:
    """What is drawn over the cached layer on every repaint: the spans shown now, a phrase
    edge being dragged, and the playhead."""
    rows = scene.rows
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setClipRect(QRectF(GUTTER, 0, scene.content_width, rows.bottom))
    _paint_active_spans(painter, scene, rows)
    _paint_edge_drag(painter, scene, rows)
    _paint_playhead(painter, scene, rows)


def _paint_gutter(painter: QPainter, scene: TimelineScene, rows: Rows) -> None:
    palette = scene.palette
    painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
    font = painter.font()
    font.setPointSizeF(font.pointSizeF() * 0.9)
    painter.setFont(font)
    for label, row in (
        ("Audio", rows.wave),
        ("Phrases", rows.phrases),
        ("Indicators", rows.indicators),
    ):
        painter.drawText(
            QRectF(8, row.top(), GUTTER - 12, row.height()),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            label,
        )
    painter.setPen(palette.color(QPalette.ColorRole.Mid))
    painter.drawLine(QPointF(GUTTER - 0.5, 0), QPointF(GUTTER - 0.5, rows.bottom))


def _ruler_step(scene: TimelineScene, metrics: QFontMetricsF) -> tuple[float, int]:
    sample = format_ruler_time(0.0, 0.001, scene.extent >= 3600.0)
    return ruler_step(scene.axis.px_per_s, metrics.horizontalAdvance(sample) + 16.0)


def _paint_ruler(painter: QPainter, scene: TimelineScene, rows: Rows) -> None:
    palette = scene.palette
    text_color = palette.color(QPalette.ColorRole.WindowText)
    font = painter.font()
    metrics = QFontMetricsF(font)
    step, subdivisions = _ruler_step(scene, metrics)
    minor = step / subdivisions
    start, end = scene.visible_range
    end = min(end, scene.extent)
    with_hours = scene.extent >= 3600.0
    grid = QColor(palette.color(QPalette.ColorRole.Mid))
    grid.setAlpha(70)
    ruler_bottom = rows.ruler.bottom()
    # Walk whole minor ticks by index, not by adding floats, so labels never drift.
    first = math.floor(start / minor)
    last = math.floor(end / minor + 1e-9)
    tick_pen = QPen(text_color, 1.0)
    for k in range(first, last + 1):
        t = k * minor
        x = round(scene.axis.x_for_time(t)) + 0.5
        major = k % subdivisions == 0
        if major:
            painter.setPen(QPen(grid, 1.0))
            painter.drawLine(QPointF(x, ruler_bottom), QPointF(x, rows.bottom))
        painter.setPen(tick_pen)
        tick_h = 8.0 if major else 4.0
        painter.drawLine(QPointF(x, ruler_bottom - tick_h), QPointF(x, ruler_bottom))
        if major:
            label = format_ruler_time(t, step, with_hours)
            # A label cut off by the right edge reads as a different time ("0:3").
            if x + 3.0 + metrics.horizontalAdvance(label) <= scene.width:
                painter.drawText(QPointF(x + 3.0, metrics.ascent() + 2.0), label)
    painter.setPen(palette.color(QPalette.ColorRole.Mid))
    painter.drawLine(QPointF(GUTTER, ruler_bottom - 0.5), QPointF(scene.width, ruler_bottom - 0.5))


def _paint_waveform(painter: QPainter, scene: TimelineScene, row: QRectF) -> None:
    mid = row.center().y()
    palette = scene.palette
    painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1.0))
    painter.drawLine(QPointF(GUTTER, mid), QPointF(scene.width, mid))
    # Rasterised in numpy at device resolution: one pass for any length of audio, where
    # filling a polygon with a vertex per column costs QPainter tens of milliseconds.
    dpr = painter.device().devicePixelRatioF()
    width = round(scene.content_width * dpr)
    height = round(row.height() * dpr)
    wave = scene.waveform
    if wave is None or scene.axis.px_per_s <= 0.0:
        return
    columns = wave.columns(scene.visible_range, width)
    if columns is None or height < 1:
        return
    lows, highs = columns
    centre = height / 2.0
    scale = (centre - 2.0 * dpr) / wave.peak
    top = centre - np.clip(highs, -wave.peak, wave.peak) * scale
    bottom = centre - np.clip(lows, -wave.peak, wave.peak) * scale
    # At least a hairline wherever there is data, so quiet speech never disappears.
    bottom = np.maximum(bottom, top + dpr)
    # Each pixel's alpha is the share of it the [top, bottom] span covers: smooth edges.
    ys = np.arange(height, dtype=np.float32)[:, None]
    coverage = np.clip(np.minimum(bottom, ys + 1.0) - np.maximum(top, ys), 0.0, 1.0)
    fill = palette.color(QPalette.ColorRole.Highlight)
    alpha = (coverage * 220.0).astype(np.uint32)
    argb = (  # premultiplied, as Format_ARGB32_Premultiplied stores it in a uint32
        (alpha << 24)
        | ((alpha * fill.red() // 255) << 16)
        | ((alpha * fill.green() // 255) << 8)
        | (alpha * fill.blue() // 255)
    ).astype(np.uint32)
    image = QImage(argb.data, len(top), height, len(top) * 4, _PREMULTIPLIED)
    image.setDevicePixelRatio(dpr)
    # drawImage copies the pixels before ``argb`` can go away.
    painter.drawImage(QPointF(GUTTER, row.top()), image)


def _paint_phrases(painter: QPainter, scene: TimelineScene, row: QRectF) -> None:
    palette = scene.palette
    start, end = scene.visible_range
    block_fill = palette.color(QPalette.ColorRole.Button)
    block_edge = palette.color(QPalette.ColorRole.Mid)
    text_color = palette.color(QPalette.ColorRole.ButtonText)
    selected_fill = palette.color(QPalette.ColorRole.Highlight)
    selected_text = palette.color(QPalette.ColorRole.HighlightedText)
    metrics = QFontMetricsF(painter.font())
    selected: Phrase | None = None
    dragged = None if scene.edge_drag is None else scene.edge_drag.phrase.id
    for phrase in scene.phrases:
        if phrase.end < start or phrase.start > end or phrase.id == dragged:
            continue
        if phrase.id == scene.selection.phrase_id:
            selected = phrase  # drawn last, on top of any neighbour it overlaps
            continue
        _paint_block(painter, scene, phrase, row, metrics, block_fill, block_edge, text_color)
    if selected is not None:
        _paint_block(
            painter,
            scene,
            selected,
            row,
            metrics,
            selected_fill,
            selected_fill.lighter(130),
            selected_text,
        )


def _paint_block(
    painter: QPainter,
    scene: TimelineScene,
    phrase: Phrase,
    row: QRectF,
    metrics: QFontMetricsF,
    fill: QColor,
    edge: QColor,
    text_color: QColor,
) -> None:
    rect = block_rect(scene.axis, phrase.start, phrase.end, row).adjusted(0.5, 0.5, -0.5, -0.5)
    if rect.width() < TINY_BLOCK_PX:
        # Zoomed far out a long talk is thousands of slivers: a plain fill looks the same
        # and costs a fraction of an outlined, rounded, antialiased shape.
        painter.fillRect(rect, fill)
        return
    painter.setPen(QPen(edge, 1.0))
    painter.setBrush(fill)
    painter.drawRoundedRect(rect, 4.0, 4.0)
    text_rect = rect.adjusted(5.0, 0.0, -4.0, 0.0)
    if text_rect.width() >= metrics.averageCharWidth() * 2:
        text = metrics.elidedText(phrase.text, Qt.TextElideMode.ElideRight, text_rect.width())
        painter.setPen(text_color)
        painter.drawText(
            text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text
        )


def _in_paint_order(scene: TimelineScene, indices: Iterable[int]) -> list[IndicatorSpan]:
    """The spans at ``indices`` in order, the selected indicator's last: it is drawn on
    top of any span it overlaps, so its outline and keyframes are never hidden."""
    spans = [scene.spans[i] for i in sorted(indices)]
    spans.sort(key=lambda span: span.indicator.id == scene.selection.indicator_id)
    return spans


def _paint_spans(painter: QPainter, scene: TimelineScene, row: QRectF) -> None:
    start, end = scene.visible_range
    shown = [i for i, span in enumerate(scene.spans) if span.end >= start and span.start <= end]
    ordered = _in_paint_order(scene, shown)
    for span in ordered:
        color = QColor(*span.indicator.color)
        rect = scene.span_rect(span, row)
        if rect.width() < TINY_BLOCK_PX:
            color.setAlpha(165 if span.indicator.enabled else 70)
            painter.fillRect(rect, color)
            continue
        if span.indicator.enabled:
            fill = QColor(color)
            fill.setAlpha(165)
            painter.setPen(QPen(color, 1.0))
            painter.setBrush(fill)
        else:
            # Off: kept in place (so it can be found and turned back on) but plainly not shown.
            dim = QColor(color)
            dim.setAlpha(110)
            painter.setPen(QPen(dim, 1.0, Qt.PenStyle.DashLine))
            painter.setBrush(QBrush(dim, Qt.BrushStyle.BDiagPattern))
        painter.drawRoundedRect(rect, 3.0, 3.0)
        if span.indicator.id == scene.selection.indicator_id:
            _paint_selection(painter, scene, rect)
    for span in ordered:
        _paint_keyframes(painter, scene, span, row)


def _paint_selection(painter: QPainter, scene: TimelineScene, rect: QRectF) -> None:
    """The selected indicator's outline: the selection colour, thicker than the outline
    of a span being shown now, so the two can be told apart."""
    painter.setPen(QPen(scene.palette.color(QPalette.ColorRole.Highlight), 2.0))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(rect, 3.0, 3.0)


def _paint_active_spans(painter: QPainter, scene: TimelineScene, rows: Rows) -> None:
    if not scene.active:
        return
    outline = scene.palette.color(QPalette.ColorRole.WindowText)
    active = _in_paint_order(scene, scene.active)
    for span in active:
        rect = scene.span_rect(span, rows.indicators).adjusted(-1.0, -1.0, 1.0, 1.0)
        painter.setPen(QPen(outline, 1.5))
        painter.setBrush(QColor(*span.indicator.color))
        painter.drawRoundedRect(rect, 3.0, 3.0)
        if span.indicator.id == scene.selection.indicator_id:
            _paint_selection(painter, scene, rect)
        _paint_keyframes(painter, scene, span, rows.indicators)
    # A selected span that is not shown now stays visible over the raised active ones.
    for span in _in_paint_order(scene, range(len(scene.spans))):
        if span.indicator.id != scene.selection.indicator_id or any(span is a for a in active):
            continue
        if any(span.start < other.end and other.start < span.end for other in active):
            _paint_selection(painter, scene, scene.span_rect(span, rows.indicators))
            _paint_keyframes(painter, scene, span, rows.indicators)


def _paint_keyframes(
    painter: QPainter, scene: TimelineScene, span: IndicatorSpan, row: QRectF
) -> None:
    marks = drawn_keyframes(scene, span)
    if not marks:
        return
    y = lane_rect(span, scene.lane_count, row).center().y()
    # Black and white read on every indicator colour, in light and dark themes alike.
    model_pen = QPen(QColor(0, 0, 0, 150), 1.0)
    human_pen = QPen(QColor(0, 0, 0), 1.0)
    for t, human in marks:
        x = scene.axis.x_for_time(t)
        half = KEY_PX if human else MODEL_KEY_PX
        diamond = QPolygonF(
            [
                QPointF(x, y - half),
                QPointF(x + half, y),
                QPointF(x, y + half),
                QPointF(x - half, y),
            ]
        )
        painter.setPen(human_pen if human else model_pen)
        painter.setBrush(QColor(255, 255, 255) if human else Qt.BrushStyle.NoBrush)
        painter.drawPolygon(diamond)


def _paint_edge_drag(painter: QPainter, scene: TimelineScene, rows: Rows) -> None:
    drag = scene.edge_drag
    if drag is None:
        return
    palette = scene.palette
    fill = palette.color(QPalette.ColorRole.Highlight)
    metrics = QFontMetricsF(painter.font())
    preview = replace(drag.phrase, start=drag.start, end=drag.end)
    _paint_block(
        painter,
        scene,
        preview,
        rows.phrases,
        metrics,
        fill,
        fill.lighter(130),
        palette.color(QPalette.ColorRole.HighlightedText),
    )
    # A guide through every row, and the edge's time with the new length beside it.
    t = drag.start if drag.left else drag.end
    x = scene.axis.x_for_time(t)
    painter.setPen(QPen(fill, 1.0, Qt.PenStyle.DashLine))
    painter.drawLine(QPointF(x, rows.ruler.bottom()), QPointF(x, rows.bottom))
    label = (
        f"{format_ruler_time(t, 0.001, scene.extent >= 3600.0)}  ({drag.end - drag.start:.2f} s)"
    )
    width = metrics.horizontalAdvance(label) + 10.0
    height = metrics.height() + 4.0
    left = x + 6.0 if drag.left else x - 6.0 - width
    left = min(max(left, GUTTER + 2.0), scene.width - width - 2.0)
    box = QRectF(left, rows.phrases.top() - height - 3.0, width, height)
    painter.setPen(QPen(palette.color(QPalette.ColorRole.ToolTipText).lighter(150), 1.0))
    painter.setBrush(palette.color(QPalette.ColorRole.ToolTipBase))
    painter.drawRoundedRect(box, 3.0, 3.0)
    painter.setPen(palette.color(QPalette.ColorRole.ToolTipText))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)


def _paint_in_out_range(painter: QPainter, scene: TimelineScene, rows: Rows) -> None:
    span = scene.marks.span
    if span is None:
        return
    left, right = scene.axis.x_for_time(span[0]), scene.axis.x_for_time(span[1])
    color = QColor(scene.palette.color(QPalette.ColorRole.Highlight))
    # Under the rows' contents, so phrases and spans stay readable over the shade.
    color.setAlpha(40)
    painter.fillRect(
        QRectF(left, rows.ruler.bottom(), right - left, rows.bottom - rows.ruler.bottom()),
        color,
    )
    color.setAlpha(120)
    painter.fillRect(QRectF(left, rows.ruler.bottom() - 5.0, right - left, 5.0), color)


def _paint_in_out_marks(painter: QPainter, scene: TimelineScene, rows: Rows) -> None:
    color = QColor(scene.palette.color(QPalette.ColorRole.Highlight))
    arm = 5.0
    top = rows.ruler.bottom() - 12.0
    for t, opens in ((scene.marks.in_point, True), (scene.marks.out_point, False)):
        if t is None:
            continue
        x = round(scene.axis.x_for_time(t)) + 0.5
        painter.setPen(QPen(color, 1.0, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(x, rows.ruler.bottom()), QPointF(x, rows.bottom))
        # A bracket on the ruler, "[" at the in point and "]" at the out point, the
        # editors' own signs, pointing into the range.
        tip = x + arm if opens else x - arm
        painter.setPen(QPen(color, 2.0))
        painter.drawPolyline(
            QPolygonF(
                [
                    QPointF(tip, top),
                    QPointF(x, top),
                    QPointF(x, rows.ruler.bottom()),
                    QPointF(tip, rows.ruler.bottom()),
                ]
            )
        )


def _paint_playhead(painter: QPainter, scene: TimelineScene, rows: Rows) -> None:
    if scene.extent <= 0.0:
        return
    x = scene.axis.x_for_time(min(scene.position, scene.extent))
    if not (GUTTER - 8 <= x <= scene.width + 8):
        return
    color = QColor(230, 60, 60)  # a playhead reads as red in every editor and theme
    painter.setPen(QPen(color, 1.5))
    painter.drawLine(QPointF(x, rows.ruler.top() + 6), QPointF(x, rows.bottom))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawPolygon(QPolygonF([QPointF(x - 6, 0), QPointF(x + 6, 0), QPointF(x, 8)]))
