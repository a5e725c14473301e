"""``narrlocal localize``: the whole pipeline without the GUI, into a project file.

VIDEO's narration comes from ``--transcript`` (SRT, WebVTT, JSON with times, or plain text
aligned to the speech) or from offline speech recognition; it is split into phrases and
every phrase is localized (localizer/pipeline.py, the same code the GUI worker runs). The
project written is what the GUI opens: the video (with its duration, size and rate), the
narration, the phrases and one indicator per phrase (a box track, heat maps and a score).

Registered in :data:`narrlocal_gui.cli.main.COMMANDS`. Importing this module is cheap; numpy,
torch, PyAV and the models are imported by the handler. The output is refused, before any
work, when it exists without ``--force``. Progress goes to stderr only when it is a
terminal; stdout gets one summary line. A phrase that cannot be localized is skipped with a
warning on stderr; the project is still written, and the exit status is then 1.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from narrlocal_gui.cli.arguments import frame_rate, seconds_type
from narrlocal_gui.cli.output import check_output, print_progress_line
from narrlocal_gui.errors import UserFacingError

if TYPE_CHECKING:
    from narrlocal_gui.media.media_info import MediaInfo
    from narrlocal_gui.narration.transcript_json import Transcript

__all__ = [
    "LOCALIZE_DESCRIPTION",
    "LOCALIZE_SUMMARY",
    "configure_localize",
    "default_project_path",
    "run_localize",
]

LOCALIZE_SUMMARY = "localize every narrated phrase of a video, into a project file"
LOCALIZE_DESCRIPTION = (
    "Run the whole pipeline headless: take VIDEO's narration from --transcript (SRT, "
    "WebVTT, JSON with times, or plain text, which is aligned to the speech) or recognise "
    "it offline, split it into phrases, find when and where each phrase happens in the "
    "picture, and write a NarrLocal project (open it in narrlocal-gui) with one indicator "
    "per phrase."
)

_DEVICES = ("auto", "cpu", "cuda")
_PROJECT_SUFFIX = ".narrlocal"  # core.project_io.PROJECT_SUFFIX, without importing it here


def default_project_path(video: Path) -> Path:
    """Where the project goes without -o: ``<VIDEO's stem>.narrlocal`` beside the video."""
    return video.with_name(video.stem + _PROJECT_SUFFIX)


def configure_localize(parser: argparse.ArgumentParser) -> None:
    from narrlocal_gui.narration.asr_models import ASR_MODELS, DEFAULT_ASR_MODEL

    parser.add_argument("video", type=Path, metavar="VIDEO", help="a narrated video")
    parser.add_argument(
        "--transcript",
        type=Path,
        metavar="FILE",
        help="the narration (.srt, .vtt, .json, or .txt to align); default: recognise it",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="PROJECT",
        help=f"the project to write; default: <VIDEO's name>{_PROJECT_SUFFIX} beside it",
    )
    parser.add_argument(
        "--method",
        metavar="NAME",
        help="centre, flow, bridge or comma (default: bridge where installed, else flow)",
    )
    parser.add_argument(
        "--checkpoint",
        type=Path,
        metavar="CKPT",
        help="trained CoMMA weights for comma (default: the built-in model)",
    )
    parser.add_argument(
        "--window",
        type=seconds_type(maximum=600),
        default=5.0,
        metavar="S",
        help="seconds of video before and after each phrase (default 5)",
    )
    parser.add_argument(
        "--fps", type=frame_rate, default=2.0, help="frames per second sampled (default 2)"
    )
    parser.add_argument(
        "--model",
        choices=list(ASR_MODELS),
        default=DEFAULT_ASR_MODEL,
        help=f"the Whisper model when there is no --transcript (default {DEFAULT_ASR_MODEL})",
    )
    parser.add_argument(
        "--device",
        choices=_DEVICES,
        default="auto",
        help="where to run: auto (a GPU when there is one, else the CPU), cpu or cuda",
    )
    parser.add_argument("--force", action="store_true", help="replace PROJECT if it exists")


def _status(text: str) -> None:
    if sys.stderr.isatty():
        print(text, file=sys.stderr, flush=True)


def _localize_progress() -> Callable[[int, int, float | None], None] | None:
    if not sys.stderr.isatty():
        return None

    def report(done: int, total: int, eta: float | None) -> None:
        print_progress_line(f"Localizing phrases... {done}/{total}", done >= total, eta)

    return report


def _output_for(args: argparse.Namespace) -> Path:
    out: Path = args.output if args.output is not None else default_project_path(args.video)
    check_output(out, args.force)
    return out


def _check_method(name: str, checkpoint: Path | None) -> None:
    from narrlocal_gui.localizer.methods.registry import METHODS, is_available

    if name not in METHODS:
        raise UserFacingError(
            f"There is no localization method {name!r}; use one of {', '.join(METHODS)}."
        )
    if not is_available(name):
        raise UserFacingError(f"The {name} method is not available in this installation.")
    if checkpoint is not None and not checkpoint.is_file():
        raise UserFacingError(f"Cannot read the checkpoint '{checkpoint}': no such file.")


def _narration(args: argparse.Namespace, info: MediaInfo) -> Transcript:
    video: Path = args.video
    if args.transcript is not None:
        from narrlocal_gui.narration.transcripts.reader import read_transcript

        imported = read_transcript(args.transcript, media_duration=info.duration)
        if not imported.needs_alignment:
            return imported.transcript
        from narrlocal_gui.narration.alignment import align_text

        _status(f"Aligning {args.transcript.name} to the speech...")
        return align_text(video, imported.text)
    from narrlocal_gui.narration.asr import AsrOptions, check_options, transcribe

    options = AsrOptions(model=args.model, device=args.device)
    check_options(options, video)
    _status(f"Transcribing {video.name} ({args.model})...")
    return transcribe(video, options)


def run_localize(args: argparse.Namespace) -> int:
    from narrlocal_gui.core.ids import new_id
    from narrlocal_gui.core.localization_edits import apply_localization
    from narrlocal_gui.core.model import Project, VideoRef
    from narrlocal_gui.core.project_io import save_project
    from narrlocal_gui.localizer.methods.registry import default_method
    from narrlocal_gui.localizer.pipeline import (
        PhraseFailure,
        PhraseLocalizer,
        covered_seconds,
        localize_phrases,
    )
    from narrlocal_gui.localizer.settings import LocalizeSettings
    from narrlocal_gui.media.media_info import MediaKind, check_media_path
    from narrlocal_gui.media.probe import probe
    from narrlocal_gui.narration.phrases import extract_phrases

    started = time.perf_counter()
    video = check_media_path(args.video)
    out = _output_for(args)
    method: str = args.method or default_method()
    _check_method(method, args.checkpoint)
    info = probe(video)
    if info.kind is not MediaKind.VIDEO:
        raise UserFacingError(
            f"'{video}' is {'an audio file' if info.kind is MediaKind.AUDIO else 'a picture'}; "
            "localize needs a video with narration."
        )
    settings = LocalizeSettings(
        method=method,
        window=args.window,
        fps=args.fps,
        device=args.device,
        checkpoint=str(args.checkpoint) if args.checkpoint is not None else None,
    )
    localizer = PhraseLocalizer(settings)
    localizer.device_notice  # noqa: B018 - refuse a missing GPU before the slow steps

    transcript = _narration(args, info)
    narration = transcript.narration
    phrases = extract_phrases(narration)
    if not phrases:
        raise UserFacingError(f"The narration of '{video}' has no phrases to localize.")
    project = Project(
        video=VideoRef(
            path=str(video.expanduser().absolute()),
            duration=info.duration,
            width=info.width,
            height=info.height,
            fps=info.fps,
            size_bytes=info.size_bytes,
        ),
        narration=narration,
        phrases=phrases,
    )

    _status(f"Loading the {method} localizer ({localizer.device_notice})...")
    localizer.load()
    localize_started = time.perf_counter()
    skipped: list[PhraseFailure] = []

    def warn(failure: PhraseFailure) -> None:
        skipped.append(failure)
        if sys.stderr.isatty():
            print(file=sys.stderr)  # off the progress line
        print(f'narrlocal: warning: skipped "{failure.text}": {failure.reason}', file=sys.stderr)

    try:
        results = localize_phrases(
            video,
            phrases,
            settings,
            progress=_localize_progress(),
            on_failure=warn,
            localizer=localizer,
        )
    finally:
        localizer.close()
    localize_seconds = time.perf_counter() - localize_started
    for result in results:
        project = apply_localization(
            project,
            result.phrase_id,
            result.track,
            result.heatmaps,
            result.score,
            new_indicator_id=new_id("ind"),
        )
    save_project(project, out)

    covered = covered_seconds(phrases, settings.window, info.duration)
    speed = info.duration / localize_seconds if localize_seconds > 0 else math.inf
    print(
        f"{out}: {len(phrases)} phrases, {len(results)} localized in {localize_seconds:.1f} s "
        f"({speed:.1f}x real time for {info.duration:.1f} s of video, {covered:.1f} s in "
        f"phrase windows) with {method} on {localizer.device_notice}; "
        f"total {time.perf_counter() - started:.1f} s"
        + (f"; {len(skipped)} skipped (see the warnings)" if skipped else "")
    )
    return 1 if skipped else 0
