"""Turning a stored picture upright: the display matrix and rotation tag of a video stream.

The rules follow FFmpeg's own autorotation, so pictures look the same as in FFmpeg-based
players.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from av.sidedata.sidedata import Type as SideDataType
from av.video.frame import VideoFrame
from av.video.stream import VideoStream

__all__ = ["IDENTITY", "Orientation", "orientation_of"]


@dataclass(frozen=True, slots=True)
class Orientation:
    """How to turn a stored picture upright: quarter turns, then optional mirroring.

    ``rotation`` is the clockwise display rotation in degrees (reported in
    :class:`MediaInfo`); ``quarter_turns`` is the equivalent ``np.rot90`` count
    (counter-clockwise); the flips are applied after turning.
    """

    rotation: int
    quarter_turns: int
    vflip: bool = False
    hflip: bool = False

    def __post_init__(self) -> None:
        if self.rotation not in (0, 90, 180, 270):
            raise ValueError(f"rotation must be 0, 90, 180 or 270, not {self.rotation}")
        if self.quarter_turns not in (0, 1, 2, 3):
            raise ValueError(f"quarter_turns must be 0..3, not {self.quarter_turns}")

    @property
    def is_identity(self) -> bool:
        return self.quarter_turns == 0 and not self.vflip and not self.hflip

    def apply(self, image: np.ndarray) -> np.ndarray:
        if self.is_identity:
            return image
        out = np.rot90(image, self.quarter_turns) if self.quarter_turns else image
        if self.vflip:
            out = out[::-1]
        if self.hflip:
            out = out[:, ::-1]
        return np.ascontiguousarray(out)

    @classmethod
    def from_display_matrix(cls, matrix: Sequence[int]) -> Orientation:
        """Orientation for an FFmpeg display matrix (9 ints, 16.16 fixed point).

        Mirrors the autorotation of the ``ffmpeg`` command line so pictures look the same
        as in FFmpeg-based players.
        """
        m = [float(v) / 65536.0 for v in matrix[:6]]
        sx = math.hypot(m[0], m[3])
        sy = math.hypot(m[1], m[4])
        if sx == 0.0 or sy == 0.0:
            return IDENTITY
        theta = float(round(math.degrees(math.atan2(m[1] / sy, m[0] / sx))))
        theta -= 360.0 * math.floor(theta / 360.0 + 0.9 / 360.0)
        if abs(theta - 90.0) < 1.0:
            # FFmpeg: transpose=cclock_flip when m[3] > 0, else transpose=clock.
            return cls(90, 1, vflip=True) if m[3] > 0 else cls(90, 3)
        if abs(theta - 180.0) < 1.0:
            hflip, vflip = m[0] < 0, m[4] < 0
            if hflip and vflip:
                return cls(180, 2)
            return cls(180, 0, vflip=vflip, hflip=hflip)
        if abs(theta - 270.0) < 1.0:
            # FFmpeg: transpose=clock_flip when m[3] < 0, else transpose=cclock.
            return cls(270, 3, vflip=True) if m[3] < 0 else cls(270, 1)
        if abs(theta) < 1.0 or abs(theta - 360.0) < 1.0:
            return cls(0, 0, vflip=m[4] < 0)
        # Arbitrary angles are rare enough (and FFmpeg pads them) that the nearest quarter
        # turn is the useful answer.
        quarter = round(theta / 90.0) % 4
        return cls(quarter * 90, (4 - quarter) % 4)

    @classmethod
    def from_rotation(cls, clockwise_degrees: int) -> Orientation:
        quarter = round(clockwise_degrees / 90.0) % 4
        return cls(quarter * 90, (4 - quarter) % 4)


IDENTITY = Orientation(0, 0)


def orientation_of(frame: VideoFrame, stream: VideoStream) -> Orientation:
    # PyAV's type hints call side_data a TypedDict; at run time it is keyed by side-data Type.
    side_data: Any = frame.side_data
    try:
        side = side_data.get(SideDataType.DISPLAYMATRIX)
    except (KeyError, ValueError, TypeError):
        side = None
    if side is not None:
        raw = bytes(side)
        if len(raw) >= 36:
            matrix = np.frombuffer(raw[:36], dtype="<i4").tolist()
            return Orientation.from_display_matrix(matrix)
    # Files written by old tools carry only a "rotate" tag (clockwise degrees).
    tag = stream.metadata.get("rotate")
    if tag:
        try:
            return Orientation.from_rotation(int(float(tag)))
        except ValueError:
            return IDENTITY
    return IDENTITY
