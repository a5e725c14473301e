"""write_video and the test media factory it serves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest

from narrlocal_gui.errors import MediaError
from narrlocal_gui.media.audio import AudioTrack
from narrlocal_gui.media.video_reader import VideoReader
from narrlocal_gui.media.writer import write_video
from tests.media_factory import counter_image, iter_counter_frames, read_counter, tone


def test_writes_h264_yuv420p_with_aac(tmp_path: Path) -> None:
    audio = AudioTrack(tone(1.0, 44100, 440.0, 1), 44100)
    path = write_video(tmp_path / "out.mp4", iter_counter_frames(25), 25, (160, 96), audio)
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        assert video.codec_context.name == "h264"
        assert video.codec_context.pix_fmt == "yuv420p"
        assert container.streams.audio[0].codec_context.name == "aac"
        assert container.streams.audio[0].codec_context.channels == 1
    with VideoReader(path) as reader:
        assert reader.frame_count == 25
        assert reader.info.fps == pytest.approx(25.0)
        assert read_counter(reader.frame_by_index(24).image) == 24
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]


def test_failed_write_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "keep.mp4"
    target.write_bytes(b"old contents")

    def frames() -> Iterator[np.ndarray]:
        yield counter_image(0)
        yield counter_image(1)
        raise RuntimeError("generator failed")

    with pytest.raises(RuntimeError, match="generator failed"):
        write_video(target, frames(), 30, (160, 96))
    assert target.read_bytes() == b"old contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.mp4"]


def test_argument_checks(tmp_path: Path) -> None:
    frames = [counter_image(0)]
    with pytest.raises(ValueError, match="even"):
        write_video(tmp_path / "a.mp4", frames, 30, (161, 96))
    with pytest.raises(ValueError, match="shape"):
        write_video(tmp_path / "a.mp4", [np.zeros((10, 10, 3), np.uint8)], 30, (160, 96))
    with pytest.raises(ValueError, match="no frames"):
        write_video(tmp_path / "a.mp4", [], 30, (160, 96))
    with pytest.raises(ValueError, match="not later"):
        write_video(tmp_path / "a.mp4", frames * 2, 30, (160, 96), frame_times=[0.0, 0.0])
    with pytest.raises(ValueError):
        write_video(tmp_path / "a.mp4", frames, 30, (160, 96), rotation=45)
    with pytest.raises(MediaError, match="folder does not exist"):
        write_video(tmp_path / "no" / "a.mp4", frames, 30, (160, 96))
    assert list(tmp_path.iterdir()) == []


def test_counter_code_round_trips_and_rejects_wrong_pictures() -> None:
    for value in (0, 1, 2, 1000, 2047, 4095):
        image = counter_image(value)
        assert read_counter(image) == value
        with pytest.raises(ValueError):
            read_counter(np.rot90(image, 2))
        with pytest.raises(ValueError):
            read_counter(image[:, ::-1])
    with pytest.raises(ValueError):
        counter_image(4096)
    with pytest.raises(ValueError):
        read_counter(np.zeros((96, 160, 3), np.uint8))
