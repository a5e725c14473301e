"""Play, step, jump, speed and volume controls, with the position as text."""

from __future__ import annotations

import math
from collections.abc import Mapping

from PySide6.QtCore import QEvent, QPointF, QRectF, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QIcon,
    QKeySequence,
    QPainter,
    QPalette,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QStyle,
    QToolButton,
    QWidget,
)

from narrlocal_gui.core.time_format import format_timecode

#: Playback rates offered in the speed box. Others (e.g. a J/L shuttle's 8x or reverse) are
#: added to it when :meth:`TransportBar.set_speed` reports them.
SPEEDS: tuple[float, ...] = (0.25, 0.5, 1.0, 1.5, 2.0, 4.0)

#: The keys each control's tooltip names, as QKeySequence portable text. The window that
#: binds the keys should pass its own map to :meth:`TransportBar.set_shortcuts` so the
#: tooltips can never disagree with what the keys do.
DEFAULT_SHORTCUTS: Mapping[str, str] = {
    "start": "Home",
    "back": "Shift+Left",
    "previous_frame": "Left",
    "play": "Space",
    "next_frame": "Right",
    "forward": "Shift+Right",
    "end": "End",
    "mute": "M",
}

JUMP_SECONDS = 5.0
ICON_PX = 20
PLAY_ICON_PX = 24

NO_AUDIO_TOOLTIP = "No audio output device: playing silently"


def _tinted(icon: QIcon, size: int, normal: QColor, disabled: QColor) -> QIcon:
    """``icon`` recoloured to the palette's button text.

    Several styles ship their media icons as fixed dark images that vanish on a dark theme;
    used as a mask they keep their shape and follow the palette.
    """
    tinted = QIcon()
    for scale in (1.0, 2.0):  # crisp on standard and high-density screens
        source = icon.pixmap(QSize(size, size), scale)
        for mode, color in ((QIcon.Mode.Normal, normal), (QIcon.Mode.Disabled, disabled)):
            pixmap = QPixmap(source.size())
            pixmap.setDevicePixelRatio(source.devicePixelRatio())
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            painter.drawPixmap(0, 0, source)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
            painter.fillRect(pixmap.rect(), color)
            painter.end()
            tinted.addPixmap(pixmap, mode)
    return tinted


def _frame_step_icon(forward: bool, size: int, normal: QColor, disabled: QColor) -> QIcon:
    """A bar and a triangle: |> steps forward one frame, <| back.

    No style has a frame-step icon, and a bare arrow next to Play reads as a second Play.
    """
    icon = QIcon()
    for scale in (1.0, 2.0):
        for mode, color in ((QIcon.Mode.Normal, normal), (QIcon.Mode.Disabled, disabled)):
            pixmap = QPixmap(round(size * scale), round(size * scale))
            pixmap.setDevicePixelRatio(scale)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            unit = size / 20.0
            bar = QRectF(4.0 * unit, 5.0 * unit, 2.5 * unit, 10.0 * unit)
            tip, base = 16.0 * unit, 8.0 * unit
            triangle = QPolygonF(
                [QPointF(base, 5.0 * unit), QPointF(tip, 10.0 * unit), QPointF(base, 15.0 * unit)]
            )
            if not forward:
                painter.translate(size, 0.0)
                painter.scale(-1.0, 1.0)
            painter.drawRect(bar)
            painter.drawPolygon(triangle)
            painter.end()
            icon.addPixmap(pixmap, mode)
    return icon


def _speed_text(rate: float) -> str:
    text = f"{abs(rate):g}×"
    return f"−{text} reverse" if rate < 0 else text


class TransportBar(QWidget):
    """A row of player controls. Emits requests; shows whatever state it is told."""

    play_toggled = Signal()
    step_requested = Signal(int)  # frames, +1 or -1
    jump_requested = Signal(float)  # seconds, +5.0 or -5.0
    start_requested = Signal()
    end_requested = Signal()
    speed_changed = Signal(float)
    mute_toggled = Signal(bool)
    volume_changed = Signal(float)  # 0..1

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._playing = False
        self._duration = 0.0
        self._position = 0.0
        self._frame_index = 0
        self._muted = False
        self._audio_available = True
        self._shortcuts: dict[str, str] = dict(DEFAULT_SHORTCUTS)

        self._start_button = self._tool_button("startButton")
        self._back_button = self._tool_button("backButton")
        self._prev_button = self._tool_button("previousFrameButton")
        self._play_button = self._tool_button("playButton")
        self._next_button = self._tool_button("nextFrameButton")
        self._forward_button = self._tool_button("forwardButton")
        self._end_button = self._tool_button("endButton")
        self._play_button.setIconSize(QSize(PLAY_ICON_PX, PLAY_ICON_PX))

        self._start_button.clicked.connect(self.start_requested)
        self._back_button.clicked.connect(lambda: self.jump_requested.emit(-JUMP_SECONDS))
        self._prev_button.clicked.connect(lambda: self.step_requested.emit(-1))
        self._play_button.clicked.connect(self.play_toggled)
        self._next_button.clicked.connect(lambda: self.step_requested.emit(1))
        self._forward_button.clicked.connect(lambda: self.jump_requested.emit(JUMP_SECONDS))
        self._end_button.clicked.connect(self.end_requested)

        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self._time_label = QLabel()
        self._time_label.setObjectName("timeLabel")
        self._time_label.setFont(mono)
        self._time_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._time_label.setToolTip("Position / duration (hours:minutes:seconds.milliseconds)")
        self._frame_label = QLabel()
        self._frame_label.setObjectName("frameLabel")
        self._frame_label.setFont(mono)
        self._frame_label.setToolTip("Index of the frame shown, counting from 0")
        # Reserve room for long clips so the row does not shift while the numbers change.
        metrics = self._frame_label.fontMetrics()
        self._frame_label.setMinimumWidth(metrics.horizontalAdvance("frame 0000000"))
        self._time_label.setMinimumWidth(
            self._time_label.fontMetrics().horizontalAdvance("00:00:00.000 / 00:00:00.000")
        )

        self._speed_combo = QComboBox()
        self._speed_combo.setObjectName("speedCombo")
        self._speed_combo.setToolTip("Playback speed")
        self._speed_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        # Reachable with Tab, but a click leaves the arrow keys to frame stepping.
        self._speed_combo.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        for rate in SPEEDS:
            self._speed_combo.addItem(_speed_text(rate), rate)
        self._speed_combo.setCurrentIndex(SPEEDS.index(1.0))
        self._speed_combo.activated.connect(self._on_speed_activated)

        self._mute_button = QToolButton()
        self._mute_button.setObjectName("muteButton")
        self._mute_button.setCheckable(True)
        self._mute_button.setAutoRaise(True)
        self._mute_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # ``clicked`` fires for the user only, so set_muted never echoes back as a request.
        self._mute_button.clicked.connect(self._on_mute_clicked)

        self._volume_slider = QSlider(Qt.Orientation.Horizontal)
        self._volume_slider.setObjectName("volumeSlider")
        self._volume_slider.setRange(0, 100)
        self._volume_slider.setValue(100)
        self._volume_slider.setSingleStep(5)
        self._volume_slider.setPageStep(10)
        self._volume_slider.setFixedWidth(96)
        self._volume_slider.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self._volume_slider.valueChanged.connect(self._on_volume_moved)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.setSpacing(2)
        for button in (
            self._start_button,
            self._back_button,
            self._prev_button,
            self._play_button,
            self._next_button,
            self._forward_button,
            self._end_button,
        ):
            layout.addWidget(button)
        layout.addSpacing(12)
        layout.addWidget(self._time_label)
        layout.addSpacing(12)
        layout.addWidget(self._frame_label)
        layout.addStretch(1)
        speed_label = QLabel("Speed")
        speed_label.setBuddy(self._speed_combo)
        layout.addWidget(speed_label)
        layout.addWidget(self._speed_combo)
        layout.addSpacing(16)
        layout.addWidget(self._mute_button)
        layout.addWidget(self._volume_slider)

        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._icon_play = self._icon_pause = self._icon_volume = self._icon_muted = QIcon()
        self._refresh_tooltips()
        self._refresh_icons()  # also sets the play and mute buttons' state
        self._refresh_time()

    # -- slots -------------------------------------------------------------------------
    def set_playing(self, playing: bool) -> None:
        if playing != self._playing:
            self._playing = playing
            self._refresh_play_button()

    def set_position(self, t: float, frame_index: int) -> None:
        if t != self._position or frame_index != self._frame_index:
            self._position = t
            self._frame_index = frame_index
            self._refresh_time()

    def set_duration(self, seconds: float) -> None:
        seconds = seconds if math.isfinite(seconds) and seconds > 0.0 else 0.0
        if seconds != self._duration:
            self._duration = seconds
            self._refresh_time()

    def set_speed(self, rate: float) -> None:
        """Show ``rate`` as the current speed without emitting :attr:`speed_changed`."""
        with QSignalBlocker(self._speed_combo):
            self._speed_combo.setCurrentIndex(self._speed_index(rate))

    def set_muted(self, muted: bool) -> None:
        if muted != self._muted:
            self._muted = muted
            self._refresh_mute_button()

    def set_volume(self, volume: float) -> None:
        """Show ``volume`` (0..1) without emitting :attr:`volume_changed`."""
        with QSignalBlocker(self._volume_slider):
            self._volume_slider.setValue(round(min(max(volume, 0.0), 1.0) * 100))
        self._refresh_mute_button()

    def set_audio_available(self, available: bool) -> None:
        if available != self._audio_available:
            self._audio_available = available
            self._mute_button.setEnabled(available)
            self._volume_slider.setEnabled(available)
            self._refresh_mute_button()

    def set_shortcuts(self, shortcuts: Mapping[str, str]) -> None:
        """Name these keys (keys of :data:`DEFAULT_SHORTCUTS`) in the tooltips."""
        self._shortcuts.update(shortcuts)
        self._refresh_tooltips()
        self._refresh_play_button()
        self._refresh_mute_button()

    # -- read back (for the window and for tests) --------------------------------------
    def is_playing(self) -> bool:
        return self._playing

    def speed(self) -> float:
        return float(self._speed_combo.currentData())

    def is_muted(self) -> bool:
        return self._muted

    def volume(self) -> float:
        return self._volume_slider.value() / 100.0

    # -- internals ---------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._refresh_icons()
        super().changeEvent(event)

    def _tool_button(self, name: str) -> QToolButton:
        button = QToolButton()
        button.setObjectName(name)
        button.setIconSize(QSize(ICON_PX, ICON_PX))
        button.setAutoRaise(True)
        # Space and the arrows are player shortcuts; a focused button would swallow them.
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return button

    def _refresh_icons(self) -> None:
        palette = self.palette()
        normal = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.ButtonText)
        disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText)

        def standard(pixmap: QStyle.StandardPixmap, size: int = ICON_PX) -> QIcon:
            return _tinted(self.style().standardIcon(pixmap), size, normal, disabled)

        self._start_button.setIcon(standard(QStyle.StandardPixmap.SP_MediaSkipBackward))
        self._back_button.setIcon(standard(QStyle.StandardPixmap.SP_MediaSeekBackward))
        self._prev_button.setIcon(_frame_step_icon(False, ICON_PX, normal, disabled))
        self._next_button.setIcon(_frame_step_icon(True, ICON_PX, normal, disabled))
        self._forward_button.setIcon(standard(QStyle.StandardPixmap.SP_MediaSeekForward))
        self._end_button.setIcon(standard(QStyle.StandardPixmap.SP_MediaSkipForward))
        self._icon_play = standard(QStyle.StandardPixmap.SP_MediaPlay, PLAY_ICON_PX)
        self._icon_pause = standard(QStyle.StandardPixmap.SP_MediaPause, PLAY_ICON_PX)
        self._icon_volume = standard(QStyle.StandardPixmap.SP_MediaVolume)
        self._icon_muted = standard(QStyle.StandardPixmap.SP_MediaVolumeMuted)
        self._refresh_play_button()
        self._refresh_mute_button()

    def _hint(self, text: str, key: str) -> str:
        sequence = self._shortcuts.get(key, "")
        if not sequence:
            return text
        native = QKeySequence(sequence).toString(QKeySequence.SequenceFormat.NativeText)
        return f"{text} ({native})"

    def _refresh_tooltips(self) -> None:
        jump = f"{JUMP_SECONDS:g} s"
        self._start_button.setToolTip(self._hint("Jump to start", "start"))
        self._back_button.setToolTip(self._hint(f"Jump back {jump}", "back"))
        self._prev_button.setToolTip(self._hint("Previous frame", "previous_frame"))
        self._next_button.setToolTip(self._hint("Next frame", "next_frame"))
        self._forward_button.setToolTip(self._hint(f"Jump forward {jump}", "forward"))
        self._end_button.setToolTip(self._hint("Jump to end", "end"))
        self._volume_slider.setToolTip("Volume")

    def _refresh_play_button(self) -> None:
        self._play_button.setIcon(self._icon_pause if self._playing else self._icon_play)
        self._play_button.setToolTip(self._hint("Pause" if self._playing else "Play", "play"))

    def _refresh_mute_button(self) -> None:
        self._mute_button.setChecked(self._muted)
        silent = self._muted or self._volume_slider.value() == 0
        self._mute_button.setIcon(self._icon_muted if silent else self._icon_volume)
        if not self._audio_available:
            tooltip = NO_AUDIO_TOOLTIP
            self._volume_slider.setToolTip(NO_AUDIO_TOOLTIP)
        else:
            tooltip = self._hint("Unmute" if self._muted else "Mute", "mute")
            self._volume_slider.setToolTip("Volume")
        self._mute_button.setToolTip(tooltip)

    def _refresh_time(self) -> None:
        position = min(self._position, self._duration) if self._duration else self._position
        self._time_label.setText(f"{format_timecode(position)} / {format_timecode(self._duration)}")
        self._frame_label.setText(f"frame {max(self._frame_index, 0)}")

    def _speed_index(self, rate: float) -> int:
        for i in range(self._speed_combo.count()):
            if math.isclose(float(self._speed_combo.itemData(i)), rate, rel_tol=1e-6):
                return i
        # An unlisted rate (shuttle keys) gets an entry, in order, so the box never lies.
        position = sum(
            1 for i in range(self._speed_combo.count()) if self._speed_combo.itemData(i) < rate
        )
        self._speed_combo.insertItem(position, _speed_text(rate), rate)
        return position

    def _on_speed_activated(self, index: int) -> None:
        self.speed_changed.emit(float(self._speed_combo.itemData(index)))

    def _on_mute_clicked(self, checked: bool) -> None:
        self._muted = checked
        self._refresh_mute_button()
        self.mute_toggled.emit(checked)

    def _on_volume_moved(self, value: int) -> None:
        self._refresh_mute_button()
        self.volume_changed.emit(value / 100.0)
