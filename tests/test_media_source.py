"""open_media / probe: picking by content, images, and every bad input a user can give."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from narrlocal_gui.errors import MediaError, UserFacingError
from narrlocal_gui.media.image_reader import IMAGE_DURATION, ImageReader
from narrlocal_gui.media.media_info import MediaInfo, MediaKind
from narrlocal_gui.media.probe import probe
from narrlocal_gui.media.source import FrameSource, open_media, sniff_kind
from narrlocal_gui.media.video_reader import VideoReader
from tests.media_factory import (
    QUADRANT_COLOURS,
    make_audio_only_m4a,
    make_counter_clip,
    make_empty_file,
    make_image,
    make_text_as_video,
    make_tone_wav,
    make_unsupported_codec_clip,
    read_counter,
)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_counter_clip(tmp_path_factory.mktemp("src") / "clip.mp4", n_frames=30)


def one_sentence_naming(message: str, path: Path) -> None:
    assert str(path) in message
    assert message.endswith(".")
    assert "\n" not in message
    assert "Traceback" not in message and "Errno" not in message


# -- good inputs -------------------------------------------------------------------------


def test_video_opens_as_video_reader(clip: Path) -> None:
    with open_media(clip) as source:
        assert isinstance(source, VideoReader)
        assert isinstance(source, FrameSource)
        assert source.info.kind is MediaKind.VIDEO
        assert read_counter(source.frame_at(0.5).image) == 15
    assert sniff_kind(clip) is MediaKind.VIDEO


def test_image_is_a_one_frame_source(tmp_path: Path) -> None:
    path = make_image(tmp_path / "still.png", (64, 48))
    with open_media(path) as source:
        assert isinstance(source, ImageReader)
        assert isinstance(source, FrameSource)
        info = source.info
        assert info.kind is MediaKind.IMAGE
        assert (info.width, info.height, info.frame_count) == (64, 48, 1)
        assert info.duration == IMAGE_DURATION == 5.0
        assert info.fps == pytest.approx(1 / IMAGE_DURATION)
        assert not info.has_audio and info.video_codec is None
        assert list(source.frame_times) == [0.0]
        for t in (0.0, 2.5, 1e6, -1.0):
            frame = source.frame_at(t)
            assert frame.index == 0 and frame.time == 0.0
            assert source.index_at(t) == 0
        assert source.time_of(3) == 0.0
        image = source.frame_by_index(7).image
        assert image.shape == (48, 64, 3) and image.dtype == np.uint8
        assert not image.flags.writeable
        assert tuple(image[0, 0]) == QUADRANT_COLOURS["top_left"]
        assert tuple(image[-1, -1]) == QUADRANT_COLOURS["bottom_right"]
        with pytest.raises(ValueError):
            source.index_at(float("nan"))


@pytest.mark.parametrize("suffix", [".jpg", ".bmp", ".webp", ".gif"])
def test_other_image_formats(tmp_path: Path, suffix: str) -> None:
    path = make_image(tmp_path / f"still{suffix}", (40, 30))
    with open_media(path) as source:
        assert isinstance(source, ImageReader)
        image = source.frame_at(0).image
        assert image.shape == (30, 40, 3)
        np.testing.assert_allclose(image[5, 5], QUADRANT_COLOURS["top_left"], atol=40)


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    # Orientation 6: the camera was turned; show the stored picture turned 90° clockwise.
    path = make_image(tmp_path / "phone.jpg", (64, 48), exif_orientation=6)
    with ImageReader(path) as reader:
        assert (reader.info.width, reader.info.height) == (48, 64)
        assert reader.info.rotation == 90
        image = reader.frame_at(0).image
        np.testing.assert_allclose(image[3, 3], QUADRANT_COLOURS["bottom_left"], atol=40)
        np.testing.assert_allclose(image[3, -4], QUADRANT_COLOURS["top_left"], atol=40)


def test_transparency_is_composited_on_black(tmp_path: Path) -> None:
    from PIL import Image

    pixels = np.zeros((10, 10, 4), dtype=np.uint8)
    pixels[..., 0] = 255
    pixels[:, :5, 3] = 255  # left half opaque red, right half fully transparent red
    path = tmp_path / "alpha.png"
    Image.fromarray(pixels, "RGBA").save(path)
    image = ImageReader(path).frame_at(0).image
    assert tuple(image[0, 0]) == (255, 0, 0)
    assert tuple(image[0, 9]) == (0, 0, 0)


def test_content_decides_not_the_extension(tmp_path: Path, clip: Path) -> None:
    png_named_mp4 = make_image(tmp_path / "x.png", (32, 32)).rename(tmp_path / "really_png.mp4")
    with open_media(png_named_mp4) as source:
        assert isinstance(source, ImageReader)
    mp4_named_png = tmp_path / "really_mp4.png"
    shutil.copyfile(clip, mp4_named_png)
    with open_media(mp4_named_png) as source:
        assert isinstance(source, VideoReader)
        assert source.info.frame_count == 30


def test_animated_gif_is_a_video(tmp_path: Path) -> None:
    from PIL import Image

    frames = [Image.fromarray(np.full((16, 16, 3), 60 * i, np.uint8)) for i in range(4)]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    with open_media(path) as source:
        assert isinstance(source, VideoReader)
        assert source.info.frame_count == 4
        assert source.info.duration == pytest.approx(0.4, abs=0.02)
        assert int(source.frame_by_index(3).image.mean()) == pytest.approx(180, abs=3)


def test_unusual_paths(tmp_path: Path) -> None:
    folder = tmp_path / "my vidéo ✓"
    folder.mkdir()
    video = make_counter_clip(folder / "clip ü.mp4", n_frames=10)
    with open_media(video) as source:
        assert read_counter(source.frame_by_index(9).image) == 9
        assert source.info.path == video
    still = make_image(folder / "фото 1.png")
    with open_media(str(still)) as source:  # str paths work as well as Path
        assert source.info.kind is MediaKind.IMAGE
    sound = make_tone_wav(folder / "tón ♪.wav", 0.2, 16000)
    assert probe(sound).kind is MediaKind.AUDIO


def test_probe_describes_all_kinds(tmp_path: Path, clip: Path) -> None:
    info = probe(clip)
    assert isinstance(info, MediaInfo)
    assert info.kind is MediaKind.VIDEO and info.frame_count == 30
    assert probe(make_image(tmp_path / "a.png")).kind is MediaKind.IMAGE
    m4a = probe(make_audio_only_m4a(tmp_path / "voice.m4a", 1.0, 44100))
    assert m4a.kind is MediaKind.AUDIO
    assert (m4a.width, m4a.height, m4a.frame_count, m4a.fps) == (0, 0, 0, 0.0)
    assert m4a.has_audio and m4a.audio_codec == "aac"
    assert (m4a.audio_sample_rate, m4a.audio_channels) == (44100, 2)
    assert m4a.duration == pytest.approx(1.0, abs=0.05)
    wav = probe(make_tone_wav(tmp_path / "t.wav", 0.5, 22050))
    assert wav.kind is MediaKind.AUDIO and wav.duration == pytest.approx(0.5, abs=1e-3)
    assert wav.audio_channels == 1 and wav.audio_codec == "pcm_s16le"


def test_media_info_validation(clip: Path) -> None:
    good = probe(clip)
    fields = {f: getattr(good, f) for f in good.__dataclass_fields__}
    for change in (
        {"rotation": 45},
        {"duration": -1.0},
        {"duration": float("nan")},
        {"width": 0},
        {"has_audio": True, "audio_sample_rate": 0},
        {"has_audio": False},
        {"kind": "video"},
    ):
        with pytest.raises(ValueError):
            MediaInfo(**{**fields, **change})


# -- bad inputs --------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.mp4"
    with pytest.raises(MediaError, match="does not exist") as err:
        open_media(path)
    one_sentence_naming(str(err.value), path)
    with pytest.raises(MediaError, match="does not exist"):
        probe(path)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="folder") as err:
        open_media(tmp_path)
    one_sentence_naming(str(err.value), tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    path = make_empty_file(tmp_path / "empty.mp4")
    with pytest.raises(MediaError, match="the file is empty") as err:
        open_media(path)
    assert str(err.value) == f"Cannot open '{path}': the file is empty."
    with pytest.raises(MediaError, match="empty"):
        probe(path)


@pytest.mark.parametrize("name", ["notes.mp4", "notes.txt", "notes.png", "notes.mov"])
def test_text_file_is_not_media(tmp_path: Path, name: str) -> None:
    path = make_text_as_video(tmp_path / name)
    with pytest.raises(MediaError) as err:
        open_media(path)
    one_sentence_naming(str(err.value), path)
    assert "not a video" in str(err.value)
    assert isinstance(err.value, UserFacingError)


def test_random_bytes_are_not_media(tmp_path: Path) -> None:
    path = tmp_path / "noise.mp4"
    path.write_bytes(np.random.default_rng(3).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    with pytest.raises(MediaError) as err:
        open_media(path)
    one_sentence_naming(str(err.value), path)


@pytest.mark.parametrize("maker", ["m4a", "wav"])
def test_audio_only_file_has_no_video_track(tmp_path: Path, maker: str) -> None:
    if maker == "m4a":
        path = make_audio_only_m4a(tmp_path / "voice.m4a", 0.5)
    else:
        path = make_tone_wav(tmp_path / "voice.wav", 0.5)
    with pytest.raises(MediaError, match="has no video track") as err:
        open_media(path)
    one_sentence_naming(str(err.value), path)
    with pytest.raises(MediaError, match="no video track"):
        VideoReader(path)
    assert probe(path).kind is MediaKind.AUDIO  # still describable


def test_unsupported_codec(tmp_path: Path) -> None:
    path = make_unsupported_codec_clip(tmp_path / "exotic.mp4", n_frames=5)
    with pytest.raises(MediaError, match="codec is not supported") as err:
        open_media(path)
    one_sentence_naming(str(err.value), path)
    with pytest.raises(MediaError, match="not supported"):
        probe(path)


def test_unreadable_file(tmp_path: Path, clip: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.mp4"
    shutil.copyfile(clip, path)
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        path.chmod(0)
    else:
        # Root reads everything: simulate what the OS says to an ordinary user.
        real_open = Path.open

        def deny(self: Path, *args: Any, **kwargs: Any) -> Any:
            if self == path:
                raise PermissionError(13, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)

        monkeypatch.setattr(Path, "open", deny)
    try:
        with pytest.raises(MediaError, match="permission denied") as err:
            open_media(path)
        one_sentence_naming(str(err.value), path)
    finally:
        path.chmod(0o644)


def test_damaged_image(tmp_path: Path) -> None:
    good = make_image(tmp_path / "good.png", (64, 64)).read_bytes()
    path = tmp_path / "cut.png"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(MediaError) as err:
        open_media(path)
    one_sentence_naming(str(err.value), path)


@pytest.mark.parametrize(("mode", "suffix"), [("L", ".png"), ("P", ".png"), ("CMYK", ".jpg")])
def test_image_modes_become_rgb(tmp_path: Path, mode: str, suffix: str) -> None:
    path = make_image(tmp_path / f"mode{suffix}", (32, 24), mode=mode)
    image = ImageReader(path).frame_at(0).image
    assert image.shape == (24, 32, 3) and image.dtype == np.uint8
    white = np.asarray(QUADRANT_COLOURS["bottom_right"])
    np.testing.assert_allclose(image[-2, -2], white, atol=12)
