"""Frame-exact random access to a video file.

Opening a :class:`VideoReader` reads every packet of the video stream once, without
decoding (about a second per hour of video), and keeps their presentation timestamps and
keyframe flags (:mod:`~narrlocal_gui.media.packet_index`). That index is the ground truth
for everything else:

* frame times are exact, also for variable frame rate;
* the duration is what the file really contains (a truncated recording keeps the header of
  the complete one, so the header's duration cannot be trusted);
* a request for frame *i* seeks to the keyframe at or before *i* and decodes forward until
  the frame whose timestamp is that of *i*, so the returned picture is exactly frame *i*.

Media time 0 is the first frame's presentation time: a stream that starts at 1.4 s (common
in MPEG-TS) has ``frame_times[0] == 0`` and :attr:`VideoReader.origin` == 1.4.

Sequential reading never seeks: when the requested frame is a little ahead of the decoder
(or no keyframe lies between), decoding simply continues. Frames decoded on the way go into
a byte-bounded :class:`FrameCache` (those so far before the target that the cache could not
keep them anyway are not converted to RGB), so stepping back is usually free. Frame 0 is
decoded on opening and always kept. A packet that fails to decode is skipped; a frame that
cannot be decoded at all is shown as the nearest decodable frame before it (or after it
when none precedes it), as a player would. A partial packet at the very end of a truncated
file is left out of the index and never reaches the decoder.

Pictures are RGB ``uint8`` arrays of shape (height, width, 3), turned upright according to
the stream's display matrix (rotation and mirroring, following FFmpeg's own rules: see
:mod:`~narrlocal_gui.media.orientation`), and
read-only. A reader may be shared between threads: decoding is serialised by a lock.
"""

from __future__ import annotations

import math
import os
import threading
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Self

import av
import av.container
import numpy as np
from av.packet import Packet
from av.video.frame import VideoFrame
from av.video.reformatter import VideoReformatter
from av.video.stream import VideoStream

from narrlocal_gui.core.frame_times import frame_index_at
from narrlocal_gui.errors import MediaError
from narrlocal_gui.media.frame import Frame
from narrlocal_gui.media.frame_cache import DEFAULT_CACHE_BYTES, FrameCache
from narrlocal_gui.media.media_info import (
    NOT_MEDIA,
    MediaInfo,
    MediaKind,
    audio_fields,
    check_media_path,
    describe,
    open_container,
    pick_audio_stream,
    pick_video_stream,
)
from narrlocal_gui.media.orientation import IDENTITY, Orientation, orientation_of
from narrlocal_gui.media.packet_index import build_packet_index, declared_rate
from narrlocal_gui.media.yuv_colors import (
    YuvColors,
    fast_path_colors,
    source_colors,
    yuv420_to_rgb,
)
from narrlocal_gui.progress import CancelCallback, ProgressCallback

__all__ = ["VideoReader", "frame_rgb"]

# Decoding this many frames costs about as much as a seek (demuxer reposition + decoder
# flush + the keyframe itself), so a short jump forward is cheaper without seeking.
_SEEK_COST_FRAMES = 8


def _is_single_image_format(format_name: str) -> bool:
    names = format_name.split(",")
    return any(n == "image2" or n.endswith("_pipe") for n in names)


def frame_rgb(frame: VideoFrame, reformatter: VideoReformatter | None = None) -> np.ndarray:
    """A decoded frame as the reader's RGB picture (before turning it upright): 8-bit 4:2:0
    frames through :mod:`~narrlocal_gui.media.yuv_colors` (the exact inverse of what the
    exporter encodes with), anything else through swscale."""
    space, rng = int(frame.colorspace), int(frame.color_range)
    fast = fast_path_colors(frame.format.name, frame.width, frame.height, space, rng)
    if fast is not None:
        return yuv420_to_rgb(np.asarray(frame.to_ndarray(), dtype=np.uint8), fast)
    # A long-lived reformatter: frame.to_ndarray(format=...) builds a new swscale context
    # per call, which costs ~2 ms even for a tiny frame.
    converter = reformatter if reformatter is not None else VideoReformatter()
    return converter.reformat(frame, format="rgb24").to_ndarray()


class VideoReader:
    """Random and sequential frame access to one video file.

    ``progress(fraction)`` and ``cancel()`` are called while the packets are indexed;
    cancelling raises :class:`~narrlocal_gui.progress.Cancelled`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        progress: ProgressCallback | None = None,
        cancel: CancelCallback | None = None,
    ) -> None:
        self._path = check_media_path(path)
        self._name = describe(self._path)
        self._size = self._path.stat().st_size
        self._cache = FrameCache(cache_bytes)
        self._lock = threading.RLock()
        self._closed = False
        self._orientation = IDENTITY
        self._packets: Iterator[Packet[VideoStream]] | None = None
        self._pending: deque[tuple[int, VideoFrame]] = deque()
        self._eof = False
        self._next_index = 0  # index the decoder is expected to produce next
        # The newest frame taken from the decoder (converted or not).
        self._last_output: tuple[int, VideoFrame | np.ndarray] | None = None
        self._last_mapped = -1
        self._seek_count = 0
        self._decode_errors = 0
        self._frame_nbytes = 0  # size of one RGB picture, known once the first is decoded
        self._reformatter = VideoReformatter()
        self._colors: YuvColors | None = None  # of the first frame converted
        self._container = open_container(self._path)
        try:
            self._stream = self._select_stream(self._container)
            self._index = build_packet_index(
                self._container, self._stream, self._name, self._size, progress, cancel
            )
            first = self._open_first_frame()
            self._fallback = first
            self._frame_nbytes = int(first.nbytes)
            self._info = self._make_info(first)
        except BaseException:
            self._close_container()
            raise

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        progress: ProgressCallback | None = None,
        cancel: CancelCallback | None = None,
    ) -> VideoReader:
        return cls(path, cache_bytes=cache_bytes, progress=progress, cancel=cancel)

    # -- public API -------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self._path

    @property
    def info(self) -> MediaInfo:
        return self._info

    @property
    def colors(self) -> YuvColors:
        """The YUV matrix of the video's pictures: what an export encodes with, so that its
        untouched pixels keep their values and players read them as the source's."""
        assert self._colors is not None  # set by the first frame, decoded on opening
        return self._colors

    @property
    def frame_times(self) -> np.ndarray:
        """Presentation time of every frame, seconds of media time, ascending, read-only."""
        return self._index.times

    @property
    def frame_count(self) -> int:
        return int(self._index.times.size)

    @property
    def duration(self) -> float:
        """Seconds from the first frame to the end of the last one."""
        return self._index.duration

    @property
    def origin(self) -> float:
        """Container time (seconds) of media time 0: pass it to ``decode_audio``."""
        return self._index.origin

    @property
    def keyframe_indices(self) -> np.ndarray:
        return self._index.keyframes.copy()

    @property
    def orientation(self) -> Orientation:
        return self._orientation

    @property
    def cache(self) -> FrameCache:
        return self._cache

    @property
    def seek_count(self) -> int:
        """How many times the demuxer was repositioned (opening counts once)."""
        return self._seek_count

    @property
    def decode_error_count(self) -> int:
        """Packets the decoder rejected (damaged data) and that were skipped."""
        return self._decode_errors

    @property
    def closed(self) -> bool:
        return self._closed

    def index_at(self, t: float) -> int:
        """The frame shown at media time ``t`` (clamped to the first and last frame)."""
        t = float(t)
        if math.isnan(t):
            raise ValueError("time must be a number, not NaN")
        return frame_index_at(self._index.times, t)

    def time_of(self, index: int) -> float:
        """Presentation time of frame ``index`` (clamped to the valid range)."""
        return float(self._index.times[self._clamp(index)])

    def frame_at(self, t: float) -> Frame:
        return self.frame_by_index(self.index_at(t))

    def frame_by_index(self, index: int) -> Frame:
        """Frame ``index`` (clamped to the valid range), decoded exactly."""
        i = self._clamp(index)
        self._check_open()
        # Frame 0 was decoded on opening and is kept outside the cache (it is the
        # thumbnail and the stand-in for undecodable frames), so it never costs a seek.
        image = self._fallback if i == 0 else self._cache.get(i)
        if image is None:
            with self._lock:
                self._check_open()
                image = self._cache.get(i)
                held = self._last_output
                if image is None and held is not None and held[0] == i:
                    # Just decoded (planes_by_index declined it): no seek back for it.
                    image = self._image_of(*held)
                if image is None:
                    image = self._decode_to(i)
        return Frame(i, float(self._index.times[i]), image)

    def planes_by_index(self, index: int) -> np.ndarray | None:
        """Frame ``index``'s own I420 planes ((H * 3 / 2) x W uint8), as decoded, for a
        consumer that encodes the frame again unchanged (the exporter, where nothing is drawn).

        None where the reader's picture of that frame is not those planes converted with
        :func:`~narrlocal_gui.media.yuv_colors.yuv420_to_rgb` (not 8-bit 4:2:0 of an even
        size, full range, another matrix, turned by rotation metadata) or the frame could not
        be decoded: :meth:`frame_by_index` then gives its picture (without decoding again).
        """
        i = self._clamp(index)
        with self._lock:
            self._check_open()
            frame, _ = self._advance_to(i)
            if frame is None:
                return None
            self._last_output = (i, frame)
            space, rng = int(frame.colorspace), int(frame.color_range)
            fast = fast_path_colors(frame.format.name, frame.width, frame.height, space, rng)
            if fast is None or not self._orientation.is_identity:
                return None
            return np.asarray(frame.to_ndarray(), dtype=np.uint8)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._close_container()
            self._cache.clear()

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
        return (
            f"VideoReader({str(self._path)!r}, frames={self.frame_count}, "
            f"duration={self.duration:.3f})"
        )

    # -- opening ----------------------------------------------------------------------

    def _select_stream(self, container: av.container.InputContainer) -> VideoStream:
        stream = pick_video_stream(container)
        if stream is None:
            if pick_audio_stream(container) is not None:
                raise MediaError(
                    f"Cannot open {self._name} as a video: it has no video track "
                    "(it is an audio-only file)."
                )
            raise MediaError(f"Cannot open {self._name}: it contains no video track.")
        # PyAV has no codec context when FFmpeg has no decoder for the codec.
        if stream.codec_context is None:
            raise MediaError(
                f"Cannot open {self._name}: its video codec is not supported "
                "(this program has no decoder for it)."
            )
        stream.thread_type = "AUTO"
        return stream

    def _open_first_frame(self) -> np.ndarray:
        self._position_for(0)
        if not self._pending:
            if _is_single_image_format(self._container.format.name):
                # FFmpeg picked its image reader from the file name alone (Pillow did not
                # recognise the content): this is not a picture at all.
                raise MediaError(f"Cannot open {self._name}: {NOT_MEDIA}.")
            raise MediaError(
                f"Cannot open {self._name}: none of its video frames can be decoded "
                "(the file is damaged or not a video)."
            )
        self._orientation = orientation_of(self._pending[0][1], self._stream)
        return self._decode_to(0, allow_fallback=False)

    def _make_info(self, first: np.ndarray) -> MediaInfo:
        audio = audio_fields(pick_audio_stream(self._container))
        n = self.frame_count
        duration = self._index.duration
        return MediaInfo(
            path=self._path,
            kind=MediaKind.VIDEO,
            duration=duration,
            width=int(first.shape[1]),
            height=int(first.shape[0]),
            fps=n / duration if duration > 0 else declared_rate(self._stream),
            frame_count=n,
            rotation=self._orientation.rotation,
            has_audio=audio.has_audio,
            audio_sample_rate=audio.sample_rate,
            audio_channels=audio.channels,
            video_codec=str(self._stream.codec_context.name),
            audio_codec=audio.codec,
            size_bytes=self._size,
            declared_duration=_declared_duration(self._container),
        )

    # -- decoding ---------------------------------------------------------------------

    def _clamp(self, index: int) -> int:
        return min(max(int(index), 0), self.frame_count - 1)

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError(f"the video reader for {self._name} is closed")

    def _close_container(self) -> None:
        self._drop_packets()
        self._pending.clear()
        self._container.close()

    def _drop_packets(self) -> None:
        packets, self._packets = self._packets, None
        close = getattr(packets, "close", None)
        if close is not None:
            close()

    def _keyframe_slot(self, index: int) -> int:
        """Position in the keyframe list of the last keyframe at or before ``index``."""
        slot = int(np.searchsorted(self._index.keyframes, index, side="right")) - 1
        return max(slot, 0)

    def _must_seek(self, target: int) -> bool:
        if self._packets is None and not self._pending:
            return True
        upcoming = self._pending[0][0] if self._pending else self._next_index
        if target < upcoming:
            return True  # already passed: only a seek goes back
        if self._eof and not self._pending:
            return True
        keyframe = int(self._index.keyframes[self._keyframe_slot(target)])
        if keyframe <= upcoming:
            return False  # a seek would land no later than where the decoder already is
        return (target - upcoming) > (target - keyframe) + _SEEK_COST_FRAMES

    def _position_for(self, target: int) -> None:
        """Seek so that the next decoded frame is at or before ``target``.

        A demuxer can land after the requested keyframe (some formats seek on decode
        timestamps, MPEG-TS bisects by bytes); then an earlier keyframe is tried. The first
        decoded frame stays in the pending queue.
        """
        slot = self._keyframe_slot(target)
        while True:
            self._seek_to_keyframe(slot)
            head = self._peek()
            if head is not None and head[0] <= target:
                return
            if slot == 0:
                break
            slot -= 1
        # Even the first keyframe landed late (imprecise demuxer seeking): read the file
        # from its first byte. Whatever comes first then is the best there is.
        self._rewind()
        self._peek()

    def _seek_to_keyframe(self, slot: int) -> None:
        self._drop_packets()
        self._pending.clear()
        self._last_output = None
        self._eof = False
        self._seek_count += 1
        keyframe = int(self._index.keyframes[slot])
        if self._index.timeless:
            # No timestamps to seek by: start again from the top of the file.
            self._reopen()
            return
        try:
            self._container.seek(
                int(self._index.pts[keyframe]),
                backward=True,
                any_frame=False,
                stream=self._stream,
            )
        except (av.error.FFmpegError, OSError):
            self._reopen()  # unseekable input: read it from the beginning
            return
        self._next_index = keyframe
        self._last_mapped = keyframe - 1
        self._packets = self._container.demux(self._stream)

    def _rewind(self) -> None:
        self._drop_packets()
        self._pending.clear()
        self._last_output = None
        self._eof = False
        self._seek_count += 1
        self._reopen()

    def _reopen(self) -> None:
        """Demux from the first byte of the file, through a freshly opened container."""
        self._container.close()
        self._container = open_container(self._path)
        self._stream = self._select_stream(self._container)
        self._next_index = 0
        self._last_mapped = -1
        self._packets = self._container.demux(self._stream)

    def _peek(self) -> tuple[int, VideoFrame] | None:
        while not self._pending:
            if self._eof:
                return None
            self._feed()
        return self._pending[0]

    def _feed(self) -> None:
        """Demux one packet and queue whatever frames the decoder releases."""
        packet: Packet[VideoStream] | None = None
        while self._packets is not None:
            try:
                packet = next(self._packets)
            except StopIteration:
                packet = None
            except (av.error.FFmpegError, OSError):
                packet = None  # unreadable from here on: drain what the decoder holds
            if packet is None or not self._is_cut_off(packet):
                break
        if packet is None:
            self._drop_packets()
            self._eof = True
            frames = self._decode(None)
        else:
            frames = self._decode(packet)
        for frame in frames:
            index = self._map(frame)
            self._pending.append((index, frame))

    def _is_cut_off(self, packet: Packet[VideoStream]) -> bool:
        """A partial packet at the end of a truncated file (left out of the index).

        It must not reach the decoder: with frame threading, its error also discards the
        frames still in flight, i.e. the last good frames of the file.
        """
        if not packet.is_corrupt or self._index.timeless:
            return False
        ts = packet.pts if packet.pts is not None else packet.dts
        if ts is None:
            return False
        pts = self._index.pts
        i = int(np.searchsorted(pts, ts))
        return i >= pts.size or int(pts[i]) != ts

    def _decode(self, packet: Packet[VideoStream] | None) -> list[VideoFrame]:
        try:
            return self._stream.decode(packet)
        except av.error.EOFError:
            return []  # already flushed by the demuxer's final empty packet
        except (av.error.FFmpegError, OSError):
            # A damaged packet: skip it, later keyframes decode normally.
            self._decode_errors += 1
            return []

    def _map(self, frame: VideoFrame) -> int:
        if not self._index.timeless and frame.pts is not None:
            pts = self._index.pts
            i = int(np.searchsorted(pts, frame.pts))
            if i >= pts.size:
                i = pts.size - 1
            elif pts[i] != frame.pts and i > 0 and frame.pts - pts[i - 1] < pts[i] - frame.pts:
                i -= 1
        else:
            i = min(self._last_mapped + 1, self.frame_count - 1)
        self._last_mapped = i
        return i

    def _to_image(self, frame: VideoFrame) -> np.ndarray:
        if self._colors is None:
            self._colors = source_colors(int(frame.colorspace))
        rgb = frame_rgb(frame, self._reformatter)
        image = np.ascontiguousarray(self._orientation.apply(rgb))
        image.setflags(write=False)
        return image

    def _decode_to(self, target: int, *, allow_fallback: bool = True) -> np.ndarray:
        frame, before = self._advance_to(target)
        if frame is not None:
            image = self._to_image(frame)
            self._cache.put(target, image)
            self._last_output = (target, image)
            return image
        # The target itself could not be decoded (damaged, or the file ends before it).
        if before is not None:
            substitute = self._image_of(*before)
        elif self._pending:
            substitute = self._image_of(*self._pending[0])
        elif allow_fallback:
            substitute = self._fallback
        else:
            raise MediaError(
                f"Cannot open {self._name}: none of its video frames can be decoded "
                "(the file is damaged or not a video)."
            )
        self._cache.put(target, substitute)
        return substitute

    def _advance_to(
        self, target: int
    ) -> tuple[VideoFrame | None, tuple[int, VideoFrame | np.ndarray] | None]:
        """Decode on to frame ``target``: its decoded frame (None when it could not be
        decoded) and the last frame output before it (the stand-in for a damaged target)."""
        if self._must_seek(target):
            self._position_for(target)
        # Converting to RGB costs about twice the decoding; frames so far before the target
        # that the cache would evict them before the target arrives are not converted.
        span = self._cache_span()
        before: tuple[int, VideoFrame | np.ndarray] | None = None
        if self._last_output is not None and self._last_output[0] < target:
            before = self._last_output
        while True:
            head = self._peek()
            if head is None:
                break
            index, frame = head
            if index > target:
                break  # stays queued: the next sequential request starts with it
            self._pending.popleft()
            self._next_index = index + 1
            if index == target:
                return frame, before
            if target - index <= span:
                image = self._to_image(frame)
                self._cache.put(index, image)
                self._last_output = (index, image)
            else:
                self._last_output = (index, frame)
            before = self._last_output
        return None, before

    def _image_of(self, index: int, frame: VideoFrame | np.ndarray) -> np.ndarray:
        if isinstance(frame, np.ndarray):
            return frame
        image = self._cache.get(index)
        if image is None:
            image = self._to_image(frame)
            self._cache.put(index, image)
        return image

    def _cache_span(self) -> int:
        """How many frames before a target are worth converting and caching."""
        if self._frame_nbytes <= 0:
            return 0
        return self._cache.max_bytes // self._frame_nbytes - 1


def _declared_duration(container: av.container.InputContainer) -> float | None:
    """The container header's duration claim in seconds (AV_TIME_BASE units), if any."""
    raw = container.duration
    if raw is None or raw <= 0:
        return None
    return float(raw) / av.time_base
