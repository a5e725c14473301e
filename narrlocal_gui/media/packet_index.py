"""The packet index of a video stream: every packet's timestamp and keyframe flag, read once.

Reading every packet without decoding takes about a second per hour of video. The index is
the ground truth the reader works from: exact frame times (also for variable frame rate),
the duration the file really contains, and the keyframes to seek to. A partial packet at the
very end of a truncated file is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import av
import av.container
import numpy as np
from av.video.stream import VideoStream

from narrlocal_gui.errors import MediaError
from narrlocal_gui.progress import CancelCallback, ProgressCallback, report_progress

__all__ = ["PacketIndex", "build_packet_index", "declared_rate"]

# Used only when a stream declares no usable frame rate at all.
_FALLBACK_FPS = 25.0
_PROGRESS_EVERY = 2048


@dataclass(frozen=True, slots=True, eq=False)
class PacketIndex:
    """The video packets in presentation order."""

    pts: np.ndarray  # int64 timestamps in stream time base (synthetic when timeless)
    times: np.ndarray  # float64 seconds of media time
    keyframes: np.ndarray  # int64 frame indices of keyframes, ascending, never empty
    duration: float
    origin: float  # container seconds of media time 0
    timeless: bool  # no timestamps: frames are counted from the start of the file


def build_packet_index(
    container: av.container.InputContainer,
    stream: VideoStream,
    name: str,
    size: int,
    progress: ProgressCallback | None,
    cancel: CancelCallback | None,
) -> PacketIndex:
    """Read every packet of ``stream`` once (nothing is decoded) and index them in
    presentation order; ``progress``/``cancel`` are reported and polled as it goes."""
    ts_list: list[int | None] = []
    key_list: list[bool] = []
    dur_list: list[int] = []
    corrupt_list: list[bool] = []
    packets = container.demux(stream)
    count = 0
    try:
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                break
            except (av.error.FFmpegError, OSError):
                break  # damaged beyond this point: the packets read so far are the file
            count += 1
            if count % _PROGRESS_EVERY == 0:
                fraction = packet.pos / size if packet.pos is not None and packet.pos >= 0 else None
                report_progress(progress, cancel, fraction)
            if packet.size == 0 or packet.is_discard:
                continue  # the flush packet; frames an edit list hides
            ts = packet.pts if packet.pts is not None else packet.dts
            ts_list.append(ts)
            key_list.append(bool(packet.is_keyframe))
            dur_list.append(int(packet.duration or 0))
            corrupt_list.append(bool(packet.is_corrupt))
    finally:
        close = getattr(packets, "close", None)
        if close is not None:
            close()
    # A recording cut off mid-write ends in a partial packet that cannot be decoded.
    while len(ts_list) > 1 and corrupt_list[-1]:
        for lst in (ts_list, key_list, dur_list, corrupt_list):
            lst.pop()
    if not ts_list:
        raise MediaError(f"Cannot open {name}: its video stream contains no frames.")

    tb = stream.time_base or Fraction(1, 90000)
    rate = declared_rate(stream)
    n = len(ts_list)
    timeless = any(ts is None for ts in ts_list)
    if timeless:
        # Elementary streams (.h264) carry no timestamps and cannot seek: frames are
        # numbered in decode order and timed at the declared rate.
        tb = Fraction(1, 1) / Fraction(rate).limit_denominator(1_000_000)
        pts = np.arange(n, dtype=np.int64)
        keyframes = np.zeros(1, dtype=np.int64)
        durations = np.ones(n, dtype=np.int64)
    else:
        raw = np.asarray(ts_list, dtype=np.int64)
        order = np.argsort(raw, kind="stable")
        sorted_ts = raw[order]
        unique_ts, first_pos = np.unique(sorted_ts, return_index=True)
        is_key = np.asarray(key_list, dtype=bool)[order]
        # A timestamp shared by two packets is one frame slot; it is a keyframe if any is.
        key_flags = np.logical_or.reduceat(is_key, first_pos)
        pts = unique_ts
        durations = np.asarray(dur_list, dtype=np.int64)[order][first_pos]
        keyframes = np.flatnonzero(key_flags).astype(np.int64)
        if keyframes.size == 0 or keyframes[0] != 0:
            # Without a keyframe flag on the first frame, decoding from the start is the
            # only way in; the decoder itself skips what it cannot show.
            keyframes = np.concatenate([np.zeros(1, dtype=np.int64), keyframes])
    times = (pts - pts[0]).astype(np.float64) * float(tb)
    last = _last_frame_duration(times, int(durations[-1]) * float(tb), rate)
    duration = float(times[-1] + last)
    origin = float(int(pts[0]) * tb) if not timeless else 0.0
    times.setflags(write=False)
    report_progress(progress, cancel, 1.0)
    return PacketIndex(pts, times, keyframes, duration, origin, timeless)


def declared_rate(stream: VideoStream) -> float:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate is not None and 0 < float(rate) < 1000:
            return float(rate)
    return _FALLBACK_FPS


def _last_frame_duration(times: np.ndarray, packet_duration: float, rate: float) -> float:
    if times.size > 1:
        typical = float(np.median(np.diff(times)))
        if typical > 0 and 0 < packet_duration <= 10 * typical:
            return packet_duration
        if typical > 0:
            return typical
    if packet_duration > 0:
        return packet_duration
    return 1.0 / rate
