from __future__ import annotations

from dataclasses import replace

import pytest

pytest.importorskip("PySide6")

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QColor, QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from narrlocal_gui.core.model import Box, DisplaySettings, Indicator, Phrase, Project, TrackPoint
from narrlocal_gui.core.range_marks import InOutMarks
from narrlocal_gui.core.selection import Selection
from narrlocal_gui.core.timeline_view import MIN_KEY_GAP_PX
from narrlocal_gui.ui import timeline_paint, timeline_widget
from narrlocal_gui.ui.timeline_paint import GUTTER
from narrlocal_gui.ui.timeline_widget import TimelineWidget

DURATION = 100.0
FPS = 25.0
WIDTH, HEIGHT = 900, 170


def _project() -> Project:
    phrases = (
        Phrase("p1", "the chef picks up the knife", 10.0, 14.0),
        Phrase("p2", "and slices the onion", 40.0, 46.0),
        Phrase("p3", "a very short one", 70.0, 70.1),
    )
    indicators = (
        Indicator("i1", "p1", color=(230, 159, 0)),
        Indicator("i2", "p2", enabled=False, color=(86, 180, 233)),
        Indicator("i3", "p3", duration_override=5.0, color=(0, 158, 115)),
    )
    return Project(phrases=phrases, indicators=indicators, display=DisplaySettings(3.0))


@pytest.fixture
def timeline(qtbot: QtBot) -> TimelineWidget:
    widget = TimelineWidget()
    qtbot.addWidget(widget)
    widget.resize(WIDTH, HEIGHT)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_frame_rate(FPS)
    widget.set_duration(DURATION)
    widget.set_project(_project())
    return widget


def _row_y(timeline: TimelineWidget, row: str) -> int:
    return round(getattr(timeline._rows(), row).center().y())


def _expected_time(x: int) -> float:
    # Independent of the widget's own mapping: at fit, the content width spans the clip.
    return (x - GUTTER) / (WIDTH - GUTTER) * DURATION


def test_press_on_ruler_seeks_to_the_time_under_the_mouse(
    timeline: TimelineWidget, qtbot: QtBot
) -> None:
    x = GUTTER + 300
    seeks: list[float] = []
    timeline.seek_requested.connect(seeks.append)
    with qtbot.waitSignal(timeline.scrub_started, timeout=1000):
        qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert len(seeks) == 1
    assert seeks[0] == pytest.approx(_expected_time(x), abs=1.0 / FPS)
    with qtbot.waitSignal(timeline.scrub_finished, timeout=1000):
        qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, 5))


def test_dragging_on_the_waveform_seeks_continuously(
    timeline: TimelineWidget, qtbot: QtBot
) -> None:
    seeks: list[float] = []
    events: list[str] = []
    timeline.seek_requested.connect(seeks.append)
    timeline.scrub_started.connect(lambda: events.append("started"))
    timeline.scrub_finished.connect(lambda: events.append("finished"))
    y = _row_y(timeline, "wave")
    xs = [GUTTER + 100, GUTTER + 200, GUTTER + 350, GUTTER + 500]
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=QPoint(xs[0], y))
    for x in xs[1:]:
        qtbot.mouseMove(timeline, QPoint(x, y))
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(xs[-1], y))
    assert events == ["started", "finished"]
    assert seeks == sorted(seeks)
    assert len(seeks) == len(xs)
    for seek, x in zip(seeks, xs, strict=True):
        assert seek == pytest.approx(_expected_time(x), abs=1.0 / FPS)


def test_drag_past_the_edge_stays_in_the_clip(timeline: TimelineWidget, qtbot: QtBot) -> None:
    seeks: list[float] = []
    timeline.seek_requested.connect(seeks.append)
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=QPoint(GUTTER + 10, 5))
    qtbot.mouseMove(timeline, QPoint(WIDTH + 200, 5))
    qtbot.mouseMove(timeline, QPoint(0, 5))
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(0, 5))
    assert seeks[1] == pytest.approx(DURATION)
    assert seeks[2] == 0.0


def test_clicking_a_phrase_selects_it_and_seeks_to_its_start(
    timeline: TimelineWidget, qtbot: QtBot
) -> None:
    x = round(timeline.x_for_time(42.0))
    clicked: list[str] = []
    seeks: list[float] = []
    timeline.phrase_clicked.connect(clicked.append)
    timeline.seek_requested.connect(seeks.append)
    with qtbot.assertNotEmitted(timeline.scrub_started):
        qtbot.mouseClick(
            timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, _row_y(timeline, "phrases"))
        )
    assert clicked == ["p2"]
    assert seeks == [40.0]


def test_a_very_short_phrase_can_still_be_clicked(timeline: TimelineWidget, qtbot: QtBot) -> None:
    x = round(timeline.x_for_time(70.0)) + 1
    with qtbot.waitSignal(timeline.phrase_clicked, timeout=1000) as blocker:
        qtbot.mouseClick(
            timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, _row_y(timeline, "phrases"))
        )
    assert blocker.args == ["p3"]


def test_clicking_an_indicator_span_selects_its_phrase(
    timeline: TimelineWidget, qtbot: QtBot
) -> None:
    # i3 shows for 5 s from its 0.1 s phrase: clicking after the phrase still finds it.
    x = round(timeline.x_for_time(73.0))
    with qtbot.waitSignal(timeline.phrase_clicked, timeout=1000) as blocker:
        qtbot.mouseClick(
            timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, _row_y(timeline, "indicators"))
        )
    assert blocker.args == ["p3"]


def _wheel(timeline: TimelineWidget, x: float, notches: float, ctrl: bool) -> QWheelEvent:
    pos = QPointF(x, _row_y(timeline, "wave"))
    event = QWheelEvent(
        pos,
        QPointF(timeline.mapToGlobal(pos)),
        QPoint(),
        QPoint(0, round(120 * notches)),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(timeline, event)
    return event


def test_ctrl_wheel_zooms_around_the_cursor(timeline: TimelineWidget) -> None:
    assert timeline.visible_range() == pytest.approx((0.0, DURATION))
    x = GUTTER + 250.0
    anchor = timeline.time_at(x)
    _wheel(timeline, x, 3, ctrl=True)
    start, end = timeline.visible_range()
    assert end - start < DURATION / 1.5
    assert timeline.time_at(x) == pytest.approx(anchor, abs=1e-6)
    assert not timeline.is_fit()
    _wheel(timeline, x, -2, ctrl=True)
    assert timeline.time_at(x) == pytest.approx(anchor, abs=1e-6)
    _wheel(timeline, x, -50, ctrl=True)  # all the way out: the whole clip again
    assert timeline.visible_range() == pytest.approx((0.0, DURATION))
    assert timeline.is_fit()


def test_zoom_stops_at_50_px_per_frame(timeline: TimelineWidget) -> None:
    timeline.zoom_by(1e9)
    start, end = timeline.visible_range()
    px_per_frame = (WIDTH - GUTTER) / (end - start) / FPS
    assert px_per_frame == pytest.approx(50.0)


def test_wheel_scrolls_when_zoomed(timeline: TimelineWidget) -> None:
    fit_event = _wheel(timeline, GUTTER + 100, -1, ctrl=False)
    assert not fit_event.isAccepted()  # nothing to scroll at fit: left to the parent
    timeline.zoom_by(10.0, GUTTER)
    before = timeline.visible_range()
    _wheel(timeline, GUTTER + 100, -2, ctrl=False)  # wheel down/back scrolls later in time
    after = timeline.visible_range()
    assert after[0] > before[0]
    assert after[1] - after[0] == pytest.approx(before[1] - before[0])


def test_view_follows_the_playhead_page_by_page(
    timeline: TimelineWidget, monkeypatch: pytest.MonkeyPatch
) -> None:
    timeline.zoom_by(10.0, GUTTER)  # shows 0..10 s
    start, end = timeline.visible_range()
    timeline.set_position(end + 1.0)
    assert timeline.visible_range() == (start, end)  # the user just zoomed: leave the view
    monkeypatch.setattr(timeline_widget, "FOLLOW_PAUSE_S", 0.0)
    timeline.set_position(end + 2.0)
    new_start, new_end = timeline.visible_range()
    assert new_start < end + 2.0 < new_end
    assert new_start > end  # paged, with the playhead near the left edge


def test_set_position_repaints_only_the_playhead(
    timeline: TimelineWidget, monkeypatch: pytest.MonkeyPatch
) -> None:
    timeline.grab()  # paint once so the static layers are cached
    repainted: list[QRect] = []
    monkeypatch.setattr(timeline, "update", lambda *args: repainted.append(QRect(*args)))
    timeline.set_position(50.0)  # no indicator starts or ends here
    assert repainted
    assert all(rect.width() <= 16 for rect in repainted)


def test_visible_indicators_are_emphasised(timeline: TimelineWidget) -> None:
    x = round(timeline.x_for_time(12.0))
    y = _row_y(timeline, "indicators")
    timeline.set_position(30.0)
    idle = timeline.grab().toImage().pixelColor(x, y)
    timeline.set_position(11.0)  # i1 shows from 10 to 13 s
    active = timeline.grab().toImage().pixelColor(x, y)
    assert active.getRgb()[:3] == (230, 159, 0)  # drawn in full colour
    assert idle != active


def _keyed_project() -> Project:
    """i1 (shown 10 to 13 s) with a model point every frame and one correction at 11.5 s."""
    model = tuple(TrackPoint(9.0 + i / FPS, Box(0, 0, 10, 10)) for i in range(round(5.0 * FPS)))
    human = TrackPoint(11.5, Box(5, 5, 20, 20), human=True)
    track = (*(p for p in model if abs(p.time - 11.5) > 0.01), human)
    base = _project()
    return replace(
        base,
        indicators=(replace(base.indicators[0], track=track), *base.indicators[1:]),
    )


def test_keyframes_show_corrections_and_the_selected_indicators_points(
    timeline: TimelineWidget,
) -> None:
    timeline.set_project(_keyed_project())
    assert timeline.keyframe_marks() == [("i1", 11.5, True)]  # model points: only if selected
    x = round(timeline.x_for_time(11.5))
    y = _row_y(timeline, "indicators")
    timeline.set_position(30.0)
    assert timeline.grab().toImage().pixelColor(x, y).getRgb()[:3] == (255, 255, 255)
    timeline.set_position(11.0)  # drawn over the emphasised span too
    assert timeline.grab().toImage().pixelColor(x, y).getRgb()[:3] == (255, 255, 255)
    timeline.selection_model().select_indicator(_keyed_project(), "i1")
    marks = timeline.keyframe_marks()
    model = [t for _id, t, human in marks if not human]
    assert ("i1", 11.5, True) in marks
    assert model and all(10.0 <= t < 13.0 for t in model)  # only where the box shows
    # A point every frame is thinned to one per few pixels at this zoom ...
    gaps = np.diff([timeline.x_for_time(t) for t in model])
    assert len(model) < 3.0 * FPS and gaps.min() >= MIN_KEY_GAP_PX
    # ... and drawn one by one when zoomed in to frames.
    timeline.zoom_by(40.0, timeline.x_for_time(11.0))
    start, end = timeline.visible_range()
    dense = [t for _id, t, human in timeline.keyframe_marks() if not human]
    expected = [p.time for p in _keyed_project().indicators[0].track if not p.human]
    assert dense == [t for t in expected if start <= t <= end and 10.0 <= t < 13.0]
    timeline.selection_model().select_indicator(_keyed_project(), None)
    assert all(human for _id, _t, human in timeline.keyframe_marks())


def test_waveform_is_drawn_where_there_is_sound(timeline: TimelineWidget) -> None:
    envelope = np.zeros(10_000, dtype=np.float32)
    envelope[2_000:3_000] = 0.8  # 20..30 s loud, silence elsewhere
    timeline.set_waveform(-envelope, envelope, DURATION)
    image = timeline.grab().toImage()
    row = timeline._rows().wave
    probe_y = round(row.top() + row.height() * 0.25)  # well above the centre line
    loud = image.pixelColor(round(timeline.x_for_time(23.7)), probe_y)
    quiet = image.pixelColor(round(timeline.x_for_time(63.3)), probe_y)
    highlight = timeline.palette().highlight().color()
    assert _distance(loud, highlight) < _distance(quiet, highlight) / 2
    timeline.set_waveform(None, None, 0.0)
    cleared = timeline.grab().toImage().pixelColor(round(timeline.x_for_time(23.7)), probe_y)
    assert _close(cleared, quiet)


def _distance(a: QColor, b: QColor) -> int:
    return sum(abs(p - q) for p, q in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def _close(a: QColor, b: QColor, tolerance: int = 60) -> bool:
    return _distance(a, b) < tolerance


@pytest.mark.parametrize("zoom", [1.0, 7.0, 400.0])
def test_waveform_columns_match_a_brute_force_resampling(
    timeline: TimelineWidget, zoom: float
) -> None:
    rng = np.random.default_rng(3)
    maxs = rng.uniform(0.0, 1.0, 5_000).astype(np.float32)
    mins = -rng.uniform(0.0, 1.0, 5_000).astype(np.float32)
    timeline.set_waveform(mins, maxs, DURATION)
    timeline.zoom_by(zoom, GUTTER + 400)
    wave = timeline._scene().waveform
    assert wave is not None
    columns = wave.columns(timeline.visible_range(), WIDTH - GUTTER)
    assert columns is not None
    lows, highs = columns
    start, _end = timeline.visible_range()
    px_per_s = (WIDTH - GUTTER) / (_end - start)
    for c in range(0, len(lows), 37):
        i0 = int(np.floor((start + c / px_per_s) / DURATION * 5_000))
        i1 = max(int(np.floor((start + (c + 1) / px_per_s) / DURATION * 5_000)), i0 + 1)
        assert lows[c] == mins[i0:i1].min()
        assert highs[c] == maxs[i0:i1].max()


def test_no_media_paints_and_ignores_input(qtbot: QtBot) -> None:
    widget = TimelineWidget()
    qtbot.addWidget(widget)
    widget.resize(WIDTH, HEIGHT)
    widget.show()
    widget.set_duration(0.0)
    widget.set_position(3.0)
    assert not widget.grab().isNull()
    assert widget.visible_range() == (0.0, 0.0)
    assert widget.time_at(500) == 0.0
    with qtbot.assertNotEmitted(widget.seek_requested):
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(400, 5))
        _wheel(widget, 400, 2, ctrl=True)
    widget.set_project(Project())
    widget.zoom_by(4.0)
    assert not widget.grab().isNull()


def test_project_without_media_is_laid_out_over_its_phrases(qtbot: QtBot) -> None:
    widget = TimelineWidget()
    qtbot.addWidget(widget)
    widget.resize(WIDTH, HEIGHT)
    widget.show()
    widget.set_project(_project())  # duration still 0: the video is missing
    _start, end = widget.visible_range()
    assert end == pytest.approx(75.0)  # i3 ends at 70 + 5 s
    assert not widget.grab().isNull()


def test_phrase_tooltip_has_full_text_and_times(timeline: TimelineWidget) -> None:
    pos = QPointF(timeline.x_for_time(12.0), _row_y(timeline, "phrases"))
    text = timeline._tooltip_at(pos)
    assert "the chef picks up the knife" in text
    assert "0:10.000" in text
    assert "0:14.000" in text


def test_selection_is_drawn(timeline: TimelineWidget) -> None:
    x = round(timeline.x_for_time(42.0))
    y = _row_y(timeline, "phrases") - 6
    plain = timeline.grab().toImage().pixelColor(x, y)
    timeline.selection_model().select_phrase(_project(), "p2")
    assert timeline.selection_model().selection() == Selection("p2", "i2")
    selected = timeline.grab().toImage().pixelColor(x, y)
    assert selected != plain
    assert _close(selected, timeline.palette().highlight().color())


def test_the_in_out_range_is_shaded_and_its_marks_drawn(timeline: TimelineWidget) -> None:
    rows = timeline._rows()
    band_y = round(rows.ruler.bottom() - 2)  # the ruler's in/out band
    wave_y = round(rows.wave.top() + 3)  # clear of the waveform (there is none)

    def pixels() -> tuple[QColor, QColor, QColor, QColor]:
        image = timeline.grab().toImage()
        inside, outside = round(timeline.x_for_time(33.3)), round(timeline.x_for_time(83.3))
        return (
            image.pixelColor(inside, band_y),
            image.pixelColor(outside, band_y),
            image.pixelColor(inside, wave_y),
            image.pixelColor(outside, wave_y),
        )

    band_in, band_out, wave_in, wave_out = pixels()
    assert band_in == band_out and wave_in == wave_out
    timeline.set_in_out(InOutMarks(20.0, 50.0))
    assert timeline.in_out() == InOutMarks(20.0, 50.0)
    band_in, band_out, wave_in, wave_out = pixels()
    highlight = timeline.palette().highlight().color()
    assert _distance(band_in, highlight) < _distance(band_out, highlight)
    assert wave_in != wave_out  # the rows are tinted too
    # Each mark is a line through the rows, also when only one is set.
    timeline.set_in_out(InOutMarks(None, 50.0))
    image = timeline.grab().toImage()
    mark_x = round(timeline.x_for_time(50.0))
    assert image.pixelColor(mark_x, wave_y) != image.pixelColor(mark_x + 6, wave_y)
    band_in, band_out, wave_in, wave_out = pixels()
    assert band_in == band_out and wave_in == wave_out  # no range without both


# -- dragging phrase edges ---------------------------------------------------------------
_PIXEL_S = DURATION / (WIDTH - GUTTER)  # the time one pixel spans at fit


def _on_frame_grid(t: float) -> bool:
    return abs(t * FPS - round(t * FPS)) < 1e-6


def _drag(timeline: TimelineWidget, qtbot: QtBot, x0: float, xs: list[float]) -> None:
    y = _row_y(timeline, "phrases")
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=QPoint(round(x0), y))
    for x in xs:
        qtbot.mouseMove(timeline, QPoint(round(x), y))
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(round(xs[-1]), y))


def test_hovering_a_phrase_edge_shows_the_resize_cursor(
    timeline: TimelineWidget, qtbot: QtBot
) -> None:
    y = _row_y(timeline, "phrases")
    qtbot.mouseMove(timeline, QPoint(round(timeline.x_for_time(46.0)) + 2, y))  # just outside
    assert timeline.cursor().shape() == Qt.CursorShape.SizeHorCursor
    qtbot.mouseMove(timeline, QPoint(round(timeline.x_for_time(43.0)), y))  # the middle
    assert timeline.cursor().shape() != Qt.CursorShape.SizeHorCursor
    qtbot.mouseMove(timeline, QPoint(round(timeline.x_for_time(40.0)) - 3, y))
    assert timeline.cursor().shape() == Qt.CursorShape.SizeHorCursor
    qtbot.mouseMove(timeline, QPoint(round(timeline.x_for_time(40.0)), _row_y(timeline, "wave")))
    assert timeline.cursor().shape() != Qt.CursorShape.SizeHorCursor


def test_dragging_the_end_edge_retimes_on_release_snapped_to_frames(
    timeline: TimelineWidget, qtbot: QtBot
) -> None:
    timeline.zoom_by(4.0, timeline.x_for_time(46.0))  # finer than a pixel per frame is not
    retimed: list[tuple[str, float, float]] = []
    timeline.phrase_retimed.connect(lambda *args: retimed.append(args))
    x_end = timeline.x_for_time(46.0)
    target = 47.3
    with (
        qtbot.assertNotEmitted(timeline.phrase_clicked),
        qtbot.assertNotEmitted(timeline.seek_requested),
        qtbot.assertNotEmitted(timeline.scrub_started),
    ):
        y = _row_y(timeline, "phrases")
        qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=QPoint(round(x_end) - 1, y))
        qtbot.mouseMove(timeline, QPoint(round(timeline.x_for_time(target)) - 1, y))
        preview = timeline.edge_drag_preview()
        assert preview is not None
        assert preview[0] == "p2" and preview[1] == 40.0
        assert preview[2] == pytest.approx(target, abs=1.5 / FPS)
        assert retimed == []  # nothing is reported before the release
        timeline.grab()  # the live preview paints
        qtbot.mouseRelease(
            timeline,
            Qt.MouseButton.LeftButton,
            pos=QPoint(round(timeline.x_for_time(target)) - 1, y),
        )
    assert len(retimed) == 1
    phrase_id, start, end = retimed[0]
    assert (phrase_id, start) == ("p2", 40.0)
    assert end == pytest.approx(target, abs=1.5 / FPS)
    assert _on_frame_grid(end)
    assert timeline.edge_drag_preview() is None


def test_dragging_the_start_edge_moves_only_the_start(
    timeline: TimelineWidget, qtbot: QtBot
) -> None:
    with qtbot.waitSignal(timeline.phrase_retimed, timeout=1000) as blocker:
        _drag(timeline, qtbot, timeline.x_for_time(10.0) + 2, [timeline.x_for_time(7.0) + 2])
    phrase_id, start, end = blocker.args
    assert (phrase_id, end) == ("p1", 14.0)
    assert start == pytest.approx(7.0, abs=_PIXEL_S + 1.0 / FPS)
    assert _on_frame_grid(start)


def test_an_edge_cannot_cross_the_other(timeline: TimelineWidget, qtbot: QtBot) -> None:
    with qtbot.waitSignal(timeline.phrase_retimed, timeout=1000) as blocker:
        _drag(timeline, qtbot, timeline.x_for_time(40.0) + 2, [timeline.x_for_time(60.0)])
    assert blocker.args[0] == "p2"
    assert blocker.args[1] == pytest.approx(46.0 - 1.0 / FPS)
    assert blocker.args[2] == 46.0
    with qtbot.waitSignal(timeline.phrase_retimed, timeout=1000) as blocker:
        _drag(timeline, qtbot, timeline.x_for_time(14.0) - 2, [GUTTER + 1.0])
    assert blocker.args[1:] == [10.0, pytest.approx(10.0 + 1.0 / FPS)]


def test_without_a_frame_rate_the_shortest_phrase_is_50_ms(
    timeline: TimelineWidget, qtbot: QtBot
) -> None:
    timeline.set_frame_rate(None)
    with qtbot.waitSignal(timeline.phrase_retimed, timeout=1000) as blocker:
        _drag(timeline, qtbot, timeline.x_for_time(14.0) - 2, [GUTTER + 1.0])
    assert blocker.args[2] == pytest.approx(10.05)


def test_the_end_stays_inside_the_clip(timeline: TimelineWidget, qtbot: QtBot) -> None:
    timeline.set_project(Project(phrases=(Phrase("last", "and we are done", 95.0, 99.0),)))
    with qtbot.waitSignal(timeline.phrase_retimed, timeout=1000) as blocker:
        _drag(timeline, qtbot, timeline.x_for_time(99.0) - 2, [WIDTH + 300.0])
    assert blocker.args == ["last", 95.0, DURATION]


def test_escape_cancels_an_edge_drag(timeline: TimelineWidget, qtbot: QtBot) -> None:
    y = _row_y(timeline, "phrases")
    with qtbot.assertNotEmitted(timeline.phrase_retimed):
        qtbot.mousePress(
            timeline, Qt.MouseButton.LeftButton, pos=QPoint(round(timeline.x_for_time(46.0)), y)
        )
        qtbot.mouseMove(timeline, QPoint(round(timeline.x_for_time(55.0)), y))
        assert timeline.edge_drag_preview() is not None
        qtbot.keyClick(timeline, Qt.Key.Key_Escape)
        assert timeline.edge_drag_preview() is None
        qtbot.mouseMove(timeline, QPoint(round(timeline.x_for_time(60.0)), y))
        qtbot.mouseRelease(
            timeline, Qt.MouseButton.LeftButton, pos=QPoint(round(timeline.x_for_time(60.0)), y)
        )


def test_a_drag_back_to_where_it_started_reports_nothing(
    timeline: TimelineWidget, qtbot: QtBot
) -> None:
    x = timeline.x_for_time(46.0) - 1
    with qtbot.assertNotEmitted(timeline.phrase_retimed):
        _drag(timeline, qtbot, x, [timeline.x_for_time(50.0), x])


def test_a_tiny_phrase_is_grabbed_by_its_edges_from_outside(
    timeline: TimelineWidget, qtbot: QtBot
) -> None:
    # p3 is 0.1 s, drawn 4 px wide: inside it a press clicks, just outside it grabs an edge.
    with qtbot.waitSignal(timeline.phrase_retimed, timeout=1000) as blocker:
        x = timeline.x_for_time(70.0) - 3
        _drag(timeline, qtbot, x, [x - timeline.x_for_time(1.0) + GUTTER])
    assert blocker.args[0] == "p3"
    assert blocker.args[1] == pytest.approx(69.0, abs=0.2)
    assert blocker.args[2] == pytest.approx(70.1)


def test_between_touching_phrases_the_block_under_the_pointer_wins(qtbot: QtBot) -> None:
    widget = TimelineWidget()
    qtbot.addWidget(widget)
    widget.resize(WIDTH, HEIGHT)
    widget.show()
    widget.set_frame_rate(FPS)
    widget.set_duration(DURATION)
    widget.set_project(
        Project(phrases=(Phrase("a", "first", 10.0, 20.0), Phrase("b", "second", 20.0, 30.0)))
    )
    boundary = widget.x_for_time(20.0)
    rows = widget._rows()
    y = rows.phrases.center().y()
    left_hit = widget._edge_hit(QPointF(boundary - 2, y), rows)
    right_hit = widget._edge_hit(QPointF(boundary + 2, y), rows)
    assert left_hit is not None and (left_hit[0].id, left_hit[1]) == ("a", False)
    assert right_hit is not None and (right_hit[0].id, right_hit[1]) == ("b", True)


def test_a_drag_survives_unrelated_project_updates(timeline: TimelineWidget, qtbot: QtBot) -> None:
    y = _row_y(timeline, "phrases")
    qtbot.mousePress(
        timeline, Qt.MouseButton.LeftButton, pos=QPoint(round(timeline.x_for_time(46.0)) - 1, y)
    )
    qtbot.mouseMove(timeline, QPoint(round(timeline.x_for_time(50.0)), y))
    timeline.set_project(_project())  # e.g. a localizer result arrived
    assert timeline.edge_drag_preview() is not None
    timeline.set_project(Project(phrases=_project().phrases[:1]))  # p2 was undone away
    assert timeline.edge_drag_preview() is None
    with qtbot.assertNotEmitted(timeline.phrase_retimed):
        qtbot.mouseRelease(
            timeline, Qt.MouseButton.LeftButton, pos=QPoint(round(timeline.x_for_time(50.0)), y)
        )


def test_overlapping_indicators_are_stacked_in_lanes_each_clickable(
    timeline: TimelineWidget, qtbot: QtBot
) -> None:
    # p1 (10-14 s) shown as two indicators, and p4 overlapping it: three lanes.
    project = _project()
    phrases = (*project.phrases, Phrase("p4", "the onion falls", 12.0, 16.0))
    indicators = (
        *project.indicators,
        Indicator("i4", "p1", color=(204, 121, 167)),
        Indicator("i5", "p4", color=(0, 114, 178)),
    )
    single_row = timeline._rows().indicators
    timeline.set_project(replace(project, phrases=phrases, indicators=indicators))
    rows = timeline._rows()
    assert rows.indicators.height() > single_row.height()  # taken from the waveform
    assert rows.wave.height() >= timeline_paint.MIN_WAVE_H
    lane_h = rows.indicators.height() / 3
    image = timeline.grab().toImage()
    x = round(timeline.x_for_time(12.5))  # all three overlap here
    seen = []
    for lane, phrase in enumerate(["p1", "p1", "p4"]):
        y = round(rows.indicators.top() + (lane + 0.5) * lane_h)
        seen.append(image.pixelColor(x, y).getRgb()[:3])
        with qtbot.waitSignal(timeline.phrase_clicked, timeout=1000) as blocker:
            qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
        assert blocker.args == [phrase]
    assert len(set(seen)) == 3  # each lane shows its own indicator's colour
    # A span alone in time keeps the first lane: p2's indicator (40-43 s).
    y0 = round(rows.indicators.top() + 0.5 * lane_h)
    assert timeline._span_hit(QPointF(timeline.x_for_time(41.0), y0), rows) is not None
