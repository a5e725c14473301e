"""The video export dialog: fields -> options (pure), the audio choices the video allows, the
range choices, the summary line, and the single question before replacing a file."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from narrlocal_gui.core.model import Box, Indicator, Phrase, Project, TrackPoint, VideoRef
from narrlocal_gui.core.range_marks import InOutMarks, RangeChoice
from narrlocal_gui.export.annotation_formats import FORMATS
from narrlocal_gui.export.video_options import DEFAULT_CRF, DEFAULT_PRESET, AudioMode
from narrlocal_gui.media.media_info import MediaInfo, MediaKind
from narrlocal_gui.ui.export_dialog import (
    CRF_HINT,
    ExportContext,
    ExportDialog,
    ExportFields,
    FieldError,
    annotation_filter,
    annotation_format_for,
    audio_support,
    build_choice,
    summary_text,
)

DURATION = 10.0


def info(audio_codec: str | None = "aac", width: int = 321, height: int = 240) -> MediaInfo:
    has_audio = audio_codec is not None
    return MediaInfo(
        path=Path("/videos/clip.mp4"),
        kind=MediaKind.VIDEO,
        duration=DURATION,
        width=width,
        height=height,
        fps=30.0,
        frame_count=300,
        rotation=0,
        has_audio=has_audio,
        audio_sample_rate=48000 if has_audio else 0,
        audio_channels=2 if has_audio else 0,
        video_codec="h264",
        audio_codec=audio_codec,
        size_bytes=1000,
    )


def project(video: str = "/videos/clip.mp4") -> Project:
    box = (TrackPoint(0.0, Box(1.0, 1.0, 20.0, 20.0)),)
    return Project(
        video=VideoRef(video, DURATION, 321, 240, 30.0),
        phrases=(
            Phrase("p1", "early", 1.0, 2.0),
            Phrase("p2", "late", 7.0, 8.0),
            Phrase("p3", "off", 1.5, 2.5),
        ),
        indicators=(
            Indicator("i1", "p1", track=box),
            Indicator("i2", "p2", track=box),
            Indicator("i3", "p3", enabled=False, track=box),
        ),
    )


def fields(tmp_path: Path, **changes: object) -> ExportFields:
    values: dict[str, object] = {
        "path_text": str(tmp_path / "out.mp4"),
        "crf": 23,
        "preset": "fast",
        "audio": AudioMode.AAC,
        "range_choice": RangeChoice.WHOLE,
        "custom_start": 0.0,
        "custom_end": DURATION,
    }
    values.update(changes)
    return ExportFields(**values)  # type: ignore[arg-type]


def test_fields_become_the_engines_options(tmp_path: Path) -> None:
    choice = build_choice(fields(tmp_path), InOutMarks(), DURATION)
    assert choice.path == tmp_path / "out.mp4"
    options = choice.options
    assert (options.crf, options.preset, options.audio) == (23, "fast", AudioMode.AAC)
    assert (options.start, options.end, options.overwrite) == (None, None, False)
    assert build_choice(fields(tmp_path), InOutMarks(), DURATION, overwrite=True).options.overwrite


def test_the_range_comes_from_the_marks_or_the_custom_times(tmp_path: Path) -> None:
    marks = InOutMarks(2.0, 4.5)
    by_marks = build_choice(fields(tmp_path, range_choice=RangeChoice.MARKS), marks, DURATION)
    assert (by_marks.options.start, by_marks.options.end) == (2.0, 4.5)
    custom = fields(tmp_path, range_choice=RangeChoice.CUSTOM, custom_start=1.0, custom_end=3.0)
    by_custom = build_choice(custom, marks, DURATION)
    assert (by_custom.options.start, by_custom.options.end) == (1.0, 3.0)
    with pytest.raises(FieldError, match="in point"):
        build_choice(fields(tmp_path, range_choice=RangeChoice.MARKS), InOutMarks(2.0), DURATION)
    backwards = fields(tmp_path, range_choice=RangeChoice.CUSTOM, custom_start=3.0, custom_end=3.0)
    with pytest.raises(FieldError, match="after its start"):
        build_choice(backwards, marks, DURATION)
    late = fields(tmp_path, range_choice=RangeChoice.CUSTOM, custom_start=10.0, custom_end=12.0)
    with pytest.raises(FieldError, match="after the end of the video"):
        build_choice(late, marks, DURATION)


def test_the_output_name_is_completed_or_refused_in_one_sentence(tmp_path: Path) -> None:
    no_suffix = build_choice(
        fields(tmp_path, path_text=f"  {tmp_path / 'named'}  "), InOutMarks(), 1
    )
    assert no_suffix.path == tmp_path / "named.mp4"
    mov = build_choice(fields(tmp_path, path_text=str(tmp_path / "x.MOV")), InOutMarks(), 1)
    assert mov.path.name == "x.MOV"
    (tmp_path / "folder.mp4").mkdir()
    video = tmp_path / "source.mp4"
    video.write_bytes(b"x")
    for text, problem in (
        ("", "Choose where"),
        (str(tmp_path / "x.avi"), "ending in .mp4, .m4v, .mov"),
        ("relative.mp4", "full path"),
        (str(tmp_path / "folder.mp4"), "is a folder"),
        (str(tmp_path / "missing" / "x.mp4"), "does not exist"),
        ("/", "is a folder"),
        (str(tmp_path), "is a folder"),
        (f"{tmp_path / 'new'}/", "Add a file name"),
        (f"{tmp_path}/bad\0name.mp4", "cannot be a file name"),
        (str(video), "own video"),
    ):
        with pytest.raises(FieldError, match=problem) as caught:
            build_choice(fields(tmp_path, path_text=text), InOutMarks(), 1, video=str(video))
        message = str(caught.value)
        assert (message[0].isupper() or message[0] == "'") and message.endswith(".")


def test_audio_choices_follow_what_the_engine_can_do() -> None:
    copyable = audio_support(info("aac"))
    assert copyable.default is AudioMode.COPY and AudioMode.COPY in copyable.modes
    assert not copyable.note
    opus = audio_support(info("opus"))
    assert opus.default is AudioMode.AAC and AudioMode.COPY in opus.modes and "opus" in opus.note
    pcm = audio_support(info("pcm_s16le"))
    assert AudioMode.COPY not in pcm.modes and pcm.default is AudioMode.AAC
    assert "cannot be copied" in pcm.note
    silent = audio_support(info(None))
    assert silent.modes == (AudioMode.NONE,) and silent.note == "The video has no sound."
    unknown = audio_support(None)
    assert unknown.default is AudioMode.AUTO


def test_the_summary_gives_length_size_and_indicators() -> None:
    context = ExportContext(project(), info(width=321, height=240), InOutMarks(), Path("/x.mp4"))
    whole = summary_text(context, None, None)
    assert whole == "00:00:10.000 of video (about 300 frames), 322 × 240, 2 indicators drawn."
    # Only p1's indicator (shown 1..4 s by the default 3 s) falls in the first 1.5 s.
    assert summary_text(context, 0.0, 1.5).endswith("1 indicator drawn.")
    assert summary_text(context, 9.0, 20.0).startswith("00:00:01.000 of video (about 30 frames)")
    assert summary_text(context, 4.5, 6.5).endswith("no indicators drawn.")


def test_the_dialog_builds_the_choice_from_its_fields(qtbot: QtBot, tmp_path: Path) -> None:
    context = ExportContext(project(), info("pcm_s16le"), InOutMarks(2.0, 4.0), tmp_path / "a.mp4")
    dialog = ExportDialog(context, ask=lambda *_: pytest.fail("nothing to replace"))
    qtbot.addWidget(dialog)
    # Defaults: the engine's quality, the marked range, AAC since the sound cannot be copied.
    assert dialog.crf.value() == DEFAULT_CRF and dialog.preset.currentText() == DEFAULT_PRESET
    assert (dialog.crf.minimum(), dialog.crf.maximum()) == (0, 51)
    assert any(label.text() == CRF_HINT for label in dialog.findChildren(type(dialog.audio_note)))
    assert dialog.in_out.isEnabled() and dialog.in_out.isChecked()
    assert dialog.audio.currentData() == AudioMode.AAC
    model = dialog.audio.model()
    assert isinstance(model, QStandardItemModel)
    copy_row = dialog.audio.findData(AudioMode.COPY)
    assert not model.item(copy_row).isEnabled()
    assert dialog.audio_note.text().startswith("The original sound (pcm_s16le)")
    assert "00:00:02.000" in dialog.summary.text() and "1 indicator" in dialog.summary.text()

    dialog.custom.setChecked(True)
    assert dialog.custom_start.isEnabled()
    dialog.custom_start.setValue(5.0)
    dialog.custom_end.setValue(5.0)
    assert not dialog.export_button.isEnabled()
    assert "after its start" in dialog.problem.text()
    dialog.custom_end.setValue(6.5)
    assert dialog.export_button.isEnabled() and not dialog.problem.text()
    dialog.crf.setValue(30)
    dialog.preset.setCurrentText("veryfast")
    dialog.audio.setCurrentIndex(dialog.audio.findData(AudioMode.NONE))
    dialog.accept()
    choice = dialog.choice()
    assert choice is not None and choice.path == tmp_path / "a.mp4"
    options = choice.options
    assert (options.crf, options.preset, options.audio) == (30, "veryfast", AudioMode.NONE)
    assert (options.start, options.end, options.overwrite) == (5.0, 6.5, False)


def test_in_to_out_is_offered_only_with_both_marks(qtbot: QtBot, tmp_path: Path) -> None:
    context = ExportContext(project(), info(), InOutMarks(3.0, None), tmp_path / "a.mp4")
    dialog = ExportDialog(context)
    qtbot.addWidget(dialog)
    assert not dialog.in_out.isEnabled() and dialog.whole.isChecked()
    assert "set them with I and O" in dialog.in_out.text()
    assert dialog.fields().range_choice is RangeChoice.WHOLE
    assert dialog.audio.currentData() == AudioMode.COPY


def test_a_bad_name_keeps_export_disabled(qtbot: QtBot, tmp_path: Path) -> None:
    context = ExportContext(project(), info(), InOutMarks(), tmp_path / "a.mp4")
    dialog = ExportDialog(context)
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(tmp_path / "nowhere" / "a.mp4"))
    assert not dialog.export_button.isEnabled() and "does not exist" in dialog.problem.text()
    dialog.accept()
    assert dialog.choice() is None and dialog.result() != QDialog.DialogCode.Accepted


def test_an_existing_file_is_replaced_only_after_one_question(
    qtbot: QtBot, tmp_path: Path, dialogs: object
) -> None:
    existing = tmp_path / "a.mp4"
    existing.write_bytes(b"keep me")
    asked: list[Path] = []
    answer = [False]

    def ask(_parent: object, path: Path) -> bool:
        asked.append(path)
        return answer[0]

    context = ExportContext(project(), info(), InOutMarks(), existing)
    dialog = ExportDialog(context, ask=ask)
    qtbot.addWidget(dialog)
    dialog.accept()
    assert asked == [existing] and dialog.choice() is None  # "No": the dialog stays open
    answer[0] = True
    dialog.accept()
    choice = dialog.choice()
    assert choice is not None and choice.options.overwrite

    # A file picked with Browse… was confirmed by the file dialog itself: no second question.
    asked.clear()
    picked = tmp_path / "b.mp4"
    picked.write_bytes(b"old")
    dialogs.save_file = str(picked)  # type: ignore[attr-defined]
    again = ExportDialog(context, ask=ask)
    qtbot.addWidget(again)
    again.browse_button.click()
    assert again.path_edit.text() == str(picked)
    again.accept()
    choice = again.choice()
    assert asked == [] and choice is not None and choice.options.overwrite

    # A name without suffix gets ".mp4": a file the file dialog never asked about.
    (tmp_path / "c.mp4").write_bytes(b"old")
    dialogs.save_file = str(tmp_path / "c")  # type: ignore[attr-defined]
    third = ExportDialog(context, ask=ask)
    qtbot.addWidget(third)
    third.browse_button.click()
    third.accept()
    assert asked == [tmp_path / "c.mp4"]


def test_annotation_filters_pick_the_format() -> None:
    names = [annotation_filter(fmt) for fmt in FORMATS]
    assert names == [
        "COCO video JSON (*.json)",
        "CVAT for video 1.1 XML (*.xml)",
        "MOT ground truth (*.txt)",
        "WebVTT phrases (*.vtt)",
        "SRT phrases (*.srt)",
        "CSV table (*.csv)",
        "NarrLocal project (*.narrlocal)",
    ]
    by_name = {fmt.name: fmt for fmt in FORMATS}
    assert annotation_format_for(Path("/a/subs"), "SRT phrases (*.srt)") == by_name["srt"]
    # A suffix naming a format wins over the filter left selected.
    assert annotation_format_for(Path("/a/subs.vtt"), "SRT phrases (*.srt)") == by_name["vtt"]
    assert annotation_format_for(Path("/a/gt.TXT"), "") == by_name["mot"]
    assert annotation_format_for(Path("/a/x.dat"), "") is None
