from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QSlider, QToolButton
from pytestqt.qtbot import QtBot

from narrlocal_gui.ui.transport_bar import NO_AUDIO_TOOLTIP, TransportBar


@pytest.fixture
def bar(qtbot: QtBot) -> TransportBar:
    widget = TransportBar()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _button(bar: TransportBar, name: str) -> QToolButton:
    button = bar.findChild(QToolButton, name)
    assert button is not None, name
    return button


def _label(bar: TransportBar, name: str) -> str:
    label = bar.findChild(QLabel, name)
    assert label is not None, name
    return label.text()


@pytest.mark.parametrize(
    ("name", "signal", "args"),
    [
        ("startButton", "start_requested", []),
        ("backButton", "jump_requested", [-5.0]),
        ("previousFrameButton", "step_requested", [-1]),
        ("playButton", "play_toggled", []),
        ("nextFrameButton", "step_requested", [1]),
        ("forwardButton", "jump_requested", [5.0]),
        ("endButton", "end_requested", []),
    ],
)
def test_buttons_emit_requests(
    bar: TransportBar, qtbot: QtBot, name: str, signal: str, args: list[object]
) -> None:
    button = _button(bar, name)
    assert button.toolTip()  # every control explains itself
    assert button.focusPolicy() == Qt.FocusPolicy.NoFocus  # Space must stay a shortcut
    with qtbot.waitSignal(getattr(bar, signal), timeout=1000) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert blocker.args == args


def test_tooltips_name_the_shortcuts(bar: TransportBar) -> None:
    assert _button(bar, "playButton").toolTip() == "Play (Space)"
    bar.set_shortcuts({"play": "K"})
    assert _button(bar, "playButton").toolTip() == "Play (K)"


def test_set_playing_switches_to_pause(bar: TransportBar, qtbot: QtBot) -> None:
    play = _button(bar, "playButton")
    play_icon = play.icon().cacheKey()
    with qtbot.assertNotEmitted(bar.play_toggled):
        bar.set_playing(True)
    assert bar.is_playing()
    assert play.toolTip().startswith("Pause")
    assert play.icon().cacheKey() != play_icon
    bar.set_playing(False)
    assert play.toolTip().startswith("Play")


def test_position_and_duration_labels(bar: TransportBar) -> None:
    bar.set_duration(300.0)
    bar.set_position(62.345, 1234)
    assert _label(bar, "timeLabel") == "00:01:02.345 / 00:05:00.000"
    assert _label(bar, "frameLabel") == "frame 1234"


def test_set_speed_does_not_emit(bar: TransportBar, qtbot: QtBot) -> None:
    with qtbot.assertNotEmitted(bar.speed_changed):
        bar.set_speed(2.0)
        assert bar.speed() == 2.0
        bar.set_speed(8.0)  # a shuttle speed the list lacks is added, in order
        assert bar.speed() == 8.0
    combo = bar.findChild(QComboBox, "speedCombo")
    assert combo is not None
    rates = [combo.itemData(i) for i in range(combo.count())]
    assert rates == sorted(rates)
    assert {0.25, 0.5, 1.0, 1.5, 2.0, 4.0} <= set(rates)


def test_choosing_a_speed_emits(bar: TransportBar, qtbot: QtBot) -> None:
    combo = bar.findChild(QComboBox, "speedCombo")
    assert combo is not None
    combo.setFocus()
    with qtbot.waitSignal(bar.speed_changed, timeout=1000) as blocker:
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert blocker.args == [1.5]


def test_mute_and_volume(bar: TransportBar, qtbot: QtBot) -> None:
    mute = _button(bar, "muteButton")
    with qtbot.waitSignal(bar.mute_toggled, timeout=1000) as blocker:
        qtbot.mouseClick(mute, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
    with qtbot.assertNotEmitted(bar.mute_toggled):
        bar.set_muted(False)
    assert not mute.isChecked()

    slider = bar.findChild(QSlider, "volumeSlider")
    assert slider is not None
    with qtbot.waitSignal(bar.volume_changed, timeout=1000) as blocker:
        slider.setValue(40)
    assert blocker.args == [pytest.approx(0.4)]
    with qtbot.assertNotEmitted(bar.volume_changed):
        bar.set_volume(0.75)
    assert bar.volume() == pytest.approx(0.75)


def test_no_audio_device_disables_sound_controls(bar: TransportBar) -> None:
    mute = _button(bar, "muteButton")
    slider = bar.findChild(QSlider, "volumeSlider")
    assert slider is not None
    bar.set_audio_available(False)
    assert not mute.isEnabled()
    assert not slider.isEnabled()
    assert mute.toolTip() == NO_AUDIO_TOOLTIP
    # Enabling the bar for new media must not bring back controls with no device behind them.
    bar.setEnabled(False)
    assert not _button(bar, "playButton").isEnabled()
    bar.setEnabled(True)
    assert _button(bar, "playButton").isEnabled()
    assert not mute.isEnabled()
    bar.set_audio_available(True)
    assert mute.isEnabled()
    assert mute.toolTip() != NO_AUDIO_TOOLTIP
