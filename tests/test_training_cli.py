"""``narrlocal train`` from the command line: refusals before any work, a run, a resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from narrlocal_gui.cli.main import main
from narrlocal_gui.localizer.training.clips import find_training_videos
from narrlocal_gui.localizer.training.extraction import extract_features
from tests.training_helpers import FakeTextEncoder, FakeVideoEncoder, make_training_set

pytest.importorskip("torch")

SMALL = ["--width", "16", "--heads", "2", "--frames", "2", "--batch-size", "2", "--device", "cpu"]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    make_training_set(folder, 2, seconds=4.0)
    # Stand-ins claiming the real encoders' versions: the command takes these features for
    # its own and never loads the real models (features/ is the default folder).
    extract_features(
        find_training_videos(folder),
        folder / "features",
        video_encoder=FakeVideoEncoder(real_versions=True),
        text_encoder=FakeTextEncoder(real_versions=True),
    )
    return folder


def _run(capfd: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["train", *args])
    out, err = capfd.readouterr()
    return code, out, err


def test_bad_input_is_one_line_and_exit_2(
    capfd: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    out = str(tmp_path / "m.pt")
    code, _, err = _run(capfd, "--data", str(tmp_path / "none"), "--out", out)
    assert code == 2 and err.startswith("narrlocal: error:") and "does not exist" in err
    code, _, err = _run(capfd, "--data", str(data), "--out", out, "--resume")
    assert code == 2 and "no interrupted run" in err
    code, _, err = _run(capfd, "--data", str(data), "--out", str(tmp_path / "no" / "m.pt"))
    assert code == 2 and "does not exist" in err
    code, _, err = _run(capfd, "--data", str(data), "--out", out, "--layers", "CA,XX")
    assert code == 2 and "layer pattern" in err
    code, _, err = _run(capfd, "--data", str(data), "--out", out, "--width", "15", "--heads", "2")
    assert code == 2 and "divisible" in err
    assert err.count("\n") == 1
    # The folder holds head grids: a model reading mid ones needs its own extraction.
    code, _, err = _run(capfd, "--data", str(data), "--out", out, "--video-features", "mid")
    assert code == 2 and "other videos, settings or encoders" in err and "--force" in err
    code, _, err = _run(capfd, "--data", str(data), "--out", out, "--video-features", "top")
    assert code == 2 and "invalid choice" in err


def test_train_then_resume_for_longer(
    capfd: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "m.pt"
    args = ["--data", str(data), "--out", str(out)]
    code, stdout, err = _run(capfd, *args, "--epochs", "2", *SMALL)
    assert code == 0, err
    assert "Trained 4 steps" in stdout  # 4 clips in batches of 2: 2 steps an epoch
    assert out.is_file() and (tmp_path / "m.resume.pt").is_file()
    assert (tmp_path / "m.png").is_file() and (tmp_path / "m.log").is_file()
    code, _, err = _run(capfd, *args, *SMALL)
    assert code == 2 and "--force" in err  # nothing is replaced unasked
    code, stdout, err = _run(capfd, *args, "--resume", "--epochs", "3")
    assert code == 0, err
    assert "Trained 6 steps" in stdout
    metrics = [json.loads(x) for x in (tmp_path / "m.metrics.jsonl").read_text().splitlines()]
    assert [m["epoch"] for m in metrics if m["kind"] == "epoch"] == [1, 2, 3]
    code, _, err = _run(capfd, *args, "--resume", "--lr", "1")
    assert code == 2 and "only --epochs" in err
