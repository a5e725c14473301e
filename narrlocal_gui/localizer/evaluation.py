"""The pointing evaluation (paper section 4.1, ../shared/eval/README.md).

For each annotated item (a phrase, the time of a frame, boxes on that frame) a method gets
the clip it would get in the application (the window around the phrase, sampled as
:func:`~narrlocal_gui.localizer.clip_sampling.sample_clip` does, plus the exact annotated
frame) and outputs one pixel for the annotated frame; a hit is that pixel inside any box
(edges included). Accuracy = hits / items, overall and per ``kind``.

The box of the annotated frame is scored too: its IoU with the union of the item's boxes
as pixel sets (:func:`~narrlocal_gui.localizer.box_geometry.iou_with_union`), a box hit at
IoU >= 0.5 (Acc@IoU0.5) and the mean IoU (mIoU), beside two box baselines that need no
method: a fixed centre box (half of each side) and the whole frame.

A dataset is checked completely before any work: bad JSON, another version, an item with a
missing or malformed field, a media file that is missing or not a picture source all raise
:class:`DatasetError` naming the item. A missing media file is an error rather than a
skipped item because skipping changes the denominator and makes figures incomparable
between runs and machines.
"""

from __future__ import annotations

import json
import math
import os
import time as _time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from narrlocal_gui.errors import MediaError, UserFacingError
from narrlocal_gui.localizer.box_geometry import Box, centre_box, iou_with_union
from narrlocal_gui.localizer.methods.registry import LocalizationMethod

__all__ = [
    "BOX_BASELINES",
    "BOX_HIT_IOU",
    "DATASET_VERSION",
    "BoxSummary",
    "DatasetError",
    "ItemResult",
    "PointingDataset",
    "PointingItem",
    "PointingReport",
    "Summary",
    "evaluate_pointing",
    "load_pointing_dataset",
    "point_in_boxes",
    "report_json",
]

DATASET_VERSION = 1
KINDS = ("interaction", "object")
#: A box is a hit when its IoU with the union of the item's boxes reaches this.
BOX_HIT_IOU = 0.5
#: Boxes scored beside every method's, from the frame size alone: a centred box of half
#: each side (the centre prior's +-1 sigma) and the whole frame.
BOX_BASELINES = ("centre-box", "whole-frame")


class DatasetError(UserFacingError):
    """An evaluation set that cannot be used as it is."""


@dataclass(frozen=True, slots=True)
class PointingItem:
    """One annotated item. Times are None for images (and only for images)."""

    id: str
    media: str
    phrase: str
    boxes: tuple[Box, ...]
    kind: str
    phrase_start: float | None = None
    phrase_end: float | None = None
    time: float | None = None

    def __post_init__(self) -> None:
        if not self.id or not self.media or not self.phrase.strip() or not self.kind:
            raise ValueError("id, media, phrase and kind must be non-empty")
        if not self.boxes:
            raise ValueError("at least one box is needed")
        for box in self.boxes:
            if len(box) != 4 or not all(math.isfinite(v) for v in box):
                raise ValueError(f"a box must be four finite numbers, not {box}")
            if box[2] <= box[0] or box[3] <= box[1]:
                raise ValueError(f"box {list(box)} must have x2 > x1 and y2 > y1")
        times = (self.phrase_start, self.phrase_end, self.time)
        if any(t is None for t in times) and any(t is not None for t in times):
            raise ValueError("phrase_start, phrase_end and time go together")
        if self.phrase_start is not None and self.phrase_end is not None:
            if not all(t is not None and math.isfinite(t) and t >= 0 for t in times):
                raise ValueError("times must be finite numbers >= 0")
            if self.phrase_end < self.phrase_start:
                raise ValueError("phrase_end is before phrase_start")

    @property
    def timed(self) -> bool:
        return self.time is not None


@dataclass(frozen=True, slots=True)
class PointingDataset:
    path: Path
    name: str
    media_root: Path
    items: tuple[PointingItem, ...]

    def __post_init__(self) -> None:
        if not self.items:
            raise ValueError("a dataset needs at least one item")
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("item ids must be unique")

    def media_path(self, item: PointingItem) -> Path:
        return self.media_root / item.media


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _parse_item(raw: Any, position: int, path: Path) -> PointingItem:
    where = f"item {position + 1} of '{path}'"
    if not isinstance(raw, dict):
        raise DatasetError(f"In {where}: an item must be a JSON object.")
    if isinstance(raw.get("id"), str) and raw["id"]:
        where = f"item '{raw['id']}' of '{path}'"
    for key in ("id", "media", "phrase", "kind", "boxes"):
        if key not in raw:
            raise DatasetError(f"In {where}: the field '{key}' is missing.")
    for key in ("id", "media", "phrase", "kind"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise DatasetError(f"In {where}: '{key}' must be a non-empty string.")
    boxes_raw = raw["boxes"]
    if not isinstance(boxes_raw, list) or not boxes_raw:
        raise DatasetError(f"In {where}: 'boxes' must be a non-empty list of [x1, y1, x2, y2].")
    boxes: list[Box] = []
    for box in boxes_raw:
        values = [_number(v) for v in box] if isinstance(box, list) else []
        if len(values) != 4 or any(v is None or not math.isfinite(v) for v in values):
            raise DatasetError(f"In {where}: a box must be four numbers [x1, y1, x2, y2].")
        x1, y1, x2, y2 = (float(v) for v in values if v is not None)
        boxes.append((x1, y1, x2, y2))
    times: dict[str, float | None] = {}
    for key in ("phrase_start", "phrase_end", "time"):
        value = raw.get(key)
        number = _number(value)
        if value is not None and number is None:
            raise DatasetError(f"In {where}: '{key}' must be a number of seconds.")
        times[key] = number
    try:
        return PointingItem(
            id=raw["id"],
            media=raw["media"],
            phrase=raw["phrase"],
            boxes=tuple(boxes),
            kind=raw["kind"],
            phrase_start=times["phrase_start"],
            phrase_end=times["phrase_end"],
            time=times["time"],
        )
    except ValueError as exc:
        raise DatasetError(f"In {where}: {exc}.") from None


def load_pointing_dataset(
    path: str | os.PathLike[str],
    media_root: str | os.PathLike[str] | None = None,
    *,
    check_media: bool = True,
) -> PointingDataset:
    """Read and check an evaluation set; ``media_root`` defaults to ``<json dir>/../media``.

    With ``check_media``, every media file must exist and be a video or an image, and video
    items must carry their times.
    """
    from narrlocal_gui.media.media_info import MediaKind
    from narrlocal_gui.media.source import sniff_kind

    source = Path(path)
    if not source.is_file():
        raise DatasetError(f"The evaluation set '{source}' does not exist.")
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DatasetError(f"'{source}' is not a text file.") from None
    except json.JSONDecodeError as exc:
        raise DatasetError(
            f"'{source}' is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    if not isinstance(data, dict):
        raise DatasetError(f"'{source}' must hold a JSON object with 'version' and 'items'.")
    version = data.get("version")
    if version != DATASET_VERSION:
        raise DatasetError(
            f"'{source}' has version {version!r}; this NarrLocal reads version {DATASET_VERSION}."
        )
    items_raw = data.get("items")
    if not isinstance(items_raw, list) or not items_raw:
        raise DatasetError(f"'{source}' has no 'items' list (or it is empty).")
    items = tuple(_parse_item(raw, i, source) for i, raw in enumerate(items_raw))
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise DatasetError(f"'{source}' has two items with the id '{item.id}'.")
        seen.add(item.id)
    root = Path(media_root) if media_root is not None else source.resolve().parent.parent / "media"
    name = data.get("name") if isinstance(data.get("name"), str) else source.stem
    dataset = PointingDataset(path=source, name=str(name), media_root=root, items=items)
    if check_media:
        kinds: dict[str, MediaKind] = {}
        for item in items:
            media = dataset.media_path(item)
            if item.media not in kinds:
                if not media.is_file():
                    missing = sum(1 for i in items if not dataset.media_path(i).is_file())
                    raise DatasetError(
                        f"The media '{item.media}' of item '{item.id}' is missing under "
                        f"'{root}' ({missing} item(s) lack their media; use --media-root)."
                    )
                try:
                    kinds[item.media] = sniff_kind(media)
                except MediaError as exc:
                    raise DatasetError(f"Item '{item.id}': {exc}") from None
            kind = kinds[item.media]
            if kind is MediaKind.AUDIO:
                raise DatasetError(f"The media of item '{item.id}' has no pictures.")
            if kind is MediaKind.VIDEO and not item.timed:
                raise DatasetError(
                    f"Item '{item.id}' is on a video but lacks phrase_start, phrase_end and time."
                )
    return dataset


def point_in_boxes(point: Sequence[float], boxes: Sequence[Sequence[float]]) -> bool:
    """Whether (x, y) lies inside (or on the edge of) any [x1, y1, x2, y2] box."""
    x, y = float(point[0]), float(point[1])
    if not (math.isfinite(x) and math.isfinite(y)):
        return False
    return any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One method on one item: its point and box for the annotated frame (native pixels),
    and the box's IoU with the union of the item's boxes; ``size`` is the frame's (W, H)."""

    item_id: str
    method: str
    kind: str
    point: tuple[float, float]
    hit: bool
    frame_time: float | None
    seconds: float
    box: Box = (0.0, 0.0, 1.0, 1.0)
    iou: float = 0.0
    size: tuple[int, int] = (1, 1)

    def __post_init__(self) -> None:
        if len(self.point) != 2:
            raise ValueError("point must be (x, y)")
        if self.seconds < 0:
            raise ValueError("seconds must be >= 0")
        if len(self.box) != 4:
            raise ValueError("box must be (x1, y1, x2, y2)")
        if not 0.0 <= self.iou <= 1.0:
            raise ValueError("iou must be between 0 and 1")

    @property
    def box_hit(self) -> bool:
        return self.iou >= BOX_HIT_IOU


@dataclass(frozen=True, slots=True)
class Summary:
    """Hits of one method over the items of one kind (``kind == "all"``: every item)."""

    method: str
    kind: str
    items: int
    hits: int

    def __post_init__(self) -> None:
        if not 0 <= self.hits <= self.items:
            raise ValueError("hits must be between 0 and items")

    @property
    def accuracy(self) -> float:
        return self.hits / self.items if self.items else 0.0


@dataclass(frozen=True, slots=True)
class BoxSummary:
    """Box quality of one method (or box baseline) over the items of one kind: how many
    boxes reach IoU >= :data:`BOX_HIT_IOU` and the mean IoU."""

    method: str
    kind: str
    items: int
    box_hits: int
    mean_iou: float

    def __post_init__(self) -> None:
        if not 0 <= self.box_hits <= self.items:
            raise ValueError("box_hits must be between 0 and items")
        if not 0.0 <= self.mean_iou <= 1.0:
            raise ValueError("mean_iou must be between 0 and 1")

    @property
    def accuracy(self) -> float:
        return self.box_hits / self.items if self.items else 0.0


def baseline_box(name: str, size: tuple[int, int]) -> Box:
    """The box of a :data:`BOX_BASELINES` entry on a ``size`` = (W, H) frame."""
    if name == "centre-box":
        return centre_box(size)
    if name == "whole-frame":
        return (0.0, 0.0, float(size[0]), float(size[1]))
    raise KeyError(name)


@dataclass(frozen=True, slots=True)
class PointingReport:
    dataset: PointingDataset
    methods: tuple[str, ...]
    results: tuple[ItemResult, ...]
    window: float
    fps: float

    def __post_init__(self) -> None:
        if len(self.results) != len(self.methods) * len(self.dataset.items):
            raise ValueError("one result per method and item is expected")

    def kinds(self) -> tuple[str, ...]:
        present = {item.kind for item in self.dataset.items}
        return tuple(k for k in KINDS if k in present) + tuple(sorted(present - set(KINDS)))

    def summary(self, method: str, kind: str = "all") -> Summary:
        rows = [r for r in self.results if r.method == method and kind in ("all", r.kind)]
        if method not in self.methods:
            raise KeyError(method)
        return Summary(method, kind, len(rows), sum(r.hit for r in rows))

    def summaries(self) -> tuple[Summary, ...]:
        return tuple(
            self.summary(method, kind) for method in self.methods for kind in ("all", *self.kinds())
        )

    def box_summary(self, method: str, kind: str = "all") -> BoxSummary:
        """Box quality of a method, or of a :data:`BOX_BASELINES` entry."""
        if method in BOX_BASELINES:
            boxes_of = {item.id: item.boxes for item in self.dataset.items}
            first = self.methods[0]
            ious = [
                iou_with_union(baseline_box(method, r.size), boxes_of[r.item_id])
                for r in self.results
                if r.method == first and kind in ("all", r.kind)
            ]
        elif method in self.methods:
            ious = [r.iou for r in self.results if r.method == method and kind in ("all", r.kind)]
        else:
            raise KeyError(method)
        hits = sum(iou >= BOX_HIT_IOU for iou in ious)
        mean = min(1.0, max(0.0, float(np.mean(ious)))) if ious else 0.0
        return BoxSummary(method, kind, len(ious), hits, mean)

    def mean_seconds(self, method: str) -> float:
        times = [r.seconds for r in self.results if r.method == method]
        return float(np.mean(times)) if times else 0.0


Progress = Callable[[int, int], None]


def evaluate_pointing(
    dataset: PointingDataset,
    methods: Mapping[str, LocalizationMethod],
    *,
    window: float = 5.0,
    fps: float = 2.0,
    max_side: int | None = 640,
    progress: Progress | None = None,
) -> PointingReport:
    """Run every method on every item, each item's clip sampled once and shared.

    ``max_side`` bounds the frames given to the methods (points are mapped back to native
    pixels); ``progress(done, total)`` is called after each item.
    """
    from narrlocal_gui.localizer.clip_sampling import sample_clip, scale_localization
    from narrlocal_gui.media.media_info import MediaKind
    from narrlocal_gui.media.source import open_media

    if not methods:
        raise ValueError("no methods to evaluate")
    names = tuple(methods)
    by_item: dict[str, list[ItemResult]] = {}
    # Items on the same file share one open reader (opening a video indexes it), in time
    # order so that the decoder mostly moves forward instead of seeking back.
    order = sorted(
        range(len(dataset.items)),
        key=lambda i: (dataset.items[i].media, dataset.items[i].phrase_start or 0.0),
    )
    done = 0
    current: tuple[str, Any] | None = None
    try:
        for position in order:
            item = dataset.items[position]
            if current is None or current[0] != item.media:
                if current is not None:
                    current[1].close()
                    current = None
                current = (item.media, open_media(dataset.media_path(item)))
            source = current[1]
            native = (int(source.info.width), int(source.info.height))
            is_image = source.info.kind is MediaKind.IMAGE
            if is_image or item.time is None:
                clip = sample_clip(source, 0.0, 0.0, window=0.0, fps=fps, max_side=max_side)
                target, frame_time = 0, None
            else:
                start = float(item.phrase_start if item.phrase_start is not None else item.time)
                end = float(item.phrase_end if item.phrase_end is not None else item.time)
                clip = sample_clip(
                    source,
                    start,
                    end,
                    window=window,
                    fps=fps,
                    include_times=(item.time,),
                    max_side=max_side,
                )
                # The annotated frame by identity (the frame shown at `time`), not the
                # sample nearest in time, which can be its successor.
                frame_time = float(source.time_of(source.index_at(item.time)))
                target = int(np.argmin(np.abs(clip.times - frame_time)))
            results = []
            for name, method in methods.items():
                began = _time.perf_counter()
                loc = method.localize(clip, item.phrase)
                seconds = _time.perf_counter() - began
                loc = scale_localization(loc, clip.size, native)
                x, y = (float(v) for v in loc.points[target])
                x1, y1, x2, y2 = (float(v) for v in loc.boxes[target])
                box = (x1, y1, x2, y2)
                results.append(
                    ItemResult(
                        item_id=item.id,
                        method=name,
                        kind=item.kind,
                        point=(x, y),
                        hit=point_in_boxes((x, y), item.boxes),
                        frame_time=frame_time,
                        seconds=max(0.0, seconds),
                        box=box,
                        iou=min(1.0, max(0.0, iou_with_union(box, item.boxes))),
                        size=native,
                    )
                )
            by_item[item.id] = results
            done += 1
            if progress is not None:
                progress(done, len(dataset.items))
    finally:
        if current is not None:
            current[1].close()
    ordered = tuple(r for item in dataset.items for r in by_item[item.id])
    return PointingReport(dataset=dataset, methods=names, results=ordered, window=window, fps=fps)


def report_json(report: PointingReport) -> dict[str, Any]:
    """Per-method summaries and per-item results, for ``--json``."""
    per_item: dict[str, dict[str, Any]] = {}
    for r in report.results:
        entry = per_item.setdefault(r.item_id, {})
        entry[r.method] = {
            "point": [round(r.point[0], 2), round(r.point[1], 2)],
            "hit": r.hit,
            "box": [round(v, 2) for v in r.box],
            "iou": round(r.iou, 4),
            "seconds": round(r.seconds, 4),
        }
    return {
        "version": 1,
        "dataset": str(report.dataset.path),
        "name": report.dataset.name,
        "window": report.window,
        "fps": report.fps,
        "methods": {
            method: {
                s.kind: {
                    "items": s.items,
                    "hits": s.hits,
                    "accuracy": s.accuracy,
                    **_box_json(report.box_summary(method, s.kind)),
                }
                for s in report.summaries()
                if s.method == method
            }
            for method in report.methods
        },
        "box_baselines": {
            name: {
                kind: _box_json(report.box_summary(name, kind)) for kind in ("all", *report.kinds())
            }
            for name in BOX_BASELINES
        },
        "items": [
            {
                "id": item.id,
                "media": item.media,
                "kind": item.kind,
                "phrase": item.phrase,
                "time": item.time,
                "frame_time": next(
                    (r.frame_time for r in report.results if r.item_id == item.id), None
                ),
                "boxes": [list(b) for b in item.boxes],
                "results": per_item[item.id],
                "box_baselines": _baselines_json(report, item),
            }
            for item in report.dataset.items
        ],
    }


def _box_json(summary: BoxSummary) -> dict[str, Any]:
    return {
        "box_hits": summary.box_hits,
        "box_acc50": summary.accuracy,
        "box_miou": summary.mean_iou,
    }


def _baselines_json(report: PointingReport, item: PointingItem) -> dict[str, Any]:
    size = next(r.size for r in report.results if r.item_id == item.id)
    out: dict[str, Any] = {}
    for name in BOX_BASELINES:
        box = baseline_box(name, size)
        out[name] = {
            "box": [round(v, 2) for v in box],
            "iou": round(iou_with_union(box, item.boxes), 4),
        }
    return out
