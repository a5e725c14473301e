"""User preferences: an immutable record, read from and written to QSettings.

Reading never trusts the stored values (a hand-edited or older settings file): every value
is parsed, range-checked and falls back to its default, and recent files that no longer
exist are dropped. The helpers that change preferences are pure functions.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from PySide6.QtCore import QByteArray, QObject, QSettings, Signal

from narrlocal_gui.core.model import SpanChoice
from narrlocal_gui.narration.asr_models import ASR_MODELS, DEFAULT_ASR_MODEL

MAX_RECENT = 10
CACHE_MB_RANGE = (64, 512)
AUTOSAVE_RANGE = (1.0, 600.0)
#: Seconds of video searched before and after each phrase (the patent's window W).
LOCALIZER_WINDOW_RANGE = (0.5, 30.0)
DEFAULT_LOCALIZER_WINDOW = 5.0

_GROUP = "preferences"
_WINDOW_GEOMETRY = "window/geometry"
_WINDOW_STATE = "window/state"
#: Bump when the window's docks change: a layout saved by an older version is then ignored
#: (QMainWindow.restoreState refuses a state of another version) instead of half-applied.
WINDOW_STATE_VERSION = 3

#: What Whisper calls a language: a two-letter ISO 639-1 code.
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")


class ComputeDevice(StrEnum):
    """Where speech recognition runs; the values are what the ASR engine is asked for."""

    AUTO = "auto"
    CPU = "cpu"
    CUDA = "cuda"

    @property
    def label(self) -> str:
        return _DEVICE_LABELS[self]


_DEVICE_LABELS = {
    ComputeDevice.AUTO: "Automatic (GPU when present)",
    ComputeDevice.CPU: "CPU",
    ComputeDevice.CUDA: "CUDA GPU",
}


class LocalizerDevice(StrEnum):
    """Where the localizer runs; the values are what the localizer pipeline is asked for."""

    AUTO = "auto"
    CPU = "cpu"
    GPU = "gpu"

    @property
    def label(self) -> str:
        return _LOCALIZER_DEVICE_LABELS[self]


_LOCALIZER_DEVICE_LABELS = {
    LocalizerDevice.AUTO: "Automatic (CUDA > MPS > CPU)",
    LocalizerDevice.CPU: "CPU",
    LocalizerDevice.GPU: "GPU",
}


class LocalizerMethod(StrEnum):
    """How Localize finds phrases: the training-free default, the CoMMA model that ships
    with the application (trained on synthetic clips), or a trained CoMMA checkpoint
    (Localize > Adapt to My Videos… makes one and switches to it)."""

    TRAINING_FREE = "training-free"
    BUILT_IN = "comma-built-in"
    COMMA = "comma"

    @property
    def label(self) -> str:
        return _LOCALIZER_METHOD_LABELS[self]


_LOCALIZER_METHOD_LABELS = {
    LocalizerMethod.TRAINING_FREE: "Training-free (pretrained encoders)",
    LocalizerMethod.BUILT_IN: "Built-in CoMMA model (trained on synthetic clips)",
    LocalizerMethod.COMMA: "Adapted CoMMA model (checkpoint)",
}


def is_language_code(text: str) -> bool:
    return _LANGUAGE_CODE.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class Preferences:
    #: Most recent first, at most MAX_RECENT, absolute paths.
    recent_files: tuple[str, ...] = ()
    #: Display duration of indicators in new projects (seconds); None = the phrase's length.
    default_duration: float | None = 3.0
    #: The span new indicators follow in new projects: when spoken, or the action span.
    default_follow: SpanChoice = SpanChoice.SPOKEN
    frame_cache_mb: int = 256
    muted: bool = False
    volume: float = 1.0
    last_directory: str = ""
    #: Where the last export was written (exports go elsewhere than projects, typically).
    export_directory: str = ""
    autosave_seconds: float = 2.0
    #: A key of ASR_MODELS.
    asr_model: str = DEFAULT_ASR_MODEL
    compute_device: ComputeDevice = ComputeDevice.AUTO
    #: Two-letter code of the narration's language; None = detected from the audio.
    narration_language: str | None = None
    localizer_device: LocalizerDevice = LocalizerDevice.AUTO
    #: Seconds searched before and after each phrase when localizing it.
    localizer_window: float = DEFAULT_LOCALIZER_WINDOW
    localizer_method: LocalizerMethod = LocalizerMethod.TRAINING_FREE
    #: The CoMMA checkpoint the COMMA method uses (kept when switching back, to return to it).
    comma_checkpoint: str = ""

    def __post_init__(self) -> None:
        lo, hi = CACHE_MB_RANGE
        if not lo <= self.frame_cache_mb <= hi:
            raise ValueError(f"frame cache must be {lo}..{hi} MB, got {self.frame_cache_mb}")
        if not 0.0 <= self.volume <= 1.0:
            raise ValueError(f"volume must be in [0, 1], got {self.volume}")
        if self.default_duration is not None and not (
            math.isfinite(self.default_duration) and self.default_duration > 0.0
        ):
            raise ValueError(f"default duration must be > 0 s, got {self.default_duration}")
        a_lo, a_hi = AUTOSAVE_RANGE
        if not a_lo <= self.autosave_seconds <= a_hi:
            raise ValueError(f"autosave delay must be {a_lo}..{a_hi} s")
        if len(self.recent_files) > MAX_RECENT:
            raise ValueError(f"at most {MAX_RECENT} recent files")
        if self.asr_model not in ASR_MODELS:
            raise ValueError(f"unknown speech recognition model {self.asr_model!r}")
        if not isinstance(self.default_follow, SpanChoice):
            object.__setattr__(self, "default_follow", SpanChoice(self.default_follow))
        if not isinstance(self.compute_device, ComputeDevice):
            object.__setattr__(self, "compute_device", ComputeDevice(self.compute_device))
        if self.narration_language is not None and not is_language_code(self.narration_language):
            raise ValueError(f"language must be a two-letter code, got {self.narration_language!r}")
        if not isinstance(self.localizer_device, LocalizerDevice):
            object.__setattr__(self, "localizer_device", LocalizerDevice(self.localizer_device))
        w_lo, w_hi = LOCALIZER_WINDOW_RANGE
        if not (math.isfinite(self.localizer_window) and w_lo <= self.localizer_window <= w_hi):
            raise ValueError(f"search window must be {w_lo}..{w_hi} s, got {self.localizer_window}")
        if not isinstance(self.localizer_method, LocalizerMethod):
            object.__setattr__(self, "localizer_method", LocalizerMethod(self.localizer_method))
        if self.localizer_method is LocalizerMethod.COMMA and not self.comma_checkpoint:
            raise ValueError("the CoMMA method needs a checkpoint")


def with_recent(prefs: Preferences, path: Path | str) -> Preferences:
    """``prefs`` with ``path`` first in the recent files (moved there if already listed)."""
    entry = str(Path(path).expanduser().absolute())
    rest = tuple(p for p in prefs.recent_files if p != entry)
    return replace(prefs, recent_files=(entry, *rest)[:MAX_RECENT])


def without_recent(prefs: Preferences, path: Path | str) -> Preferences:
    entry = str(Path(path).expanduser().absolute())
    return replace(prefs, recent_files=tuple(p for p in prefs.recent_files if p != entry))


def _float(value: object, default: float) -> float:
    try:
        result = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return result if math.isfinite(result) else default


def _bool(value: object, default: bool) -> bool:
    # INI files give strings back; the native formats give bools.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    return default


def _clamp(value: float, lo: float, hi: float) -> float:
    return min(max(value, lo), hi)


def _string_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []  # a one-element list comes back as a plain string
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v]
    return []


def _choice(value: object, allowed: tuple[str, ...], default: str) -> str:
    return value if isinstance(value, str) and value in allowed else default


def _language(value: object) -> str | None:
    # Stored as "" for "detect automatically": INI files cannot hold a null.
    if isinstance(value, str) and is_language_code(value.strip().lower()):
        return value.strip().lower()
    return None


def load_preferences(settings: QSettings) -> Preferences:
    d = Preferences()
    settings.beginGroup(_GROUP)
    try:
        recent: list[str] = []
        for entry in _string_list(settings.value("recent_files")):
            if entry not in recent and Path(entry).exists():
                recent.append(entry)
        raw_duration = settings.value("default_duration")
        duration: float | None
        if raw_duration in ("none", "None"):
            duration = None
        else:
            duration = _float(raw_duration, d.default_duration or 3.0)
            if duration <= 0.0:
                duration = d.default_duration
        cache_lo, cache_hi = CACHE_MB_RANGE
        checkpoint = str(settings.value("comma_checkpoint") or "")
        method = LocalizerMethod(
            _choice(
                settings.value("localizer_method"),
                tuple(LocalizerMethod),
                d.localizer_method.value,
            )
        )
        if method is LocalizerMethod.COMMA and not Path(checkpoint).is_file():
            method = LocalizerMethod.TRAINING_FREE  # deleted or moved: back to the default
        return Preferences(
            recent_files=tuple(recent[:MAX_RECENT]),
            default_duration=duration,
            default_follow=SpanChoice(
                _choice(settings.value("default_follow"), tuple(SpanChoice), d.default_follow)
            ),
            frame_cache_mb=int(
                _clamp(
                    _float(settings.value("frame_cache_mb"), d.frame_cache_mb), cache_lo, cache_hi
                )
            ),
            muted=_bool(settings.value("muted"), d.muted),
            volume=_clamp(_float(settings.value("volume"), d.volume), 0.0, 1.0),
            last_directory=str(settings.value("last_directory") or ""),
            export_directory=str(settings.value("export_directory") or ""),
            autosave_seconds=_clamp(
                _float(settings.value("autosave_seconds"), d.autosave_seconds), *AUTOSAVE_RANGE
            ),
            asr_model=_choice(settings.value("asr_model"), tuple(ASR_MODELS), d.asr_model),
            compute_device=ComputeDevice(
                _choice(
                    settings.value("compute_device"),
                    tuple(ComputeDevice),
                    d.compute_device.value,
                )
            ),
            narration_language=_language(settings.value("narration_language")),
            localizer_device=LocalizerDevice(
                _choice(
                    settings.value("localizer_device"),
                    tuple(LocalizerDevice),
                    d.localizer_device.value,
                )
            ),
            localizer_window=_clamp(
                _float(settings.value("localizer_window"), d.localizer_window),
                *LOCALIZER_WINDOW_RANGE,
            ),
            localizer_method=method,
            comma_checkpoint=checkpoint,
        )
    finally:
        settings.endGroup()


def save_preferences(settings: QSettings, prefs: Preferences) -> None:
    settings.beginGroup(_GROUP)
    try:
        settings.setValue("recent_files", list(prefs.recent_files))
        settings.setValue(
            "default_duration", "none" if prefs.default_duration is None else prefs.default_duration
        )
        settings.setValue("default_follow", prefs.default_follow.value)
        settings.setValue("frame_cache_mb", prefs.frame_cache_mb)
        settings.setValue("muted", prefs.muted)
        settings.setValue("volume", prefs.volume)
        settings.setValue("last_directory", prefs.last_directory)
        settings.setValue("export_directory", prefs.export_directory)
        settings.setValue("autosave_seconds", prefs.autosave_seconds)
        settings.setValue("asr_model", prefs.asr_model)
        settings.setValue("compute_device", prefs.compute_device.value)
        settings.setValue("narration_language", prefs.narration_language or "")
        settings.setValue("localizer_device", prefs.localizer_device.value)
        settings.setValue("localizer_window", prefs.localizer_window)
        settings.setValue("localizer_method", prefs.localizer_method.value)
        settings.setValue("comma_checkpoint", prefs.comma_checkpoint)
    finally:
        settings.endGroup()
    settings.sync()


def adaptation_dir() -> Path:
    """Where Localize > Adapt to My Videos… keeps its runs and adapted models."""
    import platformdirs

    return Path(platformdirs.user_data_dir("NarrLocal", appauthor=False)) / "adapted"


def save_window_state(settings: QSettings, geometry: QByteArray, state: QByteArray) -> None:
    """The main window's geometry and dock/toolbar layout (QMainWindow.saveState)."""
    settings.setValue(_WINDOW_GEOMETRY, geometry)
    settings.setValue(_WINDOW_STATE, state)
    settings.sync()


def load_window_state(settings: QSettings) -> tuple[QByteArray | None, QByteArray | None]:
    geometry = settings.value(_WINDOW_GEOMETRY)
    state = settings.value(_WINDOW_STATE)
    return (
        geometry if isinstance(geometry, QByteArray) else None,
        state if isinstance(state, QByteArray) else None,
    )


class PreferencesStore(QObject):
    """The current preferences, saved whenever they change, for the window to share."""

    changed = Signal(Preferences)

    def __init__(self, settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._prefs = load_preferences(settings)

    @property
    def prefs(self) -> Preferences:
        return self._prefs

    def update(self, prefs: Preferences) -> None:
        if prefs != self._prefs:
            self._prefs = prefs
            save_preferences(self.settings, prefs)
            self.changed.emit(prefs)
