"""Reading and writing CoMMA checkpoints: the config, the weights and plain metadata in one
file, read back with ``weights_only`` (no code runs). Imports torch."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.localizer.model.config import CommaConfig
from narrlocal_gui.localizer.model.network import CommaModel

__all__ = [
    "CHECKPOINT_FORMAT",
    "CHECKPOINT_VERSION",
    "CheckpointError",
    "load_checkpoint",
    "save_checkpoint",
]

CHECKPOINT_FORMAT = "narrlocal-comma"
CHECKPOINT_VERSION = 1


class CheckpointError(UserFacingError):
    """A CoMMA checkpoint that is missing, damaged or not a CoMMA checkpoint."""


def save_checkpoint(
    model: CommaModel, path: str | os.PathLike[str], *, meta: Mapping[str, Any] | None = None
) -> Path:
    """Write the config, the weights (on the CPU) and ``meta`` (plain values) atomically."""
    target = Path(path)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    payload = {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "config": model.config.to_dict(),
        "state_dict": state,
        "meta": dict(meta or {}),
    }
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(payload, fh)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def load_checkpoint(path: str | os.PathLike[str], *, device: str = "cpu") -> CommaModel:
    """Read a checkpoint written by :func:`save_checkpoint` (weights only: no code runs).

    Returns the model in eval mode. Anything wrong raises :class:`CheckpointError`.
    """
    source = Path(path)
    if not source.is_file():
        raise CheckpointError(f"The checkpoint '{source}' does not exist.")
    try:
        payload = torch.load(source, map_location=device, weights_only=True)
    except Exception as exc:  # torch.load fails in many ways on bad bytes (struct.error, ...)
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise CheckpointError(
            f"'{source}' is not a readable CoMMA checkpoint ({reason})."
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"'{source}' is not a NarrLocal CoMMA checkpoint.")
    if payload.get("version") != CHECKPOINT_VERSION:
        raise CheckpointError(
            f"'{source}' is a version {payload.get('version')!r} CoMMA checkpoint; this NarrLocal "
            f"reads version {CHECKPOINT_VERSION}."
        )
    try:
        config = CommaConfig.from_dict(payload["config"])
        model = CommaModel(config, seed=0, device="cpu")
        model.load_state_dict(payload["state_dict"])
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        reason = " ".join(str(exc).split())[:200]
        raise CheckpointError(f"'{source}' holds a damaged CoMMA model ({reason}).") from None
    return model.to(device).eval()
