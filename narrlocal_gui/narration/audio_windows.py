"""Streamed mono audio for speech recognition and alignment, a window at a time.

:class:`AudioTimeline` turns the ``(position, block)`` pairs of
:meth:`narrlocal_gui.media.audio.AudioBlockStream.blocks` into one contiguous timeline that
starts at sample 0 (the first video frame): audio before it is dropped, gaps become silence,
overlaps keep the earlier samples. It holds only the samples between the last
:meth:`~AudioTimeline.release` and the furthest :meth:`~AudioTimeline.fill_to`, so memory
depends on the window length, never on the file's: a gap of an hour in the timestamps is
filled with silence lazily, as far as it is asked for.

:func:`recognition_windows` cuts the timeline into windows of a few minutes, each ending at
the quietest short stretch near its nominal end so that no word is cut in two.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from narrlocal_gui.media.audio import AudioBlockStream
from narrlocal_gui.progress import CancelCallback, report_progress

__all__ = ["AudioTimeline", "AudioWindow", "quietest_point", "recognition_windows"]

Samples = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True, eq=False)
class AudioWindow:
    """``samples`` (1-D float32) starting at sample ``start`` of the timeline."""

    start: int
    samples: Samples
    last: bool

    def __post_init__(self) -> None:
        if self.start < 0:
            raise ValueError(f"a window starts at sample >= 0, got {self.start}")
        if self.samples.ndim != 1 or self.samples.dtype != np.float32:
            raise ValueError("window samples must be a 1-D float32 array")

    @property
    def end(self) -> int:
        return self.start + int(self.samples.shape[0])


class AudioTimeline:
    """A mono stream's samples from 0 on, decoded on demand (see the module docstring)."""

    def __init__(self, stream: AudioBlockStream, cancel: CancelCallback | None = None) -> None:
        if stream.channels != 1:
            raise ValueError("the timeline needs a mono stream")
        self.sample_rate = stream.sample_rate
        self.name = stream.name
        self.expected_samples = round(stream.expected_duration * stream.sample_rate)
        self._blocks = stream.blocks(None, cancel)
        self._cancel = cancel
        self._buf: Samples = np.zeros(1 << 16, dtype=np.float32)
        self._base = 0  # timeline index of _buf[0]
        self._end = 0  # timeline index after the last known sample
        self._pending: tuple[int, Samples] | None = None
        self._exhausted = False
        self.peak = 0.0  # largest absolute sample value seen

    @property
    def end(self) -> int:
        """Samples known so far; once :attr:`exhausted`, the real length of the audio."""
        return self._end

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    def fill_to(self, end: int) -> int:
        """Decode until the timeline reaches ``end`` or the audio ends; return :attr:`end`."""
        while self._end < end:
            if self._pending is None:
                if self._exhausted:
                    break
                try:
                    pos, block = next(self._blocks)
                except StopIteration:
                    self._exhausted = True
                    break
                mono = np.asarray(block, dtype=np.float32).reshape(-1)
                if mono.size:
                    self.peak = max(self.peak, float(np.max(np.abs(mono))))
                self._pending = (pos, mono)
            pos, mono = self._pending
            if pos < self._end:  # before sample 0, or overlapping what is already there
                mono = mono[self._end - pos :]
                pos = self._end
            if pos > self._end:  # a gap: silence, only as far as asked for
                self._append(np.zeros(min(pos, end) - self._end, dtype=np.float32))
                self._pending = (pos, mono) if mono.size else None
                continue
            self._append(mono)
            self._pending = None
        return self._end

    def read(self, start: int, end: int) -> Samples:
        """A copy of samples ``start`` to ``end`` (cut at :attr:`end`)."""
        if start < self._base:
            raise ValueError(f"samples before {self._base} were released (asked for {start})")
        self.fill_to(end)
        lo = start - self._base
        hi = max(min(end, self._end) - self._base, lo)
        return self._buf[lo:hi].copy()

    def release(self, before: int) -> None:
        """Forget the samples before ``before``; they cannot be read any more."""
        drop = min(before, self._end) - self._base
        if drop <= 0:
            return
        keep = self._end - self._base - drop
        self._buf[:keep] = self._buf[drop : drop + keep]
        self._base += drop

    def drain(self) -> None:
        """Decode the rest without keeping it, so that :attr:`end` and :attr:`peak` are final."""
        step = 1 << 20
        while not self._exhausted or self._pending is not None:
            before = self._end
            self.fill_to(self._end + step)
            self.release(self._end)
            if self._end == before and self._exhausted:
                break

    def _append(self, samples: Samples) -> None:
        n = int(samples.shape[0])
        if n == 0:
            return
        used = self._end - self._base
        if used + n > self._buf.shape[0]:
            grown = np.zeros(max(used + n, int(self._buf.shape[0] * 1.5)), dtype=np.float32)
            grown[:used] = self._buf[:used]
            self._buf = grown
        self._buf[used : used + n] = samples
        self._end += n
        report_progress(None, self._cancel, None)


def quietest_point(samples: Samples, sample_rate: int, stretch: float = 0.3) -> int:
    """Index of the middle of the quietest ``stretch`` seconds of ``samples`` (10 ms steps)."""
    hop = max(sample_rate // 100, 1)
    frames = samples.shape[0] // hop
    if frames == 0:
        return int(samples.shape[0]) // 2
    energy = np.square(samples[: frames * hop].reshape(frames, hop), dtype=np.float64).mean(1)
    width = max(1, min(frames, round(stretch * sample_rate / hop)))
    moving = np.convolve(energy, np.ones(width), mode="valid")
    best = int(np.argmin(moving))
    return int((best + width // 2) * hop + hop // 2)


def recognition_windows(
    timeline: AudioTimeline, window_seconds: float = 300.0, search_seconds: float = 20.0
) -> Iterator[AudioWindow]:
    """Consecutive windows covering the whole timeline, each cut at a quiet point.

    A window is at most ``window_seconds`` long and ends at the quietest 0.3 s of its last
    ``search_seconds``; the rest starts the next window. The timeline's samples are released
    as windows are handed out, so memory stays about two windows.
    """
    rate = timeline.sample_rate
    size = max(round(window_seconds * rate), 1)
    search = min(max(round(search_seconds * rate), 1), size)
    start = 0
    while True:
        available = timeline.fill_to(start + size + 1)
        if available <= start + size:
            yield AudioWindow(start, timeline.read(start, available), last=True)
            return
        tail = timeline.read(start + size - search, start + size)
        cut = start + size - search + quietest_point(tail, rate)
        yield AudioWindow(start, timeline.read(start, cut), last=False)
        timeline.release(cut)
        start = cut
