"""COCO-video annotations in TAO's layout: videos, images, tracks, annotations, categories.

One category per phrase (name = the phrase text, id = the phrase's position), one track
per exported indicator, one image per frame that has a box. Extra fields (``score``,
``human``, ``keyframe``, ``phrase_id``, ``fps``) ride along; COCO and TAO readers ignore
what they do not know.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

from narrlocal_gui import __version__
from narrlocal_gui.core.model import Project
from narrlocal_gui.export.frame_boxes import ExportFrames, FrameBox, video_name

VIDEO_ID = 1


def frame_file_name(video_stem: str, frame: int) -> str:
    """Where a frame's picture is expected: ``<video stem>/<frame, 6 digits>.jpg``, 0-based."""
    return f"{video_stem}/{frame:06d}.jpg"


def _annotation(box: FrameBox, ann_id: int, image_id: int, category_id: int) -> dict[str, Any]:
    x, y, w, h = box.xywh()
    return {
        "id": ann_id,
        "image_id": image_id,
        "video_id": VIDEO_ID,
        "track_id": box.track_number,
        "category_id": category_id,
        "bbox": [x, y, w, h],
        "area": round(w * h, 4),
        "iscrowd": 0,
        "score": box.score,
        "human": box.human,
        "keyframe": box.keyframe,
    }


def coco_video_document(project: Project, frames: ExportFrames) -> dict[str, Any]:
    """The COCO-video document as plain JSON data."""
    name = video_name(project)
    stem = PurePosixPath(name).stem or "video"
    grid = frames.grid
    category_of = {p.id: n for n, p in enumerate(project.phrases, start=1)}
    categories = [
        {
            "id": n,
            "name": p.text,
            "synset": "unknown",  # TAO's value for a category outside LVIS
            "phrase_id": p.id,
            "start": p.start,
            "end": p.end,
        }
        for n, p in enumerate(project.phrases, start=1)
    ]
    image_ids = {frame: n for n, frame in enumerate(sorted({b.frame for b in frames.boxes}), 1)}
    images = [
        {
            "id": image_id,
            "video_id": VIDEO_ID,
            "frame_index": frame,
            "file_name": frame_file_name(stem, frame),
            "width": grid.width,
            "height": grid.height,
        }
        for frame, image_id in image_ids.items()
    ]
    tracks = [
        {
            "id": track[0].track_number,
            "video_id": VIDEO_ID,
            "category_id": category_of[track[0].phrase_id],
            "indicator_id": track[0].indicator_id,
        }
        for track in frames.tracks()
    ]
    annotations = [
        _annotation(box, n, image_ids[box.frame], category_of[box.phrase_id])
        for n, box in enumerate(sorted(frames.boxes, key=lambda b: (b.frame, b.track_number)), 1)
    ]
    video = {
        "id": VIDEO_ID,
        "name": stem,
        "file_name": name,
        "width": grid.width,
        "height": grid.height,
        "fps": grid.fps,
        "frame_count": grid.frame_count,
        # Phrases without a box are not claimed absent from the video, so nothing is negative.
        "neg_category_ids": [],
        "not_exhaustive_category_ids": [],
        "metadata": {},
    }
    return {
        "info": {"description": f"NarrLocal annotations of {name}", "version": __version__},
        "licenses": [],
        "videos": [video],
        "images": images,
        "tracks": tracks,
        "annotations": annotations,
        "categories": categories,
    }


def to_coco_video(project: Project, frames: ExportFrames) -> str:
    """The COCO-video JSON text (UTF-8 safe, non-ASCII kept as is)."""
    return json.dumps(coco_video_document(project, frames), ensure_ascii=False, indent=1) + "\n"
