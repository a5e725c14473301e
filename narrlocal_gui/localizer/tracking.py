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
of a phrase's window) into a track: a median filter of the detections carried along the
motion to each frame (see the function). numpy and OpenCV
only; the GUI's "Track forward" calls :func:`track_box`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from narrlocal_gui.localizer.box_geometry import Box, clip_box
from narrlocal_gui.progress import CancelCallback, Cancelled

__all__ = [
    "PointFlow",
    "TrackSettings",
    "box_step",
    "follow_detections",
    "move_box",
    "point_flow",
    "track_box",
]

#: Longest side of the grey pictures the flow is computed on.
WORK_SIDE = 320


@dataclass(frozen=True, slots=True)
class TrackSettings:
    """``max_points`` corners are looked for inside the box (``min_points`` must survive
    the forward-backward check, which keeps a point whose round trip ends within
    ``fb_error`` work pixels, the value of the Median Flow paper)."""

    max_points: int = 100
    min_points: int = 4
    fb_error: float = 1.0

    def __post_init__(self) -> None:
        if self.max_points < self.min_points or self.min_points < 2:
            raise ValueError("need max_points >= min_points >= 2")
        if not self.fb_error > 0:
            raise ValueError("fb_error must be > 0")


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
    p0, p1 = _follow(before, after, start, s)
    if len(p0) < s.min_points:
        return None
    return _median_move(p0, p1, (x1, y1, x2, y2))


@dataclass(frozen=True, slots=True, eq=False)
class PointFlow:
    """Points of a whole frame followed to the next one, kept where the flow back returns
    within the forward-backward error: ``before`` and ``after`` (N, 2) in frame pixels.
    Computed once per pair of frames, it moves any box between them (:func:`move_box`);
    the localizer keeps them by frame content, so the overlapping windows of neighbouring
    phrases share them."""

    before: np.ndarray
    after: np.ndarray

    def __post_init__(self) -> None:
        if self.before.shape != self.after.shape or self.before.ndim != 2:
            raise ValueError("before and after must be (N, 2) alike")

    def reversed(self) -> PointFlow:
        return PointFlow(self.after, self.before)


def _follow(
    before: np.ndarray, after: np.ndarray, start: np.ndarray, s: TrackSettings
) -> tuple[np.ndarray, np.ndarray]:
    """Lucas-Kanade forward and back; the points kept and where they went (work pixels)."""
    lk = {"winSize": (15, 15), "maxLevel": 3}
    moved, ok, _ = cv2.calcOpticalFlowPyrLK(before, after, start, None, **lk)  # type: ignore[call-overload]
    back, ok_back, _ = cv2.calcOpticalFlowPyrLK(after, before, moved, None, **lk)  # type: ignore[call-overload]
    error = np.linalg.norm((back - start).reshape(-1, 2), axis=1)
    good = (ok.ravel() == 1) & (ok_back.ravel() == 1) & (error <= s.fb_error)
    return start.reshape(-1, 2)[good], moved.reshape(-1, 2)[good]


def point_flow(
    before: np.ndarray, after: np.ndarray, settings: TrackSettings | None = None
) -> PointFlow:
    """The :class:`PointFlow` from RGB frame ``before`` to ``after`` (one size): corners
    over the whole picture (``max_points`` per work picture, on a grid of at least 8 work
    pixels) followed by :func:`box_step`'s rule."""
    s = settings if settings is not None else TrackSettings()
    if before.shape != after.shape:
        raise ValueError("both frames must have one size")
    scale = _scale_of(before)
    grey0, grey1 = _grey(before, scale), _grey(after, scale)
    corners = cv2.goodFeaturesToTrack(
        grey0, maxCorners=s.max_points * 4, qualityLevel=0.01, minDistance=8
    )
    if corners is None:
        empty = np.zeros((0, 2), dtype=np.float32)
        return PointFlow(empty, empty)
    p0, p1 = _follow(grey0, grey1, np.asarray(corners, dtype=np.float32).reshape(-1, 1, 2), s)
    return PointFlow(p0 / scale, p1 / scale)


def move_box(
    flow: PointFlow, box: Sequence[float], settings: TrackSettings | None = None
) -> Box | None:
    """Where ``box`` went by the points of ``flow`` inside it (median shift and scale, as
    :func:`box_step`); None when fewer than ``min_points`` lie inside."""
    s = settings if settings is not None else TrackSettings()
    x1, y1, x2, y2 = (float(v) for v in box)
    p0, p1 = flow.before, flow.after
    inside = (p0[:, 0] >= x1) & (p0[:, 0] <= x2) & (p0[:, 1] >= y1) & (p0[:, 1] <= y2)
    if int(inside.sum()) < s.min_points:
        return None
    return _median_move(p0[inside], p1[inside], (x1, y1, x2, y2))


def _median_move(p0: np.ndarray, p1: np.ndarray, box: Box) -> Box:
    x1, y1, x2, y2 = box
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
    flows: Sequence[PointFlow],
    detections: Sequence[Sequence[float] | None],
    size: tuple[int, int],
    *,
    radius: int = 2,
    settings: TrackSettings | None = None,
) -> list[Box]:
    """One box per frame from per-frame ``detections`` (boxes found independently, or None
    where a frame has none): a median filter along the motion.

    For each frame, the detections of the frames up to ``radius`` before and after it are
    carried to it along ``flows`` (``flows[i]`` goes from frame i to i + 1; a step that
    cannot be followed leaves the box where it is, as for a still thing) and the box is
    their coordinate-wise median. A median ignores a minority of outliers (a detection that
    jumped to another thing or collapsed to a speck, in up to ``radius`` of the ``2 radius
    + 1`` frames), and neighbouring frames share most of their window, so consecutive
    boxes change little unless the evidence moves for good. A frame with no detection in
    reach gets the nearest one carried; ``size`` = (W, H) is the frames'."""
    s = settings if settings is not None else TrackSettings()
    n = len(detections)
    if n == 0:
        return []
    if len(flows) != n - 1:
        raise ValueError("one flow between each two frames is needed")
    if radius < 0:
        raise ValueError("radius must be >= 0")
    dets = [clip_box(d, size) if d is not None else None for d in detections]
    found = [i for i, d in enumerate(dets) if d is not None]
    if not found:
        return [(0.0, 0.0, float(size[0]), float(size[1]))] * n
    back_flows = [f.reversed() for f in flows]
    out: list[Box] = []
    for t in range(n):
        near = [i for i in found if abs(i - t) <= radius]
        if not near:
            near = [min(found, key=lambda i: abs(i - t))]
        carried = []
        for i in near:
            box = dets[i]
            assert box is not None
            step = 1 if i < t else -1
            for j in range(i, t, step):
                flow = flows[j] if step == 1 else back_flows[j - 1]
                moved = move_box(flow, box, s)
                if moved is not None:
                    box = clip_box(moved, size)
            carried.append(box)
        median = np.median(np.asarray(carried, dtype=np.float64), axis=0)
        out.append(clip_box(tuple(float(v) for v in median), size))
    return out
