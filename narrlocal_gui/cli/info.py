"""``narrlocal info``: what a media file is, as text or JSON.

Registered in :data:`narrlocal_gui.cli.main.COMMANDS`; the handler imports the media code.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from narrlocal_gui.cli.exit_codes import EXIT_OK
from narrlocal_gui.cli.output import fmt_fps
from narrlocal_gui.core.byte_sizes import KIB
from narrlocal_gui.core.time_format import format_clock

if TYPE_CHECKING:
    from narrlocal_gui.media.media_info import MediaInfo

__all__ = ["INFO_DESCRIPTION", "INFO_SUMMARY", "configure_info", "run_info"]

INFO_SUMMARY = "describe a media file (kind, duration, size, rate, audio, codecs)"
INFO_DESCRIPTION = (
    "Probe a video, image or audio file and print what it is. With --json, print the "
    "same facts as a JSON object."
)


def _fmt_bytes(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < KIB or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= KIB
    return f"{size} bytes"


def configure_info(parser: argparse.ArgumentParser) -> None:
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
        rows.append(("frame rate", fmt_fps(info.fps)))
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


def run_info(args: argparse.Namespace) -> int:
    import json

    from narrlocal_gui.media.probe import probe

    info = probe(args.media)
    if args.json:
        print(json.dumps(_info_json(info), indent=2, ensure_ascii=False))
    else:
        print("\n".join(_info_lines(info)))
    return EXIT_OK
