"""What a video export is asked to do, what it reports while running, and how it ends.

Plain data only, so a GUI worker can pass options in and progress out across threads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from narrlocal_gui.errors import ExportError
from narrlocal_gui.progress import Cancelled

__all__ = [
    "DEFAULT_AAC_BITRATE",
    "DEFAULT_CRF",
    "DEFAULT_PRESET",
    "X264_PRESETS",
    "AudioMode",
    "ExportCancelled",
    "ExportError",
    "ExportProgress",
    "ExportResult",
    "VideoExportOptions",
]

#: libx264's speed/size presets, fastest first.
X264_PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
)
#: The source is already lossy; 18 keeps a second generation visually indistinguishable.
DEFAULT_CRF = 18
DEFAULT_PRESET = "medium"
DEFAULT_AAC_BITRATE = 192_000
_AAC_BITRATES = (32_000, 512_000)


class ExportCancelled(Cancelled):
    """The caller's ``cancel()`` returned True; the partial file was removed."""


class AudioMode(StrEnum):
    """What happens to the source's audio."""

    AUTO = "auto"  # copy it where every MP4 player plays it as it is, else AAC
    COPY = "copy"  # the packets as they are (an error when MP4 cannot hold the codec)
    AAC = "aac"  # decoded and encoded again as AAC
    NONE = "none"  # a silent video


@dataclass(frozen=True, slots=True)
class VideoExportOptions:
    """H.264 quality (``crf``, 0 = lossless .. 51), x264 ``preset``, audio handling, and the
    range ``[start, end)`` in seconds of media time (None: from the first frame / to the end).
    ``overwrite`` allows replacing an existing output file."""

    crf: int = DEFAULT_CRF
    preset: str = DEFAULT_PRESET
    audio: AudioMode = AudioMode.AUTO
    aac_bitrate: int = DEFAULT_AAC_BITRATE
    start: float | None = None
    end: float | None = None
    overwrite: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.crf, bool) or not isinstance(self.crf, int) or not 0 <= self.crf <= 51:
            raise ValueError(
                f"the quality (CRF) must be a whole number from 0 to 51, not {self.crf}"
            )
        if self.preset not in X264_PRESETS:
            raise ValueError(
                f"the preset must be one of {', '.join(X264_PRESETS)}, not {self.preset!r}"
            )
        object.__setattr__(self, "audio", AudioMode(self.audio))
        low, high = _AAC_BITRATES
        if isinstance(self.aac_bitrate, bool) or not low <= self.aac_bitrate <= high:
            raise ValueError(
                f"the AAC bitrate must be from {low // 1000} to {high // 1000} kbit/s, "
                f"not {self.aac_bitrate / 1000:g}"
            )
        for name, value in (("start", self.start), ("end", self.end)):
            if value is not None and not (math.isfinite(value) and value >= 0.0):
                raise ValueError(f"the {name} time must be a number of seconds >= 0, not {value}")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError(f"the end ({self.end:g} s) must be after the start ({self.start:g} s)")
        if self.end is not None and self.end <= 0.0:
            raise ValueError("the end time must be after 0 s")


@dataclass(frozen=True, slots=True)
class ExportProgress:
    """How far an export is: frames and seconds of output done, wall-clock seconds spent and
    the estimated seconds left (None until there is a rate to go by)."""

    frames_done: int
    frames_total: int
    seconds_done: float
    seconds_total: float
    elapsed: float
    eta: float | None

    def __post_init__(self) -> None:
        if not 0 <= self.frames_done <= self.frames_total:
            raise ValueError(
                f"frames_done must be in 0..{self.frames_total}, not {self.frames_done}"
            )
        if self.elapsed < 0 or (self.eta is not None and self.eta < 0):
            raise ValueError("elapsed and eta must be >= 0")

    @property
    def fraction(self) -> float:
        return self.frames_done / self.frames_total if self.frames_total else 1.0


@dataclass(frozen=True, slots=True)
class ExportResult:
    """A finished export: the file, its frames, seconds of video, picture size, the audio
    codec written (None: no audio) and the wall-clock seconds it took."""

    path: Path
    frames: int
    duration: float
    width: int
    height: int
    audio_codec: str | None
    elapsed: float

    def __post_init__(self) -> None:
        if self.frames <= 0 or self.duration <= 0 or self.width <= 0 or self.height <= 0:
            raise ValueError("an export holds at least one frame of positive size and duration")

    @property
    def speed(self) -> float:
        """Seconds of video written per second taken (the multiple of real time)."""
        return self.duration / self.elapsed if self.elapsed > 0 else math.inf
