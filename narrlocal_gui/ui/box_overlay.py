"""What the box editor draws over the picture: the selection, its handles, a box being drawn.

Painted by the video view over the frame, never into the frame's pixels, so the exported
video stays as the renderer makes it. The outlines are black under white dashes: readable on
any picture, whatever the indicator's colour.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPen

from narrlocal_gui.core.box_handles import Handle
from narrlocal_gui.core.model import Rgb

#: The side of a drawn handle square, in widget pixels.
HANDLE_PX = 8.0

_SHADOW = QColor(0, 0, 0, 200)
_WHITE = QColor(255, 255, 255)


def handle_rect(rect: QRectF, handle: Handle) -> QRectF:
    fx, fy = handle.value
    centre = QPointF(rect.left() + fx * rect.width(), rect.top() + fy * rect.height())
    half = HANDLE_PX / 2.0
    return QRectF(centre.x() - half, centre.y() - half, HANDLE_PX, HANDLE_PX)


def _contrast_outline(painter: QPainter, rect: QRectF, width: float) -> None:
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(_SHADOW, width + 1.5))
    painter.drawRect(rect)
    dashes = QPen(_WHITE, width, Qt.PenStyle.CustomDashLine)
    dashes.setDashPattern([4.0, 3.0])
    painter.setPen(dashes)
    painter.drawRect(rect)


def paint_selection(painter: QPainter, rect: QRectF, color: Rgb, with_handles: bool) -> None:
    """The selected box: a contrasting dashed outline and, when editable, its 8 handles."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    _contrast_outline(painter, rect, 1.5)
    if not with_handles:
        return
    painter.setPen(QPen(_SHADOW, 1.0))
    painter.setBrush(QColor(*color))
    for handle in Handle:
        square = handle_rect(rect, handle)
        painter.fillRect(square.adjusted(-1, -1, 1, 1), _WHITE)
        painter.drawRect(square)


def paint_hover(painter: QPainter, rect: QRectF) -> None:
    """A box under the pointer that a click would select."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(_WHITE, 1.0, Qt.PenStyle.DotLine))
    painter.drawRect(rect.adjusted(-2, -2, 2, 2))


def paint_rubber_band(painter: QPainter, rect: QRectF, color: Rgb) -> None:
    """A box being drawn: its outline over a light wash of the indicator's colour."""
    fill = QColor(*color)
    fill.setAlpha(60)
    painter.fillRect(rect, QBrush(fill))
    _contrast_outline(painter, rect, 1.5)


def paint_hint(painter: QPainter, area: QRectF, text: str) -> None:
    """A one-line note at the top of the picture (what a drag will do)."""
    metrics = QFontMetricsF(painter.font())
    text = metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, max(area.width() - 40.0, 40.0))
    width = metrics.horizontalAdvance(text) + 16.0
    height = metrics.height() + 8.0
    box = QRectF(area.center().x() - width / 2.0, area.top() + 8.0, width, height)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(0, 0, 0, 170))
    painter.drawRoundedRect(box, 4.0, 4.0)
    painter.setPen(_WHITE)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
