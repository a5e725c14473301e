"""Training runs, checkpoints and resuming: an interrupted run ends with the very weights
of one that was never interrupted."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from narrlocal_gui.errors import UserFacingError  # noqa: E402
from narrlocal_gui.localizer.model.checkpoints import load_checkpoint  # noqa: E402
from narrlocal_gui.localizer.model.config import CommaConfig  # noqa: E402
from narrlocal_gui.localizer.training.clips import ClipSettings, find_training_videos  # noqa: E402
from narrlocal_gui.localizer.training.config import (  # noqa: E402
    TrainConfig,
    TrainPaths,
    TrainProgress,
    learning_rate,
)
from narrlocal_gui.localizer.training.extraction import extract_features  # noqa: E402
from narrlocal_gui.localizer.training.feature_store import FeatureStore  # noqa: E402
from narrlocal_gui.localizer.training.loop import train  # noqa: E402
from narrlocal_gui.localizer.training.resume import ResumeError, load_resume_state  # noqa: E402
from tests.training_helpers import (  # noqa: E402
    FakeTextEncoder,
    FakeVideoEncoder,
    make_training_set,
)

MODEL = CommaConfig(width=16, heads=2, ff_mult=1, max_frames=2, max_words=4)
# 8 clips, batches of 2: 4 steps an epoch, 8 in all; checkpoints every 3 steps and at
# epoch ends.
CONFIG = TrainConfig(
    model=MODEL, epochs=2, batch_size=2, lr=1e-3, checkpoint_every=3, loss="both", seed=5
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> FeatureStore:
    folder = tmp_path_factory.mktemp("resume")
    make_training_set(folder / "data", 4, seconds=4.0)
    extract_features(
        find_training_videos(folder / "data"),
        folder / "features",
        settings=ClipSettings(window=1.0, fps=2.0),
        video_encoder=FakeVideoEncoder(),
        text_encoder=FakeTextEncoder(),
    )
    return FeatureStore(folder / "features", max_frames=2, max_words=4)


class _KilledError(Exception):
    """Stands in for the process dying (nothing after it runs)."""


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return load_checkpoint(path).state_dict()


def test_resumed_runs_end_with_the_same_weights(store: FeatureStore, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    straight = train(CONFIG, store, TrainPaths(tmp_path / "a" / "m.pt"))
    assert straight.finished and straight.step == 8 and len(straight.history) == 2

    # Cancelled before step 5: the state is saved there, resuming goes on from it.
    calls = [0]

    def cancel() -> bool:
        calls[0] += 1
        return calls[0] == 6

    paths_b = TrainPaths(tmp_path / "b" / "m.pt")
    (tmp_path / "b").mkdir()
    stopped = train(CONFIG, store, paths_b, cancel=cancel)
    assert not stopped.finished and stopped.step == 5
    assert load_resume_state(paths_b.resume_state).position == 1  # 1 step into epoch 2
    resumed = train(CONFIG, store, paths_b, resume=True)
    assert resumed.finished and resumed.step == 8

    # Killed in the middle of epoch 2, after step 7 (the last checkpoint was at step 6).
    def die(p: TrainProgress) -> None:
        if p.step == 7:
            raise _KilledError

    paths_c = TrainPaths(tmp_path / "c" / "m.pt")
    (tmp_path / "c").mkdir()
    with pytest.raises(_KilledError):
        train(CONFIG, store, paths_c, progress=die)
    state = load_resume_state(paths_c.resume_state)
    assert (state.step, state.epoch, state.position) == (6, 1, 2)
    train(CONFIG, store, paths_c, resume=True)

    reference = _weights(straight.paths.checkpoint)
    for other in (paths_b.checkpoint, paths_c.checkpoint):
        weights = _weights(other)
        for name, value in reference.items():
            torch.testing.assert_close(weights[name], value, rtol=0, atol=1e-6)
    losses = [m.loss for m in straight.history]
    assert [m.loss for m in resumed.history] == pytest.approx(losses, rel=1e-6)


def test_outputs_checkpoint_log_metrics_plot(store: FeatureStore, tmp_path: Path) -> None:
    paths = TrainPaths(tmp_path / "model.pt")
    seen: list[TrainProgress] = []
    result = train(replace(CONFIG, epochs=1), store, paths, progress=seen.append)
    checkpoint = torch.load(paths.checkpoint, weights_only=True)
    assert checkpoint["config"]["width"] == 16
    assert checkpoint["meta"]["step"] == 4 and len(checkpoint["meta"]["history"]) == 1
    assert load_checkpoint(paths.checkpoint).config == MODEL
    state = load_resume_state(paths.resume_state)  # weights_only inside
    assert state.epoch == 1 and state.position == 0 and state.step == 4
    lines = [json.loads(line) for line in paths.metrics.read_text().splitlines()]
    assert [line["kind"] for line in lines] == ["start", "epoch"]
    assert lines[-1]["ranks"][0]["clips"] == 8
    assert "epoch 1/1" in paths.log.read_text()
    assert paths.plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.stage for p in seen][-1] == "done" and seen[-1].step == 4
    assert result.last is not None and result.last.word_loss is not None

    # A longer run may resume from the end; other settings may not.
    longer = train(replace(CONFIG, epochs=2), store, paths, resume=True)
    assert longer.step == 8 and len(longer.history) == 2
    with pytest.raises(ResumeError, match="other training settings"):
        train(replace(CONFIG, epochs=3, lr=1e-2), store, paths, resume=True)


def test_warm_up_is_linear_over_an_epoch() -> None:
    config = TrainConfig(lr=1e-3, warmup_epochs=1.0)
    rates = [learning_rate(config, step, 4) for step in range(6)]
    assert rates == pytest.approx([2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3, 1e-3])
    assert learning_rate(replace(config, warmup_epochs=0.0), 0, 4) == pytest.approx(1e-3)
    with pytest.raises(ValueError):
        TrainConfig(batch_size=1)
    with pytest.raises(ValueError):
        TrainConfig(loss="pixel")
    assert TrainConfig.from_dict(CONFIG.to_dict()) == CONFIG


def test_a_model_for_other_features_is_refused(store: FeatureStore, tmp_path: Path) -> None:
    other = replace(CONFIG, model=replace(MODEL, video_features="mid", video_dim=112))
    with pytest.raises(UserFacingError, match="'head' grids but the model reads 'mid'"):
        train(other, store, TrainPaths(tmp_path / "m.pt"))
    wrong_width = replace(CONFIG, model=replace(MODEL, video_dim=64))
    with pytest.raises(UserFacingError, match="1280 channels but the model reads 64"):
        train(wrong_width, store, TrainPaths(tmp_path / "m.pt"))
    assert not (tmp_path / "m.pt").exists()
