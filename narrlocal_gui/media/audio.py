"""Decode a file's audio for playback and for drawing its waveform.

Alignment. Samples are placed on the video's clock: sample 0 plays with the first video
frame (media time 0, see :mod:`narrlocal_gui.media.video_reader`). Audio that starts before
the first frame is dropped, audio that starts later is preceded by silence, and a gap inside
the stream (lost packets) stays a gap of silence, so picture and sound stay in sync.

Format and memory. Samples are float32 in [-1, 1], shape (N, channels), 1 or 2 channels
(more are downmixed by FFmpeg). A track is kept whole in memory, so its size is bounded by
``max_bytes`` (default :data:`DEFAULT_MAX_BYTES`, 512 MiB). The requested rate/channels are
used when they fit; otherwise the first of these that fits is chosen for the expected
duration: 24 kHz with the requested channels, then 24 kHz, 16 kHz, 12 kHz, 8 kHz mono.
That keeps 30 minutes of stereo at 24 kHz and a 2-hour narration at 16 kHz mono (~460 MB),
where full 48 kHz stereo would need 2.7 GB; speech stays intelligible at 16 kHz. Should a
file hold more than even 8 kHz mono allows (over 4.6 hours), decoding stops at the budget.

Drawing a waveform does not need the samples: :func:`decode_waveform_envelope` computes
per-bin minima and maxima while decoding and keeps only those.

Plain audio files (WAV, FLAC, Ogg, AIFF) that need no resampling are read with
``soundfile`` in blocks; everything else goes through PyAV with ``av.AudioResampler``.
Damaged audio packets are skipped (their time stays silent).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.container
import numpy as np
from av.audio.frame import AudioFrame
from av.audio.stream import AudioStream
from av.packet import Packet

from narrlocal_gui.core.byte_sizes import MIB
from narrlocal_gui.errors import MediaError
from narrlocal_gui.media.media_info import (
    check_media_path,
    describe,
    open_container,
    pick_audio_stream,
    pick_video_stream,
)
from narrlocal_gui.progress import CancelCallback, ProgressCallback, report_progress

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_SAMPLE_RATE",
    "AudioBlockStream",
    "AudioTrack",
    "WaveformEnvelope",
    "choose_audio_format",
    "decode_audio",
    "decode_waveform_envelope",
    "open_audio_stream",
    "waveform_envelope",
]

_log = logging.getLogger(__name__)

DEFAULT_SAMPLE_RATE = 48000
DEFAULT_MAX_BYTES = 512 * MIB
_BYTES_PER_SAMPLE = 4  # float32
_FALLBACK_RATES = (24000, 16000, 12000, 8000)
# Gaps or overlaps in timestamps below this are codec rounding, not lost data.
_CONTINUITY_SECONDS = 0.02
_SOUNDFILE_FORMATS = frozenset({"wav", "flac", "ogg", "aiff", "w64", "caf"})
_SOUNDFILE_BLOCK = 1 << 16
_PROGRESS_EVERY = 256
_ENVELOPE_BLOCK_BINS = 1 << 16


@dataclass(frozen=True, slots=True, eq=False)
class AudioTrack:
    """Decoded audio: ``samples`` (N, channels) float32 in [-1, 1] at ``sample_rate`` Hz."""

    samples: np.ndarray
    sample_rate: int

    def __post_init__(self) -> None:
        s = self.samples
        if not isinstance(s, np.ndarray) or s.dtype != np.float32 or s.ndim != 2:
            raise ValueError("samples must be a float32 array of shape (N, channels)")
        if s.shape[1] < 1:
            raise ValueError("samples need at least one channel")
        if isinstance(self.sample_rate, bool) or self.sample_rate <= 0:
            raise ValueError(f"sample_rate must be a positive int, not {self.sample_rate}")
        # Shared between the UI and the audio callback thread: nobody may write to it.
        s.setflags(write=False)

    @property
    def channels(self) -> int:
        return int(self.samples.shape[1])

    @property
    def frame_count(self) -> int:
        """Number of sample frames (samples per channel)."""
        return int(self.samples.shape[0])

    @property
    def duration(self) -> float:
        return self.frame_count / self.sample_rate


@dataclass(frozen=True, slots=True, eq=False)
class WaveformEnvelope:
    """Per-bin minimum and maximum over all channels; bin *i* starts at ``i * seconds_per_bin``."""

    mins: np.ndarray
    maxs: np.ndarray
    seconds_per_bin: float

    def __post_init__(self) -> None:
        if self.mins.shape != self.maxs.shape or self.mins.ndim != 1:
            raise ValueError("mins and maxs must be 1-D arrays of the same length")
        if self.mins.dtype != np.float32 or self.maxs.dtype != np.float32:
            raise ValueError("mins and maxs must be float32")
        if not math.isfinite(self.seconds_per_bin) or self.seconds_per_bin <= 0:
            raise ValueError("seconds_per_bin must be a positive number")

    @property
    def duration(self) -> float:
        return float(self.mins.size) * self.seconds_per_bin


def choose_audio_format(
    seconds: float, sample_rate: int, channels: int, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[int, int]:
    """The (rate, channels) to decode ``seconds`` of audio at, within ``max_bytes``."""
    candidates = [(sample_rate, channels)]
    candidates += [(min(sample_rate, r), channels) for r in _FALLBACK_RATES[:1]]
    candidates += [(min(sample_rate, r), 1) for r in _FALLBACK_RATES]
    for rate, ch in candidates:
        if seconds * rate * ch * _BYTES_PER_SAMPLE <= max_bytes:
            return rate, ch
    return candidates[-1]


def decode_audio(
    path: str | os.PathLike[str],
    sample_rate: int | None = DEFAULT_SAMPLE_RATE,
    channels: int | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
    start_offset: float | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> AudioTrack | None:
    """Decode the main audio stream of ``path``, aligned to media time; None without audio.

    ``sample_rate`` None keeps the file's rate; ``channels`` None keeps the file's channel
    count up to 2. ``start_offset`` is the container time (seconds) that becomes sample 0;
    None means the first video frame's time (``VideoReader.origin``), or the start of the
    audio for a file without video. Rate and channels may be lowered to stay within
    ``max_bytes`` (see the module docstring); check the returned track's values.
    """
    if sample_rate is not None and not 1000 <= sample_rate <= 384000:
        raise ValueError(f"sample_rate must be between 1000 and 384000, not {sample_rate}")
    if channels not in (None, 1, 2):
        raise ValueError(f"channels must be 1, 2 or None, not {channels}")
    if max_bytes <= 0:
        raise ValueError("max_bytes must be positive")
    plan = _open_plan(path, sample_rate, channels, start_offset, max_bytes, budgeted=True)
    if plan is None:
        return None
    max_frames = max_bytes // (_BYTES_PER_SAMPLE * plan.channels)
    sink = _SampleBuffer(plan.channels, min(plan.expected_frames, max_frames), max_frames)
    for pos, chunk in _chunks(plan, progress, cancel):
        if not sink.write(pos, chunk):
            _log.warning(
                "Audio of %s is longer than the %d-byte budget; the rest is not loaded.",
                plan.name,
                max_bytes,
            )
            break
    return AudioTrack(sink.result(), plan.rate)


def waveform_envelope(track: AudioTrack, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """(mins, maxs) float32 arrays of length ``bins`` covering the whole track.

    Bin *i* spans samples ``i*N//bins`` to ``(i+1)*N//bins``; values are over all
    channels. With fewer samples than bins, each bin shows the sample under it.
    """
    if isinstance(bins, bool) or not isinstance(bins, int) or bins <= 0:
        raise ValueError(f"bins must be a positive int, not {bins!r}")
    samples = track.samples
    n = samples.shape[0]
    mins = np.zeros(bins, dtype=np.float32)
    maxs = np.zeros(bins, dtype=np.float32)
    if n == 0:
        return mins, maxs
    starts = (np.arange(bins, dtype=np.int64) * n) // bins
    if n < bins:
        picked = samples[starts]
        return picked.min(axis=1).astype(np.float32), picked.max(axis=1).astype(np.float32)
    # Blocks of bins bound the temporaries; reduceat does the per-bin work in C.
    for b in range(0, bins, _ENVELOPE_BLOCK_BINS):
        e = min(b + _ENVELOPE_BLOCK_BINS, bins)
        lo = int(starts[b])
        hi = int(starts[e]) if e < bins else n
        block = samples[lo:hi]
        offsets = starts[b:e] - lo
        mins[b:e] = np.minimum.reduceat(block, offsets, axis=0).min(axis=1)
        maxs[b:e] = np.maximum.reduceat(block, offsets, axis=0).max(axis=1)
    return mins, maxs


def decode_waveform_envelope(
    path: str | os.PathLike[str],
    bins_per_second: float = 100.0,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
    start_offset: float | None = None,
) -> WaveformEnvelope | None:
    """The waveform envelope of ``path``'s audio, computed while decoding.

    Memory is proportional to the number of bins, not samples, so any length works. Bins
    are a whole number of samples of the source rate, so ``seconds_per_bin`` is within one
    sample of ``1 / bins_per_second``. None when the file has no audio.
    """
    if not math.isfinite(bins_per_second) or not 0 < bins_per_second <= 48000:
        raise ValueError(f"bins_per_second must be in (0, 48000], not {bins_per_second}")
    plan = _open_plan(path, None, None, start_offset, DEFAULT_MAX_BYTES, budgeted=False)
    if plan is None:
        return None
    per_bin = max(1, round(plan.rate / bins_per_second))
    sink = _EnvelopeBuilder(per_bin, plan.expected_frames // per_bin + 1)
    for pos, chunk in _chunks(plan, progress, cancel):
        sink.write(pos, chunk)
    mins, maxs = sink.result()
    return WaveformEnvelope(mins, maxs, per_bin / plan.rate)


class AudioBlockStream:
    """A file's audio, decoded block by block on the video's clock, for consumers that must
    not hold the whole track (speech recognition of a 2-hour file, forced alignment).

    ``blocks()`` yields ``(position, samples)``: ``position`` is the index of the block's
    first sample on the video clock (sample 0 = first video frame, may be negative for audio
    before it, and may jump forward over a gap), ``samples`` float32 ``(n, channels)``.
    Memory is one decoded packet at a time. Each call of ``blocks()`` decodes from the start.
    """

    __slots__ = ("_plan",)

    def __init__(self, plan: _Plan) -> None:
        self._plan = plan

    @property
    def sample_rate(self) -> int:
        return self._plan.rate

    @property
    def channels(self) -> int:
        return self._plan.channels

    @property
    def expected_duration(self) -> float:
        """Seconds the container declares (may be wrong for damaged files)."""
        return max(self._plan.expected_frames - self._plan.rate, 0) / self._plan.rate

    @property
    def name(self) -> str:
        return self._plan.name

    def blocks(
        self, progress: ProgressCallback | None = None, cancel: CancelCallback | None = None
    ) -> Iterator[tuple[int, np.ndarray]]:
        return _chunks(self._plan, progress, cancel)


def open_audio_stream(
    path: str | os.PathLike[str],
    sample_rate: int = 16000,
    channels: int = 1,
    *,
    start_offset: float | None = None,
) -> AudioBlockStream | None:
    """The audio of ``path`` as a stream at ``sample_rate``/``channels``; None without audio.

    Raises :class:`MediaError` for a missing or undecodable file (see :func:`decode_audio`
    for ``start_offset``).
    """
    if not 1000 <= sample_rate <= 384000:
        raise ValueError(f"sample_rate must be between 1000 and 384000, not {sample_rate}")
    if channels not in (1, 2):
        raise ValueError(f"channels must be 1 or 2, not {channels}")
    plan = _open_plan(path, sample_rate, channels, start_offset, DEFAULT_MAX_BYTES, budgeted=False)
    return None if plan is None else AudioBlockStream(plan)


# -- planning ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Plan:
    path: Path
    name: str
    rate: int
    channels: int
    origin: float  # source seconds that become sample 0
    expected_frames: int
    use_soundfile: bool
    size: int


def _open_plan(
    path: str | os.PathLike[str],
    sample_rate: int | None,
    channels: int | None,
    start_offset: float | None,
    max_bytes: int,
    *,
    budgeted: bool,
) -> _Plan | None:
    p = check_media_path(path)
    name = describe(p)
    container = open_container(p)
    try:
        stream = pick_audio_stream(container)
        if stream is None:
            return None
        ctx = stream.codec_context
        # PyAV has no codec context when FFmpeg has no decoder for the codec.
        if ctx is None or not ctx.sample_rate:
            raise MediaError(
                f"Cannot decode the audio of {name}: its audio codec is not supported."
            )
        in_rate = int(ctx.sample_rate)
        in_channels = max(int(ctx.channels or 1), 1)
        has_video = pick_video_stream(container) is not None
        tb = stream.time_base or Fraction(1, in_rate)
        audio_start = float(stream.start_time * tb) if stream.start_time is not None else 0.0
        if start_offset is not None:
            origin = float(start_offset)
        elif has_video:
            origin = _first_video_time(p)
        else:
            origin = audio_start
        end = _expected_end(container, stream, tb, audio_start)
        seconds = max(end - origin, 0.0)
        fmt = container.format.name
    finally:
        container.close()
    rate = sample_rate or in_rate
    out_channels = channels or min(in_channels, 2)
    if budgeted:
        rate, out_channels = choose_audio_format(seconds, rate, out_channels, max_bytes)
    use_soundfile = (
        not has_video
        and rate == in_rate
        and in_channels <= 2
        and bool(set(fmt.split(",")) & _SOUNDFILE_FORMATS)
        and _soundfile_can_read(p, in_rate, in_channels)
    )
    return _Plan(
        path=p,
        name=name,
        rate=rate,
        channels=out_channels,
        origin=origin,
        expected_frames=math.ceil(seconds * rate) + rate,
        use_soundfile=use_soundfile,
        size=p.stat().st_size,
    )


def _expected_end(
    container: av.container.InputContainer,
    stream: AudioStream,
    tb: Fraction,
    audio_start: float,
) -> float:
    if stream.duration is not None and stream.duration > 0:
        return audio_start + float(stream.duration * tb)
    if container.duration is not None and container.duration > 0:
        start = (container.start_time or 0) / av.time_base
        return float(start + container.duration / av.time_base)
    return audio_start


def _first_video_time(path: Path) -> float:
    """Container time of the first video frame, as :class:`VideoReader` defines it.

    Frames come out of order (B-frames), so the earliest of the first packets is taken;
    the reordering depth of real codecs is far below the number looked at.
    """
    container = open_container(path)
    try:
        stream = pick_video_stream(container)
        if stream is None or stream.time_base is None:
            return 0.0
        first: int | None = None
        seen = 0
        try:
            for packet in container.demux(stream):
                if packet.size == 0 or packet.is_discard:
                    continue
                ts = packet.pts if packet.pts is not None else packet.dts
                if ts is None:
                    return 0.0  # timestamp-less streams start at 0 by definition
                first = ts if first is None else min(first, ts)
                seen += 1
                if seen >= 64:
                    break
        except (av.error.FFmpegError, OSError):
            pass  # a damaged stream: the packets read before the damage decide the origin
        return float(first * stream.time_base) if first is not None else 0.0
    finally:
        container.close()


def _soundfile_can_read(path: Path, rate: int, channels: int) -> bool:
    try:
        import soundfile
    except (ImportError, OSError):
        return False
    try:
        info = soundfile.info(str(path))
    except Exception:  # libsndfile reports unknown formats with several exception types
        return False
    return bool(info.samplerate == rate and info.channels == channels and info.frames > 0)


# -- decoding ---------------------------------------------------------------------------


def _chunks(
    plan: _Plan, progress: ProgressCallback | None, cancel: CancelCallback | None
) -> Iterator[tuple[int, np.ndarray]]:
    """(position in output samples, float32 (n, channels) block) in ascending order."""
    report_progress(progress, cancel, 0.0)
    if plan.use_soundfile:
        yield from _soundfile_chunks(plan, progress, cancel)
    else:
        yield from _pyav_chunks(plan, progress, cancel)
    report_progress(progress, cancel, 1.0)


def _soundfile_chunks(
    plan: _Plan, progress: ProgressCallback | None, cancel: CancelCallback | None
) -> Iterator[tuple[int, np.ndarray]]:
    import soundfile

    pos = -round(plan.origin * plan.rate)
    try:
        with soundfile.SoundFile(str(plan.path)) as f:
            total = max(int(f.frames), 1)
            done = 0
            while True:
                block = f.read(_SOUNDFILE_BLOCK, dtype="float32", always_2d=True)
                if block.shape[0] == 0:
                    break
                yield pos, _match_channels(block, plan.channels)
                pos += block.shape[0]
                done += block.shape[0]
                report_progress(progress, cancel, done / total)
    except (RuntimeError, OSError, soundfile.LibsndfileError) as exc:
        raise MediaError(f"Cannot decode the audio of {plan.name}: {exc}.") from None


def _match_channels(block: np.ndarray, channels: int) -> np.ndarray:
    have = block.shape[1]
    if have == channels:
        return block
    if channels == 1:
        return np.asarray(block.mean(axis=1, keepdims=True), dtype=np.float32)
    return np.repeat(block[:, :1], channels, axis=1)


def _pyav_chunks(
    plan: _Plan, progress: ProgressCallback | None, cancel: CancelCallback | None
) -> Iterator[tuple[int, np.ndarray]]:
    container = open_container(plan.path)
    try:
        stream = pick_audio_stream(container)
        if stream is None:
            return
        layout = "mono" if plan.channels == 1 else "stereo"
        resampler = av.AudioResampler(format="flt", layout=layout, rate=plan.rate)
        origin = round(plan.origin * plan.rate)
        tolerance = max(1, round(_CONTINUITY_SECONDS * plan.rate))
        expected: int | None = None
        count = 0
        packets = container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                break
            except (av.error.FFmpegError, OSError):
                break  # damaged container tail: keep what was decoded
            count += 1
            if count % _PROGRESS_EVERY == 0:
                pos = packet.pos
                report_progress(progress, cancel, pos / plan.size if pos and pos > 0 else None)
            for frame in _decode_audio_packet(stream, packet):
                for out in _resample(resampler, frame):
                    at, block = _placed(out, plan, origin, expected, tolerance)
                    expected = at + block.shape[0]
                    yield at, block
        for out in _resample(resampler, None):
            at, block = _placed(out, plan, origin, expected, tolerance)
            expected = at + block.shape[0]
            yield at, block
    finally:
        container.close()


def _decode_audio_packet(stream: AudioStream, packet: Packet[AudioStream]) -> list[AudioFrame]:
    try:
        return stream.decode(packet)
    except av.error.EOFError:
        return []
    except (av.error.FFmpegError, OSError):
        return []  # a damaged packet: its time stays silent


def _resample(resampler: av.AudioResampler, frame: AudioFrame | None) -> list[AudioFrame]:
    try:
        return resampler.resample(frame)
    except (av.error.FFmpegError, ValueError):
        # A frame whose format changed mid-stream cannot enter the graph; drop it.
        return []


def _placed(
    out: AudioFrame, plan: _Plan, origin: int, expected: int | None, tolerance: int
) -> tuple[int, np.ndarray]:
    block = out.to_ndarray().reshape(-1, plan.channels)
    if out.pts is None or out.time_base is None:
        return (expected if expected is not None else -origin), block
    at = round(float(out.pts * out.time_base) * plan.rate) - origin
    if expected is not None and abs(at - expected) <= tolerance:
        at = expected  # rounding jitter: keep the stream contiguous
    return at, block


# -- sinks ------------------------------------------------------------------------------


class _SampleBuffer:
    """Places blocks at their sample positions in one growing array."""

    def __init__(self, channels: int, capacity: int, limit: int) -> None:
        self._channels = channels
        self._limit = max(limit, 0)
        self._data = np.zeros((max(min(capacity, self._limit), 0), channels), dtype=np.float32)
        self._length = 0

    def write(self, pos: int, block: np.ndarray) -> bool:
        """Store ``block`` at ``pos``; False once the sample budget is used up."""
        if pos < 0:
            block = block[-pos:]
            pos = 0
        if block.shape[0] == 0:
            return True
        end = pos + block.shape[0]
        fits = bool(end <= self._limit)
        if not fits:
            end = self._limit
            block = block[: max(end - pos, 0)]
            if block.shape[0] == 0:
                return False
        if end > self._data.shape[0]:
            grown = min(max(end, int(self._data.shape[0] * 1.5) + 1), self._limit)
            data = np.zeros((grown, self._channels), dtype=np.float32)
            data[: self._length] = self._data[: self._length]
            self._data = data
        self._data[pos:end] = block
        self._length = max(self._length, end)
        return fits

    def result(self) -> np.ndarray:
        data = self._data[: self._length]
        if self._length < 0.9 * self._data.shape[0]:
            # A header that overstated the length would otherwise pin the unused tail.
            data = data.copy()
        return np.clip(data, -1.0, 1.0, out=data)


class _EnvelopeBuilder:
    """Per-bin min/max of blocks placed at sample positions; bins of ``per_bin`` samples."""

    def __init__(self, per_bin: int, capacity: int) -> None:
        self._per_bin = per_bin
        self._mins = np.full(max(capacity, 1), np.inf, dtype=np.float32)
        self._maxs = np.full(max(capacity, 1), -np.inf, dtype=np.float32)
        self._bins = 0

    def write(self, pos: int, block: np.ndarray) -> None:
        if pos < 0:
            block = block[-pos:]
            pos = 0
        n = block.shape[0]
        if n == 0:
            return
        lo = block.min(axis=1)
        hi = block.max(axis=1)
        first = pos // self._per_bin
        next_edge = (first + 1) * self._per_bin - pos
        starts = np.concatenate(
            [np.zeros(1, dtype=np.int64), np.arange(next_edge, n, self._per_bin, dtype=np.int64)]
        )
        bin_lo = np.minimum.reduceat(lo, starts)
        bin_hi = np.maximum.reduceat(hi, starts)
        end = first + starts.size
        if end > self._mins.size:
            grown = max(end, int(self._mins.size * 1.5) + 1)
            self._mins = np.concatenate(
                [self._mins, np.full(grown - self._mins.size, np.inf, dtype=np.float32)]
            )
            self._maxs = np.concatenate(
                [self._maxs, np.full(grown - self._maxs.size, -np.inf, dtype=np.float32)]
            )
        np.minimum(self._mins[first:end], bin_lo, out=self._mins[first:end])
        np.maximum(self._maxs[first:end], bin_hi, out=self._maxs[first:end])
        self._bins = max(self._bins, end)

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        mins = self._mins[: self._bins].copy()
        maxs = self._maxs[: self._bins].copy()
        # Bins no sample reached are silence.
        mins[~np.isfinite(mins)] = 0.0
        maxs[~np.isfinite(maxs)] = 0.0
        return np.clip(mins, -1.0, 1.0), np.clip(maxs, -1.0, 1.0)
