"""Planning one synthetic clip: which objects, where, what each does when, and what the
narrator says about it and when.

Each clip is drawn from its own random stream, ``default_rng([seed, clip index])``, so a
clip depends only on the seed and its index: not on how many clips are made or in which
order. Narrated motions follow one another with pauses; another object sometimes moves at
the same time without being mentioned, so that "whatever moves" is not the answer. A phrase
starts up to ``lead`` seconds before or ``lag`` seconds after its motion, as real narration
does, and never overlaps the phrase before it.
"""

from __future__ import annotations

import colorsys
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from narrlocal_gui.synth.narration import Utterance, describe, filler, speech_seconds
from narrlocal_gui.synth.scene import (
    COLOUR_RGB,
    RGB,
    Action,
    Background,
    BackgroundKind,
    Colour,
    Direction,
    Motion,
    SceneObject,
    SceneSpec,
    Shape,
    SizeClass,
    Texture,
    hand_shape,
)

__all__ = ["ClipPlan", "NarratedEvent", "SynthSettings", "plan_clip"]

MIN_PAUSE = 0.25  # seconds of silence at least between two sentences
_END_MARGIN = 0.2  # a motion ends at least this long before the clip does
_SIZES = {SizeClass.SMALL: (0.2, 0.25), SizeClass.BIG: (0.3, 0.36)}  # of the frame height
_MIN_CONTRAST = 100.0  # RGB distance between an object's colour and the background's
_SKINS: tuple[RGB, ...] = ((241, 194, 160), (224, 172, 135), (198, 134, 96), (141, 85, 54))
_NARRATED_ACTIONS: dict[Action, float] = {
    Action.ROLL: 0.12, Action.SLIDE: 0.12, Action.MOVE: 0.12, Action.SPIN: 0.12,
    Action.BOUNCE: 0.12, Action.JUMP: 0.12, Action.SHAKE: 0.1, Action.PICK_UP: 0.18,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SynthSettings:
    """What ``narrlocal synth`` makes: ``clips`` clips of ``seconds`` at ``size`` (width,
    height) and ``fps``, from ``seed``, split by clip into train/val/test fractions
    ``split``. ``lead``/``lag``: how early/late a phrase may start against its motion;
    ``filler_rate``: the chance that a pause gets a filler sentence; ``distractor_rate``: the
    chance that another object moves, unmentioned, during a narrated motion;
    ``min_visible``: the least fraction of a described object that must show (not hidden
    by others) on the frame an evaluation item is made for."""

    clips: int = 200
    seconds: float = 8.0
    size: tuple[int, int] = (320, 240)
    fps: float = 12.0
    seed: int = 0
    split: tuple[float, float, float] = (0.8, 0.1, 0.1)
    min_objects: int = 2
    max_objects: int = 4
    lead: float = 1.0
    lag: float = 1.0
    filler_rate: float = 0.5
    distractor_rate: float = 0.9
    min_visible: float = 0.8

    def __post_init__(self) -> None:
        width, height = self.size
        if not 1 <= self.clips <= 100_000:
            raise ValueError(f"the number of clips must be 1 to 100000, not {self.clips}")
        if not (math.isfinite(self.seconds) and 4.0 <= self.seconds <= 600.0):
            raise ValueError(f"clips must last 4 to 600 seconds, not {self.seconds}")
        if not (96 <= width <= 1920 and 96 <= height <= 1080) or width % 2 or height % 2:
            raise ValueError(f"the size must be even, 96x96 to 1920x1080, not {width}x{height}")
        if height > width * 2 or width > height * 3:
            raise ValueError(f"the frame {width}x{height} is too narrow for several objects")
        if not (math.isfinite(self.fps) and 1.0 <= self.fps <= 60.0):
            raise ValueError(f"the frame rate must be 1 to 60 frames/s, not {self.fps}")
        if self.seed < 0:
            raise ValueError(f"the seed must be >= 0, not {self.seed}")
        if len(self.split) != 3 or any(not (0.0 <= f <= 1.0) for f in self.split):
            raise ValueError(f"the split must be three fractions in [0, 1], not {self.split}")
        if abs(sum(self.split) - 1.0) > 1e-6:
            raise ValueError(f"the split fractions must add up to 1, not {sum(self.split):g}")
        if not 1 <= self.min_objects <= self.max_objects <= 6:
            raise ValueError("objects per clip must satisfy 1 <= min <= max <= 6")
        for name, value in (("lead", self.lead), ("lag", self.lag)):
            if not (math.isfinite(value) and 0.0 <= value <= 5.0):
                raise ValueError(f"{name} must be 0 to 5 seconds, not {value}")
        for name, value in (
            ("filler_rate", self.filler_rate),
            ("distractor_rate", self.distractor_rate),
            ("min_visible", self.min_visible),
        ):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], not {value}")

    @property
    def frame_count(self) -> int:
        return max(1, round(self.seconds * self.fps))


@dataclass(frozen=True, slots=True)
class NarratedEvent:
    """A motion and the sentence describing it."""

    motion: Motion
    utterance: Utterance

    @property
    def kind(self) -> str:
        """The evaluation kind: a hand acting on the object, or the object alone."""
        return "interaction" if self.motion.action is Action.PICK_UP else "object"


@dataclass(frozen=True, slots=True)
class ClipPlan:
    scene: SceneSpec
    events: tuple[NarratedEvent, ...]
    fillers: tuple[Utterance, ...] = ()

    def __post_init__(self) -> None:
        if any(e.motion not in self.scene.motions for e in self.events):
            raise ValueError("a narrated motion is not one of the scene's")
        spoken = self.utterances()
        if any(b.start < a.end for a, b in itertools.pairwise(spoken)):
            raise ValueError("two sentences overlap")
        if spoken and spoken[-1].end > self.scene.duration + 1e-9:
            raise ValueError("a sentence goes on after the clip ends")

    def utterances(self) -> tuple[Utterance, ...]:
        """Everything said, in time order."""
        spoken = [e.utterance for e in self.events] + list(self.fillers)
        return tuple(sorted(spoken, key=lambda u: u.start))


def plan_clip(settings: SynthSettings, index: int) -> ClipPlan:
    """The plan of clip ``index`` (see the module for what is random and how)."""
    if index < 0:
        raise ValueError("the clip index must be >= 0")
    rng = np.random.default_rng([settings.seed, index])
    for _ in range(50):
        plan = _try_plan(settings, rng)
        if plan is not None:
            return plan
    raise ValueError(f"no clip fits in {settings.seconds:g} s at {settings.size}")


# --------------------------------------------------------------------------------------------
# the picture
# --------------------------------------------------------------------------------------------
def _muted(rng: np.random.Generator) -> RGB:
    h, s, v = rng.random(), rng.uniform(0.05, 0.4), rng.uniform(0.3, 0.85)
    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return round(r * 255), round(g * 255), round(b * 255)


def _background(rng: np.random.Generator) -> Background:
    kinds = list(BackgroundKind)
    kind = kinds[int(rng.integers(len(kinds)))]
    a = _muted(rng)
    if kind is BackgroundKind.TABLE:
        b = _muted(rng)
    else:
        # The second colour is a neighbour of the first, so the picture stays calm.
        shift = rng.integers(-45, 46, 3)
        b = _rgb(np.array(a) + shift)
    return Background(
        kind, a, b, angle=float(rng.uniform(0, 360)), horizon=float(rng.uniform(0.3, 0.6)),
        seed=int(rng.integers(2**31)),
    )  # fmt: skip


def _rgb(values: np.ndarray) -> RGB:
    r, g, b = (int(v) for v in np.clip(np.rint(values), 0, 255))
    return r, g, b


def _object(rng: np.random.Generator, size: tuple[int, int], background: Background) -> SceneObject:
    height = size[1]
    shapes, textures = list(Shape), list(Texture)
    colours = [
        c
        for c in Colour
        if min(math.dist(COLOUR_RGB[c], background.colour_a),
               math.dist(COLOUR_RGB[c], background.colour_b)) >= _MIN_CONTRAST
    ]  # fmt: skip
    colour = colours[int(rng.integers(len(colours)))]
    size_class = SizeClass.SMALL if rng.random() < 0.5 else SizeClass.BIG
    lo, hi = _SIZES[size_class]
    side = round(rng.uniform(lo, hi) * height)
    rgb = _rgb(np.array(COLOUR_RGB[colour]) + rng.integers(-15, 16, 3))
    # The second tone of a texture is a darker shade, so the colour still names the object;
    # white and black get grey.
    if colour is Colour.WHITE:
        pattern: RGB = (140, 140, 140)
    elif colour is Colour.BLACK:
        pattern = (125, 125, 125)
    else:
        pattern = _rgb(np.array(rgb) * 0.45)
    shape = shapes[int(rng.integers(len(shapes)))]
    return SceneObject(
        shape=shape,
        colour=colour,
        texture=textures[int(rng.integers(len(textures)))],
        size_class=size_class,
        side=side,
        rgb=rgb,
        pattern_rgb=pattern,
        pattern_period=max(6.0, side / rng.uniform(3.2, 4.5)),
        pattern_angle=float(rng.uniform(0, 180)),
        x=0.0,
        y=0.0,
        angle=0.0 if shape is Shape.BALL else float(rng.uniform(-25, 25)),
    )


def _attributes(obj: SceneObject) -> tuple[Shape, Colour, Texture, SizeClass]:
    return obj.shape, obj.colour, obj.texture, obj.size_class


def _objects(
    rng: np.random.Generator, settings: SynthSettings, background: Background
) -> list[SceneObject] | None:
    """Objects that can all be told apart, placed apart from one another."""
    width, height = settings.size
    count = int(rng.integers(settings.min_objects, settings.max_objects + 1))
    placed: list[SceneObject] = []
    for _ in range(40 * count):
        if len(placed) == count:
            break
        obj = _object(rng, settings.size, background)
        if any(_attributes(obj) == _attributes(o) for o in placed):
            continue
        r = obj.radius + 1.0
        if 2 * r >= min(width, height):
            continue
        x, y = rng.uniform(r, width - r), rng.uniform(r, height - r)
        # Centres this far apart let shapes touch but not cover one another.
        if any(math.hypot(x - o.x, y - o.y) < 0.55 * (obj.side + o.side) for o in placed):
            continue
        placed.append(replace(obj, x=float(x), y=float(y)))
    return placed if len(placed) >= settings.min_objects else None


# --------------------------------------------------------------------------------------------
# motions
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Rest:
    """Where an object is between motions, and from when it is free to move again."""

    x: float
    y: float
    free_at: float


def _room(obj: SceneObject, rest: _Rest, size: tuple[int, int]) -> dict[Direction, float]:
    width, height = size
    r = obj.radius + 1.0
    return {
        Direction.LEFT: rest.x - r,
        Direction.RIGHT: width - r - rest.x,
        Direction.UP: rest.y - r,
        Direction.DOWN: height - r - rest.y,
    }


def _motion(
    rng: np.random.Generator,
    *,
    action: Action,
    target: int,
    obj: SceneObject,
    rest: _Rest,
    start: float,
    size: tuple[int, int],
) -> Motion | None:
    """``action`` by ``obj`` from ``start``, sized to stay in the frame; None if it cannot."""
    width, height = size
    room = _room(obj, rest, size)

    def span(lo: float, hi: float) -> float:
        return float(rng.uniform(lo, hi))

    def sideways(minimum: float) -> list[Direction]:
        return [d for d in (Direction.LEFT, Direction.RIGHT) if room[d] >= minimum * width]

    match action:
        case Action.ROLL | Action.SLIDE | Action.MOVE:
            if action is Action.ROLL and obj.shape not in (Shape.BALL, Shape.RING):
                return None
            directions = sideways(0.12) if action is Action.ROLL else [
                d for d, free in room.items()
                if free >= 0.12 * (width if d in (Direction.LEFT, Direction.RIGHT) else height)
            ]  # fmt: skip
            if not directions:
                return None
            d = directions[int(rng.integers(len(directions)))]
            extent = width if d in (Direction.LEFT, Direction.RIGHT) else height
            distance = min(span(0.2, 0.45) * extent, room[d])
            sign = -1.0 if d in (Direction.LEFT, Direction.UP) else 1.0
            horizontal = d in (Direction.LEFT, Direction.RIGHT)
            dx, dy = (sign * distance, 0.0) if horizontal else (0.0, sign * distance)
            # A rolling thing turns by the distance over its radius.
            turn = math.degrees(dx / (obj.side / 2.0)) if action is Action.ROLL else 0.0
            return Motion(target, action, start, start + span(1.5, 3.5), d, dx, dy, turn)
        case Action.SPIN:
            if obj.shape in (Shape.BALL, Shape.RING) and obj.texture is Texture.PLAIN:
                return None  # a turning plain disc looks still
            turn = span(270, 720) * (1 if rng.random() < 0.5 else -1)
            return Motion(target, action, start, start + span(1.5, 3.0), turn=turn)
        case Action.BOUNCE:
            if room[Direction.UP] < 0.1 * height:
                return None
            up = min(span(0.12, 0.25) * height, room[Direction.UP])
            cycles = int(rng.integers(2, 4))
            return Motion(target, action, start, start + span(2.0, 4.0), height=up, cycles=cycles)
        case Action.JUMP:
            if room[Direction.UP] < 0.12 * height:
                return None
            up = min(span(0.15, 0.3) * height, room[Direction.UP])
            directions = sideways(0.1)
            if directions and rng.random() < 0.5:
                d = directions[int(rng.integers(len(directions)))]
                dx = min(span(0.1, 0.25) * width, room[d]) * (-1 if d is Direction.LEFT else 1)
                return Motion(target, action, start, start + span(1.5, 2.5), d, dx=dx, height=up)
            return Motion(target, action, start, start + span(1.5, 2.5), height=up)
        case Action.SHAKE:
            amplitude = min(0.05 * width, room[Direction.LEFT], room[Direction.RIGHT])
            if amplitude < 0.02 * width:
                return None
            seconds = span(1.5, 2.5)
            cycles = max(2, round(seconds * 2.5))
            end = start + seconds
            return Motion(target, action, start, end, height=amplitude, cycles=cycles)
        case Action.PICK_UP:
            free = room[Direction.UP] - hand_shape(obj.side, size).reach_above - 1.0
            if free < 0.1 * height:
                return None
            lift = min(span(0.15, 0.3) * height, free)
            return Motion(target, action, start, start + span(2.5, 4.0), Direction.UP, dy=-lift)
    return None


def _choose_motion(
    rng: np.random.Generator,
    weights: dict[Action, float],
    make: Callable[..., Motion | None],
) -> Motion | None:
    """A motion of an action drawn by ``weights``; actions that do not fit are dropped."""
    left = dict(weights)
    while left:
        actions = list(left)
        p = np.array([left[a] for a in actions])
        action = actions[int(rng.choice(len(actions), p=p / p.sum()))]
        motion = make(action=action)
        if motion is not None:
            return motion
        del left[action]
    return None


def _moved(rest: _Rest, motion: Motion) -> _Rest:
    dx, dy, _ = motion.offset(motion.end)
    return _Rest(rest.x + dx, rest.y + dy, motion.end)


# --------------------------------------------------------------------------------------------
# the whole clip
# --------------------------------------------------------------------------------------------
def _try_plan(settings: SynthSettings, rng: np.random.Generator) -> ClipPlan | None:
    size, duration = settings.size, settings.frame_count / settings.fps
    background = _background(rng)
    objects = _objects(rng, settings, background)
    if objects is None:
        return None
    rests = [_Rest(o.x, o.y, 0.0) for o in objects]
    motions: list[Motion] = []
    events: list[NarratedEvent] = []
    t = float(rng.uniform(0.2, 1.2))
    said_until = 0.0
    previous = -1
    while True:
        choices = [k for k in range(len(objects)) if k != previous] or [0]
        target = choices[int(rng.integers(len(choices)))]
        obj, rest = objects[target], rests[target]
        motion = _choose_motion(
            rng, _NARRATED_ACTIONS, partial(_motion, rng, target=target, obj=obj, rest=rest,
                                            start=t, size=size)
        )  # fmt: skip
        if motion is None:
            break
        others = [o for k, o in enumerate(objects) if k != target]
        text = describe(motion, obj, others, rng)
        speech = speech_seconds(text, float(rng.uniform(2.3, 3.3)))
        lo, hi = max(-settings.lead, said_until + MIN_PAUSE - motion.start), settings.lag
        if lo > hi:  # the narrator is still talking: the motion waits for them
            motion = _delayed(motion, lo - hi)
            lo = hi
        phrase_start = max(0.0, motion.start + float(rng.uniform(lo, hi)))
        phrase_end = phrase_start + speech
        if motion.end > duration - _END_MARGIN or phrase_end > duration:
            break
        motions.append(motion)
        events.append(NarratedEvent(motion, Utterance(text, phrase_start, phrase_end)))
        rests[target] = _moved(rest, motion)
        said_until, previous = phrase_end, target
        t = motion.end + float(rng.uniform(0.3, 1.5))
        busy = {target}
        # A second unmentioned mover, less often, where there are objects enough.
        for chance in (settings.distractor_rate, settings.distractor_rate * 0.6):
            if len(busy) == len(objects) or rng.random() >= chance:
                break
            other = _distractor(rng, objects, rests, motion, t, size, busy)
            if other is not None:
                motions.append(other)
                rests[other.target] = _moved(rests[other.target], other)
                busy.add(other.target)
    if not events:
        return None
    scene = SceneSpec(
        size=size,
        fps=settings.fps,
        frame_count=settings.frame_count,
        background=background,
        objects=tuple(objects),
        motions=tuple(sorted(motions, key=lambda m: (m.start, m.target))),
        skin_rgb=_SKINS[int(rng.integers(len(_SKINS)))],
        sleeve_rgb=_muted(rng),
    )
    fillers = _fillers(rng, [e.utterance for e in events], duration, settings.filler_rate)
    return ClipPlan(scene, tuple(events), fillers)


def _delayed(motion: Motion, seconds: float) -> Motion:
    return replace(motion, start=motion.start + seconds, end=motion.end + seconds)


def _distractor(
    rng: np.random.Generator,
    objects: list[SceneObject],
    rests: list[_Rest],
    narrated: Motion,
    until: float,
    size: tuple[int, int],
    busy: set[int],
) -> Motion | None:
    """An unmentioned motion of an object not in ``busy``, mostly during ``narrated`` (so
    that the described object is not simply the one moving), over by ``until`` (when the
    next narrated motion may start)."""
    candidates = [k for k in range(len(objects)) if k not in busy]
    k = candidates[int(rng.integers(len(candidates)))]
    weights: dict[Action, float] = {
        a: w for a, w in _NARRATED_ACTIONS.items() if a is not Action.PICK_UP
    }
    make = partial(_motion, rng, target=k, obj=objects[k], rest=rests[k], start=0.0, size=size)
    motion = _choose_motion(rng, weights, make)
    if motion is None:
        return None
    # Centred near the narrated motion's middle, where its evaluation frame is and where it
    # moves fastest: otherwise "the fastest thing" would point at the described one.
    seconds = motion.end - motion.start
    middle = (narrated.start + narrated.end) / 2.0
    start = max(rests[k].free_at, middle - seconds * float(rng.uniform(0.3, 0.7)))
    end = min(start + seconds, until)
    if end - start < 1.0:
        return None
    return replace(motion, start=start, end=end)


def _fillers(
    rng: np.random.Generator, said: list[Utterance], duration: float, rate: float
) -> tuple[Utterance, ...]:
    """Sentences naming nothing, in some of the pauses long enough for them."""
    edges = [0.0] + [v for u in said for v in (u.start, u.end)] + [duration]
    out: list[Utterance] = []
    for gap_start, gap_end in zip(edges[::2], edges[1::2], strict=True):
        if rng.random() >= rate:
            continue
        text = filler(rng)
        speech = speech_seconds(text, float(rng.uniform(2.3, 3.3)))
        lo, hi = gap_start + MIN_PAUSE, gap_end - MIN_PAUSE - speech
        if hi > lo:
            start = float(rng.uniform(lo, hi))
            out.append(Utterance(text, start, start + speech))
    return tuple(out)
