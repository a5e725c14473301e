"""RGB pictures into an H.264 (yuv420p) stream of an output container.

Odd sizes: 4:2:0 chroma needs an even width and height, so a picture with an odd side gets
one more column (or row) on the right (or bottom), a copy of its last one. Nothing moves:
every pixel, box and label stays where it was, and the added line looks like the edge.

Timestamps are the frames' own times on a 1/90000 s clock (the MPEG clock, which holds every
common frame rate exactly), so variable frame rate survives; the nominal ``rate`` is only a
hint for the encoder's rate control. The pictures go back to YUV with the source's own matrix
(:mod:`narrlocal_gui.media.yuv_colors`, the inverse of what the reader decoded them with), and
the stream is tagged as the source was: pixels nothing was drawn on keep their values, and
players show them in the source's colours.
"""

from __future__ import annotations

from fractions import Fraction
from typing import cast

import av
import av.container
import cv2
import numpy as np
import numpy.typing as npt
from av.video.stream import VideoStream

from narrlocal_gui.media.yuv_colors import (
    UNTAGGED_BT601,
    YuvColors,
    rgb_to_yuv420,
    tag_stream,
)

__all__ = ["TIME_BASE", "H264Encoder", "even_size", "pad_to_even"]

TIME_BASE = Fraction(1, 90000)


def even_size(width: int, height: int) -> tuple[int, int]:
    """The encoded size of a ``width`` x ``height`` picture: each side rounded up to even."""
    return width + width % 2, height + height % 2


def pad_to_even(image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """``image`` with its last column / row repeated where the side is odd (else itself)."""
    height, width = int(image.shape[0]), int(image.shape[1])
    if width % 2 == 0 and height % 2 == 0:
        return image
    padded = cv2.copyMakeBorder(image, 0, height % 2, 0, width % 2, cv2.BORDER_REPLICATE)
    return cast(npt.NDArray[np.uint8], padded)


class H264Encoder:
    """An H.264 stream in ``out`` for ``width`` x ``height`` RGB pictures (any parity)."""

    def __init__(
        self,
        out: av.container.OutputContainer,
        width: int,
        height: int,
        rate: Fraction,
        *,
        crf: int,
        preset: str,
        colors: YuvColors = UNTAGGED_BT601,
    ) -> None:
        self._out = out
        self._size = (width, height)
        self._colors = colors
        stream = out.add_stream("libx264", rate=rate, options={"crf": str(crf), "preset": preset})
        if not isinstance(stream, VideoStream):  # pragma: no cover - libx264 is a video codec
            raise TypeError("libx264 did not give a video stream")
        stream.width, stream.height = even_size(width, height)
        stream.pix_fmt = "yuv420p"
        stream.time_base = TIME_BASE
        stream.codec_context.time_base = TIME_BASE
        # Frame and slice threads, as the ffmpeg command line uses (PyAV's default is slices only).
        stream.codec_context.thread_type = "AUTO"
        tag_stream(stream.codec_context, colors)
        self._stream = stream
        self._previous = -1

    @property
    def encoded_size(self) -> tuple[int, int]:
        return (int(self._stream.width), int(self._stream.height))

    def encode(self, image: npt.NDArray[np.uint8], seconds: float) -> None:
        """Encode ``image`` (H x W x 3 uint8 RGB) to be shown from ``seconds`` of output time."""
        self.write(self.prepare(image, seconds))

    def prepare(self, image: npt.NDArray[np.uint8], seconds: float) -> av.VideoFrame:
        """The encoder's input for ``image`` at ``seconds``: the expensive, thread-safe half of
        :meth:`encode` (call it for the frames in order; :meth:`write` them in that order)."""
        if image.shape != (self._size[1], self._size[0], 3) or image.dtype != np.uint8:
            raise ValueError(
                f"frames must be uint8 {self._size[1]} x {self._size[0]} x 3, not "
                f"{image.dtype} {image.shape}"
            )
        return self._frame(rgb_to_yuv420(pad_to_even(image), self._colors), seconds)

    def prepare_planes(self, planes: npt.NDArray[np.uint8], seconds: float) -> av.VideoFrame:
        """:meth:`prepare` for a frame given as its source's own I420 planes ((H * 3 / 2) x W,
        in the source's matrix), which go to the encoder unchanged."""
        width, height = self.encoded_size
        if planes.shape != (height * 3 // 2, width) or planes.dtype != np.uint8:
            raise ValueError(
                f"planes must be uint8 {height * 3 // 2} x {width}, not {planes.dtype} "
                f"{planes.shape}"
            )
        return self._frame(planes, seconds)

    def _frame(self, yuv: npt.NDArray[np.uint8], seconds: float) -> av.VideoFrame:
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        # Two source frames closer than 1/90000 s (never in real files) must still get
        # increasing timestamps.
        pts = max(round(seconds / TIME_BASE), self._previous + 1)
        self._previous = pts
        frame.pts = pts
        frame.time_base = TIME_BASE
        return frame

    def write(self, frame: av.VideoFrame) -> None:
        """Encode a frame from :meth:`prepare` and mux what the encoder gives back."""
        self._out.mux(self._stream.encode(frame))

    def finish(self) -> None:
        """Flush the frames the encoder still holds."""
        self._out.mux(self._stream.encode(None))
