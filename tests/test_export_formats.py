"""The annotation exports: exact values per format, each file read back by a real reader
(pycocotools, xml.etree against CVAT's importer rules, motmetrics, webvtt-py, pysubs2, csv)."""

from __future__ import annotations

import csv
import html
import io
import json
import math
import xml.etree.ElementTree as ET
from contextlib import redirect_stdout
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import motmetrics
import numpy as np
import pysubs2
import pytest
import webvtt
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from narrlocal_gui.core.model import (
    Box,
    DisplaySettings,
    HeatSample,
    Indicator,
    IndicatorStyle,
    Phrase,
    Project,
    TrackPoint,
    VideoRef,
)
from narrlocal_gui.core.project_io import load_project
from narrlocal_gui.core.visibility import visible_indicators
from narrlocal_gui.errors import ExportError, UserFacingError
from narrlocal_gui.export.annotation_formats import (
    ANNOTATION_FORMATS,
    annotation_format,
    export_annotations,
)
from narrlocal_gui.export.csv_table import HEADER
from narrlocal_gui.export.frame_boxes import ExportFrames, FrameGrid, export_frames

FPS = 10.0
WIDTH, HEIGHT = 320, 240
TRICKY = 'He said "stir, then taste" — café'
Coords = tuple[float, float, float, float]


def sample_project() -> Project:
    """Five phrases: a box track with a human correction and a box leaving the picture on
    the right, a disabled indicator, a heat-map-only indicator, a phrase without one."""
    phrases = (
        Phrase("p1", "cut the onion", 0.5, 2.0),
        Phrase("p2", TRICKY, 2.0, 3.0),
        Phrase("p3", "disabled one", 3.0, 3.5),
        Phrase("p4", "heat only", 3.0, 3.5),
        Phrase("p5", "line one\nline two", 3.5, 3.9),
    )
    indicators = (
        Indicator(
            "i1",
            "p1",
            score=0.75,
            track=(
                # y1 < 0: cut at the top edge.
                TrackPoint(0.5, Box(10, -10, 50, 60)),
                TrackPoint(1.0, Box(20, -10, 60, 60), human=True),
            ),
        ),
        Indicator(
            "i2",
            "p2",
            duration_override=0.5,
            track=(
                TrackPoint(2.0, Box(250, 100, 300, 140), human=True),
                TrackPoint(2.4, Box(330, 100, 380, 140)),
            ),
        ),
        Indicator("i3", "p3", enabled=False, track=(TrackPoint(3.0, Box(0, 0, 10, 10)),)),
        Indicator(
            "i4",
            "p4",
            style=IndicatorStyle.HEATMAP,
            heatmaps=(HeatSample(3.0, np.full((7, 7), 0.5, dtype=np.float32)),),
        ),
    )
    return Project(
        video=VideoRef(
            "/videos/kitchen clip.mp4", duration=4.0, width=WIDTH, height=HEIGHT, fps=FPS
        ),
        phrases=phrases,
        indicators=indicators,
        display=DisplaySettings(default_duration=1.0),
    )


def _track1(frame: int) -> Coords:
    # Linear from x1 = 10 at 0.5 s to 20 at 1.0 s, then held; the top cut to 0.
    x1 = 10.0 + 2.0 * (frame - 5) if frame <= 10 else 20.0
    return (x1, 0.0, x1 + 40.0, 60.0)


# Moving right at 200 px/s from 250 at 2.0 s; the right edge cut at 320, frame 24 gone.
TRACK2: dict[int, Coords] = {
    20: (250.0, 100.0, 300.0, 140.0),
    21: (270.0, 100.0, 320.0, 140.0),
    22: (290.0, 100.0, 320.0, 140.0),
    23: (310.0, 100.0, 320.0, 140.0),
}
EXPECTED: dict[int, dict[int, Coords]] = {1: {f: _track1(f) for f in range(5, 15)}, 2: TRACK2}
HUMAN = {(1, 10), (2, 20)}


@pytest.fixture
def project() -> Project:
    return sample_project()


def _write(project: Project, fmt: str, tmp_path: Path, name: str = "out") -> Path:
    path = export_annotations(project, fmt, tmp_path / f"{name}.{fmt}")
    assert path.is_file()
    return path


def _close(a: Coords, b: Coords) -> bool:
    return all(math.isclose(x, y, abs_tol=1e-9) for x, y in zip(a, b, strict=True))


# --------------------------------------------------------------------------------------------
# the shared frame boxes
# --------------------------------------------------------------------------------------------
def test_frame_boxes_follow_the_player_frame_by_frame(project: Project) -> None:
    frames = export_frames(project, "test")
    assert frames.grid == FrameGrid(FPS, WIDTH, HEIGHT, 40)
    got = {(b.track_number, b.frame): b for b in frames.boxes}
    assert set(got) == {(n, f) for n, boxes in EXPECTED.items() for f in boxes}
    for (n, f), box in got.items():
        assert _close(box.corners(), EXPECTED[n][f]), (n, f, box.corners())
        assert box.time == f / FPS
        assert box.human == ((n, f) in HUMAN)
    assert {(n, f) for (n, f), b in got.items() if b.keyframe} == {(1, 5), (1, 10), (2, 20)}
    assert {b.score for b in frames.boxes if b.track_number == 1} == {0.75}
    _assert_player_boxes(project, frames)


def _assert_player_boxes(project: Project, frames: ExportFrames) -> None:
    """The player's own answer at every frame time: same indicators, same boxes once cut."""
    assert frames.grid.frame_count is not None
    for frame in range(frames.grid.frame_count):
        shown = {
            v.indicator_id: v.box.clipped(frames.grid.width, frames.grid.height)
            for v in visible_indicators(project, frame / frames.grid.fps)
            if v.box is not None
        }
        exported = {b.indicator_id: b.box for b in frames.boxes if b.frame == frame}
        assert {k: v for k, v in shown.items() if v is not None} == exported, frame


def test_hidden_interpolation_exports_only_the_keyframes(tmp_path: Path) -> None:
    project = Project(
        video=VideoRef("v.mp4", duration=1.0, width=100, height=100, fps=10.0),
        phrases=(Phrase("p", "x", 0.0, 1.0),),
        indicators=(
            Indicator(
                "i",
                "p",
                hide_interpolated=True,
                track=(
                    TrackPoint(0.2, Box(10, 10, 20, 20), human=True),
                    TrackPoint(0.5, Box(30, 10, 40, 20)),
                ),
            ),
        ),
        display=DisplaySettings(default_duration=None),
    )
    frames = export_frames(project, "t")
    assert [(b.frame, b.box, b.human, b.keyframe) for b in frames.boxes] == [
        (2, Box(10, 10, 20, 20), True, True),
        (5, Box(30, 10, 40, 20), False, True),
    ]
    _assert_player_boxes(project, frames)
    track = ET.parse(_write(project, "cvat", tmp_path)).getroot().findall("track")[0]
    assert [(b.attrib["frame"], b.attrib["keyframe"], b.attrib["outside"]) for b in track] == [
        ("2", "1", "0"),
        ("3", "1", "1"),
        ("5", "1", "0"),
        ("6", "1", "1"),
    ]
    assert track.attrib["source"] == "semi-auto"
    assert _write(project, "mot", tmp_path).read_text(encoding="utf-8") == (
        "3,1,11,11,10,10,1,1,1\n6,1,31,11,10,10,1,1,1\n"
    )


def test_frames_stop_at_the_end_of_the_video(project: Project) -> None:
    short = replace(project, video=replace(project.video, duration=1.05))  # type: ignore[type-var]
    frames = export_frames(short, "test")
    assert frames.grid.frame_count == 11
    assert [b.frame for b in frames.boxes] == list(range(5, 11))


def test_a_project_without_frame_facts_is_refused_for_frame_formats(
    project: Project, tmp_path: Path
) -> None:
    no_fps = replace(project, video=replace(project.video, fps=None))  # type: ignore[type-var]
    for fmt in ("coco", "cvat", "mot", "csv"):
        with pytest.raises(ExportError, match="frame rate and size"):
            export_annotations(no_fps, fmt, tmp_path / f"x.{fmt}")
        with pytest.raises(ExportError, match="frame rate and size"):
            export_annotations(replace(project, video=None), fmt, tmp_path / f"y.{fmt}")
    assert list(tmp_path.iterdir()) == []
    # The subtitle formats need no video.
    _write(replace(project, video=None), "vtt", tmp_path)
    _write(replace(project, video=None), "srt", tmp_path)


# --------------------------------------------------------------------------------------------
# COCO-video (TAO layout), read by pycocotools
# --------------------------------------------------------------------------------------------
def _check_tao_links(doc: dict[str, Any]) -> None:
    """What TAO's toolkit asserts when it indexes a file (tao/toolkit/tao/tao.py)."""
    for key in ("info", "images", "annotations", "categories", "videos", "tracks"):
        assert key in doc
    videos = {v["id"] for v in doc["videos"]}
    images = {i["id"]: i for i in doc["images"]}
    tracks = {t["id"]: t for t in doc["tracks"]}
    categories = {c["id"] for c in doc["categories"]}
    assert all(i["video_id"] in videos for i in images.values())
    assert all(t["video_id"] in videos and t["category_id"] in categories for t in tracks.values())
    for ann in doc["annotations"]:
        assert ann["category_id"] == tracks[ann["track_id"]]["category_id"]
        assert images[ann["image_id"]]["video_id"] == ann["video_id"]
        x, y, w, h = ann["bbox"]
        assert x >= 0 and y >= 0 and w > 0 and h > 0


def test_coco_video(project: Project, tmp_path: Path) -> None:
    path = _write(project, "coco", tmp_path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    _check_tao_links(doc)
    assert doc["videos"] == [
        {
            "id": 1,
            "name": "kitchen clip",
            "file_name": "kitchen clip.mp4",
            "width": WIDTH,
            "height": HEIGHT,
            "fps": FPS,
            "frame_count": 40,
            "neg_category_ids": [],
            "not_exhaustive_category_ids": [],
            "metadata": {},
        }
    ]
    assert [(c["id"], c["name"], c["phrase_id"]) for c in doc["categories"]] == [
        (1, "cut the onion", "p1"),
        (2, TRICKY, "p2"),
        (3, "disabled one", "p3"),
        (4, "heat only", "p4"),
        (5, "line one\nline two", "p5"),
    ]
    assert [(t["id"], t["category_id"]) for t in doc["tracks"]] == [(1, 1), (2, 2)]
    images = {i["id"]: i for i in doc["images"]}
    assert sorted(i["frame_index"] for i in images.values()) == [*range(5, 15), *range(20, 24)]
    assert images[1]["file_name"] == "kitchen clip/000005.jpg"
    assert all((i["width"], i["height"]) == (WIDTH, HEIGHT) for i in images.values())
    seen = set()
    for ann in doc["annotations"]:
        n, frame = ann["track_id"], images[ann["image_id"]]["frame_index"]
        x1, y1, x2, y2 = EXPECTED[n][frame]
        assert ann["bbox"] == pytest.approx([x1, y1, x2 - x1, y2 - y1], abs=1e-9)
        assert ann["area"] == pytest.approx((x2 - x1) * (y2 - y1))
        assert ann["iscrowd"] == 0
        assert ann["human"] is ((n, frame) in HUMAN)
        assert ann["score"] == (0.75 if n == 1 else None)
        seen.add((n, frame))
    assert seen == {(n, f) for n, boxes in EXPECTED.items() for f in boxes}

    with redirect_stdout(io.StringIO()):
        coco = COCO(str(path))
        assert len(coco.getAnnIds()) == 14
        assert coco.getAnnIds(catIds=[2]) == [
            a["id"] for a in doc["annotations"] if a["track_id"] == 2
        ]
        # The file is a working ground truth: the same boxes as detections score AP 1.
        detections = [
            {
                "image_id": a["image_id"],
                "category_id": a["category_id"],
                "bbox": a["bbox"],
                "score": 1.0,
            }
            for a in doc["annotations"]
        ]
        evaluation = COCOeval(coco, coco.loadRes(detections), "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    assert evaluation.stats[0] == pytest.approx(1.0)


# --------------------------------------------------------------------------------------------
# CVAT for video 1.1, parsed with xml.etree and re-interpolated as CVAT's importer does
# --------------------------------------------------------------------------------------------
def _cvat_import(track: ET.Element) -> dict[int, Coords]:
    """The boxes CVAT shows after importing ``track``: only keyframes are read
    (cvat/apps/dataset_manager/bindings: shapes with keyframe="0" are dropped), linear
    between them, nothing from an outside keyframe to the next keyframe."""
    keys = [
        (int(b.attrib["frame"]), b.attrib["outside"] == "1", _coords(b))
        for b in track.iter("box")
        if b.attrib["keyframe"] == "1"
    ]
    shown: dict[int, Coords] = {}
    for (f0, out0, c0), (f1, _, c1) in pairwise(keys):
        if out0:
            continue
        for f in range(f0, f1):
            a = (f - f0) / (f1 - f0)
            shown[f] = tuple(u + (v - u) * a for u, v in zip(c0, c1, strict=True))  # type: ignore[assignment]
    f_last, out_last, c_last = keys[-1]
    if not out_last:
        shown[f_last] = c_last
    return shown


def _coords(box: ET.Element) -> Coords:
    return tuple(float(box.attrib[k]) for k in ("xtl", "ytl", "xbr", "ybr"))  # type: ignore[return-value]


def _attributes(box: ET.Element) -> dict[str, str]:
    return {a.attrib["name"]: a.text or "" for a in box.iter("attribute")}


def test_cvat_xml(project: Project, tmp_path: Path) -> None:
    path = _write(project, "cvat", tmp_path)
    assert path.read_bytes().startswith(b"<?xml")
    root = ET.parse(path).getroot()
    assert root.tag == "annotations"
    assert root.findtext("version") == "1.1"
    task = root.find("meta/task")
    assert task is not None
    assert task.findtext("size") == "40"
    assert task.findtext("mode") == "interpolation"
    assert task.findtext("stop_frame") == "39"
    assert (task.findtext("original_size/width"), task.findtext("original_size/height")) == (
        "320",
        "240",
    )
    labels = task.findall("labels/label")
    assert [lb.findtext("name") for lb in labels] == ["phrase"]
    attrs = {a.findtext("name"): a for a in labels[0].iter("attribute")}
    assert attrs["human"].findtext("input_type") == "checkbox"
    assert attrs["human"].findtext("mutable") == "True"
    assert attrs["text"].findtext("mutable") == "False"

    tracks = root.findall("track")
    assert [(t.attrib["id"], t.attrib["label"], t.attrib["source"]) for t in tracks] == [
        ("1", "phrase", "semi-auto"),
        ("2", "phrase", "semi-auto"),
    ]
    texts = {"1": "cut the onion", "2": TRICKY}
    for track in tracks:
        n = int(track.attrib["id"])
        boxes = track.findall("box")
        for box in boxes:
            assert set(box.attrib) == {
                "frame", "keyframe", "outside", "occluded", "xtl", "ytl", "xbr", "ybr", "z_order",
            }  # fmt: skip
            attributes = _attributes(box)
            assert attributes["text"] == texts[track.attrib["id"]]
            assert attributes["human"] == (
                "true" if (n, int(box.attrib["frame"])) in HUMAN else "false"
            )
        # Every frame written, each box exactly the frame's box (to the written 0.01 px).
        inside = {int(b.attrib["frame"]): _coords(b) for b in boxes if b.attrib["outside"] == "0"}
        assert inside.keys() == EXPECTED[n].keys()
        assert all(_close(inside[f], EXPECTED[n][f]) for f in inside)
        # And CVAT's importer, reading only keyframes, gives back the same boxes.
        imported = _cvat_import(track)
        assert imported.keys() == EXPECTED[n].keys()
        assert all(_close(imported[f], EXPECTED[n][f]) for f in imported)

    def flags(track: ET.Element) -> list[tuple[int, str, str]]:
        return [
            (int(b.attrib["frame"]), b.attrib["keyframe"], b.attrib["outside"])
            for b in track.findall("box")
            if b.attrib["keyframe"] == "1"
        ]

    # Track points (5, 10), the run's ends (14), a closing outside box (15).
    assert flags(tracks[0]) == [(5, "1", "0"), (10, "1", "0"), (14, "1", "0"), (15, "1", "1")]
    # Frame 21: the right edge starts cutting the box, so it stops moving in a line there.
    assert flags(tracks[1]) == [(20, "1", "0"), (21, "1", "0"), (23, "1", "0"), (24, "1", "1")]


def test_cvat_gaps_and_the_last_frame(tmp_path: Path) -> None:
    # Moves left 20 px a frame, out of the picture at 0.3-0.5 s, back, runs to the end.
    project = Project(
        video=VideoRef("v.mp4", duration=1.0, width=100, height=100, fps=10.0),
        phrases=(Phrase("p", "x", 0.0, 1.0),),
        indicators=(
            Indicator(
                "i",
                "p",
                track=(
                    TrackPoint(0.0, Box(20, 10, 50, 30)),
                    TrackPoint(0.4, Box(-60, 10, -30, 30)),
                    TrackPoint(0.8, Box(20, 10, 50, 30)),
                ),
            ),
        ),
        display=DisplaySettings(default_duration=None),
    )
    track = ET.parse(_write(project, "cvat", tmp_path)).getroot().findall("track")[0]
    keys = [
        (int(b.attrib["frame"]), b.attrib["outside"])
        for b in track.findall("box")
        if b.attrib["keyframe"] == "1"
    ]
    # Cut at x = 0 from frame 1 (a bend), gone at 3-5 (outside at 3), back cut at 6, whole
    # again after 7 (a bend); the run reaches the last frame (9): no outside box after it.
    assert keys == [(0, "0"), (1, "0"), (2, "0"), (3, "1"), (6, "0"), (7, "0"), (8, "0"), (9, "0")]
    expected = {b.frame: b.box.as_tuple() for b in export_frames(project, "t").boxes}
    imported = _cvat_import(track)
    assert imported.keys() == expected.keys() == {0, 1, 2, 6, 7, 8, 9}
    assert all(_close(imported[f], tuple(round(v, 2) for v in expected[f])) for f in imported)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# MOT ground truth, read by motmetrics
# --------------------------------------------------------------------------------------------
def test_mot_ground_truth(project: Project, tmp_path: Path) -> None:
    path = _write(project, "mot", tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    # 1-based frames and pixels: frame 5 -> 6, x1 = 10 -> 11, y1 = 0 -> 1.
    assert lines[0] == "6,1,11,1,40,60,1,1,1"
    assert lines[-1] == "24,2,311,101,10,40,1,1,1"
    assert [tuple(map(int, ln.split(",")[:2])) for ln in lines] == sorted(
        (f + 1, n) for n, boxes in EXPECTED.items() for f in boxes
    )
    table = motmetrics.io.loadtxt(str(path), fmt="mot16")
    assert len(table) == 14
    for (frame, track_id), row in table.iterrows():
        x1, y1, x2, y2 = EXPECTED[int(track_id)][int(frame) - 1]
        # motmetrics undoes MOT's 1-based pixels: back to NarrLocal's coordinates.
        assert (row.X, row.Y, row.Width, row.Height) == pytest.approx((x1, y1, x2 - x1, y2 - y1))
        assert (row.Confidence, row.ClassId, row.Visibility) == (1, 1, 1)


# --------------------------------------------------------------------------------------------
# WebVTT and SRT, read by webvtt-py and pysubs2
# --------------------------------------------------------------------------------------------
CUES = [
    ("1", 500, 2000, "cut the onion"),
    ("2", 2000, 3000, TRICKY),
    ("3", 3000, 3500, "disabled one"),
    ("4", 3000, 3500, "heat only"),
    ("5", 3500, 3900, "line one\nline two"),
]


def test_webvtt_holds_every_phrase(project: Project, tmp_path: Path) -> None:
    odd = Phrase("p6", "a <b> & c --> d", 3.9, 3.9)  # markup characters, no length
    project = replace(project, phrases=(*project.phrases, odd))
    path = _write(project, "vtt", tmp_path)
    cues = [*CUES, ("6", 3900, 3901, "a <b> & c --> d")]
    read = webvtt.read(str(path), strict=True)
    assert [
        (
            c.identifier,
            c.start_time.in_milliseconds(),
            c.end_time.in_milliseconds(),
            html.unescape(c.raw_text),
        )
        for c in read.captions
    ] == cues
    subs = pysubs2.load(str(path), encoding="utf-8")
    assert [(e.start, e.end, html.unescape(e.plaintext)) for e in subs] == [c[1:] for c in cues]


def test_srt_holds_every_phrase(project: Project, tmp_path: Path) -> None:
    braces = Phrase("p6", "keep {these} braces", 4.0, 4.25)
    project = replace(project, phrases=(*project.phrases, braces))
    path = _write(project, "srt", tmp_path)
    cues = [*CUES, ("6", 4000, 4250, "keep {these} braces")]
    assert path.read_text(encoding="utf-8").startswith(
        "1\n00:00:00,500 --> 00:00:02,000\ncut the onion\n"
    )
    read = webvtt.from_srt(str(path))
    assert [
        (c.start_time.in_milliseconds(), c.end_time.in_milliseconds(), c.text) for c in read
    ] == [c[1:] for c in cues]
    subs = pysubs2.load(str(path), encoding="utf-8", format_="srt")
    assert [(e.start, e.end) for e in subs] == [c[1:3] for c in cues]
    assert subs[1].plaintext == TRICKY
    assert subs[4].plaintext == "line one\nline two"


# --------------------------------------------------------------------------------------------
# CSV, read by csv.DictReader
# --------------------------------------------------------------------------------------------
def test_csv_table(project: Project, tmp_path: Path) -> None:
    path = _write(project, "csv", tmp_path)
    raw = path.read_bytes()
    assert raw.startswith(b"phrase,start,end,time,x1,y1,x2,y2,score,human\r\n")
    # The phrase with a comma, quotes and non-ASCII is quoted, its quotes doubled.
    assert '"He said ""stir, then taste"" — café"'.encode() in raw
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == HEADER
        rows = list(reader)
    assert len(rows) == 14
    assert rows[0] == {
        "phrase": "cut the onion",
        "start": "0.5",
        "end": "2",
        "time": "0.5",
        "x1": "10",
        "y1": "0",
        "x2": "50",
        "y2": "60",
        "score": "0.75",
        "human": "false",
    }
    texts = {1: "cut the onion", 2: TRICKY}
    for row in rows:
        n = 1 if row["phrase"] == texts[1] else 2
        assert row["phrase"] == texts[n]
        frame = round(float(row["time"]) * FPS)
        coords = tuple(float(row[k]) for k in ("x1", "y1", "x2", "y2"))
        assert _close(coords, EXPECTED[n][frame])  # type: ignore[arg-type]
        assert row["human"] == ("true" if (n, frame) in HUMAN else "false")
        assert row["score"] == ("0.75" if n == 1 else "")


# --------------------------------------------------------------------------------------------
# empty projects, the project file, the registry and the destination rules
# --------------------------------------------------------------------------------------------
def test_a_project_without_boxes_gives_valid_empty_files(tmp_path: Path) -> None:
    empty = Project(video=VideoRef("v.mp4", duration=2.0, width=64, height=48, fps=25.0))
    paths = {fmt: _write(empty, fmt, tmp_path) for fmt in ANNOTATION_FORMATS}
    doc = json.loads(paths["coco"].read_text(encoding="utf-8"))
    assert (doc["images"], doc["annotations"], doc["tracks"], doc["categories"]) == ([], [], [], [])
    with redirect_stdout(io.StringIO()):
        assert COCO(str(paths["coco"])).getAnnIds() == []
    root = ET.parse(paths["cvat"]).getroot()
    assert root.findall("track") == []
    assert root.findtext("meta/task/size") == "50"
    assert paths["mot"].read_bytes() == b""
    assert len(motmetrics.io.loadtxt(str(paths["mot"]), fmt="mot16")) == 0
    assert webvtt.read(str(paths["vtt"]), strict=True).captions == []
    assert len(pysubs2.load(str(paths["srt"]), encoding="utf-8", format_="srt")) == 0
    assert paths["csv"].read_bytes() == (",".join(HEADER) + "\r\n").encode()
    back = load_project(paths["json"])
    assert back.video is not None and back.video.fps == 25.0
    assert (back.phrases, back.indicators) == ((), ())


def test_json_is_the_project_file(project: Project, tmp_path: Path) -> None:
    path = _write(project, "json", tmp_path)
    back = load_project(path)
    assert back.phrases == project.phrases
    assert [i.track for i in back.indicators] == [i.track for i in project.indicators]
    assert [i.enabled for i in back.indicators] == [True, True, False, True]


def test_the_registry() -> None:
    assert ANNOTATION_FORMATS[:6] == ("coco", "cvat", "mot", "vtt", "srt", "csv")
    assert "json" in ANNOTATION_FORMATS
    assert annotation_format(" CVAT ").suffix == ".xml"
    with pytest.raises(ExportError, match=r"Unknown annotation format 'yolo'; choose one of coco"):
        annotation_format("yolo")


def test_an_existing_file_is_kept_unless_replacing_is_asked(
    project: Project, tmp_path: Path
) -> None:
    target = tmp_path / "boxes.csv"
    target.write_text("mine", encoding="utf-8")
    with pytest.raises(ExportError, match="already exists"):
        export_annotations(project, "csv", target)
    assert target.read_text(encoding="utf-8") == "mine"
    with pytest.raises(ExportError, match="already exists"):
        export_annotations(project, "json", target)
    assert target.read_text(encoding="utf-8") == "mine"
    export_annotations(project, "csv", target, overwrite=True)
    assert target.read_text(encoding="utf-8").startswith("phrase,")
    # Written through a temporary file in the same folder, which is gone afterwards.
    assert [p.name for p in tmp_path.iterdir()] == ["boxes.csv"]


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (lambda tmp: tmp, "it is a folder"),
        (lambda tmp: tmp / "missing" / "out.csv", "does not exist"),
    ],
)
def test_bad_destinations_are_one_sentence(
    project: Project, tmp_path: Path, where: Any, message: str
) -> None:
    with pytest.raises(UserFacingError, match=message) as info:
        export_annotations(project, "csv", where(tmp_path))
    assert str(info.value).endswith(".")


def test_frame_grid_validates() -> None:
    with pytest.raises(ValueError, match="frame rate"):
        FrameGrid(0.0, 10, 10)
    with pytest.raises(ValueError, match="frame size"):
        FrameGrid(25.0, 0, 10)
    assert list(FrameGrid(10.0, 10, 10).frames_between(0.3, 0.6)) == [3, 4, 5]
    assert list(FrameGrid(10.0, 10, 10, frame_count=5).frames_between(0.3, 0.9)) == [3, 4]
    assert ExportFrames(FrameGrid(10.0, 10, 10), ()).last_frame() is None
