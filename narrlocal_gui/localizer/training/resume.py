"""The resume state of a training run: everything needed to continue at the very next step.

Saved beside the checkpoint (``model.resume.pt``) atomically, read with
``torch.load(weights_only=True)``: only tensors and plain values, never code. It holds the
model weights, the optimizer's (and a CUDA gradient scaler's) state, the global step, the
epoch in progress and how many of its batches are done, the running sums of that epoch's
metrics and the finished epochs' metrics. Nothing random needs saving: an epoch's order
is a function of (seed, epoch) and each step seeds dropout from (seed, rank, step).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.localizer.training.config import EpochMetrics, TrainConfig
from narrlocal_gui.localizer.training.extraction import write_atomically

if TYPE_CHECKING:
    from torch import Tensor

__all__ = ["EpochTally", "ResumeError", "ResumeState", "load_resume_state", "save_resume_state"]

RESUME_FORMAT = "narrlocal-comma-training"
RESUME_VERSION = 1


class ResumeError(UserFacingError):
    """A resume state that is missing, damaged or belongs to another run."""


@dataclass(slots=True)
class EpochTally:
    """Running sums over the steps of the epoch in progress (this process's)."""

    steps: int = 0
    clips: int = 0
    seconds: float = 0.0
    loss: float = 0.0
    sentence: float = 0.0
    word: float = 0.0
    retrieval: float = 0.0

    def add(
        self,
        *,
        clips: int,
        seconds: float,
        loss: float,
        sentence: float | None,
        word: float | None,
        retrieval: float,
    ) -> None:
        self.steps += 1
        self.clips += clips
        self.seconds += seconds
        self.loss += loss
        self.sentence += sentence or 0.0
        self.word += word or 0.0
        self.retrieval += retrieval

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EpochTally:
        return cls(
            steps=int(data["steps"]),
            clips=int(data["clips"]),
            seconds=float(data["seconds"]),
            loss=float(data["loss"]),
            sentence=float(data["sentence"]),
            word=float(data["word"]),
            retrieval=float(data["retrieval"]),
        )


@dataclass(frozen=True, slots=True, eq=False)
class ResumeState:
    """See the module. ``epoch`` is 0-based; ``position`` counts this process's batches of
    that epoch already trained; ``world_size`` the processes of the run."""

    config: TrainConfig
    features_key: str
    step: int
    epoch: int
    position: int
    world_size: int
    model: Mapping[str, Tensor]
    optimizer: Mapping[str, Any]
    scaler: Mapping[str, Any] | None = None
    tally: EpochTally = field(default_factory=EpochTally)
    history: tuple[EpochMetrics, ...] = ()

    def __post_init__(self) -> None:
        if min(self.step, self.epoch, self.position) < 0 or self.world_size < 1:
            raise ValueError("step, epoch and position must be >= 0, world_size >= 1")


def save_resume_state(path: str | os.PathLike[str], state: ResumeState) -> Path:
    """Write ``state`` atomically (a temporary file renamed over the old one)."""
    import torch

    target = Path(path)
    payload = {
        "format": RESUME_FORMAT,
        "version": RESUME_VERSION,
        "config": state.config.to_dict(),
        "features_key": state.features_key,
        "step": state.step,
        "epoch": state.epoch,
        "position": state.position,
        "world_size": state.world_size,
        "model": {k: v.detach().cpu() for k, v in state.model.items()},
        "optimizer": state.optimizer,
        "scaler": state.scaler,
        "tally": state.tally.to_dict(),
        "history": [m.to_dict() for m in state.history],
    }
    write_atomically(target, lambda fh: torch.save(payload, fh))
    return target


def load_resume_state(path: str | os.PathLike[str]) -> ResumeState:
    """Read a state written by :func:`save_resume_state` (weights only: no code runs)."""
    import torch

    source = Path(path)
    if not source.is_file():
        raise ResumeError(
            f"There is no resume state '{source}' to continue from; start without --resume."
        )
    try:
        payload = torch.load(source, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch.load fails in many ways on bad bytes
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise ResumeError(f"'{source}' is not a readable resume state ({reason}).") from None
    if not isinstance(payload, dict) or payload.get("format") != RESUME_FORMAT:
        raise ResumeError(f"'{source}' is not a NarrLocal training resume state.")
    if payload.get("version") != RESUME_VERSION:
        raise ResumeError(
            f"'{source}' is a version {payload.get('version')!r} resume state; this NarrLocal "
            f"reads version {RESUME_VERSION}."
        )
    try:
        return ResumeState(
            config=TrainConfig.from_dict(payload["config"]),
            features_key=str(payload["features_key"]),
            step=int(payload["step"]),
            epoch=int(payload["epoch"]),
            position=int(payload["position"]),
            world_size=int(payload["world_size"]),
            model=payload["model"],
            optimizer=payload["optimizer"],
            scaler=payload["scaler"],
            tally=EpochTally.from_dict(payload["tally"]),
            history=tuple(EpochMetrics.from_dict(m) for m in payload["history"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ResumeError(f"'{source}' is a damaged resume state ({exc}).") from None
