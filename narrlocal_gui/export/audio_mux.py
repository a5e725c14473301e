"""The source's audio in an exported video: its packets copied as they are, or AAC again.

Both follow the player's clock (sample 0 plays with the first video frame, see
:mod:`narrlocal_gui.media.audio`) and are trimmed to the exported range, whose start becomes
output time 0. They are fed in step with the video (:meth:`AudioFeed.feed_until`), so the
muxer can interleave the streams without holding either in memory.

* Copy keeps every packet that overlaps the range, unchanged, and the one before it (a
  decoder needs it to decode the first fully): those before the start get negative
  timestamps, which MP4 turns into an edit list, so players begin exactly at the start.
  Only codecs that MP4 can hold are copied.
* AAC decodes the audio (:func:`~narrlocal_gui.media.audio.open_audio_stream`, the player's
  own decoding and placement, so gaps stay silent gaps) and cuts it to the sample. Audio
  with more than two channels is mixed down to stereo.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import av
import av.container
import numpy as np
from av.audio.stream import AudioStream
from av.packet import Packet

from narrlocal_gui.errors import ExportError
from narrlocal_gui.export.video_frames import ExportSpan
from narrlocal_gui.export.video_options import AudioMode
from narrlocal_gui.media.audio import open_audio_stream
from narrlocal_gui.media.media_info import describe, open_container, pick_audio_stream

__all__ = [
    "AAC_RATES",
    "ALSO_COPYABLE",
    "PLAYABLE_IN_MP4",
    "AudioFeed",
    "AudioPlan",
    "open_audio_feed",
    "plan_audio",
]

#: Codecs every MP4 player plays: ``AudioMode.AUTO`` copies these and re-encodes the rest.
PLAYABLE_IN_MP4 = frozenset({"aac", "mp3", "alac", "ac3", "eac3"})
#: What an explicit ``AudioMode.COPY`` also accepts: valid in MP4, but not every player has it.
ALSO_COPYABLE = frozenset({"opus", "flac"})
#: The sample rates FFmpeg's AAC encoder takes; others are resampled to 48 kHz.
AAC_RATES = frozenset(
    {96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}
)
_AAC_FALLBACK_RATE = 48000
_AAC_FRAME = 1024


@dataclass(frozen=True, slots=True)
class AudioPlan:
    """What the export does with the source's audio: ``mode`` is COPY, AAC or NONE (never
    AUTO), ``codec`` the source's codec name, ``rate``/``channels`` the source's."""

    mode: AudioMode
    codec: str | None = None
    rate: int = 0
    channels: int = 0

    def __post_init__(self) -> None:
        if self.mode is AudioMode.AUTO:
            raise ValueError("an audio plan must be resolved (not AUTO)")
        if self.mode is not AudioMode.NONE and (self.rate <= 0 or self.channels <= 0):
            raise ValueError("audio to export needs a sample rate and channels")

    @property
    def output_codec(self) -> str | None:
        if self.mode is AudioMode.NONE:
            return None
        return "aac" if self.mode is AudioMode.AAC else self.codec


def plan_audio(path: Path, mode: AudioMode) -> AudioPlan:
    """Resolve ``mode`` for the file at ``path``.

    A file without (decodable) audio gives a silent export whatever the mode. Raises
    :class:`ExportError` when COPY is asked for a codec MP4 cannot hold.
    """
    if mode is AudioMode.NONE:
        return AudioPlan(AudioMode.NONE)
    container = open_container(path)
    try:
        stream = pick_audio_stream(container)
        ctx = None if stream is None else stream.codec_context
        if ctx is None or not ctx.sample_rate or not ctx.channels:
            return AudioPlan(AudioMode.NONE)
        codec, rate, channels = str(ctx.name), int(ctx.sample_rate), int(ctx.channels)
    finally:
        container.close()
    if mode is AudioMode.COPY and codec not in PLAYABLE_IN_MP4 | ALSO_COPYABLE:
        raise ExportError(
            f"The audio of {describe(path)} ({codec}) cannot be copied into an MP4 file; "
            "export it as AAC instead."
        )
    if mode is AudioMode.AUTO:
        mode = AudioMode.COPY if codec in PLAYABLE_IN_MP4 else AudioMode.AAC
    return AudioPlan(mode, codec, rate, channels)


class AudioFeed(Protocol):
    """An audio stream of the output, written in step with the video."""

    def feed_until(self, seconds: float) -> None:
        """Mux the audio up to ``seconds`` of output time."""

    def finish(self) -> None:
        """Mux the rest of the range and flush."""

    def close(self) -> None:
        """Release the input (also after a failure)."""


def open_audio_feed(
    out: av.container.OutputContainer,
    path: Path,
    plan: AudioPlan,
    span: ExportSpan,
    origin: float,
    bitrate: int,
) -> AudioFeed | None:
    """The feed for ``plan`` (None for NONE). ``origin`` is the container time of the first
    video frame (media time 0), which copied packets are measured from."""
    if plan.mode is AudioMode.COPY:
        return _PacketCopy(out, path, span, origin)
    if plan.mode is AudioMode.AAC:
        return _AacEncode(out, path, plan, span, bitrate)
    return None


class _PacketCopy:
    def __init__(
        self, out: av.container.OutputContainer, path: Path, span: ExportSpan, origin: float
    ) -> None:
        self._out = out
        self._container = open_container(path)
        try:
            stream = pick_audio_stream(self._container)
            if stream is None or stream.time_base is None:
                raise ExportError(f"Cannot copy the audio of {describe(path)}: it has no timing.")
            self._stream: AudioStream = out.add_stream_from_template(stream)
            self._tb = stream.time_base
            self._first = round((origin + span.start) / self._tb)
            self._last = round((origin + span.end) / self._tb)
            self._packets: Iterator[Packet[AudioStream]] | None = self._container.demux(stream)
        except BaseException:
            self._container.close()
            raise
        self._held: Packet[AudioStream] | None = None
        self._preroll: Packet[AudioStream] | None = None

    def feed_until(self, seconds: float) -> None:
        limit = self._first + round(seconds / self._tb)
        while True:
            packet = self._next()
            if packet is None:
                return
            ts = _timestamp(packet)
            if ts >= limit:
                self._held = packet
                return
            self._mux(packet)

    def finish(self) -> None:
        while (packet := self._next()) is not None:
            self._mux(packet)

    def close(self) -> None:
        self._held = self._preroll = None
        self._packets = None
        self._container.close()

    def _next(self) -> Packet[AudioStream] | None:
        if self._held is not None:
            held, self._held = self._held, None
            return held
        while self._packets is not None:
            packet: Packet[AudioStream] | None
            try:
                packet = next(self._packets)
            except StopIteration:
                packet = None
            except (av.error.FFmpegError, OSError):
                packet = None  # a damaged tail: the packets read so far are the audio
            if packet is None:
                self._packets = None
                return None
            if packet.size == 0 or (packet.pts is None and packet.dts is None):
                continue  # the demuxer's flush packet; untimed data cannot be placed
            if _timestamp(packet) >= self._last:
                self._packets = None  # the range is complete
                return None
            if _timestamp(packet) + max(int(packet.duration or 0), 1) <= self._first:
                self._preroll = packet  # wholly before the range
                continue
            if self._preroll is not None:
                # The packet before the range goes first: a decoder needs the one before to
                # decode a packet fully (AAC overlaps its frames), and lying before 0 it is
                # only decoded, never played.
                preroll, self._preroll = self._preroll, None
                self._held = packet
                return preroll
            return packet
        return None

    def _mux(self, packet: Packet[AudioStream]) -> None:
        if packet.pts is not None:
            packet.pts -= self._first
        if packet.dts is not None:
            packet.dts -= self._first
        packet.stream = self._stream
        self._out.mux(packet)


def _timestamp(packet: Packet[AudioStream]) -> int:
    ts = packet.pts if packet.pts is not None else packet.dts
    return int(ts) if ts is not None else 0


class _AacEncode:
    def __init__(
        self,
        out: av.container.OutputContainer,
        path: Path,
        plan: AudioPlan,
        span: ExportSpan,
        bitrate: int,
    ) -> None:
        self._rate = plan.rate if plan.rate in AAC_RATES else _AAC_FALLBACK_RATE
        self._channels = 1 if plan.channels == 1 else 2
        self._layout = "mono" if self._channels == 1 else "stereo"
        source = open_audio_stream(path, self._rate, self._channels)
        self._blocks: Iterator[tuple[int, np.ndarray]] | None = (
            None if source is None else source.blocks()
        )
        self._out = out
        self._stream: AudioStream = out.add_stream("aac", rate=self._rate)
        self._stream.layout = self._layout
        self._stream.bit_rate = bitrate
        self._time_base = Fraction(1, self._rate)
        self._stream.time_base = self._time_base
        # Sample positions on the player's clock (0 = the first video frame).
        self._first = round(span.start * self._rate)
        self._last = round(span.end * self._rate)
        self._filled = self._first  # buffered up to here
        self._pending: list[np.ndarray] = []  # (channels, n) float32 blocks from _written on
        self._pending_size = 0
        self._written = 0  # output samples encoded

    def feed_until(self, seconds: float) -> None:
        want = min(self._first + round(seconds * self._rate), self._last)
        while self._filled < want and self._pull():
            pass
        self._encode(final=False)

    def finish(self) -> None:
        while self._pull():
            pass
        self._encode(final=True)
        self._out.mux(self._stream.encode(None))

    def close(self) -> None:
        blocks, self._blocks = self._blocks, None
        close = getattr(blocks, "close", None)
        if close is not None:
            close()  # ends the decoder's generator, which closes its file

    def _pull(self) -> bool:
        """Buffer the next decoded block (cut to the range); False once there is no more."""
        if self._blocks is None or self._filled >= self._last:
            self.close()
            return False
        try:
            pos, samples = next(self._blocks)
        except StopIteration:
            self.close()
            return False
        if pos > self._filled:  # a gap (or audio starting late): silence, as the player plays
            gap = min(pos, self._last) - self._filled
            self._append(np.zeros((self._channels, gap), dtype=np.float32))
        skip = self._filled - pos
        block = samples[skip:] if skip > 0 else samples
        block = block[: max(self._last - self._filled, 0)]
        if block.shape[0]:
            self._append(np.ascontiguousarray(block.T, dtype=np.float32))
        return True

    def _append(self, planar: np.ndarray) -> None:
        self._pending.append(planar)
        self._pending_size += int(planar.shape[1])
        self._filled += int(planar.shape[1])

    def _encode(self, *, final: bool) -> None:
        if self._pending_size < _AAC_FRAME and not (final and self._pending_size):
            return
        data = np.concatenate(self._pending, axis=1) if len(self._pending) > 1 else self._pending[0]
        whole = data.shape[1] if final else data.shape[1] - data.shape[1] % _AAC_FRAME
        for begin in range(0, whole, _AAC_FRAME):
            block = np.ascontiguousarray(data[:, begin : min(begin + _AAC_FRAME, whole)])
            frame = av.AudioFrame.from_ndarray(block, format="fltp", layout=self._layout)
            frame.sample_rate = self._rate
            frame.pts = self._written
            frame.time_base = self._time_base
            self._out.mux(self._stream.encode(frame))
            self._written += int(block.shape[1])
        rest = data[:, whole:]
        self._pending = [rest] if rest.shape[1] else []
        self._pending_size = int(rest.shape[1])
