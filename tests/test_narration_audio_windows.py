"""The streamed audio timeline under ASR and alignment: placement of blocks on the video clock
(audio before 0, gaps, overlaps), bounded memory, and windows cut at quiet points."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import pytest

from narrlocal_gui.narration.audio_windows import (
    AudioTimeline,
    quietest_point,
    recognition_windows,
)
from narrlocal_gui.progress import Cancelled

RATE = 1000


class FakeStream:
    """Stands in for AudioBlockStream: hands out the given (position, block) pairs."""

    def __init__(self, blocks: list[tuple[int, np.ndarray]], expected: float = 1.0) -> None:
        self._blocks = blocks
        self.sample_rate = RATE
        self.channels = 1
        self.name = "'fake.wav'"
        self.expected_duration = expected
        self.handed_out = 0

    def blocks(self, progress: object = None, cancel: object = None) -> Iterator:
        for pos, block in self._blocks:
            self.handed_out += 1
            yield pos, block.reshape(-1, 1).astype(np.float32)


def ramp(start: int, n: int) -> np.ndarray:
    """Samples whose value is their own position / 1e6, so placement errors show."""
    return (np.arange(start, start + n) / 1e6).astype(np.float32)


def test_blocks_land_on_the_video_clock() -> None:
    # Audio starting before the first frame, a gap, and an overlap of two samples.
    stream = FakeStream([(-5, ramp(-5, 10)), (5, ramp(5, 5)), (20, ramp(20, 5)), (23, ramp(23, 4))])
    timeline = AudioTimeline(stream)  # type: ignore[arg-type]
    got = timeline.read(0, 100)
    assert timeline.exhausted and timeline.end == 27
    expected = np.zeros(27, dtype=np.float32)
    expected[0:10] = ramp(0, 10)
    expected[20:25] = ramp(20, 5)
    expected[25:27] = ramp(25, 2)  # the overlapping samples keep the earlier block's values
    np.testing.assert_array_equal(got, expected)
    assert timeline.peak == pytest.approx(26 / 1e6)


def test_a_huge_gap_is_filled_only_as_far_as_asked() -> None:
    stream = FakeStream([(0, ramp(0, 10)), (10**9, ramp(0, 10))])
    timeline = AudioTimeline(stream)  # type: ignore[arg-type]
    assert timeline.fill_to(5000) == 5000
    assert not timeline.exhausted
    timeline.release(4000)
    assert timeline.read(4000, 5000).shape == (1000,)
    with pytest.raises(ValueError, match="released"):
        timeline.read(0, 10)


def test_drain_reaches_the_real_end_without_keeping_samples() -> None:
    stream = FakeStream([(i * 100, np.full(100, 0.5)) for i in range(50)])
    timeline = AudioTimeline(stream)  # type: ignore[arg-type]
    timeline.fill_to(10)
    timeline.drain()
    assert timeline.exhausted and timeline.end == 5000
    assert timeline.peak == pytest.approx(0.5)
    assert timeline.read(5000, 6000).shape == (0,)


def test_cancel_is_polled_while_decoding() -> None:
    stream = FakeStream([(i * 100, np.zeros(100)) for i in range(50)])
    calls = 0

    def cancel() -> bool:
        nonlocal calls
        calls += 1
        return calls > 3

    timeline = AudioTimeline(stream, cancel)  # type: ignore[arg-type]
    with pytest.raises(Cancelled):
        timeline.fill_to(5000)
    assert stream.handed_out < 10


def test_quietest_point_finds_the_pause() -> None:
    rng = np.random.default_rng(0)
    samples = (rng.standard_normal(RATE * 4) * 0.3).astype(np.float32)
    samples[2500:2900] *= 0.001  # a 0.4 s pause from 2.5 s
    cut = quietest_point(samples, RATE)
    assert 2500 <= cut <= 2900


def test_windows_cover_everything_once_and_cut_in_pauses() -> None:
    rng = np.random.default_rng(1)
    total = RATE * 95
    samples = (rng.standard_normal(total) * 0.3).astype(np.float32)
    pauses = [(27_000, 27_500), (55_200, 55_700), (83_000, 83_600)]
    for a, b in pauses:
        samples[a:b] = 0.0
    stream = FakeStream([(i, samples[i : i + 700]) for i in range(0, total, 700)], 95.0)
    timeline = AudioTimeline(stream)  # type: ignore[arg-type]
    windows = list(recognition_windows(timeline, window_seconds=30.0, search_seconds=5.0))
    assert [w.last for w in windows] == [False] * (len(windows) - 1) + [True]
    assert windows[0].start == 0
    for before, after in itertools.pairwise(windows):
        assert before.end == after.start
        assert any(a <= before.end <= b for a, b in pauses), before.end
    assert windows[-1].end == total
    np.testing.assert_array_equal(np.concatenate([w.samples for w in windows]), samples)
    assert max(w.samples.shape[0] for w in windows) <= 30 * RATE
