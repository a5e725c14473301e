"""Make the built-in CoMMA checkpoint (resources/comma-synth.pt) and its description.

Runs, in WORK (kept, so that a second run skips what is done):

1. ``narrlocal synth`` -- 600 synthetic narrated clips (skipped when WORK/synth exists);
2. ``narrlocal train`` -- the model, self-supervised (skipped when WORK/comma-synth.pt
   exists; delete it to train again);
3. ``narrlocal eval pointing`` -- on the synthetic test split and, when ../shared is beside
   the project, on ../shared/eval/public.json (every method);

then copies the checkpoint into resources/, writes resources/comma-synth.json (the exact
commands, settings, sha256 and the measured accuracies) and prints the size and sha256 to
pin in narrlocal_gui/localizer/methods/shipped.py. About 15 minutes on two CPU cores.

Usage: .venv/bin/python scripts/train_shipped_model.py WORK
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESOURCES = REPO / "resources"
PUBLIC = REPO.parent / "shared" / "eval" / "public.json"
NARRLOCAL = Path(sys.executable).with_name("narrlocal")

SYNTH = ["--clips", "600", "--seed", "7", "--split", "0.7,0,0.3", "--objects", "2"]
SYNTH += ["--distractors", "0.9"]
TRAIN = ["--layers", "CA", "--width", "64", "--heads", "2", "--frames", "4"]
TRAIN += ["--similarity", "cosine", "--video-features", "mid", "--loss", "both"]
TRAIN += ["--lr", "1e-3", "--batch-size", "8", "--epochs", "10", "--seed", "0", "--device", "cpu"]


def _run(args: list[str]) -> None:
    print("+ narrlocal " + " ".join(args), flush=True)
    subprocess.run([str(NARRLOCAL), *args], check=True)


def _accuracies(report: Path) -> dict[str, Any]:
    """Each method's accuracy over all items of an ``eval pointing --json`` report, and the
    number of items."""
    methods = json.loads(report.read_text(encoding="utf-8"))["methods"]
    found: dict[str, Any] = {m: round(k["all"]["accuracy"], 4) for m, k in methods.items()}
    found["items"] = int(next(iter(methods.values()))["all"]["items"])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path, metavar="WORK")
    work: Path = parser.parse_args().work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    synth, checkpoint = work / "synth", work / "comma-synth.pt"
    synth_args = ["synth", str(synth), *SYNTH]
    train_args = ["train", "--data", str(synth), "--out", str(checkpoint), *TRAIN]
    if not (synth / "manifest.json").is_file():
        _run(synth_args)
    if not checkpoint.is_file():
        _run(train_args)

    accuracy: dict[str, Any] = {}
    test = synth / "eval_test.json"
    evals = [("synthetic_test", test, ["--media-root", str(synth), "--method", "comma"])]
    if PUBLIC.is_file():
        evals.append(("public", PUBLIC, ["--method", "comma", "--all-methods"]))
    for label, dataset, options in evals:
        report = work / f"eval-{label}.json"
        where = ["--checkpoint", str(checkpoint), "--json", str(report)]
        _run(["eval", "pointing", str(dataset), *options, *where])
        accuracy[label] = _accuracies(report)

    target = RESOURCES / "comma-synth.pt"
    shutil.copyfile(checkpoint, target)
    from narrlocal_gui.file_hash import file_sha256
    from narrlocal_gui.localizer.model.checkpoints import load_checkpoint

    digest = file_sha256(target)
    config = load_checkpoint(target).config.to_dict()
    info = {
        "file": target.name,
        "sha256": digest,
        "size": target.stat().st_size,
        "commands": [
            "narrlocal " + " ".join(["synth", "DATA", *SYNTH]),
            "narrlocal " + " ".join(["train", "--data", "DATA", "--out", "comma-synth.pt", *TRAIN]),
        ],
        "data": "600 clips of `narrlocal synth` (8 s, 320x240, 12 fps, two described objects "
        "a clip; in 9 of 10 narrated motions another object moves too, unmentioned); "
        "trained on the 420 clips of the train split, narration only (no boxes); tested "
        "on the 180 held-out clips",
        "model": config,
        "accuracy": accuracy,
        "made_by": "scripts/train_shipped_model.py",
    }
    (RESOURCES / "comma-synth.json").write_text(json.dumps(info, indent=1) + "\n", "utf-8")
    print(f"SHIPPED_SHA256 = {digest!r}\nSHIPPED_SIZE = {target.stat().st_size}")
    print(json.dumps(accuracy, indent=1))


if __name__ == "__main__":
    main()
