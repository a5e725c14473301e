"""The CoMMA checkpoint that ships with the application, checked before it is used.

``resources/comma-synth.pt`` was trained self-supervised (narration only, no boxes) on clips
of ``narrlocal synth``; ``resources/comma-synth.json`` records the exact commands, the data
and its measured pointing accuracy (docs/training.md, "The shipped checkpoint"). Like the
encoders' weights it is compared with a pinned size and sha256 before torch reads it, so a
damaged or swapped file is refused with a clear message instead of being run.

The training-free bridge stays the default method: on the real clips of public.json this
model does not beat it (the measured figures are in the JSON file and the README).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from narrlocal_gui.localizer.encoders.weights import WeightsError, check_pinned
from narrlocal_gui.resources_path import resources_dir

__all__ = ["SHIPPED_NAME", "shipped_checkpoint", "shipped_info"]

SHIPPED_NAME = "comma-synth.pt"
SHIPPED_INFO = "comma-synth.json"
SHIPPED_SHA256 = "5db5436868f34a7311d7c227c7e95b69aba2d5aaac1eb06e652117c45680314e"
SHIPPED_SIZE = 427_337

_ADVICE = "reinstall NarrLocal (or restore the file from its repository)."


def shipped_checkpoint() -> Path:
    """The verified path of the shipped checkpoint; :class:`WeightsError` when it is
    missing or not the file this version was measured with."""
    return check_pinned(
        resources_dir() / SHIPPED_NAME,
        size=SHIPPED_SIZE,
        sha256=SHIPPED_SHA256,
        what="The built-in CoMMA model",
        advice=_ADVICE,
    )


def shipped_info() -> dict[str, Any]:
    """What ``resources/comma-synth.json`` says of the shipped checkpoint (commands, data,
    accuracy)."""
    path = resources_dir() / SHIPPED_INFO
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise WeightsError(
            f"The built-in model's description {path} is unreadable ({exc})."
        ) from None
    if not isinstance(data, dict):
        raise WeightsError(f"The built-in model's description {path} is not a JSON object.")
    return data
