"""``narrlocal frame``: the frame shown at a time, with the indicators visible then, as an
image (the player's and the exporter's render code).

Registered in :data:`narrlocal_gui.cli.main.COMMANDS`; the handler imports numpy, Pillow,
PyAV and the renderer.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from narrlocal_gui.cli.arguments import seconds_type
from narrlocal_gui.cli.exit_codes import EXIT_OK
from narrlocal_gui.cli.output import check_output
from narrlocal_gui.core.time_format import format_clock
from narrlocal_gui.errors import UserFacingError

__all__ = ["FRAME_DESCRIPTION", "FRAME_SUMMARY", "configure_frame", "run_frame"]

FRAME_SUMMARY = "render one frame, with the indicators visible then, to an image"
FRAME_DESCRIPTION = (
    "Render the frame shown at time T with the indicators visible at T (as the player "
    "and the exporter draw them). For a plain video or image, the frame as it is."
)

#: Image formats ``frame`` writes, by file suffix.
_IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


def configure_frame(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", type=Path, help="a project file, or a video or image file")
    parser.add_argument(
        "-t",
        "--time",
        type=seconds_type(),
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


def run_frame(args: argparse.Namespace) -> int:
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
