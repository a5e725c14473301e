"""Which frame is on screen at a time: one rule for the player, frame steps and the readers.

A frame is shown from its presentation time until the next frame's, so the frame at ``t`` is
the last one whose time is at or before ``t``. ``frame_times`` are the sorted presentation
times of every frame (seconds of media time, as the video reader's packet index gives them),
so the answer is exact for variable frame rate too.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["FRAME_TIME_TOLERANCE", "FrameTimes", "frame_index_at"]

FrameTimes = Sequence[float] | npt.NDArray[np.float64]
"""Sorted presentation times of every frame, seconds of media time."""

FRAME_TIME_TOLERANCE = 1e-7
"""Seconds by which a time may fall short of a frame's time and still show that frame.

Why 0.1 microsecond: a time meant to be a frame's own time often arrives by another
computation (``i / fps`` in a caller, ``(pts - pts0) * time_base`` in the packet index), so
it can land a few float ulps short of the stored value, and must not show the frame before.
Those ulps stay under 1e-10 s even 24 hours into a video (the ulp of 86,400 s is 1.5e-11),
so 1e-7 absorbs them with a margin of a thousand. The other bound: the tolerance must be far
below the gap between two frames, or a time genuinely before a frame would show that frame
early: frames are a millisecond apart or more even at 1000 fps, and a time one microsecond
before a frame still shows the frame before it. (The two older copies used 1e-6, which took
a time one microsecond short of a frame for that frame, and 1e-9, which leaves a margin of
only some 70 ulps a day into a video.)
"""


def frame_index_at(frame_times: FrameTimes, t: float) -> int:
    """The index of the frame on screen at ``t``: the last one starting at or before it.

    Clamped to the first frame before the first frame time and to the last frame after
    the last; -1 when there are no frames at all.
    """
    n = len(frame_times)
    if n == 0:
        return -1
    i = int(np.searchsorted(frame_times, t + FRAME_TIME_TOLERANCE, side="right")) - 1
    return min(max(i, 0), n - 1)
