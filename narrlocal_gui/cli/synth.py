"""``narrlocal synth``: write a synthetic narrated-video data set with exact ground truth
(narrlocal_gui/localizer/synth.py, docs/synth.md).

Registered in :data:`narrlocal_gui.cli.main.COMMANDS`. Only argparse-level code runs at import;
numpy, PyAV and the generator are imported by the handler. A non-empty output folder is
refused before any work unless ``--force``.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from narrlocal_gui.cli.arguments import frame_rate, seconds_type, whole_number
from narrlocal_gui.cli.output import print_progress_line
from narrlocal_gui.core.time_format import format_clock
from narrlocal_gui.errors import UserFacingError

__all__ = ["SYNTH_DESCRIPTION", "SYNTH_SUMMARY", "configure_synth", "run_synth"]

SYNTH_SUMMARY = "write synthetic narrated clips with exact boxes, for training and evaluation"
SYNTH_DESCRIPTION = (
    "Generate a data set of short clips in which coloured, textured shapes move while a "
    "template narration describes them ('now the red ball rolls to the left'), with loose "
    "timing and filler sentences like real narration. Writes OUT_DIR/videos/*.mp4, "
    "OUT_DIR/transcripts/*.json (NarrLocal transcripts), OUT_DIR/eval.json and "
    "eval_<split>.json (the pointing evaluation format), OUT_DIR/splits.json and "
    "OUT_DIR/manifest.json. The same seed gives the same data set."
)


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if match is None:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (use WIDTHxHEIGHT, e.g. 320x240)")
    return int(match[1]), int(match[2])


def _split(text: str) -> tuple[float, float, float]:
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 3 or not all(0.0 <= v <= 1.0 for v in values):
        raise argparse.ArgumentTypeError(
            f"not a split: {text!r} (use three fractions TRAIN,VAL,TEST, e.g. 0.8,0.1,0.1)"
        )
    if abs(sum(values) - 1.0) > 1e-6:
        raise argparse.ArgumentTypeError(f"the fractions of {text!r} must add up to 1")
    return values[0], values[1], values[2]


def _objects(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*(?:,\s*(\d+)\s*)?", text)
    if match is None:
        raise argparse.ArgumentTypeError(f"not a count: {text!r} (use N or MIN,MAX, e.g. 2,4)")
    low = int(match[1])
    return low, int(match[2]) if match[2] is not None else low


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:  # NaN fails too
        raise argparse.ArgumentTypeError(f"must be a fraction from 0 to 1, not {text!r}")
    return value


def configure_synth(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="the folder to write")
    parser.add_argument(
        "--clips", type=whole_number(1), default=200, metavar="N", help="clips (default 200)"
    )
    parser.add_argument(
        "--seconds",
        type=seconds_type(4.0, 600.0),
        default=8.0,
        metavar="S",
        help="length of each clip, 4 to 600 (default 8)",
    )
    parser.add_argument(
        "--size", type=_size, default=(320, 240), metavar="WxH", help="frame size (default 320x240)"
    )
    parser.add_argument(
        "--fps", type=frame_rate, default=12.0, metavar="F", help="frame rate (default 12)"
    )
    parser.add_argument(
        "--seed", type=whole_number(0), default=0, metavar="N", help="random seed (0)"
    )
    parser.add_argument(
        "--split",
        type=_split,
        default=(0.8, 0.1, 0.1),
        metavar="TR,VA,TE",
        help="fractions of the clips for train, val and test (default 0.8,0.1,0.1)",
    )
    parser.add_argument(
        "--objects",
        type=_objects,
        default=(2, 4),
        metavar="MIN,MAX",
        help="objects in a clip, 1 to 6 (default 2,4; one number for exactly that many)",
    )
    parser.add_argument(
        "--distractors",
        type=_fraction,
        default=0.9,
        metavar="P",
        help="chance that an unmentioned object moves during a narrated motion (default 0.9)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="write into a folder that is not empty, replacing files of the same names",
    )


def _progress() -> Callable[[int, int], None] | None:
    if not sys.stderr.isatty():
        return None
    began = time.monotonic()

    def report(done: int, total: int) -> None:
        elapsed = time.monotonic() - began
        eta = elapsed / done * (total - done) if done else None
        print_progress_line(f"Generating clips... {done}/{total}", done >= total, eta)

    return report


def run_synth(args: argparse.Namespace) -> int:
    from narrlocal_gui.synth.dataset import Split, SynthSettings, generate_dataset

    try:
        settings = SynthSettings(
            clips=args.clips,
            seconds=args.seconds,
            size=args.size,
            fps=args.fps,
            seed=args.seed,
            split=args.split,
            min_objects=args.objects[0],
            max_objects=args.objects[1],
            distractor_rate=args.distractors,
        )
    except ValueError as exc:
        raise UserFacingError(f"Cannot make this data set: {exc}.") from None
    began = time.monotonic()
    dataset = generate_dataset(args.out_dir, settings, _progress(), force=args.force)
    seconds = time.monotonic() - began
    events = sum(c.events for c in dataset.clips)
    items = sum(c.items for c in dataset.clips)
    per_split = ", ".join(
        f"{s.value} {len(dataset.in_split(s))} clips / {sum(c.items for c in dataset.in_split(s))}"
        f" items"
        for s in Split
    )
    video = format_clock(len(dataset.clips) * settings.frame_count / settings.fps)
    print(
        f"Wrote {len(dataset.clips)} clips ({video} of video, {events} narrated events, "
        f"{items} evaluation items) to '{dataset.root}' in {seconds:.1f} s."
    )
    print(f"  splits: {per_split}")
    for path in dataset.eval_files():
        print(f"  {path}")
    return 0
