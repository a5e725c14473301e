"""Real-world media from ../shared/media (skipped when that folder is absent)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from narrlocal_gui.media.audio import decode_audio
from narrlocal_gui.media.image_reader import ImageReader
from narrlocal_gui.media.media_info import MediaKind
from narrlocal_gui.media.probe import probe
from narrlocal_gui.media.source import open_media
from narrlocal_gui.media.video_reader import VideoReader, frame_rgb

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "media"

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/media is not available"),
]


def reference_frames(path: Path, wanted: set[int]) -> dict[int, np.ndarray]:
    """Decode the file from start to end without seeking; keep the wanted frames."""
    found: dict[int, np.ndarray] = {}
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for index, frame in enumerate(container.decode(stream)):
            if index in wanted:
                found[index] = frame_rgb(frame)  # the reader's own conversion
            if len(found) == len(wanted):
                break
    return found


def test_truncated_recording_opens_with_its_real_length() -> None:
    path = SHARED / "faults" / "truncated_header_says_421s.mp4"
    with av.open(str(path)) as container:
        assert (container.duration or 0) / av.time_base > 400  # the header's claim
    with VideoReader(path, cache_bytes=0) as reader:
        assert reader.duration == pytest.approx(58.4, abs=1.0)
        assert reader.info.duration == reader.duration
        assert reader.info.truncated and reader.info.declared_duration == pytest.approx(
            421.2, abs=1
        )
        n = reader.frame_count
        assert n == pytest.approx(58.4 * 30, abs=40)
        last = reader.frame_by_index(n - 1).image
        second_last = reader.frame_by_index(n - 2).image
        assert last.shape == (360, 480, 3) and second_last.shape == last.shape
        reference = reference_frames(path, {n - 2, n - 1})
        np.testing.assert_array_equal(last, reference[n - 1])
        np.testing.assert_array_equal(second_last, reference[n - 2])
        assert reader.frame_at(400.0).index == n - 1
    track = decode_audio(path, sample_rate=16000, channels=1)
    assert track is not None and track.duration == pytest.approx(58.4, abs=1.0)


def test_narrated_clip_seeks_to_exact_frames() -> None:
    path = SHARED / "narrated" / "howto_money_clip.mp4"
    with VideoReader(path, cache_bytes=0) as reader:
        assert reader.info.frame_count == 1741
        assert (reader.info.width, reader.info.height) == (480, 360)
        keys = [int(k) for k in reader.keyframe_indices[1:4]]
        wanted = {1700, 5, 900, 451, 0, 1740} | {k - 1 for k in keys} | set(keys)
        reference = reference_frames(path, wanted)
        for index in sorted(wanted, key=lambda i: (i * 7919) % 1741):  # scrambled order
            np.testing.assert_array_equal(reader.frame_by_index(index).image, reference[index])
    info = probe(path)
    assert info.has_audio and info.duration == pytest.approx(58.03, abs=0.05)


def test_real_images() -> None:
    for name in ("astronaut.png", "fruits.jpg"):
        with open_media(SHARED / "images" / name) as source:
            assert isinstance(source, ImageReader)
            assert source.info.kind is MediaKind.IMAGE
            image = source.frame_at(1.0).image
            assert image.shape == (source.info.height, source.info.width, 3)
            assert image.std() > 10  # a real photo, not a blank


def test_animated_gif_plays_as_video() -> None:
    with open_media(SHARED / "silent" / "cutting_loaf.gif") as source:
        assert isinstance(source, VideoReader)
        assert source.info.frame_count == 40
        assert source.info.duration == pytest.approx(4.0, abs=0.01)
        assert source.frame_at(3.95).index == 39
