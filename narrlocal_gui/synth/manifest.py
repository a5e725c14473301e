"""The JSON that ``manifest.json`` of a synthetic data set holds: the settings, the
vocabulary, and per clip everything that was planned and drawn (objects, motions, what is
said when, every object's box on every frame). See docs/synth.md for the fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from narrlocal_gui.localizer.evaluation import PointingItem
from narrlocal_gui.synth.narration import (
    ACTION_VERBS,
    DIRECTION_WORDS,
    FILLERS,
    SHAPE_WORDS,
    SIZE_WORDS,
)
from narrlocal_gui.synth.plan import ClipPlan
from narrlocal_gui.synth.render import RenderedClip
from narrlocal_gui.synth.scene import Action, Colour, Texture

__all__ = ["clip_record", "manifest", "vocabulary"]


def _r(value: float, digits: int = 3) -> float:
    return round(float(value), digits)


def vocabulary() -> dict[str, Any]:
    """Every word the narrator can use for an attribute or an action."""
    return {
        "shapes": {s.value: sorted(set(words)) for s, words in SHAPE_WORDS.items()},
        "colours": [c.value for c in Colour],
        # "plain" is said only where it tells an object from a textured one of its kind
        "textures": [t.value for t in Texture],
        "sizes": {s.value: sorted(set(words)) for s, words in SIZE_WORDS.items()},
        "actions": {
            a.value: [forms[0] for forms in ACTION_VERBS[a]] if a in ACTION_VERBS else ["pick up"]
            for a in Action
        },
        "directions": {d.value: list(words) for d, words in DIRECTION_WORDS.items()},
        "fillers": list(FILLERS),
    }


def clip_record(
    name: str,
    split: str,
    plan: ClipPlan,
    rendered: RenderedClip,
    items: Sequence[PointingItem | None],
) -> dict[str, Any]:
    scene = plan.scene
    narrated = {e.motion: k for k, e in enumerate(plan.events)}
    said = {e.utterance: k for k, e in enumerate(plan.events)}
    motions = list(scene.motions)
    bg = scene.background
    return {
        "name": name,
        "split": split,
        "video": f"videos/{name}.mp4",
        "transcript": f"transcripts/{name}.json",
        "size": list(scene.size),
        "fps": scene.fps,
        "frames": scene.frame_count,
        "background": {
            "kind": bg.kind.value,
            "colour_a": list(bg.colour_a),
            "colour_b": list(bg.colour_b),
            "angle": _r(bg.angle),
            "horizon": _r(bg.horizon),
            "seed": bg.seed,
        },
        "skin_rgb": list(scene.skin_rgb),
        "sleeve_rgb": list(scene.sleeve_rgb),
        "objects": [
            {
                "shape": o.shape.value,
                "colour": o.colour.value,
                "texture": o.texture.value,
                "size": o.size_class.value,
                "side": o.side,
                "rgb": list(o.rgb),
                "pattern_rgb": list(o.pattern_rgb),
                "pattern_period": _r(o.pattern_period, 2),
                "pattern_angle": _r(o.pattern_angle, 2),
                "x": _r(o.x, 2),
                "y": _r(o.y, 2),
                "angle": _r(o.angle, 2),
            }
            for o in scene.objects
        ],
        "motions": [
            {
                "object": m.target,
                "action": m.action.value,
                "direction": None if m.direction is None else m.direction.value,
                "start": _r(m.start),
                "end": _r(m.end),
                "dx": _r(m.dx, 2),
                "dy": _r(m.dy, 2),
                "turn": _r(m.turn, 2),
                "height": _r(m.height, 2),
                "cycles": m.cycles,
                "event": narrated.get(m),
            }
            for m in scene.motions
        ],
        "narration": [
            {"text": u.text, "start": _r(u.start), "end": _r(u.end), "event": said.get(u)}
            for u in plan.utterances()
        ],
        "events": [
            {
                "motion": motions.index(e.motion),
                "object": e.motion.target,
                "phrase": e.utterance.text,
                "phrase_start": _r(e.utterance.start),
                "phrase_end": _r(e.utterance.end),
                "kind": e.kind,
                "item": None if item is None else item.id,
                "time": None if item is None else item.time,
            }
            for e, item in zip(plan.events, items, strict=True)
        ],
        # boxes[object][frame] = [x1, y1, x2, y2] (pixel edges); hand[frame] or null
        "boxes": rendered.boxes.transpose(1, 0, 2).tolist(),
        "hand": [None if b[0] < 0 else b for b in rendered.hand_boxes.tolist()],
    }


def manifest(
    format_name: str,
    version: int,
    generator: str,
    settings: dict[str, Any],
    clips: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "format": format_name,
        "version": version,
        "generator": generator,
        "settings": settings,
        "vocabulary": vocabulary(),
        "clips": clips,
    }
