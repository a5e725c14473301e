"""The ``narrlocal`` command: inspect media, build the demo, check projects, render frames.

Every subcommand is a :class:`Command` in :data:`COMMANDS`; adding one is adding an entry
there. Handlers import what they need when they run, so ``narrlocal --help`` starts in
milliseconds and never loads numpy, Qt or torch.

Exit codes:

* 0 - done;
* 1 - ``check`` found problems in a project that could be read;
* 2 - the input or the command line is at fault (a missing or unreadable file, a damaged or
  newer project, an output that exists without ``--force``): one line on stderr;
* 70 - an internal error (a bug): one line on stderr, the traceback in the log file;
* 130 - interrupted with Ctrl+C.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from narrlocal_gui import (
    __version__,
    cli_export,
    cli_localize,
    cli_localizer,
    cli_narration,
    cli_synth,
    cli_train,
)
from narrlocal_gui.cli_common import check_output, fraction_progress
from narrlocal_gui.core.time_format import format_clock
from narrlocal_gui.errors import UserFacingError

if TYPE_CHECKING:
    from narrlocal_gui.core.model import Project
    from narrlocal_gui.media.media_info import MediaInfo

__all__ = ["COMMANDS", "Command", "main"]

PROG = "narrlocal"

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USER_ERROR = 2
EXIT_INTERNAL_ERROR = 70  # EX_SOFTWARE in sysexits.h
EXIT_INTERRUPTED = 130

#: Image formats ``frame`` writes, by file suffix.
_IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


@dataclass(frozen=True, slots=True)
class Command:
    """One subcommand: its name, its one-line summary, how to set up its arguments, and the
    handler that runs it and returns the exit code."""

    name: str
    summary: str
    description: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------
def _one_line(text: str) -> str:
    """Messages are printed on exactly one line, whatever the exception carried."""
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def _fmt_bytes(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000.0 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000.0
    return f"{size} bytes"


def _fmt_fps(fps: float) -> str:
    return f"{fps:.3f}".rstrip("0").rstrip(".") + " fps"


def parse_time(text: str) -> float:
    """A time on the command line: seconds ("12.5") or [h:]m:s ("1:02.5", "0:01:02.5")."""
    parts = text.strip().split(":")
    if not 1 <= len(parts) <= 3 or any(not p.strip() for p in parts):
        raise argparse.ArgumentTypeError(f"not a time: {text!r} (use seconds or m:ss)")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time: {text!r} (use seconds or m:ss)") from None
    seconds = 0.0
    for value in values:
        seconds = seconds * 60.0 + value
    if not math.isfinite(seconds) or seconds < 0.0 or any(v < 0 for v in values):
        raise argparse.ArgumentTypeError(f"the time must be >= 0, got {text!r}")
    return seconds


# --------------------------------------------------------------------------------------------
# info
# --------------------------------------------------------------------------------------------
def _configure_info(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("media", type=Path, help="a video, image or audio file")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def _info_json(info: MediaInfo) -> dict[str, Any]:
    return {
        "path": str(info.path),
        "kind": info.kind.value,
        "duration": info.duration,
        "width": info.width,
        "height": info.height,
        "fps": info.fps,
        "frame_count": info.frame_count,
        "rotation": info.rotation,
        "has_audio": info.has_audio,
        "audio_sample_rate": info.audio_sample_rate,
        "audio_channels": info.audio_channels,
        "video_codec": info.video_codec,
        "audio_codec": info.audio_codec,
        "size_bytes": info.size_bytes,
        "declared_duration": info.declared_duration,
        "truncated": info.truncated,
    }


def _info_lines(info: MediaInfo) -> list[str]:
    from narrlocal_gui.media.media_info import MediaKind

    rows: list[tuple[str, str]] = [("kind", info.kind.value)]
    if info.kind is not MediaKind.IMAGE:
        rows.append(("duration", f"{format_clock(info.duration, 2)} ({info.duration:.3f} s)"))
        if info.truncated and info.declared_duration is not None:
            rows.append(
                (
                    "incomplete",
                    f"the header claims {format_clock(info.declared_duration, 2)}; only "
                    f"{format_clock(info.duration, 2)} exists (a truncated file)",
                )
            )
    if info.kind is not MediaKind.AUDIO:
        rows.append(("size", f"{info.width} x {info.height} px"))
    if info.kind is MediaKind.VIDEO:
        rows.append(("frame rate", _fmt_fps(info.fps)))
        rows.append(("frames", str(info.frame_count)))
    if info.kind is not MediaKind.AUDIO:
        turned = f", turned {info.rotation} degrees to show it upright" if info.rotation else ""
        rows.append(("rotation", f"{info.rotation}{turned}"))
        rows.append(("video codec", info.video_codec or "-"))
    if info.has_audio:
        channels = {1: "mono", 2: "stereo"}.get(info.audio_channels, f"{info.audio_channels} ch")
        rows.append(
            ("audio", f"{info.audio_codec or '?'}, {info.audio_sample_rate} Hz, {channels}")
        )
    else:
        rows.append(("audio", "none"))
    rows.append(("file size", _fmt_bytes(info.size_bytes)))
    width = max(len(k) for k, _ in rows)
    return [str(info.path)] + [f"  {k:<{width}}  {v}" for k, v in rows]


def _run_info(args: argparse.Namespace) -> int:
    import json

    from narrlocal_gui.media.media_info import probe

    info = probe(args.media)
    if args.json:
        print(json.dumps(_info_json(info), indent=2, ensure_ascii=False))
    else:
        print("\n".join(_info_lines(info)))
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# demo
# --------------------------------------------------------------------------------------------
def _configure_demo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FOLDER",
        help="write the demo clip and project into FOLDER (created if needed); "
        "default: the demo kept in the user cache, built on first use",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace demo files already in FOLDER (or rebuild the cached demo)",
    )


def _run_demo(args: argparse.Namespace) -> int:
    from narrlocal_gui import demo

    progress = fraction_progress("Building the demo")
    folder: Path | None = args.output
    if folder is None:
        print(demo.ensure_demo_project(progress, rebuild=args.force))
        return EXIT_OK
    if folder.exists() and not folder.is_dir():
        raise UserFacingError(f"Cannot write the demo into '{folder}': it is a file, not a folder.")
    for name in (demo.VIDEO_NAME, demo.PROJECT_NAME):
        target = folder / name
        if target.is_dir():
            raise UserFacingError(f"Cannot write '{target}': it is a folder.")
        if target.exists() and not args.force:
            raise UserFacingError(f"'{target}' already exists; use --force to replace it.")
    print(demo.build_demo_project(folder, progress))
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# check
# --------------------------------------------------------------------------------------------
def _configure_check(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", type=Path, help="a NarrLocal project file (.narrlocal)")


def _video_line(project: Project, problems: list[str]) -> str:
    from narrlocal_gui.media.media_info import probe

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
        problems.append(_one_line(str(exc)))
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
        f"{path} (found; {info.width} x {info.height} px, {_fmt_fps(info.fps)}, "
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


def _run_check(args: argparse.Namespace) -> int:
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


# --------------------------------------------------------------------------------------------
# frame
# --------------------------------------------------------------------------------------------
def _configure_frame(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", type=Path, help="a project file, or a video or image file")
    parser.add_argument(
        "-t",
        "--time",
        type=parse_time,
        required=True,
        metavar="T",
        help="the moment to render: seconds (12.5) or m:ss (0:12.5)",
    )
    parser.add_argument(
        "-o", "--output", type=Path, required=True, metavar="OUT", help="image to write (.png)"
    )
    parser.add_argument(
        "--no-indicators", action="store_true", help="the plain frame, without indicators"
    )
    parser.add_argument("--force", action="store_true", help="replace OUT if it exists")


def _run_frame(args: argparse.Namespace) -> int:
    import io

    from PIL import Image

    from narrlocal_gui.core.project_io import atomic_write_bytes, load_project, looks_like_project
    from narrlocal_gui.media.source import open_media
    from narrlocal_gui.render.frame_render import render_frame

    out: Path = args.output
    image_format = _IMAGE_FORMATS.get(out.suffix.lower())
    if image_format is None:
        raise UserFacingError(f"Cannot write '{out}': choose a file name ending in .png or .jpg.")
    check_output(out, args.force)

    t: float = args.time
    project = load_project(args.source) if looks_like_project(args.source) else None
    if project is not None:
        if project.video is None:
            raise UserFacingError(f"'{args.source}' has no video to take a frame from.")
        media = Path(project.video.path)
        if not media.exists():
            raise UserFacingError(f"The video of '{args.source}', '{media}', is missing.")
    else:
        media = args.source
    with open_media(media) as source:
        info = source.info
        # A small tolerance: "the last frame at the duration" is what people type.
        if t > info.duration + 1e-6 and info.frame_count > 1:
            raise UserFacingError(
                f"{t:g} s is after the end of '{media}' ({format_clock(info.duration, 2)})."
            )
        image = source.frame_at(t).image
    if project is not None and not args.no_indicators:
        image = render_frame(image, project, t)
    buffer = io.BytesIO()
    Image.fromarray(image, mode="RGB").save(buffer, format=image_format)
    try:
        atomic_write_bytes(out, buffer.getvalue())
    except OSError as exc:
        raise UserFacingError(f"Cannot write '{out}': {exc.strerror or exc}.") from exc
    print(out)
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# the registry and the entry point
# --------------------------------------------------------------------------------------------
COMMANDS: list[Command] = [
    Command(
        "info",
        "describe a media file (kind, duration, size, rate, audio, codecs)",
        "Probe a video, image or audio file and print what it is. With --json, print the "
        "same facts as a JSON object.",
        _configure_info,
        _run_info,
    ),
    Command(
        "demo",
        "write the demo clip and its project, print the project's path",
        "Build the demo: a short clip made from public-domain photos with narrated phrases "
        "(given as captions; the soundtrack is a chime per phrase) and an indicator of every "
        "style. Without -o, the copy kept in the user cache is used, built on first use.",
        _configure_demo,
        _run_demo,
    ),
    Command(
        "check",
        "load and validate a project, print a summary",
        "Read a project file strictly and report its video, narration, phrases and "
        "indicators. Exits with 1 when the project loads but has problems (missing video, "
        "boxes outside the frame, ...).",
        _configure_check,
        _run_check,
    ),
    Command(
        "frame",
        "render one frame, with the indicators visible then, to an image",
        "Render the frame shown at time T with the indicators visible at T (as the player "
        "and the exporter draw them). For a plain video or image, the frame as it is.",
        _configure_frame,
        _run_frame,
    ),
    Command(
        "transcribe",
        cli_narration.TRANSCRIBE_SUMMARY,
        cli_narration.TRANSCRIBE_DESCRIPTION,
        cli_narration.configure_transcribe,
        cli_narration.run_transcribe,
    ),
    Command(
        "align",
        cli_narration.ALIGN_SUMMARY,
        cli_narration.ALIGN_DESCRIPTION,
        cli_narration.configure_align,
        cli_narration.run_align,
    ),
    Command(
        "localize",
        cli_localize.LOCALIZE_SUMMARY,
        cli_localize.LOCALIZE_DESCRIPTION,
        cli_localize.configure_localize,
        cli_localize.run_localize,
    ),
    Command(
        "export",
        cli_export.EXPORT_SUMMARY,
        cli_export.EXPORT_DESCRIPTION,
        cli_export.configure_export,
        cli_export.run_export,
    ),
    Command(
        "synth",
        cli_synth.SYNTH_SUMMARY,
        cli_synth.SYNTH_DESCRIPTION,
        cli_synth.configure_synth,
        cli_synth.run_synth,
    ),
    Command(
        "train",
        cli_train.TRAIN_SUMMARY,
        cli_train.TRAIN_DESCRIPTION,
        cli_train.configure_train,
        cli_train.run_train,
    ),
    Command(
        "eval",
        cli_localizer.EVAL_SUMMARY,
        cli_localizer.EVAL_DESCRIPTION,
        cli_localizer.configure_eval,
        cli_localizer.run_eval,
    ),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="NarrLocal: review and annotate narrated videos from the command line.",
        epilog="Run 'narrlocal COMMAND --help' for a command's options. The desktop "
        "application is 'narrlocal-gui'.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    sub.required = True
    for command in COMMANDS:
        cmd_parser = sub.add_parser(
            command.name, help=command.summary, description=command.description
        )
        command.configure(cmd_parser)
        cmd_parser.set_defaults(handler=command.run)
    return parser


def _log_unexpected(argv: Sequence[str] | None) -> Path | None:
    """Append the current exception's traceback to the log; None if even that fails."""
    import datetime
    import traceback

    try:
        import platformdirs

        folder = Path(platformdirs.user_log_dir("NarrLocal"))
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / "narrlocal-cli.log"
        stamp = datetime.datetime.now().isoformat(timespec="seconds")
        with log.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {stamp} {PROG} {__version__} argv={list(argv or sys.argv[1:])!r}\n")
            fh.write(traceback.format_exc())
        return log
    except Exception:
        return None


def _error(message: str) -> None:
    print(f"{PROG}: error: {_one_line(message)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors: argparse has printed
        return exc.code if isinstance(exc.code, int) else EXIT_USER_ERROR
    try:
        result: int = args.handler(args)
        return result
    except UserFacingError as exc:
        _error(str(exc))
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`narrlocal info x | head -1`): not an error worth a message.
        # Point stdout at devnull so the interpreter's final flush does not complain.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        where = f" '{exc.filename}'" if exc.filename else ""
        _error(f"Cannot access{where}: {exc.strerror or exc}.")
        return EXIT_USER_ERROR
    except Exception as exc:
        log = _log_unexpected(argv)
        details = f" (details in {log})" if log is not None else ""
        _error(f"internal error: {type(exc).__name__}: {exc}{details}")
        return EXIT_INTERNAL_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
