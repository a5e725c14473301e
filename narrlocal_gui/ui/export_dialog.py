"""File > Export Video…: where to, what quality, which sound and which part of the video.

The dialog only collects fields; turning them into the engine's
:class:`VideoExportOptions` is :func:`build_choice`, a pure function tested without a
dialog. Problems (no name, a folder that does not exist, an end before the start) are shown
under the fields as one sentence and keep the Export button disabled, so an export never
starts from a choice the engine would refuse. An existing file is replaced only after a
question, asked once: a file picked with Browse… was already confirmed by the file dialog.

The other exports need only a file name: :func:`ask_save_path` (the annotation formats are
listed as the save dialog's file types, see :func:`annotation_filter`) and the questions
:func:`ask_replace` and :func:`ask_yes_no` live here too.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from narrlocal_gui.core.model import Project
from narrlocal_gui.core.range_marks import InOutMarks, RangeChoice, RangeError, chosen_range
from narrlocal_gui.core.time_format import format_timecode
from narrlocal_gui.core.visibility import indicators_in
from narrlocal_gui.export.annotation_formats import FORMATS, AnnotationFormat
from narrlocal_gui.export.audio_mux import ALSO_COPYABLE, PLAYABLE_IN_MP4
from narrlocal_gui.export.h264_encoder import even_size
from narrlocal_gui.export.video_export import VIDEO_FORMATS
from narrlocal_gui.export.video_options import (
    DEFAULT_CRF,
    DEFAULT_PRESET,
    X264_PRESETS,
    AudioMode,
    VideoExportOptions,
)
from narrlocal_gui.media.media_info import MediaInfo

APP_NAME = "NarrLocal"
DEFAULT_SUFFIX = ".mp4"
VIDEO_EXPORT_FILTER = "MP4 video (*.mp4);;QuickTime movie (*.mov);;MPEG-4 video (*.m4v)"
CRF_HINT = "lower = better, 18 ≈ visually lossless"
AUDIO_LABELS = {
    AudioMode.AUTO: "Automatic (copy when possible)",
    AudioMode.COPY: "Copy original",
    AudioMode.AAC: "Re-encode to AAC",
    AudioMode.NONE: "No audio",
}

#: ``ask_replace(parent, path)``: may ``path``, which exists, be replaced?
AskReplace = Callable[[QWidget | None, Path], bool]


class FieldError(ValueError):
    """A field the export cannot use; the message is one sentence for the user."""


@dataclass(frozen=True, slots=True)
class ExportContext:
    """What the dialog shows: the project snapshot, its video's facts (None: unknown), the
    in/out marks, a suggested file and the quality last used."""

    project: Project
    info: MediaInfo | None
    marks: InOutMarks
    suggested: Path
    crf: int = DEFAULT_CRF
    preset: str = DEFAULT_PRESET

    def __post_init__(self) -> None:
        # Checked here, so a bad remembered value fails at once rather than in the engine.
        VideoExportOptions(crf=self.crf, preset=self.preset)

    @property
    def duration(self) -> float:
        if self.info is not None:
            return self.info.duration
        video = self.project.video
        return video.duration or 0.0 if video is not None else 0.0


@dataclass(frozen=True, slots=True)
class ExportFields:
    """The dialog's fields as plain data."""

    path_text: str
    crf: int
    preset: str
    audio: AudioMode
    range_choice: RangeChoice
    custom_start: float = 0.0
    custom_end: float = 0.0


@dataclass(frozen=True, slots=True)
class VideoExportChoice:
    """Where to write, and how (``options.overwrite`` once the user allowed replacing)."""

    path: Path
    options: VideoExportOptions


@dataclass(frozen=True, slots=True)
class AudioSupport:
    """What the dialog offers for the video's sound: the modes, the default and why."""

    modes: tuple[AudioMode, ...]
    default: AudioMode
    note: str = ""

    def __post_init__(self) -> None:
        if self.default not in self.modes:
            raise ValueError(f"the default {self.default} is not offered")


def audio_support(info: MediaInfo | None) -> AudioSupport:
    """The audio choices for ``info``'s sound, decided as the engine will decide them."""
    all_modes = (AudioMode.COPY, AudioMode.AAC, AudioMode.NONE)
    if info is None or (info.has_audio and info.audio_codec is None):
        return AudioSupport((AudioMode.AUTO, *all_modes), AudioMode.AUTO)
    if not info.has_audio:
        return AudioSupport((AudioMode.NONE,), AudioMode.NONE, "The video has no sound.")
    codec = info.audio_codec or ""
    if codec in PLAYABLE_IN_MP4:
        return AudioSupport(all_modes, AudioMode.COPY)
    if codec in ALSO_COPYABLE:
        return AudioSupport(
            all_modes,
            AudioMode.AAC,
            f"Copying keeps the original {codec} sound, which some players cannot play.",
        )
    return AudioSupport(
        (AudioMode.AAC, AudioMode.NONE),
        AudioMode.AAC,
        f"The original sound ({codec}) cannot be copied into an MP4 file; it is re-encoded.",
    )


def output_path(text: str, video: str | None = None) -> Path:
    """The file named by ``text`` (``.mp4`` added when it has no suffix); FieldError if
    it cannot be written."""
    stripped = text.strip()
    if not stripped:
        raise FieldError("Choose where to save the video.")
    unusable = FieldError(f"'{stripped}' cannot be a file name; choose another.")
    if "\0" in stripped:
        raise unusable  # pathlib's checks answer False for it; opening it would fail
    try:
        return _checked_output(stripped, video)
    except FieldError:
        raise
    except (OSError, ValueError):
        raise unusable from None  # what the file system refuses outright (too long a name)


def _checked_output(text: str, video: str | None) -> Path:
    path = Path(text).expanduser()
    if path.is_dir():
        raise FieldError(f"'{path}' is a folder; add a file name.")
    if text.endswith(("/", os.sep)) or not path.name:
        raise FieldError("Add a file name after the folder.")
    if not path.suffix:
        path = path.with_name(path.name + DEFAULT_SUFFIX)
    if path.suffix.lower() not in VIDEO_FORMATS:
        raise FieldError(f"Choose a name ending in {', '.join(VIDEO_FORMATS)}.")
    if not path.is_absolute():
        raise FieldError("Give the full path of the file, or choose it with Browse….")
    if path.is_dir():
        raise FieldError(f"'{path}' is a folder; add a file name.")
    if not path.parent.is_dir():
        raise FieldError(f"The folder '{path.parent}' does not exist.")
    if video is not None and _same_file(path, Path(video)):
        raise FieldError("That is the project's own video; choose another name.")
    return path


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and a.samefile(b)
    except OSError:
        return False


def fields_range(
    fields: ExportFields, marks: InOutMarks, duration: float
) -> tuple[float | None, float | None]:
    """The range the fields choose (see :func:`chosen_range`); :class:`FieldError` if bad."""
    try:
        return chosen_range(
            fields.range_choice, marks, fields.custom_start, fields.custom_end, duration
        )
    except RangeError as exc:
        raise FieldError(str(exc)) from None


def build_choice(
    fields: ExportFields,
    marks: InOutMarks,
    duration: float,
    *,
    video: str | None = None,
    overwrite: bool = False,
) -> VideoExportChoice:
    """The export the fields ask for; :class:`FieldError` naming the first bad field."""
    path = output_path(fields.path_text, video)
    start, end = fields_range(fields, marks, duration)
    try:
        options = VideoExportOptions(
            crf=fields.crf,
            preset=fields.preset,
            audio=fields.audio,
            start=start,
            end=end,
            overwrite=overwrite,
        )
    except ValueError as exc:
        raise FieldError(f"{str(exc)[:1].upper()}{str(exc)[1:]}.") from None
    return VideoExportChoice(path, options)


def summary_text(context: ExportContext, start: float | None, end: float | None) -> str:
    """One line: how long the export is, its picture size and the indicators drawn."""
    duration = context.duration
    begin = 0.0 if start is None else start
    finish = duration if end is None else end
    if duration > 0.0:
        finish = min(finish, duration)  # an end beyond the video is its end
    length = max(finish - begin, 0.0)
    parts = [f"{format_timecode(length)} of video"]
    info = context.info
    if info is not None and info.width > 0 and info.height > 0:
        width, height = even_size(info.width, info.height)
        frames = round(length * info.fps) if info.fps > 0 else 0
        if frames:
            parts[0] += f" (about {frames} frames)"
        parts.append(f"{width} × {height}")
    count = indicators_in(context.project, begin, finish)
    parts.append(
        "no indicators drawn"
        if count == 0
        else f"{count} indicator{'s' if count != 1 else ''} drawn"
    )
    return ", ".join(parts) + "."


def ask_replace(parent: QWidget | None, path: Path) -> bool:
    return ask_yes_no(parent, f"'{path.name}' already exists in '{path.parent}'. Replace it?")


class ExportDialog(QDialog):
    """The video export's fields; :meth:`choice` after it was accepted."""

    def __init__(
        self,
        context: ExportContext,
        parent: QWidget | None = None,
        ask: AskReplace = ask_replace,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export Video")
        self._context = context
        self._ask = ask
        self._choice: VideoExportChoice | None = None
        # The path the file dialog returned after asking about replacing it itself.
        self._confirmed: Path | None = None
        duration = context.duration

        self.path_edit = QLineEdit(str(context.suggested), self)
        self.path_edit.setObjectName("exportPath")
        self.browse_button = QPushButton("Browse…", self)
        self.browse_button.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)

        self.crf = QSpinBox(self)
        self.crf.setObjectName("exportCrf")
        self.crf.setRange(0, 51)
        self.crf.setValue(context.crf)
        self.crf.setToolTip("H.264 quality (CRF): 0 is lossless; +6 roughly halves the file")
        crf_row = QHBoxLayout()
        crf_row.addWidget(self.crf)
        crf_row.addWidget(QLabel(CRF_HINT, self), 1)

        self.preset = QComboBox(self)
        self.preset.setObjectName("exportPreset")
        self.preset.addItems(list(X264_PRESETS))
        self.preset.setCurrentText(context.preset)
        self.preset.setToolTip("Slower presets make smaller files at the same quality")

        support = audio_support(context.info)
        self.audio = QComboBox(self)
        self.audio.setObjectName("exportAudio")
        for mode in AudioMode:
            if mode is AudioMode.AUTO and mode not in support.modes:
                continue
            self.audio.addItem(AUDIO_LABELS[mode], mode)
        model = self.audio.model()
        if isinstance(model, QStandardItemModel):
            for row in range(self.audio.count()):
                item = model.item(row)
                item.setEnabled(self.audio.itemData(row) in support.modes)
        self.audio.setCurrentIndex(self.audio.findData(support.default))
        self.audio.setEnabled(len(support.modes) > 1)
        self.audio_note = QLabel(support.note, self)
        self.audio_note.setWordWrap(True)
        self.audio_note.setVisible(bool(support.note))

        self.whole = QRadioButton(f"Whole video ({format_timecode(duration)})", self)
        span = context.marks.span
        marks_text = "In to out points"
        if span is not None:
            marks_text += f" ({format_timecode(span[0])} – {format_timecode(span[1])})"
        else:
            marks_text += " (set them with I and O)"
        self.in_out = QRadioButton(marks_text, self)
        self.in_out.setEnabled(span is not None)
        self.custom = QRadioButton("Custom:", self)
        self.range_group = QButtonGroup(self)
        for button in (self.whole, self.in_out, self.custom):
            self.range_group.addButton(button)
        self.custom_start = self._seconds_box(duration, "exportStart")
        self.custom_end = self._seconds_box(duration, "exportEnd")
        start, end = span if span is not None else (0.0, duration)
        self.custom_start.setValue(start)
        self.custom_end.setValue(min(end, duration) if duration > 0.0 else end)
        custom_row = QHBoxLayout()
        custom_row.addWidget(self.custom)
        custom_row.addWidget(self.custom_start)
        custom_row.addWidget(QLabel("to", self))
        custom_row.addWidget(self.custom_end)
        custom_row.addStretch(1)
        # A user who marked in and out points most likely means to export them.
        (self.in_out if span is not None else self.whole).setChecked(True)
        range_box = QVBoxLayout()
        range_box.addWidget(self.whole)
        range_box.addWidget(self.in_out)
        range_box.addLayout(custom_row)

        self.summary = QLabel(self)
        self.summary.setObjectName("exportSummary")
        self.summary.setWordWrap(True)
        self.problem = QLabel(self)
        self.problem.setObjectName("exportProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c0392b;")

        form = QFormLayout()
        form.addRow("Save to:", path_row)
        form.addRow("Quality:", crf_row)
        form.addRow("Preset:", self.preset)
        form.addRow("Audio:", self.audio)
        form.addRow("", self.audio_note)
        form.addRow("Range:", range_box)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.export_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.export_button.setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

        self.path_edit.textChanged.connect(self._refresh)
        self.range_group.buttonToggled.connect(self._refresh)
        self.custom_start.valueChanged.connect(self._refresh)
        self.custom_end.valueChanged.connect(self._refresh)
        self._refresh()
        self.resize(max(self.sizeHint().width(), 560), self.sizeHint().height())

    # -- the fields ----------------------------------------------------------------------
    def fields(self) -> ExportFields:
        if self.in_out.isChecked():
            choice = RangeChoice.MARKS
        elif self.custom.isChecked():
            choice = RangeChoice.CUSTOM
        else:
            choice = RangeChoice.WHOLE
        return ExportFields(
            path_text=self.path_edit.text(),
            crf=self.crf.value(),
            preset=self.preset.currentText(),
            audio=AudioMode(self.audio.currentData()),
            range_choice=choice,
            custom_start=self.custom_start.value(),
            custom_end=self.custom_end.value(),
        )

    def choice(self) -> VideoExportChoice | None:
        """The export asked for, once the dialog was accepted."""
        return self._choice

    # -- behaviour -----------------------------------------------------------------------
    def accept(self) -> None:
        context = self._context
        try:
            choice = self._build()
        except FieldError as exc:
            self.problem.setText(str(exc))
            return
        path = choice.path
        if path.exists():
            if path != self._confirmed and not self._ask(self, path):
                return  # the user keeps the file; the dialog stays open for another name
            choice = build_choice(
                self.fields(), context.marks, context.duration, video=self._video(), overwrite=True
            )
        self._choice = choice
        super().accept()

    @Slot()
    def _browse(self) -> None:
        try:
            current = str(output_path(self.path_edit.text()))
        except FieldError:
            current = self.path_edit.text() or str(self._context.suggested)
        chosen, _ = QFileDialog.getSaveFileName(self, "Export Video", current, VIDEO_EXPORT_FILTER)
        if not chosen:
            return
        path = Path(chosen)
        # The file dialog asked before returning an existing file; one with the suffix
        # added here is another file it never asked about.
        self._confirmed = path if path.suffix and path.exists() else None
        self.path_edit.setText(str(path if path.suffix else path.with_suffix(DEFAULT_SUFFIX)))

    @Slot()
    def _refresh(self) -> None:
        custom = self.custom.isChecked()
        self.custom_start.setEnabled(custom)
        self.custom_end.setEnabled(custom)
        context = self._context
        try:
            choice = self._build()
        except FieldError as exc:
            self.problem.setText(str(exc))
            self.export_button.setEnabled(False)
            try:
                start, end = fields_range(self.fields(), context.marks, context.duration)
            except FieldError:
                start, end = None, None
        else:
            self.problem.clear()
            self.export_button.setEnabled(True)
            start, end = choice.options.start, choice.options.end
        self.summary.setText(summary_text(context, start, end))

    def _build(self) -> VideoExportChoice:
        context = self._context
        return build_choice(self.fields(), context.marks, context.duration, video=self._video())

    def _video(self) -> str | None:
        video = self._context.project.video
        return None if video is None else video.path

    def _seconds_box(self, duration: float, name: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox(self)
        box.setObjectName(name)
        box.setDecimals(3)
        box.setRange(0.0, duration if duration > 0.0 else 24 * 3600.0)
        box.setSingleStep(1.0)
        box.setSuffix(" s")
        box.setAlignment(Qt.AlignmentFlag.AlignRight)
        return box


def choose_video_export(
    parent: QWidget | None, context: ExportContext, ask: AskReplace = ask_replace
) -> VideoExportChoice | None:
    """Show the dialog; the export the user asked for, or None when they cancelled."""
    dialog = ExportDialog(context, parent, ask)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.choice()
    finally:
        dialog.deleteLater()


# -- the other exports' small dialogs ----------------------------------------------------------

STILL_FILTER = "PNG image (*.png)"
#: The save dialog's name for each annotation format, by the engine's format name.
ANNOTATION_FILTER_LABELS = {
    "coco": "COCO video JSON",
    "cvat": "CVAT for video 1.1 XML",
    "mot": "MOT ground truth",
    "vtt": "WebVTT phrases",
    "srt": "SRT phrases",
    "csv": "CSV table",
    "json": "NarrLocal project",
}


def annotation_filter(fmt: AnnotationFormat) -> str:
    """``fmt``'s entry in the save dialog's list of types, e.g. "CSV table (*.csv)"."""
    label = ANNOTATION_FILTER_LABELS.get(fmt.name, fmt.summary)
    return f"{label} (*{fmt.suffix})"


def annotation_format_for(path: Path, selected_filter: str) -> AnnotationFormat | None:
    """The format to write ``path`` in: the one its suffix names, else the chosen filter's.

    The typed name wins over the filter: someone who types "subs.vtt" with the SRT filter
    still selected expects a WebVTT file.
    """
    suffix = path.suffix.lower()
    by_suffix = [fmt for fmt in FORMATS if fmt.suffix == suffix]
    if len(by_suffix) == 1:
        return by_suffix[0]
    return next((fmt for fmt in FORMATS if annotation_filter(fmt) == selected_filter), None)


def ask_save_path(
    parent: QWidget | None, title: str, suggested: Path, filters: str, selected: str
) -> tuple[Path, str] | None:
    """A save-file dialog: the path and the filter chosen, or None when cancelled.

    Qt's dialog asks itself before returning an existing file.
    """
    path, chosen_filter = QFileDialog.getSaveFileName(
        parent, title, str(suggested), filters, selected
    )
    return (Path(path), chosen_filter) if path else None


def ask_yes_no(parent: QWidget | None, text: str) -> bool:
    answer = QMessageBox.question(
        parent,
        APP_NAME,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes
