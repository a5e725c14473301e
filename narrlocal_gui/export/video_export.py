"""Export the annotated video (H.264 MP4 with the source's audio) and stills of it.

:func:`export_video` streams: it decodes the source once from the first exported frame to
the last, renders each frame exactly as the player does (:mod:`.video_frames`), encodes it
(:mod:`.h264_encoder`) and muxes the audio alongside (:mod:`.audio_mux`); memory does not
grow with the length of the video. It is meant to run on a worker thread: ``progress``
receives an :class:`ExportProgress` (at most every 0.1 s, plus the first and the last) and
``cancel()`` is polled between frames.

Nothing the user has is ever damaged (:mod:`.output_file`): the file is written under a
temporary name in the target folder and renamed into place only once complete, so a cancel,
a crash, a full disk or any failure never leaves a broken output, and an existing file is
replaced only when ``options.overwrite`` allows it.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from narrlocal_gui.core.model import Project
from narrlocal_gui.core.project_io import atomic_write_bytes
from narrlocal_gui.errors import ExportError
from narrlocal_gui.export.allocator import keep_freed_memory
from narrlocal_gui.export.audio_mux import AudioFeed, AudioPlan, open_audio_feed, plan_audio
from narrlocal_gui.export.h264_encoder import H264Encoder
from narrlocal_gui.export.output_file import (
    check_target,
    same_file,
    temporary_output,
    write_errors,
)
from narrlocal_gui.export.prefetch import Prefetch
from narrlocal_gui.export.video_frames import ExportSpan, export_span, rendered_frames
from narrlocal_gui.export.video_options import (
    ExportCancelled,
    ExportProgress,
    ExportResult,
    VideoExportOptions,
)
from narrlocal_gui.media.media_info import describe
from narrlocal_gui.media.source import open_media
from narrlocal_gui.media.video_reader import VideoReader
from narrlocal_gui.render.frame_render import render_frame

__all__ = ["VIDEO_FORMATS", "export_still", "export_video"]

ProgressCallback = Callable[[ExportProgress], None]
CancelCallback = Callable[[], bool]

#: Output containers by file suffix.
VIDEO_FORMATS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov"}
_PROGRESS_INTERVAL = 0.1
# Seconds of audio muxed ahead of the video, so the muxer interleaves without waiting.
_AUDIO_LEAD = 0.5
# Frames decoded and rendered ahead of the encoder (memory: this many pictures in flight).
_PREFETCH_FRAMES = 4
# The index at the front of the file, where players streaming it look first.
_MOV_OPTIONS = {"movflags": "faststart"}


def export_video(
    project: Project,
    out_path: str | os.PathLike[str],
    options: VideoExportOptions | None = None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
) -> ExportResult:
    """Write ``project``'s video with its indicators to ``out_path`` (.mp4, .m4v or .mov).

    Raises :class:`~narrlocal_gui.errors.ExportError` (or another
    :class:`~narrlocal_gui.errors.UserFacingError`) with a one-sentence message for anything
    the input or the disk is to blame for, and :class:`ExportCancelled` when ``cancel()``
    returned True; in every such case no output file is left behind.
    """
    opts = options if options is not None else VideoExportOptions()
    target = Path(out_path)
    video = _project_video(project)
    check_target(target, opts.overwrite)
    container_format = VIDEO_FORMATS.get(target.suffix.lower())
    if container_format is None:
        raise ExportError(
            f"Cannot write {describe(target)}: choose a name ending in {', '.join(VIDEO_FORMATS)}."
        )
    if same_file(target, video):
        raise ExportError(f"Cannot write {describe(target)}: it is the project's own video.")

    started = time.monotonic()
    keep_freed_memory()  # every frame allocates and frees the same few big buffers
    # No frame cache: frames are asked for once, in order.
    source = open_media(video, cache_bytes=0)
    try:
        if not isinstance(source, VideoReader):
            raise ExportError(
                f"{describe(video)} is a still image, not a video; export a still of it instead."
            )
        span = export_span(source, opts.start, opts.end)
        job = _Job(
            project, video, source, span, opts, plan_audio(video, opts.audio), target, cancel
        )
        report = _Reporter(span, started, progress)
        with temporary_output(target, opts.overwrite) as temp:
            frames, (width, height) = _write(temp, container_format, job, report)
        return ExportResult(
            path=target,
            frames=frames,
            duration=span.duration,
            width=width,
            height=height,
            audio_codec=job.audio.output_codec,
            elapsed=time.monotonic() - started,
        )
    finally:
        source.close()


def export_still(
    project: Project, t: float, out_png: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Write the frame shown at media time ``t``, with its indicators, as a PNG (atomically).

    The same frame and render function as the player and the video export.
    """
    from PIL import Image

    target = Path(out_png)
    if not t >= 0.0:
        raise ExportError(f"The time of a still must be >= 0 s, not {t:g}.")
    if target.suffix.lower() != ".png":
        raise ExportError(f"Cannot write {describe(target)}: choose a name ending in .png.")
    video = _project_video(project)
    check_target(target, overwrite)
    with open_media(video, cache_bytes=0) as source:
        info = source.info
        # "The last frame, at the duration" is what people type; allow a hair past it.
        if t > info.duration + 1e-6 and info.frame_count > 1:
            raise ExportError(
                f"{t:g} s is after the end of {describe(video)} ({info.duration:g} s)."
            )
        image = render_frame(source.frame_at(t).image, project, t)
    buffer = io.BytesIO()
    Image.fromarray(image, mode="RGB").save(buffer, format="PNG")
    with write_errors(target):
        atomic_write_bytes(target, buffer.getvalue())
    return target


# -- the frame loop --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class _Job:
    """One video export, as decided before any frame is written."""

    project: Project
    video: Path
    source: VideoReader
    span: ExportSpan
    options: VideoExportOptions
    audio: AudioPlan
    target: Path
    cancel: CancelCallback | None

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel():
            raise ExportCancelled(f"The export to {describe(self.target)} was cancelled.")


def _write(
    temp: Path, container_format: str, job: _Job, report: _Reporter
) -> tuple[int, tuple[int, int]]:
    """Encode ``job`` into ``temp``; the frames written and the encoded size."""
    with write_errors(job.target):
        out = av.open(str(temp), mode="w", format=container_format, options=_MOV_OPTIONS)
    try:
        info = job.source.info
        with write_errors(job.target):
            encoder = H264Encoder(
                out,
                info.width,
                info.height,
                _nominal_rate(info.fps),
                crf=job.options.crf,
                preset=job.options.preset,
                colors=job.source.colors,
            )
            audio = open_audio_feed(
                out, job.video, job.audio, job.span, job.source.origin, job.options.aac_bitrate
            )
        try:
            frames = _encode_all(job, encoder, audio, report)
        finally:
            if audio is not None:
                audio.close()
    except BaseException:
        with contextlib.suppress(Exception):
            out.close()  # the file is thrown away; its trailer does not matter
        raise
    with write_errors(job.target):
        out.close()
    return frames, encoder.encoded_size


def _encode_all(job: _Job, encoder: H264Encoder, audio: AudioFeed | None, report: _Reporter) -> int:
    report(0, 0.0)
    done = 0

    def prepared() -> Iterator[tuple[float, av.VideoFrame]]:
        # Frames with nothing visible go to the encoder as the source's own planes.
        for frame in rendered_frames(job.project, job.source, job.span, planes_of=job.source):
            if frame.planes is not None:
                yield frame.output_time, encoder.prepare_planes(frame.planes, frame.output_time)
            else:
                yield frame.output_time, encoder.prepare(frame.picture(), frame.output_time)

    # Decoding and rendering the next frames overlaps with encoding this one.
    with Prefetch(prepared, _PREFETCH_FRAMES, "narrlocal-export-render") as frames:
        for seconds, picture in frames:
            job.check_cancel()
            with write_errors(job.target):
                encoder.write(picture)
                if audio is not None:
                    audio.feed_until(seconds + _AUDIO_LEAD)
            done += 1
            report(done, seconds)
    job.check_cancel()
    with write_errors(job.target):
        encoder.finish()
        if audio is not None:
            audio.finish()
    report(done, job.span.duration, final=True)
    return done


class _Reporter:
    """Turns frame counts into :class:`ExportProgress`, at most every 0.1 s."""

    def __init__(self, span: ExportSpan, started: float, sink: ProgressCallback | None) -> None:
        self._span = span
        self._started = started
        self._sink = sink
        self._last = -1.0

    def __call__(self, done: int, seconds: float, *, final: bool = False) -> None:
        if self._sink is None:
            return
        now = time.monotonic()
        if not final and self._last >= 0.0 and now - self._last < _PROGRESS_INTERVAL:
            return
        self._last = now
        elapsed = now - self._started
        total = self._span.frame_count
        eta = elapsed / done * (total - done) if done else None
        self._sink(
            ExportProgress(
                frames_done=done,
                frames_total=total,
                seconds_done=min(max(seconds, 0.0), self._span.duration),
                seconds_total=self._span.duration,
                elapsed=elapsed,
                eta=eta,
            )
        )


# -- helpers ---------------------------------------------------------------------------------


def _project_video(project: Project) -> Path:
    if project.video is None:
        raise ExportError("The project has no video to export.")
    video = Path(project.video.path)
    if not video.is_file():
        raise ExportError(f"The project's video {describe(video)} is missing.")
    return video


def _nominal_rate(fps: float) -> Fraction:
    """The source's average rate as the fraction it most likely is (30000/1001, 25, ...)."""
    return Fraction(fps).limit_denominator(1001) if fps > 0 else Fraction(30)
