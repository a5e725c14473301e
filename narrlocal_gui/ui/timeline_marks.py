"""The search's marks on the timeline, painted over its cached layer.

Results are bands over the ruler and the waveform (the one shown stronger, each with its
rank); under each phrase block, a solid line is its action span and a dashed one the span
the localizer proposes for it. Few marks, so they are drawn on every repaint rather than
cached with the phrases.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPalette, QPen

from narrlocal_gui.core.timeline_view import TimeAxis
from narrlocal_gui.ui.search_results import SearchMarks

#: Results (Okabe-Ito orange), action spans (bluish green), proposals (vermillion).
RESULT_COLOR = QColor(230, 159, 0)
ACTION_COLOR = QColor(0, 158, 115)
PROPOSAL_COLOR = QColor(213, 94, 0)
#: The height of an action-span line under a phrase block, px.
LINE = 3.0


def paint_search_marks(
    painter: QPainter,
    axis: TimeAxis,
    top: float,
    band_bottom: float,
    phrase_row: QRectF,
    marks: SearchMarks,
    palette: QPalette,
) -> None:
    """Draw ``marks``: result bands from ``top`` to ``band_bottom``, span lines at the
    bottom of ``phrase_row``."""
    if not (marks.results or marks.action_spans or marks.proposals):
        return
    painter.save()
    metrics = QFontMetricsF(painter.font())
    for rank, (start, end) in reversed(list(enumerate(marks.results))):
        x1 = axis.x_for_time(start)
        x2 = max(axis.x_for_time(end), x1 + 3.0)
        band = QRectF(x1, top, x2 - x1, band_bottom - top)
        shown = rank == marks.current
        fill = QColor(RESULT_COLOR)
        fill.setAlpha(110 if shown else 45)
        painter.fillRect(band, fill)
        if shown:
            painter.setPen(QPen(RESULT_COLOR.darker(130), 2.0))
            painter.drawRect(band.adjusted(1, 1, -1, -1))
        # The rank in a chip at the band's foot, clear of the ruler's times.
        label = str(rank + 1)
        chip = QRectF(x1, band_bottom - 15, metrics.horizontalAdvance(label) + 6, 15)
        painter.fillRect(chip, RESULT_COLOR.darker(130) if shown else RESULT_COLOR)
        painter.setPen(QColor(0, 0, 0))
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, label)
    y = phrase_row.bottom() - LINE
    for _pid, start, end in marks.action_spans:
        x1 = axis.x_for_time(start)
        painter.fillRect(QRectF(x1, y, max(axis.x_for_time(end) - x1, 2.0), LINE), ACTION_COLOR)
    pen = QPen(PROPOSAL_COLOR, LINE, Qt.PenStyle.DashLine)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    painter.setPen(pen)
    for _pid, start, end in marks.proposals:
        mid = y + LINE / 2
        painter.drawLine(int(axis.x_for_time(start)), int(mid), int(axis.x_for_time(end)), int(mid))
    painter.restore()
