"""Throughput of localizing every phrase of a real how-to video (speech recognition excluded).

On ../shared/media/narrated/howto_money_clip.mp4 (58 s, 480x360), with its phrases (from a
transcript given with --transcript, else recognised once with Whisper tiny.en; not timed):

  * cold: a fresh process, an empty feature cache in a temporary folder;
  * warm, same process: the same localizer again (grids in memory and on disk);
  * warm, new process: another process on the same cache folder (grids read from disk).

For each: seconds, video covered by the phrase windows (union) / seconds, and the video's
duration / seconds ("x real time"), and the process's peak RSS (psutil and ru_maxrss).
The model load is timed separately (it happens once per application session).

Usage: .venv/bin/python benchmarks/bench_localize.py [--method bridge] [--fps 2]
       [--short-side 448] [--max-side 640] [--device cpu] [--transcript FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

VIDEO = REPO.parent / "shared" / "media" / "narrated" / "howto_money_clip.mp4"


def _peak_rss_mb() -> float:
    # Linux reports kilobytes, macOS bytes.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**20 if sys.platform == "darwin" else 2**10)


def phrases_of(video: Path, transcript: Path | None) -> list[dict[str, Any]]:
    from narrlocal_gui.narration.phrases import extract_phrases

    if transcript is not None:
        from narrlocal_gui.narration.transcripts.reader import read_transcript

        narration = read_transcript(transcript).transcript.narration
    else:
        from narrlocal_gui.narration.asr import AsrOptions, transcribe

        narration = transcribe(video, AsrOptions(model="tiny.en", device="cpu")).narration
    return [
        {"id": p.id, "text": p.text, "start": p.start, "end": p.end}
        for p in extract_phrases(narration)
    ]


# -- the worker (a child process) ------------------------------------------------------------


def work(spec: dict[str, Any]) -> dict[str, Any]:
    import psutil

    from narrlocal_gui.core.model import Phrase
    from narrlocal_gui.localizer.encoders.feature_cache import FeatureCache
    from narrlocal_gui.localizer.pipeline import PhraseLocalizer, localize_phrases
    from narrlocal_gui.localizer.settings import LocalizeSettings

    process = psutil.Process()
    rss_samples: list[float] = []
    video = Path(spec["video"])
    phrases = [Phrase(**p) for p in spec["phrases"]]
    settings = LocalizeSettings(
        method=spec["method"],
        fps=spec["fps"],
        window=spec["window"],
        device=spec["device"],
        max_side=spec["max_side"],
    )
    cache = FeatureCache(Path(spec["cache"]))
    factory = None
    if settings.method_name == "bridge":
        from narrlocal_gui.localizer.methods.bridge import BridgeConfig, BridgeLocalizer

        config = BridgeConfig(short_side=spec["short_side"])

        def factory(name: str, device: str) -> Any:
            return BridgeLocalizer.load(device, config=config, feature_cache=cache)

    started = time.perf_counter()
    localizer = PhraseLocalizer(settings, feature_cache=cache, method_factory=factory)
    localizer.load()
    load_s = time.perf_counter() - started
    runs: list[float] = []
    for _ in range(spec["repeats"]):
        t0 = time.perf_counter()
        results = localize_phrases(
            video,
            phrases,
            settings,
            localizer=localizer,
            on_result=lambda r: rss_samples.append(process.memory_info().rss / 2**20),
        )
        runs.append(time.perf_counter() - t0)
        assert len(results) == len(phrases)
    localizer.close()
    return {
        "load_s": load_s,
        "runs_s": runs,
        "device": localizer.device_notice,
        "peak_rss_mb": _peak_rss_mb(),
        "max_sampled_rss_mb": max(rss_samples) if rss_samples else 0.0,
        "phrase_s": [r.seconds for r in results],
    }


def child(spec: dict[str, Any], script: str = __file__) -> dict[str, Any]:
    """``script --worker SPEC`` in a fresh process (cold caches); its last line, as JSON."""
    done = subprocess.run(
        [sys.executable, script, "--worker", json.dumps(spec)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"worker failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--video", type=Path, default=VIDEO)
    parser.add_argument("--transcript", type=Path)
    parser.add_argument("--method", default="bridge")
    parser.add_argument("--fps", type=float, default=2.0)
    parser.add_argument("--window", type=float, default=5.0)
    parser.add_argument("--short-side", type=int, default=448)
    parser.add_argument("--max-side", type=int, default=640)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(work(json.loads(args.worker))))
        return
    if not args.video.is_file():
        raise SystemExit(f"{args.video} is absent")

    from narrlocal_gui.core.model import Phrase
    from narrlocal_gui.localizer.pipeline import covered_seconds
    from narrlocal_gui.media.probe import probe

    duration = probe(args.video).duration
    t0 = time.perf_counter()
    phrases = phrases_of(args.video, args.transcript)
    print(
        f"{len(phrases)} phrases from {'the transcript' if args.transcript else 'ASR tiny.en'} "
        f"in {time.perf_counter() - t0:.1f} s (not counted below)"
    )
    covered = covered_seconds([Phrase(**p) for p in phrases], args.window, duration)
    print(
        f"video {args.video.name}: {duration:.1f} s; phrase windows (+-{args.window:g} s) "
        f"cover {covered:.1f} s; method {args.method}, {args.fps:g} frames/s, "
        f"short side {args.short_side}, max side {args.max_side}, device {args.device}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-localize-") as cache:
        spec = {
            "video": str(args.video),
            "phrases": phrases,
            "method": args.method,
            "fps": args.fps,
            "window": args.window,
            "short_side": args.short_side,
            "max_side": args.max_side,
            "device": args.device,
            "cache": cache,
            "repeats": 2,
        }
        first = child(spec)
        second = child({**spec, "repeats": 1})

    def line(label: str, seconds: float, rss: float) -> None:
        print(
            f"  {label:<28} {seconds:6.2f} s   windows {covered / seconds:5.1f}x real time   "
            f"video {duration / seconds:5.1f}x real time   peak RSS {rss:5.0f} MB"
        )

    print(
        f"device: {first['device']}; model load {first['load_s']:.1f} s (new process "
        f"{second['load_s']:.1f} s), not counted"
    )
    line("cold (empty feature cache)", first["runs_s"][0], first["peak_rss_mb"])
    line("cached, same process", first["runs_s"][1], first["peak_rss_mb"])
    line("cached, new process", second["runs_s"][0], second["peak_rss_mb"])
    slowest = sorted(first["phrase_s"], reverse=True)[:3]
    print(
        f"  per phrase (cached run): mean {sum(first['phrase_s']) / len(phrases):.2f} s, "
        f"slowest {', '.join(f'{s:.2f}' for s in slowest)} s"
    )


if __name__ == "__main__":
    main()
