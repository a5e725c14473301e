"""VideoReader: exact seeking, sequential decoding, timing, rotation, damaged files."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import av
import numpy as np
import pytest

from narrlocal_gui.media import packet_index as packet_index_module
from narrlocal_gui.media.frame import Frame
from narrlocal_gui.media.media_info import MediaKind
from narrlocal_gui.media.orientation import Orientation
from narrlocal_gui.media.video_reader import VideoReader
from narrlocal_gui.media.yuv_colors import yuv420_to_rgb
from narrlocal_gui.progress import Cancelled
from tests.media_factory import (
    VFR_INTERVALS,
    counter_clip_times,
    counter_image,
    make_corrupt_clip,
    make_counter_clip,
    make_long_clip,
    make_offset_clip,
    make_raw_h264,
    make_rotated_clip,
    make_truncated_clip,
    make_vfr_clip,
    read_counter,
)

N_FRAMES = 90
GOP = 10


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("video")
    return {
        "counter": make_counter_clip(d / "counter.mp4", n_frames=N_FRAMES, gop=GOP),
        "offset": make_offset_clip(d / "offset.mp4", start_time=1.5, n_frames=30),
        "vfr": make_vfr_clip(d / "vfr.mp4", n_frames=40),
        "truncated": make_truncated_clip(d / "truncated.mp4", n_frames=120, with_audio=False),
        "corrupt": make_corrupt_clip(d / "corrupt.mp4", corrupt_frames=(20,), n_frames=40),
        "mkv": make_counter_clip(d / "counter.mkv", n_frames=40, gop=8),
        "ts": make_counter_clip(d / "counter.ts", n_frames=40, gop=8),
    }


def counter_of(frame: Frame) -> int:
    return read_counter(frame.image)


def test_info_and_frame_times(clips: dict[str, Path]) -> None:
    with VideoReader(clips["counter"]) as reader:
        info = reader.info
        assert info.kind is MediaKind.VIDEO
        assert (info.width, info.height) == (160, 96)
        assert info.frame_count == N_FRAMES
        assert info.duration == pytest.approx(N_FRAMES / 30, abs=1e-6)
        assert info.fps == pytest.approx(30.0)
        assert info.rotation == 0
        assert info.has_audio and info.audio_codec == "aac"
        assert info.audio_sample_rate == 48000 and info.audio_channels == 2
        assert info.video_codec == "h264"
        assert info.size_bytes == clips["counter"].stat().st_size
        np.testing.assert_allclose(reader.frame_times, counter_clip_times(N_FRAMES), atol=1e-9)
        assert not reader.frame_times.flags.writeable
        assert list(reader.keyframe_indices) == list(range(0, N_FRAMES, GOP))


def test_random_seeks_are_frame_exact(clips: dict[str, Path]) -> None:
    rng = np.random.default_rng(7)
    # No cache: every request really seeks or decodes.
    with VideoReader(clips["counter"], cache_bytes=0) as reader:
        for index in rng.integers(0, N_FRAMES, 120):
            frame = reader.frame_by_index(int(index))
            assert frame.index == index
            assert counter_of(frame) == index
            assert frame.time == pytest.approx(index / 30)


def test_backward_steps_and_gop_boundaries(clips: dict[str, Path]) -> None:
    with VideoReader(clips["counter"], cache_bytes=0) as reader:
        for i in range(N_FRAMES - 1, -1, -1):  # stepping backwards, one frame at a time
            assert counter_of(reader.frame_by_index(i)) == i
        for k in range(0, N_FRAMES, GOP):
            for i in (k - 1, k, k + 1, k, k - 1):
                if 0 <= i < N_FRAMES:
                    assert counter_of(reader.frame_by_index(i)) == i


def test_sequential_reading_does_not_seek_per_frame(clips: dict[str, Path]) -> None:
    with VideoReader(clips["counter"], cache_bytes=0) as reader:
        seeks = reader.seek_count
        for i in range(N_FRAMES):
            assert counter_of(reader.frame_at(i / 30)) == i
        assert reader.seek_count == seeks
        # Playback that drops a few frames still decodes forward.
        reader.frame_by_index(1)
        seeks = reader.seek_count
        for i in range(4, N_FRAMES, 3):
            assert counter_of(reader.frame_by_index(i)) == i
        assert reader.seek_count == seeks
        # A long jump forward seeks instead of decoding everything in between.
        reader.frame_by_index(1)
        seeks = reader.seek_count
        assert counter_of(reader.frame_by_index(85)) == 85
        assert reader.seek_count == seeks + 1


def test_first_last_and_clamping(clips: dict[str, Path]) -> None:
    with VideoReader(clips["counter"]) as reader:
        last = N_FRAMES - 1
        assert counter_of(reader.frame_by_index(last)) == last
        assert counter_of(reader.frame_by_index(0)) == 0
        assert reader.frame_at(1e9).index == last
        assert reader.frame_at(reader.duration).index == last
        assert reader.frame_at(-3.0).index == 0
        assert reader.frame_by_index(10_000).index == last
        assert reader.frame_by_index(-5).index == 0
        assert reader.time_of(10_000) == reader.time_of(last)
        with pytest.raises(ValueError):
            reader.index_at(float("nan"))


def test_index_at_uses_display_intervals(clips: dict[str, Path]) -> None:
    with VideoReader(clips["counter"]) as reader:
        for i in (0, 1, 29, 30, 89):
            t = reader.time_of(i)
            assert reader.index_at(t) == i
            assert reader.index_at(t - 1e-9) == i  # i / fps rounding must not step back
            if i > 0:  # the one tolerance (core.frame_times) is far below a microsecond
                assert reader.index_at(t - 1e-6) == i - 1
            assert reader.index_at(t + 0.5 / 30) == i
        assert reader.index_at(np.float64(1.0)) == 30


def test_frames_are_read_only_rgb(clips: dict[str, Path]) -> None:
    with VideoReader(clips["counter"]) as reader:
        frame = reader.frame_by_index(3)
        assert frame.image.dtype == np.uint8 and frame.image.shape == (96, 160, 3)
        assert not frame.image.flags.writeable
        with pytest.raises(ValueError):
            frame.image[0, 0, 0] = 1
        # The pixels are the drawn ones (lossy, so compare loosely).
        diff = np.abs(frame.image.astype(int) - counter_image(3).astype(int))
        assert float(diff.mean()) < 8.0


def test_nonzero_start_time_is_media_time_zero(clips: dict[str, Path]) -> None:
    with av.open(str(clips["offset"])) as container:
        stream = container.streams.video[0]
        assert stream.start_time is not None and stream.time_base is not None
        assert float(stream.start_time * stream.time_base) == pytest.approx(1.5, abs=1e-3)
    with VideoReader(clips["offset"]) as reader:
        assert reader.origin == pytest.approx(1.5, abs=1e-3)
        assert reader.frame_times[0] == 0.0
        np.testing.assert_allclose(reader.frame_times, counter_clip_times(30), atol=1e-4)
        assert reader.duration == pytest.approx(1.0, abs=1e-3)
        assert counter_of(reader.frame_at(0.0)) == 0
        assert counter_of(reader.frame_at(0.5)) == 15
        assert counter_of(reader.frame_at(0.99)) == 29


def test_variable_frame_rate_times(clips: dict[str, Path]) -> None:
    expected = counter_clip_times(40, vfr=True)
    with VideoReader(clips["vfr"], cache_bytes=0) as reader:
        np.testing.assert_allclose(reader.frame_times, expected, atol=1e-4)
        assert expected[-1] < reader.duration < expected[-1] + max(VFR_INTERVALS) + 1e-3
        assert reader.info.fps == pytest.approx(40 / reader.duration)
        for i in (0, 5, 17, 39, 3, 22):
            mid = (expected[i] + (expected[i + 1] if i + 1 < 40 else reader.duration)) / 2
            frame = reader.frame_at(mid)
            assert frame.index == i and counter_of(frame) == i
            assert frame.time == pytest.approx(expected[i], abs=1e-4)


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_metadata_is_applied(tmp_path: Path, rotation: int) -> None:
    path = make_rotated_clip(tmp_path / f"rot{rotation}.mp4", rotation=rotation, n_frames=12)
    with VideoReader(path) as reader:
        assert reader.info.rotation == rotation
        expected_size = (96, 160) if rotation in (90, 270) else (160, 96)
        assert (reader.info.width, reader.info.height) == expected_size
        for i in (0, 7, 11):
            image = reader.frame_by_index(i).image
            assert image.shape[:2] == (expected_size[1], expected_size[0])
            # Turning it back (counter-clockwise) gives the upright counter picture.
            assert read_counter(np.rot90(image, rotation // 90)) == i
            with pytest.raises(ValueError):
                read_counter(image)


def test_orientation_follows_ffmpeg_display_matrix_rules() -> None:
    one = 1 << 16
    img = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)

    def matrix(a: int, b: int, c: int, d: int) -> list[int]:
        return [a, b, 0, c, d, 0, 0, 0, 1 << 30]

    cases = {
        # (m0, m1, m3, m4) -> expected picture
        (one, 0, 0, one): img,
        (0, -one, one, 0): np.rot90(img, 1),  # PyAV set_display_rotation(90): turn ccw
        (0, one, -one, 0): np.rot90(img, -1),  # phone portrait: turn clockwise
        (-one, 0, 0, -one): np.rot90(img, 2),
        (-one, 0, 0, one): img[:, ::-1],  # mirrored only
        (one, 0, 0, -one): img[::-1],  # upside-down mirror
    }
    for (m0, m1, m3, m4), expected in cases.items():
        orientation = Orientation.from_display_matrix(matrix(m0, m1, m3, m4))
        np.testing.assert_array_equal(orientation.apply(img), expected)
    assert Orientation.from_display_matrix(matrix(0, one, -one, 0)).rotation == 90
    assert Orientation.from_display_matrix(matrix(0, -one, one, 0)).rotation == 270
    assert Orientation.from_display_matrix([0] * 9).is_identity


def test_truncated_file_reports_true_duration(clips: dict[str, Path]) -> None:
    path = clips["truncated"]
    with av.open(str(path)) as container:
        header_seconds = (container.duration or 0) / av.time_base
    assert header_seconds == pytest.approx(4.0, abs=0.1)  # the header still claims it all
    with VideoReader(path, cache_bytes=0) as reader:
        assert 0.5 < reader.duration < 3.0
        assert reader.info.duration == reader.duration
        n = reader.frame_count
        assert n < 120
        for i in (n - 1, n - 2, 0, n // 2):
            assert counter_of(reader.frame_by_index(i)) == i


def test_damaged_packet_is_skipped(clips: dict[str, Path]) -> None:
    with VideoReader(clips["corrupt"], cache_bytes=0) as reader:
        for i in range(0, 20):
            assert counter_of(reader.frame_by_index(i)) == i
        # The damaged frame shows its nearest decodable predecessor, like a player would.
        damaged = reader.frame_by_index(20)
        assert damaged.index == 20
        assert counter_of(damaged) == 19
        assert reader.decode_error_count >= 1
        for i in (36, 39, 24):  # later GOPs decode normally
            assert counter_of(reader.frame_by_index(i)) == i


@pytest.mark.parametrize("name", ["mkv", "ts"])
def test_other_containers_seek_exactly(clips: dict[str, Path], name: str) -> None:
    with VideoReader(clips[name], cache_bytes=0) as reader:
        assert reader.frame_count == 40
        assert reader.frame_times[0] == 0.0
        for i in (39, 0, 17, 8, 7, 25, 24, 3):
            assert counter_of(reader.frame_by_index(i)) == i


def test_cache_serves_repeats_within_its_byte_bound(clips: dict[str, Path]) -> None:
    frame_bytes = 160 * 96 * 3
    with VideoReader(clips["counter"], cache_bytes=10 * frame_bytes) as reader:
        for i in range(N_FRAMES):
            reader.frame_by_index(i)
            assert reader.cache.nbytes <= 10 * frame_bytes
        assert len(reader.cache) == 10
        assert sorted(reader.cache.keys()) == list(range(N_FRAMES - 10, N_FRAMES))
        seeks = reader.seek_count
        assert counter_of(reader.frame_by_index(N_FRAMES - 5)) == N_FRAMES - 5
        assert reader.seek_count == seeks  # served from the cache


def test_frames_decoded_on_the_way_are_cached(clips: dict[str, Path]) -> None:
    with VideoReader(clips["counter"]) as reader:
        reader.frame_by_index(48)  # keyframe 40, decodes 40..48
        assert set(range(40, 49)) <= set(reader.cache.keys())
        seeks = reader.seek_count
        for i in range(48, 39, -1):
            assert counter_of(reader.frame_by_index(i)) == i
        assert reader.seek_count == seeks


def test_concurrent_readers_get_exact_frames(clips: dict[str, Path]) -> None:
    errors: list[str] = []
    with VideoReader(clips["counter"], cache_bytes=0) as reader:

        def work(seed: int) -> None:
            rng = np.random.default_rng(seed)
            for index in rng.integers(0, N_FRAMES, 40):
                got = counter_of(reader.frame_by_index(int(index)))
                if got != index:
                    errors.append(f"asked {index}, got {got}")

        threads = [threading.Thread(target=work, args=(s,)) for s in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []


def test_progress_and_cancel_while_indexing(
    clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(packet_index_module, "_PROGRESS_EVERY", 8)
    seen: list[float] = []
    with VideoReader(clips["counter"], progress=seen.append) as reader:
        assert reader.frame_count == N_FRAMES
    assert len(seen) >= 5
    assert seen == sorted(seen) and seen[-1] == 1.0 and 0.0 <= seen[0] < 1.0

    calls = 0

    def cancel() -> bool:
        nonlocal calls
        calls += 1
        return calls >= 3

    with pytest.raises(Cancelled):
        VideoReader(clips["counter"], cancel=cancel)


def test_open_classmethod_close_and_input_untouched(clips: dict[str, Path]) -> None:
    path = clips["counter"]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    mtime = path.stat().st_mtime_ns
    reader = VideoReader.open(path, cache_bytes=1 << 20)
    assert counter_of(reader.frame_by_index(5)) == 5
    reader.close()
    reader.close()  # closing twice is harmless
    assert reader.closed
    with pytest.raises(ValueError, match="closed"):
        reader.frame_by_index(5)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert path.stat().st_mtime_ns == mtime


def test_frame_record_validation() -> None:
    with pytest.raises(ValueError):
        Frame(-1, 0.0, np.zeros((2, 2, 3), np.uint8))
    with pytest.raises(ValueError):
        Frame(0, 0.0, np.zeros((2, 2), np.uint8))
    with pytest.raises(ValueError):
        Frame(0, 0.0, np.zeros((2, 2, 3), np.float32))
    with pytest.raises(ValueError):
        Frame(0, float("inf"), np.zeros((2, 2, 3), np.uint8))
    frame = Frame(0, 0.0, np.zeros((2, 4, 3), np.uint8))
    assert (frame.width, frame.height) == (4, 2)
    assert not frame.image.flags.writeable


def test_hour_long_file_indexes_fast_with_progress(tmp_path: Path) -> None:
    path = make_long_clip(tmp_path / "hour.mp4", 3600)  # 108 000 frames
    seen: list[float] = []
    with VideoReader(path, progress=seen.append) as reader:
        assert reader.frame_count == 108_000
        assert reader.duration == pytest.approx(3600.0)
        assert len(reader.keyframe_indices) == 3600
        assert len(seen) > 20 and seen == sorted(seen) and seen[-1] == 1.0
        for index in (107_999, 54_321, 3, 100_007, 99_999):
            assert counter_of(reader.frame_by_index(index)) == index % 30
        assert counter_of(reader.frame_at(3599.99)) == 29


def test_elementary_stream_without_timestamps(tmp_path: Path) -> None:
    path = make_raw_h264(tmp_path / "raw.h264", n_frames=40)
    with VideoReader(path, cache_bytes=0) as reader:
        assert reader.frame_count == 40
        assert reader.info.fps == pytest.approx(25.0)
        np.testing.assert_allclose(reader.frame_times, np.arange(40) / 25)
        # Not seekable: going back reads from the start, still frame-exact.
        for i in (39, 0, 5, 4, 20, 19, 21, 3):
            assert counter_of(reader.frame_by_index(i)) == i


def test_planes_by_index_are_the_decoded_planes_and_interleave_with_pictures(
    tmp_path: Path,
) -> None:
    path = make_counter_clip(tmp_path / "c.mp4", n_frames=24, with_audio=False)
    with av.open(str(path)) as container:
        decoded = [f.to_ndarray() for f in container.decode(video=0)]
    with VideoReader(path, cache_bytes=0) as reader:
        for i in (0, 1, 2, 3, 9, 10, 23, 4):  # in order, a jump ahead, the end, back again
            if i % 3 == 0:
                assert read_counter(reader.frame_by_index(i).image) == i
                continue
            planes = reader.planes_by_index(i)
            assert planes is not None and np.array_equal(planes, decoded[i])
            # What the player shows for that frame is those planes converted.
            assert np.array_equal(
                yuv420_to_rgb(planes, reader.colors), reader.frame_by_index(i).image
            )


def test_planes_are_declined_where_the_picture_is_not_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_rotated_clip(tmp_path / "r.mp4", rotation=90, n_frames=12)
    with VideoReader(path, cache_bytes=0) as reader:
        seeks: list[int] = []
        original = reader._position_for
        monkeypatch.setattr(reader, "_position_for", lambda i: (seeks.append(i), original(i)))
        for i in range(4, 8):
            assert reader.planes_by_index(i) is None
            # The frame just decoded gives the picture: no seek back for it.
            assert read_counter(np.rot90(reader.frame_by_index(i).image)) == i
        assert len(seeks) <= 1  # the one to reach frame 4
