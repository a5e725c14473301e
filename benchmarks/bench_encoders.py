"""Speed of the localizer's pretrained encoders and of the training-free bridge method.

Prints:
  * load time of EfficientNet-Lite0 and MiniLM (weights verified by sha256 included),
  * VideoEncoder milliseconds per 1280x720 frame at short side 224 and 448, in float32 and,
    where the CPU has native bfloat16, in bfloat16 (what the bridge uses),
  * TextEncoder phrases per second (word vectors, one phrase per call; sentence vectors,
    batched),
  * BridgeLocalizer seconds per phrase for a 10 s window at 2 frames/s (21 frames):
    cold (nothing cached), the next phrase of the same window (grids in memory) and a new
    process on the same file (grids from the on-disk feature cache).

Usage: .venv/bin/python benchmarks/bench_encoders.py [--device cpu|cuda] [--repeats N]
Frames come from ../shared/media/silent/04_coffee.mp4 when present (real 1280x720 video),
else random pixels of the same size. Caches go to a temporary folder, never the user's.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from narrlocal_gui.localizer.encoders.feature_cache import FeatureCache, MediaFingerprint  # noqa: E402
from narrlocal_gui.localizer.encoders.text_encoder import TextEncoder  # noqa: E402
from narrlocal_gui.localizer.encoders.video_encoder import VideoEncoder  # noqa: E402
from narrlocal_gui.localizer.methods.bridge import BridgeLocalizer, ClassNameIndex  # noqa: E402
from narrlocal_gui.localizer.types import ClipInput  # noqa: E402

CLIP = REPO.parent / "shared" / "media" / "silent" / "04_coffee.mp4"
PHRASES = [
    "pour the coffee into the blue mug",
    "pick up the silver kettle",
    "the blue mug",
    "put the lid back on the pot",
    "stir the food in the pan with the red spatula",
    "cut the onion into small pieces",
    "place the red pepper half on the baking paper",
    "take the ball from the dog's mouth",
]


def _window() -> tuple[ClipInput, MediaFingerprint | None, str]:
    times = np.arange(21) * 0.5
    if CLIP.is_file():
        from narrlocal_gui.media.source import open_media

        with open_media(CLIP) as source:
            frames = [source.frame_at(float(t)) for t in times]
        clip = ClipInput(
            np.stack([f.image for f in frames]), np.array([f.time for f in frames]), 3.0, 7.0
        )
        return clip, MediaFingerprint.of(CLIP), f"{CLIP.name} (real video)"
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (21, 720, 1280, 3), dtype=np.uint8)
    return ClipInput(pixels, times, 3.0, 7.0), None, "random 1280x720 pixels"


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    load_video = _timed(lambda: VideoEncoder.load(args.device))
    load_text = _timed(lambda: TextEncoder.load(args.device))
    video = VideoEncoder.load(args.device)
    text = TextEncoder.load(args.device)
    print(f"device {args.device}; load: EfficientNet-Lite0 {load_video:.2f} s, ", end="")
    print(f"MiniLM {load_text:.2f} s")

    clip, media, what = _window()
    print(f"frames: {what}, {clip.size[0]}x{clip.size[1]}")
    frames = clip.frames[:16]
    precisions = [False] + ([True] if video.reduces_precision(True) else [])
    for short in (224, 448):
        grid = video.encode(frames[:1], short_side=short).shape[2:]
        for reduced in precisions:
            runs = [
                1000
                * video.time_per_frame(
                    frames, short_side=short, repeats=1, reduced_precision=reduced
                )
                for _ in range(args.repeats)
            ]
            print(
                f"VideoEncoder short side {short}, {'bfloat16' if reduced else 'float32'}: "
                f"grid {grid[0]}x{grid[1]}, {statistics.median(runs):.1f} ms/frame "
                f"(median of {args.repeats}, min {min(runs):.1f})"
            )

    text.encode_words(PHRASES[0])  # spaCy loads on first use
    n = 5 * len(PHRASES)
    seconds = _timed(lambda: [text.encode_words(p) for p in PHRASES * 5])
    print(f"TextEncoder.encode_words: {n / seconds:.0f} phrases/s (one per call)")
    batch = PHRASES * 32
    seconds = _timed(lambda: text.encode_sentences(batch))
    print(f"TextEncoder.encode_sentences: {len(batch) / seconds:.0f} phrases/s (batched)")

    with tempfile.TemporaryDirectory() as tmp:
        index_s = _timed(lambda: ClassNameIndex(text, cache_dir=Path(tmp) / "text"))
        index = ClassNameIndex(text, cache_dir=Path(tmp) / "text")
        print(f"class-name vectors: {index_s:.2f} s once (then read from the cache folder)")
        cache = FeatureCache(Path(tmp) / "features")

        def fresh() -> BridgeLocalizer:
            return BridgeLocalizer(video, text, feature_cache=cache, class_index=index)

        bridge = fresh()
        bridge.parse("warm up")
        cold = _timed(lambda: bridge.localize(clip, PHRASES[0], media=media))
        warm = []
        for phrase in PHRASES[1:]:
            start = time.perf_counter()
            bridge.localize(clip, phrase, media=media)
            warm.append(time.perf_counter() - start)
        print(f"bridge, 10 s window at 2 fps ({len(clip.times)} frames, short side 448):")
        print(f"  cold (encode all frames + flow): {cold:.2f} s/phrase")
        print(f"  same window, next phrases:       {statistics.median(warm):.3f} s/phrase")
        if media is not None:
            disk = _timed(lambda: fresh().localize(clip, PHRASES[0], media=media))
            print(f"  new process, grids from disk:    {disk:.2f} s/phrase")
    return 0


if __name__ == "__main__":
    sys.exit(main())
