"""The ``narrlocal`` command: the parser, the dispatch to the command modules and the
handling of errors.

Every subcommand is a :class:`Command` in :data:`COMMANDS`, its code in the module named
for it; adding one is adding a module and an entry there. Handlers import what they need
when they run, so ``narrlocal --help`` starts in milliseconds and never loads numpy, Qt or
torch.

A failure a user can cause (:class:`~narrlocal_gui.errors.UserFacingError`, an
:class:`OSError`) is one line on stderr, ``narrlocal: error: ...``, and exit code 2; a bug
is one line and exit code 70, its traceback in the log file (exit_codes.py lists them all).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from narrlocal_gui import __version__
from narrlocal_gui.cli import (
    check,
    demo,
    eval,
    export,
    frame,
    info,
    localize,
    narration,
    search,
    synth,
    train,
)
from narrlocal_gui.cli.exit_codes import (
    EXIT_INTERNAL_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USER_ERROR,
)
from narrlocal_gui.cli.output import one_line
from narrlocal_gui.errors import UserFacingError

__all__ = ["COMMANDS", "Command", "build_parser", "main"]

PROG = "narrlocal"


@dataclass(frozen=True, slots=True)
class Command:
    """One subcommand: its name, its one-line summary, how to set up its arguments, and the
    handler that runs it and returns the exit code."""

    name: str
    summary: str
    description: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


COMMANDS: list[Command] = [
    Command(
        "info",
        info.INFO_SUMMARY,
        info.INFO_DESCRIPTION,
        info.configure_info,
        info.run_info,
    ),
    Command(
        "demo",
        demo.DEMO_SUMMARY,
        demo.DEMO_DESCRIPTION,
        demo.configure_demo,
        demo.run_demo,
    ),
    Command(
        "check",
        check.CHECK_SUMMARY,
        check.CHECK_DESCRIPTION,
        check.configure_check,
        check.run_check,
    ),
    Command(
        "frame",
        frame.FRAME_SUMMARY,
        frame.FRAME_DESCRIPTION,
        frame.configure_frame,
        frame.run_frame,
    ),
    Command(
        "transcribe",
        narration.TRANSCRIBE_SUMMARY,
        narration.TRANSCRIBE_DESCRIPTION,
        narration.configure_transcribe,
        narration.run_transcribe,
    ),
    Command(
        "align",
        narration.ALIGN_SUMMARY,
        narration.ALIGN_DESCRIPTION,
        narration.configure_align,
        narration.run_align,
    ),
    Command(
        "localize",
        localize.LOCALIZE_SUMMARY,
        localize.LOCALIZE_DESCRIPTION,
        localize.configure_localize,
        localize.run_localize,
    ),
    Command(
        "export",
        export.EXPORT_SUMMARY,
        export.EXPORT_DESCRIPTION,
        export.configure_export,
        export.run_export,
    ),
    Command(
        "search",
        search.SEARCH_SUMMARY,
        search.SEARCH_DESCRIPTION,
        search.configure_search,
        search.run_search,
    ),
    Command(
        "synth",
        synth.SYNTH_SUMMARY,
        synth.SYNTH_DESCRIPTION,
        synth.configure_synth,
        synth.run_synth,
    ),
    Command(
        "train",
        train.TRAIN_SUMMARY,
        train.TRAIN_DESCRIPTION,
        train.configure_train,
        train.run_train,
    ),
    Command(
        "eval",
        eval.EVAL_SUMMARY,
        eval.EVAL_DESCRIPTION,
        eval.configure_eval,
        eval.run_eval,
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
    print(f"{PROG}: error: {one_line(message)}", file=sys.stderr)


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
