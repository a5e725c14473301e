"""Write RGB frames (and optionally an :class:`AudioTrack`) to an H.264/AAC video file.

Used by the demo generator and the tests. The file is written next to the target under a
temporary name and renamed into place at the end, so a reader never sees half a file and a
failure leaves the old file (if any) untouched. MP4/MOV files get their index at the front
(``faststart``), as players streaming them expect.
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Iterable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import av.container
import numpy as np
from av.audio.stream import AudioStream
from av.video.stream import VideoStream

from narrlocal_gui.errors import MediaError
from narrlocal_gui.media.audio import AudioTrack
from narrlocal_gui.media.media_info import describe
from narrlocal_gui.media.yuv_colors import YuvColors, rgb_to_yuv420, tag_stream

__all__ = ["write_video"]

_FINE_TIME_BASE = Fraction(1, 90000)
_CRF_CODECS = frozenset({"libx264", "libx265"})
_AAC_FRAME = 1024
_AUDIO_LEAD = 0.5  # seconds of audio muxed ahead of the video, for interleaving


def write_video(
    path: str | os.PathLike[str],
    frames: Iterable[np.ndarray],
    fps: float | Fraction,
    size: tuple[int, int],
    audio: AudioTrack | None = None,
    *,
    crf: int = 20,
    gop: int | None = None,
    b_frames: int | None = None,
    frame_times: Sequence[float] | None = None,
    start_time: float = 0.0,
    rotation: int = 0,
    codec: str = "libx264",
    preset: str = "veryfast",
    audio_delay: float = 0.0,
    colors: YuvColors | None = None,
) -> Path:
    """Encode ``frames`` (H, W, 3 uint8 RGB, ``size == (W, H)``) into ``path``.

    ``fps`` is the nominal rate; ``frame_times`` (seconds, increasing) gives each frame its
    own time instead, for variable frame rate. ``start_time`` shifts the first frame (and
    the audio with it) to that container time. ``gop`` fixes the keyframe interval (scene
    cuts add none). ``rotation`` (0/90/180/270) is stored as display metadata: players
    turn the picture that many degrees clockwise. ``audio`` starts ``audio_delay`` seconds
    after the first frame (negative: before it, down to container time 0). ``colors``
    converts the frames to YUV with that matrix, the exact inverse of what the reader decodes
    with (:mod:`~narrlocal_gui.media.yuv_colors`), and tags the stream with it when it is
    ``tagged``; None leaves the conversion to swscale and the stream untagged. Returns the
    path written.
    """
    target = Path(path)
    width, height = size
    if width <= 0 or height <= 0 or width % 2 or height % 2:
        raise ValueError(f"size must be positive and even for yuv420p, not {size}")
    rate = Fraction(fps).limit_denominator(1_000_000) if not isinstance(fps, Fraction) else fps
    if rate <= 0:
        raise ValueError(f"fps must be positive, not {fps}")
    if rotation not in (0, 90, 180, 270):
        raise ValueError(f"rotation must be 0, 90, 180 or 270, not {rotation}")
    if not math.isfinite(start_time) or start_time < 0:
        raise ValueError(f"start_time must be >= 0, not {start_time}")
    if audio is not None and audio.channels > 2:
        raise ValueError("audio must be mono or stereo")
    if not math.isfinite(audio_delay) or start_time + audio_delay < 0:
        raise ValueError("audio cannot start before container time 0")
    if not target.parent.is_dir():
        raise MediaError(f"Cannot write {describe(target)}: its folder does not exist.")

    temp = target.with_name(f".{target.stem}.{uuid.uuid4().hex[:8]}.partial{target.suffix}")
    try:
        _encode(
            temp, frames, rate, width, height, audio, crf, gop, b_frames, frame_times,
            start_time, rotation, codec, preset, audio_delay, colors,
        )  # fmt: skip
        temp.replace(target)
    except (av.error.FFmpegError, OSError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise MediaError(f"Cannot write {describe(target)}: {str(reason).rstrip('.')}.") from None
    finally:
        temp.unlink(missing_ok=True)
    return target


def _encode(
    temp: Path,
    frames: Iterable[np.ndarray],
    rate: Fraction,
    width: int,
    height: int,
    audio: AudioTrack | None,
    crf: int,
    gop: int | None,
    b_frames: int | None,
    frame_times: Sequence[float] | None,
    start_time: float,
    rotation: int,
    codec: str,
    preset: str,
    audio_delay: float,
    colors: YuvColors | None,
) -> None:
    fine = frame_times is not None or start_time != 0.0
    time_base = _FINE_TIME_BASE if fine else 1 / rate
    options: dict[str, str] = {}
    if codec in _CRF_CODECS:
        options["crf"] = str(crf)
        options["preset"] = preset
    if gop is not None:
        options.update({"g": str(gop), "keyint_min": str(gop), "sc_threshold": "0"})
    if b_frames is not None:
        options["bf"] = str(b_frames)
    container_options: dict[str, str] = {}
    if temp.suffix.lower() in (".mp4", ".mov", ".m4v"):
        container_options["movflags"] = "faststart"
    with av.open(str(temp), mode="w", options=container_options) as out:
        video = out.add_stream(codec, rate=rate, options=options)
        if not isinstance(video, VideoStream):
            raise ValueError(f"{codec!r} is not a video codec")
        video.width = width
        video.height = height
        video.pix_fmt = "yuv420p"
        video.time_base = time_base
        video.codec_context.time_base = time_base
        if rotation:
            # PyAV takes counter-clockwise degrees; players turn by the opposite amount.
            video.set_display_rotation(-rotation)
        if colors is not None:
            tag_stream(video.codec_context, colors)
        sound = _AudioFeed(out, audio, start_time + audio_delay) if audio is not None else None

        previous = -1
        count = 0
        for i, image in enumerate(frames):
            if image.shape != (height, width, 3) or image.dtype != np.uint8:
                raise ValueError(
                    f"frame {i} must be uint8 of shape {(height, width, 3)}, not "
                    f"{image.dtype} {image.shape}"
                )
            if frame_times is not None:
                if i >= len(frame_times):
                    raise ValueError("more frames than frame_times")
                t = start_time + float(frame_times[i])
            else:
                t = start_time + float(i / rate)
            pts = round(t / time_base)
            if pts <= previous:
                raise ValueError(f"frame {i} is not later than the frame before it")
            previous = pts
            if colors is None:
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            else:
                frame = av.VideoFrame.from_ndarray(rgb_to_yuv420(image, colors), format="yuv420p")
            frame.pts = pts
            frame.time_base = time_base
            out.mux(video.encode(frame))
            if sound is not None:
                sound.feed_until(t + _AUDIO_LEAD)
            count += 1
        if frame_times is not None and count != len(frame_times):
            raise ValueError(f"{count} frames but {len(frame_times)} frame_times")
        if count == 0:
            raise ValueError("no frames to write")
        out.mux(video.encode(None))
        if sound is not None:
            sound.finish()


class _AudioFeed:
    """Encodes an AudioTrack in AAC frames, interleaved with the video by time."""

    def __init__(
        self, out: av.container.OutputContainer, track: AudioTrack, start_time: float
    ) -> None:
        self._out = out
        self._track = track
        self._stream: AudioStream = out.add_stream("aac", rate=track.sample_rate)
        self._stream.layout = "mono" if track.channels == 1 else "stereo"
        self._time_base = Fraction(1, track.sample_rate)
        self._stream.time_base = self._time_base
        self._offset = round(start_time * track.sample_rate)
        # Planar float is what FFmpeg's AAC encoder takes.
        self._planar = np.ascontiguousarray(track.samples.T)
        self._done = 0

    def feed_until(self, t: float) -> None:
        total = int(self._planar.shape[1])
        limit = min(max(round(t * self._track.sample_rate) - self._offset, 0), total)
        while self._done + _AAC_FRAME <= limit or self._done < limit == total:
            self._encode_block()

    def finish(self) -> None:
        while self._done < self._planar.shape[1]:
            self._encode_block()
        self._out.mux(self._stream.encode(None))

    def _encode_block(self) -> None:
        end = min(self._done + _AAC_FRAME, self._planar.shape[1])
        block = np.ascontiguousarray(self._planar[:, self._done : end])
        layout = "mono" if block.shape[0] == 1 else "stereo"
        frame = av.AudioFrame.from_ndarray(block, format="fltp", layout=layout)
        frame.sample_rate = self._track.sample_rate
        frame.pts = self._offset + self._done
        frame.time_base = self._time_base
        self._out.mux(self._stream.encode(frame))
        self._done = end
