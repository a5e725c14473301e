"""``narrlocal export``: the video, a still, the annotation formats, and one-line errors."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from narrlocal_gui.cli.export import FORMAT_NAMES
from narrlocal_gui.cli.main import COMMANDS
from narrlocal_gui.core.project_io import save_project
from narrlocal_gui.media.probe import probe
from narrlocal_gui.media.source import open_media
from narrlocal_gui.render.frame_render import render_frame
from tests.media_factory import make_counter_clip
from tests.test_cli import assert_one_error_line, run
from tests.test_export_video import FRAMES, SIZE, annotated_project


@pytest.fixture(scope="module")
def project_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-export")
    clip = make_counter_clip(folder / "clip.mp4", n_frames=FRAMES, size=SIZE)
    path = folder / "clip.narrlocal"
    save_project(annotated_project(clip), path)
    return path


def test_registered_after_localize() -> None:
    names = [c.name for c in COMMANDS]
    assert names.index("export") == names.index("localize") + 1
    assert names.index("export") < names.index("eval")


def test_exports_the_video(
    capfd: pytest.CaptureFixture[str], project_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "annotated.mp4"
    code, stdout, err = run(capfd, "export", project_file, "-o", out, "--preset", "ultrafast")
    assert code == 0, err
    assert stdout.strip() == str(out)
    info = probe(out)
    assert (info.width, info.height, info.frame_count, info.audio_codec) == (*SIZE, FRAMES, "aac")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["annotated.mp4"]


def test_range_without_audio_and_force(
    capfd: pytest.CaptureFixture[str], project_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "part.mp4"
    out.write_bytes(b"old")
    argv = ["export", project_file, "-o", out, "--start", "0:00.5", "--end", "1", "--audio"]
    code, _, err = run(capfd, *argv, "none", "--crf", "30", "--force")
    assert code == 0, err
    info = probe(out)
    assert info.frame_count == 15 and not info.has_audio


def test_still_is_the_player_frame(
    capfd: pytest.CaptureFixture[str], project_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "still.png"
    code, stdout, err = run(capfd, "export", project_file, "--still", "0.7", "-o", out)
    assert code == 0, err
    assert stdout.strip() == str(out)
    project = annotated_project(project_file.parent / "clip.mp4")
    with open_media(project_file.parent / "clip.mp4") as player:
        expected = render_frame(player.frame_at(0.7).image, project, 0.7)
    assert np.array_equal(np.asarray(Image.open(out).convert("RGB")), expected)


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        ("missing project", "no such file"),
        ("not a project", "not a NarrLocal project"),
        ("exists", "--force"),
        ("bad crf", "CRF"),
        ("start after end", "after the start"),
        ("start past the video", "cannot start at 5"),
        ("video option with still", "--crf apply to the video export only"),
        ("no folder", "does not exist"),
        ("project as output", "project file itself"),
    ],
)
def test_errors_are_one_line_and_exit_2(
    capfd: pytest.CaptureFixture[str],
    project_file: Path,
    tmp_path: Path,
    problem: str,
    message: str,
) -> None:
    out = tmp_path / "out.mp4"
    project: Path = project_file
    extra: list[str | Path] = []
    if problem == "missing project":
        project = tmp_path / "nope.narrlocal"
    elif problem == "not a project":
        project = project_file.parent / "clip.mp4"
    elif problem == "exists":
        out.write_bytes(b"precious")
    elif problem == "bad crf":
        extra = ["--crf", "60"]
    elif problem == "start after end":
        extra = ["--start", "1", "--end", "0.5"]
    elif problem == "start past the video":
        extra = ["--start", "5"]
    elif problem == "video option with still":
        extra = ["--still", "0.5", "--crf", "20"]
        out = tmp_path / "out.png"
    elif problem == "no folder":
        out = tmp_path / "missing" / "out.mp4"
    else:
        out = project_file
        extra = ["--force"]
    before = project_file.read_bytes()
    code, stdout, err = run(capfd, "export", project, "-o", out, *extra)
    assert code == 2, err
    assert_one_error_line(err)
    assert message in err
    assert stdout == ""
    if problem == "exists":
        assert out.read_bytes() == b"precious"
    else:
        assert not out.exists() or out == project_file
    assert project_file.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]


def test_usage_errors(capfd: pytest.CaptureFixture[str], project_file: Path) -> None:
    for argv in (
        ["export", project_file],  # no -o
        ["export", project_file, "-o", "x.mp4", "--crf", "high"],
        ["export", project_file, "-o", "x.mp4", "--preset", "fastest"],
        ["export", project_file, "-o", "x.mp4", "--still", "1", "--format", "srt"],
    ):
        code, _, err = run(capfd, *argv)
        assert code == 2
        assert "usage: narrlocal export" in err and "Traceback" not in err


@pytest.mark.skipif(
    importlib.util.find_spec("narrlocal_gui.export.annotation_formats") is None,
    reason="the annotation formats are not there yet",
)
def test_format_names_match_the_annotation_exporter(
    capfd: pytest.CaptureFixture[str], project_file: Path, tmp_path: Path
) -> None:
    from narrlocal_gui.export.annotation_formats import ANNOTATION_FORMATS

    assert FORMAT_NAMES == ANNOTATION_FORMATS
    out = tmp_path / "phrases.srt"
    code, stdout, err = run(capfd, "export", project_file, "--format", "srt", "-o", out)
    assert code == 0, err
    assert stdout.strip() == str(out)
    assert "the box" in out.read_text(encoding="utf-8")
