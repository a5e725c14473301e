"""Guards against a broken Qt binding being installed.

PySide6 6.12.0 on CPython 3.11 drops a reference to None on every call returning nothing;
after a few thousand calls the interpreter aborts ("none_dealloc"). Tests finish before
that point, so only this direct check catches a reintroduction of that version.
"""

from __future__ import annotations

import sys

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter


def test_void_calls_keep_none_references() -> None:
    color = QColor()
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    before = sys.getrefcount(None)
    for _ in range(2000):
        color.setAlpha(3)
    painter = QPainter(image)
    for _ in range(2000):
        painter.drawRect(QRectF(0, 0, 1, 1))
    painter.end()
    # Unrelated objects may take or release a few references; a leak would lose 4000.
    assert sys.getrefcount(None) - before > -100
