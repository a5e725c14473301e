"""track_box and follow_detections on a translated texture with a known motion."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from narrlocal_gui.localizer.box_geometry import box_iou
from narrlocal_gui.localizer.tracking import (
    PointFlow,
    follow_detections,
    move_box,
    point_flow,
    track_box,
)
from narrlocal_gui.progress import Cancelled

W, H = 320, 240
PATCH = 60
STEP = (6, 3)  # pixels per frame the patch moves (x, y)


def texture_frames(n: int, seed: int = 1) -> tuple[list[np.ndarray], list[tuple[float, ...]]]:
    """A smooth background and a random-textured patch sliding by STEP each frame; the
    patch's true box in every frame."""
    rng = np.random.default_rng(seed)
    patch = rng.integers(0, 255, size=(PATCH // 4, PATCH // 4, 3), dtype=np.uint8)
    patch = np.kron(patch, np.ones((4, 4, 1), np.uint8))
    ys, xs = np.mgrid[0:H, 0:W]
    background = np.stack([(xs // 2) % 256, (ys // 2) % 256, np.full_like(xs, 90)], axis=2)
    frames, boxes = [], []
    for i in range(n):
        x, y = 60 + STEP[0] * i, 50 + STEP[1] * i
        frame = background.astype(np.uint8).copy()
        frame[y : y + PATCH, x : x + PATCH] = patch
        frames.append(frame)
        boxes.append((float(x), float(y), float(x + PATCH), float(y + PATCH)))
    return frames, boxes


def test_the_box_follows_the_translated_texture() -> None:
    frames, truth = texture_frames(12)
    track = track_box(frames, truth[0])
    assert len(track) == 12
    assert track[0] == truth[0]
    for got, want in zip(track, truth, strict=True):
        assert box_iou(got, want) >= 0.9, (got, want)


def test_a_box_on_nothing_to_follow_stays_put() -> None:
    flat = [np.full((H, W, 3), 100, np.uint8) for _ in range(4)]
    box = (10.0, 10.0, 50.0, 40.0)
    assert track_box(flat, box) == [box] * 4
    assert track_box([], box) == []


def test_cancel_stops_between_frames() -> None:
    frames, truth = texture_frames(5)
    calls = iter([False, False, True])
    with pytest.raises(Cancelled):
        track_box(frames, truth[0], cancel=lambda: next(calls))


def flows_of(frames: list[np.ndarray]) -> list[PointFlow]:
    return [point_flow(a, b) for a, b in itertools.pairwise(frames)]


def test_point_flow_moves_a_box_by_the_texture() -> None:
    frames, truth = texture_frames(2)
    flow = point_flow(frames[0], frames[1])
    moved = move_box(flow, truth[0])
    assert moved is not None
    assert moved == pytest.approx(truth[1], abs=1.0)
    back = move_box(flow.reversed(), truth[1])
    assert back == pytest.approx(truth[0], abs=1.0)
    assert move_box(flow, (0.0, 0.0, 3.0, 3.0)) is None  # nothing to follow there


def test_follow_detections_ignores_a_one_frame_jump() -> None:
    frames, truth = texture_frames(9)
    detections: list[tuple[float, ...] | None] = list(truth)
    detections[4] = (250.0, 170.0, 310.0, 230.0)  # one frame's evidence elsewhere
    track = follow_detections(flows_of(frames), detections, (W, H))
    assert len(track) == 9
    for got, want in zip(track, truth, strict=True):
        assert box_iou(got, want) >= 0.85, (got, want)
    # Consecutive boxes move smoothly: no step below the patch's own motion overlap.
    steps = [box_iou(a, b) for a, b in itertools.pairwise(track)]
    assert min(steps) >= 0.7


def test_follow_detections_moves_to_evidence_that_holds() -> None:
    frames, truth = texture_frames(8)
    elsewhere = (240.0, 20.0, 300.0, 80.0)
    detections: list[tuple[float, ...] | None] = [*truth[:4], *[elsewhere] * 4]
    track = follow_detections(flows_of(frames), detections, (W, H))
    assert box_iou(track[-1], elsewhere) >= 0.9
    assert box_iou(track[0], truth[0]) >= 0.9


def test_follow_detections_fills_frames_without_a_detection() -> None:
    frames, truth = texture_frames(9)
    detections: list[tuple[float, ...] | None] = [
        box if i % 4 == 0 else None for i, box in enumerate(truth)
    ]
    track = follow_detections(flows_of(frames), detections, (W, H))
    for got, want in zip(track, truth, strict=True):
        assert box_iou(got, want) >= 0.9, (got, want)
    with pytest.raises(ValueError):
        follow_detections([], detections, (W, H))
