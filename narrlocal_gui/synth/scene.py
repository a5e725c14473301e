"""Synthetic scenes for ``narrlocal synth``: the vocabulary (shapes, colours, textures,
sizes, actions), the objects, their timed motions and the background, as plain data.

A :class:`SceneSpec` says where every object is at any time (:func:`object_pose`); nothing
here is random, so a planned clip can be drawn again and again (synth/render.py draws it).
Coordinates are pixels, x right and y down; turns are degrees clockwise on screen.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt

__all__ = [
    "COLOUR_RGB",
    "LIFT_PHASE",
    "RGB",
    "RING_HOLE",
    "Action",
    "Background",
    "BackgroundKind",
    "Colour",
    "Direction",
    "HandShape",
    "Motion",
    "Pose",
    "SceneObject",
    "SceneSpec",
    "Shape",
    "SizeClass",
    "Texture",
    "hand_shape",
    "object_pose",
    "shape_outline",
    "shape_radius",
]

RGB = tuple[int, int, int]


class Shape(StrEnum):
    BALL = "ball"
    BOX = "box"
    TRIANGLE = "triangle"
    STAR = "star"
    RING = "ring"
    CROSS = "cross"
    DIAMOND = "diamond"
    HEART = "heart"


class Colour(StrEnum):
    RED = "red"
    ORANGE = "orange"
    YELLOW = "yellow"
    GREEN = "green"
    BLUE = "blue"
    PURPLE = "purple"
    WHITE = "white"
    BLACK = "black"


class Texture(StrEnum):
    PLAIN = "plain"
    STRIPED = "striped"
    DOTTED = "dotted"
    CHECKED = "checked"


class SizeClass(StrEnum):
    SMALL = "small"
    BIG = "big"


class Action(StrEnum):
    ROLL = "roll"
    SLIDE = "slide"
    MOVE = "move"
    SPIN = "spin"
    BOUNCE = "bounce"
    JUMP = "jump"
    SHAKE = "shake"
    PICK_UP = "pick up"


class Direction(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    UP = "up"
    DOWN = "down"


class BackgroundKind(StrEnum):
    PLAIN = "plain"
    GRADIENT = "gradient"
    NOISE = "noise"
    TABLE = "table"


#: The colour each name stands for; objects get it with a little jitter.
COLOUR_RGB: dict[Colour, RGB] = {
    Colour.RED: (220, 40, 40),
    Colour.ORANGE: (245, 140, 20),
    Colour.YELLOW: (245, 220, 40),
    Colour.GREEN: (40, 170, 60),
    Colour.BLUE: (40, 90, 220),
    Colour.PURPLE: (140, 60, 190),
    Colour.WHITE: (240, 240, 240),
    Colour.BLACK: (25, 25, 25),
}

#: The part of a pick-up (as fractions of its time) during which the hand lifts the object:
#: before it the hand comes down to the object, after it the hand lets go and leaves.
LIFT_PHASE = (0.3, 0.8)


def _star(points: int, inner: float) -> npt.NDArray[np.float64]:
    angles = -math.pi / 2 + np.arange(2 * points) * math.pi / points
    radii = np.where(np.arange(2 * points) % 2 == 0, 0.5, 0.5 * inner)
    return np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)


def _heart() -> npt.NDArray[np.float64]:
    t = np.linspace(0.0, 2 * math.pi, 72, endpoint=False)
    x = 16 * np.sin(t) ** 3
    y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    x, y = x - (x.max() + x.min()) / 2, y - (y.max() + y.min()) / 2
    scale = max(np.ptp(x), np.ptp(y))
    return np.stack([x / scale, y / scale], axis=1)


def _cross(half_width: float) -> npt.NDArray[np.float64]:
    a, b = half_width, 0.5
    return np.array(
        [(-a, -b), (a, -b), (a, -a), (b, -a), (b, a), (a, a),
         (a, b), (-a, b), (-a, a), (-b, a), (-b, -a), (-a, -a)]
    )  # fmt: skip


# Outlines (x, y) of the unturned shapes in a unit square centred on the object; discs are
# drawn as discs.
_OUTLINES: dict[Shape, npt.NDArray[np.float64]] = {
    Shape.BOX: np.array([(-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)]),
    Shape.TRIANGLE: np.array([(0.0, -0.5), (0.5, 0.5), (-0.5, 0.5)]),
    Shape.STAR: _star(5, 0.45),
    Shape.CROSS: _cross(0.18),
    Shape.DIAMOND: np.array([(0.0, -0.5), (0.33, 0.0), (0.0, 0.5), (-0.33, 0.0)]),
    Shape.HEART: _heart(),
}
#: The inner radius of a ring, as a fraction of its side.
RING_HOLE = 0.28


def shape_outline(shape: Shape) -> npt.NDArray[np.float64] | None:
    """The outline (x, y) of the unturned shape in a unit square centred on it; None for
    the round ones (ball and ring), which are drawn as discs."""
    return _OUTLINES.get(shape)


def shape_radius(shape: Shape) -> float:
    """The farthest any pixel of the shape gets from its centre, per unit of side, at any
    turn: how far from the frame's edges an object's centre must stay."""
    outline = _OUTLINES.get(shape)
    return 0.5 if outline is None else float(np.max(np.hypot(outline[:, 0], outline[:, 1])))


def _check_rgb(rgb: RGB, what: str) -> None:
    if len(rgb) != 3 or not all(0 <= v <= 255 for v in rgb):
        raise ValueError(f"{what} must be three values in 0..255, not {rgb}")


@dataclass(frozen=True, slots=True)
class SceneObject:
    """A shape with its look and where it starts (centre in pixels, turn in degrees
    clockwise). ``side`` is the extent of the unturned shape in pixels. The texture's second
    tone is ``pattern_rgb``; stripes, dots and checks repeat every ``pattern_period`` pixels
    at ``pattern_angle`` degrees in the object's own frame, so they turn with it."""

    shape: Shape
    colour: Colour
    texture: Texture
    size_class: SizeClass
    side: int
    rgb: RGB
    pattern_rgb: RGB
    pattern_period: float
    pattern_angle: float
    x: float
    y: float
    angle: float = 0.0

    def __post_init__(self) -> None:
        if self.side < 4:
            raise ValueError(f"an object must be at least 4 pixels wide, not {self.side}")
        _check_rgb(self.rgb, "rgb")
        _check_rgb(self.pattern_rgb, "pattern_rgb")
        if not (math.isfinite(self.pattern_period) and self.pattern_period >= 2):
            raise ValueError(f"pattern_period must be >= 2 pixels, not {self.pattern_period}")
        if not all(math.isfinite(v) for v in (self.pattern_angle, self.x, self.y, self.angle)):
            raise ValueError("the pose and the pattern angle must be finite")

    @property
    def radius(self) -> float:
        """See :func:`shape_radius`, in pixels."""
        return shape_radius(self.shape) * self.side


def _smooth(p: float) -> float:
    """Ease in and out, as things start and stop moving."""
    p = min(max(p, 0.0), 1.0)
    return p * p * (3.0 - 2.0 * p)


@dataclass(frozen=True, slots=True)
class Motion:
    """Object ``target`` doing ``action`` from ``start`` to ``end`` (seconds).

    ``dx``/``dy``: where it ends up relative to where it started (pixels); ``turn``: degrees
    clockwise it turns; ``height``: the top of a bounce or jump, or how far a shake goes
    sideways; ``cycles``: bounces or shakes.
    """

    target: int
    action: Action
    start: float
    end: float
    direction: Direction | None = None
    dx: float = 0.0
    dy: float = 0.0
    turn: float = 0.0
    height: float = 0.0
    cycles: int = 0

    def __post_init__(self) -> None:
        if self.target < 0:
            raise ValueError("target must be an object index >= 0")
        values = (self.start, self.end, self.dx, self.dy, self.turn, self.height)
        if not all(math.isfinite(v) for v in values):
            raise ValueError("motion values must be finite")
        if not 0.0 <= self.start < self.end:
            raise ValueError(f"a motion must have 0 <= start < end, not {self.start}..{self.end}")
        if self.height < 0 or self.cycles < 0:
            raise ValueError("height and cycles must be >= 0")
        if self.action in (Action.BOUNCE, Action.SHAKE) and self.cycles < 1:
            raise ValueError(f"a {self.action} needs at least one cycle")

    def progress(self, t: float) -> float:
        return min(max((t - self.start) / (self.end - self.start), 0.0), 1.0)

    def offset(self, t: float) -> tuple[float, float, float]:
        """(dx, dy, turn) from the pose at ``start`` to the pose at ``t``."""
        p = self.progress(t)
        match self.action:
            case Action.BOUNCE:
                # Decaying hops: the last one lower, as a real bounce loses height.
                hop = abs(math.sin(math.pi * self.cycles * p)) * (1.0 - 0.4 * p)
                return 0.0, -self.height * hop, 0.0
            case Action.JUMP:
                return self.dx * p, self.dy * p - self.height * 4.0 * p * (1.0 - p), self.turn * p
            case Action.SHAKE:
                swing = math.sin(2 * math.pi * self.cycles * p) * math.sin(math.pi * p)
                return self.height * swing, 0.0, 0.0
            case Action.PICK_UP:
                lo, hi = LIFT_PHASE
                s = _smooth((p - lo) / (hi - lo))
                return self.dx * s, self.dy * s, self.turn * s
            case _:
                s = _smooth(p)
                return self.dx * s, self.dy * s, self.turn * s

    def reach(self, t: float) -> float | None:
        """For a pick-up: how far down the hand is (0 above the frame, 1 holding the
        object) at ``t``; None outside the motion or for other actions."""
        if self.action is not Action.PICK_UP or not self.start <= t <= self.end:
            return None
        p = self.progress(t)
        lo, hi = LIFT_PHASE
        if p < lo:
            return _smooth(p / lo)
        if p <= hi:
            return 1.0
        return 1.0 - _smooth((p - hi) / (1.0 - hi))


@dataclass(frozen=True, slots=True)
class Background:
    """``PLAIN``: ``colour_a``; ``GRADIENT``: ``colour_a`` to ``colour_b`` along
    ``angle`` degrees; ``NOISE``: blotches of both colours with grain, from ``seed``;
    ``TABLE``: a wall of ``colour_a`` above a table top of ``colour_b`` whose edge is at
    ``horizon`` (fraction of the height)."""

    kind: BackgroundKind
    colour_a: RGB
    colour_b: RGB
    angle: float = 0.0
    horizon: float = 0.5
    seed: int = 0

    def __post_init__(self) -> None:
        _check_rgb(self.colour_a, "colour_a")
        _check_rgb(self.colour_b, "colour_b")
        if not math.isfinite(self.angle) or not 0.0 < self.horizon < 1.0:
            raise ValueError("angle must be finite and horizon in (0, 1)")
        if self.seed < 0:
            raise ValueError("seed must be >= 0")


@dataclass(frozen=True, slots=True)
class SceneSpec:
    """A whole clip's picture: ``frame_count`` frames at ``fps`` of ``size`` (width,
    height). Objects are drawn in order (later ones in front), except that an object picked
    up comes in front from then on; the hand of a pick-up is in front of all."""

    size: tuple[int, int]
    fps: float
    frame_count: int
    background: Background
    objects: tuple[SceneObject, ...]
    motions: tuple[Motion, ...] = ()
    skin_rgb: RGB = (224, 172, 140)
    sleeve_rgb: RGB = (70, 80, 110)
    _by_object: tuple[tuple[Motion, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        width, height = self.size
        if width < 32 or height < 32 or width % 2 or height % 2:
            raise ValueError(f"size must be even and at least 32x32, not {self.size}")
        if not (math.isfinite(self.fps) and self.fps > 0) or self.frame_count < 1:
            raise ValueError("fps must be > 0 and frame_count >= 1")
        if not self.objects:
            raise ValueError("a scene needs at least one object")
        _check_rgb(self.skin_rgb, "skin_rgb")
        _check_rgb(self.sleeve_rgb, "sleeve_rgb")
        if any(m.target >= len(self.objects) for m in self.motions):
            raise ValueError("a motion names an object the scene does not have")
        by_object = tuple(
            tuple(sorted((m for m in self.motions if m.target == i), key=lambda m: m.start))
            for i in range(len(self.objects))
        )
        for motions in by_object:
            if any(b.start < a.end for a, b in itertools.pairwise(motions)):
                raise ValueError("an object cannot do two motions at once")
        pickups = sorted((m for m in self.motions if m.action is Action.PICK_UP), key=_start)
        if any(b.start < a.end for a, b in itertools.pairwise(pickups)):
            raise ValueError("there is one hand: pick-ups cannot overlap")
        object.__setattr__(self, "_by_object", by_object)

    @property
    def duration(self) -> float:
        return self.frame_count / self.fps

    def time_of(self, index: int) -> float:
        return index / self.fps

    def motions_of(self, index: int) -> tuple[Motion, ...]:
        return self._by_object[index]


def _start(motion: Motion) -> float:
    return motion.start


@dataclass(frozen=True, slots=True)
class HandShape:
    """The hand of a pick-up, in pixels: an ellipse of a palm with four fingers below it
    that overlap the held object's top by half their length."""

    palm_w: float
    palm_h: float
    finger_h: float

    def grip_y(self, top: float) -> float:
        """The palm's centre when the fingers hold an object whose top row is ``top``."""
        return top - 0.5 * self.finger_h - 0.35 * self.palm_h

    @property
    def reach_above(self) -> float:
        """How far above a held object's top the hand's top is."""
        return 0.5 * self.finger_h + 0.85 * self.palm_h


def hand_shape(side: int, size: tuple[int, int]) -> HandShape:
    """The hand that holds an object of ``side`` pixels in a frame of ``size``."""
    palm_w = max(0.6 * side, 0.12 * min(size))
    palm_h = 0.75 * palm_w
    return HandShape(palm_w, palm_h, 0.5 * palm_h)


@dataclass(frozen=True, slots=True)
class Pose:
    x: float
    y: float
    angle: float


def object_pose(spec: SceneSpec, index: int, t: float) -> Pose:
    """Where object ``index`` is at time ``t``: its start pose moved by every motion so far."""
    obj = spec.objects[index]
    x, y, angle = obj.x, obj.y, obj.angle
    for motion in spec.motions_of(index):
        if t < motion.start:
            break
        dx, dy, turn = motion.offset(t)
        x, y, angle = x + dx, y + dy, angle + turn
    return Pose(x, y, angle)
