"""The paper's ablations, reproduced on synthetic narrated clips (and scored on public.json).

Each row trains one model from scratch on the same synthetic training split (``narrlocal
synth``: two described objects a clip; in 9 of 10 narrated motions the other moves too)
with the same schedule, then scores held-out pointing accuracy with the evaluation code
itself (``Validator``: what ``narrlocal eval pointing`` reports for that checkpoint) on the
synthetic test split and, when ``../shared`` is beside the project, on
``../shared/eval/public.json`` (real video, which no row was trained on). Prints a Markdown
table: docs/training.md keeps the figures.

Usage: .venv/bin/python benchmarks/bench_ablations.py [--clips 200] [--epochs 8]
       [--rows NAME,NAME] [--out DIR]
Rows run one after another in this process; the whole default set takes about 45 minutes on
two CPU cores (``--rows`` picks some; ``--out`` keeps data, features and checkpoints).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PUBLIC = REPO.parent / "shared" / "eval" / "public.json"


@dataclass(frozen=True)
class Row:
    """One ablation: overrides of the model config and of the run config."""

    model: dict[str, Any] = field(default_factory=dict)
    run: dict[str, Any] = field(default_factory=dict)


#: The base of every row: width 64, 2 heads, 4 frames, cosine score, mid-level grids,
#: AdamW lr 1e-3, batches of 8, sentence + word loss (docs/training.md, "Measured").
ROWS: dict[str, Row] = {
    "CA only (shallow)": Row({"layers": ("CA",)}),
    "CA+CA": Row({"layers": ("CA", "CA")}),
    "CA+SA+CA (CoMMA)": Row({"layers": ("CA", "SA", "CA")}),
    "full attention + sentinel (3 layers)": Row({"layers": ("FULL", "FULL", "FULL")}),
    "CoMMA, sentence loss only": Row({"layers": ("CA", "SA", "CA")}, {"loss": "sentence"}),
    "CoMMA, word loss only": Row({"layers": ("CA", "SA", "CA")}, {"loss": "word"}),
    "CoMMA, spatial SA": Row({"layers": ("CA", "SA", "CA"), "self_attention": "spatial"}),
    "CoMMA, temporal SA": Row({"layers": ("CA", "SA", "CA"), "self_attention": "temporal"}),
    "CA only, head grids": Row({"layers": ("CA",), "video_features": "head"}),
}


def _config(row: Row, epochs: int) -> Any:
    from narrlocal_gui.localizer.encoders.feature_levels import feature_channels
    from narrlocal_gui.localizer.training.config import TrainConfig

    base = TrainConfig()
    model = dict(width=64, similarity="cosine", video_features="mid") | row.model
    model["video_dim"] = feature_channels(str(model["video_features"]))
    run = dict(epochs=epochs, batch_size=8, lr=1e-3, checkpoint_every=0, loss="both") | row.run
    return replace(base, model=replace(base.model, **model), **run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7, help="of the synthetic set")
    parser.add_argument("--rows", help="comma-separated row names (default: all)")
    parser.add_argument("--out", type=Path, help="keep everything here (default: a temp dir)")
    args = parser.parse_args()
    names = list(ROWS) if not args.rows else [n.strip() for n in args.rows.split(",")]
    unknown = [n for n in names if n not in ROWS]
    if unknown:
        parser.error(f"unknown rows: {unknown}; known: {list(ROWS)}")
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        run(args, names, args.out)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(args, names, Path(tmp))


def run(args: argparse.Namespace, names: list[str], out: Path) -> None:
    from narrlocal_gui.localizer.encoders.video_encoder import set_torch_threads
    from narrlocal_gui.localizer.model.checkpoints import load_checkpoint
    from narrlocal_gui.localizer.training.clips import ClipSettings, find_training_videos
    from narrlocal_gui.localizer.training.config import TrainPaths
    from narrlocal_gui.localizer.training.extraction import extract_features
    from narrlocal_gui.localizer.training.feature_store import FeatureStore
    from narrlocal_gui.localizer.training.loop import train
    from narrlocal_gui.localizer.training.validation import Validator, load_validation_set
    from narrlocal_gui.synth.dataset import SynthSettings, generate_dataset

    set_torch_threads()
    data = out / "synth"
    if not (data / "eval_test.json").is_file():
        settings = SynthSettings(
            clips=args.clips,
            seed=args.seed,
            split=(0.7, 0.0, 0.3),
            min_objects=2,
            max_objects=2,
            distractor_rate=0.9,
        )
        generate_dataset(data, settings, force=True)
    videos = find_training_videos(data)
    test_set = load_validation_set(data / "eval_test.json")
    public_set = load_validation_set(PUBLIC) if PUBLIC.is_file() else None
    validators: dict[tuple[str, str], Validator] = {}
    header = "| row | train s | loss first -> last | in-batch retrieval | synthetic pointing |"
    header += " public.json pointing |" if public_set is not None else ""
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    print(
        f"{args.clips} synthetic clips (seed {args.seed}), {args.epochs} epochs a row", flush=True
    )
    centre: dict[str, float] = {}
    for name in names:
        config = _config(ROWS[name], args.epochs)
        level = config.model.video_features
        clip_settings = ClipSettings(features=level)
        features = out / f"features-{level.replace('+', '-')}"
        index = extract_features(videos, features, settings=clip_settings)
        store = FeatureStore(
            features, max_frames=config.model.max_frames, max_words=config.model.max_words
        )
        slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
        began = time.perf_counter()
        result = train(config, store, TrainPaths(out / f"{slug}.pt"))
        seconds = time.perf_counter() - began
        model = load_checkpoint(result.paths.checkpoint)
        scores = []
        for label, dataset in (("synthetic", test_set), ("public", public_set)):
            if dataset is None:
                continue
            key = (label, level)
            if key not in validators:
                validators[key] = Validator(dataset, index.settings)
            score = validators[key].score(model)
            centre[label] = score.centre
            scores.append(f"{score.accuracy:.3f}")
        history = result.history
        line = (
            f"| {name} | {seconds:.0f} | {history[0].loss:.2f} -> {history[-1].loss:.2f} | "
            f"{history[-1].retrieval:.2f} | " + " | ".join(scores) + " |"
        )
        print(line, flush=True)
        lines.append(line)
    print()
    print("\n".join(lines))
    print(
        "centre prior: "
        + ", ".join(f"{label} {value:.3f}" for label, value in centre.items())
        + f"; test items: synthetic {len(test_set.items)}"
        + (f", public {len(public_set.items)}" if public_set is not None else "")
    )


if __name__ == "__main__":
    main()
