"""Small generated media files for tests, each with a known ground truth.

The centrepiece is the *counter clip*: frame *i* shows the number *i* as a row of large
black/white cells that survive lossy H.264, and :func:`read_counter` reads it back. So a
test can ask a reader for frame *i* and check it really got frame *i*.

Cell layout (14 equal columns across the frame, two bands):

* top band: ``[white][12 bits of i, most significant first][black]``
* bottom band: the same guards, the 12 bits inverted.

The guards and the inversion make a wrong, mirrored or turned picture fail loudly
(:class:`ValueError`) instead of reading as another number.

Everything is small (160x96, a few seconds) so a whole test module builds its inputs in
well under a second. Import as ``from tests.media_factory import ...``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image

from narrlocal_gui.media.audio import AudioTrack
from narrlocal_gui.media.writer import write_video

__all__ = [
    "COUNTER_BITS",
    "VFR_INTERVALS",
    "counter_clip_times",
    "counter_image",
    "make_audio_only_m4a",
    "make_corrupt_clip",
    "make_counter_clip",
    "make_empty_file",
    "make_image",
    "make_long_clip",
    "make_offset_clip",
    "make_raw_h264",
    "make_rotated_clip",
    "make_text_as_video",
    "make_tone_wav",
    "make_truncated_clip",
    "make_unsupported_codec_clip",
    "make_vfr_clip",
    "read_counter",
    "tone",
]

COUNTER_BITS = 12
_CELLS = COUNTER_BITS + 2
MAX_COUNTER = (1 << COUNTER_BITS) - 1
VFR_INTERVALS = (0.020, 0.050, 0.033, 0.100, 0.040, 0.0667)
"""Seconds between consecutive frames of a VFR counter clip, repeated in this order."""


# -- the counter code -------------------------------------------------------------------


def _cell_edges(width: int) -> np.ndarray:
    return np.linspace(0, width, _CELLS + 1).round().astype(int)


def counter_image(value: int, size: tuple[int, int] = (160, 96)) -> np.ndarray:
    """The (H, W, 3) uint8 picture that encodes ``value``; ``size`` is (W, H)."""
    if not 0 <= value <= MAX_COUNTER:
        raise ValueError(f"counter value must be in 0..{MAX_COUNTER}, not {value}")
    width, height = size
    if width < 4 * _CELLS or height < 8:
        raise ValueError(f"size {size} is too small for {_CELLS} readable cells")
    bits = [(value >> (COUNTER_BITS - 1 - k)) & 1 for k in range(COUNTER_BITS)]
    top = [1, *bits, 0]
    bottom = [1, *(1 - b for b in bits), 0]
    image = np.zeros((height, width, 3), dtype=np.uint8)
    edges = _cell_edges(width)
    half = height // 2
    for j in range(_CELLS):
        x0, x1 = edges[j], edges[j + 1]
        image[:half, x0:x1] = 255 * top[j]
        image[half:, x0:x1] = 255 * bottom[j]
    return image


def read_counter(image: np.ndarray) -> int:
    """Decode the value drawn by :func:`counter_image`; ValueError if it is not one."""
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) image, got {image.shape}")
    height, width = image.shape[:2]
    grey = image.astype(np.float32).mean(axis=2)
    edges = _cell_edges(width)
    half = height // 2
    # Sample the middle of each cell, away from edges blurred by compression.
    rows_top = slice(height // 10, half - height // 10)
    rows_bottom = slice(half + height // 10, height - height // 10)
    top: list[int] = []
    bottom: list[int] = []
    for j in range(_CELLS):
        x0, x1 = int(edges[j]), int(edges[j + 1])
        margin = max((x1 - x0) // 4, 1)
        cols = slice(x0 + margin, x1 - margin)
        top.append(int(grey[rows_top, cols].mean() > 127.5))
        bottom.append(int(grey[rows_bottom, cols].mean() > 127.5))
    if top[0] != 1 or top[-1] != 0 or bottom[0] != 1 or bottom[-1] != 0:
        raise ValueError("not an upright counter frame (guard cells are wrong)")
    data, inverted = top[1:-1], bottom[1:-1]
    if any(a == b for a, b in zip(data, inverted, strict=True)):
        raise ValueError("not a counter frame (the bands are not complementary)")
    value = 0
    for bit in data:
        value = (value << 1) | bit
    return value


def tone(
    seconds: float, sample_rate: int = 48000, hz: float = 440.0, channels: int = 2,
    amplitude: float = 0.3, start: float = 0.0,
) -> np.ndarray:  # fmt: skip
    """float32 (N, channels) sine of ``hz``; silent before ``start`` seconds."""
    n = round(seconds * sample_rate)
    t = np.arange(n) / sample_rate
    wave = (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    wave[t < start] = 0.0
    return np.repeat(wave[:, None], channels, axis=1)


# -- clips ------------------------------------------------------------------------------


def counter_clip_times(n_frames: int, fps: float = 30.0, *, vfr: bool = False) -> np.ndarray:
    """Media times (first frame at 0) of the frames of a counter clip."""
    if not vfr:
        return np.arange(n_frames, dtype=np.float64) / fps
    steps = [VFR_INTERVALS[k % len(VFR_INTERVALS)] for k in range(max(n_frames - 1, 0))]
    return np.concatenate([[0.0], np.cumsum(steps)])[:n_frames]


def make_counter_clip(
    path: str | os.PathLike[str],
    *,
    n_frames: int = 60,
    fps: float = 30,
    size: tuple[int, int] = (160, 96),
    with_audio: bool = True,
    tone_hz: float = 440.0,
    gop: int = 12,
    start_time: float | None = None,
    vfr: bool = False,
    rotation: int | None = None,
    codec: str = "libx264",
    b_frames: int = 2,
    sample_rate: int = 48000,
    audio_delay: float = 0.0,
    beep_at: float | None = None,
) -> Path:
    """Write a clip whose frame *i* shows counter *i* (see :func:`read_counter`).

    ``start_time`` puts the first frame at that container time (media time stays 0).
    ``vfr`` spaces frames by :data:`VFR_INTERVALS`. ``rotation`` stores display rotation
    metadata (clockwise degrees); the pixels stay upright-as-stored, so a reader that
    honours the metadata returns ``np.rot90(counter_image(i), -rotation // 90)``.
    The audio is a ``tone_hz`` sine over the clip; with ``beep_at`` it is silent until that
    media time. ``audio_delay`` starts the audio that much after the first frame
    (negative: before it).
    """
    p = Path(path)
    times = counter_clip_times(n_frames, fps, vfr=vfr)
    end = float(times[-1]) + (VFR_INTERVALS[0] if vfr else 1.0 / fps)
    audio = None
    if with_audio:
        seconds = end - audio_delay
        start = (beep_at - audio_delay) if beep_at is not None else 0.0
        audio = AudioTrack(tone(seconds, sample_rate, tone_hz, 2, start=start), sample_rate)
    frames = (counter_image(i, size) for i in range(n_frames))
    return write_video(
        p,
        frames,
        Fraction(fps).limit_denominator(1001) if not vfr else Fraction(30),
        size,
        audio,
        crf=18,
        gop=gop,
        b_frames=b_frames,
        frame_times=list(times) if vfr else None,
        start_time=start_time or 0.0,
        rotation=rotation or 0,
        codec=codec,
        audio_delay=audio_delay,
    )


def make_vfr_clip(path: str | os.PathLike[str], **kwargs: object) -> Path:
    """A counter clip with variable frame spacing (:func:`counter_clip_times` ``vfr=True``)."""
    return make_counter_clip(path, vfr=True, **kwargs)  # type: ignore[arg-type]


def make_offset_clip(
    path: str | os.PathLike[str], start_time: float = 1.5, **kwargs: object
) -> Path:
    """A counter clip whose first frame is at container time ``start_time``."""
    return make_counter_clip(path, start_time=start_time, **kwargs)  # type: ignore[arg-type]


def make_rotated_clip(path: str | os.PathLike[str], rotation: int = 90, **kwargs: object) -> Path:
    """A counter clip with display rotation metadata (clockwise degrees)."""
    return make_counter_clip(path, rotation=rotation, **kwargs)  # type: ignore[arg-type]


def _video_packets(path: Path) -> list[tuple[int, int, int]]:
    """(pts, byte position, size) of every video packet, in presentation order."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        found = [
            (int(p.pts), int(p.pos), int(p.size))
            for p in container.demux(stream)
            if p.size and p.pts is not None and p.pos is not None
        ]
    return sorted(found)


def make_corrupt_clip(
    path: str | os.PathLike[str], corrupt_frames: Sequence[int] = (20,), **kwargs: object
) -> Path:
    """A counter clip whose listed frames have their packet payload overwritten by noise."""
    p = make_counter_clip(path, **kwargs)  # type: ignore[arg-type]
    packets = _video_packets(p)
    data = bytearray(p.read_bytes())
    rng = np.random.default_rng(1234)
    for index in corrupt_frames:
        _, pos, size = packets[index]
        data[pos : pos + size] = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
    p.write_bytes(bytes(data))
    return p


def make_truncated_clip(
    path: str | os.PathLike[str], *, keep_fraction: float = 0.5, **kwargs: object
) -> Path:
    """A counter clip cut after ``keep_fraction`` of its bytes.

    The index (moov) is at the front, so the header still claims the full duration while
    only part of the frames exist: the same fault as a recording cut off mid-write.
    """
    p = make_counter_clip(path, **kwargs)  # type: ignore[arg-type]
    data = p.read_bytes()
    p.write_bytes(data[: int(len(data) * keep_fraction)])
    return p


def make_unsupported_codec_clip(path: str | os.PathLike[str], **kwargs: object) -> Path:
    """A valid MP4 whose video track names a codec FFmpeg has no decoder for.

    FFmpeg cannot *write* a stream it cannot decode, so the sample entry code of an H.264
    clip is renamed from ``avc1`` to ``zzz9``: the container stays valid, the codec is
    unknown, exactly what a file from an exotic camera looks like to the program.
    """
    p = make_counter_clip(path, with_audio=False, **kwargs)  # type: ignore[arg-type]
    data = p.read_bytes()
    p.write_bytes(data.replace(b"avc1", b"zzz9"))
    return p


def make_long_clip(path: str | os.PathLike[str], seconds: float, *, fps: int = 30) -> Path:
    """A long CFR clip made in a fraction of a second: one encoded GOP repeated.

    Every second is the same 1-second GOP (keyframe first), so frame *i* shows counter
    ``i % fps``. Meant for indexing and seeking tests on hour-long files.
    """
    p = Path(path)
    with av.open(str(p), mode="w") as out:
        stream = out.add_stream(
            "libx264", rate=fps, options={"g": str(fps), "bf": "0", "sc_threshold": "0"}
        )
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
        gop: list[av.Packet[Any]] = []
        for i in range(fps):
            frame = av.VideoFrame.from_ndarray(counter_image(i), format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            gop += stream.encode(frame)
        gop += stream.encode(None)
        time_base = gop[0].time_base
        step = round(1 / (fps * time_base))
        for second in range(round(seconds)):
            shift = second * fps * step
            for packet in gop:
                copy = av.Packet(bytes(packet))
                copy.stream = stream
                copy.time_base = time_base
                copy.pts = None if packet.pts is None else packet.pts + shift
                copy.dts = None if packet.dts is None else packet.dts + shift
                copy.is_keyframe = packet.is_keyframe
                out.mux(copy)
    return p


def make_raw_h264(path: str | os.PathLike[str], n_frames: int = 40, gop: int = 10) -> Path:
    """An elementary H.264 stream (``.h264``): no container, no timestamps, no seeking."""
    p = Path(path)
    with av.open(str(p), mode="w", format="h264") as out:
        stream = out.add_stream(
            "libx264", rate=25, options={"g": str(gop), "bf": "2", "sc_threshold": "0"}
        )
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
        for i in range(n_frames):
            frame = av.VideoFrame.from_ndarray(counter_image(i), format="rgb24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return p


# -- other files ------------------------------------------------------------------------


def make_tone_wav(
    path: str | os.PathLike[str],
    seconds: float = 1.0,
    sr: int = 48000,
    *,
    hz: float = 440.0,
    channels: int = 1,
) -> Path:
    """A 16-bit PCM WAV of a ``hz`` sine."""
    import soundfile

    p = Path(path)
    soundfile.write(str(p), tone(seconds, sr, hz, channels), sr, subtype="PCM_16")
    return p


def make_audio_only_m4a(
    path: str | os.PathLike[str], seconds: float = 1.0, sr: int = 44100, *, hz: float = 440.0
) -> Path:
    """An AAC-in-MP4 audio file (no video track)."""
    p = Path(path)
    samples = np.ascontiguousarray(tone(seconds, sr, hz, 2).T)
    with av.open(str(p), mode="w", format="ipod") as out:
        stream = out.add_stream("aac", rate=sr)
        stream.layout = "stereo"
        for start in range(0, samples.shape[1], 1024):
            block = np.ascontiguousarray(samples[:, start : start + 1024])
            frame = av.AudioFrame.from_ndarray(block, format="fltp", layout="stereo")
            frame.sample_rate = sr
            frame.pts = start
            frame.time_base = Fraction(1, sr)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return p


QUADRANT_COLOURS = {
    "top_left": (255, 0, 0),
    "top_right": (0, 255, 0),
    "bottom_left": (0, 0, 255),
    "bottom_right": (255, 255, 255),
}


def make_image(
    path: str | os.PathLike[str],
    size: tuple[int, int] = (64, 48),
    *,
    exif_orientation: int | None = None,
    mode: str = "RGB",
) -> Path:
    """An image of four coloured quadrants (see :data:`QUADRANT_COLOURS`), format by suffix.

    ``exif_orientation`` (1-8) is stored as the EXIF orientation tag (JPEG/PNG/WebP).
    """
    p = Path(path)
    width, height = size
    pixels = np.zeros((height, width, 3), dtype=np.uint8)
    pixels[: height // 2, : width // 2] = QUADRANT_COLOURS["top_left"]
    pixels[: height // 2, width // 2 :] = QUADRANT_COLOURS["top_right"]
    pixels[height // 2 :, : width // 2] = QUADRANT_COLOURS["bottom_left"]
    pixels[height // 2 :, width // 2 :] = QUADRANT_COLOURS["bottom_right"]
    img = Image.fromarray(pixels, "RGB")
    if mode != "RGB":
        img = img.convert(mode)
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        img.save(p, exif=exif.tobytes())
    else:
        img.save(p)
    return p


def make_text_as_video(path: str | os.PathLike[str]) -> Path:
    """A plain text file, typically given a video name such as ``notes.mp4``."""
    p = Path(path)
    p.write_text("These are meeting notes, not a video.\n" * 20, encoding="utf-8")
    return p


def make_empty_file(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    p.write_bytes(b"")
    return p


def iter_counter_frames(n_frames: int, size: tuple[int, int] = (160, 96)) -> Iterator[np.ndarray]:
    """The pictures of a counter clip, for writing clips with other settings."""
    for i in range(n_frames):
        yield counter_image(i, size)
