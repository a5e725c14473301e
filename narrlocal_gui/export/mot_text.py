"""MOTChallenge ground truth (the MOT16/17 ``gt.txt`` layout), one line per frame per track.

``frame, id, bb_left, bb_top, bb_width, bb_height, flag, class, visibility``. MOT counts
frames and pixels from 1 (its devkit is MATLAB; motmetrics subtracts 1 from both
coordinates when it reads a file), so a box whose left edge is at x = 0 in NarrLocal is
written with bb_left 1. The id is the track number, i.e. the phrase's position in the
project; ``flag`` (consider this box) and ``visibility`` are 1, ``class`` is 1 so MOT tools
evaluate every box. MOT has no room for text: the phrase of id n is cue n of the SRT/WebVTT
export and category n of the COCO export.
"""

from __future__ import annotations

from narrlocal_gui.export.frame_boxes import PIXEL_DECIMALS, ExportFrames, plain_number


def to_mot(frames: ExportFrames) -> str:
    """The ``gt.txt`` text, ordered by frame, then id; empty when there is no box."""
    lines = []
    for box in sorted(frames.boxes, key=lambda b: (b.frame, b.track_number)):
        left, top, width, height = box.xywh()
        numbers = (left + 1.0, top + 1.0, width, height)
        coords = ",".join(plain_number(v, PIXEL_DECIMALS) for v in numbers)
        lines.append(f"{box.frame + 1},{box.track_number},{coords},1,1,1\n")
    return "".join(lines)
