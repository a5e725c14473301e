"""clip_boxes: a phrase's boxes from heat maps and frames, per way of making them."""

from __future__ import annotations

import numpy as np
import pytest

from narrlocal_gui.localizer.box_geometry import box_iou
from narrlocal_gui.localizer.clip_boxes import BOX_METHODS, BoxSettings, FlowMemory, clip_boxes
from narrlocal_gui.localizer.types import frame_digest
from tests.test_localizer_tracking import H, W, texture_frames


def heat_over(box: tuple[float, ...], rows: int = 6, cols: int = 8) -> np.ndarray:
    ys, xs = np.mgrid[0:rows, 0:cols]
    cx = (box[0] + box[2]) / 2 / W * cols - 0.5
    cy = (box[1] + box[3]) / 2 / H * rows - 0.5
    return np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / 2.0).astype(np.float32)


@pytest.mark.parametrize("method", BOX_METHODS)
def test_every_way_boxes_the_moving_patch(method: str) -> None:
    frames, truth = texture_frames(6)
    heat = np.stack([heat_over(b) for b in truth])
    points = np.array([[(b[0] + b[2]) / 2, (b[1] + b[3]) / 2] for b in truth])
    settings = BoxSettings(method=method)  # type: ignore[arg-type]
    boxes = clip_boxes(np.stack(frames), heat, points, settings=settings)
    assert boxes.shape == (6, 4)
    floor = 0.2 if method == "heat" else 0.6  # the heat alone is only roughly there
    for got, want in zip(boxes, truth, strict=True):
        assert box_iou(got, want) >= floor, (method, got, want)


def test_flows_are_kept_by_frame_content() -> None:
    frames, truth = texture_frames(4)
    heat = np.stack([heat_over(b) for b in truth])
    points = np.array([[(b[0] + b[2]) / 2, (b[1] + b[3]) / 2] for b in truth])
    memory = FlowMemory(capacity=2)
    digests = [frame_digest(f) for f in frames]
    first = clip_boxes(np.stack(frames), heat, points, digests=digests, memory=memory)
    again = clip_boxes(np.stack(frames), heat, points, digests=digests, memory=memory)
    assert np.array_equal(first, again)
    with pytest.raises(ValueError):
        clip_boxes(np.stack(frames), heat[:2], points)
