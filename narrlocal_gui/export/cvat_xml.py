"""CVAT for video 1.1 XML: one ``<track>`` per exported indicator, a ``<box>`` per frame.

CVAT's importer keeps only the boxes marked ``keyframe="1"`` and interpolates linearly
between them, so the keyframes written here are chosen to make that interpolation give back
every frame's box: the frames at the indicator's track points, the first and last frame of
each visible run, and every frame where the box stops moving in a straight line (a track
point between two frames, or the edge of the picture cutting the box). The frames between
are written too, with ``keyframe="0"``, as CVAT's own exporter does, for readers that want
every frame. A run ends with an ``outside="1"`` keyframe on the next frame, when the video
has one.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from narrlocal_gui.core.model import Project
from narrlocal_gui.export.frame_boxes import ExportFrames, FrameBox, video_name

#: The one label every track carries; the phrase is its ``text`` attribute (CVAT label names
#: are short identifiers, and one label is a task a person can set up by hand).
LABEL = "phrase"
TEXT_ATTRIBUTE = "text"
HUMAN_ATTRIBUTE = "human"

# Characters XML 1.0 cannot hold at all, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# A box is "on the line" through its neighbours when each coordinate is off by less than this.
_STRAIGHT_PX = 1e-6


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _coord(value: float) -> str:
    return f"{value:.2f}"


def _bends(before: FrameBox, here: FrameBox, after: FrameBox) -> bool:
    """Whether ``here`` is off the straight line from ``before`` to ``after`` (equal steps)."""
    a, b, c = before.box.as_tuple(), here.box.as_tuple(), after.box.as_tuple()
    return any(abs(2.0 * y - x - z) > _STRAIGHT_PX for x, y, z in zip(a, b, c, strict=True))


def _runs(track: Sequence[FrameBox]) -> list[list[FrameBox]]:
    """The track cut where frames are missing (the box left the picture, or was hidden)."""
    runs: list[list[FrameBox]] = []
    for box in track:
        if runs and box.frame == runs[-1][-1].frame + 1:
            runs[-1].append(box)
        else:
            runs.append([box])
    return runs


def cvat_keyframes(run: Sequence[FrameBox]) -> list[bool]:
    """For one run of consecutive frames, which boxes CVAT needs as keyframes."""
    flags = [box.keyframe for box in run]
    if flags:
        flags[0] = flags[-1] = True
    for i in range(1, len(run) - 1):
        if not flags[i] and _bends(run[i - 1], run[i], run[i + 1]):
            flags[i] = True
    return flags


def _source(project: Project, indicator_id: str) -> str:
    # CVAT's track sources: a person's work, a model's, or a model's corrected by a person.
    points = project.indicator(indicator_id).track
    humans = sum(1 for p in points if p.human)
    if humans == 0:
        return "auto"
    return "manual" if humans == len(points) else "semi-auto"


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _meta(parent: ET.Element, name: str, frames: ExportFrames, size: int) -> None:
    task = _sub(_sub(parent, "meta"), "task")
    _sub(task, "name", _xml_text(name))
    _sub(task, "size", str(size))
    _sub(task, "mode", "interpolation")
    _sub(task, "overlap", "0")
    _sub(task, "start_frame", "0")
    _sub(task, "stop_frame", str(max(size - 1, 0)))
    _sub(task, "frame_filter", "")
    label = _sub(_sub(task, "labels"), "label")
    _sub(label, "name", LABEL)
    _sub(label, "type", "rectangle")
    attributes = _sub(label, "attributes")
    for attr_name, mutable, input_type, default in (
        (TEXT_ATTRIBUTE, "False", "text", ""),
        (HUMAN_ATTRIBUTE, "True", "checkbox", "false"),
    ):
        attribute = _sub(attributes, "attribute")
        _sub(attribute, "name", attr_name)
        _sub(attribute, "mutable", mutable)
        _sub(attribute, "input_type", input_type)
        _sub(attribute, "default_value", default)
        _sub(attribute, "values", default)
    original = _sub(task, "original_size")
    _sub(original, "width", str(frames.grid.width))
    _sub(original, "height", str(frames.grid.height))


def _box(
    track: ET.Element, box: FrameBox, frame: int, *, keyframe: bool, outside: bool, text: str
) -> None:
    x1, y1, x2, y2 = box.corners()
    element = ET.SubElement(
        track,
        "box",
        {
            "frame": str(frame),
            "keyframe": str(int(keyframe)),
            "outside": str(int(outside)),
            "occluded": "0",
            "xtl": _coord(x1),
            "ytl": _coord(y1),
            "xbr": _coord(x2),
            "ybr": _coord(y2),
            "z_order": "0",
        },
    )
    _sub(element, "attribute", text).set("name", TEXT_ATTRIBUTE)
    human = box.human and not outside
    _sub(element, "attribute", "true" if human else "false").set("name", HUMAN_ATTRIBUTE)


def to_cvat_xml(project: Project, frames: ExportFrames) -> bytes:
    """The CVAT for video 1.1 document, UTF-8 with an XML declaration."""
    last = frames.last_frame()
    size = 0 if last is None else last + 1
    root = ET.Element("annotations")
    _sub(root, "version", "1.1")
    _meta(root, video_name(project), frames, size)
    texts = {p.id: _xml_text(p.text) for p in project.phrases}
    for boxes in frames.tracks():
        first = boxes[0]
        track = ET.SubElement(
            root,
            "track",
            {
                "id": str(first.track_number),
                "label": LABEL,
                "source": _source(project, first.indicator_id),
            },
        )
        text = texts[first.phrase_id]
        for run in _runs(boxes):
            for box, keyframe in zip(run, cvat_keyframes(run), strict=True):
                _box(track, box, box.frame, keyframe=keyframe, outside=False, text=text)
            end = run[-1]
            if end.frame + 1 < size:
                _box(track, end, end.frame + 1, keyframe=True, outside=True, text=text)
    ET.indent(root, space="  ")
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
