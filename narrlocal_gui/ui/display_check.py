"""Why the window could not open, found before Qt aborts the process over it.

On Linux, Qt's xcb platform plugin needs a dozen X libraries that a minimal system lacks
(libxcb-cursor0 above all, since Qt 6.5). When one is missing, ``QApplication()`` prints a
paragraph and aborts with a core dump: nothing Python can catch. Loading the plugin with the
dynamic loader first tells which library is missing, so the user gets one sentence naming
the package to install instead.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
from pathlib import Path

#: Debian/Ubuntu package of each library Qt's xcb plugin loads, for the message.
_DEBIAN_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
}


def xcb_plugin() -> Path | None:
    """The xcb platform plugin of the installed PySide6, if it has one."""
    try:
        import PySide6
    except ImportError:
        return None
    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


def display_problem(
    environ: os._Environ[str] | dict[str, str] | None = None,
    plugin: Path | None = None,
    platform: str = sys.platform,
) -> str | None:
    """One sentence on why no window can open here, or None when nothing is known wrong.

    Only the X11 case is checked: another platform (``QT_QPA_PLATFORM``, Wayland) or another
    operating system is left to Qt.
    """
    env = os.environ if environ is None else environ
    if not platform.startswith("linux"):
        return None
    requested = env.get("QT_QPA_PLATFORM", "")
    if requested and not requested.startswith("xcb"):
        return None
    if not requested and env.get("WAYLAND_DISPLAY"):
        return None
    if not env.get("DISPLAY"):
        return (
            "no display to open a window on (DISPLAY is not set); run it in a desktop "
            "session, or use the command line tool 'narrlocal'"
        )
    plugin = xcb_plugin() if plugin is None else plugin
    if plugin is None:
        return None
    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        return load_error_sentence(str(exc))
    return None


def load_error_sentence(error: str) -> str:
    """The user's sentence for the dynamic loader's ``error`` on loading the plugin."""
    match = re.search(r"([\w.+-]+\.so[.\d]*): cannot open shared object file", error)
    if match is None:
        return f"the window system library cannot be loaded ({error})"
    library = match.group(1)
    package = _DEBIAN_PACKAGES.get(library)
    fix = f" (on Debian or Ubuntu: apt-get install {package})" if package else ""
    return f"the system library {library}, which Qt needs to open a window, is missing{fix}"
