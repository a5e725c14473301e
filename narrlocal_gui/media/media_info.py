"""What a media file is (kind, true duration, display size, rate, rotation, audio), and the
helpers every reader of this package shares.

:class:`MediaInfo` is what :func:`~narrlocal_gui.media.probe.probe` answers for any
supported file. The small helpers below (path checks, opening a container, choosing streams)
are shared by the modules of this package; every user-caused failure becomes a
:class:`MediaError` with one sentence naming the file.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import av
import av.container
from av.audio.stream import AudioStream
from av.stream import Disposition
from av.video.stream import VideoStream

from narrlocal_gui.errors import MediaError

__all__ = [
    "MediaInfo",
    "MediaKind",
    "check_media_path",
]

VALID_ROTATIONS = (0, 90, 180, 270)

NOT_MEDIA = (
    "it is not a video, image or audio file (the data is in no format this program can read)"
)

# FFmpeg demuxers that "open" things which are not media at all (tty renders any text file
# as a video of ANSI art), so accepting them would show garbage instead of an error.
_REJECTED_FORMATS = frozenset({"tty"})


class MediaKind(StrEnum):
    VIDEO = "video"
    IMAGE = "image"
    AUDIO = "audio"


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """Facts about one media file, in media time (0 = the first video frame).

    ``width``/``height`` are the display size after rotation (0 for audio). ``rotation`` is
    the clockwise turn, in degrees, applied to the stored picture to show it upright (a phone
    held upright records 90). ``fps`` is the average rate, ``frame_count / duration``.
    """

    path: Path
    kind: MediaKind
    duration: float
    width: int
    height: int
    fps: float
    frame_count: int
    rotation: int
    has_audio: bool
    audio_sample_rate: int
    audio_channels: int
    video_codec: str | None
    audio_codec: str | None
    size_bytes: int
    #: The duration the container's header claims, when it says; a truncated file claims
    #: more than can be played (``duration`` is always what can be played).
    declared_duration: float | None = None

    @property
    def truncated(self) -> bool:
        """True when the header promises clearly more than the file holds."""
        claimed = self.declared_duration
        return claimed is not None and claimed > self.duration + max(1.0, 0.02 * claimed)

    def __post_init__(self) -> None:
        if not isinstance(self.kind, MediaKind):
            raise ValueError(f"kind must be a MediaKind, not {self.kind!r}")
        if not math.isfinite(self.duration) or self.duration < 0:
            raise ValueError(f"duration must be a finite number >= 0, not {self.duration}")
        if not math.isfinite(self.fps) or self.fps < 0:
            raise ValueError(f"fps must be a finite number >= 0, not {self.fps}")
        if self.width < 0 or self.height < 0 or self.frame_count < 0 or self.size_bytes < 0:
            raise ValueError("width, height, frame_count and size_bytes must be >= 0")
        if self.rotation not in VALID_ROTATIONS:
            raise ValueError(f"rotation must be one of {VALID_ROTATIONS}, not {self.rotation}")
        if self.kind is MediaKind.AUDIO:
            if self.width or self.height or self.frame_count or self.video_codec is not None:
                raise ValueError("an audio file has no picture: size, frames and codec must be 0")
            if not self.has_audio:
                raise ValueError("an audio file must have audio")
        elif self.width <= 0 or self.height <= 0 or self.frame_count <= 0:
            raise ValueError("a video or image needs a positive size and at least one frame")
        if self.has_audio:
            if self.audio_sample_rate <= 0 or self.audio_channels <= 0:
                raise ValueError("audio needs a positive sample rate and channel count")
        elif self.audio_sample_rate or self.audio_channels or self.audio_codec is not None:
            raise ValueError("without audio, the audio rate, channels and codec must be empty")


def describe(path: Path) -> str:
    """How messages name a file: the path as given, quoted."""
    return f"'{path}'"


def check_media_path(path: str | os.PathLike[str]) -> Path:
    """Check that ``path`` is a readable, non-empty file, or raise a :class:`MediaError`."""
    p = Path(path)
    name = describe(p)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise MediaError(f"Cannot open {name}: the file does not exist.") from None
    except PermissionError:
        raise MediaError(f"Cannot open {name}: permission denied.") from None
    except OSError as exc:
        raise MediaError(f"Cannot open {name}: {exc.strerror or exc}.") from None
    if p.is_dir():
        raise MediaError(f"Cannot open {name}: it is a folder, not a media file.")
    if not p.is_file():
        raise MediaError(f"Cannot open {name}: it is not a regular file.")
    # Opening is the only reliable test (ACLs, root, network shares): os.access can lie.
    try:
        with p.open("rb") as fh:
            fh.read(1)
    except PermissionError:
        raise MediaError(
            f"Cannot open {name}: permission denied (the file is not readable)."
        ) from None
    except OSError as exc:
        raise MediaError(f"Cannot open {name}: {exc.strerror or exc}.") from None
    if st.st_size == 0:
        raise MediaError(f"Cannot open {name}: the file is empty.")
    return p


def open_container(path: Path) -> av.container.InputContainer:
    """Open ``path`` for demuxing, turning every FFmpeg failure into a :class:`MediaError`."""
    name = describe(path)
    try:
        container = av.open(str(path), mode="r")
    except PermissionError:
        raise MediaError(f"Cannot open {name}: permission denied.") from None
    except (av.error.InvalidDataError, av.error.DemuxerNotFoundError):
        raise MediaError(f"Cannot open {name}: {NOT_MEDIA}.") from None
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"Cannot open {name}: {_reason(exc)}.") from None
    if container.format.name in _REJECTED_FORMATS:
        container.close()
        raise MediaError(f"Cannot open {name}: {NOT_MEDIA}.")
    return container


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(text).rstrip(".")


def pick_video_stream(container: av.container.InputContainer) -> VideoStream | None:
    """The main video stream, ignoring cover art attached to audio files."""
    candidates = [
        s for s in container.streams.video if not s.disposition & Disposition.attached_pic
    ]
    if not candidates:
        return None
    defaults = [s for s in candidates if s.disposition & Disposition.default]
    return (defaults or candidates)[0]


def pick_audio_stream(container: av.container.InputContainer) -> AudioStream | None:
    """The main audio stream (the one marked default, else the first)."""
    streams = list(container.streams.audio)
    if not streams:
        return None
    defaults = [s for s in streams if s.disposition & Disposition.default]
    return (defaults or streams)[0]


@dataclass(frozen=True, slots=True)
class AudioFields:
    """The audio part of a :class:`MediaInfo`."""

    has_audio: bool
    sample_rate: int
    channels: int
    codec: str | None

    def __post_init__(self) -> None:
        if self.has_audio and (self.sample_rate <= 0 or self.channels <= 0):
            raise ValueError("audio needs a positive sample rate and channel count")


NO_AUDIO = AudioFields(False, 0, 0, None)


def audio_fields(stream: AudioStream | None) -> AudioFields:
    """Describe an audio stream; one that cannot be decoded counts as no audio."""
    if stream is None:
        return NO_AUDIO
    # PyAV leaves codec_context as None when FFmpeg has no decoder for the codec.
    ctx = stream.codec_context
    if ctx is None or not ctx.sample_rate or not ctx.channels:
        return NO_AUDIO
    return AudioFields(True, int(ctx.sample_rate), int(ctx.channels), str(ctx.name))
