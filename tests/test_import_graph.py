"""Who may import whom, and no import cycles: the rules of docs/architecture.md, checked.

Every import counts, wherever it is written (inside a function, under TYPE_CHECKING): an
import hidden in a function still ties the two modules together, and a cycle hidden that
way is what made modules impossible to read one at a time.
"""

from __future__ import annotations

import ast
import graphlib
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "narrlocal_gui"
ARCHITECTURE = PACKAGE.parent / "docs" / "architecture.md"
NAME = PACKAGE.name

# The parts of the package (a subpackage, or a module at the top) and the parts each may
# import. Lower layers first; a part missing here fails test_every_part_has_a_rule.
_BASE = ("errors", "progress")
# What the two front ends (the command line and the window) build on.
_ENGINES = (
    *_BASE,
    *("core", "media", "render", "narration", "localizer", "export", "demo"),
    *("file_hash", "resources_path"),
)
MAY_IMPORT: dict[str, frozenset[str]] = {
    "errors": frozenset(),
    "progress": frozenset(),
    "file_hash": frozenset(),
    "resources_path": frozenset(),
    "core": frozenset(_BASE),
    "media": frozenset({*_BASE, "core"}),
    "render": frozenset({*_BASE, "core"}),
    "narration": frozenset({*_BASE, "core", "media", "file_hash"}),
    "localizer": frozenset({*_BASE, "core", "media", "narration", "file_hash", "resources_path"}),
    "synth": frozenset({*_BASE, "core", "media", "narration", "localizer"}),
    "export": frozenset({*_BASE, "core", "media", "render"}),
    "demo": frozenset({*_BASE, "core", "media"}),
    "cli": frozenset({*_ENGINES, "synth"}),
    "ui": frozenset(_ENGINES),
    "__main__": frozenset({"ui"}),
}


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imported(module: str, path: Path) -> set[str]:
    """The package's modules that ``module`` imports, resolved to module names."""
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.add(sub if sub in MODULES else base)
    # Importing a package's own __init__ from inside it is how Python runs a package.
    return {
        t
        for t in targets
        if t in MODULES and t != NAME and t != module and not module.startswith(t + ".")
    }


GRAPH = {m: _imported(m, p) for m, p in MODULES.items()}


def _part(module: str) -> str:
    return module.split(".")[1]


def test_every_part_has_a_rule() -> None:
    parts = {_part(m) for m in MODULES if m != NAME}
    assert parts <= MAY_IMPORT.keys(), f"no layering rule for {sorted(parts - MAY_IMPORT.keys())}"


@pytest.mark.parametrize("part", sorted(MAY_IMPORT))
def test_a_part_imports_only_what_its_layer_may(part: str) -> None:
    wrong = sorted(
        f"{m} imports {t}"
        for m, targets in GRAPH.items()
        if m != NAME and _part(m) == part
        for t in targets
        if _part(t) != part and _part(t) not in MAY_IMPORT[part]
    )
    assert not wrong, "\n".join(wrong)


def test_the_rules_themselves_have_no_cycle() -> None:
    # static_order() is lazy: a cycle is only found while it is consumed.
    tuple(
        graphlib.TopologicalSorter(
            {part: set(allowed) for part, allowed in MAY_IMPORT.items()}
        ).static_order()
    )


def test_no_import_cycle_between_modules() -> None:
    try:
        tuple(graphlib.TopologicalSorter(GRAPH).static_order())
    except graphlib.CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(error.args[1])}")


def test_the_architecture_doc_states_these_rules() -> None:
    # docs/architecture.md has one table row per part: | `part` | `a`, `b` |
    text = ARCHITECTURE.read_text(encoding="utf-8")
    stated: dict[str, frozenset[str]] = {}
    for row in re.finditer(r"^\| `([\w_]+)` \| ([^|]*)\|", text, re.MULTILINE):
        stated[row.group(1)] = frozenset(re.findall(r"`([\w_]+)`", row.group(2)))
    assert stated == MAY_IMPORT
