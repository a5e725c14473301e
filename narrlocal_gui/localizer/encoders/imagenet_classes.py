"""The 1000 ImageNet-1k class names, in the class-index order of the encoder's classifier.

Read from ``resources/imagenet_classes.txt`` (generated from timm's WordNet data by
``scripts/make_imagenet_classes.py``; its first line says where it came from). Each class has
one or more synonyms, e.g. ``["pickup", "pickup truck"]``.
"""

from __future__ import annotations

import functools
from pathlib import Path

from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.resources_path import resources_dir

__all__ = ["CLASS_FILE", "NUM_CLASSES", "ImageNetClassesError", "class_names", "class_synonyms"]

CLASS_FILE = "imagenet_classes.txt"
NUM_CLASSES = 1000


class ImageNetClassesError(UserFacingError):
    """The class-name resource is missing or damaged."""


def class_file() -> Path:
    return resources_dir() / CLASS_FILE


@functools.cache
def class_synonyms() -> tuple[tuple[str, ...], ...]:
    """For each class index, its names, most common first."""
    path = class_file()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ImageNetClassesError(
            f"The ImageNet class names file {path} cannot be read ({exc.strerror or exc}); "
            "reinstall NarrLocal."
        ) from exc
    rows = [line for line in lines if line.strip() and not line.startswith("#")]
    if len(rows) != NUM_CLASSES:
        raise ImageNetClassesError(
            f"The ImageNet class names file {path} lists {len(rows)} classes instead of "
            f"{NUM_CLASSES}; reinstall NarrLocal."
        )
    classes = tuple(tuple(n.strip() for n in row.split(",") if n.strip()) for row in rows)
    if any(not names for names in classes):
        raise ImageNetClassesError(f"The ImageNet class names file {path} has an empty class.")
    return classes


def class_names() -> tuple[str, ...]:
    """One readable name per class index (its first synonym)."""
    return tuple(names[0] for names in class_synonyms())
