"""Audio output: silent fallback, never raising, and the sounddevice path with a fake device."""

from __future__ import annotations

import builtins
import sys
import types
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
import pytest

from narrlocal_gui.media.audio import AudioTrack
from narrlocal_gui.media.audio_output import (
    AudioOutput,
    NullAudioOutput,
    SoundDeviceOutput,
    create_audio_output,
)

RATE = 8000


def ramp_track(seconds: float = 1.0, channels: int = 2) -> AudioTrack:
    n = int(seconds * RATE)
    ramp = (np.arange(n, dtype=np.float32) / n)[:, None]
    samples = np.repeat(ramp, channels, axis=1)
    if channels == 2:
        samples[:, 1] *= -1
    return AudioTrack(np.ascontiguousarray(samples), RATE)


class FakeStream:
    instances: ClassVar[list[FakeStream]] = []

    def __init__(self, *, samplerate: int, channels: int, dtype: str, callback: Any, device: Any):
        self.samplerate = samplerate
        self.channels = channels
        self.callback: Callable[..., None] = callback
        self.time = 0.0
        self.latency = 0.05
        self.active = False
        self.closed = False
        FakeStream.instances.append(self)

    def start(self) -> None:
        self.active = True

    def abort(self) -> None:
        self.active = False

    def close(self) -> None:
        self.closed = True

    def pull(self, frames: int, dac_time: float, now: float) -> np.ndarray:
        """Let the 'device' ask for a block, as PortAudio's thread would."""
        out = np.full((frames, self.channels), 7.0, dtype=np.float32)
        self.callback(
            out, frames, SimpleNamespace(outputBufferDacTime=dac_time, currentTime=now), 0
        )
        return out


def fake_sounddevice(*, devices_ok: bool = True) -> types.ModuleType:
    module = types.ModuleType("sounddevice")
    FakeStream.instances = []

    def query_devices(device: Any = None, kind: str | None = None) -> dict[str, Any]:
        if not devices_ok:
            raise ValueError("No output device matching ''")
        return {"name": "fake", "max_output_channels": 2}

    module.query_devices = query_devices  # type: ignore[attr-defined]
    module.OutputStream = FakeStream  # type: ignore[attr-defined]
    return module


def test_null_output_is_silent() -> None:
    out = NullAudioOutput()
    assert isinstance(out, AudioOutput)
    assert not out.available
    assert out.start(ramp_track(), 0.0) is False
    assert out.position() is None
    out.set_volume(3.0)
    out.set_muted(True)
    assert out.volume == 1.0 and out.muted
    out.stop()
    out.close()


def test_missing_portaudio_gives_null_output(monkeypatch: pytest.MonkeyPatch) -> None:
    # What this machine really does: importing sounddevice raises OSError.
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    real_import = builtins.__import__

    def failing_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", failing_import)
    out = create_audio_output()
    assert isinstance(out, NullAudioOutput)
    assert out.start(ramp_track(), 0.0) is False


def test_not_installed_gives_null_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import raises ImportError
    assert isinstance(create_audio_output(), NullAudioOutput)


def test_no_output_device_gives_null_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice(devices_ok=False))
    assert isinstance(create_audio_output(), NullAudioOutput)


def test_sounddevice_output_plays_from_position(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice())
    out = create_audio_output()
    assert isinstance(out, SoundDeviceOutput) and out.available
    track = ramp_track()
    assert out.position() is None
    assert out.start(track, 0.5) is True
    stream = FakeStream.instances[-1]
    assert stream.active and stream.samplerate == RATE and stream.channels == 2
    assert out.position() == pytest.approx(0.5)  # nothing heard yet

    block = stream.pull(256, dac_time=10.0, now=9.95)
    np.testing.assert_array_equal(block, track.samples[4000:4256])
    # The block reaches the speaker at t=10.0; 16 ms later, 128 of its samples were heard.
    stream.time = 10.0 + 128 / RATE
    assert out.position() == pytest.approx((4000 + 128) / RATE)
    stream.time = 9.99  # before that block plays, the position cannot go below the start
    assert out.position() == pytest.approx(0.5)

    out.set_volume(0.5)
    block = stream.pull(100, dac_time=10.1, now=10.05)
    np.testing.assert_allclose(block, track.samples[4256:4356] * 0.5)
    out.set_muted(True)
    assert not stream.pull(100, dac_time=10.2, now=10.15).any()
    out.set_muted(False)
    out.set_volume(1.0)

    out.stop()
    assert not stream.active and out.position() is None
    assert not stream.pull(10, dac_time=11.0, now=10.9).any()  # stopped: silence
    out.close()
    assert stream.closed and not out.available
    assert out.start(track, 0.0) is False


def test_end_of_track_and_mono(monkeypatch: pytest.MonkeyPatch) -> None:
    out = SoundDeviceOutput(fake_sounddevice())
    track = ramp_track(0.1, channels=1)  # 800 samples
    assert out.start(track, 0.09)
    stream = FakeStream.instances[-1]
    block = stream.pull(200, dac_time=1.0, now=0.99)
    np.testing.assert_array_equal(block[:80, 0], track.samples[720:, 0])
    np.testing.assert_array_equal(block[:80, 1], track.samples[720:, 0])  # mono on both
    assert not block[80:].any()  # past the end: silence
    stream.time = 5.0
    assert out.position() == pytest.approx(track.duration)  # clamped to the end
    out.close()


def test_rate_other_than_one_and_device_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    sd = fake_sounddevice()
    out = SoundDeviceOutput(sd)
    assert out.start(ramp_track(), 0.0, rate=2.0) is False  # documented: no speed change
    assert out.position() is None

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("Error opening OutputStream: Device unavailable")

    sd.OutputStream = broken  # type: ignore[attr-defined]
    assert out.start(ramp_track(), 0.0) is False
    assert out.position() is None
    out.close()


def test_stream_is_reused_for_the_same_rate() -> None:
    out = SoundDeviceOutput(fake_sounddevice())
    assert out.start(ramp_track(), 0.0)
    assert out.start(ramp_track(), 0.2)
    assert len(FakeStream.instances) == 1
    assert out.start(AudioTrack(np.zeros((100, 2), np.float32), 16000), 0.0)
    assert len(FakeStream.instances) == 2 and FakeStream.instances[0].closed
    out.close()
