"""A still image behind the same interface as a video: a single frame.

The image is frame 0 at time 0 and is returned for every time. So that a timeline can show
it and annotations can have a span, a still is given a nominal duration of
:data:`IMAGE_DURATION` (5 s): ``info.duration == 5.0``, ``frame_count == 1`` and
``fps == 1 / 5``, consistent with ``frame_count / duration`` as for videos.

EXIF orientation is applied (the picture is upright, as photo viewers show it) and
transparency is composited over black, as a video player would show it.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path
from types import TracebackType
from typing import Self

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from narrlocal_gui.errors import MediaError
from narrlocal_gui.media.frame import Frame
from narrlocal_gui.media.media_info import (
    NO_AUDIO,
    MediaInfo,
    MediaKind,
    check_media_path,
    describe,
)

__all__ = ["IMAGE_DURATION", "IMAGE_FORMATS", "ImageReader"]

IMAGE_DURATION = 5.0
"""Nominal seconds a still image lasts on the timeline."""

IMAGE_FORMATS = ("PNG", "JPEG", "BMP", "WEBP", "GIF", "TIFF")
"""Pillow formats read as stills (checked by content, whatever the file name says)."""

_EXIF_ORIENTATION_TAG = 0x0112
# EXIF orientation -> clockwise display rotation (mirrored variants report their turn).
_EXIF_ROTATION = {1: 0, 2: 0, 3: 180, 4: 180, 5: 270, 6: 90, 7: 90, 8: 270}


class ImageReader:
    """One still image as a one-frame source."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = check_media_path(path)
        self._name = describe(self._path)
        self._closed = False
        image, rotation = _load_rgb(self._path, self._name)
        image.setflags(write=False)
        self._image = image
        self._times = np.zeros(1, dtype=np.float64)
        self._times.setflags(write=False)
        self._info = MediaInfo(
            path=self._path,
            kind=MediaKind.IMAGE,
            duration=IMAGE_DURATION,
            width=int(image.shape[1]),
            height=int(image.shape[0]),
            fps=1.0 / IMAGE_DURATION,
            frame_count=1,
            rotation=rotation,
            has_audio=NO_AUDIO.has_audio,
            audio_sample_rate=NO_AUDIO.sample_rate,
            audio_channels=NO_AUDIO.channels,
            video_codec=None,
            audio_codec=None,
            size_bytes=self._path.stat().st_size,
        )

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> ImageReader:
        return cls(path)

    @property
    def path(self) -> Path:
        return self._path

    @property
    def info(self) -> MediaInfo:
        return self._info

    @property
    def frame_times(self) -> np.ndarray:
        return self._times

    @property
    def frame_count(self) -> int:
        return 1

    @property
    def duration(self) -> float:
        return IMAGE_DURATION

    @property
    def origin(self) -> float:
        return 0.0

    @property
    def closed(self) -> bool:
        return self._closed

    def index_at(self, t: float) -> int:
        if math.isnan(float(t)):
            raise ValueError("time must be a number, not NaN")
        return 0

    def time_of(self, index: int) -> float:
        return 0.0

    def frame_at(self, t: float) -> Frame:
        return self.frame_by_index(self.index_at(t))

    def frame_by_index(self, index: int) -> Frame:
        if self._closed:
            raise ValueError(f"the image reader for {self._name} is closed")
        return Frame(0, 0.0, self._image)

    def close(self) -> None:
        self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ImageReader({str(self._path)!r}, {self._info.width}x{self._info.height})"


def is_image_file(path: Path) -> tuple[bool, bool]:
    """(is a still-image format by content, has more than one frame)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path, formats=IMAGE_FORMATS) as img:
                frames = int(getattr(img, "n_frames", 1) or 1)
                return True, frames > 1
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False, False


def _load_rgb(path: Path, name: str) -> tuple[np.ndarray, int]:
    try:
        with warnings.catch_warnings():
            # Large photos are fine; only Pillow's hard limit (a likely attack) is refused.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path, formats=IMAGE_FORMATS) as img:
                img.load()
                orientation = img.getexif().get(_EXIF_ORIENTATION_TAG, 1)
                upright = ImageOps.exif_transpose(img)
                rgb = _flatten_to_rgb(upright)
                array = np.asarray(rgb, dtype=np.uint8)
    except Image.DecompressionBombError:
        raise MediaError(f"Cannot open {name}: the image is too large to load safely.") from None
    except UnidentifiedImageError:
        raise MediaError(f"Cannot open {name}: it is not an image this program can read.") from None
    except (OSError, ValueError, SyntaxError) as exc:
        detail = str(exc).rstrip(".") or "the data is damaged"
        raise MediaError(f"Cannot open {name}: the image cannot be decoded ({detail}).") from None
    if array.ndim != 3 or array.shape[2] != 3 or array.shape[0] == 0 or array.shape[1] == 0:
        raise MediaError(f"Cannot open {name}: the image has no pixels.")
    rotation = _EXIF_ROTATION.get(int(orientation) if isinstance(orientation, int) else 1, 0)
    return np.ascontiguousarray(array), rotation


def _flatten_to_rgb(img: Image.Image) -> Image.Image:
    if img.mode == "RGB":
        return img
    has_alpha = img.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        img.mode == "P" and "transparency" in img.info
    )
    if has_alpha:
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: scale to 8 bits instead of letting Pillow clip at 255.
        data = np.asarray(img, dtype=np.float64)
        peak = float(data.max()) if data.size else 0.0
        scale = 255.0 / 65535.0 if peak > 255 else 1.0
        grey = np.clip(data * scale, 0, 255).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    return img.convert("RGB")
