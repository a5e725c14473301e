"""``narrlocal check``: load a project strictly, print a summary and the problems found.

Exits with :data:`~narrlocal_gui.cli.exit_codes.EXIT_PROBLEMS` when the project loads but has
problems. Registered in :data:`narrlocal_gui.cli.main.COMMANDS`; the handler imports the
project and media code.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from narrlocal_gui.cli.exit_codes import EXIT_OK, EXIT_PROBLEMS
from narrlocal_gui.cli.output import fmt_fps, one_line
from narrlocal_gui.core.time_format import format_clock
from narrlocal_gui.errors import UserFacingError

if TYPE_CHECKING:
    from narrlocal_gui.core.model import Project

__all__ = ["CHECK_DESCRIPTION", "CHECK_SUMMARY", "configure_check", "run_check"]

CHECK_SUMMARY = "load and validate a project, print a summary"
CHECK_DESCRIPTION = (
    "Read a project file strictly and report its video, narration, phrases and "
    "indicators. Exits with 1 when the project loads but has problems (missing video, "
    "boxes outside the frame, ...)."
)


def configure_check(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", type=Path, help="a NarrLocal project file (.narrlocal)")


def _video_line(project: Project, problems: list[str]) -> str:
    from narrlocal_gui.media.probe import probe

    video = project.video
    if video is None:
        problems.append("the project has no video")
        return "none"
    path = Path(video.path)
    if not path.exists():
        problems.append(f"the video '{path}' is missing")
        return f"{path} (MISSING)"
    try:
        info = probe(path)
    except UserFacingError as exc:
        problems.append(one_line(str(exc)))
        return f"{path} (found, but unreadable)"
    if (video.width, video.height) != (None, None) and (video.width, video.height) != (
        info.width,
        info.height,
    ):
        problems.append(
            f"the video is {info.width} x {info.height} px but the project was made for "
            f"{video.width} x {video.height} px"
        )
    if video.duration is not None and abs(video.duration - info.duration) > 0.5:
        problems.append(
            f"the video lasts {format_clock(info.duration, 2)} but the project was made for one of "
            f"{format_clock(video.duration, 2)}"
        )
    return (
        f"{path} (found; {info.width} x {info.height} px, {fmt_fps(info.fps)}, "
        f"{format_clock(info.duration, 2)})"
    )


def _indicator_problems(project: Project) -> list[str]:
    problems: list[str] = []
    video = project.video
    phrases = {p.id: p for p in project.phrases}
    for ind in project.indicators:
        name = f"indicator {ind.id!r} ({phrases[ind.phrase_id].text!r})"
        if ind.enabled and not ind.track and not ind.heatmaps:
            problems.append(f"{name} has neither a box nor a heat map, so it shows nothing")
        if video is not None and video.width and video.height:
            outside = [
                p.time
                for p in ind.track
                if p.box.x2 <= 0
                or p.box.y2 <= 0
                or p.box.x1 >= video.width
                or p.box.y1 >= video.height
            ]
            if outside:
                problems.append(
                    f"{name} has {len(outside)} box(es) entirely outside the frame "
                    f"(first at {format_clock(outside[0], 2)})"
                )
    if video is not None and video.duration is not None:
        late = [p for p in project.phrases if p.start > video.duration]
        if late:
            problems.append(
                f"{len(late)} phrase(s) start after the video ends, first {late[0].text!r} "
                f"at {format_clock(late[0].start, 2)}"
            )
    return problems


def run_check(args: argparse.Namespace) -> int:
    from collections import Counter

    from narrlocal_gui.core.model import IndicatorStyle
    from narrlocal_gui.core.project_io import load_project

    project = load_project(args.project)
    problems: list[str] = []
    rows: list[tuple[str, str]] = [("video", _video_line(project, problems))]

    narration = project.narration
    words = sum(len(s.words) for s in narration.segments)
    language = f", language {narration.language}" if narration.language else ""
    rows.append(
        (
            "narration",
            f"{len(narration.segments)} segment(s), {words} timed word(s) "
            f"(source {narration.source}{language})",
        )
    )
    if project.phrases:
        first = min(p.start for p in project.phrases)
        last = max(p.end for p in project.phrases)
        span = f" from {format_clock(first, 2)} to {format_clock(last, 2)}"
    else:
        span = ""
    rows.append(("phrases", f"{len(project.phrases)}{span}"))

    indicators = project.indicators
    enabled = sum(1 for i in indicators if i.enabled)
    points = sum(len(i.track) for i in indicators)
    heat = sum(len(i.heatmaps) for i in indicators)
    rows.append(
        (
            "indicators",
            f"{len(indicators)} ({enabled} enabled), {points} track point(s), {heat} heat map(s)",
        )
    )
    counts = Counter(i.style for i in indicators)
    styles = ", ".join(f"{s.value} {counts[s]}" for s in IndicatorStyle if counts[s])
    rows.append(("styles", styles or "-"))
    default = project.display.default_duration
    shown = "as long as the phrase" if default is None else f"{default:g} s"
    overrides = sum(1 for i in indicators if i.duration_override is not None)
    rows.append(("display", f"indicators shown {shown}; {overrides} with their own duration"))
    missing = [p.text for p in project.phrases if project.indicator_for_phrase(p.id) is None]
    if missing:
        rows.append(("unlocalized", f"{len(missing)} phrase(s) without an indicator"))

    problems.extend(_indicator_problems(project))
    width = max(len(k) for k, _ in rows)
    print(str(args.project))
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    if problems:
        print(f"{len(problems)} problem(s):")
        for problem in problems:
            print(f"  - {problem}")
        return EXIT_PROBLEMS
    print("OK: no problems found.")
    return EXIT_OK
