"""Open any picture source (video or still image) behind one interface.

:func:`open_media` decides by content, not by the file name: a PNG renamed ``.mp4`` opens as
an image, a text file renamed ``.mp4`` is refused with a clear message. Animated GIF/WebP
are read as videos.
"""

from __future__ import annotations

import os
from types import TracebackType
from typing import Protocol, runtime_checkable

import numpy as np

from narrlocal_gui.errors import MediaError
from narrlocal_gui.media.frame import Frame
from narrlocal_gui.media.frame_cache import DEFAULT_CACHE_BYTES
from narrlocal_gui.media.image_reader import ImageReader, is_image_file
from narrlocal_gui.media.media_info import (
    MediaInfo,
    MediaKind,
    check_media_path,
    describe,
    open_container,
    pick_audio_stream,
    pick_video_stream,
)
from narrlocal_gui.media.video_reader import VideoReader
from narrlocal_gui.progress import CancelCallback, ProgressCallback

__all__ = ["FrameSource", "open_media", "sniff_kind"]


@runtime_checkable
class FrameSource(Protocol):
    """What the viewer needs from a video or an image. Times are seconds of media time."""

    @property
    def info(self) -> MediaInfo: ...

    @property
    def frame_times(self) -> np.ndarray: ...

    def index_at(self, t: float) -> int: ...

    def time_of(self, index: int) -> float: ...

    def frame_at(self, t: float) -> Frame: ...

    def frame_by_index(self, index: int) -> Frame: ...

    def close(self) -> None: ...

    def __enter__(self) -> FrameSource: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def sniff_kind(path: str | os.PathLike[str]) -> MediaKind:
    """Whether ``path`` holds a video, a still image or only audio, judged by content.

    Raises :class:`MediaError` for anything that is none of these.
    """
    p = check_media_path(path)
    is_image, animated = is_image_file(p)
    if is_image and not animated:
        return MediaKind.IMAGE
    container = open_container(p)
    try:
        if pick_video_stream(container) is not None:
            return MediaKind.VIDEO
        if pick_audio_stream(container) is not None:
            return MediaKind.AUDIO
    finally:
        container.close()
    if is_image:
        return MediaKind.IMAGE
    raise MediaError(f"Cannot open {describe(p)}: it contains neither video nor audio.")


def open_media(
    path: str | os.PathLike[str],
    *,
    cache_bytes: int = DEFAULT_CACHE_BYTES,
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
) -> FrameSource:
    """Open a video or a still image for display.

    An audio-only file is refused (it has no pictures); use
    :func:`~narrlocal_gui.media.probe.probe` to describe it.
    """
    p = check_media_path(path)
    is_image, animated = is_image_file(p)
    if is_image and not animated:
        return ImageReader(p)
    if is_image:
        try:
            return VideoReader(p, cache_bytes=cache_bytes, progress=progress, cancel=cancel)
        except MediaError:
            # FFmpeg lacks some animated variants (e.g. animated WebP): show the first frame.
            return ImageReader(p)
    kind = sniff_kind(p)
    if kind is MediaKind.AUDIO:
        raise MediaError(
            f"Cannot open {describe(p)} as a video: it has no video track "
            "(it is an audio-only file)."
        )
    return VideoReader(p, cache_bytes=cache_bytes, progress=progress, cancel=cancel)
