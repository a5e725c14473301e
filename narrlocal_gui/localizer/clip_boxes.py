"""The boxes of a phrase's frames: regions from the evidence, followed through the clip.

A method gives a heat map and a point per sampled frame; :func:`clip_boxes` turns them
into a box per frame, one of these ways (``BoxSettings.method``; docs/boxes.md measures
each):

* ``heat``: the connected region above half the heat map's peak, per frame (the boxes
  before regions and tracks existed);
* ``region``: :func:`~narrlocal_gui.localizer.regions.region_at` on every frame (GrabCut
  seeded by the heat map at the point);
* ``region+track`` (the default): the region on keyframes (every ``keyframe_step``-th
  frame, by default every frame, and the last), carried along the motion to the frames
  around them and filtered by their median
  (:func:`~narrlocal_gui.localizer.tracking.follow_detections`, ``radius`` frames each
  side), so a box follows its thing and one frame's jump does not move it.

The point flows between consecutive frames are kept in a :class:`FlowMemory` by frame
content: neighbouring phrases' windows overlap, so most pairs are computed once per video.
numpy and OpenCV only.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal, TypeVar

import numpy as np

from narrlocal_gui.localizer.box_geometry import Box
from narrlocal_gui.localizer.heatmaps import point_and_box
from narrlocal_gui.localizer.regions import RegionSettings, region_at
from narrlocal_gui.localizer.tracking import (
    PointFlow,
    TrackSettings,
    follow_detections,
    point_flow,
)
from narrlocal_gui.progress import CancelCallback, Cancelled

__all__ = ["BOX_METHODS", "BoxMethod", "BoxSettings", "FlowMemory", "clip_boxes"]

BoxMethod = Literal["heat", "region", "region+track"]
BOX_METHODS: tuple[BoxMethod, ...] = ("heat", "region", "region+track")

_FLOWS_KEPT = 512
# OpenCV releases the GIL inside GrabCut and the optical flow, so a clip's frames are
# segmented and tracked side by side, a batch at a time (cancel is checked between batches).
_WORKERS = max(1, min(4, os.cpu_count() or 1))
_BATCH = 8

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class BoxSettings:
    """How a clip's boxes are made (module docstring). ``keyframe_step``: a region is
    segmented on every this many frames (2 = once a second at the default 2 frames/s: half
    the cost, but the evaluation's annotated frames then mostly get a carried box, which
    scored no better than the heat-only one; docs/boxes.md); ``radius``: frames each
    side whose boxes the median takes (2 = a second each side at 2 frames/s); ``heat_radius``:
    the regions are seeded by the heat maps averaged over this many frames each side and
    at their mode (0: each frame's own map and point)."""

    method: BoxMethod = "region+track"
    region: RegionSettings = field(default_factory=RegionSettings)
    track: TrackSettings = field(default_factory=TrackSettings)
    keyframe_step: int = 1
    radius: int = 2
    heat_radius: int = 0

    def __post_init__(self) -> None:
        if self.method not in BOX_METHODS:
            raise ValueError(f"method must be one of {BOX_METHODS}, not {self.method!r}")
        if self.keyframe_step < 1:
            raise ValueError("keyframe_step must be >= 1")
        if self.radius < 0 or self.heat_radius < 0:
            raise ValueError("radius and heat_radius must be >= 0")


class FlowMemory:
    """Point flows between frames by the frames' digests (thread-safe, least recently used
    dropped past ``capacity``)."""

    def __init__(self, capacity: int = _FLOWS_KEPT) -> None:
        self._capacity = capacity
        self._flows: OrderedDict[tuple[str, str], PointFlow] = OrderedDict()
        self._lock = threading.Lock()

    def flow(
        self,
        key: tuple[str, str],
        before: np.ndarray,
        after: np.ndarray,
        settings: TrackSettings,
    ) -> PointFlow:
        with self._lock:
            known = self._flows.get(key)
            if known is not None:
                self._flows.move_to_end(key)
                return known
        made = point_flow(before, after, settings)
        with self._lock:
            self._flows[key] = made
            while len(self._flows) > self._capacity:
                self._flows.popitem(last=False)
        return made


def _keyframes(n: int, step: int) -> set[int]:
    return set(range(0, n, step)) | {n - 1}


def _smoothed(
    heatmaps: np.ndarray, size: tuple[int, int], radius: int
) -> tuple[np.ndarray, np.ndarray]:
    """The heat maps averaged over ``radius`` frames each side, and their modes."""
    n = heatmaps.shape[0]
    maps = np.asarray(heatmaps, dtype=np.float32)
    out = np.stack([maps[max(0, t - radius) : t + radius + 1].mean(axis=0) for t in range(n)])
    points = np.asarray([point_and_box(m, size)[0] for m in out], dtype=np.float64)
    return out, points


def clip_boxes(
    frames: np.ndarray,
    heatmaps: np.ndarray,
    points: np.ndarray,
    *,
    settings: BoxSettings | None = None,
    digests: Sequence[str] | None = None,
    memory: FlowMemory | None = None,
    cancel: CancelCallback | None = None,
) -> np.ndarray:
    """(T, 4) boxes (x1, y1, x2, y2, the frames' pixels) for ``frames`` (T, H, W, 3) uint8
    from their ``heatmaps`` (T, h, w) and ``points`` (T, 2). ``digests`` (one per frame,
    :meth:`ClipInput.digests`) key the flows in ``memory``."""
    s = settings if settings is not None else BoxSettings()
    n = int(frames.shape[0])
    if heatmaps.shape[0] != n or points.shape != (n, 2):
        raise ValueError("one heat map and one point per frame are needed")
    size = (int(frames.shape[2]), int(frames.shape[1]))
    boxes = np.empty((n, 4), dtype=np.float64)
    if s.method == "heat":
        for i in range(n):
            boxes[i] = point_and_box(heatmaps[i], size, threshold=s.region.high)[1]
        return boxes
    if s.heat_radius > 0:
        heatmaps, points = _smoothed(heatmaps, size, s.heat_radius)
    keys = _keyframes(n, s.keyframe_step) if s.method == "region+track" else set(range(n))

    def detect(i: int) -> Box | None:
        if i not in keys:
            return None
        point = (float(points[i][0]), float(points[i][1]))
        return region_at(frames[i], point, heatmaps[i], settings=s.region)

    def flow(i: int) -> PointFlow:
        if memory is not None and digests is not None:
            return memory.flow((digests[i], digests[i + 1]), frames[i], frames[i + 1], s.track)
        return point_flow(frames[i], frames[i + 1], s.track)

    with ThreadPoolExecutor(_WORKERS, thread_name_prefix="narrlocal-boxes") as pool:
        detections = _batched(pool, detect, n, cancel)
        if s.method == "region" or n == 1:
            return np.asarray(detections, dtype=np.float64)
        flows = _batched(pool, flow, n - 1, cancel)
    return np.asarray(follow_detections(flows, detections, size, radius=s.radius, settings=s.track))


def _batched(
    pool: ThreadPoolExecutor, work: Callable[[int], _T], n: int, cancel: CancelCallback | None
) -> list[_T]:
    """``work(i)`` for i in 0..n-1 on ``pool``, in order, checking ``cancel`` between batches."""
    done: list[_T] = []
    for start in range(0, n, _BATCH):
        if cancel is not None and cancel():
            raise Cancelled()
        done.extend(pool.map(work, range(start, min(start + _BATCH, n))))
    return done
