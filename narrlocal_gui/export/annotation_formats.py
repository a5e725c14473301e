"""Writing a project's annotations in one of the exchange formats (``narrlocal export``).

Each format lives in its own module with a pure ``to_<format>`` function; this one names
them, checks the destination and writes the file atomically. The formats and their rules
are described in ``docs/annotation-formats.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from narrlocal_gui.core.model import Project
from narrlocal_gui.core.project_io import atomic_write_bytes, save_project
from narrlocal_gui.errors import ExportError
from narrlocal_gui.export.coco_video import to_coco_video
from narrlocal_gui.export.csv_table import to_csv
from narrlocal_gui.export.cvat_xml import to_cvat_xml
from narrlocal_gui.export.frame_boxes import export_frames
from narrlocal_gui.export.mot_text import to_mot
from narrlocal_gui.export.phrase_subtitles import to_srt, to_webvtt


def _coco(project: Project) -> bytes:
    return to_coco_video(project, export_frames(project, "COCO-video")).encode("utf-8")


def _cvat(project: Project) -> bytes:
    return to_cvat_xml(project, export_frames(project, "CVAT"))


def _mot(project: Project) -> bytes:
    return to_mot(export_frames(project, "MOT")).encode("utf-8")


def _csv(project: Project) -> bytes:
    return to_csv(project, export_frames(project, "CSV")).encode("utf-8")


def _vtt(project: Project) -> bytes:
    return to_webvtt(project).encode("utf-8")


def _srt(project: Project) -> bytes:
    return to_srt(project).encode("utf-8")


@dataclass(frozen=True, slots=True)
class AnnotationFormat:
    """One export format: its ``--format`` name, usual file suffix and a one-line summary.

    ``render`` is None for the project file, which :func:`save_project` writes itself.
    """

    name: str
    suffix: str
    summary: str
    render: Callable[[Project], bytes] | None

    def __post_init__(self) -> None:
        if not self.name or not self.suffix.startswith("."):
            raise ValueError(f"bad format entry {self.name!r} / {self.suffix!r}")


FORMATS: tuple[AnnotationFormat, ...] = (
    AnnotationFormat("coco", ".json", "COCO-video (TAO layout) JSON", _coco),
    AnnotationFormat("cvat", ".xml", "CVAT for video 1.1 XML", _cvat),
    AnnotationFormat("mot", ".txt", "MOTChallenge ground truth (gt.txt)", _mot),
    AnnotationFormat("vtt", ".vtt", "WebVTT subtitles of the phrases", _vtt),
    AnnotationFormat("srt", ".srt", "SubRip subtitles of the phrases", _srt),
    AnnotationFormat("csv", ".csv", "CSV table of the boxes, one row per frame", _csv),
    AnnotationFormat("json", ".narrlocal", "the NarrLocal project file", None),
)

#: The ``--format`` names, in the order help texts list them.
ANNOTATION_FORMATS: tuple[str, ...] = tuple(f.name for f in FORMATS)


def annotation_format(name: str) -> AnnotationFormat:
    """The format called ``name`` (case-insensitive); an :class:`ExportError` if none is."""
    key = name.strip().lower()
    for fmt in FORMATS:
        if fmt.name == key:
            return fmt
    raise ExportError(
        f"Unknown annotation format '{name}'; choose one of {', '.join(ANNOTATION_FORMATS)}."
    )


def _check_destination(out_path: Path, overwrite: bool) -> None:
    if out_path.is_dir():
        raise ExportError(f"Cannot write '{out_path}': it is a folder.")
    if out_path.exists() and not overwrite:
        raise ExportError(
            f"'{out_path}' already exists; choose another name or allow replacing it."
        )
    if not out_path.parent.is_dir():
        raise ExportError(
            f"Cannot write '{out_path}': the folder '{out_path.parent}' does not exist."
        )


def export_annotations(
    project: Project, fmt: str, out_path: Path, *, overwrite: bool = False
) -> Path:
    """Write ``project``'s annotations as ``fmt`` to ``out_path``; return the path written.

    The file is written atomically (a temporary file in the same folder, then renamed) and
    an existing file is only replaced when ``overwrite`` is true. Every failure the input
    can cause is an :class:`ExportError` (or, for the project file, a ``ProjectFileError``).
    """
    spec = annotation_format(fmt)
    out_path = Path(out_path)
    _check_destination(out_path, overwrite)
    if spec.render is None:
        save_project(project, out_path)
        return out_path
    data = spec.render(project)
    try:
        atomic_write_bytes(out_path, data)
    except OSError as exc:
        raise ExportError(f"Cannot write '{out_path}': {exc.strerror or exc}.") from exc
    return out_path
