import numpy as np
import pytest

from narrlocal_gui.core.clock import PlaybackClock, shuttle_rate, step_frames


class FakeTime:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_wall_clock_play_pause_seek() -> None:
    now = FakeTime()
    clock = PlaybackClock(10.0, now=now)
    assert clock.position() == 0.0 and not clock.playing
    clock.play()
    now.t += 1.5
    assert clock.position() == pytest.approx(1.5)
    clock.pause()
    now.t += 5
    assert clock.position() == pytest.approx(1.5)
    clock.seek(4.0)
    clock.play()
    now.t += 0.5
    assert clock.position() == pytest.approx(4.5)


def test_rate_and_reverse() -> None:
    now = FakeTime()
    clock = PlaybackClock(10.0, now=now)
    clock.seek(5.0)
    clock.play(2.0)
    now.t += 1.0
    assert clock.position() == pytest.approx(7.0)
    clock.set_rate(-1.0)
    now.t += 2.0
    assert clock.position() == pytest.approx(5.0)
    with pytest.raises(ValueError):
        clock.set_rate(0.0)


def test_stops_at_the_ends_and_restarts_from_end() -> None:
    now = FakeTime()
    clock = PlaybackClock(2.0, now=now)
    clock.play()
    now.t += 5.0
    assert clock.position() == 2.0
    assert not clock.playing and clock.at_end
    clock.play()  # from the end: starts over
    assert clock.position() == 0.0 and clock.playing
    clock.play(-1.0)
    assert not clock.playing  # reverse from the start has nowhere to go
    clock.seek(1.0)
    clock.play(-1.0)
    now.t += 3.0
    assert clock.position() == 0.0 and not clock.playing


def test_seek_clamps() -> None:
    clock = PlaybackClock(3.0, now=FakeTime())
    clock.seek(-2)
    assert clock.position() == 0.0
    clock.seek(99)
    assert clock.position() == 3.0


def test_master_drives_when_playing_at_1x_and_wall_takes_over_when_it_stops() -> None:
    now = FakeTime()
    audio = {"pos": 0.0, "alive": True}

    def master() -> float | None:
        return audio["pos"] if audio["alive"] else None  # type: ignore[return-value]

    clock = PlaybackClock(10.0, now=now)
    clock.set_master(master)
    clock.play()
    assert clock.driven_by_master
    now.t += 1.0
    audio["pos"] = 0.9  # audio lags the wall clock: the picture follows the sound
    assert clock.position() == pytest.approx(0.9)
    audio["alive"] = False
    now.t += 0.5
    assert clock.position() == pytest.approx(1.4)
    clock.set_rate(2.0)
    assert not clock.driven_by_master


def test_master_ignored_when_paused() -> None:
    now = FakeTime()
    clock = PlaybackClock(10.0, now=now)
    clock.set_master(lambda: 7.0)
    clock.seek(2.0)
    assert clock.position() == 2.0


def test_zero_duration_never_plays() -> None:
    clock = PlaybackClock(0.0, now=FakeTime())
    clock.play()
    assert not clock.playing


def test_changing_duration_clamps_position() -> None:
    clock = PlaybackClock(10.0, now=FakeTime())
    clock.seek(8.0)
    clock.duration = 5.0
    assert clock.position() == 5.0


@pytest.mark.parametrize(
    ("rate", "playing", "key", "expected"),
    [
        (1.0, False, "l", 1.0),
        (1.0, True, "l", 2.0),
        (4.0, True, "l", 8.0),
        (8.0, True, "l", 8.0),
        (2.0, True, "j", -1.0),
        (-1.0, True, "j", -2.0),
        (-2.0, True, "L", 1.0),
        (3.0, True, "k", None),
    ],
)
def test_shuttle(rate: float, playing: bool, key: str, expected: float | None) -> None:
    assert shuttle_rate(rate, playing, key) == expected


def test_shuttle_rejects_other_keys() -> None:
    with pytest.raises(ValueError):
        shuttle_rate(1.0, True, "x")


def test_step_frames_is_exact_for_variable_frame_rate() -> None:
    times = [0.0, 0.04, 0.1, 0.3, 0.31]
    assert step_frames(times, 0.05, 1) == 0.1
    assert step_frames(times, 0.1, 1) == 0.3
    assert step_frames(times, 0.1, -1) == 0.04
    assert step_frames(times, 0.0, -3) == 0.0
    assert step_frames(times, 0.3, 10) == 0.31
    assert step_frames([], 1.0, 1) == 0.0


def test_step_frames_ignores_float_noise_in_the_time() -> None:
    # Frame times as the packet index stores them; the position as i / fps gives it.
    stored = (np.arange(3600 * 30, dtype=np.int64) * 512).astype(np.float64) * (1.0 / 15360)
    for i in (1, 1000, 54_321, 107_998):
        t = i / 30.0
        assert step_frames(stored, t, 1) == stored[i + 1]
        assert step_frames(stored, float(np.nextafter(t, -np.inf)), 1) == stored[i + 1]
        assert step_frames(stored, t, -1) == stored[i - 1]
        assert step_frames(stored, t, 0) == stored[i]
