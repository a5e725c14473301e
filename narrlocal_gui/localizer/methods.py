"""Every localization method behind one interface, and the registry that names them.

A method is anything with a ``name`` and ``localize(clip, phrase) -> Localization``. The
registry knows each method by the import name of its class, imported only when the method
is created, so listing the methods costs nothing and a method whose module is not installed
(yet) is simply unavailable.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.localizer.types import ClipInput, Localization

__all__ = [
    "DEFAULT_METHOD",
    "METHODS",
    "LocalizationMethod",
    "MethodInfo",
    "UnknownMethodError",
    "create_method",
    "default_method",
    "is_available",
]


@runtime_checkable
class LocalizationMethod(Protocol):
    """Where and when a phrase happens in the frames around it."""

    @property
    def name(self) -> str: ...

    def localize(self, clip: ClipInput, phrase: str) -> Localization: ...


class UnknownMethodError(UserFacingError):
    """A method name that is not in the registry, or one that cannot be created here."""


@dataclass(frozen=True, slots=True)
class MethodInfo:
    """A registered method: ``target`` is ``package.module.ClassName``."""

    name: str
    target: str
    summary: str
    takes_checkpoint: bool = False

    def __post_init__(self) -> None:
        if not self.name or not self.name.isidentifier():
            raise ValueError(f"method name {self.name!r} must be a plain word")
        module, _, cls = self.target.rpartition(".")
        if not module or not cls:
            raise ValueError(f"target {self.target!r} must be 'package.module.ClassName'")

    @property
    def module(self) -> str:
        return self.target.rpartition(".")[0]

    @property
    def class_name(self) -> str:
        return self.target.rpartition(".")[2]


_LOCALIZER = "narrlocal_gui.localizer"

METHODS: Mapping[str, MethodInfo] = MappingProxyType(
    {
        info.name: info
        for info in (
            MethodInfo(
                "centre",
                f"{_LOCALIZER}.baselines.CentrePriorLocalizer",
                "the frame centre (baseline)",
            ),
            MethodInfo(
                "flow",
                f"{_LOCALIZER}.baselines.FlowLocalizer",
                "where the optical flow is strongest (baseline)",
            ),
            MethodInfo(
                "bridge",
                f"{_LOCALIZER}.bridge.BridgeLocalizer",
                "training-free: the pretrained encoders' word-region similarity",
            ),
            MethodInfo(
                "comma",
                f"{_LOCALIZER}.inference.CommaLocalizer",
                "the CoMMA model: a checkpoint you trained, else the built-in one",
                takes_checkpoint=True,
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


def _construct(cls: Any, device: str) -> Any:
    """Build a method that takes no checkpoint; ``load(device)`` where a class offers it
    (methods with pretrained encoders), else the plain constructor."""
    load = getattr(cls, "load", None)
    if callable(load):
        return load(device)
    if "device" in inspect.signature(cls).parameters:
        return cls(device=device)
    return cls()


def create_method(
    name: str, *, checkpoint: str | os.PathLike[str] | None = None, device: str = "cpu"
) -> LocalizationMethod:
    """The method called ``name``, ready to run on ``device``.

    A method that takes a checkpoint (comma) without one gets the built-in model
    (localizer/shipped.py). Raises :class:`UnknownMethodError` for an unknown or uninstalled
    method, :class:`~narrlocal_gui.localizer.weights.WeightsError` for a damaged built-in model.
    """
    info = METHODS.get(name)
    if info is None:
        raise UnknownMethodError(
            f"There is no localization method {name!r}; use one of {_names()}."
        )
    if not is_available(name):
        raise UnknownMethodError(f"The {name} method is not available in this installation.")
    cls = getattr(importlib.import_module(info.module), info.class_name)
    method: Any
    if info.takes_checkpoint:
        if checkpoint is None:
            from narrlocal_gui.localizer.shipped import shipped_checkpoint

            checkpoint = shipped_checkpoint()
        method = cls.from_checkpoint(checkpoint, device=device)
    elif info.name in ("centre", "flow"):
        method = cls()
    else:
        method = _construct(cls, device)
    if not isinstance(method, LocalizationMethod):
        raise TypeError(f"{info.target} does not implement localize(clip, phrase)")
    return method
