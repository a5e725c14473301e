"""What the synthetic narrator says: template sentences naming an object by some of its
attributes ("the striped blue box") and what it does ("now the red ball rolls to the
left"), fillers that name nothing ("okay let's keep going"), and word times spread over each
sentence as a speaker would say them.

Every description names the object so that no other object in its clip fits it, because
the localizer is scored on pointing at *the* object described.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from narrlocal_gui.core.model import Segment, Word
from narrlocal_gui.synth.scene import (
    Action,
    Direction,
    Motion,
    SceneObject,
    Shape,
    SizeClass,
    Texture,
)

__all__ = [
    "ACTION_VERBS",
    "DIRECTION_WORDS",
    "FILLERS",
    "PICK_UP_TEMPLATES",
    "SHAPE_WORDS",
    "SIZE_WORDS",
    "TEMPLATES",
    "Utterance",
    "describe",
    "filler",
    "noun_phrase",
    "speech_seconds",
]

#: Names of each shape; the first is the usual one.
SHAPE_WORDS: dict[Shape, tuple[str, ...]] = {
    Shape.BALL: ("ball", "ball", "circle"),
    Shape.BOX: ("box", "box", "square", "block"),
    Shape.TRIANGLE: ("triangle",),
    Shape.STAR: ("star",),
    Shape.RING: ("ring",),
    Shape.CROSS: ("cross",),
    Shape.DIAMOND: ("diamond",),
    Shape.HEART: ("heart",),
}
SIZE_WORDS: dict[SizeClass, tuple[str, ...]] = {
    SizeClass.SMALL: ("small", "small", "little"),
    SizeClass.BIG: ("big", "big", "large"),
}
#: (third person, base form, -ing form) of the verbs for each action.
ACTION_VERBS: dict[Action, tuple[tuple[str, str, str], ...]] = {
    Action.ROLL: (("rolls", "roll", "rolling"),),
    Action.SLIDE: (("slides", "slide", "sliding"),),
    Action.MOVE: (("moves", "move", "moving"),),
    Action.SPIN: (("spins", "spin", "spinning"), ("turns around", "turn around", "turning around")),
    Action.BOUNCE: (("bounces", "bounce", "bouncing"),),
    Action.JUMP: (("jumps", "jump", "jumping"),),
    Action.SHAKE: (("shakes", "shake", "shaking"), ("wiggles", "wiggle", "wiggling")),
}
DIRECTION_WORDS: dict[Direction, tuple[str, ...]] = {
    Direction.LEFT: ("to the left", "left"),
    Direction.RIGHT: ("to the right", "right"),
    Direction.UP: ("up", "upwards"),
    Direction.DOWN: ("down", "downwards"),
}
#: Sentences for a pick-up (an interaction: the narrator speaks of acting on the object).
PICK_UP_TEMPLATES = (
    "pick up {np}",
    "now pick up {np}",
    "let's pick up {np}",
    "and then pick up {np}",
    "lift {np}",
    "now we lift {np}",
    "grab {np} and lift it",
    "pick {np} up",
)
_VERB_FORM = {"v3": 0, "vb": 1, "ving": 2}
#: Sentences for a motion, with the verb form each needs.
TEMPLATES = (
    ("{np} {v3}", "v3"),
    ("now {np} {v3}", "v3"),
    ("and then {np} {v3}", "v3"),
    ("here {np} {v3}", "v3"),
    ("next {np} {v3}", "v3"),
    ("see how {np} {v3}", "v3"),
    ("watch {np} {vb}", "vb"),
    ("look at {np} {ving}", "ving"),
)
#: Sentences a narrator says between actions; none of them names anything in the picture.
FILLERS = (
    "okay let's keep going",
    "alright",
    "so far so good",
    "that was easy",
    "let's see what happens next",
    "and now we wait a moment",
    "okay",
    "here we go",
    "nothing much happens here",
    "hmm let me think",
    "that looks nice",
    "good",
)


@dataclass(frozen=True, slots=True)
class Utterance:
    """One spoken sentence: ``text`` in lower case without punctuation, from ``start`` to
    ``end`` seconds."""

    text: str
    start: float
    end: float

    def __post_init__(self) -> None:
        if not self.text.strip() or self.text != self.text.lower():
            raise ValueError(f"an utterance is non-empty lower-case text, not {self.text!r}")
        if not (math.isfinite(self.start) and math.isfinite(self.end)):
            raise ValueError("utterance times must be finite")
        if not 0.0 <= self.start < self.end:
            raise ValueError(f"an utterance needs 0 <= start < end, not {self.start}..{self.end}")

    def segment(self) -> Segment:
        """As a transcript segment: capitalised, with a full stop, words timed by their
        length (long words take longer to say) with short gaps between them."""
        words = self.text.split()
        weights = np.array([len(w) + 2 for w in words], dtype=np.float64)
        edges = self.start + (self.end - self.start) * np.concatenate(
            ([0.0], np.cumsum(weights) / weights.sum())
        )
        gap = min(0.04, 0.2 * float(np.min(np.diff(edges))))
        shown = [*words[:-1], words[-1] + "."]
        shown[0] = shown[0][0].upper() + shown[0][1:]
        timed = tuple(
            Word(text, round(float(a), 3), round(float(max(a, b - gap)), 3))
            for text, a, b in zip(shown, edges[:-1], edges[1:], strict=True)
        )
        return Segment(" ".join(shown), round(self.start, 3), round(self.end, 3), timed)


def speech_seconds(text: str, words_per_second: float) -> float:
    return len(text.split()) / words_per_second


def _pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    return options[int(rng.integers(len(options)))]


def noun_phrase(
    target: SceneObject, others: Sequence[SceneObject], rng: np.random.Generator
) -> str:
    """ "the [size] [texture] [colour] shape", naming just enough (and sometimes more) that
    no object in ``others`` fits it."""
    show_size = rng.random() < 0.3
    show_texture = target.texture is not Texture.PLAIN and rng.random() < 0.6
    show_colour = rng.random() < 0.85

    def fits(other: SceneObject) -> bool:
        return (
            other.shape is target.shape
            and (not show_size or other.size_class is target.size_class)
            and (not show_texture or other.texture is target.texture)
            and (not show_colour or other.colour is target.colour)
        )

    # Add attributes in the order a speaker would reach for them until the phrase is unique.
    for attribute in ("colour", "texture", "size"):
        if not any(fits(o) for o in others):
            break
        if attribute == "colour":
            show_colour = True
        elif attribute == "texture":
            show_texture = True
        else:
            show_size = True
    if any(fits(o) for o in others):
        raise ValueError("the object cannot be told apart from another one in its clip")
    words = ["the"]
    if show_size:
        words.append(_pick(rng, SIZE_WORDS[target.size_class]))
    if show_texture:
        words.append(target.texture.value)
    if show_colour:
        words.append(target.colour.value)
    words.append(_pick(rng, SHAPE_WORDS[target.shape]))
    return " ".join(words)


def describe(
    motion: Motion, target: SceneObject, others: Sequence[SceneObject], rng: np.random.Generator
) -> str:
    """A template sentence for ``motion`` of ``target`` (``others``: the rest of the clip)."""
    np_text = noun_phrase(target, others, rng)
    if motion.action is Action.PICK_UP:
        return _pick(rng, PICK_UP_TEMPLATES).format(np=np_text)
    forms = ACTION_VERBS[motion.action][int(rng.integers(len(ACTION_VERBS[motion.action])))]
    template, form = TEMPLATES[int(rng.integers(len(TEMPLATES)))]
    verb = forms[_VERB_FORM[form]]
    if motion.direction is not None:
        verb += " " + _pick(rng, DIRECTION_WORDS[motion.direction])
    return template.format(np=np_text, **{form: verb})


def filler(rng: np.random.Generator) -> str:
    return _pick(rng, FILLERS)
