"""Describe any supported file: :func:`probe` answers with a :class:`MediaInfo`.

For a video it is built on the :class:`~narrlocal_gui.media.video_reader.VideoReader` packet
index, so the duration is the one that can really be played, not what the header claims (a
truncated recording keeps the header of the full one). For an audio-only file the audio
packets are indexed the same way. It sits above the readers, which need only
:mod:`~narrlocal_gui.media.media_info`.
"""

from __future__ import annotations

import os
from pathlib import Path

import av

from narrlocal_gui.errors import MediaError
from narrlocal_gui.media.media_info import (
    MediaInfo,
    MediaKind,
    audio_fields,
    check_media_path,
    describe,
    open_container,
    pick_audio_stream,
)
from narrlocal_gui.media.source import open_media, sniff_kind
from narrlocal_gui.progress import CancelCallback, ProgressCallback, report_progress

__all__ = ["probe"]


def probe(
    path: str | os.PathLike[str],
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
) -> MediaInfo:
    """Describe a video, image or audio file; raise :class:`MediaError` for anything else.

    Videos are indexed (every packet is read, nothing decoded but the first frame), so this
    takes about a second per hour of video and reports ``progress``/honours ``cancel``.
    """
    p = check_media_path(path)
    kind = sniff_kind(p)
    if kind is MediaKind.AUDIO:
        return _probe_audio_only(p, progress, cancel)
    with open_media(p, cache_bytes=1 << 20, progress=progress, cancel=cancel) as source:
        return source.info


def _probe_audio_only(
    path: Path, progress: ProgressCallback | None, cancel: CancelCallback | None
) -> MediaInfo:
    name = describe(path)
    size = path.stat().st_size
    container = open_container(path)
    try:
        stream = pick_audio_stream(container)
        if stream is None:
            raise MediaError(f"Cannot open {name}: it has neither video nor audio.")
        fields = audio_fields(stream)
        if not fields.has_audio:
            raise MediaError(
                f"Cannot open {name}: its audio codec is not supported by this program."
            )
        tb = stream.time_base
        if tb is None:
            raise MediaError(f"Cannot open {name}: its audio stream has no time base.")
        # The header's duration can be wrong (truncated files); the packets are the truth.
        first: int | None = None
        end: int | None = None
        count = 0
        try:
            for packet in container.demux(stream):
                if packet.pts is None or packet.size == 0:
                    continue
                first = packet.pts if first is None else min(first, packet.pts)
                stop = packet.pts + max(int(packet.duration or 0), 0)
                end = stop if end is None else max(end, stop)
                count += 1
                if count % 4096 == 0:
                    report_progress(progress, cancel, _fraction(packet.pos, size))
        except av.error.FFmpegError:
            pass  # damaged tail: what was read so far is what can be played
        if first is None or end is None:
            raise MediaError(f"Cannot open {name}: its audio stream contains no data.")
        duration = float((end - first) * tb)
    finally:
        container.close()
    if progress is not None:
        progress(1.0)
    return MediaInfo(
        path=path,
        kind=MediaKind.AUDIO,
        duration=max(duration, 0.0),
        width=0,
        height=0,
        fps=0.0,
        frame_count=0,
        rotation=0,
        has_audio=True,
        audio_sample_rate=fields.sample_rate,
        audio_channels=fields.channels,
        video_codec=None,
        audio_codec=fields.codec,
        size_bytes=size,
    )


def _fraction(pos: int | None, size: int) -> float | None:
    if pos is None or pos < 0 or size <= 0:
        return None
    return min(pos / size, 1.0)
