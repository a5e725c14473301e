"""The window's preflight: one sentence instead of Qt's abort when no window can open."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from narrlocal_gui.ui.display_check import display_problem, load_error_sentence, xcb_plugin


def test_no_display_is_named() -> None:
    problem = display_problem({}, platform="linux")
    assert problem is not None and "DISPLAY" in problem


def test_other_platforms_and_wayland_are_left_to_qt() -> None:
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, platform="linux") is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, platform="linux") is None
    assert display_problem({}, platform="win32") is None
    assert display_problem({}, platform="darwin") is None


def test_a_missing_library_is_named_with_its_package(tmp_path: Path) -> None:
    # A plugin that needs a library this machine lacks: the loader's own message is parsed.
    source = tmp_path / "needs.c"
    source.write_text("int f(void) { return 0; }\n")
    missing = tmp_path / "libnarrlocal-absent.so.0"
    plugin = tmp_path / "libqxcb.so"
    try:
        subprocess.run(["cc", "-shared", "-fPIC", "-o", str(missing), str(source)], check=True)
        subprocess.run(
            [
                "cc",
                "-shared",
                "-fPIC",
                "-o",
                str(plugin),
                str(source),
                f"-L{tmp_path}",
                "-Wl,--no-as-needed",
                "-l:libnarrlocal-absent.so.0",
            ],
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        import pytest

        pytest.skip("no C compiler to build a plugin with a missing dependency")
    missing.unlink()  # now the plugin's dependency cannot be found
    problem = display_problem({"DISPLAY": ":0"}, plugin=plugin, platform="linux")
    assert problem is not None
    assert "libnarrlocal-absent.so.0" in problem and "is missing" in problem


def test_a_known_library_names_its_package() -> None:
    error = "libxcb-cursor.so.0: cannot open shared object file: No such file or directory"
    sentence = load_error_sentence(error)
    assert "libxcb-cursor.so.0" in sentence and "apt-get install libxcb-cursor0" in sentence
    assert "cannot be loaded (odd)" in load_error_sentence("odd")


def test_the_installed_plugin_is_found() -> None:
    if sys.platform.startswith("linux"):
        plugin = xcb_plugin()
        assert plugin is not None and plugin.name == "libqxcb.so"


def test_the_application_exits_with_the_sentence_without_a_display() -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
    done = subprocess.run(
        [sys.executable, "-m", "narrlocal_gui", "--demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith("narrlocal-gui: no display") and "Traceback" not in done.stderr
