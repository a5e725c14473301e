"""Milliseconds per 1280x720 frame for render_indicators, per style and combined.

Run: .venv/bin/python benchmarks/bench_render.py [--runs N]

The player needs >= 60 fps (< 16.7 ms per frame, with decoding and display on top), so the
three-indicator case (box + grayscale surround + heat map) is the one that matters most.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence

import cv2
import numpy as np

from narrlocal_gui.core.model import PALETTE, Box, DisplaySettings, IndicatorStyle
from narrlocal_gui.core.visibility import VisibleIndicator
from narrlocal_gui.render import render_indicators

WIDTH, HEIGHT = 1280, 720


def _indicator(
    style: IndicatorStyle, box: Box | None, *, heat: bool = False, n: int = 0
) -> VisibleIndicator:
    grid = None
    if heat:
        rng = np.random.default_rng(n)
        grid = rng.random((14, 14), dtype=np.float32)
    return VisibleIndicator(
        indicator_id=f"ind{n}",
        style=style,
        color=PALETTE[n % len(PALETTE)],
        label=f"the narrated phrase number {n}",
        box=box,
        heatmap=grid,
    )


def _cases() -> dict[str, list[VisibleIndicator]]:
    box_a = Box(200.0, 150.0, 640.0, 480.0)
    box_b = Box(700.0, 100.0, 1100.0, 400.0)
    box_c = Box(400.0, 380.0, 900.0, 680.0)
    cases: dict[str, list[VisibleIndicator]] = {
        "nothing visible": [],
    }
    for style in IndicatorStyle:
        if style is IndicatorStyle.HEATMAP:
            continue
        cases[f"{style.value} alone"] = [_indicator(style, box_a)]
    cases["heatmap alone (14x14 grid)"] = [_indicator(IndicatorStyle.HEATMAP, None, heat=True)]
    cases["heatmap alone (blob from box)"] = [_indicator(IndicatorStyle.HEATMAP, box_a)]
    cases["box + grayscale surround + heatmap"] = [
        _indicator(IndicatorStyle.BOX, box_a, n=0),
        _indicator(IndicatorStyle.GRAYSCALE, box_b, n=1),
        _indicator(IndicatorStyle.HEATMAP, box_c, heat=True, n=2),
    ]
    cases["spotlight x2 + brighten + tint + box"] = [
        _indicator(IndicatorStyle.SPOTLIGHT, box_a, n=0),
        _indicator(IndicatorStyle.SPOTLIGHT, box_b, n=1),
        _indicator(IndicatorStyle.BRIGHTEN, box_c, n=2),
        _indicator(IndicatorStyle.TINT, box_b, n=3),
        _indicator(IndicatorStyle.BOX, box_c, n=4),
    ]
    return cases


def _median_ms(
    frame: np.ndarray, visible: Sequence[VisibleIndicator], settings: DisplaySettings, runs: int
) -> float:
    for _ in range(5):  # warm caches (label masks, cv2 thread pool)
        render_indicators(frame, visible, settings)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        render_indicators(frame, visible, settings)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="timed runs per case")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="cv2 worker threads (default: cv2's own choice); 1 shows the cost on a busy CPU",
    )
    args = parser.parse_args()
    if args.threads is not None:
        cv2.setNumThreads(args.threads)

    rng = np.random.default_rng(0)
    # Noise plus a gradient: realistic enough that no effect gets a trivially uniform input.
    gradient = np.linspace(0, 255, WIDTH, dtype=np.float32)[np.newaxis, :, np.newaxis]
    noise = rng.integers(0, 64, size=(HEIGHT, WIDTH, 3)).astype(np.float32)
    frame = np.clip(gradient * 0.75 + noise, 0, 255).astype(np.uint8)
    frame.setflags(write=False)
    settings = DisplaySettings()

    print(
        f"render_indicators on {WIDTH}x{HEIGHT}, median of {args.runs} runs, "
        f"{cv2.getNumThreads()} cv2 thread(s)"
    )
    for name, visible in _cases().items():
        ms = _median_ms(frame, visible, settings, args.runs)
        print(f"  {name:<40} {ms:7.3f} ms  ({1000.0 / ms:8.0f} fps)")


if __name__ == "__main__":
    main()
