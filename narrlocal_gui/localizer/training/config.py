"""What a training run is asked to do, where it writes, and what it reports (plain data).

Defaults follow the paper where it says something (AdamW, learning rate 1e-4, an epoch of
linear warm-up, the sentence-level loss) and are otherwise sized for a CPU; see
docs/training.md for how they were chosen.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from narrlocal_gui.localizer.model.config import CommaConfig

__all__ = [
    "LOSSES",
    "EpochMetrics",
    "TrainConfig",
    "TrainPaths",
    "TrainProgress",
    "default_model_config",
    "learning_rate",
]

LOSSES = ("sentence", "word", "both")


def default_model_config() -> CommaConfig:
    """The model trained when none is given: CA-SA-CA as in the paper, narrow and with few
    frames so that the B x B pair scoring of a batch fits a CPU (see docs/training.md)."""
    return CommaConfig(width=128, heads=2, max_frames=4, max_words=16, ff_mult=2)


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """One training run. ``batch_size`` is per process; ``warmup_epochs`` of linear
    warm-up (the paper: one epoch); ``grad_clip`` bounds the gradient norm (0: off);
    ``loss`` one of :data:`LOSSES` (``both``: sentence + ``word_loss_weight`` x word);
    ``min_gap``: pairs of one video whose phrases are closer than this (seconds) are not
    negatives; ``checkpoint_every``: steps between checkpoints (0: at epoch ends only);
    ``pair_chunk``: (clip, phrase) pairs run through the model at a time."""

    model: CommaConfig = field(default_factory=default_model_config)
    epochs: int = 10
    batch_size: int = 16
    lr: float = 1e-4
    weight_decay: float = 0.01
    warmup_epochs: float = 1.0
    grad_clip: float = 1.0
    loss: str = "sentence"
    word_loss_weight: float = 1.0
    min_gap: float = 10.0
    seed: int = 0
    checkpoint_every: int = 50
    pair_chunk: int = 256

    def __post_init__(self) -> None:
        def positive_int(name: str, minimum: int) -> None:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise ValueError(f"{name} must be an integer >= {minimum}, not {value!r}")

        positive_int("epochs", 1)
        positive_int("batch_size", 2)
        positive_int("seed", 0)
        positive_int("checkpoint_every", 0)
        positive_int("pair_chunk", 1)
        for name in ("lr", "weight_decay", "warmup_epochs", "grad_clip", "min_gap"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, not {value!r}")
        if self.lr <= 0:
            raise ValueError(f"lr must be > 0, not {self.lr}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(LOSSES)}, not {self.loss!r}")
        if not (math.isfinite(self.word_loss_weight) and self.word_loss_weight > 0):
            raise ValueError(f"word_loss_weight must be > 0, not {self.word_loss_weight}")
        if not isinstance(self.model, CommaConfig):
            raise TypeError("model must be a CommaConfig")

    @property
    def uses_sentence_loss(self) -> bool:
        return self.loss in ("sentence", "both")

    @property
    def uses_word_loss(self) -> bool:
        return self.loss in ("word", "both")

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "model"}
        data["model"] = self.model.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown training config keys: {', '.join(unknown)}")
        values = dict(data)
        values["model"] = CommaConfig.from_dict(values.get("model", {}))
        return cls(**values)

    def same_run(self, other: TrainConfig) -> bool:
        """True when ``other`` differs at most in the number of epochs (a run may be
        resumed for longer, but not changed)."""
        return replace(other, epochs=self.epochs) == self


def learning_rate(config: TrainConfig, step: int, steps_per_epoch: int) -> float:
    """The learning rate of step ``step`` (0-based): linear warm-up from lr / warm-up steps
    to lr over ``warmup_epochs`` epochs, then constant."""
    warmup = round(config.warmup_epochs * steps_per_epoch)
    if warmup <= 0 or step >= warmup:
        return config.lr
    return config.lr * (step + 1) / warmup


@dataclass(frozen=True, slots=True)
class TrainPaths:
    """Where a run writes, all beside the checkpoint ``model.pt``: ``model.resume.pt``
    (optimizer and position, to resume), ``model.log`` (plain text),
    ``model.metrics.jsonl`` (one JSON object per line) and ``model.png`` (the curves)."""

    checkpoint: Path

    @property
    def _base(self) -> str:
        name = self.checkpoint.name
        return name[: -len(self.checkpoint.suffix)] if self.checkpoint.suffix else name

    def sidecar(self, suffix: str) -> Path:
        return self.checkpoint.with_name(self._base + suffix)

    @property
    def resume_state(self) -> Path:
        return self.sidecar(".resume.pt")

    @property
    def log(self) -> Path:
        return self.sidecar(".log")

    @property
    def metrics(self) -> Path:
        return self.sidecar(".metrics.jsonl")

    @property
    def plot(self) -> Path:
        return self.sidecar(".png")

    def all(self) -> tuple[Path, ...]:
        return (self.checkpoint, self.resume_state, self.log, self.metrics, self.plot)


@dataclass(frozen=True, slots=True)
class TrainProgress:
    """For progress bars: ``stage`` "train", "validate" or "done"; ``epoch`` 0-based;
    ``step`` steps done of ``total_steps``; ``loss`` the last step's; ``eta`` seconds."""

    stage: str
    epoch: int
    epochs: int
    step: int
    total_steps: int
    loss: float | None = None
    lr: float = 0.0
    clips_per_second: float | None = None
    eta: float | None = None

    def __post_init__(self) -> None:
        if self.stage not in ("train", "validate", "done"):
            raise ValueError(f"unknown stage {self.stage!r}")
        if not 0 <= self.step <= self.total_steps:
            raise ValueError(f"step {self.step} is outside 0..{self.total_steps}")

    @property
    def fraction(self) -> float:
        return self.step / self.total_steps if self.total_steps else 1.0


@dataclass(frozen=True, slots=True)
class EpochMetrics:
    """One finished epoch (``epoch`` 1-based): mean training losses, how often the true
    phrase scored highest for its clip in a batch (``retrieval``), the validation pointing
    accuracy and the centre prior's on the same items (None without a validation set),
    training seconds and throughput (clips/s, forward + backward, this process)."""

    epoch: int
    step: int
    loss: float
    retrieval: float
    seconds: float
    clips_per_second: float
    sentence_loss: float | None = None
    word_loss: float | None = None
    val_accuracy: float | None = None
    centre_accuracy: float | None = None

    def __post_init__(self) -> None:
        if self.epoch < 1 or self.step < 0 or self.seconds < 0:
            raise ValueError("epoch >= 1, step >= 0 and seconds >= 0 are required")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EpochMetrics:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})
