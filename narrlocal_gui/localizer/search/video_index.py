"""The per-frame features a search reads, for a whole video, computed once and kept on disk.

Every ``1/fps`` seconds (default 2 frames/s) the frame shown then is decoded, shrunk, and
given to the localizer's EfficientNet-Lite0 (the bridge's encoder); its ImageNet classifier
applied to every cell of the grid (the class-activation logits the bridge localizes with)
is pooled per frame two ways, the strongest cell and the mean, so a query's classes score a
frame whether the thing fills it or is small. A 80 x 60 grey thumbnail of the frame is
kept for motion. That is 4 kB of logits and 5 kB of thumbnail a frame, 65 MB for an hour,
instead of the 0.7 MB grid per frame the localizer caches: a query over the whole video is
one matrix-vector product.

Features are stored in the localizer's :class:`FeatureCache` in chunks of
:data:`CHUNK` frames, keyed by the media fingerprint, so a second query, a second run or a
run cut short resumes where the cache ends.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from narrlocal_gui.localizer.encoders.feature_cache import (
    FeatureCache,
    FeatureKey,
    MediaFingerprint,
)
from narrlocal_gui.media.media_info import MediaKind
from narrlocal_gui.media.source import FrameSource, open_media
from narrlocal_gui.progress import CancelCallback, Cancelled, ProgressCallback

__all__ = [
    "CHUNK",
    "THUMB_SIZE",
    "FrameScorer",
    "VideoIndex",
    "build_video_index",
    "frame_motion",
    "sample_times",
]

CHUNK = 64
THUMB_SIZE = (80, 60)  # width, height
_DECODE_SIDE = 640  # frames are shrunk to this before encoding (the encoder's side is less)


class FrameScorer(Protocol):
    """What the index needs of a picture model: a name that changes with its weights, and
    per-frame class logits pooled two ways."""

    @property
    def version(self) -> str: ...

    def frame_logits(self, frames: np.ndarray) -> np.ndarray:
        """(n, 2, classes) float32 for (n, H, W, 3) uint8 RGB frames: [:, 0] the strongest
        cell's logit of each class, [:, 1] the mean over the cells."""
        ...


@dataclass(frozen=True, slots=True, eq=False)
class VideoIndex:
    """The features of one video: ``times`` (T,) seconds of the frames sampled,
    ``logits`` (T, 2, classes) float32, ``thumbs`` (T, 60, 80) uint8, ``duration``."""

    times: np.ndarray
    logits: np.ndarray
    thumbs: np.ndarray
    duration: float
    _motion: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        t = np.asarray(self.times, dtype=np.float64)
        if t.ndim != 1 or t.size == 0 or np.any(np.diff(t) <= 0):
            raise ValueError("times must be a non-empty ascending (T,) array")
        if self.logits.ndim != 3 or self.logits.shape[:2] != (t.size, 2):
            raise ValueError(f"logits must be (T, 2, classes), not {self.logits.shape}")
        if self.thumbs.shape != (t.size, THUMB_SIZE[1], THUMB_SIZE[0]):
            raise ValueError(f"thumbs must be (T, {THUMB_SIZE[1]}, {THUMB_SIZE[0]})")
        if not (math.isfinite(self.duration) and self.duration >= 0):
            raise ValueError("duration must be finite and >= 0")
        object.__setattr__(self, "times", t)

    @property
    def motion(self) -> np.ndarray:
        """(T,) mean absolute change of the thumbnail from the previous sample (grey
        levels); the first sample repeats the second's."""
        if self._motion is None:
            object.__setattr__(self, "_motion", frame_motion(self.thumbs))
        assert self._motion is not None
        return self._motion


def frame_motion(thumbs: np.ndarray) -> np.ndarray:
    """(T,) mean |thumb_t - thumb_{t-1}|; a single frame has no motion."""
    if thumbs.shape[0] < 2:
        return np.zeros(thumbs.shape[0], dtype=np.float64)
    diff = np.abs(np.diff(thumbs.astype(np.int16), axis=0)).mean(axis=(1, 2))
    return np.concatenate(([diff[0]], diff)).astype(np.float64)


def sample_times(duration: float, fps: float) -> np.ndarray:
    """``0, 1/fps, ...`` up to the duration; one time (0) for a picture or a short clip."""
    if not (math.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be a finite number > 0, not {fps}")
    count = max(1, math.floor(max(0.0, duration) * fps + 1e-9) + 1)
    times = np.arange(count, dtype=np.float64) / fps
    return times[times <= max(0.0, duration) + 1e-9] if count > 1 else times


def _thumb(frame: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    return np.asarray(cv2.resize(grey, THUMB_SIZE, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def _shrunk(frame: np.ndarray) -> np.ndarray:
    h, w = frame.shape[:2]
    if max(h, w) <= _DECODE_SIDE:
        return frame
    scale = _DECODE_SIDE / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(cv2.resize(frame, size, interpolation=cv2.INTER_AREA))


def _keys(
    media: MediaFingerprint, scorer: FrameScorer, fps: float, start: float
) -> tuple[FeatureKey, FeatureKey]:
    rate = f"{fps:g}".replace(".", "p")
    return (
        FeatureKey(media, f"search-{scorer.version}-{rate}fps", 1, start),
        FeatureKey(media, f"search-thumbs-{rate}fps", 1, start),
    )


def build_video_index(
    path: str | Path,
    scorer: FrameScorer,
    *,
    fps: float = 2.0,
    cache: FeatureCache | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
) -> VideoIndex:
    """The index of the video (or picture) at ``path``: chunks found in ``cache`` are read,
    the others decoded, encoded and stored. Raises :class:`Cancelled` when ``cancel()``
    turns true (chunks finished so far stay cached)."""
    media = MediaFingerprint.of(path) if cache is not None else None
    with open_media(path) as source:
        info = source.info
        duration = 0.0 if info.kind is MediaKind.IMAGE else float(info.duration)
        times = sample_times(duration, fps)
        logits: list[np.ndarray] = []
        thumbs: list[np.ndarray] = []
        found_times: list[np.ndarray] = []
        chunks = range(0, times.size, CHUNK)
        for done, first in enumerate(chunks):
            if cancel is not None and cancel():
                raise Cancelled("cancelled by the caller")
            wanted = times[first : first + CHUNK]
            keys = _keys(media, scorer, fps, float(wanted[0])) if media is not None else None
            stored = _read_chunk(cache, keys, wanted.size) if keys is not None else None
            if stored is None:
                stored = _encode_chunk(source, wanted, scorer, info.kind is MediaKind.IMAGE)
                if cache is not None and keys is not None:
                    cache.put(keys[0], stored[0].astype(np.float16))
                    cache.put(keys[1], stored[1])
            logits.append(stored[0].astype(np.float32))
            thumbs.append(stored[1])
            found_times.append(wanted)
            if progress is not None:
                progress((done + 1) / len(chunks))
    return VideoIndex(
        times=np.concatenate(found_times),
        logits=np.concatenate(logits),
        thumbs=np.concatenate(thumbs),
        duration=duration,
    )


def _read_chunk(
    cache: FeatureCache | None, keys: tuple[FeatureKey, FeatureKey], count: int
) -> tuple[np.ndarray, np.ndarray] | None:
    if cache is None:
        return None
    logits = cache.get(keys[0])
    thumbs = cache.get(keys[1], shape=(count, THUMB_SIZE[1], THUMB_SIZE[0]))
    if logits is None or thumbs is None or logits.ndim != 3 or logits.shape[:2] != (count, 2):
        return None
    if thumbs.dtype != np.uint8 or not np.all(np.isfinite(logits)):
        return None
    return logits, thumbs


def _encode_chunk(
    source: FrameSource, times: Sequence[float] | np.ndarray, scorer: FrameScorer, image: bool
) -> tuple[np.ndarray, np.ndarray]:
    frames = []
    for t in times:
        index = 0 if image else source.index_at(float(t))
        frames.append(_shrunk(source.frame_by_index(index).image))
    shapes = {f.shape for f in frames}
    if len(shapes) != 1:  # a stream whose size changes: encode at the first size
        h, w = frames[0].shape[:2]
        frames = [np.asarray(cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA)) for f in frames]
    stack = np.stack(frames)
    logits = np.asarray(scorer.frame_logits(stack), dtype=np.float32)
    if logits.ndim != 3 or logits.shape[:2] != (len(frames), 2):
        raise ValueError(f"the scorer gave {logits.shape} for {len(frames)} frames")
    thumbs = np.stack([_thumb(f) for f in frames])
    return logits, thumbs
