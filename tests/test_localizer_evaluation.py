"""The pointing evaluation and the method registry.

:func:`make_square_dataset` (a generated clip with a square moving in a corner, boxes
around it, one photo) is used by the CLI tests too.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.localizer.evaluation import (
    DatasetError,
    evaluate_pointing,
    load_pointing_dataset,
    point_in_boxes,
    report_json,
)
from narrlocal_gui.localizer.methods.baselines import CentrePriorLocalizer, FlowLocalizer
from narrlocal_gui.localizer.methods.registry import (
    DEFAULT_METHOD,
    METHODS,
    LocalizationMethod,
    UnknownMethodError,
    create_method,
    default_method,
    is_available,
)
from narrlocal_gui.localizer.types import ClipInput, Localization
from tests.media_factory import make_image
from tests.test_localizer_baselines import square_box, write_square_clip

SQUARE_TIMES = (1.0, 2.0, 3.0)


def make_square_dataset(folder: Path, *, with_photo: bool = False) -> Path:
    """``folder/eval/set.json`` over ``folder/media``: the square clip at three times
    (boxes around the square, far from the centre), optionally a photo item."""
    media = folder / "media"
    media.mkdir(parents=True, exist_ok=True)
    write_square_clip(media / "square.mp4")
    items: list[dict[str, Any]] = [
        {
            "id": f"square-{t:g}",
            "media": "square.mp4",
            "phrase": "slide the white square",
            "phrase_start": t - 0.2,
            "phrase_end": t + 0.2,
            "time": t,
            "boxes": [square_box(t)],
            "kind": "interaction",
        }
        for t in SQUARE_TIMES
    ]
    if with_photo:
        make_image(media / "photo.png", (64, 48))
        items.append(
            {
                "id": "photo-1",
                "media": "photo.png",
                "phrase": "the middle",
                "boxes": [[24, 16, 40, 32]],
                "kind": "object",
            }
        )
    (folder / "eval").mkdir(exist_ok=True)
    path = folder / "eval" / "set.json"
    path.write_text(json.dumps({"version": 1, "name": "squares", "items": items}))
    return path


def write_set(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "eval" / "bad.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


GOOD_ITEM = {
    "id": "a",
    "media": "square.mp4",
    "phrase": "p",
    "phrase_start": 0.5,
    "phrase_end": 1.0,
    "time": 0.8,
    "boxes": [[0, 0, 10, 10]],
    "kind": "object",
}


# -- loading --------------------------------------------------------------------------------


def test_load_a_dataset(tmp_path: Path) -> None:
    path = make_square_dataset(tmp_path, with_photo=True)
    dataset = load_pointing_dataset(path)
    assert dataset.name == "squares" and len(dataset.items) == 4
    assert dataset.media_path(dataset.items[0]).resolve() == (tmp_path / "media/square.mp4")
    photo = dataset.items[-1]
    assert photo.time is None and not photo.timed and photo.boxes == ((24.0, 16.0, 40.0, 32.0),)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "not valid JSON"),
        ([1, 2], "JSON object"),
        ({"version": 2, "items": [GOOD_ITEM]}, "version 2"),
        ({"version": 1, "items": []}, "no 'items'"),
        ({"version": 1, "items": [{**GOOD_ITEM, "boxes": None}]}, "'boxes'"),
        (
            {"version": 1, "items": [{k: v for k, v in GOOD_ITEM.items() if k != "phrase"}]},
            "'phrase' is missing",
        ),
        ({"version": 1, "items": [{**GOOD_ITEM, "boxes": [[0, 0, 10]]}]}, "four numbers"),
        ({"version": 1, "items": [{**GOOD_ITEM, "boxes": [[10, 0, 0, 10]]}]}, "x2 > x1"),
        ({"version": 1, "items": [{**GOOD_ITEM, "time": "soon"}]}, "number of seconds"),
        ({"version": 1, "items": [{**GOOD_ITEM, "phrase_end": 0.1}]}, "before"),
        ({"version": 1, "items": [GOOD_ITEM, GOOD_ITEM]}, "two items"),
    ],
)
def test_bad_datasets_are_one_sentence_errors(tmp_path: Path, data: Any, message: str) -> None:
    path = write_set(tmp_path, data)
    with pytest.raises(DatasetError, match=message) as info:
        load_pointing_dataset(path, check_media=False)
    assert "\n" not in str(info.value)


def test_missing_and_unusable_media(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="does not exist"):
        load_pointing_dataset(tmp_path / "none.json")
    path = write_set(tmp_path, {"version": 1, "items": [GOOD_ITEM]})
    with pytest.raises(DatasetError, match="missing under"):
        load_pointing_dataset(path)
    media = tmp_path / "media"
    media.mkdir()
    write_square_clip(media / "square.mp4", seconds=1.0)
    assert len(load_pointing_dataset(path).items) == 1  # default root: ../media
    untimed = {
        k: v for k, v in GOOD_ITEM.items() if k not in ("phrase_start", "phrase_end", "time")
    }
    path = write_set(tmp_path, {"version": 1, "items": [untimed]})
    with pytest.raises(DatasetError, match="lacks phrase_start"):
        load_pointing_dataset(path)
    (media / "notes.txt").write_text("hello")
    path = write_set(tmp_path, {"version": 1, "items": [{**GOOD_ITEM, "media": "notes.txt"}]})
    with pytest.raises(UserFacingError):
        load_pointing_dataset(path)


def test_point_in_boxes_includes_edges() -> None:
    boxes = [[0, 0, 10, 10], [20, 20, 30, 30]]
    assert point_in_boxes((10, 10), boxes) and point_in_boxes((25, 21), boxes)
    assert not point_in_boxes((15, 15), boxes)
    assert not point_in_boxes((float("nan"), 1), boxes)


# -- the registry ---------------------------------------------------------------------------


def test_registry_names_and_errors(tmp_path: Path) -> None:
    assert list(METHODS) == ["centre", "flow", "bridge", "comma"]
    with pytest.raises(UnknownMethodError, match="centre, flow, bridge, comma"):
        create_method("nope")
    assert isinstance(create_method("centre"), CentrePriorLocalizer)
    flow = create_method("flow")
    assert isinstance(flow, FlowLocalizer) and isinstance(flow, LocalizationMethod)
    bridge_installed = (
        importlib.util.find_spec("narrlocal_gui.localizer.methods.bridge") is not None
    )
    assert is_available("bridge") is bridge_installed
    assert DEFAULT_METHOD == default_method() == ("bridge" if bridge_installed else "flow")
    if importlib.util.find_spec("torch") is not None:
        bad = tmp_path / "bad.pt"
        bad.write_bytes(b"junk")
        with pytest.raises(UserFacingError, match="checkpoint"):
            create_method("comma", checkpoint=bad)
        # No checkpoint: the built-in model, checked against its pinned hash first.
        from narrlocal_gui.localizer.methods.comma import CommaLocalizer

        built_in = create_method("comma")
        assert isinstance(built_in, CommaLocalizer)
        assert built_in.model.config.video_features == "mid"


# -- evaluation ---------------------------------------------------------------------------


def test_flow_hits_the_moving_square_and_the_centre_misses(tmp_path: Path) -> None:
    dataset = load_pointing_dataset(make_square_dataset(tmp_path, with_photo=True))
    calls: list[tuple[int, int]] = []
    report = evaluate_pointing(
        dataset,
        {"flow": FlowLocalizer(), "centre": CentrePriorLocalizer()},
        window=1.0,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls[-1] == (4, 4)
    flow = report.summary("flow", "interaction")
    centre = report.summary("centre", "interaction")
    assert (flow.items, flow.hits) == (3, 3)
    assert (centre.items, centre.hits) == (3, 0)
    # The photo: no motion, so flow points at the centre like the prior, inside the box.
    assert report.summary("flow", "object").hits == report.summary("centre", "object").hits == 1
    assert report.summary("flow").accuracy == pytest.approx(1.0)
    assert report.summary("centre").accuracy == pytest.approx(0.25)
    for result in report.results:
        if result.frame_time is not None:
            assert result.frame_time == pytest.approx(float(result.item_id.split("-")[1]))
    data = report_json(report)
    json.dumps(data)  # plain JSON values only
    assert [i["id"] for i in data["items"]] == [i.id for i in dataset.items]
    assert data["methods"]["flow"]["all"]["hits"] == 4
    assert data["items"][0]["results"]["centre"]["point"] == [96.0, 64.0]


class NativePointer:
    """Points at a fixed native pixel through frames shrunk by max_side (with a fixed native
    box, by default the top-left pixel)."""

    name = "pointer"

    def __init__(
        self,
        native_point: tuple[float, float],
        native_width: int,
        native_box: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0),
    ) -> None:
        self.native_point = native_point
        self.native_width = native_width
        self.native_box = native_box

    def localize(self, clip: ClipInput, phrase: str) -> Localization:
        scale = clip.size[0] / self.native_width
        n = clip.frames.shape[0]
        x, y = self.native_point
        return Localization(
            times=clip.times,
            heatmaps=np.zeros((n, 2, 2), np.float32),
            points=np.tile([x * scale, y * scale], (n, 1)),
            boxes=np.tile(np.asarray(self.native_box) * scale, (n, 1)),
            scores=np.zeros(n, np.float32),
        )


def test_points_are_mapped_back_to_native_pixels(tmp_path: Path) -> None:
    dataset = load_pointing_dataset(make_square_dataset(tmp_path))
    x1, y1, x2, y2 = square_box(1.0)
    inside = ((x1 + x2) / 2, (y1 + y2) / 2)
    report = evaluate_pointing(
        dataset, {"pointer": NativePointer(inside, 192)}, window=0.0, max_side=96
    )
    first = report.results[0]
    assert first.point == pytest.approx(inside)
    assert first.hit


def test_boxes_are_scored_against_the_union_of_the_items_boxes(tmp_path: Path) -> None:
    dataset = load_pointing_dataset(make_square_dataset(tmp_path))
    truth = square_box(1.0)  # 36 x 36 at x 12..48, y 0..36; later items move right
    boxed = NativePointer((30.0, 18.0), 192, (12.0, 0.0, 48.0, 36.0))
    report = evaluate_pointing(dataset, {"boxed": boxed}, window=0.0, max_side=96)
    ious = [r.iou for r in report.results]
    assert tuple(report.results[0].box) == pytest.approx((12.0, 0.0, 48.0, 36.0))
    assert ious[0] == pytest.approx(1.0)
    # t = 2 s: the truth is 12 px further right, 24 of 36 columns shared: 24 / (36 + 12).
    assert square_box(2.0)[0] - truth[0] == pytest.approx(12.0)
    assert ious[1] == pytest.approx(24 / 48)
    assert ious[2] == pytest.approx(12 / 60)
    summary = report.box_summary("boxed")
    assert (summary.items, summary.box_hits) == (3, 2)  # IoU 0.5 counts
    assert summary.mean_iou == pytest.approx((1.0 + 0.5 + 0.2) / 3)
    # The baselines from the 192 x 128 frame alone: the centre box is 48..144 x 32..96.
    centre = report.box_summary("centre-box")
    assert centre.items == 3 and centre.box_hits == 0
    whole = report.box_summary("whole-frame")
    assert whole.mean_iou == pytest.approx(36 * 36 / (192 * 128))
    data = report_json(report)
    assert data["items"][0]["results"]["boxed"]["box"] == [12.0, 0.0, 48.0, 36.0]
    assert data["items"][0]["results"]["boxed"]["iou"] == 1.0
    assert data["methods"]["boxed"]["all"]["box_hits"] == 2
    assert data["box_baselines"]["whole-frame"]["all"]["box_acc50"] == 0.0
    assert data["items"][0]["box_baselines"]["centre-box"]["box"] == [48.0, 32.0, 144.0, 96.0]


@pytest.mark.shared
def test_public_set_loads(shared_media: Path) -> None:
    path = shared_media.parent / "eval" / "public.json"
    dataset = load_pointing_dataset(path)
    assert len(dataset.items) >= 40
    assert {item.kind for item in dataset.items} == {"interaction", "object"}
    assert all(item.timed for item in dataset.items if item.media.endswith(".mp4"))
