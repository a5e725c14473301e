"""The boxes as a CSV table: one row per exported frame of each indicator.

RFC 4180 (comma separated, CRLF line ends, fields quoted when they hold a comma, a quote or
a line break), UTF-8 without a byte-order mark.
"""

from __future__ import annotations

import csv
import io

from narrlocal_gui.core.model import Project
from narrlocal_gui.export.frame_boxes import (
    PIXEL_DECIMALS,
    TIME_DECIMALS,
    ExportFrames,
    plain_number,
)

HEADER: tuple[str, ...] = (
    "phrase",
    "start",
    "end",
    "time",
    "x1",
    "y1",
    "x2",
    "y2",
    "score",
    "human",
)


def to_csv(project: Project, frames: ExportFrames) -> str:
    """The table: the phrase and its span, the frame's time, the box, score and human mark."""
    phrases = {p.id: p for p in project.phrases}
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for box in frames.boxes:
        phrase = phrases[box.phrase_id]
        writer.writerow(
            (
                phrase.text,
                plain_number(phrase.start, TIME_DECIMALS),
                plain_number(phrase.end, TIME_DECIMALS),
                plain_number(box.time, TIME_DECIMALS),
                *(plain_number(v, PIXEL_DECIMALS) for v in box.corners()),
                "" if box.score is None else repr(box.score),
                "true" if box.human else "false",
            )
        )
    return out.getvalue()
