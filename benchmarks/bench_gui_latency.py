"""GUI latency while localizing: does the window stay responsive during Localize All?

Starts the real MainWindow (offscreen unless QT_QPA_PLATFORM says otherwise) on a narrated
clip, imports its transcript (the phrases are extracted by the app, as a user would get them),
then runs Localize All Phrases with the real localizer on its worker thread while a 10 ms
QTimer on the GUI thread records how late each tick comes. Prints:
  * tick lateness p50 / p95 / max in ms while idle, and during each run (target p95 <= 50 ms),
  * the localization wall time of each run and the phrases localized; run 1 starts with an
    empty feature cache (a temporary one), run 2 reads the features back from it.

Usage: .venv/bin/python benchmarks/bench_gui_latency.py [--clip PATH] [--transcript JSON]
       [--device auto|cpu|gpu] [--window S] [--runs N] [--play]
Without --transcript it makes one with ``narrlocal transcribe`` into a temporary file.
--play keeps the video playing during the runs (the player's work is then measured too).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLIP = REPO.parent / "shared" / "media" / "narrated" / "howto_money_clip.mp4"
TICK_MS = 10


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100.0 * (len(ordered) - 1))))
    return ordered[index]


def _summary(lateness_ms: list[float]) -> str:
    if not lateness_ms:
        return "no ticks"
    return (
        f"p50 {statistics.median(lateness_ms):6.1f} ms  p95 {_percentile(lateness_ms, 95):6.1f} ms"
        f"  max {max(lateness_ms):6.1f} ms  ({len(lateness_ms)} ticks)"
    )


def _transcribe(clip: Path, folder: Path) -> Path:
    out = folder / f"{clip.stem}.transcript.json"
    exe = Path(sys.executable).with_name("narrlocal")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "narrlocal_gui"]
    subprocess.run([*command, "transcribe", str(clip), "-o", str(out), "--force"], check=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=CLIP)
    parser.add_argument("--transcript", type=Path, help="a transcript of the clip (any format)")
    parser.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto")
    parser.add_argument("--window", type=float, default=5.0, help="search window (s)")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--play", action="store_true", help="play the video during the runs")
    args = parser.parse_args()
    if not args.clip.exists():
        print(f"no clip at {args.clip}: nothing to measure")
        return 0

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = Path(tempfile.mkdtemp(prefix="narrlocal-bench-"))
    # A fresh feature cache and data folder: run 1 is a first run on this clip.
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")
    os.environ["XDG_DATA_HOME"] = str(work / "data")
    transcript = args.transcript or _transcribe(args.clip, work)

    from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from narrlocal_gui.ui.main_window import MainWindow
    from narrlocal_gui.ui.settings import LocalizerDevice

    app = QApplication.instance() or QApplication([])
    settings = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("preferences/localizer_device", LocalizerDevice(args.device).value)
    settings.setValue("preferences/localizer_window", args.window)
    window = MainWindow(settings=settings)
    window.show()

    def wait_until(done: Callable[[], bool], timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while not done():
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out waiting for {what}")
            app.processEvents()
            time.sleep(0.002)

    window.open_path(args.clip)
    wait_until(lambda: window.controller.has_media, 30, "the video")
    window.narration.import_path(transcript)
    wait_until(lambda: not window.narration.busy, 120, "the transcript import")
    phrases = window.project.phrases
    print(f"clip: {args.clip.name}; {len(phrases)} phrases from {transcript.name}")
    if not phrases:
        print("no phrases: nothing to localize")
        return 1

    lateness: list[float] = []
    clock = QElapsedTimer()
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TICK_MS)

    def tick() -> None:
        elapsed = clock.nsecsElapsed() / 1e6
        clock.restart()
        lateness.append(max(0.0, elapsed - TICK_MS))

    timer.timeout.connect(tick)

    def measure(run: Callable[[], None], until: Callable[[], bool]) -> tuple[list[float], float]:
        lateness.clear()
        clock.start()
        timer.start()
        started = time.perf_counter()
        run()
        while not until():
            app.processEvents()
            time.sleep(0.001)
        wall = time.perf_counter() - started
        timer.stop()
        return list(lateness[1:]), wall

    idle_until = time.monotonic() + 2.0
    idle, _ = measure(lambda: None, lambda: time.monotonic() > idle_until)
    print(f"idle          : {_summary(idle)}")
    if args.play:
        window.controller.play()

    localize = window.localize
    for run in range(1, args.runs + 1):
        ticks, wall = measure(localize.localize_all, lambda: not localize.busy)
        done = sum(1 for i in window.project.indicators if i.track)
        device = localize.device_label.text() if localize.device_label else "?"
        print(f"localize run {run}: {_summary(ticks)}")
        print(
            f"    wall {wall:6.1f} s for {len(phrases)} phrases "
            f"({wall / len(phrases):.2f} s/phrase), {done} indicators, {device}"
        )
        print(f"    status: {window.statusBar().currentMessage()}")

    window.controller.pause()
    window.document.undo_stack.setClean()  # nothing to ask on close
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
