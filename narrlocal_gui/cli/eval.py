"""``narrlocal eval pointing``: the pointing accuracy of a localization method on an
annotated set, always beside the centre-prior and optical-flow baselines.

Only argparse-level code runs at import (``narrlocal --help`` must stay light); numpy,
OpenCV, PyAV and torch are imported by the handler. Errors a user can cause are
:class:`~narrlocal_gui.errors.UserFacingError` (the CLI prints one line and exits 2).

The last line printed is exactly ``pointing_accuracy=A center_prior=C items=N box_acc50=B
box_miou=M`` for the chosen method (A, C, B and M with three decimals), for scripts.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from narrlocal_gui.cli import search
from narrlocal_gui.cli.arguments import frame_rate, seconds_type
from narrlocal_gui.cli.output import print_progress_line
from narrlocal_gui.errors import UserFacingError

if TYPE_CHECKING:
    from narrlocal_gui.localizer.evaluation import PointingReport
    from narrlocal_gui.localizer.methods.registry import LocalizationMethod

__all__ = ["EVAL_DESCRIPTION", "EVAL_SUMMARY", "configure_eval", "format_report", "run_eval"]

EVAL_SUMMARY = "measure localization accuracy on an annotated set (pointing game)"
EVAL_DESCRIPTION = (
    "Evaluate localization methods. 'pointing' runs a method on every item of an annotated "
    "set (a JSON file of phrases, each with boxes on one frame of a video or photo; the "
    "format is described in docs/evaluation.md) and reports the fraction of items whose "
    "predicted pixel falls inside a ground-truth box, per method and per kind, always "
    "beside the centre-prior and optical-flow baselines; and the quality of each method's "
    "box (Acc@IoU0.5, mIoU against the union of the item's boxes) beside a fixed centre "
    "box and the whole frame."
)

BASELINES = ("centre", "flow")


def configure_eval(parser: argparse.ArgumentParser) -> None:
    tasks = parser.add_subparsers(dest="eval_task", metavar="TASK", title="tasks")
    tasks.required = True
    pointing = tasks.add_parser(
        "pointing",
        help="pointing accuracy on an annotated set",
        description="For each item, the method sees the frames around the phrase (as in the "
        "application) and points at one pixel of the annotated frame; a hit is a pixel "
        "inside any box; its box is scored by IoU with the union of the item's boxes. Prints "
        "a table per method and per kind, then one line 'pointing_accuracy=A center_prior=C "
        "items=N box_acc50=B box_miou=M' for the chosen method.",
    )
    pointing.add_argument("dataset", type=Path, metavar="DATASET.json", help="the annotated set")
    pointing.add_argument(
        "--media-root",
        type=Path,
        metavar="DIR",
        help="folder the items' media paths are relative to (default: ../media beside the set)",
    )
    pointing.add_argument(
        "--method",
        metavar="NAME",
        help="centre, flow, bridge or comma (default: bridge where installed, else flow)",
    )
    pointing.add_argument(
        "--checkpoint",
        type=Path,
        metavar="CKPT",
        help="trained CoMMA weights for comma (default: the built-in model)",
    )
    pointing.add_argument(
        "--window",
        type=seconds_type(),
        default=5.0,
        metavar="SECONDS",
        help="seconds of video before and after each phrase (default 5)",
    )
    pointing.add_argument(
        "--fps",
        type=frame_rate,
        default=2.0,
        help="frames per second sampled in the window (default 2)",
    )
    pointing.add_argument("--device", default="cpu", help="torch device, e.g. cuda (default cpu)")
    pointing.add_argument(
        "--json", type=Path, metavar="OUT", help="also write per-item results to OUT (JSON)"
    )
    pointing.add_argument(
        "--all-methods",
        action="store_true",
        help="run every available method (comma: --checkpoint, else the built-in model)",
    )
    search.configure_moments(tasks)


def _method_names(chosen: str, all_methods: bool) -> list[str]:
    from narrlocal_gui.localizer.methods.registry import METHODS, is_available

    names = [chosen]
    extra = list(METHODS) if all_methods else list(BASELINES)
    for name in extra:
        if name in names or not is_available(name):
            continue
        names.append(name)
    return names


def format_report(report: PointingReport) -> list[str]:
    """The table: one row per method and kind (``all`` first), pointing then box quality;
    then the box baselines (no pointing of their own)."""
    from narrlocal_gui.localizer.evaluation import BOX_BASELINES

    header = ("method", "kind", "items", "hits", "accuracy", "box@0.5", "mIoU", "s/item")
    rows: list[tuple[str, ...]] = []
    for method in report.methods:
        for summary in (s for s in report.summaries() if s.method == method):
            first = summary.kind == "all"
            boxes = report.box_summary(method, summary.kind)
            rows.append(
                (
                    method if first else "",
                    summary.kind,
                    str(summary.items),
                    str(summary.hits),
                    f"{summary.accuracy:.3f}",
                    f"{boxes.accuracy:.3f}",
                    f"{boxes.mean_iou:.3f}",
                    f"{report.mean_seconds(method):.2f}" if first else "",
                )
            )
    for name in BOX_BASELINES:
        for kind in ("all", *report.kinds()):
            boxes = report.box_summary(name, kind)
            rows.append(
                (
                    name if kind == "all" else "",
                    kind,
                    str(boxes.items),
                    "-",
                    "-",
                    f"{boxes.accuracy:.3f}",
                    f"{boxes.mean_iou:.3f}",
                    "",
                )
            )
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    left = {0, 1}

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    n = len(report.dataset.items)
    title = (
        f"Pointing accuracy on '{report.dataset.name}': {n} item(s), frames "
        f"{report.window:g} s around each phrase at {report.fps:g} frames/s"
    )
    return [title, line(header), *(line(r) for r in rows)]


def _progress() -> Callable[[int, int], None] | None:
    if not sys.stderr.isatty():
        return None

    def report(done: int, total: int) -> None:
        print_progress_line(f"Evaluating... {done}/{total}", done >= total)

    return report


def run_eval(args: argparse.Namespace) -> int:
    if args.eval_task == "moments":
        return search.run_moments(args)
    if args.eval_task != "pointing":  # argparse allows only the tasks above
        raise UserFacingError(f"Unknown evaluation task {args.eval_task!r}.")
    import json

    from narrlocal_gui.core.project_io import atomic_write_bytes
    from narrlocal_gui.localizer.evaluation import (
        evaluate_pointing,
        load_pointing_dataset,
        report_json,
    )
    from narrlocal_gui.localizer.methods.registry import create_method, default_method

    out: Path | None = args.json
    if out is not None and (out.is_dir() or not out.parent.is_dir()):
        raise UserFacingError(f"Cannot write '{out}': choose a file in an existing folder.")
    if args.media_root is not None and not args.media_root.is_dir():
        raise UserFacingError(f"The media root '{args.media_root}' is not a folder.")
    dataset = load_pointing_dataset(args.dataset, args.media_root)
    chosen: str = args.method or default_method()
    names = _method_names(chosen, args.all_methods)
    methods: dict[str, LocalizationMethod] = {}
    for name in names:
        checkpoint = args.checkpoint if name == "comma" else None
        methods[name] = create_method(name, checkpoint=checkpoint, device=args.device)

    progress = _progress()
    report = evaluate_pointing(
        dataset,
        methods,
        window=args.window,
        fps=args.fps,
        progress=progress,
    )
    if out is not None:
        text = json.dumps(report_json(report), indent=2, ensure_ascii=False) + "\n"
        try:
            atomic_write_bytes(out, text.encode("utf-8"))
        except OSError as exc:
            raise UserFacingError(f"Cannot write '{out}': {exc.strerror or exc}.") from exc
    for row in format_report(report):
        print(row)
    main = report.summary(chosen)
    centre = report.summary("centre")
    boxes = report.box_summary(chosen)
    print(
        f"pointing_accuracy={main.accuracy:.3f} center_prior={centre.accuracy:.3f} "
        f"items={main.items} box_acc50={boxes.accuracy:.3f} box_miou={boxes.mean_iou:.3f}"
    )
    return 0
