"""The YUV <-> RGB pair the reader decodes with and the exporter encodes with.

What matters to the user: an exported video keeps the source's pixels wherever nothing was
drawn, and shows them in the source's colours (its matrix, and its tags, so that players
read both files alike).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from narrlocal_gui.core.model import Project, VideoRef
from narrlocal_gui.export.h264_encoder import H264Encoder
from narrlocal_gui.export.video_export import export_video
from narrlocal_gui.export.video_options import VideoExportOptions
from narrlocal_gui.media.video_reader import VideoReader
from narrlocal_gui.media.writer import write_video
from narrlocal_gui.media.yuv_colors import (
    Matrix,
    YuvColors,
    _to_rgb,
    fast_path_colors,
    rgb_to_yuv420,
    source_colors,
    yuv420_to_rgb,
)

W, H = 96, 64
BT601 = YuvColors(Matrix.BT601)
BT709 = YuvColors(Matrix.BT709, tagged=True)


def planes(seed: int, width: int = W, height: int = H) -> np.ndarray:
    """I420 planes of colours well inside the RGB cube (nothing is clipped)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(60, 200, (height, width), dtype=np.uint8)
    chroma = rng.integers(108, 148, (height // 2 * 2, width // 2), dtype=np.uint8)
    return np.concatenate([y.reshape(-1), chroma.reshape(-1)]).reshape(height * 3 // 2, width)


def reference_rgb(yuv: np.ndarray, matrix: Matrix) -> np.ndarray:
    """The matrix's definition in floating point (limited range, chroma repeated 2 x 2)."""
    kr, kb = matrix.value
    kg = 1 - kr - kb
    y = (yuv[:H].astype(np.float64) - 16) * 255 / 219
    chroma = yuv[H:].reshape(2, H // 2, W // 2).astype(np.float64) - 128
    u, v = (c.repeat(2, 0).repeat(2, 1) * 255 / 224 for c in chroma)
    r = y + 2 * (1 - kr) * v
    b = y + 2 * (1 - kb) * u
    g = (y - kr * r - kb * b) / kg
    return np.clip(np.rint(np.stack([r, g, b], -1)), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("colors", [BT601, BT709], ids=["bt601", "bt709"])
def test_rgb_is_the_matrix_definition(colors: YuvColors) -> None:
    yuv = planes(1)
    got = yuv420_to_rgb(yuv, colors).astype(int)
    assert np.abs(got - reference_rgb(yuv, colors.matrix)).max() <= 1


@pytest.mark.parametrize("size", [(2, 2), (6, 4), (98, 66), (1280, 720)])
def test_bt709_chroma_covers_its_two_by_two_block(size: tuple[int, int]) -> None:
    # The fast chroma doubling must equal the plain nearest-neighbour resize, exactly.
    width, height = size
    rng = np.random.default_rng(width)
    yuv = rng.integers(0, 256, (height * 3 // 2, width), dtype=np.uint8)
    chroma = yuv[height:].reshape(2, height // 2, width // 2)
    u, v = (cv2.resize(c, (width, height), interpolation=cv2.INTER_NEAREST) for c in chroma)
    expected = cv2.transform(cv2.merge([yuv[:height], u, v]), _to_rgb(Matrix.BT709))
    assert np.array_equal(yuv420_to_rgb(yuv, BT709), expected)


@pytest.mark.parametrize("colors", [BT601, BT709], ids=["bt601", "bt709"])
def test_to_rgb_and_back_keeps_the_samples(colors: YuvColors) -> None:
    yuv = planes(2)
    back = rgb_to_yuv420(yuv420_to_rgb(yuv, colors), colors)
    assert back.shape == yuv.shape and back.dtype == np.uint8
    diff = np.abs(back.astype(int) - yuv)
    assert diff.max() <= 1
    assert (diff == 0).mean() > 0.95


def test_bt601_is_what_ffmpeg_decodes_an_untagged_frame_as() -> None:
    yuv = planes(3)
    frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
    ffmpeg = frame.to_ndarray(format="rgb24").astype(int)
    # swscale's fast path rounds coarsely: a level or two.
    assert np.abs(yuv420_to_rgb(yuv, BT601).astype(int) - ffmpeg).max() <= 3
    assert np.abs(yuv420_to_rgb(yuv, BT709).astype(int) - ffmpeg).max() > 10  # other matrix


def test_which_frames_take_this_path_and_which_matrix_a_file_has() -> None:
    assert fast_path_colors("yuv420p", W, H, 2, 0) == YuvColors(Matrix.BT601, tagged=False)
    assert fast_path_colors("yuv420p", W, H, 6, 1) == YuvColors(Matrix.BT601, tagged=True)
    assert fast_path_colors("yuv420p", W, H, 1, 1) == BT709
    assert fast_path_colors("yuv420p", W, H, 2, 2) is None  # full range: swscale
    assert fast_path_colors("yuv420p", W + 1, H, 2, 0) is None  # odd width
    assert fast_path_colors("yuv444p", W, H, 2, 0) is None
    assert fast_path_colors("yuv420p", W, H, 9, 1) is None  # BT.2020: swscale
    assert source_colors(9) == YuvColors(Matrix.BT601, tagged=False)
    assert source_colors(1) == BT709


def lossless_source(path: Path, colors: YuvColors, n: int = 6) -> list[np.ndarray]:
    """A clip encoded losslessly with ``colors``; its I420 planes, frame by frame."""
    frames = [planes(10 + i) for i in range(n)]
    with av.open(str(path), mode="w") as out:
        encoder = H264Encoder(out, W, H, Fraction(30), crf=0, preset="ultrafast", colors=colors)
        for i, yuv in enumerate(frames):
            encoder.encode(yuv420_to_rgb(yuv, colors), i / 30)
        encoder.finish()
    return [rgb_to_yuv420(yuv420_to_rgb(p, colors), colors) for p in frames]


def decoded_planes(path: Path) -> tuple[list[np.ndarray], int, int]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        got = [f.to_ndarray() for f in container.decode(stream)]
        return got, int(stream.codec_context.colorspace), int(stream.codec_context.color_range)


@pytest.mark.parametrize("colors", [BT601, BT709], ids=["untagged-bt601", "bt709"])
def test_export_keeps_the_pixels_and_the_colour_tags_of_the_source(
    colors: YuvColors, tmp_path: Path
) -> None:
    source = tmp_path / "source.mp4"
    expected = lossless_source(source, colors)
    written, space, _ = decoded_planes(source)
    assert space == (1 if colors.tagged else 2)
    assert all(np.array_equal(a, b) for a, b in zip(written, expected, strict=True))
    with VideoReader(source) as reader:
        assert reader.colors == colors

    out = tmp_path / "out.mp4"
    project = Project(video=VideoRef(str(source), 6 / 30, W, H, 30.0))
    export_video(project, out, VideoExportOptions(crf=0, preset="ultrafast"))
    exported, space, rng = decoded_planes(out)
    assert (space, rng) == ((1, 1) if colors.tagged else (2, 0))
    assert len(exported) == len(written)
    # Nothing is drawn: every frame goes to the encoder as the very planes it was decoded
    # as, so a lossless export holds the source's samples exactly.
    for got, want in zip(exported, written, strict=True):
        assert np.array_equal(got, want)


@pytest.mark.parametrize("colors", [BT601, BT709], ids=["untagged-bt601", "bt709"])
def test_write_video_converts_and_tags_with_the_colours_asked_for(
    colors: YuvColors, tmp_path: Path
) -> None:
    frames = [yuv420_to_rgb(planes(20 + i), colors) for i in range(3)]
    path = write_video(tmp_path / "clip.mp4", frames, 30, (W, H), crf=0, colors=colors)
    written, space, rng = decoded_planes(path)
    assert (space, rng) == ((1, 1) if colors.tagged else (2, 0))
    for got, rgb in zip(written, frames, strict=True):
        assert np.array_equal(got, rgb_to_yuv420(rgb, colors))
    with VideoReader(path) as reader:
        assert reader.colors == colors
        assert np.array_equal(reader.frame_by_index(1).image, yuv420_to_rgb(written[1], colors))
