"""``narrlocal search`` (find the moments a typed query describes) and ``narrlocal eval
moments`` (how well it does on an annotated set, beside the baselines).

Only argparse-level code runs at import; the engine (numpy, torch) is imported by the
handlers. A bad query is a :class:`~narrlocal_gui.errors.UserFacingError`: one line, exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from narrlocal_gui.cli.exit_codes import EXIT_OK
from narrlocal_gui.cli.output import check_output, fraction_progress
from narrlocal_gui.errors import UserFacingError

if TYPE_CHECKING:
    from narrlocal_gui.core.model import Narration
    from narrlocal_gui.localizer.search.moment import Moment
    from narrlocal_gui.localizer.search.moments_eval import MomentScores

__all__ = [
    "SEARCH_DESCRIPTION",
    "SEARCH_SUMMARY",
    "configure_moments",
    "configure_search",
    "format_moments",
    "run_moments",
    "run_search",
]

SEARCH_SUMMARY = "find the moments of a video that a typed query describes"
SEARCH_DESCRIPTION = (
    "Search a video for a described moment ('pour the water into the kettle'): the "
    "picture (the localizer's encoder, every half second), motion for actions and, for a "
    "project, its narration. Prints the best moments as a table; --json writes them. The "
    "first search of a video computes its features (kept in the cache for the next)."
)


def configure_search(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", type=Path, help="a project file, or a video file")
    parser.add_argument("query", help="what to look for, e.g. 'pour the water'")
    parser.add_argument("--top", type=int, default=5, metavar="K", help="moments (default 5)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write them to OUT")
    parser.add_argument("--force", action="store_true", help="replace OUT if it exists")
    parser.add_argument("--device", default="cpu", help="torch device, e.g. cuda (default cpu)")


def format_moments(moments: list[Moment]) -> list[str]:
    """The table printed: rank, start, end, length, score."""
    from narrlocal_gui.core.time_format import format_clock

    lines = [f"{'rank':>4}  {'start':>9}  {'end':>9}  {'length':>7}  {'score':>6}"]
    for rank, m in enumerate(moments, 1):
        lines.append(
            f"{rank:>4}  {format_clock(m.start, 1):>9}  {format_clock(m.end, 1):>9}  "
            f"{m.duration:>6.1f}s  {m.score:>6.2f}"
        )
    return lines


def _write_json(out: Path, doc: object) -> None:
    from narrlocal_gui.core.project_io import atomic_write_bytes

    try:
        atomic_write_bytes(out, (json.dumps(doc, indent=1) + "\n").encode("utf-8"))
    except OSError as exc:
        raise UserFacingError(f"Cannot write '{out}': {exc.strerror or exc}.") from exc


def _media_and_narration(source: Path) -> tuple[Path, Narration | None]:
    from narrlocal_gui.core.project_io import load_project, looks_like_project

    if not source.exists():
        raise UserFacingError(f"Cannot open '{source}': no such file.")
    if not looks_like_project(source):
        return source, None
    project = load_project(source)
    if project.video is None:
        raise UserFacingError(f"'{source}' has no video to search.")
    media = Path(project.video.path)
    if not media.exists():
        raise UserFacingError(f"The video of '{source}', '{media}', is missing.")
    return media, project.narration if project.narration.segments else None


def run_search(args: argparse.Namespace) -> int:
    from narrlocal_gui.localizer.search.query import check_query

    if args.top < 1:
        raise UserFacingError("--top must be at least 1.")
    out: Path | None = args.json
    if out is not None:
        check_output(out, args.force)
    media, narration = _media_and_narration(args.source)
    query, _ = check_query(args.query)  # before loading anything: a typo costs nothing
    from narrlocal_gui.localizer.search.engine import SearchEngine

    engine = SearchEngine.load(args.device)
    video = engine.index_video(media, progress=fraction_progress("Reading the video"))
    spoken = engine.index_narration(narration) if narration is not None else None
    moments = engine.search(video, query, spoken, top=args.top)
    for line in format_moments(moments):
        print(line)
    if out is not None:
        moments_json = [
            {"start": round(m.start, 3), "end": round(m.end, 3), "score": round(m.score, 4)}
            for m in moments
        ]
        _write_json(out, {"query": query, "moments": moments_json})
    return EXIT_OK


def configure_moments(tasks: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    moments = tasks.add_parser(
        "moments",
        help="moment search on an annotated set (R@1, R@5, mIoU)",
        description="For each item (a query over a video, and the span it describes; the "
        "format is in docs/evaluation.md) search the video and score the ranked moments by "
        "temporal IoU: R@1 and R@5 at IoU 0.3/0.5/0.7 and mIoU, beside the whole-video, "
        "narration-span and random-span baselines, and with fusion weights chosen by "
        "leave-one-video-out cross-validation.",
    )
    moments.add_argument("dataset", type=Path, metavar="DATASET.json", help="the annotated set")
    moments.add_argument(
        "--media-root", type=Path, metavar="DIR", help="folder the media paths are relative to"
    )
    moments.add_argument("--json", type=Path, metavar="OUT", help="also write results to OUT")
    moments.add_argument("--force", action="store_true", help="replace OUT if it exists")
    moments.add_argument("--device", default="cpu", help="torch device (default cpu)")


def _score_rows(scores: list[MomentScores]) -> list[str]:
    head = "R@1 .3  R@1 .5  R@1 .7  R@5 .3  R@5 .5  R@5 .7    mIoU"
    lines = [f"{'method':<28} {head}"]
    for s in scores:
        cells = [*s.recall1, *s.recall5, s.miou]
        lines.append(f"{s.method:<28} " + "  ".join(f"{100 * c:6.1f}" for c in cells))
    return lines


def run_moments(args: argparse.Namespace) -> int:
    from narrlocal_gui.localizer.search.engine import SearchEngine, rank_evidence
    from narrlocal_gui.localizer.search.moments_eval import (
        baseline_predictions,
        cross_validate,
        load_moments,
        score_predictions,
    )
    from narrlocal_gui.narration.transcripts.reader import read_transcript

    out: Path | None = args.json
    if out is not None:
        check_output(out, args.force)
    if args.media_root is not None and not args.media_root.is_dir():
        raise UserFacingError(f"The media root '{args.media_root}' is not a folder.")
    name, items = load_moments(args.dataset, args.media_root)
    engine = SearchEngine.load(args.device)
    evidence = []
    durations = []
    for n, item in enumerate(items, 1):
        print(f"\r{name}: item {n} of {len(items)}", end="", file=sys.stderr, flush=True)
        video = engine.index_video(item.media)
        narration = None
        if item.transcript is not None:
            transcript = read_transcript(item.transcript).transcript
            narration = engine.index_narration(_cached_narration(transcript.narration))
        evidence.append(engine.evidence(video, item.query, narration))
        durations.append(evidence[-1].duration)
    print(file=sys.stderr)

    default = [rank_evidence(e, engine.weights, top=5) for e in evidence]
    cv, chosen = cross_validate(items, evidence, lambda e, w: rank_evidence(e, w, top=5))
    rows = [
        score_predictions("search (cross-validated)", items, cv),
        score_predictions("search (default weights)", items, default),
    ]
    for method, preds in baseline_predictions(items, durations).items():
        rows.append(score_predictions(method, items, preds))
    print(f"{name}: {len(items)} items on {len({i.media for i in items})} videos")
    for line in _score_rows(rows):
        print(line)
    if out is not None:
        doc = {
            "name": name,
            "items": len(items),
            "scores": [
                {"method": s.method, "r1": s.recall1, "r5": s.recall5, "miou": s.miou} for s in rows
            ],
            "cv_weights": {Path(v).name: repr(w) for v, w in chosen},
            "predictions": {
                i.id: [[m.start, m.end, m.score] for m in p] for i, p in zip(items, cv, strict=True)
            },
        }
        _write_json(out, doc)
    print(f"r1_iou05={rows[0].recall1[1]:.3f} whole_video={rows[2].recall1[1]:.3f}")
    return EXIT_OK


_NARRATIONS: dict[object, Narration] = {}


def _cached_narration(narration: Narration) -> Narration:
    # Items sharing a transcript share one Narration object, so it is indexed once.
    return _NARRATIONS.setdefault(narration, narration)
