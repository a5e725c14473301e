"""The one rule for which frame is on screen at a time (player, frame steps, readers)."""

from __future__ import annotations

import numpy as np
import pytest

from narrlocal_gui.core.frame_times import FRAME_TIME_TOLERANCE, frame_index_at

FPS = 25.0


def _times(n: int) -> np.ndarray:
    return np.arange(n, dtype=np.float64) / FPS


def test_frame_index_at() -> None:
    # Moved from tests/ui/test_player_controller.py with the function.
    times = _times(4)
    assert frame_index_at(times, 0.0) == 0
    assert frame_index_at(times, 0.039999) == 0
    assert frame_index_at(times, 0.04) == 1
    assert frame_index_at(times, 99.0) == 3
    assert frame_index_at(np.zeros(0), 1.0) == -1


def test_exact_frame_times_show_their_frame() -> None:
    times = _times(100)
    for i in range(100):
        assert frame_index_at(times, float(times[i])) == i


def test_just_before_a_frame_shows_the_previous_one() -> None:
    times = _times(100)
    for i in (1, 2, 50, 99):
        t = float(times[i])
        assert frame_index_at(times, t - 1e-6) == i - 1
        assert frame_index_at(times, t - 0.5 / FPS) == i - 1
        assert frame_index_at(times, np.nextafter(t - 0.5 / FPS, -np.inf)) == i - 1


def test_just_after_a_frame_still_shows_it() -> None:
    times = _times(100)
    for i in (0, 1, 50, 98):
        t = float(times[i])
        assert frame_index_at(times, t + 1e-9) == i
        assert frame_index_at(times, t + 0.999 / FPS) == i
        assert frame_index_at(times, float(times[i + 1])) == i + 1


def test_float_noise_does_not_step_back() -> None:
    # Times stored as (pts - pts0) * time_base, asked for as i / fps: not always the same float.
    n = 24 * 3600 * 30  # a day at 30 fps
    stored = (np.arange(n, dtype=np.int64) * 512).astype(np.float64) * (1.0 / 15360)
    picks = np.linspace(0, n - 1, 2000).astype(np.int64)
    for i in picks:
        asked = int(i) / 30.0
        assert abs(asked - stored[i]) < FRAME_TIME_TOLERANCE / 1000
        assert frame_index_at(stored, asked) == i
        assert frame_index_at(stored, np.nextafter(asked, -np.inf)) == i
        assert frame_index_at(stored, asked - 1e-9) == i  # as the video reader's test asks
    # 0.1 + 0.2 is a float above 0.3; 0.3 - 0.1 one below 0.2.
    tenths = np.array([0.0, 0.1, 0.2, 0.3])
    assert 0.3 - 0.1 < 0.2
    assert frame_index_at(tenths, 0.3 - 0.1) == 2
    assert frame_index_at(tenths, 0.1 + 0.2) == 3


def test_before_the_first_frame_is_the_first_frame() -> None:
    times = np.array([1.4, 1.44, 1.48])  # a stream that does not start at 0
    assert frame_index_at(times, 0.0) == 0
    assert frame_index_at(times, -5.0) == 0
    assert frame_index_at(times, -np.inf) == 0
    assert frame_index_at(times, 1.39) == 0


def test_after_the_last_frame_is_the_last_frame() -> None:
    times = _times(10)
    assert frame_index_at(times, float(times[-1])) == 9
    assert frame_index_at(times, 10 / FPS) == 9  # the end of the clip
    assert frame_index_at(times, 1e9) == 9
    assert frame_index_at(times, np.inf) == 9
    assert frame_index_at(np.array([0.0]), 3.0) == 0


def test_variable_frame_rate() -> None:
    times = [0.0, 0.04, 0.1, 0.3, 0.31]
    expected = {
        0.0: 0,
        0.039: 0,
        0.04: 1,
        0.09999: 1,
        0.1 - 1e-12: 2,
        0.1: 2,
        0.29: 2,
        0.3: 3,
        0.305: 3,
        0.31: 4,
        5.0: 4,
    }
    for t, index in expected.items():
        assert frame_index_at(times, t) == index, t
        assert frame_index_at(np.asarray(times), t) == index, t


@pytest.mark.parametrize("frames", [[], np.zeros(0)])
def test_no_frames(frames: list[float] | np.ndarray) -> None:
    assert frame_index_at(frames, 0.0) == -1
    assert frame_index_at(frames, 1.0) == -1
