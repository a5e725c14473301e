"""What shapes a CoMMA model (:class:`CommaConfig`, stored in checkpoints) and its layer
kinds; torch-free, so settings and command lines can name and check a model without torch.
See :mod:`narrlocal_gui.localizer.model.network` for what the layers do."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from narrlocal_gui.localizer.encoders.feature_levels import FEATURE_LEVELS

__all__ = [
    "CROSS_KINDS",
    "LAYER_KINDS",
    "SELF_ATTENTION_KINDS",
    "SIMILARITIES",
    "CommaConfig",
    "last_cross_layer",
    "parse_layers",
]

LAYER_KINDS = ("CA", "SA", "FULL")
#: Layers whose word-to-video attention rollout starts from (the last one of them).
CROSS_KINDS = ("CA", "FULL")
SELF_ATTENTION_KINDS = ("spatiotemporal", "spatial", "temporal")
SIMILARITIES = ("dot", "cosine")


def last_cross_layer(layers: Sequence[str]) -> int:
    """Index of the last CA/FULL layer of ``layers``: where rollout starts."""
    return max(i for i, k in enumerate(layers) if k in CROSS_KINDS)


def parse_layers(text: str) -> tuple[str, ...]:
    """``"CA,SA,CA"`` -> ``("CA", "SA", "CA")`` (case and spaces ignored)."""
    kinds = tuple(part.strip().upper() for part in text.split(",") if part.strip())
    bad = [k for k in kinds if k not in LAYER_KINDS]
    if bad or not kinds:
        raise ValueError(
            f"layer pattern {text!r} must be a comma-separated list of {', '.join(LAYER_KINDS)}"
        )
    return kinds


@dataclass(frozen=True, slots=True)
class CommaConfig:
    """Everything that shapes a CoMMA model; stored in checkpoints.

    ``layers`` is the attention pattern (see the module doc); ``self_attention`` selects the
    video part of the SA mask; ``similarity`` is ``dot`` (equation (5) as written) or
    ``cosine`` (normalised embeddings times a learned scale, initialised to 1/0.07);
    ``max_frames``/``max_grid``/``max_words`` bound the learned position tables.

    ``cross_residual`` False (the paper's equation (2): ``Y_CA = Attn(...)``): a CA layer's
    output is what each token gathered from the *other* modality, nothing of its own. With a
    residual around cross-attention the pooled clip and sentence keep their unimodal
    features, the pair can be scored like a dual encoder without ever attending to the
    described region, and the rollout heat map does not point (measured on the synthetic
    set, docs/training.md). SA and FULL layers keep their residual.

    ``video_features`` names the encoder grids the model reads (feature_levels.FEATURE_LEVELS);
    ``video_dim`` is their channel count.
    """

    video_dim: int = 1280
    word_dim: int = 384
    width: int = 256
    heads: int = 4
    layers: tuple[str, ...] = ("CA", "SA", "CA")
    self_attention: str = "spatiotemporal"
    dropout: float = 0.1
    ff_mult: int = 4
    max_frames: int = 64
    max_grid: int = 32
    max_words: int = 64
    similarity: str = "dot"
    cross_residual: bool = False
    video_features: str = "head"

    def __post_init__(self) -> None:
        for name in ("video_dim", "word_dim", "width", "heads", "ff_mult"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, not {value!r}")
        for name in ("max_frames", "max_grid", "max_words"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, not {value!r}")
        if self.width % self.heads:
            raise ValueError(f"width {self.width} must be divisible by heads {self.heads}")
        layers = tuple(self.layers)
        if not layers or any(k not in LAYER_KINDS for k in layers):
            raise ValueError(f"layers must be a non-empty sequence of {LAYER_KINDS}, not {layers}")
        if not any(k in CROSS_KINDS for k in layers):
            raise ValueError("layers need at least one CA (or FULL) layer to localize from")
        object.__setattr__(self, "layers", layers)
        if self.self_attention not in SELF_ATTENTION_KINDS:
            raise ValueError(f"self_attention must be one of {SELF_ATTENTION_KINDS}")
        if self.similarity not in SIMILARITIES:
            raise ValueError(f"similarity must be one of {SIMILARITIES}")
        if self.video_features not in FEATURE_LEVELS:
            raise ValueError(
                f"video_features must be one of {', '.join(FEATURE_LEVELS)}, "
                f"not {self.video_features!r}"
            )
        if not isinstance(self.cross_residual, bool):
            raise ValueError(f"cross_residual must be a bool, not {self.cross_residual!r}")
        if not (isinstance(self.dropout, float | int) and 0.0 <= self.dropout < 1.0):
            raise ValueError(f"dropout must be in [0, 1), not {self.dropout!r}")

    @property
    def has_sentinel(self) -> bool:
        """The full-attention ablation scores a pair from a sentinel token's output."""
        return "FULL" in self.layers

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["layers"] = list(self.layers)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CommaConfig:
        """The inverse of :meth:`to_dict`; unknown keys or bad values raise ValueError."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown CoMMA config keys: {', '.join(unknown)}")
        values = dict(data)
        if "layers" in values:
            layers = values["layers"]
            if not isinstance(layers, list | tuple) or not all(isinstance(k, str) for k in layers):
                raise ValueError("layers must be a list of layer kinds")
            values["layers"] = tuple(layers)
        # Written before the field existed: those models were trained with the residual.
        values.setdefault("cross_residual", True)
        return cls(**values)
