"""Preferences: stored in QSettings, read defensively, recent files kept tidy."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QSettings

from narrlocal_gui.ui.settings import (
    MAX_RECENT,
    ComputeDevice,
    Preferences,
    load_preferences,
    load_window_state,
    save_preferences,
    save_window_state,
    with_recent,
    without_recent,
)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def test_defaults_when_nothing_is_stored(settings: QSettings) -> None:
    assert load_preferences(settings) == Preferences()


def test_round_trip(settings: QSettings, tmp_path: Path) -> None:
    a = tmp_path / "a.mp4"
    a.write_bytes(b"x")
    prefs = Preferences(
        recent_files=(str(a),),
        default_duration=None,
        frame_cache_mb=128,
        muted=True,
        volume=0.25,
        last_directory=str(tmp_path),
        export_directory=str(tmp_path / "exports"),
        autosave_seconds=5.0,
    )
    save_preferences(settings, prefs)
    reread = QSettings(settings.fileName(), QSettings.Format.IniFormat)
    assert load_preferences(reread) == prefs
    save_preferences(settings, replace(prefs, default_duration=2.5))
    assert load_preferences(settings).default_duration == 2.5


def test_recent_files_most_recent_first_without_duplicates(tmp_path: Path) -> None:
    prefs = Preferences()
    for i in range(MAX_RECENT + 3):
        prefs = with_recent(prefs, tmp_path / f"{i}.mp4")
    assert len(prefs.recent_files) == MAX_RECENT
    assert prefs.recent_files[0] == str(tmp_path / f"{MAX_RECENT + 2}.mp4")
    prefs = with_recent(prefs, tmp_path / "5.mp4")
    assert prefs.recent_files[0] == str(tmp_path / "5.mp4")
    assert prefs.recent_files.count(str(tmp_path / "5.mp4")) == 1
    prefs = without_recent(prefs, tmp_path / "5.mp4")
    assert str(tmp_path / "5.mp4") not in prefs.recent_files


def test_missing_recent_files_are_dropped_on_read(settings: QSettings, tmp_path: Path) -> None:
    kept = tmp_path / "kept ü.mp4"
    kept.write_bytes(b"x")
    gone = tmp_path / "gone.mp4"
    save_preferences(settings, Preferences(recent_files=(str(gone), str(kept))))
    assert load_preferences(settings).recent_files == (str(kept),)


def test_garbage_values_fall_back_or_are_clamped(settings: QSettings) -> None:
    settings.beginGroup("preferences")
    settings.setValue("frame_cache_mb", 100000)
    settings.setValue("volume", "loud")
    settings.setValue("muted", "perhaps")
    settings.setValue("default_duration", -3)
    settings.setValue("autosave_seconds", "nan")
    settings.setValue("recent_files", 42)
    settings.endGroup()
    prefs = load_preferences(settings)
    assert prefs.frame_cache_mb == 512
    assert prefs.volume == 1.0 and prefs.muted is False
    assert prefs.default_duration == 3.0
    assert prefs.autosave_seconds == 2.0
    assert prefs.recent_files == ()


def test_invalid_preferences_are_refused() -> None:
    with pytest.raises(ValueError):
        Preferences(frame_cache_mb=8)
    with pytest.raises(ValueError):
        Preferences(volume=2.0)


def test_window_state_round_trip(settings: QSettings) -> None:
    assert load_window_state(settings) == (None, None)
    save_window_state(settings, QByteArray(b"geo"), QByteArray(b"state"))
    geometry, state = load_window_state(settings)
    assert geometry == QByteArray(b"geo") and state == QByteArray(b"state")


def test_narration_defaults(settings: QSettings) -> None:
    prefs = load_preferences(settings)
    assert prefs.asr_model == "base"
    assert prefs.compute_device is ComputeDevice.AUTO
    assert prefs.narration_language is None


@pytest.mark.parametrize(
    ("model", "device", "language"),
    [
        ("tiny.en", ComputeDevice.CPU, "en"),
        ("base", ComputeDevice.CUDA, "de"),
        ("base", "auto", None),
    ],
)
def test_narration_preferences_round_trip(
    settings: QSettings, model: str, device: ComputeDevice, language: str | None
) -> None:
    prefs = Preferences(asr_model=model, compute_device=device, narration_language=language)
    assert isinstance(prefs.compute_device, ComputeDevice)
    save_preferences(settings, prefs)
    reread = QSettings(settings.fileName(), QSettings.Format.IniFormat)
    assert load_preferences(reread) == prefs


def test_narration_garbage_falls_back(settings: QSettings) -> None:
    settings.beginGroup("preferences")
    settings.setValue("asr_model", "huge-v9")
    settings.setValue("compute_device", "tpu")
    settings.setValue("narration_language", "english")
    settings.endGroup()
    prefs = load_preferences(settings)
    assert (prefs.asr_model, prefs.compute_device, prefs.narration_language) == (
        "base",
        ComputeDevice.AUTO,
        None,
    )


def test_invalid_narration_preferences_are_refused() -> None:
    with pytest.raises(ValueError):
        Preferences(asr_model="huge-v9")
    with pytest.raises(ValueError):
        Preferences(narration_language="EN")
    with pytest.raises(ValueError):
        Preferences(compute_device="tpu")  # type: ignore[arg-type]
