"""Audio decoding: content, alignment to the video clock, memory budget, envelopes."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from narrlocal_gui.errors import MediaError
from narrlocal_gui.media import audio as audio_module
from narrlocal_gui.media.audio import (
    DEFAULT_MAX_BYTES,
    AudioTrack,
    choose_audio_format,
    decode_audio,
    decode_waveform_envelope,
    waveform_envelope,
)
from narrlocal_gui.media.video_reader import VideoReader
from narrlocal_gui.progress import Cancelled
from tests.media_factory import (
    make_audio_only_m4a,
    make_counter_clip,
    make_image,
    make_tone_wav,
    make_truncated_clip,
)

BEEP_AT = 1.0


def dominant_hz(track: AudioTrack) -> float:
    mono = track.samples.mean(axis=1)
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(mono.size)))
    return float(np.argmax(spectrum) * track.sample_rate / mono.size)


def onset(track: AudioTrack, threshold: float = 0.05) -> float:
    loud = np.flatnonzero(np.abs(track.samples[:, 0]) > threshold)
    assert loud.size, "no sound found"
    return float(loud[0] / track.sample_rate)


def test_tone_content_and_format(tmp_path: Path) -> None:
    clip = make_counter_clip(tmp_path / "tone.mp4", n_frames=30, tone_hz=440.0)
    track = decode_audio(clip)
    assert track is not None
    assert track.sample_rate == 48000 and track.channels == 2
    assert track.samples.dtype == np.float32 and not track.samples.flags.writeable
    assert float(np.abs(track.samples).max()) <= 1.0
    assert track.duration == pytest.approx(1.0, abs=0.05)
    assert dominant_hz(track) == pytest.approx(440.0, abs=3.0)
    # Resampled and downmixed on request.
    small = decode_audio(clip, sample_rate=16000, channels=1)
    assert small is not None and (small.sample_rate, small.channels) == (16000, 1)
    assert small.frame_count == pytest.approx(16000, abs=1000)
    assert dominant_hz(small) == pytest.approx(440.0, abs=3.0)


@pytest.mark.parametrize(
    ("start_time", "audio_delay"),
    [(None, 0.0), (1.5, 0.0), (None, 0.4), (0.5, -0.3)],
    ids=["plain", "container-starts-late", "audio-starts-late", "audio-starts-early"],
)
def test_audio_is_aligned_to_the_first_video_frame(
    tmp_path: Path, start_time: float | None, audio_delay: float
) -> None:
    clip = make_counter_clip(
        tmp_path / "beep.mp4",
        n_frames=60,
        start_time=start_time,
        audio_delay=audio_delay,
        beep_at=BEEP_AT,
    )
    track = decode_audio(clip)
    assert track is not None
    assert onset(track) == pytest.approx(BEEP_AT, abs=0.01)
    if audio_delay > 0:
        # Nothing plays before the audio stream starts: exact silence.
        lead = round((audio_delay - 0.03) * track.sample_rate)
        assert not np.any(track.samples[:lead])
    # Passing the reader's origin explicitly gives the same alignment.
    with VideoReader(clip) as reader:
        explicit = decode_audio(clip, start_offset=reader.origin, sample_rate=24000)
    assert explicit is not None
    assert onset(explicit) == pytest.approx(BEEP_AT, abs=0.01)


def test_no_audio_gives_none(tmp_path: Path) -> None:
    silent = make_counter_clip(tmp_path / "silent.mp4", n_frames=10, with_audio=False)
    assert decode_audio(silent) is None
    assert decode_waveform_envelope(silent) is None
    assert decode_audio(make_image(tmp_path / "still.png")) is None


def test_audio_only_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    m4a = decode_audio(make_audio_only_m4a(tmp_path / "a.m4a", 1.0, 44100), sample_rate=None)
    assert m4a is not None and m4a.sample_rate == 44100 and m4a.channels == 2
    assert m4a.duration == pytest.approx(1.0, abs=0.05)
    assert dominant_hz(m4a) == pytest.approx(440.0, abs=3.0)

    wav = make_tone_wav(tmp_path / "t.wav", 1.0, 22050, hz=1000.0)

    def no_pyav(*args: object, **kwargs: object) -> None:
        raise AssertionError("a plain WAV at its own rate must be read with soundfile")

    with monkeypatch.context() as m:
        m.setattr(audio_module, "_pyav_chunks", no_pyav)
        native = decode_audio(wav, sample_rate=None)
    assert native is not None and native.sample_rate == 22050 and native.channels == 1
    assert native.frame_count == 22050
    assert dominant_hz(native) == pytest.approx(1000.0, abs=2.0)
    stereo = decode_audio(wav, sample_rate=None, channels=2)
    assert stereo is not None and stereo.channels == 2
    np.testing.assert_array_equal(stereo.samples[:, 0], stereo.samples[:, 1])
    resampled = decode_audio(wav)  # to 48 kHz: goes through PyAV
    assert resampled is not None and resampled.sample_rate == 48000
    assert resampled.frame_count == pytest.approx(48000, abs=200)
    assert dominant_hz(resampled) == pytest.approx(1000.0, abs=2.0)


def test_truncated_file_audio(tmp_path: Path) -> None:
    clip = make_truncated_clip(tmp_path / "cut.mp4", n_frames=120)
    track = decode_audio(clip)
    assert track is not None
    with VideoReader(clip) as reader:
        assert track.duration < 4.0
        assert track.duration == pytest.approx(reader.duration, abs=0.6)


def test_damaged_audio_packets_are_skipped(tmp_path: Path) -> None:
    clip = make_counter_clip(tmp_path / "hurt.mp4", n_frames=60)
    with av.open(str(clip)) as container:
        stream = container.streams.audio[0]
        packets = [(p.pos, p.size) for p in container.demux(stream) if p.size and p.pos]
    data = bytearray(clip.read_bytes())
    rng = np.random.default_rng(5)
    for pos, size in packets[20:24]:
        data[pos : pos + size] = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
    clip.write_bytes(bytes(data))
    track = decode_audio(clip)
    assert track is not None
    assert track.duration == pytest.approx(2.0, abs=0.05)
    assert dominant_hz(track) == pytest.approx(440.0, abs=3.0)


def test_format_choice_bounds_memory() -> None:
    assert choose_audio_format(600, 48000, 2) == (48000, 2)  # 10 min: as asked
    assert choose_audio_format(1800, 48000, 2) == (24000, 2)  # 30 min
    assert choose_audio_format(3600, 48000, 2) == (24000, 1)  # 1 h
    assert choose_audio_format(7200, 48000, 2) == (16000, 1)  # 2 h: ~460 MB
    assert choose_audio_format(6 * 3600, 48000, 2) == (8000, 1)  # beyond: the floor
    for seconds in (600, 1800, 3600, 7200):
        rate, channels = choose_audio_format(seconds, 48000, 2)
        assert seconds * rate * channels * 4 <= DEFAULT_MAX_BYTES


def test_budget_is_applied_when_decoding(tmp_path: Path) -> None:
    clip = make_counter_clip(tmp_path / "b.mp4", n_frames=60)  # 2 s
    track = decode_audio(clip, max_bytes=100_000)
    assert track is not None
    assert (track.sample_rate, track.channels) == (12000, 1)
    assert track.samples.nbytes <= 100_000
    assert dominant_hz(track) == pytest.approx(440.0, abs=3.0)
    # A hard cap even if the header understated the length.
    capped = decode_audio(clip, sample_rate=8000, channels=1, max_bytes=20_000)
    assert capped is not None and capped.samples.nbytes <= 20_000


def test_progress_and_cancel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clip = make_counter_clip(tmp_path / "p.mp4", n_frames=60)
    monkeypatch.setattr(audio_module, "_PROGRESS_EVERY", 10)
    seen: list[float] = []
    assert decode_audio(clip, progress=seen.append) is not None
    assert seen[0] == 0.0 and seen[-1] == 1.0 and len(seen) >= 4
    assert seen == sorted(seen)
    with pytest.raises(Cancelled):
        decode_audio(clip, cancel=lambda: True)


def test_invalid_arguments(tmp_path: Path) -> None:
    clip = make_counter_clip(tmp_path / "x.mp4", n_frames=5)
    with pytest.raises(ValueError):
        decode_audio(clip, sample_rate=10)
    with pytest.raises(ValueError):
        decode_audio(clip, channels=6)
    with pytest.raises(MediaError, match="does not exist"):
        decode_audio(tmp_path / "gone.mp4")
    with pytest.raises(ValueError):
        AudioTrack(np.zeros((10, 2), np.float64), 48000)
    with pytest.raises(ValueError):
        AudioTrack(np.zeros(10, np.float32), 48000)
    with pytest.raises(ValueError):
        AudioTrack(np.zeros((10, 1), np.float32), 0)


def brute_force_envelope(samples: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    n = samples.shape[0]
    mins, maxs = np.zeros(bins, np.float32), np.zeros(bins, np.float32)
    for i in range(bins):
        lo, hi = i * n // bins, (i + 1) * n // bins
        part = samples[lo:hi] if hi > lo else samples[lo : lo + 1]
        mins[i], maxs[i] = part.min(), part.max()
    return mins, maxs


@pytest.mark.parametrize(("n", "bins"), [(10_000, 100), (10_007, 333), (1000, 1000), (50, 200)])
def test_waveform_envelope_matches_definition(n: int, bins: int) -> None:
    rng = np.random.default_rng(n)
    track = AudioTrack(rng.uniform(-1, 1, (n, 2)).astype(np.float32), 8000)
    mins, maxs = waveform_envelope(track, bins)
    assert mins.dtype == maxs.dtype == np.float32 and mins.shape == (bins,)
    want_min, want_max = brute_force_envelope(track.samples, bins)
    np.testing.assert_array_equal(mins, want_min)
    np.testing.assert_array_equal(maxs, want_max)
    assert np.all(mins <= maxs)


def test_waveform_envelope_edge_cases() -> None:
    empty = AudioTrack(np.zeros((0, 1), np.float32), 8000)
    mins, maxs = waveform_envelope(empty, 10)
    assert not mins.any() and not maxs.any()
    with pytest.raises(ValueError):
        waveform_envelope(empty, 0)
    big = AudioTrack(np.zeros((200_000, 1), np.float32), 8000)
    assert waveform_envelope(big, 150_000)[0].shape == (150_000,)  # spans several blocks


def test_streaming_envelope_matches_decoded_track(tmp_path: Path) -> None:
    clip = make_counter_clip(tmp_path / "env.mp4", n_frames=60, beep_at=BEEP_AT)
    envelope = decode_waveform_envelope(clip, bins_per_second=100)
    assert envelope is not None
    assert envelope.seconds_per_bin == pytest.approx(0.01)
    track = decode_audio(clip, sample_rate=None)
    assert track is not None
    per_bin = round(track.sample_rate * envelope.seconds_per_bin)
    bins = track.frame_count // per_bin
    whole = track.samples[: bins * per_bin].reshape(bins, per_bin, track.channels)
    np.testing.assert_allclose(envelope.maxs[:bins], whole.max(axis=(1, 2)), atol=1e-6)
    np.testing.assert_allclose(envelope.mins[:bins], whole.min(axis=(1, 2)), atol=1e-6)
    loud = np.flatnonzero(envelope.maxs > 0.05)
    assert loud[0] * envelope.seconds_per_bin == pytest.approx(BEEP_AT, abs=0.02)
    assert envelope.duration == pytest.approx(track.duration, abs=0.02)
