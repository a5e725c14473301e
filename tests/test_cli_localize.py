"""``narrlocal localize``: the whole pipeline headless into a project the GUI opens, and that
bad inputs are one line on stderr with exit code 2, leaving files alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from narrlocal_gui.cli.localize import default_project_path
from narrlocal_gui.cli.main import COMMANDS
from narrlocal_gui.core.model import Project
from narrlocal_gui.core.project_io import load_project
from tests.media_factory import make_counter_clip
from tests.test_cli import assert_one_error_line, run

SRT = """1
00:00:01,000 --> 00:00:03,000
Pick up the red cup and put it on the table.

2
00:00:05,500 --> 00:00:07,500
Now open the drawer.
"""


@pytest.fixture(scope="module")
def clip_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("localize")
    make_counter_clip(folder / "clip.mp4", n_frames=270, fps=30, size=(160, 96))
    (folder / "clip.srt").write_text(SRT, encoding="utf-8")
    return folder


def _check_project(project: Project, width: int, height: int) -> None:
    assert project.video is not None
    assert (project.video.width, project.video.height) == (width, height)
    assert project.video.duration and project.video.fps
    assert project.phrases
    for phrase in project.phrases:
        ind = project.indicator_for_phrase(phrase.id)
        assert ind is not None and ind.enabled is phrase.visual  # talk starts off
        assert ind.track and ind.heatmaps and ind.score is not None
        assert 0.0 <= ind.score <= 1.0
        for p in ind.track:
            assert not p.human
            assert 0 <= p.box.x1 < p.box.x2 <= width and 0 <= p.box.y1 < p.box.y2 <= height
        for h in ind.heatmaps:
            assert h.grid.dtype == np.float32 and h.grid.ndim == 2
        # Samples cover the phrase and its window (5 s by default), within the video.
        times = [p.time for p in ind.track]
        assert times[0] <= phrase.start + 0.5 and times[-1] >= min(
            phrase.end, project.video.duration - 1.0
        )
    assert len({i.color for i in project.indicators}) == min(len(project.indicators), 7)


def test_registered_after_align() -> None:
    names = [c.name for c in COMMANDS]
    assert names.index("localize") == names.index("align") + 1


def test_default_project_path() -> None:
    assert default_project_path(Path("/v/clip.mp4")) == Path("/v/clip.narrlocal")


def test_localize_with_a_subtitle_file(
    capfd: pytest.CaptureFixture[str], clip_folder: Path
) -> None:
    video = clip_folder / "clip.mp4"
    code, out, err = run(
        capfd, "localize", video, "--transcript", clip_folder / "clip.srt", "--method", "flow"
    )
    assert code == 0, err
    assert err == ""  # no progress when stderr is not a terminal
    target = clip_folder / "clip.narrlocal"
    assert len(out.splitlines()) == 1 and out.startswith(f"{target}: ")
    assert "x real time" in out and "with flow on CPU" in out
    project = load_project(target)
    texts = [p.text for p in project.phrases]
    assert len(texts) >= 2 and any("drawer" in t for t in texts)
    assert project.narration.source == "srt"
    _check_project(project, 160, 96)

    # A second run refuses to overwrite, then replaces with --force.
    before = target.read_bytes()
    code, _, err = run(capfd, "localize", video, "--transcript", clip_folder / "clip.srt")
    assert code == 2
    assert_one_error_line(err)
    assert "already exists" in err and "--force" in err
    assert target.read_bytes() == before
    out_path = clip_folder / "other.narrlocal"
    code, out, err = run(
        capfd,
        "localize",
        video,
        "--transcript",
        clip_folder / "clip.srt",
        "--method",
        "centre",
        "--window",
        "1",
        "-o",
        out_path,
        "--force",
    )
    assert code == 0, err
    project = load_project(out_path)
    _check_project(project, 160, 96)
    first = project.indicator_for_phrase(project.phrases[0].id)
    assert first is not None and max(p.time for p in first.track) <= project.phrases[0].end + 1.6


def test_localize_with_speech_recognition(
    capfd: pytest.CaptureFixture[str], shared_media: Path, tmp_path: Path
) -> None:
    video = shared_media / "narrated" / "speech_podium.mp4"
    if not video.is_file():
        pytest.skip("speech_podium.mp4 is absent")
    target = tmp_path / "podium.narrlocal"
    code, out, err = run(
        capfd, "localize", video, "--model", "tiny.en", "--device", "cpu", "-o", target
    )
    assert code == 0, err
    assert out.startswith(f"{target}: ") and "with bridge on CPU" in out
    project = load_project(target)
    assert project.narration.source == "asr:tiny.en"
    assert project.video is not None and Path(project.video.path).resolve() == video.resolve()
    _check_project(project, project.video.width or 0, project.video.height or 0)


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda f: ["localize", f / "missing.mp4"], "missing.mp4"),
        (lambda f: ["localize", f / "clip.mp4", "--transcript", f / "no.srt"], "no.srt"),
        (lambda f: ["localize", f / "clip.mp4", "--transcript", f], "folder"),
        (
            lambda f: ["localize", f / "clip.mp4", "--method", "magic", "-o", f / "x.narrlocal"],
            "magic",
        ),
        (
            lambda f: [
                "localize",
                f / "clip.mp4",
                "--method",
                "comma",
                "--checkpoint",
                f / "none.pt",
                "-o",
                f / "x.narrlocal",
            ],
            "none.pt",
        ),
        (
            lambda f: ["localize", f / "clip.mp4", "-o", f / "nowhere" / "x.narrlocal"],
            "does not exist",
        ),
        (lambda f: ["localize", f / "clip.mp4", "-o", f], "folder"),
    ],
)
def test_bad_inputs_are_one_line(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, clip_folder: Path, make_args, message: str
) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "clip.mp4").write_bytes((clip_folder / "clip.mp4").read_bytes())
    code, _, err = run(capfd, *make_args(folder))
    assert code == 2, err
    assert_one_error_line(err)
    assert message in err
    assert not (folder / "clip.narrlocal").exists() and not (folder / "x.narrlocal").exists()


def test_a_transcript_without_speech_is_refused(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, clip_folder: Path
) -> None:
    empty = tmp_path / "empty.srt"
    empty.write_text("", encoding="utf-8")
    code, _, err = run(
        capfd,
        "localize",
        clip_folder / "clip.mp4",
        "--transcript",
        empty,
        "-o",
        tmp_path / "x.narrlocal",
        "--method",
        "flow",
    )
    assert code == 2, err
    assert_one_error_line(err)
    assert not (tmp_path / "x.narrlocal").exists()


def test_window_must_be_a_number(capfd: pytest.CaptureFixture[str], clip_folder: Path) -> None:
    code, _, err = run(capfd, "localize", clip_folder / "clip.mp4", "--window", "-1")
    assert code == 2 and "usage: narrlocal" in err


def test_a_phrase_that_fails_is_skipped_with_a_warning_and_exit_1(
    capfd: pytest.CaptureFixture[str], clip_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from narrlocal_gui.localizer.methods.baselines import CentrePriorLocalizer

    real = CentrePriorLocalizer.localize

    def fail_on_drawer(self: CentrePriorLocalizer, clip: Any, phrase: str, **kw: Any) -> Any:
        if "drawer" in phrase:
            raise RuntimeError("decoder gave up")
        return real(self, clip, phrase, **kw)

    monkeypatch.setattr(CentrePriorLocalizer, "localize", fail_on_drawer)
    out_path = clip_folder / "skipped.narrlocal"
    code, out, err = run(
        capfd,
        "localize",
        clip_folder / "clip.mp4",
        "--transcript",
        clip_folder / "clip.srt",
        "--method",
        "centre",
        "-o",
        out_path,
    )
    assert code == 1
    assert err.splitlines() == [
        'narrlocal: warning: skipped "open the drawer": RuntimeError: decoder gave up'
    ]
    assert "1 skipped" in out
    project = load_project(out_path)
    localized = [p.text for p in project.phrases if project.indicator_for_phrase(p.id)]
    assert localized and not any("drawer" in t for t in localized)
