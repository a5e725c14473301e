"""``narrlocal train``: self-supervised CoMMA training on narrated videos.

Extracts (or finishes extracting) the features of ``--data`` into ``--features`` (default:
``features/`` in the data folder, or ``<list>.features/`` beside a list file), then trains
and writes ``--out`` (a CoMMA checkpoint for ``--method comma --checkpoint``) with its
resume state, log, metrics and plot beside it (localizer/training_config.TrainPaths).
Ctrl+C (or SIGTERM) stops after the current step with the state saved; ``--resume``
continues exactly there.

Under ``torchrun`` every process runs this command; the first extracts the features while
the others wait for them, each trains on its share of every epoch, and only the first
writes files (docs/training.md).

Registered in :data:`narrlocal_gui.cli.main.COMMANDS`; importing this module is cheap (torch is
imported by the handler).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from narrlocal_gui.cli.arguments import positive_number, whole_number
from narrlocal_gui.cli.exit_codes import EXIT_INTERRUPTED
from narrlocal_gui.cli.output import print_progress_line
from narrlocal_gui.core.time_format import format_clock
from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.localizer.encoders.feature_levels import FEATURE_LEVELS, feature_channels

if TYPE_CHECKING:
    from narrlocal_gui.localizer.training.config import TrainConfig, TrainProgress
    from narrlocal_gui.localizer.training.distributed import DistContext
    from narrlocal_gui.localizer.training.extraction import ExtractionProgress

__all__ = ["TRAIN_DESCRIPTION", "TRAIN_SUMMARY", "configure_train", "run_train"]

TRAIN_SUMMARY = "train the CoMMA localizer on narrated videos (self-supervised)"
TRAIN_DESCRIPTION = (
    "Train CoMMA from narrated videos and their transcripts, without boxes: the clip "
    "around each phrase is contrasted with the other clips and phrases of its batch. "
    "DATA is a folder of videos with transcripts (transcripts/<name>.json or a sidecar "
    ".json/.srt/.vtt; a splits.json limits training to its train split) or a list file. "
    "Features are extracted once into --features and reused. Writes the checkpoint OUT "
    "(for 'narrlocal eval pointing --method comma --checkpoint OUT') and beside it "
    "OUT-stem.resume.pt, .log, .metrics.jsonl and .png. For several GPUs or machines "
    "start it with torchrun (see docs/training.md)."
)

_WAIT_POLL_SECONDS = 2.0
POSITIVE_INT = whole_number(1)
COUNT = whole_number(0)


def _layers(text: str) -> tuple[str, ...]:
    from narrlocal_gui.localizer.model.config import parse_layers

    try:
        return parse_layers(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def configure_train(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data", type=Path, required=True, metavar="DATA", help="folder or list of videos"
    )
    parser.add_argument("--out", type=Path, required=True, metavar="CKPT", help="checkpoint")
    parser.add_argument(
        "--features",
        type=Path,
        metavar="DIR",
        help="feature cache (default: DATA/features, or DATA.features for a list file)",
    )
    parser.add_argument("--eval", type=Path, metavar="EVAL.json", help="validation set")
    # Options below default to None so that --resume can tell what was given.
    model = parser.add_argument_group("model (default: CA,SA,CA, width 128, 2 heads, 4 frames)")
    model.add_argument("--layers", type=_layers, metavar="CA,SA,CA", help="attention layers")
    model.add_argument("--width", type=POSITIVE_INT, metavar="D", help="model width")
    model.add_argument("--heads", type=POSITIVE_INT, metavar="H", help="attention heads")
    model.add_argument(
        "--frames", type=POSITIVE_INT, metavar="T", help="frames a clip is cut to (default 4)"
    )
    model.add_argument(
        "--self-attention",
        choices=("spatiotemporal", "spatial", "temporal"),
        help="what a video token attends to in SA layers (default spatiotemporal)",
    )
    model.add_argument(
        "--similarity", choices=("dot", "cosine"), help="pair score (default dot, as eq. 5)"
    )
    model.add_argument(
        "--video-features",
        choices=tuple(FEATURE_LEVELS),
        help="encoder grids the model reads (default head; docs/training.md)",
    )
    run = parser.add_argument_group("training")
    run.add_argument("--epochs", type=POSITIVE_INT, metavar="N", help="epochs (default 10)")
    run.add_argument(
        "--batch-size", type=POSITIVE_INT, metavar="B", help="clips per step (default 16)"
    )
    run.add_argument("--lr", type=positive_number, help="learning rate (default 1e-4)")
    run.add_argument("--loss", choices=("sentence", "word", "both"), help="loss (default sentence)")
    run.add_argument(
        "--word-loss-weight", type=positive_number, metavar="W", help="word loss weight"
    )
    run.add_argument("--seed", type=COUNT, metavar="N", help="random seed (default 0)")
    run.add_argument(
        "--checkpoint-every",
        type=COUNT,
        metavar="STEPS",
        help="steps between checkpoints, 0 for epoch ends only (default 50)",
    )
    parser.add_argument(
        "--device", choices=("auto", "cpu", "cuda"), default="auto", help="default auto"
    )
    parser.add_argument(
        "--extract-only", action="store_true", help="extract the features, do not train"
    )
    parser.add_argument("--resume", action="store_true", help="continue an interrupted run")
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace OUT and its files, and features of other data in --features",
    )


def _features_folder(args: argparse.Namespace) -> Path:
    if args.features is not None:
        features: Path = args.features
        return features
    data: Path = args.data
    return data / "features" if data.is_dir() else data.with_name(data.name + ".features")


def _config(args: argparse.Namespace, base: TrainConfig | None) -> TrainConfig:
    """The run's config: the defaults (or, resuming, the saved one) with the options given.
    Resuming, only --epochs may differ from the saved run."""
    from dataclasses import replace

    from narrlocal_gui.localizer.training.config import TrainConfig

    model_options = {
        "layers": args.layers,
        "width": args.width,
        "heads": args.heads,
        "max_frames": args.frames,
        "self_attention": args.self_attention,
        "similarity": args.similarity,
    }
    run_options = {
        "batch_size": args.batch_size,
        "lr": args.lr,
        "loss": args.loss,
        "word_loss_weight": args.word_loss_weight,
        "seed": args.seed,
        "checkpoint_every": args.checkpoint_every,
    }
    given_model = {k: v for k, v in model_options.items() if v is not None}
    if args.video_features is not None:
        given_model |= {
            "video_features": args.video_features,
            "video_dim": feature_channels(args.video_features),
        }
    given_run = {k: v for k, v in run_options.items() if v is not None}
    start = base if base is not None else TrainConfig()
    try:
        model = replace(start.model, **given_model)
        config = replace(start, model=model, **given_run)
        if args.epochs is not None:
            config = replace(config, epochs=args.epochs)
    except ValueError as exc:
        raise UserFacingError(f"Invalid training options: {exc}.") from None
    if base is not None and not base.same_run(config):
        raise UserFacingError(
            "--resume continues the saved run with its own settings; only --epochs may be "
            "given differently (start again with --force to change the others)."
        )
    return config


def _check_outputs(args: argparse.Namespace) -> None:
    from narrlocal_gui.localizer.training.config import TrainPaths

    out: Path = args.out
    if out.is_dir():
        raise UserFacingError(f"Cannot write '{out}': it is a folder; give a file name.")
    if not out.parent.is_dir():
        raise UserFacingError(f"Cannot write '{out}': the folder '{out.parent}' does not exist.")
    paths = TrainPaths(out)
    if args.resume:
        if not paths.resume_state.is_file():
            raise UserFacingError(
                f"There is no interrupted run to resume ('{paths.resume_state}' is missing)."
            )
        return
    existing = [p for p in (paths.checkpoint, paths.resume_state) if p.exists()]
    if existing and not args.force and not args.extract_only:
        raise UserFacingError(
            f"'{existing[0]}' already exists; use --force to replace it or --resume to "
            "continue that run."
        )


@contextmanager
def _stop_on_signals() -> Iterator[Callable[[], bool]]:
    """A cancel callback that turns true on Ctrl+C or SIGTERM (the run then saves its state
    and stops after the current step), for the duration of the block."""
    stopped = [False]

    def handler(signum: int, frame: FrameType | None) -> None:
        stopped[0] = True

    previous: dict[signal.Signals, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Outside the main thread there are no signal handlers (and no cancel).
        with contextlib.suppress(ValueError):
            previous[sig] = signal.signal(sig, handler)
    try:
        yield lambda: stopped[0]
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _extraction_progress() -> Callable[[ExtractionProgress], None] | None:
    if not sys.stderr.isatty():
        return None

    def report(p: ExtractionProgress) -> None:
        label = "Reading videos and transcripts" if p.stage == "plan" else "Encoding frames"
        print_progress_line(f"{label}... {p.done}/{p.total}", p.done >= p.total, p.eta)

    return report


def _train_progress() -> Callable[[TrainProgress], None] | None:
    if not sys.stderr.isatty():
        return None

    def report(p: TrainProgress) -> None:
        if p.stage == "validate":
            print_progress_line(f"Validating epoch {p.epoch + 1}/{p.epochs}...", False)
            return
        loss = f" loss {p.loss:.3f}" if p.loss is not None else ""
        rate = f" {p.clips_per_second:.1f} clips/s" if p.clips_per_second else ""
        text = f"Training: epoch {p.epoch + 1}/{p.epochs} step {p.step}/{p.total_steps}{loss}"
        print_progress_line(text + rate, p.stage == "done", p.eta)

    return report


def _wait_for_features(folder: Path) -> None:
    """Other processes of a distributed run wait for the first one's extraction (torchrun
    stops them all should it fail)."""
    from narrlocal_gui.localizer.training.extraction import FeaturesError, read_index

    while True:
        try:
            if read_index(folder).complete:
                return
        except FeaturesError:
            pass
        time.sleep(_WAIT_POLL_SECONDS)


def _extract(
    args: argparse.Namespace,
    config: TrainConfig,
    folder: Path,
    device: str,
    cancel: Callable[[], bool],
) -> None:
    from narrlocal_gui.localizer.training.clips import ClipSettings, find_training_videos
    from narrlocal_gui.localizer.training.extraction import extract_features, seconds_per_hour

    videos = find_training_videos(args.data)
    index = extract_features(
        videos,
        folder,
        settings=ClipSettings(
            features=config.model.video_features, max_frames=config.model.max_frames
        ),
        device=device,
        force=args.force,
        progress=_extraction_progress(),
        cancel=cancel,
    )
    hours = sum(index.video_seconds.values()) / 3600.0
    print(
        f"Features: {index.clip_count} clips from {len(index.video_seconds)} videos "
        f"({hours * 60:.1f} min of video) in '{folder}'; encoding took "
        f"{format_clock(index.extraction_seconds)} ({seconds_per_hour(index):.0f} s per hour "
        "of video)."
    )


def run_train(args: argparse.Namespace) -> int:
    from narrlocal_gui.localizer.adaptation import open_store
    from narrlocal_gui.localizer.pipeline import resolve_device
    from narrlocal_gui.localizer.training.config import TrainPaths
    from narrlocal_gui.localizer.training.distributed import context_from_env, finish, start
    from narrlocal_gui.localizer.training.loop import train
    from narrlocal_gui.localizer.training.resume import load_resume_state
    from narrlocal_gui.localizer.training.validation import Validator, load_validation_set
    from narrlocal_gui.progress import Cancelled

    if not args.data.exists():
        raise UserFacingError(f"The training data '{args.data}' does not exist.")
    if args.eval is not None and not args.eval.is_file():
        raise UserFacingError(f"The evaluation set '{args.eval}' does not exist.")
    _check_outputs(args)
    paths = TrainPaths(args.out)
    base = load_resume_state(paths.resume_state).config if args.resume else None
    config = _config(args, base)
    device, _ = resolve_device(args.device)
    try:
        context: DistContext = context_from_env()
    except ValueError as exc:
        raise UserFacingError(f"The torchrun environment is not usable: {exc}.") from None
    context, device = start(context, device)
    folder = _features_folder(args)
    began = time.perf_counter()
    try:
        with _stop_on_signals() as cancel:
            if context.is_main:
                try:
                    _extract(args, config, folder, device, cancel)
                except Cancelled:
                    print("Stopped; run the same command again to finish the features.")
                    return EXIT_INTERRUPTED
            else:
                _wait_for_features(folder)
            if args.extract_only:
                return 0
            store = open_store(folder, config)
            validator = None
            if args.eval is not None and context.is_main:
                validator = Validator(
                    load_validation_set(args.eval), store.index.settings, device=device
                )
            result = train(
                config,
                store,
                paths,
                validator=validator,
                resume=args.resume,
                device=device,
                context=context,
                progress=_train_progress() if context.is_main else None,
                cancel=cancel,
            )
    except BaseException:
        # No barrier on the way out: the other processes may never reach it; torchrun
        # stops them when this one fails.
        finish(context, wait=False)
        raise
    finish(context)
    if not context.is_main:
        return 0
    for metrics in result.history:
        line = f"epoch {metrics.epoch}: loss {metrics.loss:.4f}"
        if metrics.val_accuracy is not None:
            line += (
                f", validation pointing accuracy {metrics.val_accuracy:.3f} "
                f"(centre prior {metrics.centre_accuracy:.3f})"
            )
        print(line)
    elapsed = format_clock(time.perf_counter() - began)
    if not result.finished:
        print(f"Stopped at step {result.step} after {elapsed}; add --resume to continue.")
        return EXIT_INTERRUPTED
    last = result.last
    rate = f", {last.clips_per_second:.2f} clips/s" if last is not None else ""
    print(f"Trained {result.step} steps in {elapsed}{rate}; checkpoint '{paths.checkpoint}'.")
    return 0
