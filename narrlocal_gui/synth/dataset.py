"""``narrlocal synth``: a synthetic narrated-video data set with exact ground truth.

Clips of coloured, textured shapes moving over varied backgrounds, a template narration per
motion ("now the red ball rolls to the left") with loose timing and fillers, and the
evaluation items of the pointing game (../shared/eval/README.md) for the narrated motions.
The localizer can be trained on the clips and transcripts alone (self-supervised) and
scored on held-out clips. Layout of ``OUT``::

    videos/clip_0000.mp4        H.264
    transcripts/clip_0000.json  NarrLocal transcript JSON (narration/transcript_json.py)
    eval.json                   evaluation items of every clip; eval_<split>.json per split
    splits.json                 clip names per split (train, val, test)
    manifest.json               settings, vocabulary and per clip everything planned,
                                with every object's box on every frame

Everything depends only on the settings: the same seed gives the same frames and the same
JSON files, byte for byte. See docs/synth.md.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from narrlocal_gui import __version__
from narrlocal_gui.core.model import Narration
from narrlocal_gui.core.project_io import atomic_write_bytes
from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.localizer.evaluation import DATASET_VERSION, PointingItem
from narrlocal_gui.media.writer import write_video
from narrlocal_gui.narration.transcript_json import Transcript, write_transcript_json
from narrlocal_gui.progress import Cancelled
from narrlocal_gui.synth.manifest import clip_record, manifest
from narrlocal_gui.synth.plan import ClipPlan, NarratedEvent, SynthSettings, plan_clip
from narrlocal_gui.synth.render import RenderedClip, render_clip

__all__ = [
    "MANIFEST_NAME",
    "SPLITS_NAME",
    "Split",
    "SynthClip",
    "SynthDataset",
    "SynthSettings",
    "assign_splits",
    "eval_items",
    "generate_dataset",
    "plan_clip",
    "render_clip",
]

FORMAT_NAME = "narrlocal-synth"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
SPLITS_NAME = "splits.json"
VIDEOS_DIR = "videos"
TRANSCRIPTS_DIR = "transcripts"

Progress = Callable[[int, int], None]
"""Called with (clips done, clips in all) after each clip."""


class Split(StrEnum):
    TRAIN = "train"
    VAL = "val"
    TEST = "test"


def clip_name(index: int, count: int) -> str:
    return f"clip_{index:0{max(4, len(str(count - 1)))}d}"


def assign_splits(count: int, fractions: Sequence[float], seed: int) -> tuple[Split, ...]:
    """The split of each of ``count`` clips: as near ``fractions`` as whole clips allow
    (largest remainders), clips drawn into them at random from ``seed``."""
    if count < 0 or len(fractions) != len(Split):
        raise ValueError("a count >= 0 and one fraction per split are needed")
    exact = [f * count for f in fractions]
    sizes = [math.floor(e) for e in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (sizes[i] - exact[i], i))
    for i in by_remainder[: count - sum(sizes)]:
        sizes[i] += 1
    labels = [s for s, n in zip(Split, sizes, strict=True) for _ in range(n)]
    order = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,))).permutation(count)
    out = [Split.TRAIN] * count
    for position, index in enumerate(order):
        out[int(index)] = labels[position]
    return tuple(out)


# --------------------------------------------------------------------------------------------
# evaluation items
# --------------------------------------------------------------------------------------------
# The part of a motion (fractions of its time) an evaluation frame is taken from, and where
# in it the frame is preferred: the middle of the motion; for a pick-up, the middle of the
# lift, when the hand holds the object.
_EVAL_SPAN = (0.25, 0.75, 0.5)
_PICK_UP_SPAN = (0.4, 0.7, 0.55)


def eval_frame(
    event: NarratedEvent, plan: ClipPlan, rendered: RenderedClip, least: float
) -> int | None:
    """The frame an evaluation item for ``event`` is made on: in the middle of the motion,
    with at least ``least`` of the object showing; None when no such frame exists."""
    motion, scene = event.motion, plan.scene
    lo, hi, best = _PICK_UP_SPAN if event.kind == "interaction" else _EVAL_SPAN
    frames = [
        i
        for i in range(scene.frame_count)
        if motion.start <= scene.time_of(i) <= motion.end
        and lo <= motion.progress(scene.time_of(i)) <= hi
        and rendered.visible[i, motion.target] >= least
    ]
    if not frames:
        return None
    return min(frames, key=lambda i: (abs(motion.progress(scene.time_of(i)) - best), i))


def eval_items(
    name: str, plan: ClipPlan, rendered: RenderedClip, least: float
) -> tuple[PointingItem | None, ...]:
    """One evaluation item per narrated event (None where no frame shows enough of it)."""
    items: list[PointingItem | None] = []
    scene = plan.scene
    for k, event in enumerate(plan.events):
        frame = eval_frame(event, plan, rendered, least)
        if frame is None:
            items.append(None)
            continue
        x1, y1, x2, y2 = (int(v) for v in rendered.boxes[frame, event.motion.target])
        hand = [int(v) for v in rendered.hand_boxes[frame]]
        if event.kind == "interaction" and hand[0] >= 0:
            # hands + the object acted on, as the evaluation format defines an interaction
            x1, y1 = min(x1, hand[0]), min(y1, hand[1])
            x2, y2 = max(x2, hand[2]), max(y2, hand[3])
        items.append(
            PointingItem(
                id=f"{name}-{k + 1:02d}",
                media=f"{VIDEOS_DIR}/{name}.mp4",
                phrase=event.utterance.text,
                boxes=((float(x1), float(y1), float(x2), float(y2)),),
                kind=event.kind,
                phrase_start=round(event.utterance.start, 3),
                phrase_end=round(event.utterance.end, 3),
                # the middle of the frame's display time, so it names that frame unambiguously
                time=round((frame + 0.5) / scene.fps, 4),
            )
        )
    return tuple(items)


def _item_json(item: PointingItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "media": item.media,
        "phrase": item.phrase,
        "phrase_start": item.phrase_start,
        "phrase_end": item.phrase_end,
        "time": item.time,
        "boxes": [[int(v) for v in box] for box in item.boxes],
        "kind": item.kind,
    }


# --------------------------------------------------------------------------------------------
# the data set
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SynthClip:
    name: str
    split: Split
    events: int
    items: int

    def __post_init__(self) -> None:
        if not self.name or not 0 <= self.items <= self.events:
            raise ValueError("a clip needs a name and 0 <= items <= events")


@dataclass(frozen=True, slots=True)
class SynthDataset:
    """What :func:`generate_dataset` wrote into ``root``."""

    root: Path
    settings: SynthSettings
    clips: tuple[SynthClip, ...]

    def video(self, clip: SynthClip) -> Path:
        return self.root / VIDEOS_DIR / f"{clip.name}.mp4"

    def transcript(self, clip: SynthClip) -> Path:
        return self.root / TRANSCRIPTS_DIR / f"{clip.name}.json"

    def eval_file(self, split: Split | None = None) -> Path:
        """``eval.json`` (every clip) or ``eval_<split>.json``; a split without items has
        no file."""
        return self.root / ("eval.json" if split is None else f"eval_{split.value}.json")

    def eval_files(self) -> tuple[Path, ...]:
        """The evaluation files written: one per split that has items, and all of them."""
        if not any(c.items for c in self.clips):
            return ()
        splits = [s for s in Split if any(c.items for c in self.in_split(s))]
        return (self.eval_file(), *(self.eval_file(s) for s in splits))

    def in_split(self, split: Split) -> tuple[SynthClip, ...]:
        return tuple(c for c in self.clips if c.split is split)


def _check_folder(out_dir: Path, force: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise UserFacingError(f"Cannot write the data set into '{out_dir}': it is a file.")
    if out_dir.is_dir():
        if not force and any(out_dir.iterdir()):
            raise UserFacingError(
                f"The folder '{out_dir}' is not empty; use --force to write into it "
                "(files of the same names are replaced, others are left alone)."
            )
    elif not out_dir.parent.is_dir():
        raise UserFacingError(
            f"Cannot create '{out_dir}': the folder '{out_dir.parent}' does not exist."
        )


def _write_json(path: Path, doc: Any, *, indent: int | None = 1) -> None:
    separators = (",", ": ") if indent is not None else (",", ":")
    text = json.dumps(doc, ensure_ascii=False, indent=indent, separators=separators)
    atomic_write_bytes(path, (text + "\n").encode("utf-8"))


def generate_dataset(
    out_dir: str | os.PathLike[str],
    settings: SynthSettings,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    *,
    force: bool = False,
) -> SynthDataset:
    """Write the data set of ``settings`` into ``out_dir`` (created if needed; refused when
    it holds anything unless ``force``). Raises :class:`Cancelled` when ``cancel()`` turns
    true (clips finished so far stay; the JSON files at the top are written last)."""
    root = Path(out_dir)
    _check_folder(root, force)
    for folder in (root, root / VIDEOS_DIR, root / TRANSCRIPTS_DIR):
        folder.mkdir(exist_ok=True)
    splits = assign_splits(settings.clips, settings.split, settings.seed)
    clips: list[SynthClip] = []
    records: list[dict[str, Any]] = []
    items_by_split: dict[Split, list[PointingItem]] = {s: [] for s in Split}
    for index in range(settings.clips):
        if cancel is not None and cancel():
            raise Cancelled("the data set was cancelled")
        name = clip_name(index, settings.clips)
        plan = plan_clip(settings, index)
        rendered = render_clip(plan.scene)
        write_video(
            root / VIDEOS_DIR / f"{name}.mp4", iter(rendered.frames), settings.fps, settings.size
        )
        narration = Narration(
            tuple(u.segment() for u in plan.utterances()), language="en", source="synth"
        )
        write_transcript_json(
            root / TRANSCRIPTS_DIR / f"{name}.json",
            Transcript(narration, media=f"{name}.mp4", duration=round(plan.scene.duration, 3)),
        )
        made = eval_items(name, plan, rendered, settings.min_visible)
        kept = [item for item in made if item is not None]
        items_by_split[splits[index]].extend(kept)
        clips.append(SynthClip(name, splits[index], len(plan.events), len(kept)))
        records.append(clip_record(name, splits[index].value, plan, rendered, made))
        if progress is not None:
            progress(index + 1, settings.clips)

    every = [item for split in Split for item in items_by_split[split]]
    every.sort(key=lambda item: item.id)
    described = f"narrlocal synth, seed {settings.seed}"
    for split, items in ((None, every), *items_by_split.items()):
        path = SynthDataset(root, settings, ()).eval_file(split)
        if not items:  # the evaluation format needs at least one item
            # A file of this name from an earlier run (written with --force) would be
            # taken for this data set's.
            path.unlink(missing_ok=True)
            continue
        label = "all" if split is None else split.value
        head = {
            "version": DATASET_VERSION,
            "name": f"synth-{label}",
            "description": f"Synthetic narrated clips ({label}) made by {described}.",
        }
        # One item per line: the file stays readable and diffs stay small.
        lines = ",\n".join(json.dumps(_item_json(item), ensure_ascii=False) for item in items)
        text = json.dumps(head, ensure_ascii=False)[:-1] + ', "items": [\n' + lines + "\n]}\n"
        atomic_write_bytes(path, text.encode("utf-8"))
    _write_json(
        root / SPLITS_NAME, {s.value: [c.name for c in clips if c.split is s] for s in Split}
    )
    settings_json = asdict(settings)
    _write_json(
        root / MANIFEST_NAME,
        manifest(FORMAT_NAME, FORMAT_VERSION, f"narrlocal {__version__}", settings_json, records),
        indent=None,
    )
    return SynthDataset(root, settings, tuple(clips))
