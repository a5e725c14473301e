"""The layering rules of DESIGN.md, checked rather than trusted."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "narrlocal_gui"
QT_FREE = ("core", "media", "narration", "localizer", "render", "export")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _non_ui_modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "ui" not in p.relative_to(PACKAGE).parts]


@pytest.mark.parametrize("path", _non_ui_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_qt_outside_ui(path: Path) -> None:
    qt = {n for n in _imports(path) if n.split(".")[0] in ("PySide6", "shiboken6")}
    assert not qt, f"{path} imports {qt}"


@pytest.mark.parametrize("path", _non_ui_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_torch_only_in_the_localizer(path: Path) -> None:
    if "localizer" in path.relative_to(PACKAGE).parts:
        return
    assert "torch" not in {n.split(".")[0] for n in _imports(path)}


def test_everything_outside_ui_imports_without_qt_or_torch() -> None:
    # A fresh interpreter where PySide6 and torch cannot be imported at all.
    modules = sorted(
        ".".join(("narrlocal_gui", *p.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(
            ".__init__"
        )
        for p in _non_ui_modules()
        if p.name != "__main__.py"
    )
    code = (
        "import importlib, importlib.abc, sys\n"
        "class B(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'shiboken6', 'torch'):\n"
        "            raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, B())\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
