#!/usr/bin/env bash
# Creates ./.venv and installs NarrLocal into it.
#   scripts/setup.sh          the application
#   scripts/setup.sh --dev    the application and the test/lint tools
# torch goes in first and pinned: a bare `torch` requirement would pull several GB of CUDA
# packages onto machines without an NVIDIA GPU. Where `nvidia-smi` sees a GPU, the default
# (CUDA) build is installed; elsewhere a CPU build: a local wheel when pip's find-links offers
# one, otherwise PyTorch's CPU index.
set -euo pipefail
cd "$(dirname "$0")/.."

TORCH_VERSION="2.13.0"
PYTHON="${PYTHON:-python3}"
extras=""
[[ "${1:-}" == "--dev" ]] && extras="[dev]"

if [[ ! -x .venv/bin/python ]]; then
    "$PYTHON" -m venv .venv
fi
pip() { .venv/bin/python -m pip --disable-pip-version-check -q "$@"; }

if ! .venv/bin/python -c "import torch, sys; sys.exit(not torch.__version__.startswith('$TORCH_VERSION'))" 2>/dev/null; then
    if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
        pip install "torch==$TORCH_VERSION"
    elif [[ "$(uname -s)" == "Linux" ]]; then
        # "+cpu" names the CPU build exactly: a local wheel offered by pip's find-links, else
        # PyTorch's CPU index (its dependencies still come from PyPI).
        pip install "torch==$TORCH_VERSION+cpu" \
            || pip install "torch==$TORCH_VERSION+cpu" \
                --index-url https://download.pytorch.org/whl/cpu \
                --extra-index-url https://pypi.org/simple
    else
        pip install "torch==$TORCH_VERSION"
    fi
fi
pip install -e ".$extras"
echo "NarrLocal installed in .venv (python: .venv/bin/python)"
