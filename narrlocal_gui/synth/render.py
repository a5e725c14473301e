"""Drawing a synthetic scene (synth/scene.py) into frames, with every object's exact box.

Pixels are binary (no anti-aliasing) so that a box is exactly the extent of the pixels an
object covers: ``[x1, y1, x2, y2]`` with ``x2``/``y2`` one past the last column/row, i.e.
the edges of the pixels, in the frame's own pixels. Shapes are rasterised by
``skimage.draw``; an object is drawn once per turn it shows and pasted where it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from skimage import draw

from narrlocal_gui.synth.scene import (
    RING_HOLE,
    Action,
    Background,
    BackgroundKind,
    SceneObject,
    SceneSpec,
    Shape,
    Texture,
    hand_shape,
    object_pose,
    shape_outline,
)

__all__ = ["RenderedClip", "render_background", "render_clip"]

Image = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]


# skimage.draw is untyped: these give its rasterisers types. Each returns the (rows, cols)
# of the pixels inside the shape, clipped to ``shape``.
Pixels = tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]


def _disk(centre: tuple[float, float], radius: float, shape: tuple[int, int]) -> Pixels:
    rr, cc = draw.disk(centre, radius, shape=shape)  # type: ignore[no-untyped-call]
    return rr, cc


def _polygon(rows: npt.ArrayLike, cols: npt.ArrayLike, shape: tuple[int, int]) -> Pixels:
    rr, cc = draw.polygon(rows, cols, shape=shape)  # type: ignore[no-untyped-call]
    return rr, cc


def _ellipse(
    row: float, col: float, r_radius: float, c_radius: float, shape: tuple[int, int]
) -> Pixels:
    rr, cc = draw.ellipse(row, col, r_radius, c_radius, shape=shape)  # type: ignore[no-untyped-call]
    return rr, cc


def render_background(background: Background, size: tuple[int, int]) -> Image:
    width, height = size
    a = np.array(background.colour_a, dtype=np.float32)
    b = np.array(background.colour_b, dtype=np.float32)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    weight: npt.NDArray[np.float32]
    match background.kind:
        case BackgroundKind.PLAIN:
            weight = np.zeros((height, width), np.float32)
        case BackgroundKind.GRADIENT:
            theta = math.radians(background.angle)
            along = xx * math.cos(theta) + yy * math.sin(theta)
            weight = ((along - along.min()) / max(float(np.ptp(along)), 1.0)).astype(np.float32)
        case BackgroundKind.TABLE:
            edge = background.horizon * height
            weight = np.clip(yy - np.float32(edge) + np.float32(0.5), 0.0, 1.0)
        case BackgroundKind.NOISE:
            rng = np.random.default_rng(background.seed)
            coarse = rng.random((5, 7)).astype(np.float32)
            smooth = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
            weight = np.clip(np.asarray(smooth, dtype=np.float32), 0.0, 1.0)
    image = a + (b - a) * weight[..., None]
    if background.kind is BackgroundKind.NOISE:
        grain = np.random.default_rng(background.seed + 1).normal(0.0, 6.0, (height, width, 1))
        image = image + grain.astype(np.float32)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


@dataclass(frozen=True, slots=True, eq=False)
class _Sprite:
    """An object drawn at one turn: colours and mask on a square centred on the object."""

    rgb: Image
    mask: npt.NDArray[np.bool_]
    half: int


def _sprite(obj: SceneObject, angle: float) -> _Sprite:
    half = math.ceil(obj.radius) + 1
    side = 2 * half + 1
    mask = np.zeros((side, side), dtype=bool)
    if obj.shape in (Shape.BALL, Shape.RING):
        mask[_disk((half, half), obj.side / 2.0, shape=(side, side))] = True
        if obj.shape is Shape.RING:
            mask[_disk((half, half), obj.side * RING_HOLE, shape=(side, side))] = False
    else:
        theta = math.radians(angle)
        cos, sin = math.cos(theta), math.sin(theta)
        outline = shape_outline(obj.shape)
        assert outline is not None  # only discs have none
        outline = outline * obj.side
        x = outline[:, 0] * cos - outline[:, 1] * sin
        y = outline[:, 0] * sin + outline[:, 1] * cos
        mask[_polygon(half + y, half + x, shape=(side, side))] = True
    pattern = _pattern(obj, angle, half)
    rgb = np.where(
        pattern[..., None], np.array(obj.pattern_rgb, np.uint8), np.array(obj.rgb, np.uint8)
    )
    return _Sprite(rgb.astype(np.uint8), mask, half)


def _pattern(obj: SceneObject, angle: float, half: int) -> Mask:
    """Where the texture's second tone goes, in the object's own frame (so it turns with
    the object)."""
    if obj.texture is Texture.PLAIN:
        return np.zeros((2 * half + 1, 2 * half + 1), dtype=bool)
    yy, xx = np.mgrid[-half : half + 1, -half : half + 1].astype(np.float64)
    theta = math.radians(angle + obj.pattern_angle)
    u = xx * math.cos(theta) + yy * math.sin(theta)
    v = -xx * math.sin(theta) + yy * math.cos(theta)
    period = obj.pattern_period
    match obj.texture:
        case Texture.STRIPED:
            cells = np.floor(u / (period / 2.0))
        case Texture.CHECKED:
            cells = np.floor(u / (period / 2.0)) + np.floor(v / (period / 2.0))
        case _:  # dotted
            du = np.mod(u, period) - period / 2.0
            dv = np.mod(v, period) - period / 2.0
            return np.asarray(np.hypot(du, dv) < 0.27 * period, dtype=bool)
    return np.asarray(cells.astype(np.int64) % 2 == 1, dtype=bool)


@dataclass(frozen=True, slots=True, eq=False)
class RenderedClip:
    """``frames``: (T, H, W, 3) uint8 RGB; ``boxes``: (T, N, 4) int32, each object's
    ``[x1, y1, x2, y2)`` pixel edges per frame; ``visible``: (T, N) float32, the fraction of
    each object's pixels not hidden by objects drawn in front of it (the hand does not
    count: it holds the object); ``hand_boxes``: (T, 4) int32, the hand (palm and fingers,
    not the arm) or -1 where there is none."""

    frames: Image
    boxes: npt.NDArray[np.int32]
    visible: npt.NDArray[np.float32]
    hand_boxes: npt.NDArray[np.int32]

    def __post_init__(self) -> None:
        count = self.frames.shape[0]
        if self.frames.ndim != 4 or self.frames.dtype != np.uint8:
            raise ValueError("frames must be (T, H, W, 3) uint8")
        if self.boxes.ndim != 3 or self.boxes.shape[0] != count or self.boxes.shape[2] != 4:
            raise ValueError("boxes must be (T, N, 4)")
        if self.visible.shape != self.boxes.shape[:2] or self.hand_boxes.shape != (count, 4):
            raise ValueError("visible must be (T, N) and hand_boxes (T, 4)")


_ANGLE_STEP = 0.5  # degrees: turns are drawn to this step, so sprites can be reused


def render_clip(spec: SceneSpec, indices: Sequence[int] | None = None) -> RenderedClip:
    """Draw the frames ``indices`` (default: all) of ``spec``, with every object's box."""
    chosen = list(range(spec.frame_count)) if indices is None else list(indices)
    if any(not 0 <= i < spec.frame_count for i in chosen):
        raise ValueError(f"frame indices must be in 0..{spec.frame_count - 1}")
    width, height = spec.size
    count, n_objects = len(chosen), len(spec.objects)
    background = render_background(spec.background, spec.size)
    frames = np.empty((count, height, width, 3), dtype=np.uint8)
    boxes = np.zeros((count, n_objects, 4), dtype=np.int32)
    visible = np.ones((count, n_objects), dtype=np.float32)
    hand_boxes = np.full((count, 4), -1, dtype=np.int32)
    sprites: dict[tuple[int, float], _Sprite] = {}
    pickups = [m for m in spec.motions if m.action is Action.PICK_UP]
    owner = np.empty((height, width), dtype=np.int16)
    for row, index in enumerate(chosen):
        t = spec.time_of(index)
        frame = frames[row]
        frame[:] = background
        owner.fill(-1)
        areas = np.zeros(n_objects, dtype=np.int64)
        for k in _drawing_order(spec, t):
            obj = spec.objects[k]
            pose = object_pose(spec, k, t)
            turn = round((pose.angle % 360.0) / _ANGLE_STEP) * _ANGLE_STEP % 360.0
            sprite = sprites.get((k, turn))
            if sprite is None:
                sprite = sprites[(k, turn)] = _sprite(obj, turn)
            area, box = _paste(frame, owner, k, sprite, round(pose.x), round(pose.y))
            areas[k], boxes[row, k] = area, box
        for k in range(n_objects):
            x1, y1, x2, y2 = boxes[row, k]
            if areas[k]:
                shown = np.count_nonzero(owner[y1:y2, x1:x2] == k)
                visible[row, k] = shown / areas[k]
            else:
                visible[row, k] = 0.0
        for motion in pickups:
            reach = motion.reach(t)
            if reach is not None and reach > 0.0:
                held = boxes[row, motion.target]
                hand_boxes[row] = _draw_hand(frame, spec, held, spec.objects[motion.target], reach)
    return RenderedClip(frames, boxes, visible, hand_boxes)


def _drawing_order(spec: SceneSpec, t: float) -> list[int]:
    """Objects in the order drawn: as listed, except that one picked up comes in front of
    the others from then on (it is lifted towards the camera), the latest in front."""
    lifted = [
        (m.start, m.target) for m in spec.motions if m.action is Action.PICK_UP and m.start <= t
    ]
    latest = {k: start for start, k in sorted(lifted)}
    return sorted(range(len(spec.objects)), key=lambda k: (latest.get(k, -1.0), k))


def _paste(
    frame: Image, owner: npt.NDArray[np.int16], k: int, sprite: _Sprite, cx: int, cy: int
) -> tuple[int, tuple[int, int, int, int]]:
    """Draw ``sprite`` centred on pixel (cx, cy), clipped to the frame; (area, box)."""
    height, width = owner.shape
    top, left = cy - sprite.half, cx - sprite.half
    y1, x1 = max(top, 0), max(left, 0)
    y2 = min(top + sprite.mask.shape[0], height)
    x2 = min(left + sprite.mask.shape[1], width)
    if y2 <= y1 or x2 <= x1:
        return 0, (0, 0, 0, 0)
    mask = sprite.mask[y1 - top : y2 - top, x1 - left : x2 - left]
    region = frame[y1:y2, x1:x2]
    region[mask] = sprite.rgb[y1 - top : y2 - top, x1 - left : x2 - left][mask]
    owner[y1:y2, x1:x2][mask] = k
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return 0, (0, 0, 0, 0)
    box = (x1 + int(cols[0]), y1 + int(rows[0]), x1 + int(cols[-1]) + 1, y1 + int(rows[-1]) + 1)
    return int(np.count_nonzero(mask)), box


def _draw_hand(
    frame: Image,
    spec: SceneSpec,
    held: npt.NDArray[np.int32],
    obj: SceneObject,
    reach: float,
) -> tuple[int, int, int, int]:
    """A hand coming down from the top edge to grip the object's top; its box (palm and
    fingers; the arm is not part of it) or -1s when it is still above the frame."""
    height, width = frame.shape[:2]
    hand_size = hand_shape(obj.side, (width, height))
    palm_w, palm_h, finger_h = hand_size.palm_w, hand_size.palm_h, hand_size.finger_h
    cx = (held[0] + held[2]) / 2.0
    grip_cy = hand_size.grip_y(float(held[1]))
    away_cy = -(palm_h + finger_h)
    cy = away_cy + (grip_cy - away_cy) * reach
    shape = (height, width)
    arm_half = 0.3 * palm_w
    arm = _polygon(
        [-1.0, -1.0, cy, cy], [cx - arm_half, cx + arm_half, cx + arm_half, cx - arm_half], shape
    )
    frame[arm] = spec.sleeve_rgb
    hand = np.zeros(shape, dtype=bool)
    hand[_ellipse(cy, cx, palm_h / 2.0, palm_w / 2.0, shape=shape)] = True
    for j in range(4):
        fx = cx + (j - 1.5) * palm_w * 0.22
        fy = cy + 0.35 * palm_h + 0.5 * finger_h
        hand[_ellipse(fy, fx, finger_h / 2.0, palm_w * 0.09, shape=shape)] = True
    if not hand.any():
        return -1, -1, -1, -1
    frame[hand] = spec.skin_rgb
    rows = np.flatnonzero(hand.any(axis=1))
    cols = np.flatnonzero(hand.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1
