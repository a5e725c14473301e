"""The frames a localizer sees for one phrase.

DESIGN.md: the frames in ``[phrase_start - W, phrase_end + W]`` (clipped to the media),
sampled at a few frames per second. Extra exact frames can be asked for (the evaluation's
annotated ``time``). Frames are decoded exactly (media/video_reader.py seeks to the very
frame shown at a time); an image is one frame at time 0.

Frames come at native size unless ``max_side`` bounds them (a 4K window at native size is
~25 MB a frame); :func:`scale_localization` maps a result on such smaller frames back to
native pixels.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable

import cv2
import numpy as np

from narrlocal_gui.localizer.types import ClipInput, Localization
from narrlocal_gui.media.media_info import MediaKind
from narrlocal_gui.media.source import FrameSource, open_media

__all__ = ["sample_clip", "sample_times", "scale_localization"]


def sample_times(
    duration: float, phrase_start: float, phrase_end: float, *, window: float, fps: float
) -> np.ndarray:
    """Regular times at ``fps`` from ``phrase_start - window`` to ``phrase_end + window``,
    clipped to ``[0, duration]``; at least one time."""
    if not (math.isfinite(window) and window >= 0):
        raise ValueError(f"window must be a finite number >= 0, not {window}")
    if not (math.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be a finite number > 0, not {fps}")
    if not (math.isfinite(phrase_start) and math.isfinite(phrase_end)):
        raise ValueError("phrase times must be finite")
    if phrase_end < phrase_start:
        raise ValueError("phrase_end is before phrase_start")
    end_of_media = max(0.0, float(duration))
    lo = min(max(phrase_start - window, 0.0), end_of_media)
    hi = min(max(phrase_end + window, 0.0), end_of_media)
    count = math.floor((hi - lo) * fps + 1e-9) + 1
    return lo + np.arange(count, dtype=np.float64) / fps


def _resized(image: np.ndarray, max_side: int | None) -> np.ndarray:
    height, width = image.shape[:2]
    if max_side is None or max(width, height) <= max_side:
        return image
    scale = max_side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA))


def sample_clip(
    source: FrameSource | str | os.PathLike[str],
    phrase_start: float,
    phrase_end: float,
    *,
    window: float = 5.0,
    fps: float = 2.0,
    include_times: Iterable[float] = (),
    max_side: int | None = None,
) -> ClipInput:
    """The :class:`ClipInput` for a phrase spoken from ``phrase_start`` to ``phrase_end``.

    ``source`` is an open :class:`FrameSource` (left open) or a path (opened and closed
    here). Times of the result are the presentation times of the frames decoded; each frame
    appears once even when several sample times fall on it. ``include_times`` adds the
    frames shown at those times. ``max_side`` shrinks frames whose longer side exceeds it.
    """
    if max_side is not None and max_side < 16:
        raise ValueError(f"max_side must be at least 16 pixels, not {max_side}")
    if isinstance(source, str | os.PathLike):
        with open_media(source) as opened:
            return sample_clip(
                opened,
                phrase_start,
                phrase_end,
                window=window,
                fps=fps,
                include_times=include_times,
                max_side=max_side,
            )
    info = source.info
    if info.kind is MediaKind.IMAGE:
        # A photo has no time: one frame, whatever the phrase times say.
        frame = source.frame_by_index(0)
        return ClipInput(
            frames=_resized(frame.image, max_side)[None].copy(),
            times=np.zeros(1),
            phrase_start=float(phrase_start),
            phrase_end=float(phrase_end),
        )
    times = sample_times(info.duration, phrase_start, phrase_end, window=window, fps=fps)
    wanted = [float(t) for t in times]
    for t in include_times:
        if not math.isfinite(t):
            raise ValueError(f"include_times must be finite, not {t}")
        wanted.append(float(t))
    indices = sorted({source.index_at(t) for t in wanted})
    frames = []
    frame_times = []
    for index in indices:
        frame = source.frame_by_index(index)
        frames.append(_resized(frame.image, max_side))
        frame_times.append(frame.time)
    return ClipInput(
        frames=np.stack(frames),
        times=np.asarray(frame_times, dtype=np.float64),
        phrase_start=float(phrase_start),
        phrase_end=float(phrase_end),
    )


def scale_localization(
    loc: Localization, from_size: tuple[int, int], to_size: tuple[int, int]
) -> Localization:
    """``loc`` computed on frames of ``from_size`` = (W, H), with points and boxes in the
    pixels of ``to_size`` (heat maps cover the whole frame and stay as they are)."""
    sx = to_size[0] / from_size[0]
    sy = to_size[1] / from_size[1]
    if (sx, sy) == (1.0, 1.0):
        return loc
    return Localization(
        times=loc.times,
        heatmaps=loc.heatmaps,
        points=loc.points * np.array([sx, sy]),
        boxes=loc.boxes * np.array([sx, sy, sx, sy]),
        scores=loc.scores,
    )
