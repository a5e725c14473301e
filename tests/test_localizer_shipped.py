"""The CoMMA checkpoint that ships in resources/: pinned, described, and what it says it is."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from narrlocal_gui.file_hash import file_sha256
from narrlocal_gui.localizer.encoders.weights import WeightsError
from narrlocal_gui.localizer.methods import shipped


def test_the_shipped_checkpoint_matches_its_pin_and_description() -> None:
    path = shipped.shipped_checkpoint()
    assert path.stat().st_size == shipped.SHIPPED_SIZE
    info = shipped.shipped_info()
    assert info["sha256"] == shipped.SHIPPED_SHA256 == file_sha256(path)
    assert info["file"] == shipped.SHIPPED_NAME
    # The exact commands that made it, and what it scored.
    assert info["commands"][0].startswith("narrlocal synth")
    assert info["commands"][1].startswith("narrlocal train")
    assert 0.0 <= info["accuracy"]["public"]["comma"] <= 1.0
    assert info["accuracy"]["synthetic_test"]["comma"] >= 0.8


def test_it_loads_as_the_config_it_describes() -> None:
    pytest.importorskip("torch")
    from narrlocal_gui.localizer.model.checkpoints import load_checkpoint

    model = load_checkpoint(shipped.shipped_checkpoint())
    info = shipped.shipped_info()
    assert list(model.config.layers) == info["model"]["layers"]
    assert model.config.video_features == info["model"]["video_features"] == "mid"


def test_a_damaged_or_missing_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shipped, "resources_dir", lambda: tmp_path)
    with pytest.raises(WeightsError, match="missing or unreadable"):
        shipped.shipped_checkpoint()
    with pytest.raises(WeightsError, match="unreadable"):
        shipped.shipped_info()
    real = Path(shipped.__file__).resolve().parents[2] / "resources" / shipped.SHIPPED_NAME
    copy = tmp_path / shipped.SHIPPED_NAME
    shutil.copyfile(real, copy)
    assert shipped.shipped_checkpoint() == copy
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, other content
    copy.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="size or sha256 differ"):
        shipped.shipped_checkpoint()
