"""``narrlocal export PROJECT --format X -o FILE``: the annotation formats from the command
line write exactly what :func:`export_annotations` writes, and fail in one line."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from narrlocal_gui.cli.exit_codes import EXIT_OK, EXIT_USER_ERROR
from narrlocal_gui.core.project_io import load_project, save_project
from narrlocal_gui.export.annotation_formats import ANNOTATION_FORMATS, export_annotations
from tests.test_cli import assert_one_error_line, run
from tests.test_export_formats import sample_project


@pytest.fixture
def project_file(tmp_path: Path) -> Path:
    path = tmp_path / "kitchen.narrlocal"
    save_project(sample_project(), path)
    return path


@pytest.mark.parametrize("fmt", [f for f in ANNOTATION_FORMATS if f != "json"])
def test_each_format_writes_what_the_library_writes(
    capfd: pytest.CaptureFixture[str], project_file: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"cli.{fmt}"
    code, _, err = run(capfd, "export", project_file, "--format", fmt, "-o", out)
    assert code == EXIT_OK, err
    reference = export_annotations(load_project(project_file), fmt, tmp_path / f"lib.{fmt}")
    assert out.read_bytes() == reference.read_bytes()
    assert out.stat().st_size > 0


def test_the_project_file_format(
    capfd: pytest.CaptureFixture[str], project_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "copy.narrlocal"
    code, _, err = run(capfd, "export", project_file, "--format", "json", "-o", out)
    assert code == EXIT_OK, err
    assert load_project(out).phrases == load_project(project_file).phrases


def test_an_existing_output_needs_force(
    capfd: pytest.CaptureFixture[str], project_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "boxes.csv"
    out.write_text("mine", encoding="utf-8")
    code, _, err = run(capfd, "export", project_file, "--format", "csv", "-o", out)
    assert code == EXIT_USER_ERROR
    assert_one_error_line(err)
    assert out.read_text(encoding="utf-8") == "mine"
    code, _, err = run(capfd, "export", project_file, "--format", "csv", "-o", out, "--force")
    assert code == EXIT_OK, err
    assert out.read_text(encoding="utf-8").startswith("phrase,start,end,time,")


def test_a_project_without_frame_rate_is_one_error_line(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    project = sample_project()
    assert project.video is not None
    path = tmp_path / "no-fps.narrlocal"
    save_project(replace(project, video=replace(project.video, fps=None)), path)
    out = tmp_path / "boxes.xml"
    code, _, err = run(capfd, "export", path, "--format", "cvat", "-o", out)
    assert code == EXIT_USER_ERROR
    assert_one_error_line(err)
    assert "frame rate" in err
    assert not out.exists()


def test_an_unknown_format_is_refused(
    capfd: pytest.CaptureFixture[str], project_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "boxes.yolo"
    code, _, err = run(capfd, "export", project_file, "--format", "yolo", "-o", out)
    assert code == EXIT_USER_ERROR
    assert "Traceback" not in err
    assert not out.exists()
