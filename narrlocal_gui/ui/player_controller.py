"""Playback: the clock, the audio output and the render pipeline, behind plain signals.

The controller owns a :class:`~narrlocal_gui.core.clock.PlaybackClock` and polls it from a
precise timer while playing. Frames are rendered by the media worker (on its own thread):
the controller emits ``render_requested`` and receives the result in :meth:`on_rendered`.

Render flow control: at most one render is in flight. When its result arrives and the
clock has moved on to another frame, the controller asks for the frame that is wanted NOW,
so under load frames are dropped rather than queued: the picture never lags behind the
sound. A result whose job id is not the one in flight (from before a new video was opened)
is dropped, and one requested before the project changed is not shown but re-rendered.

Clock source: playing forward at 1x with an audio track, an audio device and sound on, the
audio output's "seconds heard" drives the clock, so the picture follows the sound; in every
other case the wall clock does, and ``clock_source_changed`` says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from narrlocal_gui.core.clock import PlaybackClock, shuttle_rate, step_frames
from narrlocal_gui.core.frame_times import frame_index_at
from narrlocal_gui.core.model import Project
from narrlocal_gui.core.visibility import visible_indicators
from narrlocal_gui.media.audio import AudioTrack
from narrlocal_gui.media.audio_output import AudioOutput, create_audio_output
from narrlocal_gui.media.media_info import MediaInfo
from narrlocal_gui.ui.media_worker import Rendered, RenderFailed, RenderRequest
from narrlocal_gui.ui.worker_thread import JobCounter

#: Poll interval while playing: well under a frame at 60 fps, so no frame is shown late.
TICK_MS = 8
#: Without a new frame (a still video), the position is still reported this often.
POSITION_INTERVAL_S = 1.0 / 30.0

CLOCK_AUDIO = "audio clock"
CLOCK_NO_DEVICE = "wall clock — no audio device"
CLOCK_MUTED = "wall clock — muted"
CLOCK_NO_TRACK = "wall clock — no audio track"


# eq=False: arrays do not compare to one bool.
@dataclass(frozen=True, slots=True, eq=False)
class ShownFrame:
    """The picture for the view: HxWx3 uint8 RGB, or None when there is no video."""

    picture: npt.NDArray[np.uint8] | None


class PlayerController(QObject):
    position_changed = Signal(float, int)  # seconds, frame index
    frame_shown = Signal(ShownFrame)
    playing_changed = Signal(bool)
    rate_changed = Signal(float)  # the clock's rate: negative in reverse (J), up to 8x (L)
    active_indicators_changed = Signal(frozenset)  # frozenset[str] of indicator ids
    clock_source_changed = Signal(str)
    render_requested = Signal(RenderRequest)
    render_error = Signal(str)

    def __init__(
        self,
        audio_output: AudioOutput | None = None,
        clock: PlaybackClock | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock if clock is not None else PlaybackClock()
        self._output = audio_output if audio_output is not None else create_audio_output()
        self._frame_times: npt.NDArray[np.float64] = np.zeros(0, dtype=np.float64)
        self._info: MediaInfo | None = None
        self._track: AudioTrack | None = None
        self._project: Project = Project()
        self._speed = 1.0
        self._muted = False
        self._resume_after_scrub = False

        self._render_jobs = JobCounter()
        self._in_flight: int | None = None
        self._requested_index = -1
        # Set when what a frame looks like changed (project, media): the next result
        # from before the change must not be shown, and the frame must be rendered again.
        self._dirty = True

        self._reported_index = -2
        self._reported_time = -1.0
        self._active: frozenset[str] = frozenset()
        self._clock_source = ""
        self._reported_playing = False
        self._reported_rate = 1.0

        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._sync_audio()

    # -- read-only state -------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self._clock.playing

    @property
    def rate(self) -> float:
        return self._clock.rate

    @property
    def duration(self) -> float:
        return self._clock.duration

    @property
    def info(self) -> MediaInfo | None:
        """The video being played (None: none)."""
        return self._info

    @property
    def has_media(self) -> bool:
        return len(self._frame_times) > 0

    @property
    def audio_available(self) -> bool:
        """Whether sound can be played at all (an output device exists)."""
        return bool(self._output.available)

    @property
    def clock_source(self) -> str:
        return self._clock_source

    def position(self) -> float:
        return self._clock.position()

    def frame_index(self) -> int:
        return frame_index_at(self._frame_times, self._clock.position())

    # -- document and media ---------------------------------------------------------------
    @Slot(object)
    def set_project(self, project: Project) -> None:
        self._project = project
        self._invalidate()
        self._publish(force=True)

    def set_media(
        self,
        info: MediaInfo | None,
        frame_times: npt.NDArray[np.float64] | None,
        audio: AudioTrack | None = None,
    ) -> None:
        """A newly opened video (or None: no video); playback restarts paused at 0."""
        self._stop_playback()
        self._info = info
        self._frame_times = (
            np.zeros(0, dtype=np.float64)
            if frame_times is None
            else np.asarray(frame_times, dtype=np.float64)
        )
        self._track = audio
        duration = 0.0
        if info is not None:
            duration = max(
                float(info.duration), float(self._frame_times[-1]) if self.has_media else 0.0
            )
        self._clock.duration = duration
        self._clock.seek(0.0)
        # A result still on its way belongs to the old video: forget it.
        self._render_jobs.next()
        self._in_flight = None
        self._requested_index = -1
        self._reported_index = -2
        self._dirty = True
        if not self.has_media:
            self.frame_shown.emit(ShownFrame(None))
        self._sync_audio()
        self._publish(force=True)

    def set_audio(self, audio: AudioTrack | None) -> None:
        """The decoded sound of the current video (arrives after the video itself)."""
        self._track = audio
        self._sync_audio()

    # -- transport ---------------------------------------------------------------------------
    @Slot()
    def play(self) -> None:
        self._start(self._speed)

    @Slot()
    def pause(self) -> None:
        if not self._clock.playing:
            return
        self._clock.pause()
        self._stop_playback()
        self._publish(force=True)

    @Slot()
    def toggle(self) -> None:
        if self._clock.playing:
            self.pause()
        else:
            self.play()

    @Slot(float)
    def seek(self, t: float) -> None:
        playing = self._clock.playing
        if playing:
            # Detach the audio master first: it would report the old position.
            self._clock.set_master(None)
        self._clock.seek(t)
        if playing:
            self._sync_audio()
        self._publish(force=True)

    @Slot(int)
    def step(self, frames: int) -> None:
        """Move exactly ``frames`` frames (negative: back); pauses, as every editor does."""
        if not self.has_media:
            return
        self.pause()
        self.seek(step_frames(self._frame_times, self._clock.position(), frames))

    @Slot(float)
    def jump(self, seconds: float) -> None:
        self.seek(self._clock.position() + seconds)

    @Slot()
    def to_start(self) -> None:
        self.seek(0.0)

    @Slot()
    def to_end(self) -> None:
        if self.has_media:
            # The last frame's time, not the duration: paused there, that frame is shown.
            self.seek(float(self._frame_times[-1]))

    @Slot(float)
    def set_speed(self, rate: float) -> None:
        """The forward speed used by Play (the transport's speed menu)."""
        if rate <= 0.0:
            raise ValueError(f"speed must be > 0, got {rate}")
        self._speed = float(rate)
        if self._clock.playing and self._clock.rate > 0:
            self._start(self._speed)
        elif rate != self._reported_rate:
            # Paused: the clock takes the speed at the next Play; show it now.
            self._reported_rate = self._speed
            self.rate_changed.emit(self._speed)

    @Slot(str)
    def shuttle(self, key: str) -> None:
        """J/K/L: reverse, pause, forward; pressed again, faster (see core.clock)."""
        rate = shuttle_rate(self._clock.rate, self._clock.playing, key)
        if rate is None:
            self.pause()
        else:
            self._start(rate)

    @Slot()
    def begin_scrub(self) -> None:
        self._resume_after_scrub = self._clock.playing
        self.pause()

    @Slot()
    def end_scrub(self) -> None:
        if self._resume_after_scrub:
            self._resume_after_scrub = False
            self.play()

    @Slot(bool)
    def set_muted(self, muted: bool) -> None:
        self._muted = bool(muted)
        self._output.set_muted(self._muted)
        self._sync_audio()

    @Slot(float)
    def set_volume(self, volume: float) -> None:
        self._output.set_volume(min(max(float(volume), 0.0), 1.0))

    def close(self) -> None:
        """Stop playback and release the audio device."""
        self._timer.stop()
        self._clock.set_master(None)
        self._clock.pause()
        self._output.stop()
        self._output.close()

    # -- render results (from the media worker) ---------------------------------------------
    @Slot(Rendered)
    def on_rendered(self, rendered: Rendered) -> None:
        if rendered.job_id != self._in_flight:
            return
        self._in_flight = None
        if not self._dirty:
            self.frame_shown.emit(ShownFrame(rendered.picture))
        self._want_render()

    @Slot(RenderFailed)
    def on_render_failed(self, failure: RenderFailed) -> None:
        if failure.job_id != self._in_flight:
            return
        self._in_flight = None
        if failure.message:
            self.render_error.emit(failure.message)
        # No retry of the same frame: the next frame change asks again.

    # -- internals ---------------------------------------------------------------------------
    def _start(self, rate: float) -> None:
        if not self.has_media:
            return
        self._clock.set_master(None)
        self._clock.play(rate)
        if rate != self._reported_rate:
            self._reported_rate = rate
            self.rate_changed.emit(rate)
        self._sync_audio()
        if self._clock.playing:
            self._timer.start()
        self._report_playing()
        self._publish(force=True)

    def _stop_playback(self) -> None:
        """After the clock stopped (pause, end reached, new media): timer, audio, signal."""
        self._timer.stop()
        if self._clock.playing:
            self._clock.pause()
        self._sync_audio()
        self._report_playing()

    def _report_playing(self) -> None:
        if self._clock.playing != self._reported_playing:
            self._reported_playing = self._clock.playing
            self.playing_changed.emit(self._reported_playing)

    def _sync_audio(self) -> None:
        """Drive the clock by the audio output when it can be, by the wall clock otherwise."""
        source = self._audio_unusable_reason()
        if self._clock.playing and source is None:
            position = self._clock.position()
            if self._output.start(self._track, position, 1.0):  # type: ignore[arg-type]
                self._clock.set_master(self._output.position)
            else:
                source = CLOCK_NO_DEVICE
        if not (self._clock.playing and source is None):
            # Read the position through the master before it goes away.
            self._clock.set_master(None)
            self._output.stop()
        self._set_clock_source(source or CLOCK_AUDIO)

    def _audio_unusable_reason(self) -> str | None:
        if self._track is None:
            return CLOCK_NO_TRACK
        if not self._output.available:
            return CLOCK_NO_DEVICE
        if self._muted:
            return CLOCK_MUTED
        rate = self._clock.rate if self._clock.playing else self._speed
        if rate != 1.0:
            return f"wall clock — {rate:g}× speed"
        return None

    def _set_clock_source(self, text: str) -> None:
        if text != self._clock_source:
            self._clock_source = text
            self.clock_source_changed.emit(text)

    @Slot()
    def _tick(self) -> None:
        t = self._clock.position()
        if not self._clock.playing:
            # The clock stopped itself at an end of the clip.
            self._stop_playback()
            self._publish(force=True)
            return
        self._publish(t)

    def _publish(self, t: float | None = None, force: bool = False) -> None:
        """Report the position (when it moved enough), the active indicators, and render."""
        if t is None:
            t = self._clock.position()
        index = frame_index_at(self._frame_times, t)
        if (
            force
            or index != self._reported_index
            or abs(t - self._reported_time) >= POSITION_INTERVAL_S
        ):
            self._reported_index, self._reported_time = index, t
            self.position_changed.emit(t, index)
            active = frozenset(v.indicator_id for v in visible_indicators(self._project, t))
            if active != self._active:
                self._active = active
                self.active_indicators_changed.emit(active)
        self._want_render(t)

    def _invalidate(self) -> None:
        self._dirty = True
        self._want_render()

    def _want_render(self, t: float | None = None) -> None:
        """Ask for the frame wanted now, unless one is in flight or it is already shown."""
        if self._in_flight is not None or not self.has_media:
            return
        if t is None:
            t = self._clock.position()
        index = frame_index_at(self._frame_times, t)
        if index == self._requested_index and not self._dirty:
            return
        job = self._render_jobs.next()
        self._in_flight = job
        self._requested_index = index
        self._dirty = False
        self.render_requested.emit(RenderRequest(job, t, self._project))
