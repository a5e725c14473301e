"""Playback benchmark: can the player keep up, seek fast and start fast?

Prints, for a 1280x720 30 fps H.264 clip with three active indicators (box, grayscale
surround, heat map):
  * decode+render throughput as a multiple of the source frame rate (target >= 2x),
  * the same with the numpy->QImage hand-over the player does (when PySide6 is present),
  * exact-seek latency, median and p95 over 50 random cold-cache seeks (target median <= 80 ms),
  * time from launching the GUI to the first frame shown (target <= 2 s), in a child process,
  * peak memory (resident set) of this process and of the GUI child.

Usage: .venv/bin/python benchmarks/bench_playback.py [--clip PATH] [--seconds N]
Without --clip it uses ../shared/media/narrated/speech_timing_banana.mp4 (real 1280x720
30 fps footage) when present, else it generates a synthetic clip of the same size.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from narrlocal_gui.core.model import (
    Box,
    DisplaySettings,
    HeatSample,
    Indicator,
    IndicatorStyle,
    Phrase,
    Project,
    TrackPoint,
)
from narrlocal_gui.core.visibility import visible_indicators
from narrlocal_gui.media.source import open_media
from narrlocal_gui.render.compose import render_indicators

REPO = Path(__file__).resolve().parents[1]
REAL_CLIP = REPO.parent / "shared" / "media" / "narrated" / "speech_timing_banana.mp4"


def synthetic_clip(path: Path, seconds: float) -> Path:
    """A 1280x720 30 fps clip with moving texture (flat colour would flatter the decoder)."""
    from narrlocal_gui.media.writer import write_video

    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (720 + 64, 1280 + 64, 3), dtype=np.uint8)
    n = int(seconds * 30)

    def frames() -> Iterator[np.ndarray]:
        for i in range(n):
            dx, dy = i % 64, (i * 2) % 64
            yield np.ascontiguousarray(base[dy : dy + 720, dx : dx + 1280])

    write_video(path, frames(), fps=30, size=(1280, 720))
    return path


def three_indicators(duration: float, width: int, height: int) -> Project:
    phrase_ids = ("p-box", "p-gray", "p-heat")
    phrases = tuple(Phrase(pid, f"phrase {pid}", 0.0, duration) for pid in phrase_ids)
    w, h = width, height
    moving = tuple(
        TrackPoint(t, Box(w * 0.1 + t * 5, h * 0.2, w * 0.4 + t * 5, h * 0.6))
        for t in np.arange(0.0, duration, 0.5)
    )
    grid = np.outer(np.hanning(14), np.hanning(14)).astype(np.float32)
    heat = tuple(HeatSample(float(t), np.roll(grid, int(t), axis=1)) for t in range(int(duration)))
    indicators = (
        Indicator("box", "p-box", IndicatorStyle.BOX, track=moving),
        Indicator(
            "gray",
            "p-gray",
            IndicatorStyle.GRAYSCALE,
            track=(TrackPoint(0.0, Box(w * 0.5, h * 0.3, w * 0.8, h * 0.9)),),
        ),
        Indicator("heat", "p-heat", IndicatorStyle.HEATMAP, heatmaps=heat),
    )
    # Shown for each phrase's whole span (the whole clip), not the 3 s default.
    return Project(
        phrases=phrases, indicators=indicators, display=DisplaySettings(default_duration=None)
    )


def bench_throughput(clip: Path, seconds: float) -> tuple[float, float, float | None, int]:
    src = open_media(clip)
    info = src.info
    project = three_indicators(info.duration, info.width, info.height)
    times = [t for t in src.frame_times if t < seconds]
    to_qimage = None
    try:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from narrlocal_gui.ui.qt_image import numpy_to_qimage

        to_qimage = numpy_to_qimage
    except ImportError:
        pass

    def run(with_qimage: bool) -> float:
        start = time.perf_counter()
        for t in times:
            frame = src.frame_at(float(t))
            visible = visible_indicators(project, float(t))
            assert len(visible) == 3
            out = render_indicators(frame.image, visible, project.display)
            if with_qimage and to_qimage is not None:
                to_qimage(out)
        return len(times) / (time.perf_counter() - start)

    src.frame_at(0.0)  # open the decoder before timing
    fps_render = run(False)
    src.frame_at(0.0)
    fps_qimage = run(True) if to_qimage is not None else None
    src.close()
    return info.fps, fps_render, fps_qimage, len(times)


def bench_seeks(clip: Path, count: int = 50) -> tuple[float, float]:
    rng = random.Random(1)
    src = open_media(clip)
    duration = src.info.duration
    latencies = []
    for _ in range(count):
        t = rng.uniform(0.0, duration)
        # A cold cache each time: otherwise a seek near an earlier one would be free.
        fresh = open_media(clip, cache_bytes=16 * 1024 * 1024)
        fresh.frame_at(0.0)
        start = time.perf_counter()
        fresh.frame_at(t)
        latencies.append((time.perf_counter() - start) * 1000.0)
        fresh.close()
    src.close()
    latencies.sort()
    return statistics.median(latencies), latencies[round(0.95 * (len(latencies) - 1))]


def bench_first_frame(clip: Path, runs: int = 3) -> tuple[float, float] | None:
    """Launch the GUI with the clip; the child says when its first frame is on screen.

    The time is taken here, when its line arrives, so it covers the interpreter's start, the
    imports, the window and the first decode.
    """
    try:
        import PySide6  # noqa: F401
    except ImportError:
        return None
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    best = float("inf")
    rss_mb = 0.0
    for _ in range(runs):
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "narrlocal_gui", "--exit-after-first-frame", str(clip)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        line = ""
        for line in child.stdout:
            if line.startswith("first-frame "):
                break
        elapsed = time.perf_counter() - start
        _, err = child.communicate(timeout=120)
        if child.returncode != 0 or not line.startswith("first-frame "):
            print(f"  GUI launch failed: {err.strip()[-400:]}")
            return None
        best = min(best, elapsed)
        rss_mb = max(rss_mb, float(line.split()[2]))  # first-frame rss-mb MB
    return best, rss_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path)
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of playback to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clip = args.clip
        if clip is None:
            clip = REAL_CLIP if REAL_CLIP.exists() else synthetic_clip(Path(tmp) / "c.mp4", 20.0)
        print(f"clip: {clip}")
        fps, rendered, with_qimage, frames = bench_throughput(clip, args.seconds)
        print(f"decode+render, 3 indicators: {rendered:.1f} fps over {frames} frames")
        print(f"  = {rendered / fps:.2f}x the source rate ({fps:.2f} fps; target >= 2x)")
        if with_qimage is not None:
            print(f"decode+render+QImage:        {with_qimage:.1f} fps = {with_qimage / fps:.2f}x")
        median, p95 = bench_seeks(clip)
        print(f"exact seek, cold cache, 50 random: median {median:.1f} ms, p95 {p95:.1f} ms")
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of this process: {rss_mb:.0f} MB")
        first = bench_first_frame(clip)
        if first is not None:
            seconds, gui_mb = first
            print(f"launch to first frame shown (best of 3): {seconds:.2f} s (target <= 2 s)")
            print(f"GUI resident memory at its first frame: {gui_mb:.0f} MB")


if __name__ == "__main__":
    main()
