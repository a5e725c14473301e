"""Sound playback that falls back to silence.

The player asks :func:`create_audio_output` for an output. Where PortAudio or an output
device is missing (servers, CI, some containers: ``import sounddevice`` itself raises
OSError there) it gets a :class:`NullAudioOutput` whose ``start`` returns False, and the
player then runs on a wall clock. With a device, :class:`SoundDeviceOutput` plays a track
from a position through a ``sounddevice.OutputStream`` callback and reports which sample is
being heard *now* (corrected for the device latency), so the player can follow the sound.

Only normal speed is played: ``start`` with ``rate != 1.0`` returns False (silence) rather
than pitch-shifted or time-stretched sound; the player keeps the picture on its own clock.
"""

from __future__ import annotations

import contextlib
import math
import threading
from typing import Any, Protocol, runtime_checkable

import numpy as np

from narrlocal_gui.media.audio import AudioTrack

__all__ = ["AudioOutput", "NullAudioOutput", "SoundDeviceOutput", "create_audio_output"]

_OUTPUT_CHANNELS = 2  # mono tracks are doubled: not every device opens with one channel


@runtime_checkable
class AudioOutput(Protocol):
    @property
    def available(self) -> bool:
        """True when this output can make sound at all."""
        ...

    def start(self, track: AudioTrack, position: float, rate: float = 1.0) -> bool:
        """Play ``track`` from ``position`` seconds; False if it cannot (use a wall clock)."""
        ...

    def stop(self) -> None: ...

    def position(self) -> float | None:
        """Seconds of the track being heard now, latency-corrected; None when not playing."""
        ...

    def set_volume(self, volume: float) -> None:
        """Linear gain, clamped to [0, 1]."""
        ...

    def set_muted(self, muted: bool) -> None: ...

    def close(self) -> None: ...


class NullAudioOutput:
    """No sound: ``start`` always returns False. Volume and mute are remembered only."""

    def __init__(self) -> None:
        self._volume = 1.0
        self._muted = False

    @property
    def available(self) -> bool:
        return False

    @property
    def volume(self) -> float:
        return self._volume

    @property
    def muted(self) -> bool:
        return self._muted

    def start(self, track: AudioTrack, position: float, rate: float = 1.0) -> bool:
        return False

    def stop(self) -> None:
        return None

    def position(self) -> float | None:
        return None

    def set_volume(self, volume: float) -> None:
        self._volume = _clamp_volume(volume)

    def set_muted(self, muted: bool) -> None:
        self._muted = bool(muted)

    def close(self) -> None:
        return None


class SoundDeviceOutput:
    """Plays an :class:`AudioTrack` through ``sounddevice`` (PortAudio).

    ``sd`` is the imported ``sounddevice`` module (passed in so that importing this module
    never touches PortAudio). The stream is reopened only when the sample rate changes.
    """

    def __init__(self, sd: Any, *, device: int | str | None = None) -> None:
        self._sd = sd
        self._device = device
        self._lock = threading.Lock()
        self._stream: Any = None
        self._stream_rate = 0
        self._samples: np.ndarray | None = None
        self._rate = 0
        self._start_index = 0
        self._next_index = 0  # next sample handed to the device
        self._block_index = 0  # first sample of the block last handed over ...
        self._block_dac_time: float | None = None  # ... and when it reaches the speaker
        self._playing = False
        self._volume = 1.0
        self._muted = False
        self._closed = False

    @property
    def available(self) -> bool:
        return not self._closed

    @property
    def volume(self) -> float:
        return self._volume

    @property
    def muted(self) -> bool:
        return self._muted

    def start(self, track: AudioTrack, position: float, rate: float = 1.0) -> bool:
        self.stop()
        if self._closed or not math.isclose(rate, 1.0) or not math.isfinite(position):
            return False
        first = min(max(round(position * track.sample_rate), 0), track.frame_count)
        with self._lock:
            self._samples = track.samples
            self._rate = track.sample_rate
            self._start_index = first
            self._next_index = first
            self._block_index = first
            self._block_dac_time = None
        try:
            if self._stream is None or self._stream_rate != track.sample_rate:
                self._close_stream()
                self._stream = self._sd.OutputStream(
                    samplerate=track.sample_rate,
                    channels=_OUTPUT_CHANNELS,
                    dtype="float32",
                    callback=self._callback,
                    device=self._device,
                )
                self._stream_rate = track.sample_rate
            self._stream.start()
        except Exception:  # PortAudio reports device trouble with its own exception types
            self._close_stream()
            with self._lock:
                self._samples = None
            return False
        with self._lock:
            self._playing = True
        return True

    def stop(self) -> None:
        with self._lock:
            was_playing = self._playing
            self._playing = False
            self._samples = None
            self._block_dac_time = None
        if was_playing and self._stream is not None:
            try:
                self._stream.abort()
            except Exception:  # a device that vanished cannot be stopped any further
                self._close_stream()

    def position(self) -> float | None:
        with self._lock:
            if not self._playing or self._samples is None or self._rate <= 0:
                return None
            rate = self._rate
            first = self._start_index
            written = self._next_index
            block_index = self._block_index
            dac_time = self._block_dac_time
            length = self._samples.shape[0]
        if dac_time is None:
            return first / rate  # nothing has reached the speaker yet
        try:
            now = float(self._stream.time)
        except Exception:
            now = dac_time
        heard = block_index + (now - dac_time) * rate
        heard = min(max(heard, first), written, length)
        return float(heard / rate)

    def set_volume(self, volume: float) -> None:
        self._volume = _clamp_volume(volume)

    def set_muted(self, muted: bool) -> None:
        self._muted = bool(muted)

    def close(self) -> None:
        self.stop()
        self._close_stream()
        self._closed = True

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        self._stream_rate = 0
        if stream is not None:
            # Closing a broken stream has nothing left to release.
            with contextlib.suppress(Exception):
                stream.close()

    def _callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        # Runs on PortAudio's thread: no allocation beyond the block, no blocking calls.
        gain = 0.0 if self._muted else self._volume
        with self._lock:
            samples = self._samples
            index = self._next_index
            if samples is None or not self._playing:
                outdata.fill(0.0)
                return
            end = min(index + frames, samples.shape[0])
            self._next_index = index + frames
            self._block_index = index
            self._block_dac_time = _dac_time(time_info, self._stream)
        count = max(end - index, 0)
        if count:
            block = samples[index:end]
            if block.shape[1] == 1:
                outdata[:count] = block * gain
            else:
                outdata[:count] = block[:, : outdata.shape[1]] * gain
        if count < frames:
            outdata[count:] = 0.0


def _dac_time(time_info: Any, stream: Any) -> float:
    dac = float(getattr(time_info, "outputBufferDacTime", 0.0) or 0.0)
    if dac > 0.0:
        return dac
    # Some host APIs report no DAC time; the current time plus the output latency is close.
    current = float(getattr(time_info, "currentTime", 0.0) or 0.0)
    latency = getattr(stream, "latency", 0.0) if stream is not None else 0.0
    try:
        extra = float(latency if not isinstance(latency, tuple) else latency[-1])
    except (TypeError, ValueError):
        extra = 0.0
    return current + extra


def _clamp_volume(volume: float) -> float:
    v = float(volume)
    if math.isnan(v):
        return 1.0
    return min(max(v, 0.0), 1.0)


def create_audio_output(device: int | str | None = None) -> AudioOutput:
    """A :class:`SoundDeviceOutput` when PortAudio and an output device exist, else silence.

    Never raises: every failure (no PortAudio library, no device, a broken driver) yields
    a :class:`NullAudioOutput`.
    """
    try:
        import sounddevice as sd

        sd.query_devices(device, kind="output")
        return SoundDeviceOutput(sd, device=device)
    except Exception:  # OSError from a missing PortAudio, PortAudioError, anything else
        return NullAudioOutput()
