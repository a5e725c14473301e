"""The playback clock: where playback is now, as a pure object with an injectable time source.

The clock knows nothing of Qt or of audio devices. During playback an optional *master*
(the audio output's "seconds actually heard") drives it, so the picture follows the sound;
without one (no device, muted, no audio track, speed other than 1x) it runs on the
monotonic wall clock. Widgets poll :meth:`PlaybackClock.position` from a timer.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from narrlocal_gui.core.frame_times import FrameTimes, frame_index_at

MasterClock = Callable[[], float | None]

#: Shuttle speeds reached by pressing L (forward) or J (reverse) repeatedly.
SHUTTLE_SPEEDS: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)


class PlaybackClock:
    def __init__(self, duration: float = 0.0, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._duration = max(0.0, float(duration))
        self._anchor_pos = 0.0
        self._anchor_time = now()
        self._rate = 1.0
        self._playing = False
        self._master: MasterClock | None = None

    # -- state -------------------------------------------------------------------------
    @property
    def duration(self) -> float:
        return self._duration

    @duration.setter
    def duration(self, value: float) -> None:
        self._duration = max(0.0, float(value))
        self.seek(min(self.position(), self._duration))

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def rate(self) -> float:
        return self._rate

    @property
    def driven_by_master(self) -> bool:
        """True while an external master (audio) is in use, i.e. playing forward at 1x."""
        return self._playing and self._master is not None and self._rate == 1.0

    def position(self) -> float:
        if not self._playing:
            return self._anchor_pos
        pos: float | None = None
        if self.driven_by_master and self._master is not None:
            pos = self._master()
        if pos is not None:
            # Re-anchor on the master so a later pause or master loss continues from here.
            self._anchor_pos, self._anchor_time = pos, self._now()
        else:
            pos = self._anchor_pos + (self._now() - self._anchor_time) * self._rate
        clamped = min(max(pos, 0.0), self._duration)
        if clamped != pos:
            # Reached an end: stop there rather than spin past it.
            self._playing = False
            self._anchor_pos = clamped
        return clamped

    @property
    def at_end(self) -> bool:
        return self.position() >= self._duration

    # -- control -----------------------------------------------------------------------
    def set_master(self, master: MasterClock | None) -> None:
        pos = self.position()
        self._master = master
        self._anchor_pos, self._anchor_time = pos, self._now()

    def play(self, rate: float | None = None) -> None:
        pos = self.position()
        if rate is not None:
            if rate == 0.0:
                raise ValueError("rate must not be 0; pause instead")
            self._rate = float(rate)
        if self._rate > 0 and pos >= self._duration:
            pos = 0.0  # playing from the end restarts, as every player does
        self._anchor_pos, self._anchor_time = pos, self._now()
        # Reverse from the very start has nowhere to go.
        self._playing = self._duration > 0.0 and not (self._rate < 0 and pos <= 0.0)

    def pause(self) -> None:
        self._anchor_pos = self.position()
        self._anchor_time = self._now()
        self._playing = False

    def toggle(self) -> None:
        if self._playing:
            self.pause()
        else:
            self.play()

    def seek(self, t: float) -> None:
        self._anchor_pos = min(max(float(t), 0.0), self._duration)
        self._anchor_time = self._now()

    def set_rate(self, rate: float) -> None:
        if rate == 0.0:
            raise ValueError("rate must not be 0; pause instead")
        pos = self.position()
        self._rate = float(rate)
        self._anchor_pos, self._anchor_time = pos, self._now()


def shuttle_rate(current: float, playing: bool, key: str) -> float | None:
    """J/K/L shuttle: the new rate after pressing ``key`` ("j", "k" or "l"); None = pause.

    L plays forward, and again doubles the speed up to 8x; J does the same in reverse;
    K pauses. Pressing the opposite direction starts again at 1x.
    """
    key = key.lower()
    if key == "k":
        return None
    if key not in ("j", "l"):
        raise ValueError(f"not a shuttle key: {key!r}")
    sign = 1.0 if key == "l" else -1.0
    if not playing or current * sign <= 0:
        return sign * SHUTTLE_SPEEDS[0]
    speed = abs(current)
    faster = next((s for s in SHUTTLE_SPEEDS if s > speed), SHUTTLE_SPEEDS[-1])
    return sign * faster


def step_frames(frame_times: FrameTimes, t: float, n: int) -> float:
    """The time of the frame ``n`` frames from the one shown at ``t`` (clamped to the clip).

    ``frame_times`` are the sorted presentation times of every frame, so this is exact for
    variable frame rate too.
    """
    if len(frame_times) == 0:
        return 0.0
    current = frame_index_at(frame_times, t)
    target = min(max(current + n, 0), len(frame_times) - 1)
    return float(frame_times[target])
