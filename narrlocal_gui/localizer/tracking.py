"""Boxes that follow their thing from frame to frame.

:func:`track_box` carries a box forward through frames by the Median Flow rule (Kalal et
al., "Forward-backward error: automatic detection of tracking failures", ICPR 2010): corners
found inside the box are followed by pyramidal Lucas-Kanade optical flow, kept when the flow
back from the next frame returns within ``fb_error`` pixels of where they started, and the
box moves by their median displacement and scales by the median change of their pairwise
distances. When too few points survive, the box stays where it was (the guard against
drift: a box that cannot be followed is not pushed somewhere by noise).

OpenCV's own trackers are no option: CSRT and KCF are in opencv-contrib, which the
project does not install (opencv-python-headless), and the ones in the main package
(Nano, Vit, DaSiamRPN) need network weights that would have to be downloaded.

:func:`follow_detections` turns per-frame boxes found independently (one per sampled frame
of a phrase's window) into a track: each detection is compared with the box tracked from
the frame before; where they agree the two are averaged, where they disagree the track keeps
following its thing unless the detection holds on (see the function). numpy and OpenCV
only; the GUI's "Track forward" calls :func:`track_box`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from narrlocal_gui.localizer.box_geometry import Box, box_iou, clip_box
from narrlocal_gui.progress import CancelCallback, Cancelled

__all__ = [
    "TrackSettings",
    "box_step",
    "follow_detections",
    "track_box",
]

#: Longest side of the grey pictures the flow is computed on.
WORK_SIDE = 320


@dataclass(frozen=True, slots=True)
class TrackSettings:
    """``max_points`` corners are looked for inside the box (``min_points`` must survive
    the forward-backward check, which keeps a point whose round trip ends within
    ``fb_error`` work pixels, the value of the Median Flow paper); ``agree_iou``: a detection
    and the tracked box agree from this IoU on (the usual box-match threshold)."""

    max_points: int = 100
    min_points: int = 4
    fb_error: float = 1.0
    agree_iou: float = 0.5

    def __post_init__(self) -> None:
        if self.max_points < self.min_points or self.min_points < 2:
            raise ValueError("need max_points >= min_points >= 2")
        if not self.fb_error > 0:
            raise ValueError("fb_error must be > 0")
        if not 0 < self.agree_iou < 1:
            raise ValueError("agree_iou must be in (0, 1)")


def _grey(frame: np.ndarray, scale: float) -> np.ndarray:
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(f"frames must be (H, W, 3) uint8, got {frame.shape} {frame.dtype}")
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    if scale < 1.0:
        size = (max(1, round(frame.shape[1] * scale)), max(1, round(frame.shape[0] * scale)))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    return np.asarray(grey)


def _scale_of(frame: np.ndarray) -> float:
    return min(1.0, WORK_SIDE / float(max(frame.shape[0], frame.shape[1])))


def box_step(
    before: np.ndarray,
    after: np.ndarray,
    box: Sequence[float],
    settings: TrackSettings | None = None,
) -> Box | None:
    """Where ``box`` (pixels of the frames) moved from grey ``before`` to grey ``after``
    (both already at the same work size; ``box`` in those pixels); None when it cannot be
    followed (too few reliable points)."""
    s = settings if settings is not None else TrackSettings()
    height, width = before.shape
    x1, y1, x2, y2 = (float(v) for v in box)
    mask = np.zeros((height, width), dtype=np.uint8)
    c1, r1 = max(0, int(x1)), max(0, int(y1))
    c2, r2 = min(width, int(np.ceil(x2))), min(height, int(np.ceil(y2)))
    if c2 - c1 < 2 or r2 - r1 < 2:
        return None
    mask[r1:r2, c1:c2] = 255
    corners = cv2.goodFeaturesToTrack(
        before, maxCorners=s.max_points, qualityLevel=0.01, minDistance=3, mask=mask
    )
    if corners is None or len(corners) < s.min_points:
        return None
    start = np.asarray(corners, dtype=np.float32).reshape(-1, 1, 2)
    lk = {"winSize": (15, 15), "maxLevel": 3}
    moved, ok, _ = cv2.calcOpticalFlowPyrLK(before, after, start, None, **lk)  # type: ignore[call-overload]
    back, ok_back, _ = cv2.calcOpticalFlowPyrLK(after, before, moved, None, **lk)  # type: ignore[call-overload]
    error = np.linalg.norm((back - start).reshape(-1, 2), axis=1)
    good = (ok.ravel() == 1) & (ok_back.ravel() == 1) & (error <= s.fb_error)
    if int(good.sum()) < s.min_points:
        return None
    p0 = start.reshape(-1, 2)[good]
    p1 = moved.reshape(-1, 2)[good]
    dx, dy = (float(v) for v in np.median(p1 - p0, axis=0))
    i, j = np.triu_indices(len(p0), k=1)
    d0 = np.linalg.norm(p0[i] - p0[j], axis=1)
    d1 = np.linalg.norm(p1[i] - p1[j], axis=1)
    usable = d0 > 1.0
    scale = float(np.median(d1[usable] / d0[usable])) if np.any(usable) else 1.0
    cx, cy = (x1 + x2) / 2 + dx, (y1 + y2) / 2 + dy
    half_w, half_h = (x2 - x1) * scale / 2, (y2 - y1) * scale / 2
    return (cx - half_w, cy - half_h, cx + half_w, cy + half_h)


def track_box(
    frames: Sequence[np.ndarray],
    box: Sequence[float],
    *,
    cancel: CancelCallback | None = None,
    settings: TrackSettings | None = None,
) -> list[Box]:
    """The box in every frame, forward from ``frames[0]`` where it is ``box`` (x1, y1, x2,
    y2 pixels of the frames, RGB uint8 (H, W, 3), all one size). The first box is ``box``
    cut to the frame; a step that cannot be followed keeps the box of the frame before.
    Raises :class:`Cancelled` when ``cancel()`` turns true between frames."""
    if not frames:
        return []
    height, width = frames[0].shape[:2]
    scale = _scale_of(frames[0])
    current = clip_box(box, (width, height))
    out = [current]
    before = _grey(frames[0], scale)
    for frame in frames[1:]:
        if cancel is not None and cancel():
            raise Cancelled()
        if frame.shape[:2] != (height, width):
            raise ValueError("all frames must have one size")
        after = _grey(frame, scale)
        work = tuple(v * scale for v in current)
        moved = box_step(before, after, work, settings)
        if moved is not None:
            current = clip_box(tuple(v / scale for v in moved), (width, height))
        out.append(current)
        before = after
    return out


def follow_detections(
    frames: Sequence[np.ndarray] | np.ndarray,
    detections: Sequence[Sequence[float]] | np.ndarray,
    *,
    settings: TrackSettings | None = None,
) -> list[Box]:
    """One box per frame from independent per-frame ``detections``, following the thing.

    Forward through the frames, the track's box is carried to the next frame
    (:func:`box_step`) and compared with that frame's detection. When they agree (IoU >=
    ``agree_iou``) the box is their mean. When they do not, the track keeps its thing; but
    a detection that the next frame's detection confirms (they agree with each other) takes
    over, so a track that lost its thing, or started on a wrong one, goes where the evidence
    stays, one frame late at most. The pass runs backward too, and each frame's box is the
    mean of the two passes where they agree, else the detection's nearest of the two."""
    s = settings if settings is not None else TrackSettings()
    n = len(detections)
    if n == 0:
        return []
    if len(frames) != n:
        raise ValueError("one detection per frame is needed")
    height, width = frames[0].shape[:2]
    scale = _scale_of(frames[0])
    greys = [_grey(f, scale) for f in frames]
    dets = [clip_box(d, (width, height)) for d in detections]
    forward = _one_pass(greys, dets, scale, (width, height), s)
    backward = _one_pass(greys[::-1], dets[::-1], scale, (width, height), s)[::-1]
    out: list[Box] = []
    for f, b, d in zip(forward, backward, dets, strict=True):
        if box_iou(f, b) >= s.agree_iou:
            out.append(_mean(f, b))
        else:
            out.append(f if box_iou(f, d) >= box_iou(b, d) else b)
    return out


def _mean(a: Sequence[float], b: Sequence[float]) -> Box:
    return (
        (float(a[0]) + float(b[0])) / 2,
        (float(a[1]) + float(b[1])) / 2,
        (float(a[2]) + float(b[2])) / 2,
        (float(a[3]) + float(b[3])) / 2,
    )


def _one_pass(
    greys: Sequence[np.ndarray],
    dets: Sequence[Box],
    scale: float,
    size: tuple[int, int],
    s: TrackSettings,
) -> list[Box]:
    current = dets[0]
    out = [current]
    for i in range(1, len(dets)):
        moved = box_step(greys[i - 1], greys[i], tuple(v * scale for v in current), s)
        carried = clip_box(tuple(v / scale for v in moved), size) if moved is not None else current
        det = dets[i]
        if box_iou(carried, det) >= s.agree_iou:
            current = _mean(carried, det)
        elif i + 1 < len(dets) and box_iou(det, dets[i + 1]) >= s.agree_iou:
            current = det
        else:
            current = carried
        out.append(current)
    return out
