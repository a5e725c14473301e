"""Validation while training: the pointing game of ``narrlocal eval pointing``, run on the
model being trained, without re-encoding the same frames every epoch.

The evaluation code itself runs (:func:`~narrlocal_gui.localizer.evaluation.
evaluate_pointing` with a :class:`~narrlocal_gui.localizer.methods.comma.CommaLocalizer` around
the in-memory model), so the accuracy is exactly what the evaluation command reports for a
checkpoint of the same weights. Only the encoders are wrapped: their outputs are remembered
by the exact content of their inputs (the frames' bytes, the phrase), which the model does
not change, so from the second epoch on validation costs decoding and the CoMMA forward
passes alone.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from narrlocal_gui.localizer.encoders.interface import TextFeatureEncoder, VideoFeatureEncoder

if TYPE_CHECKING:
    from collections.abc import Sequence

    from narrlocal_gui.localizer.evaluation import PointingDataset
    from narrlocal_gui.localizer.model.network import CommaModel
    from narrlocal_gui.localizer.training.clips import ClipSettings

__all__ = ["MemoTextEncoder", "MemoVideoEncoder", "PointingScore", "Validator"]


class MemoVideoEncoder:
    """A video encoder that encodes each distinct frame stack once."""

    def __init__(self, inner: VideoFeatureEncoder) -> None:
        self._inner = inner
        self._memo: dict[tuple[str, tuple[int, ...], int, str], np.ndarray] = {}

    @property
    def version(self) -> str:
        return str(getattr(self._inner, "version", type(self._inner).__name__))

    def encode(
        self, frames: np.ndarray, *, short_side: int = 224, level: str = "head"
    ) -> np.ndarray:
        frames = np.ascontiguousarray(frames)
        key = (hashlib.sha256(frames.data).hexdigest(), frames.shape, short_side, level)
        found = self._memo.get(key)
        if found is None:
            found = self._inner.encode(frames, short_side=short_side, level=level)
            found = np.asarray(found, np.float32)
            self._memo[key] = found
        return found


class MemoTextEncoder:
    """A text encoder that encodes each distinct phrase once."""

    def __init__(self, inner: TextFeatureEncoder) -> None:
        self._inner = inner
        self._memo: dict[str, tuple[Sequence[str], Any]] = {}

    def encode_words(self, phrase: str) -> tuple[Sequence[str], Any]:
        found = self._memo.get(phrase)
        if found is None:
            found = self._inner.encode_words(phrase)
            self._memo[phrase] = found
        return found


@dataclass(frozen=True, slots=True)
class PointingScore:
    """Pointing accuracy of the model and of the centre prior on the same items."""

    accuracy: float
    centre: float
    items: int

    def __post_init__(self) -> None:
        if not (0.0 <= self.accuracy <= 1.0 and 0.0 <= self.centre <= 1.0) or self.items < 1:
            raise ValueError("accuracies must be in [0, 1] over at least one item")


class Validator:
    """Scores a model on an evaluation set; keeps the encoders' outputs between calls."""

    def __init__(
        self,
        dataset: PointingDataset,
        settings: ClipSettings,
        *,
        video_encoder: VideoFeatureEncoder | None = None,
        text_encoder: TextFeatureEncoder | None = None,
        device: str = "cpu",
    ) -> None:
        self.dataset = dataset
        self.settings = settings
        self.device = device
        if video_encoder is None:
            from narrlocal_gui.localizer.encoders.video_encoder import VideoEncoder

            video_encoder = VideoEncoder.load(device)
        if text_encoder is None:
            from narrlocal_gui.localizer.encoders.text_encoder import TextEncoder

            text_encoder = TextEncoder.load(device)
        self._video = MemoVideoEncoder(video_encoder)
        self._text = MemoTextEncoder(text_encoder)

    def score(self, model: CommaModel) -> PointingScore:
        """The model's pointing accuracy (it is left in eval mode; put it back to train)."""
        from narrlocal_gui.localizer.evaluation import evaluate_pointing
        from narrlocal_gui.localizer.methods.baselines import CentrePriorLocalizer
        from narrlocal_gui.localizer.methods.comma import CommaLocalizer

        localizer = CommaLocalizer(
            model,
            self._video,
            self._text,
            device=self.device,
            short_side=self.settings.short_side,
        )
        report = evaluate_pointing(
            self.dataset,
            {"comma": localizer, "centre": CentrePriorLocalizer()},
            window=self.settings.window,
            fps=self.settings.fps,
            max_side=self.settings.max_side,
        )
        mine, centre = report.summary("comma"), report.summary("centre")
        return PointingScore(mine.accuracy, centre.accuracy, mine.items)


def load_validation_set(path: str | os.PathLike[str]) -> PointingDataset:
    """An evaluation set whose media paths are relative to its own folder (as ``narrlocal
    synth`` writes them) or, failing that, to ``../media`` beside it (the shared layout)."""
    from pathlib import Path

    from narrlocal_gui.localizer.evaluation import DatasetError, load_pointing_dataset

    source = Path(path)
    try:
        return load_pointing_dataset(source, source.resolve().parent)
    except DatasetError:
        return load_pointing_dataset(source)
