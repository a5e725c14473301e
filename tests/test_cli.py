"""The ``narrlocal`` command line: its subcommands, its exit codes, and that every failure a
user can cause is one readable line on stderr, never a traceback."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from narrlocal_gui import __version__, demo
from narrlocal_gui.cli.arguments import seconds_type
from narrlocal_gui.cli.main import COMMANDS, main
from narrlocal_gui.core.project_io import load_project
from narrlocal_gui.core.visibility import visible_indicators
from tests.media_factory import make_counter_clip, make_rotated_clip, make_truncated_clip
from tests.test_demo import shared_demo_project

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_demo_project(tmp_path_factory)


@pytest.fixture(scope="session")
def clip(demo_path: Path) -> Path:
    return demo_path.parent / demo.VIDEO_NAME


@pytest.fixture
def demo_copy(demo_path: Path, tmp_path: Path) -> Path:
    """A private copy of the demo folder, for tests that change or add files."""
    folder = tmp_path / "copy"
    shutil.copytree(demo_path.parent, folder)
    return folder / demo.PROJECT_NAME


def run(capfd: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    """``main`` in-process; capfd (not capsys) so FFmpeg's own stderr would be seen too."""
    code = main([str(a) for a in argv])
    out, err = capfd.readouterr()
    return code, out, err


def assert_one_error_line(err: str) -> None:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("narrlocal: error: ")
    assert "Traceback" not in err


def run_subprocess(*argv: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "narrlocal_gui.cli.main", *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={**os.environ, **env},
    )


# --------------------------------------------------------------------------------------------
# help, version, usage
# --------------------------------------------------------------------------------------------
def test_help_lists_the_subcommands(capfd: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capfd, "--help")
    assert code == 0
    names = [
        "info",
        "demo",
        "check",
        "frame",
        "transcribe",
        "align",
        "localize",
        "export",
        "search",
        "synth",
        "train",
        "eval",
    ]
    for name in names:
        assert name in out
    assert [c.name for c in COMMANDS] == names


def test_version(capfd: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capfd, "--version")
    assert code == 0
    assert out.strip() == f"narrlocal {__version__}"


@pytest.mark.parametrize(
    "argv",
    [[], ["nonsense"], ["frame", "x.mp4"], ["frame", "x.mp4", "-t", "-1", "-o", "a.png"]],
)
def test_usage_errors_exit_2(capfd: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, _, err = run(capfd, *argv)
    assert code == 2
    assert "usage: narrlocal" in err
    assert "Traceback" not in err


def test_help_in_a_subprocess_loads_neither_qt_nor_torch_nor_numpy() -> None:
    done = run_subprocess("--help")
    assert done.returncode == 0, done.stderr
    assert "check" in done.stdout and done.stderr == ""
    code = (
        "import sys\n"
        "from narrlocal_gui.cli.main import main\n"
        "code = main(['--help'])\n"
        "names = ('PySide6', 'torch', 'numpy', 'av', 'cv2')\n"
        "heavy = sorted(m for m in names if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy))\n"
        "raise SystemExit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "HEAVY="


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("12.5", 12.5),
        ("0", 0.0),
        ("1:02.5", 62.5),
        ("1:00:01", 3601.0),
        (" 3 ", 3.0),
        ("1e3", 1000.0),
        ("0:75", 75.0),
    ],
)
def test_seconds_type(text: str, seconds: float) -> None:
    assert seconds_type()(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "not a time"),
        ("abc", "not a time"),
        ("1::2", "not a time"),
        ("1:2:3:4", "not a time"),
        ("nan", "not a time"),
        ("inf", "not a time"),
        ("1:-5", "not a time"),
        ("-0.5:45", "not a time"),
        ("-1", "must be 0 seconds or more, not '-1'"),
    ],
)
def test_seconds_type_rejects(text: str, reason: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=reason):
        seconds_type()(text)


def test_seconds_type_bounds() -> None:
    bounded = seconds_type(4.0, 600.0)
    assert bounded("4") == 4.0
    assert bounded("10:00") == 600.0
    for text in ("3.9", "600.5", "10:01", "-5"):
        with pytest.raises(
            argparse.ArgumentTypeError, match=f"must be 4 to 600 seconds, not '{text}'"
        ):
            bounded(text)


# --------------------------------------------------------------------------------------------
# info
# --------------------------------------------------------------------------------------------
def test_info_text(capfd: pytest.CaptureFixture[str], clip: Path) -> None:
    code, out, err = run(capfd, "info", clip)
    assert code == 0, err
    assert err == ""
    assert out.splitlines()[0] == str(clip)
    for expected in ("video", "960 x 540", "25 fps", "h264", "aac, 48000 Hz", "frames"):
        assert expected in out


def test_info_json(capfd: pytest.CaptureFixture[str], clip: Path) -> None:
    code, out, _ = run(capfd, "info", "--json", clip)
    assert code == 0
    doc = json.loads(out)
    assert doc["kind"] == "video"
    assert (doc["width"], doc["height"]) == (960, 540)
    assert doc["fps"] == pytest.approx(25.0)
    assert doc["frame_count"] == round(doc["duration"] * 25)
    assert doc["has_audio"] is True and doc["audio_codec"] == "aac"
    assert doc["rotation"] == 0
    assert doc["size_bytes"] == clip.stat().st_size
    assert Path(doc["path"]) == clip


def test_info_names_a_truncated_file(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cut = make_truncated_clip(tmp_path / "cut.mp4", keep_fraction=0.5, n_frames=120)
    code, out, _ = run(capfd, "info", cut)
    assert code == 0
    assert "incomplete" in out and "truncated" in out
    code, out, _ = run(capfd, "info", "--json", cut)
    doc = json.loads(out)
    assert doc["truncated"] is True and doc["declared_duration"] > doc["duration"]


def test_info_on_a_silent_rotated_clip(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = make_rotated_clip(
        tmp_path / "turned.mp4", rotation=90, n_frames=12, fps=24, with_audio=False
    )
    code, out, _ = run(capfd, "info", path)
    assert code == 0
    assert "audio        none" in out
    assert "96 x 160 px" in out  # the display size, after turning
    assert "turned 90 degrees" in out
    code, out, _ = run(capfd, "info", "--json", path)
    doc = json.loads(out)
    assert (doc["rotation"], doc["has_audio"], doc["frame_count"]) == (90, False, 12)
    assert doc["audio_codec"] is None


def test_info_and_frame_on_an_image(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    image = tmp_path / "still.png"
    Image.fromarray(np.full((40, 60, 3), (10, 200, 30), np.uint8)).save(image)
    code, out, _ = run(capfd, "info", image)
    assert code == 0
    assert "image" in out and "60 x 40 px" in out and "duration" not in out
    out_png = tmp_path / "copy.png"
    code, _, err = run(capfd, "frame", image, "-t", "0", "-o", out_png)
    assert code == 0, err
    assert tuple(np.asarray(Image.open(out_png))[20, 30]) == (10, 200, 30)


def test_info_on_a_small_clip(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = make_counter_clip(tmp_path / "count.mp4", n_frames=30, fps=30, with_audio=True)
    code, out, _ = run(capfd, "info", "--json", path)
    assert code == 0
    doc = json.loads(out)
    assert doc["frame_count"] == 30 and doc["duration"] == pytest.approx(1.0, abs=0.01)
    assert (doc["width"], doc["height"]) == (160, 96)


def _bad_media(tmp_path: Path, kind: str) -> Path:
    if kind == "missing":
        return tmp_path / "nothing here.mp4"
    if kind == "folder":
        folder = tmp_path / "a folder.mp4"
        folder.mkdir()
        return folder
    path = tmp_path / f"{kind}.mp4"
    path.write_bytes(b"" if kind == "empty" else b"just some text, not a video\n" * 40)
    return path


@pytest.mark.parametrize("kind", ["missing", "empty", "text", "folder"])
def test_info_on_bad_input_is_one_line_and_exit_2(
    capfd: pytest.CaptureFixture[str], tmp_path: Path, kind: str
) -> None:
    path = _bad_media(tmp_path, kind)
    code, out, err = run(capfd, "info", path)
    assert code == 2
    assert out == ""
    assert_one_error_line(err)
    assert path.name in err


def test_info_on_a_text_file_in_a_subprocess_prints_one_line(tmp_path: Path) -> None:
    # A real process, so anything FFmpeg writes straight to the terminal is seen as well.
    done = run_subprocess("info", _bad_media(tmp_path, "text"))
    assert done.returncode == 2
    assert done.stdout == ""
    assert_one_error_line(done.stderr)


# --------------------------------------------------------------------------------------------
# check
# --------------------------------------------------------------------------------------------
def test_check_the_demo(capfd: pytest.CaptureFixture[str], demo_path: Path) -> None:
    code, out, err = run(capfd, "check", demo_path)
    assert code == 0, out + err
    assert "found" in out and "MISSING" not in out
    assert "phrases     8" in out
    for style in ("box 2", "brighten 1", "tint 1", "darken 1", "grayscale 1", "spotlight 1"):
        assert style in out
    assert "heatmap 1" in out
    assert "OK: no problems found." in out


def test_check_reports_a_missing_video_with_exit_1(
    capfd: pytest.CaptureFixture[str], demo_copy: Path
) -> None:
    (demo_copy.parent / demo.VIDEO_NAME).unlink()
    # The absolute fallback would find the session's copy; point it nowhere.
    doc = json.loads(demo_copy.read_text(encoding="utf-8"))
    doc["video"]["absolute_path"] = str(demo_copy.parent / "gone.mp4")
    demo_copy.write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = run(capfd, "check", demo_copy)
    assert code == 1
    assert "MISSING" in out and "problem" in out
    assert err == ""


@pytest.mark.parametrize("damage", ["corrupt", "newer", "empty", "not a project"])
def test_check_on_a_bad_project_is_one_line_and_exit_2(
    capfd: pytest.CaptureFixture[str], demo_copy: Path, damage: str
) -> None:
    text = demo_copy.read_text(encoding="utf-8")
    if damage == "corrupt":
        demo_copy.write_text(text[: len(text) // 2], encoding="utf-8")
    elif damage == "newer":
        doc = json.loads(text)
        doc["version"] = 99
        demo_copy.write_text(json.dumps(doc), encoding="utf-8")
    elif damage == "empty":
        demo_copy.write_text("", encoding="utf-8")
    else:
        demo_copy.write_text('{"hello": "world"}', encoding="utf-8")
    code, _, err = run(capfd, "check", demo_copy)
    assert code == 2
    assert_one_error_line(err)
    if damage == "newer":
        assert "newer NarrLocal" in err


def test_check_on_a_missing_project(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capfd, "check", tmp_path / "nope.narrlocal")
    assert code == 2
    assert_one_error_line(err)


# --------------------------------------------------------------------------------------------
# frame
# --------------------------------------------------------------------------------------------
def _cup_box(demo_path: Path, t: float) -> tuple[int, int, int, int, tuple[int, int, int]]:
    project = load_project(demo_path)
    (visible,) = [v for v in visible_indicators(project, t) if v.style.value == "box"]
    assert visible.box is not None
    b = visible.box
    return round(b.x1), round(b.y1), round(b.x2), round(b.y2), visible.color


def test_frame_draws_the_indicator(
    capfd: pytest.CaptureFixture[str], demo_path: Path, tmp_path: Path
) -> None:
    out_png = tmp_path / "frame.png"
    code, out, err = run(capfd, "frame", demo_path, "--time", "1.5", "-o", out_png)
    assert code == 0, err
    assert out.strip() == str(out_png)
    image = np.asarray(Image.open(out_png).convert("RGB"))
    assert image.shape == (540, 960, 3)
    x1, y1, x2, y2, color = _cup_box(demo_path, 1.5)
    mid_y, mid_x = (y1 + y2) // 2, (x1 + x2) // 2
    # The outline lies inside the box, its outer edge on the box edge.
    for y, x in ((mid_y, x1), (mid_y, x2 - 1), (y2 - 1, mid_x)):
        assert tuple(image[y, x]) == color

    plain = tmp_path / "plain.png"
    code, _, _ = run(capfd, "frame", demo_path, "-t", "0:01.5", "-o", plain, "--no-indicators")
    assert code == 0
    plain_image = np.asarray(Image.open(plain).convert("RGB"))
    assert tuple(plain_image[mid_y, x1]) != color
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files


def test_frame_of_plain_media_and_jpeg(
    capfd: pytest.CaptureFixture[str], clip: Path, tmp_path: Path
) -> None:
    out_jpg = tmp_path / "plain.jpg"
    code, _, err = run(capfd, "frame", clip, "-t", "10", "-o", out_jpg)
    assert code == 0, err
    with Image.open(out_jpg) as image:
        assert image.format == "JPEG" and image.size == (960, 540)


def test_frame_refuses_to_overwrite_without_force(
    capfd: pytest.CaptureFixture[str], demo_path: Path, tmp_path: Path
) -> None:
    out_png = tmp_path / "exists.png"
    out_png.write_bytes(b"precious")
    code, _, err = run(capfd, "frame", demo_path, "-t", "1", "-o", out_png)
    assert code == 2
    assert_one_error_line(err)
    assert "--force" in err
    assert out_png.read_bytes() == b"precious"
    code, _, err = run(capfd, "frame", demo_path, "-t", "1", "-o", out_png, "--force")
    assert code == 0, err
    assert out_png.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "problem", ["after the end", "bad suffix", "no folder", "output is a folder", "no video"]
)
def test_frame_errors(
    capfd: pytest.CaptureFixture[str], demo_copy: Path, tmp_path: Path, problem: str
) -> None:
    out_png = tmp_path / "out.png"
    time = "5"
    if problem == "after the end":
        time = "99"
    elif problem == "bad suffix":
        out_png = tmp_path / "out.gif"
    elif problem == "no folder":
        out_png = tmp_path / "missing" / "out.png"
    elif problem == "output is a folder":
        out_png.mkdir()
    else:
        (demo_copy.parent / demo.VIDEO_NAME).unlink()
        doc = json.loads(demo_copy.read_text(encoding="utf-8"))
        doc["video"]["absolute_path"] = str(tmp_path / "gone.mp4")
        demo_copy.write_text(json.dumps(doc), encoding="utf-8")
    code, _, err = run(capfd, "frame", demo_copy, "-t", time, "-o", out_png)
    assert code == 2
    assert_one_error_line(err)
    assert not out_png.is_file()


def test_non_ascii_paths_with_spaces(
    capfd: pytest.CaptureFixture[str], demo_path: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "Démo föld er" / "проект с пробелами"
    shutil.copytree(demo_path.parent, folder)
    project = folder.parent / "мой проект 1.narrlocal"
    (folder / demo.PROJECT_NAME).rename(project)
    video = folder / demo.VIDEO_NAME
    # The project's relative path must still lead to the clip from its new place.
    doc = json.loads(project.read_text(encoding="utf-8"))
    doc["video"]["path"] = f"{folder.name}/{demo.VIDEO_NAME}"
    doc["video"]["absolute_path"] = str(video)
    project.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

    renamed = folder / "vidéo d'essai ✓.mp4"
    shutil.copyfile(video, renamed)
    code, out, err = run(capfd, "info", renamed)
    assert code == 0, err
    assert str(renamed) in out
    code, out, err = run(capfd, "check", project)
    assert code == 0, out + err
    out_png = folder / "кадр 1.png"
    code, out, err = run(capfd, "frame", project, "-t", "1.5", "-o", out_png)
    assert code == 0, err
    assert out_png.is_file()


# --------------------------------------------------------------------------------------------
# demo
# --------------------------------------------------------------------------------------------
def _fake_build(demo_path: Path, calls: list[Path]) -> demo.Progress:
    def build(folder: Path, progress: demo.Progress | None = None) -> Path:
        calls.append(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name in (demo.VIDEO_NAME, demo.PROJECT_NAME):
            shutil.copyfile(demo_path.parent / name, folder / name)
        return folder / demo.PROJECT_NAME

    return build  # type: ignore[return-value]


def test_demo_into_a_folder(
    capfd: pytest.CaptureFixture[str],
    demo_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[Path] = []
    monkeypatch.setattr(demo, "build_demo_project", _fake_build(demo_path, calls))
    folder = tmp_path / "my demo"
    code, out, err = run(capfd, "demo", "-o", folder)
    assert code == 0, err
    assert out.strip() == str(folder / demo.PROJECT_NAME)
    # A second time the files exist: refused without --force, replaced with it.
    code, _, err = run(capfd, "demo", "-o", folder)
    assert code == 2
    assert_one_error_line(err)
    assert calls == [folder]
    code, _, err = run(capfd, "demo", "-o", folder, "--force")
    assert code == 0, err
    assert calls == [folder, folder]


def test_demo_into_a_file_is_refused(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    code, _, err = run(capfd, "demo", "-o", target)
    assert code == 2
    assert_one_error_line(err)


def test_demo_default_uses_the_cache(
    capfd: pytest.CaptureFixture[str],
    demo_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    calls: list[Path] = []
    monkeypatch.setattr(demo, "build_demo_project", _fake_build(demo_path, calls))
    code, out, err = run(capfd, "demo")
    assert code == 0, err
    assert Path(out.strip()) == demo.demo_cache_dir() / demo.PROJECT_NAME
    assert Path(out.strip()).is_relative_to(tmp_path / "cache")
    code, out2, _ = run(capfd, "demo")
    assert out2 == out and len(calls) == 1


# --------------------------------------------------------------------------------------------
# unexpected failures
# --------------------------------------------------------------------------------------------
def test_a_bug_is_one_line_and_a_logged_traceback(
    capfd: pytest.CaptureFixture[str],
    clip: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def broken(path: object) -> None:
        raise RuntimeError("something impossible\nhappened")

    monkeypatch.setattr("narrlocal_gui.media.probe.probe", broken)
    code, _, err = run(capfd, "info", clip)
    assert code == 70
    assert_one_error_line(err)
    assert "RuntimeError: something impossible happened" in err
    logs = list((tmp_path / "state").rglob("*.log"))
    assert len(logs) == 1 and f"(details in {logs[0]})" in err
    assert "Traceback" in logs[0].read_text(encoding="utf-8")


def test_ctrl_c_exits_130_quietly(
    capfd: pytest.CaptureFixture[str], clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(path: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("narrlocal_gui.media.probe.probe", interrupted)
    code, out, err = run(capfd, "info", clip)
    assert code == 130
    assert out == "" and err == ""


def test_an_os_error_is_one_line(
    capfd: pytest.CaptureFixture[str], clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(path: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("narrlocal_gui.media.probe.probe", denied)
    code, _, err = run(capfd, "info", clip)
    assert code == 2
    assert_one_error_line(err)
    assert "Permission denied" in err and str(clip) in err


# --------------------------------------------------------------------------------------------
# resources and the desktop integration (packaging/)
# --------------------------------------------------------------------------------------------
def test_resources_are_found_in_the_checkout_and_in_a_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from narrlocal_gui import resources_path

    assert resources_path.resources_dir() == REPO / "resources"
    assert resources_path.icon_path().is_file()
    assert resources_path.icon_svg_path().is_file()
    with Image.open(resources_path.icon_path()) as icon:
        assert icon.size == (256, 256)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources_path.resources_dir() == tmp_path / "resources"


def test_desktop_entry_lists_the_project_type() -> None:
    entry = (REPO / "packaging" / "narrlocal.desktop").read_text(encoding="utf-8")
    keys = dict(line.split("=", 1) for line in entry.splitlines() if "=" in line)
    assert keys["Exec"] == "narrlocal-gui %f"
    assert keys["Icon"] == "narrlocal" and keys["Terminal"] == "false"
    assert "application/x-narrlocal-project" in keys["MimeType"].split(";")
    mime = (REPO / "packaging" / "narrlocal-mime.xml").read_text(encoding="utf-8")
    assert 'type="application/x-narrlocal-project"' in mime and "*.narrlocal" in mime


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_install_desktop_entry_is_idempotent_and_quotes_exec(tmp_path: Path) -> None:
    script = REPO / "packaging" / "install-desktop-entry.sh"
    data = tmp_path / "data share"
    program = tmp_path / "my $apps" / "narrlocal-gui"
    program.parent.mkdir()
    program.write_text("#!/bin/sh\n", encoding="utf-8")
    program.chmod(0o755)
    env = {**os.environ, "XDG_DATA_HOME": str(data)}
    for _ in range(2):
        done = subprocess.run(
            ["bash", str(script), "--exec", str(program)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
    entry = (data / "applications" / "narrlocal.desktop").read_text(encoding="utf-8")
    # "$" is escaped for the Exec command line, and the backslash once more for the file.
    assert f'Exec="{tmp_path}/my \\\\$apps/narrlocal-gui" %f' in entry.splitlines()
    assert (data / "icons/hicolor/scalable/apps/narrlocal.svg").is_file()
    assert (data / "icons/hicolor/256x256/apps/narrlocal.png").is_file()
    assert (data / "mime/packages/narrlocal.xml").is_file()
    # No temporary file left beside the entry (the desktop database may add its cache).
    assert not list((data / "applications").glob("narrlocal.desktop.*"))
    done = subprocess.run(
        ["bash", str(script), "--uninstall"], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert not (data / "applications" / "narrlocal.desktop").exists()
