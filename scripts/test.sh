#!/usr/bin/env bash
# Installs NarrLocal with its development tools into ./.venv, then runs the checks:
# lint, format and types (the pre-commit hooks: ruff, ruff format, mypy strict on the whole
# package), then the test suite: everything outside tests/ui/ with PySide6 made unimportable
# (proof that the Qt-free layers need no Qt), then the Qt tests (offscreen).
# Extra arguments go to one pytest run instead, e.g. scripts/test.sh -k clock
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
export QT_QPA_PLATFORM=offscreen
.venv/bin/pre-commit run --all-files --show-diff-on-failure
if [[ $# -gt 0 ]]; then
    exec .venv/bin/python -m pytest "$@"
fi
NARRLOCAL_WITHOUT_QT=1 .venv/bin/python -m pytest -p no:pytest-qt --ignore=tests/ui
.venv/bin/python -m pytest tests/ui
