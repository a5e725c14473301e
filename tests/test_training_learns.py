"""CoMMA learns to point from narration alone: the fast version of the synthetic proof.

A small synthetic set (``narrlocal synth``'s generator) is encoded with the real encoders,
the model trains on the train split's clips and transcripts only (no boxes), and its
pointing accuracy on the held-out test split's items must rise from the untrained model's
to clearly above the centre prior's, measured by the evaluation code itself. Everything is
seeded: the run is the same every time on one machine. About a minute on two CPU cores.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("torch")

from narrlocal_gui.localizer.comma import CommaModel, load_checkpoint
from narrlocal_gui.localizer.synth import SynthSettings, generate_dataset
from narrlocal_gui.localizer.training import train
from narrlocal_gui.localizer.training_config import TrainConfig, TrainPaths
from narrlocal_gui.localizer.training_data import find_training_videos
from narrlocal_gui.localizer.training_dataset import FeatureStore
from narrlocal_gui.localizer.training_features import extract_features
from narrlocal_gui.localizer.training_validation import (
    Validator,
    load_validation_set,
)

SYNTH = SynthSettings(
    clips=60, seed=7, split=(0.7, 0.0, 0.3), min_objects=2, max_objects=2, distractor_rate=0.0
)
EPOCHS = 8


def test_pointing_accuracy_rises_well_above_the_centre_prior(tmp_path: Path) -> None:
    data = generate_dataset(tmp_path / "synth", SYNTH)
    index = extract_features(find_training_videos(data.root), tmp_path / "features")
    base = TrainConfig()
    config = replace(
        base,
        model=replace(base.model, width=64, similarity="cosine"),
        epochs=EPOCHS,
        batch_size=8,
        lr=1e-3,
        checkpoint_every=0,
    )
    store = FeatureStore(tmp_path / "features", max_frames=config.model.max_frames, max_words=16)
    validator = Validator(load_validation_set(data.root / "eval_test.json"), index.settings)
    before = validator.score(CommaModel(config.model, seed=config.seed))
    result = train(config, store, TrainPaths(tmp_path / "model.pt"))
    after = validator.score(load_checkpoint(result.paths.checkpoint))
    print(
        f"test items {after.items}: before {before.accuracy:.3f}, after {after.accuracy:.3f}, "
        f"centre prior {after.centre:.3f}; epochs {[round(m.loss, 3) for m in result.history]}"
    )
    assert after.accuracy >= before.accuracy + 0.15
    assert after.accuracy >= after.centre + 0.15
