from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

import dataclasses

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QPushButton,
    QStyleOptionViewItem,
)
from pytestqt.qtbot import QtBot

from narrlocal_gui.core.model import (
    DisplaySettings,
    Indicator,
    IndicatorStyle,
    NotVisualReason,
    Phrase,
    Project,
)
from narrlocal_gui.core.selection import Selection
from narrlocal_gui.ui.edit_requests import DefaultDurationChosen, DurationChosen, StyleChosen
from narrlocal_gui.ui.indicator_panel import (
    INDICATOR_ID_ROLE,
    Column,
    DurationDelegate,
    IndicatorPanel,
    IndicatorTableModel,
    StyleDelegate,
    duration_text,
)

DISPLAY = Qt.ItemDataRole.DisplayRole
EDIT = Qt.ItemDataRole.EditRole
CHECK = Qt.ItemDataRole.CheckStateRole


def _project(default: float | None = 3.0, **changes: object) -> Project:
    phrases = (
        Phrase("p1", "the chef picks up the knife", 1.0, 3.5),
        Phrase("p2", "and slices the onion", 62.34, 66.0),
        Phrase("p3", "then heats the pan", 70.0, 72.0),
    )
    indicators = [
        Indicator("i1", "p1", IndicatorStyle.BOX, True, None, (230, 159, 0), score=0.876),
        Indicator("i2", "p2", IndicatorStyle.HEATMAP, False, 2.5, (86, 180, 233)),
        Indicator("i3", "p3", IndicatorStyle.SPOTLIGHT, True, None, (0, 158, 115)),
    ]
    for key, value in changes.items():
        index = int(key[1:]) - 1
        indicators[index] = dataclasses.replace(indicators[index], **value)  # type: ignore[arg-type]
    return Project(phrases=phrases, indicators=tuple(indicators), display=DisplaySettings(default))


@pytest.fixture
def model(qtbot: QtBot) -> IndicatorTableModel:
    table_model = IndicatorTableModel()
    table_model.set_project(_project())
    return table_model


def _data(model: IndicatorTableModel, row: int, column: Column, role: int = DISPLAY) -> object:
    return model.data(model.index(row, column), role)


def test_rows_columns_and_display_text(model: IndicatorTableModel) -> None:
    assert model.rowCount() == 3
    assert model.columnCount() == 8  # with the Action column (follow the action span)
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in Column]
    assert headers == [
        "On",
        "Phrase",
        "Start",
        "Style",
        "Duration",
        "Score",
        "Keys only",
        "Action",
    ]
    assert _data(model, 0, Column.PHRASE) == "the chef picks up the knife"
    assert _data(model, 1, Column.START) == "01:02.3"
    assert _data(model, 2, Column.STYLE) == IndicatorStyle.SPOTLIGHT.label
    assert _data(model, 2, Column.STYLE, EDIT) is IndicatorStyle.SPOTLIGHT
    assert _data(model, 0, Column.DURATION) == "3.0 s"
    assert _data(model, 0, Column.DURATION, EDIT) is None
    assert _data(model, 0, Column.DURATION, Qt.ItemDataRole.FontRole).italic()  # the default's
    assert "default" in _data(model, 0, Column.DURATION, Qt.ItemDataRole.ToolTipRole)
    assert _data(model, 1, Column.DURATION, Qt.ItemDataRole.FontRole) is None  # its own
    assert _data(model, 1, Column.DURATION) == "2.5 s"
    assert _data(model, 1, Column.DURATION, EDIT) == 2.5
    assert _data(model, 0, Column.SCORE) == "0.88"
    assert _data(model, 1, Column.SCORE) == ""
    assert _data(model, 0, Column.PHRASE, Qt.ItemDataRole.DecorationRole) == QColor(230, 159, 0)
    assert _data(model, 0, Column.ON, CHECK) == Qt.CheckState.Checked
    assert _data(model, 1, Column.ON, CHECK) == Qt.CheckState.Unchecked
    assert _data(model, 1, Column.SCORE, INDICATOR_ID_ROLE) == "i2"
    assert model.row_of("i3") == 2
    assert model.indicator_id(2) == "i3"


def test_whole_phrase_default_reads_as_phrase() -> None:
    model = IndicatorTableModel()
    model.set_project(_project(default=None))
    assert _data(model, 0, Column.DURATION) == "as phrase"
    assert _data(model, 1, Column.DURATION) == "2.5 s"


def test_flags(model: IndicatorTableModel) -> None:
    def flags(column: Column) -> Qt.ItemFlag:
        return model.flags(model.index(0, column))

    assert flags(Column.ON) & Qt.ItemFlag.ItemIsUserCheckable
    assert flags(Column.KEYS_ONLY) & Qt.ItemFlag.ItemIsUserCheckable
    assert flags(Column.STYLE) & Qt.ItemFlag.ItemIsEditable
    assert flags(Column.DURATION) & Qt.ItemFlag.ItemIsEditable
    for column in (Column.PHRASE, Column.START, Column.SCORE):
        assert not flags(column) & Qt.ItemFlag.ItemIsEditable


def test_ticking_requests_a_change_but_changes_nothing(
    model: IndicatorTableModel, qtbot: QtBot
) -> None:
    index = model.index(1, Column.ON)
    with qtbot.waitSignal(model.enabled_toggled, timeout=1000) as blocker:
        assert model.setData(index, Qt.CheckState.Checked.value, CHECK)
    assert blocker.args == ["i2", True]
    assert model.data(index, CHECK) == Qt.CheckState.Unchecked
    with qtbot.assertNotEmitted(model.enabled_toggled):
        model.setData(index, Qt.CheckState.Unchecked, CHECK)  # already off


def test_keys_only_shows_and_requests_hide_interpolated(qtbot: QtBot) -> None:
    model = IndicatorTableModel()
    model.set_project(_project(i3={"hide_interpolated": True}))
    assert _data(model, 0, Column.KEYS_ONLY, CHECK) == Qt.CheckState.Unchecked
    assert _data(model, 2, Column.KEYS_ONLY, CHECK) == Qt.CheckState.Checked
    assert "only on frames with a keyframe" in str(
        _data(model, 2, Column.KEYS_ONLY, Qt.ItemDataRole.ToolTipRole)
    )
    with qtbot.waitSignal(model.hide_interpolated_toggled, timeout=1000) as blocker:
        assert model.setData(model.index(0, Column.KEYS_ONLY), Qt.CheckState.Checked, CHECK)
    assert blocker.args == ["i1", True]
    assert _data(model, 0, Column.KEYS_ONLY, CHECK) == Qt.CheckState.Unchecked  # a request only
    with qtbot.assertNotEmitted(model.hide_interpolated_toggled):
        model.setData(model.index(2, Column.KEYS_ONLY), Qt.CheckState.Checked, CHECK)


def test_style_and_duration_edits_are_requests(model: IndicatorTableModel, qtbot: QtBot) -> None:
    with qtbot.waitSignal(model.style_chosen, timeout=1000) as blocker:
        model.setData(model.index(0, Column.STYLE), IndicatorStyle.GRAYSCALE, EDIT)
    assert blocker.args == [StyleChosen("i1", IndicatorStyle.GRAYSCALE)]
    assert _data(model, 0, Column.STYLE, EDIT) is IndicatorStyle.BOX
    with qtbot.waitSignal(model.duration_chosen, timeout=1000) as blocker:
        model.setData(model.index(0, Column.DURATION), 4.5, EDIT)
    assert blocker.args == [DurationChosen("i1", 4.5)]
    with qtbot.waitSignal(model.duration_chosen, timeout=1000) as blocker:
        model.setData(model.index(1, Column.DURATION), None, EDIT)
    assert blocker.args == [DurationChosen("i2", None)]
    with qtbot.assertNotEmitted(model.duration_chosen):
        model.setData(model.index(1, Column.DURATION), 2.5, EDIT)
    assert not model.setData(model.index(0, Column.PHRASE), "renamed", EDIT)


def test_same_indicators_refresh_changed_rows_only(
    model: IndicatorTableModel, qtbot: QtBot
) -> None:
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, *_: changed.append((a.row(), b.row())))
    with qtbot.assertNotEmitted(model.modelReset):
        model.set_project(_project(i3={"style": IndicatorStyle.BOX}))
    assert changed == [(2, 2)]
    assert _data(model, 2, Column.STYLE) == IndicatorStyle.BOX.label
    changed.clear()
    with qtbot.assertNotEmitted(model.modelReset):
        model.set_project(_project(default=5.0, i3={"style": IndicatorStyle.BOX}))
    assert changed == [(0, 0), (2, 2)]  # i2 has its own duration and does not change
    assert _data(model, 0, Column.DURATION) == "5.0 s"


def test_other_indicators_reset_the_model(model: IndicatorTableModel, qtbot: QtBot) -> None:
    smaller = _project()
    smaller = dataclasses.replace(smaller, indicators=smaller.indicators[:2])
    with qtbot.waitSignal(model.modelReset, timeout=1000):
        model.set_project(smaller)
    assert model.rowCount() == 2
    with qtbot.waitSignal(model.modelReset, timeout=1000):
        model.set_project(None)
    assert model.rowCount() == 0


def test_active_rows_are_emphasised(model: IndicatorTableModel) -> None:
    changed: list[tuple[int, int, list[int]]] = []
    model.dataChanged.connect(lambda a, b, roles: changed.append((a.row(), b.row(), roles)))
    model.set_active_ids({"i2", "unknown"})
    font = _data(model, 1, Column.PHRASE, Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont)
    assert font.bold()
    assert _data(model, 1, Column.PHRASE, Qt.ItemDataRole.BackgroundRole) is not None
    assert _data(model, 0, Column.PHRASE, Qt.ItemDataRole.FontRole) is None
    assert _data(model, 0, Column.PHRASE, Qt.ItemDataRole.BackgroundRole) is None
    assert [(a, b) for a, b, _ in changed] == [(1, 1)]
    changed.clear()
    model.set_active_ids({"i2", "i3"})
    assert [(a, b) for a, b, _ in changed] == [(2, 2)]  # i2 stays: not repainted
    model.set_active_ids(set())
    assert _data(model, 1, Column.PHRASE, Qt.ItemDataRole.FontRole) is None


def test_style_delegate_edits_through_the_model(model: IndicatorTableModel, qtbot: QtBot) -> None:
    delegate = StyleDelegate()
    index = model.index(2, Column.STYLE)
    editor = delegate.createEditor(None, QStyleOptionViewItem(), index)  # type: ignore[arg-type]
    qtbot.addWidget(editor)
    assert isinstance(editor, QComboBox)
    assert editor.count() == len(IndicatorStyle)
    delegate.setEditorData(editor, index)
    assert editor.currentText() == IndicatorStyle.SPOTLIGHT.label
    editor.setCurrentIndex(editor.findText(IndicatorStyle.TINT.label))
    with qtbot.waitSignal(model.style_chosen, timeout=1000) as blocker:
        delegate.setModelData(editor, model, index)
    assert blocker.args == [StyleChosen("i3", IndicatorStyle.TINT)]


def test_duration_delegate_default_is_none(model: IndicatorTableModel, qtbot: QtBot) -> None:
    delegate = DurationDelegate()
    index = model.index(1, Column.DURATION)
    editor = delegate.createEditor(None, QStyleOptionViewItem(), index)  # type: ignore[arg-type]
    qtbot.addWidget(editor)
    assert isinstance(editor, QDoubleSpinBox)
    assert editor.maximum() == 600.0
    delegate.setEditorData(editor, index)
    assert editor.value() == 2.5
    editor.setValue(editor.minimum())
    assert editor.text() == "Default"
    with qtbot.waitSignal(model.duration_chosen, timeout=1000) as blocker:
        delegate.setModelData(editor, model, index)
    assert blocker.args == [DurationChosen("i2", None)]
    editor.setValue(0.1)  # the smallest real duration is still a duration
    with qtbot.waitSignal(model.duration_chosen, timeout=1000) as blocker:
        delegate.setModelData(editor, model, index)
    (chosen,) = blocker.args
    assert chosen.indicator_id == "i2"
    assert chosen.seconds == pytest.approx(0.1)


@pytest.fixture
def panel(qtbot: QtBot) -> IndicatorPanel:
    widget = IndicatorPanel()
    qtbot.addWidget(widget)
    widget.resize(700, 300)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_project(_project())
    return widget


def _child(panel: IndicatorPanel, kind: type, name: str):  # type: ignore[no-untyped-def]
    child = panel.findChild(kind, name)
    assert child is not None, name
    return child


def test_default_duration_spin_emits(panel: IndicatorPanel, qtbot: QtBot) -> None:
    spin = _child(panel, QDoubleSpinBox, "defaultDurationSpin")
    assert spin.value() == 3.0
    with qtbot.waitSignal(panel.default_duration_chosen, timeout=1000) as blocker:
        spin.setValue(4.5)
    assert blocker.args == [DefaultDurationChosen(4.5)]


def test_set_project_does_not_emit(panel: IndicatorPanel, qtbot: QtBot) -> None:
    spin = _child(panel, QDoubleSpinBox, "defaultDurationSpin")
    check = _child(panel, QCheckBox, "wholePhraseCheck")
    with qtbot.assertNotEmitted(panel.default_duration_chosen):
        panel.set_project(_project(default=7.0))
        assert spin.value() == 7.0
        panel.set_project(_project(default=None))
        assert check.isChecked()
        assert not spin.isEnabled()


def test_whole_phrase_checkbox(panel: IndicatorPanel, qtbot: QtBot) -> None:
    check = _child(panel, QCheckBox, "wholePhraseCheck")
    with qtbot.waitSignal(panel.default_duration_chosen, timeout=1000) as blocker:
        qtbot.mouseClick(check, Qt.MouseButton.LeftButton)
    assert blocker.args == [DefaultDurationChosen(None)]
    with qtbot.waitSignal(panel.default_duration_chosen, timeout=1000) as blocker:
        qtbot.mouseClick(check, Qt.MouseButton.LeftButton)
    assert blocker.args == [DefaultDurationChosen(3.0)]


def test_all_on_and_all_off(panel: IndicatorPanel, qtbot: QtBot) -> None:
    all_on = _child(panel, QPushButton, "allOnButton")
    all_off = _child(panel, QPushButton, "allOffButton")
    with qtbot.waitSignal(panel.all_enabled_chosen, timeout=1000) as blocker:
        qtbot.mouseClick(all_on, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]
    with qtbot.waitSignal(panel.all_enabled_chosen, timeout=1000) as blocker:
        qtbot.mouseClick(all_off, Qt.MouseButton.LeftButton)
    assert blocker.args == [False]
    panel.set_project(_project(i2={"enabled": True}))  # everything on already
    assert not all_on.isEnabled()
    assert all_off.isEnabled()


def test_model_requests_are_re_emitted(panel: IndicatorPanel, qtbot: QtBot) -> None:
    model = panel.model()
    with qtbot.waitSignal(panel.enabled_toggled, timeout=1000) as blocker:
        model.setData(model.index(0, Column.ON), Qt.CheckState.Unchecked.value, CHECK)
    assert blocker.args == ["i1", False]
    with qtbot.waitSignal(panel.style_chosen, timeout=1000):
        model.setData(model.index(0, Column.STYLE), IndicatorStyle.HEATMAP, EDIT)
    with qtbot.waitSignal(panel.duration_chosen, timeout=1000):
        model.setData(model.index(0, Column.DURATION), 1.0, EDIT)


def test_double_click_activates_the_row(panel: IndicatorPanel, qtbot: QtBot) -> None:
    table = panel.table()
    rect = table.visualRect(panel.model().index(1, Column.PHRASE))
    with qtbot.waitSignal(panel.indicator_activated, timeout=1000) as blocker:
        # QTest's double-click is only the second half of one: click first, as a user does.
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == ["i2"]
    assert table.state() != table.State.EditingState  # double-click means "go", not "edit"


def test_selection_survives_project_updates(panel: IndicatorPanel, qtbot: QtBot) -> None:
    shown: list[Selection] = []
    selection = panel.selection_model()
    selection.changed.connect(shown.append)
    selection.select_indicator(_project(), "i3")
    assert shown == [Selection("p3", "i3")]  # shown without writing back
    assert panel.selected_indicator() == "i3"
    panel.set_project(_project(i3={"enabled": False}))  # same ids: no reset
    assert panel.selected_indicator() == "i3"
    fewer = _project()
    fewer = dataclasses.replace(fewer, indicators=fewer.indicators[1:])  # a reset
    panel.set_project(fewer)
    assert panel.selected_indicator() == "i3"
    selection.select_indicator(fewer, None)
    assert panel.selected_indicator() is None


def test_clicking_a_row_reports_the_selection(panel: IndicatorPanel, qtbot: QtBot) -> None:
    table = panel.table()
    rect = table.visualRect(panel.model().index(2, Column.START))
    with qtbot.waitSignal(panel.selection_model().changed, timeout=1000) as blocker:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [Selection("p3", "i3")]
    assert table.selectionModel().isRowSelected(2, QModelIndex())


def test_duration_text() -> None:
    assert duration_text(None, 3.0) == "3.0 s"
    assert duration_text(None, None) == "as phrase"
    assert duration_text(2.5, 3.0) == "2.5 s"
    assert duration_text(0.25, None) == "0.25 s"


def test_a_not_visual_phrase_says_why_its_indicator_is_off(qtbot: QtBot) -> None:
    reason = NotVisualReason.META_TALK
    project = _project()
    talk = dataclasses.replace(project.phrases[1], visual=False, not_visual_reason=reason)
    table_model = IndicatorTableModel()
    phrases = (project.phrases[0], talk, project.phrases[2])
    table_model.set_project(dataclasses.replace(project, phrases=phrases))
    on_tip = _data(table_model, 1, Column.ON, Qt.ItemDataRole.ToolTipRole)
    assert isinstance(on_tip, str)
    assert on_tip.startswith("Off") and reason.description in on_tip
    phrase_tip = _data(table_model, 1, Column.PHRASE, Qt.ItemDataRole.ToolTipRole)
    assert isinstance(phrase_tip, str) and reason.description in phrase_tip
    visual_tip = _data(table_model, 0, Column.ON, Qt.ItemDataRole.ToolTipRole)
    assert visual_tip == "On: shown"
