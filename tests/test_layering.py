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


#: The modules that import torch when they are imported, all inside the localizer. Everything
#: else imports it only inside functions, when a model is needed (see the next tests).
TORCH_AT_IMPORT = frozenset(
    {
        "narrlocal_gui.localizer.model.network",
        "narrlocal_gui.localizer.model.checkpoints",
    }
)


def _module_name(path: Path) -> str:
    parts = ("narrlocal_gui", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts).removesuffix(".__init__")


def _import_time_imports(path: Path) -> set[str]:
    """What a module imports when it is imported: its top-level statements, not the bodies
    of its functions and not ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                names.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.If):
                if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try | ast.With):
                visit(node.body)

    visit(tree.body)
    return names


def test_the_modules_that_import_torch_are_named_and_in_the_localizer() -> None:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    found = set()
    for name, path in modules.items():
        imported = _import_time_imports(path)
        if any(n.split(".")[0] == "torch" for n in imported) or imported & TORCH_AT_IMPORT:
            found.add(name)
    # Transitively: a module importing one of these at import time imports torch too.
    assert found == TORCH_AT_IMPORT, f"import torch at import: {sorted(found)}"
    assert all(name.startswith("narrlocal_gui.localizer.") for name in TORCH_AT_IMPORT)


def _blocked_interpreter(blocked: tuple[str, ...], body: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import importlib, importlib.abc, sys\n"
        "class B(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        f"        if name.split('.')[0] in {blocked!r}:\n"
        "            raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, B())\n" + body
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_everything_else_outside_ui_imports_without_qt_or_torch() -> None:
    # A fresh interpreter where PySide6 and torch cannot be imported at all.
    modules = sorted(
        _module_name(p)
        for p in _non_ui_modules()
        if p.name != "__main__.py" and _module_name(p) not in TORCH_AT_IMPORT
    )
    out = _blocked_interpreter(
        ("PySide6", "shiboken6", "torch"),
        f"for m in {modules!r}:\n    importlib.import_module(m)\nprint('ok')\n",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
