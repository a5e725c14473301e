"""Annotated-video export speed against a plain transcode of the same clip.

Prints, for a 60 s 1280x720 30 fps clip with audio and three indicators active over the
whole clip (a box, a darkened surround and a heat map or a brightened region, each moving):

  * the median time of a plain PyAV decode + encode of the clip with the export's encoder
    settings (libx264, same CRF, preset, yuv420p, threads; audio copied),
  * the median time of ``export_video`` (decode, render every frame as the player does,
    encode, audio copied), and of the same export of a project without indicators (what the
    pipeline itself costs: frames through RGB and back),
  * the ratio plain / export (the aim is >= 0.7: indicators cost at most 30 %), in wall-clock
    and in CPU time,
  * the export's speed as a multiple of real time.

The runs alternate (plain, export, bare export, plain, ...) so that a machine busy with
something else slows all alike; the medians are reported, with the load average as a
warning sign. A moving heat map over the whole picture also makes x264 itself work harder
(every frame changes everywhere), which a plain transcode does not pay.

With ``--breakdown`` a fourth run renders every frame with its indicators as the export does
but encodes the undrawn frame: its difference to the bare export is what drawing costs, and
the export's difference to it is what x264 pays for encoding the changed pictures.

Usage: .venv/bin/python benchmarks/bench_export.py [--runs N] [--seconds S] [--preset P]
       [--crf N] [--third heatmap|brighten] [--breakdown]

The clip is built in a temporary folder from ../shared/media/narrated/speech_timing_banana.mp4
(real 1280x720 30 fps footage, looped, with the source's BT.709 matrix and tags: the colour
conversions cost what they cost on real HD video) when it is there, else from a synthetic
moving scene (untagged BT.601).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from narrlocal_gui.core.model import (  # noqa: E402
    PALETTE,
    Box,
    DisplaySettings,
    HeatSample,
    Indicator,
    IndicatorStyle,
    Phrase,
    Project,
    TrackPoint,
    VideoRef,
)
from narrlocal_gui.export import video_frames  # noqa: E402
from narrlocal_gui.export.video_export import export_video  # noqa: E402
from narrlocal_gui.export.video_options import (  # noqa: E402
    DEFAULT_CRF,
    DEFAULT_PRESET,
    X264_PRESETS,
    VideoExportOptions,
)
from narrlocal_gui.media.audio import AudioTrack, decode_audio  # noqa: E402
from narrlocal_gui.media.video_reader import VideoReader  # noqa: E402
from narrlocal_gui.media.writer import write_video  # noqa: E402

REAL_CLIP = REPO.parent / "shared" / "media" / "narrated" / "speech_timing_banana.mp4"
WIDTH, HEIGHT, FPS = 1280, 720, 30
SAMPLE_RATE = 48000


def _real_frames(reader: VideoReader, n: int) -> Iterator[np.ndarray]:
    """The clip's frames, looped, as the application reads them (its own colour matrix)."""
    for i in range(n):
        yield reader.frame_by_index(i % reader.info.frame_count).image


def _synthetic_frames(n: int) -> Iterator[np.ndarray]:
    """Smooth gradients with moving discs and mild noise: content x264 works on realistically."""
    rng = np.random.default_rng(0)
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    base = np.stack([xs / WIDTH * 200, ys / HEIGHT * 200, (xs + ys) / (WIDTH + HEIGHT) * 200], -1)
    for i in range(n):
        image = base.copy()
        for k in range(4):
            cx = (WIDTH / 2) + 400 * np.sin(i / 40 + k * 1.7)
            cy = (HEIGHT / 2) + 220 * np.cos(i / 53 + k)
            disc = (xs - cx) ** 2 + (ys - cy) ** 2 < (60 + 15 * k) ** 2
            image[disc] = (40 * k, 255 - 50 * k, 120)
        image += rng.normal(0, 3, image.shape).astype(np.float32)
        yield np.clip(image, 0, 255).astype(np.uint8)


def make_clip(path: Path, seconds: float) -> str:
    n = round(seconds * FPS)
    samples = round(seconds * SAMPLE_RATE)
    if not REAL_CLIP.is_file():
        t = np.arange(samples, dtype=np.float32) / SAMPLE_RATE
        tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        audio = np.ascontiguousarray(np.stack([tone, tone], axis=1))
        track = AudioTrack(audio, SAMPLE_RATE)
        write_video(path, _synthetic_frames(n), FPS, (WIDTH, HEIGHT), track, crf=20)
        return "synthetic moving scene, untagged BT.601"
    source = decode_audio(REAL_CLIP, sample_rate=SAMPLE_RATE, channels=2)
    reps = -(-samples // max(source.frame_count, 1))
    audio = np.ascontiguousarray(np.tile(source.samples, (reps, 1))[:samples])
    with VideoReader(REAL_CLIP, cache_bytes=0) as reader:
        # The source's own matrix and tags (BT.709, as HD video nearly always is), so the
        # export pays what it pays on real footage.
        colors = reader.colors
        write_video(
            path,
            _real_frames(reader, n),
            FPS,
            (WIDTH, HEIGHT),
            AudioTrack(audio, SAMPLE_RATE),
            crf=20,
            colors=colors,
        )
    return f"{REAL_CLIP.name}, looped; {colors.matrix.name}{'' if colors.tagged else ' untagged'}"


def three_indicators(video: Path, seconds: float, third: IndicatorStyle) -> Project:
    def moving(x0: float, y0: float, w: float, h: float) -> tuple[TrackPoint, ...]:
        return tuple(
            TrackPoint(
                float(t),
                Box(
                    x0 + 150 * np.sin(t / 7),
                    y0 + 60 * np.cos(t / 5),
                    x0 + w + 150 * np.sin(t / 7),
                    y0 + h + 60 * np.cos(t / 5),
                ),
            )
            for t in np.arange(0.0, seconds + 0.5, 0.5)
        )

    heat: tuple[HeatSample, ...] = ()
    if third is IndicatorStyle.HEATMAP:
        ys, xs = np.mgrid[0:14, 0:14].astype(np.float32)
        heat = tuple(
            HeatSample(
                float(t),
                np.exp(
                    -((xs - 7 - 5 * np.sin(t / 4)) ** 2 + (ys - 7 - 4 * np.cos(t / 3)) ** 2) / 8
                ).astype(np.float32),
            )
            for t in np.arange(0.0, seconds, 0.5)
        )
    phrases = tuple(Phrase(f"p{i}", f"narrated phrase {i}", 0.0, seconds) for i in range(3))
    return Project(
        video=VideoRef(str(video), seconds, WIDTH, HEIGHT, float(FPS)),
        phrases=phrases,
        indicators=(
            Indicator(
                "box", "p0", IndicatorStyle.BOX, color=PALETTE[0], track=moving(150, 120, 300, 220)
            ),
            Indicator(
                "dark",
                "p1",
                IndicatorStyle.DARKEN,
                color=PALETTE[1],
                track=moving(600, 250, 350, 300),
            ),
            Indicator(
                "third",
                "p2",
                third,
                color=PALETTE[2],
                track=moving(350, 300, 300, 250),
                heatmaps=heat,
            ),
        ),
        # Every indicator for its whole phrase, i.e. the whole clip.
        display=DisplaySettings(default_duration=None),
    )


def plain_transcode(source: Path, out: Path, crf: int, preset: str) -> None:
    """Decode and encode the video with the export's encoder settings; copy the audio."""
    with (
        av.open(str(source)) as inp,
        av.open(str(out), mode="w", format="mp4", options={"movflags": "faststart"}) as output,
    ):
        video_in = inp.streams.video[0]
        video_in.thread_type = "AUTO"
        audio_in = inp.streams.audio[0]
        video_out = output.add_stream(
            "libx264", rate=video_in.average_rate, options={"crf": str(crf), "preset": preset}
        )
        video_out.width, video_out.height, video_out.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video_out.codec_context.thread_type = "AUTO"
        video_out.time_base = video_in.time_base
        audio_out = output.add_stream_from_template(audio_in)
        for packet in inp.demux(video_in, audio_in):
            if packet.stream is audio_in:
                if packet.size:
                    packet.stream = audio_out
                    output.mux(packet)
                continue
            for frame in packet.decode():
                frame.pict_type = av.video.frame.PictureType.NONE
                output.mux(video_out.encode(frame))
        output.mux(video_out.encode(None))


# The exporter's render function, as ``export/video_frames.py`` calls it.
_RENDER = "render_frame"


@contextlib.contextmanager
def _drawing_discarded() -> Iterator[None]:
    """Within: the exporter renders each frame as usual but encodes the undrawn frame."""
    render = getattr(video_frames, _RENDER)

    def render_and_discard(image: np.ndarray, project: Project, t: float) -> np.ndarray:
        render(image, project, t)
        return image

    setattr(video_frames, _RENDER, render_and_discard)
    try:
        yield
    finally:
        setattr(video_frames, _RENDER, render)


def _rendered_not_drawn(project: Project, out: Path, options: VideoExportOptions) -> None:
    with _drawing_discarded():
        export_video(project, out, options)


def _timed(work: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (all threads of this process) of ``work()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2, help="alternating rounds (default 2)")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--preset", choices=X264_PRESETS, default=DEFAULT_PRESET)
    parser.add_argument("--crf", type=int, default=DEFAULT_CRF)
    parser.add_argument(
        "--third", choices=["heatmap", "brighten"], default="heatmap", help="the third indicator"
    )
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also time an export that renders the indicators but encodes the undrawn frames",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        folder = Path(tmp)
        clip = folder / "clip.mp4"
        started = time.perf_counter()
        origin = make_clip(clip, args.seconds)
        print(
            f"clip: {args.seconds:g} s, {WIDTH}x{HEIGHT} {FPS} fps, AAC stereo ({origin}); "
            f"made in {time.perf_counter() - started:.1f} s"
        )
        project = three_indicators(clip, args.seconds, IndicatorStyle(args.third))
        bare = Project(video=project.video)
        options = VideoExportOptions(crf=args.crf, preset=args.preset, overwrite=True)
        runs: dict[str, Callable[[], object]] = {
            "plain decode+encode": lambda: plain_transcode(
                clip, folder / "plain.mp4", args.crf, args.preset
            ),
            "export, 3 indicators": lambda: export_video(project, folder / "a.mp4", options),
            "export, no indicator": lambda: export_video(bare, folder / "b.mp4", options),
        }
        if args.breakdown:
            runs["rendered, not drawn"] = lambda: _rendered_not_drawn(
                project, folder / "c.mp4", options
            )
        wall: dict[str, list[float]] = {name: [] for name in runs}
        cpu: dict[str, list[float]] = {name: [] for name in runs}
        for round_ in range(args.runs):
            for name, work in runs.items():
                seconds, cpu_seconds = _timed(work)
                wall[name].append(seconds)
                cpu[name].append(cpu_seconds)
            print(
                f"  round {round_ + 1}: "
                + ", ".join(f"{n} {wall[n][-1]:.1f} s (CPU {cpu[n][-1]:.1f} s)" for n in runs)
                + f"; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
            )
        median = {name: statistics.median(wall[name]) for name in runs}
        median_cpu = {name: statistics.median(cpu[name]) for name in runs}
        print(
            f"settings: libx264 crf {args.crf} preset {args.preset} yuv420p, audio copied; "
            f"indicators: box + darken surround + {args.third}, all moving, whole clip"
        )
        for name in runs:
            print(
                f"{name:<22} median of {args.runs}: {median[name]:6.2f} s "
                f"(CPU {median_cpu[name]:.2f} s)"
            )
        plain, export = median["plain decode+encode"], median["export, 3 indicators"]
        print(f"ratio plain/export: {plain / export:.2f} (aim >= 0.7)")
        # CPU seconds are less disturbed by other work on the machine than wall-clock time.
        print(
            "ratio of CPU time plain/export: "
            f"{median_cpu['plain decode+encode'] / median_cpu['export, 3 indicators']:.2f}; "
            "plain/export without indicators: "
            f"{plain / median['export, no indicator']:.2f}"
        )
        print(f"export speed: {args.seconds / export:.1f}x real time")


if __name__ == "__main__":
    main()
