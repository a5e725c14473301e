"""Suite-wide setup.

``NARRLOCAL_WITHOUT_QT=1`` makes PySide6 unimportable for the whole run, which proves
that everything outside ui/ works on a machine without Qt (run it with ``-p no:pytest-qt``;
the ui tests then skip themselves).
"""

from __future__ import annotations

import importlib.abc
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


class _BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: object, target: object = None) -> None:
        if name == "PySide6" or name.startswith("PySide6."):
            raise ModuleNotFoundError(f"{name} is blocked (NARRLOCAL_WITHOUT_QT=1)")
        return None


if os.environ.get("NARRLOCAL_WITHOUT_QT") == "1":
    sys.meta_path.insert(0, _BlockQt())


@pytest.fixture
def shared_media() -> Path:
    """The real clips and photos in ../shared/media; the test skips where they are absent."""
    media = SHARED / "media"
    if not media.is_dir():
        pytest.skip("../shared/media is not beside this checkout")
    return media


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests must never read or write the real user's cache, settings or logs.
    base = tmp_path_factory.getbasetemp() / "userdirs"
    for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        folder = base / var.lower()
        folder.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(var, str(folder))
