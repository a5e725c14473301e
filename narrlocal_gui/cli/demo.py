"""``narrlocal demo``: write the demo clip and its project, or print the cached one's path.

Registered in :data:`narrlocal_gui.cli.main.COMMANDS`; the handler imports the demo builder.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from narrlocal_gui.cli.exit_codes import EXIT_OK
from narrlocal_gui.cli.output import fraction_progress
from narrlocal_gui.errors import UserFacingError

__all__ = ["DEMO_DESCRIPTION", "DEMO_SUMMARY", "configure_demo", "run_demo"]

DEMO_SUMMARY = "write the demo clip and its project, print the project's path"
DEMO_DESCRIPTION = (
    "Build the demo: a short clip made from public-domain photos with narrated phrases "
    "(given as captions; the soundtrack is a chime per phrase) and an indicator of every "
    "style. Without -o, the copy kept in the user cache is used, built on first use."
)


def configure_demo(parser: argparse.ArgumentParser) -> None:
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


def run_demo(args: argparse.Namespace) -> int:
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
