"""The transcript panel's two lists as Qt models: narration segments and phrases.

Both mirror a project and never change it. An edit typed into a row comes out as a request
signal; the window turns it into an undoable project edit, and the edited project comes back
through ``set_segments``/``set_phrases``. A change that keeps the row count refreshes only the
rows that changed (an open editor, the selection and the scroll position survive it); any
other change resets the model, which costs nothing per row: rows are laid out lazily.

Each model also knows which row is being spoken at the playhead (``set_current_time``), found
by bisection so it can follow playback frame by frame through a two-hour transcript.
"""

from __future__ import annotations

import bisect
import html
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont

from narrlocal_gui.core.model import Phrase, Segment
from narrlocal_gui.core.time_format import format_minutes

AnyIndex = QModelIndex | QPersistentModelIndex

#: The row's time as shown in the time column (str).
TIME_ROLE = Qt.ItemDataRole.UserRole + 1
#: When the row starts, in seconds (float).
START_ROLE = Qt.ItemDataRole.UserRole + 2
#: Character ranges (start, length) of words the recogniser was unsure of.
UNSURE_ROLE = Qt.ItemDataRole.UserRole + 3
#: True for the row being spoken at the playhead.
CURRENT_ROLE = Qt.ItemDataRole.UserRole + 4
#: The phrase's id (phrase rows only).
PHRASE_ID_ROLE = Qt.ItemDataRole.UserRole + 5

#: Words recognised with less confidence than this are marked for checking.
UNSURE_BELOW = 0.5

_EDIT_HINT = "Double-click or F2 to edit."


def unsure_ranges(segment: Segment) -> tuple[tuple[int, int], ...]:
    """Where in ``segment.text`` its low-confidence words are, as (start, length) pairs.

    Words are found in order; one whose spelling no longer appears in the text (edited since)
    is skipped rather than guessed at.
    """
    ranges: list[tuple[int, int]] = []
    at = 0
    for word in segment.words:
        spelling = word.text.strip()
        if not spelling:
            continue
        found = segment.text.find(spelling, at)
        if found < 0:
            continue
        at = found + len(spelling)
        if word.confidence is not None and word.confidence < UNSURE_BELOW:
            ranges.append((found, len(spelling)))
    return tuple(ranges)


def _span_text(start: float, end: float) -> str:
    return f"{format_minutes(start)}–{format_minutes(end)}"


def _runs(rows: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs, so dataChanged covers each block once."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


class _TimedListModel(QAbstractListModel):
    """What both lists share: rows with a start and an end, and the row at the playhead."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._current: int | None = None
        self._time: float | None = None

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(self._starts)

    def current_row(self) -> int | None:
        return self._current

    def row_at(self, t: float) -> int | None:
        """The row being spoken at ``t`` (the latest to start, if it has not ended yet)."""
        row = bisect.bisect_right(self._starts, t) - 1
        if row < 0 or t >= self._ends[row]:
            return None
        return row

    def set_current_time(self, t: float | None) -> int | None:
        """Mark the row spoken at ``t`` (None: no row); returns that row."""
        self._time = t
        row = None if t is None else self.row_at(t)
        if row != self._current:
            old, self._current = self._current, row
            for changed in (old, row):
                if changed is not None:
                    index = self.index(changed, 0)
                    self.dataChanged.emit(index, index, [CURRENT_ROLE])
        return row

    def _set_times(self, starts: list[float], ends: list[float]) -> None:
        self._starts, self._ends = starts, ends
        # The rows moved under the playhead; find its row again (no signal: the caller resets
        # the model or refreshes the rows anyway).
        self._current = None if self._time is None else self.row_at(self._time)

    def _refresh(self, old: Sequence[object], new: Sequence[object]) -> None:
        """Announce the change from ``old`` rows to ``new``: per row when the count is equal."""
        if len(old) != len(new):
            return
        changed = [
            i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a is not b and a != b
        ]
        for first, last in _runs(changed):
            self.dataChanged.emit(self.index(first, 0), self.index(last, 0))


class SegmentListModel(_TimedListModel):
    """The narration, one row per segment; streamed segments while a transcription runs."""

    text_edited = Signal(int, str)  # segment index, new text

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._segments: tuple[Segment, ...] = ()
        self._streaming: list[Segment] = []
        self._unsure: dict[int, tuple[tuple[int, int], ...]] = {}
        self._unsure_count: int | None = None

    # -- data in -----------------------------------------------------------------------
    def set_segments(self, segments: tuple[Segment, ...]) -> None:
        if segments is self._segments:
            return
        old = self._segments
        if self._streaming:
            self._segments = segments  # shown once the streamed rows are cleared
            self._unsure_count = None
            return
        same_count = len(old) == len(segments)
        if not same_count:
            self.beginResetModel()
        self._segments = segments
        self._unsure.clear()
        self._unsure_count = None
        self._set_times([s.start for s in segments], [s.end for s in segments])
        if same_count:
            self._refresh(old, segments)
        else:
            self.endResetModel()

    def append_streaming(self, segment: Segment) -> None:
        """Show a segment of a transcription still running (replacing the narration's rows)."""
        if not self._streaming:
            self.beginResetModel()
            self._streaming.append(segment)
            self._set_times([segment.start], [segment.end])
            self._unsure.clear()
            self.endResetModel()
            return
        row = len(self._streaming)
        self.beginInsertRows(QModelIndex(), row, row)
        self._streaming.append(segment)
        # Streamed segments arrive in time order, so the bisection stays valid.
        self._starts.append(segment.start)
        self._ends.append(segment.end)
        self.endInsertRows()

    def clear_streaming(self) -> None:
        if not self._streaming:
            return
        self.beginResetModel()
        self._streaming.clear()
        self._unsure.clear()
        self._set_times([s.start for s in self._segments], [s.end for s in self._segments])
        self.endResetModel()

    # -- lookups -----------------------------------------------------------------------
    def is_streaming(self) -> bool:
        return bool(self._streaming)

    def streaming_count(self) -> int:
        return len(self._streaming)

    def segments(self) -> tuple[Segment, ...]:
        return self._segments

    def segment(self, row: int) -> Segment:
        return self._streaming[row] if self._streaming else self._segments[row]

    def unsure_word_count(self) -> int:
        """How many words of the narration are marked for checking."""
        if self._unsure_count is None:
            self._unsure_count = sum(
                1
                for s in self._segments
                for w in s.words
                if w.confidence is not None and w.confidence < UNSURE_BELOW
            )
        return self._unsure_count

    # -- QAbstractListModel ------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        if parent.isValid():
            return 0
        return len(self._streaming) if self._streaming else len(self._segments)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self._streaming:
            flags |= Qt.ItemFlag.ItemIsEditable  # streamed text is not the project's yet
        return flags

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self.rowCount():
            return None
        row = index.row()
        segment = self.segment(row)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return segment.text
        if role == TIME_ROLE:
            return format_minutes(segment.start)
        if role == START_ROLE:
            return segment.start
        if role == CURRENT_ROLE:
            return row == self._current
        if role == UNSURE_ROLE:
            if self._streaming:
                return ()
            ranges = self._unsure.get(row)
            if ranges is None:
                ranges = self._unsure[row] = unsure_ranges(segment)
            return ranges
        if role == Qt.ItemDataRole.FontRole:
            if self._streaming:
                font = QFont()
                font.setItalic(True)
                return font
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(segment)
        return None

    def setData(  # noqa: N802 (Qt API)
        self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        """Emit ``text_edited``; the segment itself changes when the project comes back."""
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self._streaming:
            return False
        row = index.row()
        if not 0 <= row < len(self._segments):
            return False
        text = " ".join(str(value).split())
        if text != self._segments[row].text:
            self.text_edited.emit(row, text)
        return True

    def _tooltip(self, segment: Segment) -> str:
        parts = [f"<p><tt>{_span_text(segment.start, segment.end)}</tt></p>"]
        if self._streaming:
            parts.append("<p><i>Being transcribed…</i></p>")
            return "".join(parts)
        unsure = [
            f"<i>{html.escape(w.text.strip())}</i> ({w.confidence:.0%})"
            for w in segment.words
            if w.confidence is not None and w.confidence < UNSURE_BELOW
        ]
        if unsure:
            parts.append(f"<p>Unsure words (dotted underline): {', '.join(unsure)}</p>")
        parts.append(f"<p>{_EDIT_HINT}</p>")
        return "".join(parts)


class PhraseListModel(_TimedListModel):
    """The phrases, one row each, in time order."""

    text_edited = Signal(str, str)  # phrase id, new text

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._phrases: tuple[Phrase, ...] = ()
        self._row_of: dict[str, int] = {}

    def set_phrases(self, phrases: tuple[Phrase, ...]) -> None:
        if phrases is self._phrases:
            return
        old = self._phrases
        same_ids = len(old) == len(phrases) and all(
            a.id == b.id for a, b in zip(old, phrases, strict=True)
        )
        if not same_ids:
            self.beginResetModel()
        self._phrases = phrases
        self._row_of = {p.id: i for i, p in enumerate(phrases)}
        self._set_times([p.start for p in phrases], [p.end for p in phrases])
        if same_ids:
            self._refresh(old, phrases)
        else:
            self.endResetModel()

    def phrases(self) -> tuple[Phrase, ...]:
        return self._phrases

    def phrase(self, row: int) -> Phrase:
        return self._phrases[row]

    def row_of(self, phrase_id: str) -> int | None:
        return self._row_of.get(phrase_id)

    def row_at(self, t: float) -> int | None:
        # Phrases may overlap: the latest to start may have ended while an earlier one goes on.
        row = bisect.bisect_right(self._starts, t) - 1
        for candidate in range(row, max(row - 8, -1), -1):
            if t < self._ends[candidate]:
                return candidate
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._phrases):
            return None
        row = index.row()
        phrase = self._phrases[row]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return phrase.text
        if role == TIME_ROLE:
            return _span_text(phrase.start, phrase.end)
        if role == START_ROLE:
            return phrase.start
        if role == PHRASE_ID_ROLE:
            return phrase.id
        if role == CURRENT_ROLE:
            return row == self._current
        if role == UNSURE_ROLE:
            return ()
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"<p>{html.escape(phrase.text)}</p>"
                f"<p><tt>{_span_text(phrase.start, phrase.end)}</tt>"
                f" ({phrase.end - phrase.start:.2f} s)</p>"
                f"<p>{_EDIT_HINT} Right-click to split, merge or delete.</p>"
            )
        return None

    def setData(  # noqa: N802 (Qt API)
        self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        if not 0 <= index.row() < len(self._phrases):
            return False
        phrase = self._phrases[index.row()]
        text = " ".join(str(value).split())
        if text != phrase.text:
            self.text_edited.emit(phrase.id, text)
        return True
