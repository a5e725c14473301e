from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from pathlib import Path

import numpy as np
from PySide6.QtCore import QMimeData, QPoint, QPointF, QRectF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QPainter
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from narrlocal_gui.ui.edit_requests import FilesDropped
from narrlocal_gui.ui.video_view import VideoView

FRAME_RGB = (200, 40, 90)


@pytest.fixture
def view(qtbot: QtBot) -> VideoView:
    widget = VideoView()
    qtbot.addWidget(widget)
    widget.resize(320, 240)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _solid(width: int, height: int, rgb: tuple[int, int, int] = FRAME_RGB) -> np.ndarray:
    frame = np.empty((height, width, 3), dtype=np.uint8)
    frame[:] = rgb
    return frame


def _color_at(view: VideoView, x: int, y: int) -> tuple[int, int, int]:
    r, g, b, _a = view.grab().toImage().pixelColor(x, y).getRgb()
    return (r, g, b)


def test_frame_is_painted_aspect_fit_and_centred(view: VideoView) -> None:
    view.set_frame(_solid(64, 32))  # 2:1 in a 4:3 widget: bands above and below
    assert _color_at(view, 160, 120) == FRAME_RGB
    rect = view.image_rect()
    assert rect.width() == pytest.approx(320)
    assert rect.height() == pytest.approx(160)
    assert rect.top() == pytest.approx(40)
    band = _color_at(view, 160, 10)
    assert band != FRAME_RGB
    assert QColor(*band).lightness() < 40  # a dark surround, whatever the theme


def test_widget_to_frame_maps_into_source_pixels(view: VideoView) -> None:
    view.set_frame(_solid(64, 32))
    centre = view.widget_to_frame(QPointF(160, 120))
    assert centre is not None
    assert (centre.x(), centre.y()) == pytest.approx((32, 16))
    corner = view.widget_to_frame(QPointF(0, 40))
    assert corner is not None
    assert (corner.x(), corner.y()) == pytest.approx((0, 0))
    assert view.widget_to_frame(QPointF(160, 10)) is None  # on the band, not the picture
    back = view.frame_to_widget(QPointF(32, 16))
    assert back is not None
    assert (back.x(), back.y()) == pytest.approx((160, 120))


def test_message_is_shown_without_a_frame(view: VideoView) -> None:
    view.set_frame(_solid(8, 8))
    view.set_frame(None)
    assert not view.has_frame()
    assert view.image_rect().isEmpty()
    assert view.widget_to_frame(QPointF(160, 120)) is None
    blank = view.grab().toImage()
    view.set_message("Open a video or drop one here")
    assert view.message() == "Open a video or drop one here"
    with_text = view.grab().toImage()
    assert with_text != blank  # the text was drawn


def _mime(*urls: QUrl) -> QMimeData:
    mime = QMimeData()
    mime.setUrls(list(urls))
    return mime


def test_drop_emits_local_paths_only(view: VideoView, qtbot: QtBot, tmp_path: Path) -> None:
    clip = tmp_path / "clip one.mp4"
    subs = tmp_path / "clip one.srt"
    mime = _mime(
        QUrl.fromLocalFile(str(clip)),
        QUrl("https://example.com/x.mp4"),
        QUrl.fromLocalFile(str(subs)),
    )
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    # Qt delivers a drop only to a widget that accepted the drag entering it.
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(view, enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    with qtbot.waitSignal(view.files_dropped, timeout=1000) as blocker:
        QApplication.sendEvent(view, event)
    assert blocker.args == [FilesDropped((clip, subs))]
    assert event.isAccepted()


def test_drag_without_local_files_is_refused(view: VideoView) -> None:
    # The events only borrow their QMimeData: keep each alive in a local.
    remote = _mime(QUrl("https://example.com/x.mp4"))
    local = _mime(QUrl.fromLocalFile("/tmp/a.mp4"))
    refused = QDragEnterEvent(
        QPoint(5, 5),
        Qt.DropAction.CopyAction,
        remote,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view, refused)
    assert not refused.isAccepted()
    accepted = QDragEnterEvent(
        QPoint(5, 5),
        Qt.DropAction.CopyAction,
        local,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view, accepted)
    assert accepted.isAccepted()


def test_double_click_emits(view: VideoView, qtbot: QtBot) -> None:
    with qtbot.waitSignal(view.double_clicked, timeout=1000):
        qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))


def test_an_overlay_is_painted_over_the_frame_only_while_there_is_one(view: VideoView) -> None:
    calls: list[QRectF] = []

    def paint(painter: QPainter) -> None:
        calls.append(view.image_rect())
        painter.fillRect(QRectF(150, 110, 20, 20), QColor(0, 255, 0))

    view.set_overlay(paint)
    view.grab()
    assert calls == []  # no frame: nothing to draw over
    view.set_frame(_solid(64, 32))
    assert _color_at(view, 160, 120) == (0, 255, 0)
    assert _color_at(view, 100, 120) == FRAME_RGB
    view.set_overlay(None)
    assert _color_at(view, 160, 120) == FRAME_RGB


def test_map_to_frame_follows_a_drag_off_the_picture(view: VideoView) -> None:
    assert view.map_to_frame(QPointF(0, 0)) is None and view.frame_scale() == 0.0
    view.set_frame(_solid(64, 32))  # drawn 5x: 320 x 160 at y 40
    assert view.frame_scale() == pytest.approx(5.0)
    outside = view.map_to_frame(QPointF(-10, 20))
    assert outside is not None and (outside.x(), outside.y()) == pytest.approx((-2, -4))
    assert view.widget_to_frame(QPointF(-10, 20)) is None
