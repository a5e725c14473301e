"""``narrlocal export``: a project's annotated video, a still of it, or its annotations.

* ``narrlocal export PROJECT -o OUT.mp4``: the video with its indicators, drawn by the player's
  own render code (export/video_export.py), H.264 with the source's audio;
* ``narrlocal export PROJECT --still T -o OUT.png``: the frame shown at T, as the player shows it;
* ``narrlocal export PROJECT --format coco -o OUT.json``: the annotations in an exchange format
  (export/annotation_formats.py).

Registered in :data:`narrlocal_gui.cli.main.COMMANDS`. Importing this module is cheap; the
handler imports numpy, PyAV and the exporters. The output is refused before any work when it
exists without ``--force``. A progress line goes to stderr when it is a terminal; stdout gets
the path written.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from narrlocal_gui.cli.arguments import seconds_type
from narrlocal_gui.cli.output import check_output, print_progress_line
from narrlocal_gui.errors import UserFacingError

if TYPE_CHECKING:
    from narrlocal_gui.core.model import Project
    from narrlocal_gui.export.video_options import ExportProgress

__all__ = ["EXPORT_DESCRIPTION", "EXPORT_SUMMARY", "configure_export", "run_export"]

EXPORT_SUMMARY = "export a project's annotated video, a still of it, or its annotations"
EXPORT_DESCRIPTION = (
    "Write PROJECT's video with its indicators, drawn exactly as the player shows them, to an "
    "H.264 MP4 (-o OUT.mp4) with the source's audio; or, with --still T, the frame shown at T "
    "as a PNG; or, with --format, the annotations in an exchange format. Nothing is written "
    "until the export is complete, and an existing OUT is replaced only with --force."
)

#: ``annotation_formats.ANNOTATION_FORMATS``, spelt out so that --help imports nothing heavy
#: (tests/test_cli_export.py checks that the two agree).
FORMAT_NAMES = ("coco", "cvat", "mot", "vtt", "srt", "csv", "json")
_AUDIO_MODES = ("auto", "copy", "aac", "none")  # export.video_options.AudioMode
_PRESETS = (  # export.video_options.X264_PRESETS
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
)
# Options that only make sense for the video, refused with --still or --format.
_VIDEO_OPTIONS = ("crf", "preset", "audio", "start", "end")


def configure_export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", type=Path, metavar="PROJECT", help="a NarrLocal project file")
    parser.add_argument(
        "-o", "--output", type=Path, required=True, metavar="OUT", help="the file to write"
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument(
        "--still",
        type=seconds_type(),
        metavar="T",
        help="write the frame shown at T (seconds or m:ss) as a PNG instead of the video",
    )
    what.add_argument(
        "--format",
        choices=FORMAT_NAMES,
        metavar="FMT",
        help=f"write the annotations instead of the video: {', '.join(FORMAT_NAMES)}",
    )
    video = parser.add_argument_group("video options")
    video.add_argument(
        "--crf", type=int, metavar="N", help="quality, 0 (lossless) to 51 (worst); default 18"
    )
    video.add_argument(
        "--preset",
        choices=_PRESETS,
        metavar="P",
        help="x264 speed preset, ultrafast .. veryslow (slower: smaller file); default medium",
    )
    video.add_argument(
        "--audio",
        choices=_AUDIO_MODES,
        help="copy the source's audio, encode it as AAC, or leave it out; default auto "
        "(copy when every MP4 player can play it, else AAC)",
    )
    video.add_argument(
        "--start", type=seconds_type(), metavar="T", help="export from T (seconds or m:ss)"
    )
    video.add_argument("--end", type=seconds_type(), metavar="T", help="export up to T")
    parser.add_argument("--force", action="store_true", help="replace OUT if it exists")


def run_export(args: argparse.Namespace) -> int:
    from narrlocal_gui.core.project_io import load_project, looks_like_project

    out: Path = args.output
    given = [f"--{name}" for name in _VIDEO_OPTIONS if getattr(args, name) is not None]
    if given and (args.still is not None or args.format is not None):
        other = "--still" if args.still is not None else "--format"
        raise UserFacingError(f"{', '.join(given)} apply to the video export only, not {other}.")
    project_path: Path = args.project
    if project_path.exists() and not looks_like_project(project_path):
        raise UserFacingError(
            f"'{project_path}' is not a NarrLocal project file; export works on projects "
            "(make one with 'narrlocal localize' or the application)."
        )
    check_output(out, args.force)
    if out.exists() and out.resolve() == project_path.resolve():
        raise UserFacingError(f"Cannot write '{out}': it is the project file itself.")
    project = load_project(project_path)

    if args.format is not None:
        from narrlocal_gui.export.annotation_formats import export_annotations

        print(export_annotations(project, args.format, out, overwrite=args.force))
    elif args.still is not None:
        from narrlocal_gui.export.video_export import export_still

        print(export_still(project, args.still, out, overwrite=args.force))
    else:
        _export_video(args, project, out)
    return 0


def _export_video(args: argparse.Namespace, project: Project, out: Path) -> None:
    from narrlocal_gui.export.video_export import export_video
    from narrlocal_gui.export.video_options import AudioMode, VideoExportOptions

    defaults = VideoExportOptions()
    try:
        options = VideoExportOptions(
            crf=defaults.crf if args.crf is None else args.crf,
            preset=args.preset or defaults.preset,
            audio=AudioMode(args.audio or defaults.audio),
            start=args.start,
            end=args.end,
            overwrite=args.force,
        )
    except ValueError as exc:
        raise UserFacingError(f"Cannot export: {exc}.") from None
    result = export_video(project, out, options, progress=_progress_line())
    print(result.path)


def _progress_line() -> Callable[[ExportProgress], None] | None:
    if not sys.stderr.isatty():
        return None

    def report(p: ExportProgress) -> None:
        done = p.frames_done >= p.frames_total
        print_progress_line(
            f"Exporting... {p.frames_done}/{p.frames_total} frames ({int(p.fraction * 100)}%)",
            done,
            p.eta,
        )

    return report
