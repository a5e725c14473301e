"""Distributed training: ``narrlocal train`` under torchrun with two CPU processes (gloo)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

from narrlocal_gui.localizer.training.clips import find_training_videos
from narrlocal_gui.localizer.training.distributed import DistContext, context_from_env
from narrlocal_gui.localizer.training.extraction import extract_features
from narrlocal_gui.localizer.training.feature_store import FeatureStore, epoch_batches
from narrlocal_gui.localizer.training.loop import clip_share
from tests.training_helpers import (
    FakeTextEncoder,
    FakeVideoEncoder,
    make_training_set,
)


def test_context_from_the_torchrun_environment() -> None:
    assert context_from_env({}) == DistContext()
    found = context_from_env({"RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "1"})
    assert (found.rank, found.world_size, found.local_rank, found.is_main) == (3, 4, 1, False)
    with pytest.raises(ValueError):
        context_from_env({"RANK": "4", "WORLD_SIZE": "4"})


def test_two_processes_train_on_different_shares(tmp_path: Path) -> None:
    data = tmp_path / "data"
    make_training_set(data, 4, seconds=4.0)
    features = tmp_path / "features"
    # Stand-ins claiming the real encoders' versions: the command accepts these features
    # as its own and never loads the real models.
    extract_features(
        find_training_videos(data),
        features,
        video_encoder=FakeVideoEncoder(real_versions=True),
        text_encoder=FakeTextEncoder(real_versions=True),
    )
    out = tmp_path / "model.pt"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        "-m", "narrlocal_gui.cli.main", "train", "--data", str(data), "--features", str(features),
        "--out", str(out), "--epochs", "1", "--batch-size", "2", "--width", "16",
        "--heads", "2", "--frames", "2", "--device", "cpu",
    ]  # fmt: skip
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Trained 2 steps" in done.stdout  # 8 clips: 4 batches of 2, 2 for each process
    assert out.is_file()
    epoch = [
        json.loads(line)
        for line in out.with_suffix(".metrics.jsonl").read_text().splitlines()
        if json.loads(line)["kind"] == "epoch"
    ]
    shares = epoch[0]["ranks"]
    store = FeatureStore(features, max_frames=2, max_words=16)
    expected = [
        clip_share(rank, epoch_batches(store.groups(), 2, seed=0, epoch=0, world_size=2, rank=rank))
        for rank in (0, 1)
    ]
    assert shares == expected
    assert shares[0]["digest"] != shares[1]["digest"]
