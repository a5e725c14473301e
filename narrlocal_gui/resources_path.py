"""Where the application's resource files (icon, ...) are, however NarrLocal was installed.

The files live in the top-level ``resources/`` folder of the repository. In a source or
editable checkout that is next to this package; in the PyInstaller bundle the spec copies it
to ``resources/`` under the bundle's data folder, ``sys._MEIPASS``; a regular wheel installs
it as data files under ``<prefix>/share/narrlocal/resources`` (see pyproject.toml).
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["icon_path", "icon_svg_path", "resources_dir"]


def resources_dir() -> Path:
    """The ``resources/`` folder: the bundle's copy when frozen, else the checkout's."""
    bundle = getattr(sys, "_MEIPASS", None)
    if isinstance(bundle, str):
        return Path(bundle) / "resources"
    checkout = Path(__file__).resolve().parent.parent / "resources"
    if checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "narrlocal" / "resources"


def icon_path() -> Path:
    """The application icon as a 256 px PNG: readable by Qt without the SVG image plugin,
    which the bundle may leave out."""
    return resources_dir() / "icon-256.png"


def icon_svg_path() -> Path:
    """The application icon as SVG, for sharp rendering at any size where SVG is supported."""
    return resources_dir() / "icon.svg"
