"""The project file: versioned JSON, read strictly, written atomically.

The format is documented in ``docs/project-format.md``. Reading never trusts the file: any
structural problem becomes a :class:`ProjectFileError` naming where in the file it is. A
file from a newer NarrLocal is refused (:class:`ProjectVersionError`) and, because saving
refuses to replace such a file, it is never overwritten by an older version.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from narrlocal_gui import __version__
from narrlocal_gui.core.model import (
    PALETTE,
    Box,
    DisplaySettings,
    HeatColors,
    HeatSample,
    Indicator,
    IndicatorStyle,
    Narration,
    NotVisualReason,
    Phrase,
    Project,
    Segment,
    SpanChoice,
    TrackPoint,
    VideoRef,
    Word,
)
from narrlocal_gui.errors import ProjectFileError, ProjectVersionError

FORMAT_NAME = "narrlocal-project"
FORMAT_VERSION = 1
#: The file extension NarrLocal offers for projects.
PROJECT_SUFFIX = ".narrlocal"

T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------
def _heat_to_json(sample: HeatSample) -> dict[str, Any]:
    # Quantised to 8 bits: far finer than a heat map can be told apart on screen, and a
    # 14x14 grid stays a few hundred bytes.
    q = np.round(sample.grid * 255.0).astype(np.uint8)
    return {
        "time": sample.time,
        "shape": list(q.shape),
        "data": base64.b64encode(q.tobytes()).decode("ascii"),
    }


def _video_to_json(video: VideoRef, base_dir: Path | None) -> dict[str, Any]:
    absolute = Path(video.path).expanduser()
    if not absolute.is_absolute() and base_dir is not None:
        absolute = (base_dir / absolute).resolve()
    relative: str | None = None
    if base_dir is not None:
        with contextlib.suppress(ValueError):  # different drive on Windows
            relative = Path(os.path.relpath(absolute, base_dir)).as_posix()
    return {
        "path": relative if relative is not None else absolute.as_posix(),
        "absolute_path": absolute.as_posix(),
        "duration": video.duration,
        "width": video.width,
        "height": video.height,
        "fps": video.fps,
        "size_bytes": video.size_bytes,
    }


def project_to_json(project: Project, base_dir: Path | None = None) -> dict[str, Any]:
    """The JSON document for ``project``; media paths relative to ``base_dir`` where possible."""
    n = project.narration
    d = project.display
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "app_version": __version__,
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "video": None if project.video is None else _video_to_json(project.video, base_dir),
        "narration": {
            "language": n.language,
            "source": n.source,
            "segments": [
                {
                    "text": s.text,
                    "start": s.start,
                    "end": s.end,
                    "words": [
                        {"text": w.text, "start": w.start, "end": w.end, "confidence": w.confidence}
                        for w in s.words
                    ],
                }
                for s in n.segments
            ],
        },
        "phrases": [
            {
                "id": p.id,
                "text": p.text,
                "start": p.start,
                "end": p.end,
                "visual": p.visual,
                "not_visual_reason": (
                    None if p.not_visual_reason is None else p.not_visual_reason.value
                ),
                "action_span": None if p.action_span is None else list(p.action_span),
            }
            for p in project.phrases
        ],
        "indicators": [
            {
                "id": i.id,
                "phrase_id": i.phrase_id,
                "style": i.style.value,
                "enabled": i.enabled,
                "duration_override": i.duration_override,
                "color": list(i.color),
                "score": i.score,
                "hide_interpolated": i.hide_interpolated,
                "follow": i.follow.value,
                "track": [
                    {"time": p.time, "box": list(p.box.as_tuple()), "human": p.human}
                    for p in i.track
                ],
                "heatmaps": [_heat_to_json(h) for h in i.heatmaps],
            }
            for i in project.indicators
        ],
        "display": {
            "default_duration": d.default_duration,
            "line_width": d.line_width,
            "show_labels": d.show_labels,
            "darken_amount": d.darken_amount,
            "brighten_amount": d.brighten_amount,
            "tint_amount": d.tint_amount,
            "heatmap_opacity": d.heatmap_opacity,
            "heatmap_colors": d.heatmap_colors.value,
            "default_follow": d.default_follow.value,
        },
    }


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old file or the new one.

    A temporary file in the same folder is written and fsynced, then renamed over the
    target; the folder is fsynced so the rename itself survives a power cut.
    """
    path = Path(path)
    directory = path.parent
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp creates 0600; give the file the bits the user's files normally get
        # (those of the file it replaces, else 0666 less the umask).
        with contextlib.suppress(OSError):
            tmp.chmod(path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask())
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if hasattr(os, "O_DIRECTORY"):
        with contextlib.suppress(OSError):
            dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


def _umask() -> int:
    # The only portable way to read the umask is to set it; restore it at once.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def save_project(project: Project, path: Path | str) -> None:
    """Save atomically. Refuses to replace a project written by a newer NarrLocal."""
    path = Path(path)
    if path.is_dir():
        raise ProjectFileError(f"Cannot save to '{path}': it is a folder.")
    if path.exists():
        _refuse_newer(path)
    base = path.parent.resolve()
    text = json.dumps(project_to_json(project, base), indent=1, ensure_ascii=False) + "\n"
    try:
        atomic_write_bytes(path, text.encode("utf-8"))
    except OSError as exc:
        raise ProjectFileError(f"Cannot save '{path}': {exc.strerror or exc}.") from exc


def _refuse_newer(path: Path) -> None:
    try:
        head = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return
    if isinstance(head, dict) and head.get("format") == FORMAT_NAME:
        version = head.get("version")
        if isinstance(version, int) and version > FORMAT_VERSION:
            raise ProjectVersionError(
                f"Not saving over '{path.name}': it was written by a newer NarrLocal "
                f"(project format {version}); save under another name."
            )


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------
class _Reader:
    """Typed access to untrusted JSON that reports *where* a problem is."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, what: str) -> ProjectFileError:
        return ProjectFileError(f"'{self.path.name}' is damaged at {where}: {what}.")

    def obj(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "expected an object")
        return value

    def lst(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, "expected a list")
        return value

    def get(
        self, m: Mapping[str, Any], key: str, kind: type[T], where: str, default: Any = ...
    ) -> T:
        if key not in m or m[key] is None:
            if default is ...:
                raise self.fail(f"{where}.{key}", "missing")
            return default  # type: ignore[no-any-return]
        value = m[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise self.fail(
                f"{where}.{key}", f"expected {kind.__name__}, got {type(value).__name__}"
            )
        return value

    @contextlib.contextmanager
    def at(self, where: str) -> Iterator[None]:
        """Turn a record's validation error into "damaged at <where>: <reason>"."""
        try:
            yield
        except (ValueError, TypeError, KeyError) as exc:
            raise self.fail(where, str(exc)) from exc


def _read_heat(r: _Reader, h: Mapping[str, Any], where: str) -> HeatSample:
    shape = r.lst(h.get("shape"), f"{where}.shape")
    if len(shape) != 2 or not all(isinstance(v, int) and 0 < v <= 4096 for v in shape):
        raise r.fail(f"{where}.shape", "expected two positive integers")
    try:
        raw = base64.b64decode(r.get(h, "data", str, where), validate=True)
    except ValueError as exc:
        raise r.fail(f"{where}.data", "not base64") from exc
    if len(raw) != shape[0] * shape[1]:
        raise r.fail(f"{where}.data", f"{len(raw)} values for a {shape[0]}x{shape[1]} grid")
    grid = np.frombuffer(raw, dtype=np.uint8).reshape(shape).astype(np.float32) / 255.0
    with r.at(where):
        return HeatSample(r.get(h, "time", float, where), grid)


def _read_video(r: _Reader, v: Mapping[str, Any], base_dir: Path) -> VideoRef:
    stored = r.get(v, "path", str, "video")
    absolute = v.get("absolute_path")
    candidate = Path(stored)
    if not candidate.is_absolute():
        candidate = (base_dir / candidate).resolve()
    if not candidate.exists() and isinstance(absolute, str) and Path(absolute).exists():
        # The project moved without its video (or vice versa): fall back to where it was.
        candidate = Path(absolute)
    with r.at("video"):
        return VideoRef(
            path=str(candidate),
            duration=r.get(v, "duration", float, "video", None),
            width=r.get(v, "width", int, "video", None),
            height=r.get(v, "height", int, "video", None),
            fps=r.get(v, "fps", float, "video", None),
            size_bytes=r.get(v, "size_bytes", int, "video", None),
        )


def _read_narration(r: _Reader, nd: Mapping[str, Any]) -> Narration:
    segments = []
    for si, s_any in enumerate(r.lst(nd.get("segments", []), "narration.segments")):
        sw = f"narration.segments[{si}]"
        s = r.obj(s_any, sw)
        words = []
        for wi, w_any in enumerate(r.lst(s.get("words", []), f"{sw}.words")):
            ww = f"{sw}.words[{wi}]"
            w = r.obj(w_any, ww)
            with r.at(ww):
                words.append(
                    Word(
                        r.get(w, "text", str, ww),
                        r.get(w, "start", float, ww),
                        r.get(w, "end", float, ww),
                        r.get(w, "confidence", float, ww, None),
                    )
                )
        with r.at(sw):
            segments.append(
                Segment(
                    r.get(s, "text", str, sw),
                    r.get(s, "start", float, sw),
                    r.get(s, "end", float, sw),
                    tuple(words),
                )
            )
    return Narration(
        segments=tuple(segments),
        language=r.get(nd, "language", str, "narration", None),
        source=r.get(nd, "source", str, "narration", "manual"),
    )


def _read_indicator(r: _Reader, i: Mapping[str, Any], iw: str) -> Indicator:
    track = []
    for ti, t_any in enumerate(r.lst(i.get("track", []), f"{iw}.track")):
        tw = f"{iw}.track[{ti}]"
        t = r.obj(t_any, tw)
        coords = r.lst(t.get("box"), f"{tw}.box")
        if len(coords) != 4 or not all(
            isinstance(c, int | float) and not isinstance(c, bool) for c in coords
        ):
            raise r.fail(f"{tw}.box", "expected [x1, y1, x2, y2]")
        with r.at(tw):
            track.append(
                TrackPoint(
                    r.get(t, "time", float, tw),
                    Box(*(float(c) for c in coords)),
                    r.get(t, "human", bool, tw, False),
                )
            )
    heatmaps = [
        _read_heat(r, r.obj(h, f"{iw}.heatmaps[{hi}]"), f"{iw}.heatmaps[{hi}]")
        for hi, h in enumerate(r.lst(i.get("heatmaps", []), f"{iw}.heatmaps"))
    ]
    color = r.lst(i.get("color", list(PALETTE[0])), f"{iw}.color")
    if len(color) != 3 or not all(isinstance(c, int) and not isinstance(c, bool) for c in color):
        raise r.fail(f"{iw}.color", "expected [r, g, b]")
    style = r.get(i, "style", str, iw, IndicatorStyle.BOX.value)
    if style not in {s.value for s in IndicatorStyle}:
        raise r.fail(f"{iw}.style", f"unknown style {style!r}")
    with r.at(iw):
        return Indicator(
            id=r.get(i, "id", str, iw),
            phrase_id=r.get(i, "phrase_id", str, iw),
            style=IndicatorStyle(style),
            enabled=r.get(i, "enabled", bool, iw, True),
            duration_override=r.get(i, "duration_override", float, iw, None),
            color=(color[0], color[1], color[2]),
            track=tuple(track),
            heatmaps=tuple(heatmaps),
            score=r.get(i, "score", float, iw, None),
            # Absent in files written before box correction: every frame shows the box.
            hide_interpolated=r.get(i, "hide_interpolated", bool, iw, False),
            # Absent in files written before action spans: the spoken span.
            follow=_span_choice(r, r.get(i, "follow", str, iw, SpanChoice.SPOKEN.value), iw),
        )


def _read_display(r: _Reader, dd: Mapping[str, Any]) -> DisplaySettings:
    defaults = DisplaySettings()
    # An explicit null means "as long as the phrase"; an absent key means the default.
    default_duration = (
        r.get(dd, "default_duration", float, "display", None)
        if "default_duration" in dd
        else defaults.default_duration
    )
    with r.at("display"):
        return DisplaySettings(
            default_duration=default_duration,
            line_width=r.get(dd, "line_width", int, "display", defaults.line_width),
            show_labels=r.get(dd, "show_labels", bool, "display", defaults.show_labels),
            darken_amount=r.get(dd, "darken_amount", float, "display", defaults.darken_amount),
            brighten_amount=r.get(
                dd, "brighten_amount", float, "display", defaults.brighten_amount
            ),
            tint_amount=r.get(dd, "tint_amount", float, "display", defaults.tint_amount),
            heatmap_opacity=r.get(
                dd, "heatmap_opacity", float, "display", defaults.heatmap_opacity
            ),
            heatmap_colors=_heat_colors(
                r.get(dd, "heatmap_colors", str, "display", defaults.heatmap_colors.value)
            ),
            default_follow=_span_choice(
                r,
                r.get(dd, "default_follow", str, "display", defaults.default_follow.value),
                "display",
            ),
        )


def _span_choice(r: _Reader, name: str, where: str) -> SpanChoice:
    if name not in {c.value for c in SpanChoice}:
        raise r.fail(where, f"unknown span choice {name!r}")
    return SpanChoice(name)


def _action_span(r: _Reader, p: Mapping[str, Any], where: str) -> tuple[float, float] | None:
    # Absent in files written before action spans, and null where a phrase has none.
    raw = p.get("action_span")
    if raw is None:
        return None
    values = r.lst(raw, f"{where}.action_span")
    if len(values) != 2 or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values
    ):
        raise r.fail(f"{where}.action_span", "expected [start, end]")
    return (float(values[0]), float(values[1]))


def _heat_colors(name: str) -> HeatColors:
    # A name this version does not know (a newer one's colour map) draws with the default
    # rather than making the whole project unreadable: it is only a matter of looks.
    try:
        return HeatColors(name)
    except ValueError:
        return DisplaySettings().heatmap_colors


def project_from_json(doc: Any, path: Path) -> Project:
    """Build a project from a parsed document; ``path`` resolves media and names errors."""
    r = _Reader(path)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_NAME:
        raise ProjectFileError(f"'{path.name}' is not a NarrLocal project file.")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise r.fail("version", "expected a positive integer")
    if version > FORMAT_VERSION:
        raise ProjectVersionError(
            f"'{path.name}' was written by a newer NarrLocal (project format {version}; this "
            f"version reads format {FORMAT_VERSION} and older). Update NarrLocal to open it."
        )
    video_doc = doc.get("video")
    video = (
        None
        if video_doc is None
        else _read_video(r, r.obj(video_doc, "video"), path.parent.resolve())
    )
    narration = _read_narration(r, r.obj(doc.get("narration", {}), "narration"))
    phrases = []
    for pi, p_any in enumerate(r.lst(doc.get("phrases", []), "phrases")):
        pw = f"phrases[{pi}]"
        p = r.obj(p_any, pw)
        # Files written before the visual judgement have neither key: their phrases are visual.
        reason = r.get(p, "not_visual_reason", str, pw, None)
        if reason is not None and reason not in {v.value for v in NotVisualReason}:
            raise r.fail(f"{pw}.not_visual_reason", f"unknown reason {reason!r}")
        with r.at(pw):
            phrases.append(
                Phrase(
                    r.get(p, "id", str, pw),
                    r.get(p, "text", str, pw),
                    r.get(p, "start", float, pw),
                    r.get(p, "end", float, pw),
                    visual=r.get(p, "visual", bool, pw, True),
                    not_visual_reason=None if reason is None else NotVisualReason(reason),
                    action_span=_action_span(r, p, pw),
                )
            )
    indicators = [
        _read_indicator(r, r.obj(i, f"indicators[{ii}]"), f"indicators[{ii}]")
        for ii, i in enumerate(r.lst(doc.get("indicators", []), "indicators"))
    ]
    display = _read_display(r, r.obj(doc.get("display", {}), "display"))
    with r.at("the top level"):
        return Project(
            video=video,
            narration=narration,
            phrases=tuple(phrases),
            indicators=tuple(indicators),
            display=display,
        )


def load_project(path: Path | str) -> Project:
    """Read a project file; every failure is a :class:`ProjectFileError` with a clear message."""
    path = Path(path)
    if not path.exists():
        raise ProjectFileError(f"Cannot open '{path}': no such file.")
    if path.is_dir():
        raise ProjectFileError(f"Cannot open '{path}': it is a folder, not a project file.")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProjectFileError(f"Cannot read '{path}': {exc.strerror or exc}.") from exc
    if not raw.strip():
        raise ProjectFileError(f"'{path.name}' is empty: it is not a NarrLocal project file.")
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ProjectFileError(
            f"'{path.name}' is not a NarrLocal project file (not text)."
        ) from exc
    except json.JSONDecodeError as exc:
        raise ProjectFileError(
            f"'{path.name}' is damaged: invalid JSON at line {exc.lineno}, column {exc.colno}."
        ) from exc
    return project_from_json(doc, path)


def looks_like_project(path: Path | str) -> bool:
    """A cheap check used to route a command-line argument to the project or media opener."""
    path = Path(path)
    if path.suffix.lower() in (PROJECT_SUFFIX, ".json"):
        return True
    try:
        with path.open("rb") as fh:
            head = fh.read(256)
    except OSError:
        return False
    return head.lstrip().startswith(b"{") and FORMAT_NAME.encode() in head
