"""Do the encoder's grid cells know what a synthetic object looks like? A linear probe.

For every evaluation item of a small ``narrlocal synth`` set (the training-proof set of
tests/test_training_learns.py, without distractors), the annotated frame is encoded and each
grid cell labelled with the described object's colour and shape when the cell's centre (or
the cell under the box centre) lies in its box, else "background". A logistic regression
per grid level is fitted on the train split's cells, WITH the boxes (an upper bound, not
the self-supervised model); on each held-out frame the cell with the highest score for the
phrase's colour, shape or both is taken as the point, and a hit is a point in the box.

A level whose cells cannot be probed for colour and shape cannot be learned to point from
either: this is how the head grids (what the ImageNet classifier reads) were ruled out for
training (docs/training.md, "Measured").

Usage: .venv/bin/python benchmarks/bench_feature_probe.py [--clips 60] [--short-side 224]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from narrlocal_gui.synth.scene import Colour, Shape  # noqa: E402

COLOURS = [c.value for c in Colour]
SHAPES = [s.value for s in Shape]
#: name -> (block whose output is tapped, or None for the head / the pixels)
LEVELS = {"mean RGB": "rgb", "block 4": 4, "block 10 (mid)": 10, "block 15": 15, "head": None}


def _frame_at(path: Path, time: float) -> np.ndarray:
    from narrlocal_gui.media.source import open_media

    with open_media(path) as source:
        return np.asarray(source.frame_at(time).image)


def _grids(encoder: Any, image: np.ndarray, short_side: int) -> dict[str, np.ndarray]:
    import torch
    import torch.nn.functional as F  # noqa: N812 (the usual name)

    taps: dict[int, torch.Tensor] = {}
    hooks = [
        encoder._model._blocks[k].register_forward_hook(
            lambda module, args, out, k=k: taps.__setitem__(k, out.detach().float())
        )
        for k in (4, 10, 15)
    ]
    try:
        head = torch.from_numpy(encoder.encode(image[None], short_side=short_side))
    finally:
        for hook in hooks:
            hook.remove()
    size = tuple(head.shape[2:])
    pixels = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None].float() / 255
    out = {}
    for name, level in LEVELS.items():
        if level is None:
            grid = head
        elif level == "rgb":
            grid = F.adaptive_avg_pool2d(pixels, size)
        else:
            grid = F.adaptive_avg_pool2d(taps[int(level)], size)
        out[name] = grid[0].numpy()
    return out


def _items(root: Path, name: str, encoder: Any, short_side: int) -> list[dict[str, Any]]:
    from narrlocal_gui.localizer.evaluation import load_pointing_dataset

    dataset = load_pointing_dataset(root / name, root)
    found = []
    for item in dataset.items:
        words = item.phrase.split()
        colour = next((COLOURS.index(w) for w in words if w in COLOURS), None)
        shape = next((SHAPES.index(w) for w in words if w in SHAPES), None)
        assert item.time is not None
        image = _frame_at(dataset.media_path(item), float(item.time))
        grids = _grids(encoder, image, short_side)
        _, rows, cols = next(iter(grids.values())).shape
        height, width = image.shape[:2]
        x0, y0, x1, y1 = item.boxes[0]
        ys = (np.arange(rows) + 0.5) * height / rows
        xs = (np.arange(cols) + 0.5) * width / cols
        inside = (ys[:, None] >= y0) & (ys[:, None] <= y1) & (xs >= x0) & (xs <= x1)
        inside[
            min(rows - 1, int((y0 + y1) / 2 * rows / height)),
            min(cols - 1, int((x0 + x1) / 2 * cols / width)),
        ] = True
        found.append(
            {
                "grids": {k: g.reshape(g.shape[0], -1).T for k, g in grids.items()},
                "inside": inside.reshape(-1),
                "colour": colour,
                "shape": shape,
                "box": (x0, y0, x1, y1),
                "geometry": (height, width, rows, cols),
            }
        )
    return found


def _fit(train: list[dict[str, Any]], level: str, attribute: str, classes: int) -> Any:
    import torch

    xs, ys = [], []
    for item in train:
        label = item[attribute]
        if label is None:
            continue
        cells = item["grids"][level]
        target = np.full(len(cells), classes)
        target[item["inside"]] = label
        xs.append(cells)
        ys.append(target)
    x = torch.tensor(np.concatenate(xs), dtype=torch.float32)
    y = torch.tensor(np.concatenate(ys))
    mean, std = x.mean(0), x.std(0) + 1e-4
    torch.manual_seed(0)
    probe = torch.nn.Linear(x.shape[1], classes + 1)
    optimizer = torch.optim.AdamW(probe.parameters(), 1e-2, weight_decay=1e-2)
    for _ in range(300):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(probe((x - mean) / std), y)
        loss.backward()
        optimizer.step()

    def scores(cells: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            logits = probe((torch.tensor(cells, dtype=torch.float32) - mean) / std)
            return torch.log_softmax(logits, -1).numpy()

    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=60)
    parser.add_argument("--short-side", type=int, default=224)
    args = parser.parse_args()
    from narrlocal_gui.localizer.encoders.video_encoder import VideoEncoder
    from narrlocal_gui.synth.dataset import SynthSettings, generate_dataset

    settings = SynthSettings(
        clips=args.clips,
        seed=7,
        split=(0.7, 0.0, 0.3),
        min_objects=2,
        max_objects=2,
        distractor_rate=0.0,
    )
    encoder = VideoEncoder.load("cpu")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate_dataset(root, settings, force=True)
        train = _items(root, "eval_train.json", encoder, args.short_side)
        test = [
            i
            for i in _items(root, "eval_test.json", encoder, args.short_side)
            if i["colour"] is not None and i["shape"] is not None
        ]
    print(f"{len(train)} training frames, {len(test)} held-out frames naming a colour and a shape")
    print("| grid | channels | colour | shape | both |\n|---|---|---|---|---|")
    results = {}
    for level in LEVELS:
        colour = _fit(train, level, "colour", len(COLOURS))
        shape = _fit(train, level, "shape", len(SHAPES))
        hits = {"colour": 0, "shape": 0, "both": 0}
        for item in test:
            cells = item["grids"][level]
            by_colour = colour(cells)[:, item["colour"]]
            by_shape = shape(cells)[:, item["shape"]]
            height, width, rows, cols = item["geometry"]
            for name, score in (
                ("colour", by_colour),
                ("shape", by_shape),
                ("both", by_colour + by_shape),
            ):
                row, col = divmod(int(np.argmax(score)), cols)
                x, y = (col + 0.5) * width / cols, (row + 0.5) * height / rows
                x0, y0, x1, y1 = item["box"]
                hits[name] += int(x0 <= x <= x1 and y0 <= y <= y1)
        share = {k: v / len(test) for k, v in hits.items()}
        results[level] = share
        channels = test[0]["grids"][level].shape[1]
        print(
            f"| {level} | {channels} | {share['colour']:.2f} | {share['shape']:.2f} | "
            f"{share['both']:.2f} |"
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
