"""The picture: the current frame, aspect-fit on a dark surround, and a drop target for files.

An overlay (the box editor's handles and selection) can be painted over the frame. It is
drawn by the view, never into the frame's pixels, so what is exported is unaffected.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QMimeData, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from narrlocal_gui.ui.edit_requests import FilesDropped
from narrlocal_gui.ui.qt_image import numpy_to_qimage

# Video is judged against black whatever the desktop theme: a light surround would make every
# frame look darker than it is, so these are deliberately not taken from the palette.
_SURROUND = QColor(18, 18, 20)
_MESSAGE = QColor(170, 170, 176)
_DROP_HINT = QColor(86, 180, 233)


def _local_paths(mime: QMimeData) -> list[Path]:
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class VideoView(QWidget):
    """Shows one frame at a time; knows nothing about where frames come from.

    Frame coordinates (``widget_to_frame``) are in source pixels, x right and y down, the
    convention of :class:`narrlocal_gui.core.model.Box`.
    """

    files_dropped = Signal(FilesDropped)  # local files only
    double_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._overlay: Callable[[QPainter], None] | None = None
        self._message = ""
        self._drop_armed = False
        self.setAcceptDrops(True)
        # The frame covers the whole widget, so skip Qt's background fill under it.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        # Clicking the picture takes focus from any editor, so the player's shortcuts apply.
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 90)

    # -- data in -----------------------------------------------------------------------
    def set_frame(self, rgb: npt.NDArray[np.uint8] | None) -> None:
        """Show ``rgb`` (H x W x 3 uint8), or the message when None."""
        self._image = None if rgb is None else numpy_to_qimage(rgb)
        if self._image is not None and self._image.isNull():
            self._image = None
        self.update()

    def set_message(self, text: str) -> None:
        """Text shown centred while there is no frame."""
        if text != self._message:
            self._message = text
            if self._image is None:
                self.update()

    def message(self) -> str:
        return self._message

    def set_overlay(self, paint: Callable[[QPainter], None] | None) -> None:
        """``paint(painter)`` draws over the frame, in widget coordinates, after each frame."""
        self._overlay = paint
        self.update()

    def has_frame(self) -> bool:
        return self._image is not None

    def frame_size(self) -> QSize:
        """The current frame's size in source pixels (empty without a frame)."""
        return QSize() if self._image is None else self._image.size()

    # -- geometry ----------------------------------------------------------------------
    def image_rect(self) -> QRectF:
        """Where the frame is drawn, in widget coordinates (empty without a frame)."""
        if self._image is None:
            return QRectF()
        frame_w, frame_h = self._image.width(), self._image.height()
        scale = min(self.width() / frame_w, self.height() / frame_h)
        w, h = frame_w * scale, frame_h * scale
        return QRectF((self.width() - w) / 2.0, (self.height() - h) / 2.0, w, h)

    def widget_to_frame(self, pos: QPointF) -> QPointF | None:
        """``pos`` in frame pixels, or None when it is off the picture (or there is none)."""
        if not self.image_rect().contains(pos):
            return None
        return self.map_to_frame(pos)

    def map_to_frame(self, pos: QPointF) -> QPointF | None:
        """Like :meth:`widget_to_frame` without the bounds check (a drag may leave the picture)."""
        rect = self.image_rect()
        if self._image is None or rect.isEmpty():
            return None
        scale = self._image.width() / rect.width()
        return QPointF((pos.x() - rect.x()) * scale, (pos.y() - rect.y()) * scale)

    def frame_scale(self) -> float:
        """Widget pixels per frame pixel (0 without a frame)."""
        rect = self.image_rect()
        return 0.0 if self._image is None or rect.isEmpty() else rect.width() / self._image.width()

    def frame_to_widget(self, pos: QPointF) -> QPointF | None:
        """The inverse of :meth:`widget_to_frame` (no bounds check: boxes may overhang)."""
        rect = self.image_rect()
        if self._image is None or rect.isEmpty():
            return None
        scale = rect.width() / self._image.width()
        return QPointF(rect.x() + pos.x() * scale, rect.y() + pos.y() * scale)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(640, 360)

    # -- painting ----------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.fillRect(event.rect(), _SURROUND)
        if self._image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(self.image_rect(), self._image)
            if self._overlay is not None:
                painter.save()
                self._overlay(painter)
                painter.restore()
        elif self._message:
            painter.setPen(_MESSAGE)
            font = painter.font()
            font.setPointSizeF(font.pointSizeF() * 1.15)
            painter.setFont(font)
            painter.drawText(
                self.rect().adjusted(24, 24, -24, -24),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self._message,
            )
        if self._drop_armed:
            pen = QPen(_DROP_HINT, 3.0, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(self.rect()).adjusted(4, 4, -4, -4), 8.0, 8.0)
        painter.end()

    # -- input -------------------------------------------------------------------------
    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton:
            self.double_clicked.emit()
            event.accept()
        else:
            super().mouseDoubleClickEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if _local_paths(event.mimeData()):
            event.acceptProposedAction()
            self._set_drop_armed(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802 (Qt override)
        if _local_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802 (Qt override)
        self._set_drop_armed(False)
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        self._set_drop_armed(False)
        paths = _local_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.files_dropped.emit(FilesDropped(tuple(paths)))

    def _set_drop_armed(self, armed: bool) -> None:
        if armed != self._drop_armed:
            self._drop_armed = armed
            self.update()
