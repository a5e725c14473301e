"""The annotated-video export: preview/export equality, the encoded file, audio, ranges, odd
sizes, and that a cancel or a failure never leaves a broken or replaced output."""

from __future__ import annotations

import ast
import errno
import itertools
import platform
import subprocess
import sys
import threading
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from narrlocal_gui.core.model import (
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
from narrlocal_gui.core.visibility import visible_indicators
from narrlocal_gui.errors import ExportError
from narrlocal_gui.export import h264_encoder
from narrlocal_gui.export.audio_mux import PLAYABLE_IN_MP4
from narrlocal_gui.export.h264_encoder import even_size, pad_to_even
from narrlocal_gui.export.prefetch import Prefetch
from narrlocal_gui.export.video_export import export_still, export_video
from narrlocal_gui.export.video_frames import ExportFrame, export_span, rendered_frames
from narrlocal_gui.export.video_options import (
    AudioMode,
    ExportCancelled,
    ExportProgress,
    VideoExportOptions,
)
from narrlocal_gui.media.probe import probe
from narrlocal_gui.media.source import open_media
from narrlocal_gui.media.video_reader import VideoReader
from narrlocal_gui.progress import Cancelled
from narrlocal_gui.render.frame_render import render_frame
from tests.media_factory import counter_image, make_counter_clip, make_image, read_counter

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "narrlocal_gui"
SIZE = (64, 48)
FRAMES = 45  # 1.5 s at 30 fps
BOX_END = 0.5  # the box indicator's own duration runs out on frame 15


def annotated_project(video: Path, width: int = SIZE[0], height: int = SIZE[1]) -> Project:
    """A box (shown 0.5 s by its own duration), a darkened surround and a heat map, each moving,
    over a ``width`` x ``height`` clip of 1.5 s."""
    w, h = float(width), float(height)

    def track(x0: float) -> tuple[TrackPoint, ...]:
        return (
            TrackPoint(0.0, Box(x0, h * 0.2, x0 + w * 0.3, h * 0.7)),
            TrackPoint(1.5, Box(x0 + w * 0.2, h * 0.3, x0 + w * 0.5, h * 0.8)),
        )

    grid = np.zeros((4, 6), dtype=np.float32)
    grid[1:3, 1:3] = 1.0
    heat = (HeatSample(0.6, grid), HeatSample(1.4, np.roll(grid, 3, axis=1)))
    return Project(
        video=VideoRef(str(video), 1.5, width, height, 30.0),
        phrases=(
            Phrase("p-box", "the box", 0.0, 1.5),
            Phrase("p-dark", "dark around", 0.2, 1.0),
            Phrase("p-heat", "heat", 0.6, 1.4),
        ),
        indicators=(
            Indicator(
                "box", "p-box", IndicatorStyle.BOX, duration_override=BOX_END, track=track(2.0)
            ),
            Indicator(
                "dark", "p-dark", IndicatorStyle.DARKEN, color=PALETTE[1], track=track(w * 0.4)
            ),
            Indicator("heat", "p-heat", IndicatorStyle.HEATMAP, color=PALETTE[2], heatmaps=heat),
        ),
        display=DisplaySettings(default_duration=None),
    )


def odd_clip(path: Path, size: tuple[int, int] = (65, 49), n_frames: int = 12) -> Path:
    """An H.264 clip with an odd width and height (4:4:4 chroma allows them), no audio."""
    width, height = size
    with av.open(str(path), mode="w") as out:
        stream = out.add_stream("libx264", rate=30, options={"crf": "10"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv444p"
        for i in range(n_frames):
            frame = av.VideoFrame.from_ndarray(counter_image(i, size), format="rgb24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def pcm_audio_clip(path: Path, n_frames: int = 15) -> Path:
    """A Matroska clip whose audio is PCM, which MP4 players do not take as it is."""
    rate = 48000
    with av.open(str(path), mode="w", format="matroska") as out:
        video = out.add_stream("libx264", rate=30)
        video.width, video.height, video.pix_fmt = *SIZE, "yuv420p"
        audio = out.add_stream("pcm_s16le", rate=rate)
        audio.layout = "mono"
        for i in range(n_frames):
            frame = av.VideoFrame.from_ndarray(counter_image(i, SIZE), format="rgb24")
            frame.pts = i
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        samples = (np.sin(np.arange(rate // 2) / 10.0) * 8000).astype(np.int16)[None, :]
        block = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        block.sample_rate = rate
        block.pts = 0
        out.mux(audio.encode(block))
        out.mux(audio.encode(None))
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("export-clips")
    return {
        "plain": make_counter_clip(folder / "plain.mp4", n_frames=FRAMES, size=SIZE),
        "vfr": make_counter_clip(folder / "vfr.mp4", n_frames=FRAMES, size=SIZE, vfr=True),
        "rotated": make_counter_clip(
            folder / "rotated.mp4", n_frames=FRAMES, size=SIZE, rotation=90, with_audio=False
        ),
        "odd": odd_clip(folder / "odd.mp4"),
    }


@pytest.fixture
def clip(clips: dict[str, Path]) -> Path:
    return clips["plain"]


def decoded(path: Path) -> tuple[list[np.ndarray], list[float]]:
    """Every picture of ``path``'s video (RGB, upright as stored) and its time in seconds."""
    with av.open(str(path)) as container:
        frames = list(container.decode(video=0))
    return [f.to_ndarray(format="rgb24") for f in frames], [float(f.time or 0.0) for f in frames]


def audio_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return []
        return [bytes(p) for p in container.demux(audio=0) if p.size]


def audio_codec(path: Path) -> str | None:
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return None
        return str(container.streams.audio[0].codec_context.name)


def audio_seconds(path: Path) -> tuple[float, float]:
    """Seconds of audio the container declares, and seconds a decoder gives (which includes
    the padding of the last AAC frame, up to 1024 samples)."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        declared = float((stream.duration or 0) * (stream.time_base or 0))
        samples = sum(f.samples for f in container.decode(stream))
        return declared, samples / float(stream.codec_context.sample_rate)


def exported_frames(
    project: Project, path: Path, *, pass_through: bool = False, **range_: float
) -> list[ExportFrame]:
    """The frames an export feeds its encoder; ``pass_through``: frames with nothing visible
    as the source's own planes, as ``export_video`` asks for them."""
    with open_media(path, cache_bytes=0) as source:
        span = export_span(source, range_.get("start"), range_.get("end"))
        assert isinstance(source, VideoReader)
        planes_of = source if pass_through else None
        return list(rendered_frames(project, source, span, planes_of=planes_of))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial" in p.name)


# -- preview and export agree ----------------------------------------------------------------


@pytest.mark.parametrize("pass_through", [False, True], ids=["pictures", "pass-through"])
@pytest.mark.parametrize("kind", ["plain", "vfr", "rotated", "odd"])
def test_every_exported_frame_is_the_player_frame_pixel_for_pixel(
    clips: dict[str, Path], kind: str, pass_through: bool
) -> None:
    path = clips[kind]
    with open_media(path) as probe_source:
        width, height = probe_source.info.width, probe_source.info.height
    project = annotated_project(path, width, height)
    frames = exported_frames(project, path, pass_through=pass_through)
    with open_media(path) as player:
        assert [f.index for f in frames] == list(range(player.info.frame_count))
        for exported in frames:
            t = player.time_of(exported.index)
            assert exported.time == t
            # The player's path: the frame shown at t, drawn by the player's render function.
            shown = render_frame(player.frame_at(t).image, project, t)
            assert np.array_equal(shown, exported.picture()), f"{kind}: frame {exported.index}"
    # Only frames with nothing visible pass through, and only where the reader's picture is
    # the planes converted (not for a rotated or odd-sized source).
    passed = [f.index for f in frames if f.planes is not None]
    assert all(not visible_indicators(project, frames[i].time) for i in passed)
    assert bool(passed) == (pass_through and kind in ("plain", "vfr"))


def test_the_compared_frames_really_show_the_indicators(clip: Path) -> None:
    project = annotated_project(clip)
    frames = exported_frames(project, clip)
    with open_media(clip) as player:
        plain = [player.frame_by_index(i).image for i in range(FRAMES)]
    styles = [{v.style for v in visible_indicators(project, f.time)} for f in frames]
    assert IndicatorStyle.BOX in styles[3] and IndicatorStyle.DARKEN not in styles[3]
    assert {IndicatorStyle.BOX, IndicatorStyle.DARKEN} <= styles[9]
    assert {IndicatorStyle.DARKEN, IndicatorStyle.HEATMAP} <= styles[21]
    assert styles[40] == {IndicatorStyle.HEATMAP}
    # The box's own duration ends at 0.5 s: frame 14 still shows it, frame 15 does not.
    assert IndicatorStyle.BOX in styles[14] and IndicatorStyle.BOX not in styles[15]
    for index in (3, 9, 21, 40, 14):
        assert not np.array_equal(frames[index].image, plain[index])
    # The box's bottom edge (below the labels) is in its colour on frame 14 only.
    box = next(i for i in project.indicators if i.id == "box")
    (shown,) = [v for v in visible_indicators(project, frames[14].time) if v.style.value == "box"]
    assert shown.box is not None
    x, y = round((shown.box.x1 + shown.box.x2) / 2), round(shown.box.y2) - 1
    assert tuple(frames[14].image[y, x]) == box.color
    assert tuple(frames[15].image[y, x]) != box.color
    assert np.array_equal(frames[44].image, plain[44])  # nothing visible at the very end


def test_a_range_starts_with_the_frame_shown_at_its_start(clip: Path) -> None:
    project = annotated_project(clip)
    frames = exported_frames(project, clip, start=0.51, end=1.0)
    assert [f.index for f in frames] == list(range(15, 30))
    assert frames[0].time == 0.51 and frames[0].output_time == 0.0
    assert frames[1].output_time == pytest.approx(16 / 30 - 0.51)
    with open_media(clip) as player:
        shown = render_frame(player.frame_at(0.51).image, project, 0.51)
    assert np.array_equal(shown, frames[0].image)


def test_one_render_path_for_player_cli_and_export() -> None:
    for relative in ("ui/media_worker.py", "cli/frame.py", "export/video_frames.py"):
        tree = ast.parse((PACKAGE / relative).read_text(encoding="utf-8"))
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        assert "render_frame" in names, relative
        assert not names & {"render_indicators", "visible_indicators"}, relative


# -- the encoded file ------------------------------------------------------------------------


def test_export_writes_h264_with_the_source_rate_and_copied_audio(
    clip: Path, tmp_path: Path
) -> None:
    project = annotated_project(clip)
    seen: list[ExportProgress] = []
    result = export_video(project, tmp_path / "out.mp4", progress=seen.append)
    assert result.path == tmp_path / "out.mp4" and result.frames == FRAMES
    assert (result.width, result.height, result.audio_codec) == (*SIZE, "aac")
    assert result.duration == pytest.approx(1.5) and result.speed > 0
    info = probe(result.path)
    assert (info.width, info.height, info.frame_count, info.rotation) == (*SIZE, FRAMES, 0)
    assert info.fps == pytest.approx(30.0, rel=1e-3)
    assert info.duration == pytest.approx(1.5, abs=1 / 30)
    with av.open(str(result.path)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.name, video.codec_context.pix_fmt) == ("h264", "yuv420p")
    # Copied, not re-encoded: the very packets of the source.
    assert audio_packets(result.path) == audio_packets(clip)
    # The encoded pictures are the rendered ones (up to compression).
    pictures, _ = decoded(result.path)
    rendered = exported_frames(project, clip)
    for index in (3, 21, 40):
        error = np.abs(pictures[index].astype(int) - rendered[index].image.astype(int)).mean()
        assert error < 6, index
    assert leftovers(tmp_path) == []
    # Progress: from nothing to everything, with an estimate once frames are done.
    assert seen[0].frames_done == 0 and seen[0].eta is None
    assert seen[-1].frames_done == seen[-1].frames_total == FRAMES
    assert seen[-1].seconds_done == seen[-1].seconds_total == pytest.approx(1.5)
    assert all(a.frames_done <= b.frames_done for a, b in itertools.pairwise(seen))


@pytest.mark.parametrize("mode", [AudioMode.AAC, AudioMode.NONE])
def test_audio_can_be_reencoded_or_left_out(clip: Path, tmp_path: Path, mode: AudioMode) -> None:
    out = tmp_path / "out.mp4"
    result = export_video(annotated_project(clip), out, VideoExportOptions(audio=mode))
    if mode is AudioMode.NONE:
        assert result.audio_codec is None and audio_codec(out) is None
        return
    assert result.audio_codec == audio_codec(out) == "aac"
    assert audio_packets(out) != audio_packets(clip)
    declared, played = audio_seconds(out)
    assert declared == pytest.approx(1.5, abs=1e-3)
    assert 1.5 - 1e-3 <= played <= 1.5 + 1024 / 48000


def test_audio_mp4_players_lack_is_encoded_as_aac_or_refused_for_copy(tmp_path: Path) -> None:
    source = pcm_audio_clip(tmp_path / "pcm.mkv")
    assert "pcm_s16le" not in PLAYABLE_IN_MP4
    project = annotated_project(source)
    result = export_video(project, tmp_path / "auto.mp4")
    assert result.audio_codec == audio_codec(result.path) == "aac"
    with pytest.raises(ExportError, match=r"pcm_s16le.*cannot be copied"):
        export_video(project, tmp_path / "copy.mp4", VideoExportOptions(audio=AudioMode.COPY))
    assert not (tmp_path / "copy.mp4").exists()


@pytest.mark.parametrize("mode", [AudioMode.COPY, AudioMode.AAC])
def test_range_export_starts_at_zero_and_lasts_the_range(
    clip: Path, tmp_path: Path, mode: AudioMode
) -> None:
    out = tmp_path / "range.mp4"
    options = VideoExportOptions(start=0.5, end=1.0, audio=mode)
    result = export_video(annotated_project(clip), out, options)
    assert result.frames == 15 and result.duration == pytest.approx(0.5)
    pictures, times = decoded(out)
    assert len(pictures) == 15
    assert times[0] == pytest.approx(0.0, abs=1e-3)
    assert times[-1] == pytest.approx(14 / 30, abs=1e-3)
    # Copied packets keep AAC's 1024-sample granularity; re-encoding cuts to the sample.
    declared, played = audio_seconds(out)
    frame = 1024 / 48000
    assert declared == pytest.approx(0.5, abs=frame + 1e-3 if mode is AudioMode.COPY else 1e-3)
    assert 0.5 - frame - 1e-3 <= played <= 0.5 + frame + 1e-3


def test_range_of_a_plain_project_shows_the_right_source_frames(clip: Path, tmp_path: Path) -> None:
    plain = Project(video=VideoRef(str(clip)))
    out = export_video(plain, tmp_path / "r.mp4", VideoExportOptions(start=1.0)).path
    pictures, _ = decoded(out)
    assert [read_counter(p) for p in pictures] == list(range(30, FRAMES))


def test_variable_frame_rate_keeps_each_frame_time(clips: dict[str, Path], tmp_path: Path) -> None:
    source = clips["vfr"]
    result = export_video(annotated_project(source), tmp_path / "vfr.mp4")
    _, times = decoded(result.path)
    with open_media(source) as reader:
        expected = reader.frame_times
    assert np.allclose(times, expected, atol=1e-4)


def test_odd_sizes_are_padded_by_repeating_the_edge(clips: dict[str, Path], tmp_path: Path) -> None:
    source = clips["odd"]
    project = annotated_project(source, 65, 49)
    # Lossless, and compared by luma: 4:2:0 halves the colour's resolution, and the labels'
    # colours cover much of so small a frame.
    result = export_video(project, tmp_path / "odd.mp4", options=VideoExportOptions(crf=0))
    assert (result.width, result.height) == (66, 50) == even_size(65, 49)
    pictures, _ = decoded(result.path)
    rendered = exported_frames(project, source)
    weights = np.array([0.299, 0.587, 0.114])
    for picture, frame in zip(pictures, rendered, strict=True):
        luma, want = picture.astype(float) @ weights, frame.image.astype(float) @ weights
        inner = np.abs(luma[:49, :65] - want).mean()
        assert inner < 2
        # Nothing moved: the picture is closer to the render than to it a pixel off.
        assert inner < np.abs(luma[1:50, :65] - want).mean()
        assert inner < np.abs(luma[:49, 1:66] - want).mean()
    image = np.arange(5 * 7 * 3, dtype=np.uint8).reshape(5, 7, 3)
    padded = pad_to_even(image)
    assert padded.shape == (6, 8, 3)
    assert np.array_equal(padded[:5, :7], image)
    assert np.array_equal(padded[5, :7], image[4]) and np.array_equal(padded[:5, 7], image[:, 6])
    even = np.zeros((4, 6, 3), np.uint8)
    assert pad_to_even(even) is even


def test_rotated_source_is_exported_upright(clips: dict[str, Path], tmp_path: Path) -> None:
    source = clips["rotated"]
    plain = Project(video=VideoRef(str(source)))
    result = export_video(plain, tmp_path / "upright.mp4")
    info = probe(result.path)
    assert (info.width, info.height, info.rotation) == (SIZE[1], SIZE[0], 0)
    pictures, _ = decoded(result.path)
    assert read_counter(np.rot90(pictures[7], 1)) == 7  # turned back, it reads as stored


# -- nothing broken, nothing overwritten -----------------------------------------------------


def test_cancel_leaves_no_file_and_keeps_the_existing_one(clip: Path, tmp_path: Path) -> None:
    project = annotated_project(clip)
    fresh, existing = tmp_path / "fresh.mp4", tmp_path / "existing.mp4"
    existing.write_bytes(b"the user's video")
    calls = 0

    def cancel() -> bool:
        nonlocal calls
        calls += 1
        return calls > 5

    with pytest.raises(ExportCancelled) as caught:
        export_video(project, fresh, cancel=cancel)
    assert isinstance(caught.value, Cancelled)  # what GUI workers treat as a cancel
    assert calls == 6  # checked between frames
    calls = 0
    with pytest.raises(ExportCancelled):
        export_video(project, existing, VideoExportOptions(overwrite=True), cancel=cancel)
    assert not fresh.exists()
    assert existing.read_bytes() == b"the user's video"
    assert leftovers(tmp_path) == []


def test_an_existing_file_is_replaced_only_when_allowed(clip: Path, tmp_path: Path) -> None:
    project = annotated_project(clip)
    out = tmp_path / "out.mp4"
    out.write_bytes(b"keep me")
    with pytest.raises(ExportError, match="already exists"):
        export_video(project, out)
    assert out.read_bytes() == b"keep me"
    export_video(project, out, VideoExportOptions(overwrite=True, end=0.2))
    assert probe(out).frame_count == 6


def test_a_file_appearing_during_the_export_is_not_replaced(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"

    def sneak_in(progress: ExportProgress) -> None:
        if progress.frames_done == 0:
            out.write_bytes(b"written meanwhile")

    with pytest.raises(ExportError, match="already exists"):
        export_video(annotated_project(clip), out, progress=sneak_in)
    assert out.read_bytes() == b"written meanwhile"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "the disk is full"),
        (av.error.FFmpegError(errno.EIO, "Input/output error"), "Input/output error"),
    ],
)
def test_a_failing_encoder_gives_a_clear_error_and_no_file(
    clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception, message: str
) -> None:
    out = tmp_path / "out.mp4"
    out.write_bytes(b"old export")
    real_write = h264_encoder.H264Encoder.write
    count = 0

    def failing(self: h264_encoder.H264Encoder, frame: av.VideoFrame) -> None:
        nonlocal count
        count += 1
        if count == 4:
            raise error
        real_write(self, frame)

    monkeypatch.setattr(h264_encoder.H264Encoder, "write", failing)
    with pytest.raises(ExportError, match=message) as caught:
        export_video(annotated_project(clip), out, VideoExportOptions(overwrite=True))
    text = str(caught.value)
    assert text.startswith(f"Cannot write '{out}'") and text.endswith(".") and "\n" not in text
    assert out.read_bytes() == b"old export"
    assert leftovers(tmp_path) == []


def test_unusable_outputs_and_inputs_are_refused_before_any_work(
    clip: Path, tmp_path: Path
) -> None:
    project = annotated_project(clip)
    cases = {
        tmp_path / "missing" / "out.mp4": "does not exist",
        tmp_path / "out.avi": "ending in .mp4",
        tmp_path: "is a folder",
    }
    for out, message in cases.items():
        with pytest.raises(ExportError, match=message):
            export_video(project, out)
    with pytest.raises(ExportError, match="project's own video"):
        export_video(project, clip, VideoExportOptions(overwrite=True))
    with pytest.raises(ExportError, match="has no video"):
        export_video(Project(), tmp_path / "a.mp4")
    with pytest.raises(ExportError, match="is missing"):
        export_video(Project(video=VideoRef(str(tmp_path / "gone.mp4"))), tmp_path / "a.mp4")
    picture = make_image(tmp_path / "still.png")
    with pytest.raises(ExportError, match="still image"):
        export_video(Project(video=VideoRef(str(picture))), tmp_path / "a.mp4")
    with pytest.raises(ExportError, match="cannot start at 5"):
        export_video(project, tmp_path / "a.mp4", VideoExportOptions(start=5.0))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["still.png"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"crf": -1},
        {"crf": 52},
        {"crf": True},
        {"crf": 20.5},
        {"preset": "fastest"},
        {"audio": "loud"},
        {"aac_bitrate": 8_000},
        {"start": -1.0},
        {"end": float("nan")},
        {"start": 2.0, "end": 1.0},
        {"end": 0.0},
    ],
)
def test_options_are_validated(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        VideoExportOptions(**kwargs)  # type: ignore[arg-type]


def test_options_defaults() -> None:
    options = VideoExportOptions(audio="aac")  # type: ignore[arg-type]
    assert options.audio is AudioMode.AAC
    assert (VideoExportOptions().crf, VideoExportOptions().preset) == (18, "medium")


# -- stills ----------------------------------------------------------------------------------


def test_still_is_the_rendered_frame(clip: Path, tmp_path: Path) -> None:
    project = annotated_project(clip)
    out = export_still(project, 0.7, tmp_path / "still.png")
    with open_media(clip) as player:
        expected = render_frame(player.frame_at(0.7).image, project, 0.7)
    assert np.array_equal(np.asarray(Image.open(out).convert("RGB")), expected)
    with pytest.raises(ExportError, match="already exists"):
        export_still(project, 0.2, out)
    export_still(project, 0.2, out, overwrite=True)
    with pytest.raises(ExportError, match=r"\.png"):
        export_still(project, 0.2, tmp_path / "still.jpg")
    with pytest.raises(ExportError, match="after the end"):
        export_still(project, 9.0, tmp_path / "late.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["still.png"]


# -- encoder details -------------------------------------------------------------------------


def test_encoder_gives_increasing_timestamps_even_for_near_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "dup.mp4"
    with av.open(str(path), mode="w") as out:
        encoder = h264_encoder.H264Encoder(out, *SIZE, Fraction(30), crf=30, preset="ultrafast")
        for seconds in (0.0, 0.000001, 0.1):
            encoder.encode(counter_image(0, SIZE), seconds)
        encoder.finish()
        with pytest.raises(ValueError, match="frames must be"):
            encoder.encode(np.zeros((4, 4, 3), np.uint8), 0.2)
    _, times = decoded(path)
    assert len(times) == 3 and times[0] < times[1] < times[2]


@pytest.mark.skipif(
    sys.platform != "linux" or platform.libc_ver()[0] != "glibc", reason="glibc's allocator only"
)
@pytest.mark.parametrize("tuned", [False, True])
def test_freed_frame_buffers_are_reused_instead_of_faulted_in_again(tuned: bool) -> None:
    code = (
        "import resource, sys, numpy as np\n"
        "from narrlocal_gui.export.allocator import keep_freed_memory\n"
        f"assert keep_freed_memory() if {tuned} else True\n"
        "def frames():\n"
        "    for _ in range(10):\n"
        "        pictures = [np.ones((720, 1280, 3), np.uint8) for _ in range(4)]\n"
        "        del pictures\n"
        "frames()\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
        "frames()\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    faults = int(done.stdout.strip())
    # 10 rounds of 4 x 2.7 MB: ~26000 page faults when the heap is trimmed after each.
    assert faults < 1000 if tuned else faults > 10000


# -- the helper thread -----------------------------------------------------------------------


def test_prefetch_yields_in_order_and_reraises_the_iterators_error() -> None:
    def numbers() -> Iterator[int]:
        yield from range(5)
        raise ValueError("decoder broke")

    with Prefetch(numbers, 2, "test-prefetch") as items:
        got = []
        with pytest.raises(ValueError, match="decoder broke"):
            for item in items:
                got.append(item)
    assert got == [0, 1, 2, 3, 4]


def test_prefetch_closed_early_stops_and_closes_the_iterator_on_its_thread() -> None:
    closed_on: list[str] = []

    def endless() -> Iterator[int]:
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed_on.append(threading.current_thread().name)

    prefetch = Prefetch(endless, 3, "test-prefetch-endless")
    assert [next(prefetch) for _ in range(4)] == [0, 1, 2, 3]
    prefetch.close()
    assert closed_on == ["test-prefetch-endless"]
    assert "test-prefetch-endless" not in {t.name for t in threading.enumerate()}
    with pytest.raises(StopIteration):
        next(prefetch)


@pytest.mark.parametrize(("darken", "grayscale"), [(0.55, False), (0.0, True), (0.4, True)])
def test_the_surround_rendered_into_a_new_frame_is_the_in_place_one(
    darken: float, grayscale: bool
) -> None:
    """The renderer's one-pass surround (no copy of the frame first) draws what the in-place
    effect draws on a copy, and leaves its read-only source alone."""
    from narrlocal_gui.render.geometry import PixelRect
    from narrlocal_gui.render.regions import apply_surround, surrounded

    rng = np.random.default_rng(7)
    frame = rng.integers(0, 256, (90, 161, 3), dtype=np.uint8)
    frame.setflags(write=False)
    before = frame.copy()
    rects = [PixelRect(10, 5, 60, 40), PixelRect(40, 30, 150, 88), PixelRect(0, 0, 161, 2)]
    expected = frame.copy()
    apply_surround(expected, rects, darken, grayscale)
    out = surrounded(frame, rects, darken, grayscale)
    assert out.flags.c_contiguous and out.flags.writeable
    assert np.array_equal(out, expected)
    assert not np.array_equal(out, frame)  # something was darkened or grayed
    assert np.array_equal(frame, before)
    # A non-contiguous view (a mirrored frame) works the same.
    flipped = frame[:, ::-1]
    expected_flipped = np.ascontiguousarray(flipped)
    apply_surround(expected_flipped, rects, darken, grayscale)
    assert np.array_equal(surrounded(flipped, rects, darken, grayscale), expected_flipped)
