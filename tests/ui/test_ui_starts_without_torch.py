"""The window's modules import without torch (checked in tests/ui/: it needs PySide6)."""

from __future__ import annotations

from tests.test_layering import PACKAGE, TORCH_AT_IMPORT, _blocked_interpreter, _module_name


def test_the_gui_starts_without_torch() -> None:
    # Every ui module, as the GUI imports them at start-up, with torch blocked: none of them
    # may reach a module of TORCH_AT_IMPORT (torch is imported by the workers, lazily).
    modules = sorted(
        _module_name(p) for p in (PACKAGE / "ui").rglob("*.py") if p.name != "__main__.py"
    )
    out = _blocked_interpreter(
        ("torch",),
        "import os\nos.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')\n"
        f"for m in {modules!r}:\n    importlib.import_module(m)\n"
        "assert 'narrlocal_gui.ui.main_window' in sys.modules\n"
        f"assert not set(sys.modules) & set({sorted(TORCH_AT_IMPORT)!r})\n"
        "print('ok')\n",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
