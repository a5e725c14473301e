#!/usr/bin/env bash
# Installs NarrLocal with its development tools into ./.venv, then runs the checks:
# lint, format, types (the Qt-free packages) and the test suite (Qt offscreen).
# Extra arguments go to pytest, e.g. scripts/test.sh -k clock
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m mypy
.venv/bin/python -m pytest "$@"
