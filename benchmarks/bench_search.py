"""Moment search: first-pass feature extraction beside localization's, and a query over a
one-hour video once its features are cached.

On ../shared/media/narrated/howto_money_clip.mp4 (58 s, 480x360) with its transcript
(benchmarks/moments/howto_money_clip.transcript.json), in one process, one after the other:

  * search features, cold (an empty cache in a temporary folder): decode every half second,
    encode, pool the class logits, thumbnails;
  * localization, cold (its own empty cache): every phrase of the transcript with the
    default method (bridge), windows of 5 s at 2 frames/s, as ``narrlocal localize``;
  * a query over one hour: the clip's cached features looped to 3600 s (7200 samples: the
    per-frame arrays tiled, not a new decode; the cost of a query depends only on the
    number of samples) with a narration of the transcript repeated over the hour; the
    median of 5 queries, each ranking the best 5 moments.

Usage: .venv/bin/python benchmarks/bench_search.py [--device cpu]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MEDIA = REPO.parent / "shared" / "media" / "narrated" / "howto_money_clip.mp4"
TRANSCRIPT = REPO / "benchmarks" / "moments" / "howto_money_clip.transcript.json"
QUERIES = (
    "stick two strips of tape together",
    "line the card up with the orange tape",
    "title screen",
    "lay another strip over the card",
    "compare the tape length to the credit card",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    if not MEDIA.is_file():
        sys.exit(f"{MEDIA} is missing (../shared/media beside the checkout)")
    import numpy as np

    from narrlocal_gui.core.model import Narration, Segment
    from narrlocal_gui.localizer.encoders.feature_cache import FeatureCache
    from narrlocal_gui.localizer.pipeline import localize_phrases
    from narrlocal_gui.localizer.search.engine import SearchEngine
    from narrlocal_gui.localizer.search.video_index import VideoIndex
    from narrlocal_gui.localizer.settings import LocalizeSettings
    from narrlocal_gui.narration.phrases import extract_phrases
    from narrlocal_gui.narration.transcripts.reader import read_transcript

    narration = read_transcript(TRANSCRIPT).transcript.narration
    phrases = extract_phrases(narration)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        engine = SearchEngine.load(args.device, cache=FeatureCache(Path(tmp) / "search"))
        load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        video = engine.index_video(MEDIA)
        index_s = time.perf_counter() - t0

        settings = LocalizeSettings(device=args.device)
        from narrlocal_gui.localizer.pipeline import PhraseLocalizer

        localizer = PhraseLocalizer(settings, feature_cache=FeatureCache(Path(tmp) / "loc"))
        localizer.load()
        t0 = time.perf_counter()
        localize_phrases(MEDIA, phrases, settings, localizer=localizer)
        localize_s = time.perf_counter() - t0
        localizer.close()

    hour = 3600.0
    loops = int(np.ceil(hour / video.duration))
    step = float(np.median(np.diff(video.times)))
    count = int(hour / step)
    long_video = VideoIndex(
        times=np.arange(count) * step,
        logits=np.tile(video.logits, (loops, 1, 1))[:count],
        thumbs=np.tile(video.thumbs, (loops, 1, 1))[:count],
        duration=hour,
    )
    segments = []
    for k in range(loops):
        shift = k * video.duration
        for s in narration.segments:
            words = tuple(replace(w, start=w.start + shift, end=w.end + shift) for w in s.words)
            segments.append(Segment(s.text, s.start + shift, s.end + shift, words))
    long_narration = Narration(tuple(segments))
    t0 = time.perf_counter()
    spoken = engine.index_narration(long_narration)
    narration_s = time.perf_counter() - t0
    engine.search(long_video, QUERIES[0], spoken)  # the query parser's first use
    times = []
    for q in QUERIES:
        t0 = time.perf_counter()
        engine.search(long_video, q, spoken, top=5)
        times.append(time.perf_counter() - t0)

    frames = video.times.size
    print(f"clip: {MEDIA.name}, {video.duration:.1f} s; engine load {load_s:.1f} s")
    print(
        f"search features, cold:  {index_s:6.1f} s  ({frames} frames at 2/s, "
        f"{1000 * index_s / frames:.0f} ms a frame, {video.duration / index_s:.1f}x real time)"
    )
    print(
        f"localization, cold:     {localize_s:6.1f} s  ({len(phrases)} phrases, bridge, "
        f"{video.duration / localize_s:.1f}x real time)"
    )
    print(
        f"1-hour narration index: {narration_s:6.1f} s  (once per narration; "
        f"{len(spoken.texts)} windows)"
    )
    print(
        f"query over 1 hour ({count} samples, cached): median {statistics.median(times):.3f} s, "
        f"max {max(times):.3f} s over {len(times)} queries"
    )


if __name__ == "__main__":
    main()
