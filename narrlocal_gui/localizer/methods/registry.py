"""Every localization method behind one interface, and the registry that names them.

A method is anything with a ``name`` and ``localize(clip, phrase) -> Localization``. The
registry is a table of :class:`MethodInfo`, each with the one function that creates its
method from :class:`MethodOptions`. Those functions import the method's module only when
called, so listing the methods costs nothing (no torch), and a method whose module is not
installed (yet) is simply unavailable.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.localizer.types import ClipInput, Localization

if TYPE_CHECKING:
    from narrlocal_gui.localizer.encoders.feature_cache import FeatureCache, MediaFingerprint
    from narrlocal_gui.progress import CancelCallback

__all__ = [
    "DEFAULT_METHOD",
    "METHODS",
    "LocalizationMethod",
    "MethodInfo",
    "MethodOptions",
    "UnknownMethodError",
    "create_method",
    "default_method",
    "is_available",
]


@runtime_checkable
class LocalizationMethod(Protocol):
    """Where and when a phrase happens in the frames around it.

    ``media`` names the video the clip was sampled from (a method may cache what it computes
    from it on disk) and ``cancel()`` turning true asks a long phrase to stop (raising
    :class:`~narrlocal_gui.progress.Cancelled`); a method may ignore either."""

    @property
    def name(self) -> str: ...

    def localize(
        self,
        clip: ClipInput,
        phrase: str,
        *,
        media: MediaFingerprint | None = None,
        cancel: CancelCallback | None = None,
    ) -> Localization: ...


class UnknownMethodError(UserFacingError):
    """A method name that is not in the registry, or one that cannot be created here."""


@dataclass(frozen=True, slots=True)
class MethodOptions:
    """What creating a method may use: the torch ``device`` it runs on, the ``checkpoint``
    of a trained model (None: the built-in one, localizer/methods/shipped.py), and the
    on-disk cache of encoder grids (None: the user's cache)."""

    device: str = "cpu"
    checkpoint: str | None = None
    feature_cache: FeatureCache | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.device:
            raise ValueError("device must name a torch device")
        if self.checkpoint is not None and not self.checkpoint:
            raise ValueError("checkpoint must be None or a path")


#: Creates a method; imports its module (and torch, where it needs it) when called.
MethodConstructor = Callable[[MethodOptions], LocalizationMethod]


@dataclass(frozen=True, slots=True)
class MethodInfo:
    """A registered method: ``module`` implements it (checked for without importing it),
    ``create`` makes it, and ``uses_torch`` says whether the device preference matters."""

    name: str
    module: str
    summary: str
    create: MethodConstructor = field(compare=False)
    uses_torch: bool = True

    def __post_init__(self) -> None:
        if not self.name or not self.name.isidentifier():
            raise ValueError(f"method name {self.name!r} must be a plain word")
        if not self.module.startswith("narrlocal_gui."):
            raise ValueError(f"module {self.module!r} must be a narrlocal_gui module")


_METHODS = "narrlocal_gui.localizer.methods"


def _centre(options: MethodOptions) -> LocalizationMethod:
    from narrlocal_gui.localizer.methods.baselines import CentrePriorLocalizer

    return CentrePriorLocalizer()


def _flow(options: MethodOptions) -> LocalizationMethod:
    from narrlocal_gui.localizer.methods.baselines import FlowLocalizer

    return FlowLocalizer()


def _bridge(options: MethodOptions) -> LocalizationMethod:
    from narrlocal_gui.localizer.methods.bridge import BridgeLocalizer

    return BridgeLocalizer.load(options.device, feature_cache=options.feature_cache)


def _comma(options: MethodOptions) -> LocalizationMethod:
    from narrlocal_gui.localizer.methods.comma import CommaLocalizer
    from narrlocal_gui.localizer.methods.shipped import shipped_checkpoint

    checkpoint = options.checkpoint if options.checkpoint is not None else shipped_checkpoint()
    return CommaLocalizer.from_checkpoint(checkpoint, device=options.device)


METHODS: Mapping[str, MethodInfo] = MappingProxyType(
    {
        info.name: info
        for info in (
            MethodInfo(
                "centre",
                f"{_METHODS}.baselines",
                "the frame centre (baseline)",
                _centre,
                uses_torch=False,
            ),
            MethodInfo(
                "flow",
                f"{_METHODS}.baselines",
                "where the optical flow is strongest (baseline)",
                _flow,
                uses_torch=False,
            ),
            MethodInfo(
                "bridge",
                f"{_METHODS}.bridge",
                "training-free: the pretrained encoders' word-region similarity",
                _bridge,
            ),
            MethodInfo(
                "comma",
                f"{_METHODS}.comma",
                "the CoMMA model: a checkpoint you trained, else the built-in one",
                _comma,
            ),
        )
    }
)


def is_available(name: str) -> bool:
    """Whether the method's module is installed (without importing it)."""
    info = METHODS.get(name)
    if info is None:
        return False
    try:
        return importlib.util.find_spec(info.module) is not None
    except ModuleNotFoundError:
        return False


def default_method() -> str:
    """The training-free bridge where it is installed, else the optical-flow baseline."""
    return "bridge" if is_available("bridge") else "flow"


#: The method used when none is named (evaluated at import; see :func:`default_method`).
DEFAULT_METHOD = default_method()


def _names() -> str:
    return ", ".join(METHODS)


def create_method(
    name: str,
    *,
    checkpoint: str | os.PathLike[str] | None = None,
    device: str = "cpu",
    feature_cache: FeatureCache | None = None,
) -> LocalizationMethod:
    """The method called ``name``, ready to run on ``device``.

    A method that takes a checkpoint (comma) without one gets the built-in model
    (localizer/methods/shipped.py). Raises :class:`UnknownMethodError` for an unknown or
    uninstalled method, :class:`~narrlocal_gui.localizer.encoders.weights.WeightsError` for a
    damaged built-in model.
    """
    info = METHODS.get(name)
    if info is None:
        raise UnknownMethodError(
            f"There is no localization method {name!r}; use one of {_names()}."
        )
    if not is_available(name):
        raise UnknownMethodError(f"The {name} method is not available in this installation.")
    options = MethodOptions(
        device=device,
        checkpoint=None if checkpoint is None else os.fspath(checkpoint),
        feature_cache=feature_cache,
    )
    method = info.create(options)
    if not isinstance(method, LocalizationMethod):
        raise TypeError(f"{info.module} does not implement localize(clip, phrase)")
    return method
