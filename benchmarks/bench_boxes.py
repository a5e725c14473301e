"""Box tracks of a real how-to video, side by side for each way of making boxes.

On ../shared/media/narrated/howto_money_clip.mp4 (58 s, 480x360, a static top-down camera;
phrases from a transcript given with --transcript, else recognised once with Whisper
tiny.en, not timed), `narrlocal localize`'s pipeline runs once per box way
(localizer/clip_boxes.py: ``heat``, the boxes before; ``region+track``, the default; any
given with --ways), each in a fresh process with an empty feature cache, so each time is a
cold run of the whole localization. For each way:

  * track stability: over every phrase's track (boxes 0.5 s apart at 2 frames/s), the mean
    IoU of consecutive boxes, the share of steps below IoU 0.3, and how many boxes are the
    whole frame (>= 98 % of it);
  * speed: seconds for all phrases and the video's duration / seconds ("x real time"), and
    the CPU seconds of the process (all its threads), which other work on a shared machine
    disturbs far less than the wall clock.

Usage: .venv/bin/python benchmarks/bench_boxes.py [--transcript FILE] [--ways heat,region+track]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_localize import VIDEO, child, phrases_of  # noqa: E402


def work(spec: dict[str, Any]) -> dict[str, Any]:
    from narrlocal_gui.core.model import Phrase
    from narrlocal_gui.localizer.clip_boxes import BoxSettings
    from narrlocal_gui.localizer.encoders.feature_cache import FeatureCache
    from narrlocal_gui.localizer.methods.bridge import BridgeConfig, BridgeLocalizer
    from narrlocal_gui.localizer.pipeline import PhraseLocalizer, localize_phrases
    from narrlocal_gui.localizer.settings import LocalizeSettings

    video = Path(spec["video"])
    phrases = [Phrase(**p) for p in spec["phrases"]]
    settings = LocalizeSettings(method="bridge", fps=2.0, window=5.0, max_side=640)
    cache = FeatureCache(Path(spec["cache"]))
    config = BridgeConfig(boxes=BoxSettings(method=spec["way"]))

    def factory(name: str, device: str) -> Any:
        return BridgeLocalizer.load(device, config=config, feature_cache=cache)

    localizer = PhraseLocalizer(settings, feature_cache=cache, method_factory=factory)
    localizer.load()
    started, cpu = time.perf_counter(), time.process_time()
    results = localize_phrases(video, phrases, settings, localizer=localizer)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    localizer.close()
    tracks = [[list(p.box.as_tuple()) for p in r.track] for r in results]
    return {"seconds": seconds, "cpu": cpu, "tracks": tracks}


def stability(tracks: list[list[list[float]]], size: tuple[int, int]) -> dict[str, float]:
    from narrlocal_gui.localizer.box_geometry import box_area, box_iou

    steps = [box_iou(a, b) for track in tracks for a, b in itertools.pairwise(track)]
    boxes = [b for track in tracks for b in track]
    frame = float(size[0] * size[1])
    return {
        "boxes": len(boxes),
        "mean_iou": sum(steps) / len(steps) if steps else 0.0,
        "below_03": sum(s < 0.3 for s in steps) / len(steps) if steps else 0.0,
        "whole": sum(box_area(b) >= 0.98 * frame for b in boxes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--video", type=Path, default=VIDEO)
    parser.add_argument("--transcript", type=Path)
    parser.add_argument("--ways", default="heat,region+track")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(work(json.loads(args.worker))))
        return
    if not args.video.is_file():
        raise SystemExit(f"{args.video} is absent")
    from narrlocal_gui.media.probe import probe

    info = probe(args.video)
    t0 = time.perf_counter()
    phrases = phrases_of(args.video, args.transcript)
    print(
        f"{args.video.name}: {info.duration:.1f} s, {info.width}x{info.height}; "
        f"{len(phrases)} phrases in {time.perf_counter() - t0:.1f} s (not counted); "
        "bridge, 2 frames/s, window 5 s, each way cold in a new process"
    )
    print(
        f"{'boxes':<14} {'n':>4} {'mean IoU':>9} {'< 0.3':>6} {'whole':>6} {'seconds':>8} "
        f"{'x real time':>12} {'CPU s':>7}"
    )
    for way in args.ways.split(","):
        with tempfile.TemporaryDirectory(prefix="bench-boxes-") as cache:
            spec = {"video": str(args.video), "phrases": phrases, "cache": cache, "way": way}
            out = child(spec, __file__)
        figures = stability(out["tracks"], (info.width, info.height))
        print(
            f"{way:<14} {figures['boxes']:>4} {figures['mean_iou']:>9.3f} "
            f"{figures['below_03']:>6.3f} {figures['whole']:>6} {out['seconds']:>8.2f} "
            f"{info.duration / out['seconds']:>11.1f}x {out['cpu']:>7.1f}"
        )


if __name__ == "__main__":
    main()
