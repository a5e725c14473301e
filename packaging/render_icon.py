"""Render resources/icon.svg to the PNG sizes the app and the desktop entry use.

Run from the repository root after editing the SVG:

    .venv/bin/python packaging/render_icon.py

It writes resources/icon-256.png (the window icon and the bundle's icon). Qt's own SVG
renderer is used so the PNG matches what the app would draw from the SVG. With ``--sizes``
it also writes a preview strip of the icon at 16-256 px, for checking small sizes by eye.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SVG = REPO / "resources" / "icon.svg"
PNG = REPO / "resources" / "icon-256.png"
PREVIEW_SIZES = (16, 24, 32, 48, 64, 128, 256)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=Path, metavar="PNG", help="also write a preview strip")
    args = parser.parse_args(argv)

    # Rendering needs no display; offscreen keeps this usable over SSH and in CI.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"render_icon: error: cannot read {SVG}", file=sys.stderr)
        return 1

    def render(size: int) -> QImage:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        return image

    if not render(256).save(str(PNG), "PNG"):
        print(f"render_icon: error: cannot write {PNG}", file=sys.stderr)
        return 1
    print(PNG)

    if args.sizes is not None:
        gap = 16
        width = sum(PREVIEW_SIZES) + gap * (len(PREVIEW_SIZES) + 1)
        strip = QImage(width, 256 + 2 * gap, QImage.Format.Format_ARGB32_Premultiplied)
        strip.fill(QColor("#d8dde6"))
        painter = QPainter(strip)
        x = gap
        for size in PREVIEW_SIZES:
            painter.drawImage(x, gap + 256 - size, render(size))
            x += size + gap
        painter.end()
        strip.save(str(args.sizes), "PNG")
        print(args.sizes)
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
