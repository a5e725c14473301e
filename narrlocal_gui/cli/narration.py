"""``narrlocal transcribe`` and ``narrlocal align``: a video's narration as a transcript JSON.

Registered in :data:`narrlocal_gui.cli.main.COMMANDS`. Importing this module is cheap (the
parsers need only the model names); faster-whisper, pocketsphinx and numpy are imported by
the handlers. Both commands refuse to replace an existing output without ``--force`` before
doing any work, show a progress line on stderr only when it is a terminal, and print a
one-line summary on stdout.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from narrlocal_gui.cli.output import check_output, fraction_progress, print_progress_line
from narrlocal_gui.errors import UserFacingError

if TYPE_CHECKING:
    from narrlocal_gui.narration.asr import AsrProgress
    from narrlocal_gui.narration.transcript_json import Transcript

__all__ = [
    "ALIGN_DESCRIPTION",
    "ALIGN_SUMMARY",
    "TRANSCRIBE_DESCRIPTION",
    "TRANSCRIBE_SUMMARY",
    "configure_align",
    "configure_transcribe",
    "default_output",
    "run_align",
    "run_transcribe",
]

TRANSCRIBE_SUMMARY = "recognise a video's narration offline, with word times, into a JSON file"
TRANSCRIBE_DESCRIPTION = (
    "Transcribe the speech of VIDEO's audio track with Whisper (offline; the model comes "
    "with NarrLocal) and write the segments and words, with start/end seconds and "
    "confidences, as a NarrLocal transcript JSON. The language is detected; narration that "
    "is not English is refused unless --language names it."
)
ALIGN_SUMMARY = "time a plain-text transcript against a video's speech, into a JSON file"
ALIGN_DESCRIPTION = (
    "Forced alignment: find when each word of TEXT (a UTF-8 plain-text file with what is "
    "said, in English) is spoken in VIDEO, and write it as a NarrLocal transcript JSON with "
    "one segment per sentence."
)

_TRANSCRIPT_SUFFIX = ".transcript.json"


def default_output(video: Path) -> Path:
    """Where the transcript goes without -o: next to the video, ``<stem>.transcript.json``."""
    return video.with_name(video.stem + _TRANSCRIPT_SUFFIX)


def _language_code(text: str) -> str:
    code = text.strip().lower()
    if not re.fullmatch(r"[a-z]{2,3}", code):
        raise argparse.ArgumentTypeError(f"not a language code: {text!r} (use e.g. en, de, es)")
    return code


def _add_output_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="OUT.json",
        help=f"the transcript to write; default: <VIDEO's name>{_TRANSCRIPT_SUFFIX} beside it",
    )
    parser.add_argument("--force", action="store_true", help="replace OUT.json if it exists")


def configure_transcribe(parser: argparse.ArgumentParser) -> None:
    from narrlocal_gui.narration.asr_models import ASR_MODELS, DEFAULT_ASR_MODEL, DEVICES

    parser.add_argument(
        "video", type=Path, metavar="VIDEO", help="a video or audio file with narration"
    )
    _add_output_arguments(parser)
    models = ", ".join(f"{name}: {spec.label}" for name, spec in ASR_MODELS.items())
    parser.add_argument(
        "--model",
        choices=list(ASR_MODELS),
        default=DEFAULT_ASR_MODEL,
        help=f"the Whisper model ({models}); default: {DEFAULT_ASR_MODEL}",
    )
    parser.add_argument(
        "--language",
        type=_language_code,
        metavar="CODE",
        help="the language spoken, e.g. en or de; default: detect it, and accept only English",
    )
    parser.add_argument(
        "--device",
        choices=DEVICES,
        default="auto",
        help="where to run: auto (a CUDA GPU when there is one, else the CPU), cpu or cuda",
    )


def configure_align(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "video", type=Path, metavar="VIDEO", help="a video or audio file with narration"
    )
    parser.add_argument(
        "text", type=Path, metavar="TEXT", help="a UTF-8 text file with what is said"
    )
    _add_output_arguments(parser)


def _output_for(args: argparse.Namespace) -> Path:
    """The output path, refused (before any work) when it exists without --force."""
    from narrlocal_gui.media.media_info import check_media_path

    check_media_path(args.video)
    out: Path = args.output if args.output is not None else default_output(args.video)
    check_output(out, args.force)
    return out


def _asr_progress(label: str) -> Callable[[AsrProgress], None] | None:
    """A progress line with the time left on stderr, only for people watching a terminal."""
    if not sys.stderr.isatty():
        return None

    def report(p: AsrProgress) -> None:
        done = p.fraction >= 1.0
        print_progress_line(f"{label}... {int(p.fraction * 100):3d}%", done, p.eta_seconds)

    return report


def _write(out: Path, transcript: Transcript) -> None:
    from narrlocal_gui.narration.transcript_json import write_transcript_json

    try:
        write_transcript_json(out, transcript)
    except OSError as exc:
        raise UserFacingError(f"Cannot write '{out}': {exc.strerror or exc}.") from exc


def _counts(transcript: Transcript) -> tuple[int, int]:
    segments = transcript.narration.segments
    return len(segments), sum(len(s.words) for s in segments)


def run_transcribe(args: argparse.Namespace) -> int:
    from narrlocal_gui.narration.asr import AsrOptions, WhisperEngine, check_options

    out = _output_for(args)
    options = AsrOptions(model=args.model, language=args.language, device=args.device)
    check_options(options, args.video)
    engine = WhisperEngine.load(options.model, options.device)
    started = time.perf_counter()
    transcript = engine.transcribe(
        args.video, options, progress=_asr_progress(f"Transcribing {args.video.name}")
    )
    elapsed = time.perf_counter() - started
    _write(out, transcript)
    n_segments, n_words = _counts(transcript)
    language = transcript.narration.language or "?"
    if transcript.language_probability is not None:
        language += f" ({transcript.language_probability:.0%} sure)"
    rtf = elapsed / transcript.duration if transcript.duration else float("nan")
    print(
        f"{out}: {n_segments} segments, {n_words} words, language {language}; "
        f"{engine.name} on {engine.device} ({engine.compute_type}), "
        f"real-time factor {rtf:.2f}"
    )
    return 0


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserFacingError(f"Cannot read '{path}': the file does not exist.") from None
    except IsADirectoryError:
        raise UserFacingError(f"Cannot read '{path}': it is a folder, not a text file.") from None
    except UnicodeDecodeError:
        raise UserFacingError(
            f"Cannot read '{path}': it is not UTF-8 text; save it as UTF-8 and try again."
        ) from None
    except OSError as exc:
        raise UserFacingError(f"Cannot read '{path}': {exc.strerror or exc}.") from None


def run_align(args: argparse.Namespace) -> int:
    from narrlocal_gui.narration.alignment import align_text

    out = _output_for(args)
    text = _read_text(args.text)
    started = time.perf_counter()
    transcript = align_text(
        args.video, text, progress=fraction_progress(f"Aligning {args.text.name}")
    )
    elapsed = time.perf_counter() - started
    _write(out, transcript)
    n_segments, n_words = _counts(transcript)
    rtf = elapsed / transcript.duration if transcript.duration else float("nan")
    print(f"{out}: {n_segments} sentences, {n_words} words aligned; real-time factor {rtf:.2f}")
    return 0
