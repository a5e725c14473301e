"""``narrlocal eval moments``: the moments dataset, the metrics and the baselines.

A dataset (docs/evaluation.md, "The moments set") is JSON: ``{"version": 1, "items": [{"id",
"media", "query", "start", "end", "transcript"?, "spoken_start"?, "spoken_end"?, "also"?}]}``;
media paths are relative to a media root, transcripts to the dataset's folder. A prediction
is scored by its temporal IoU with the item's span (or the best of its ``also`` spans, when
the action happens more than once). R@k at IoU x: the share of items with one of the first
k moments at IoU >= x; mIoU: the mean IoU of the first moment.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.localizer.search.moment import Evidence, FusionWeights, Moment

__all__ = [
    "IOU_THRESHOLDS",
    "MomentItem",
    "MomentScores",
    "baseline_predictions",
    "cross_validate",
    "load_moments",
    "score_predictions",
]

IOU_THRESHOLDS = (0.3, 0.5, 0.7)
RANDOM_SEED = 0


class MomentsDatasetError(UserFacingError):
    """A moments dataset that cannot be read; the message names the file and the item."""


@dataclass(frozen=True, slots=True)
class MomentItem:
    """One query over one video and the span(s) it describes."""

    id: str
    media: Path
    query: str
    start: float
    end: float
    also: tuple[tuple[float, float], ...] = ()
    transcript: Path | None = None
    spoken: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        for a, b in ((self.start, self.end), *self.also):
            if not (math.isfinite(a) and math.isfinite(b) and 0 <= a < b):
                raise ValueError(f"item {self.id}: a span needs 0 <= start < end")

    @property
    def spans(self) -> tuple[tuple[float, float], ...]:
        return ((self.start, self.end), *self.also)

    def iou(self, moment: Moment) -> float:
        return max(moment.iou(a, b) for a, b in self.spans)


@dataclass(frozen=True, slots=True)
class MomentScores:
    """R@1 and R@5 at each IoU threshold (fractions) and mIoU, over ``items`` items."""

    method: str
    items: int
    recall1: tuple[float, ...]
    recall5: tuple[float, ...]
    miou: float


def _number(raw: Mapping[str, Any], key: str, where: str) -> float:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MomentsDatasetError(f"{where}: '{key}' must be a number of seconds.")
    if value < 0:
        raise MomentsDatasetError(f"{where}: '{key}' must not be negative.")
    return float(value)


def load_moments(path: Path, media_root: Path | None = None) -> tuple[str, list[MomentItem]]:
    """The set's name and items, every file checked to exist before any work."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MomentsDatasetError(f"Cannot open '{path}': no such file.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MomentsDatasetError(f"Cannot read '{path}': {exc}.") from None
    if not isinstance(doc, dict) or doc.get("version") != 1:
        raise MomentsDatasetError(f"'{path}' is not a version 1 moments set.")
    raw_items = doc.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise MomentsDatasetError(f"'{path}' has no items.")
    root = media_root if media_root is not None else path.parent.parent / "media"
    items: list[MomentItem] = []
    seen: set[str] = set()
    for n, raw in enumerate(raw_items):
        where = f"'{path}', item {n + 1}"
        if not isinstance(raw, dict):
            raise MomentsDatasetError(f"{where} is not an object.")
        ident = raw.get("id", str(n + 1))
        where = f"'{path}', item '{ident}'"
        if not isinstance(ident, str) or not ident or ident in seen:
            raise MomentsDatasetError(f"{where}: 'id' must be a unique non-empty string.")
        seen.add(ident)
        for key in ("media", "query"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise MomentsDatasetError(f"{where}: '{key}' must be a non-empty string.")
        start, end = _number(raw, "start", where), _number(raw, "end", where)
        if end <= start:
            raise MomentsDatasetError(f"{where}: 'end' must be after 'start'.")
        also: list[tuple[float, float]] = []
        for span in raw.get("also", []) or []:
            if (
                not isinstance(span, list)
                or len(span) != 2
                or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in span)
                or not 0 <= span[0] < span[1]
            ):
                raise MomentsDatasetError(f"{where}: 'also' must list [start, end] spans.")
            also.append((float(span[0]), float(span[1])))
        spoken = None
        if raw.get("spoken_start") is not None or raw.get("spoken_end") is not None:
            spoken = (_number(raw, "spoken_start", where), _number(raw, "spoken_end", where))
        transcript = None
        if raw.get("transcript") is not None:
            if not isinstance(raw["transcript"], str):
                raise MomentsDatasetError(f"{where}: 'transcript' must be a path.")
            transcript = path.parent / raw["transcript"]
        items.append(
            MomentItem(
                ident,
                root / raw["media"],
                raw["query"],
                start,
                end,
                tuple(also),
                transcript,
                spoken,
            )
        )
    missing = [i for i in items if not i.media.is_file()]
    if missing:
        raise MomentsDatasetError(
            f"'{missing[0].media}' (item '{missing[0].id}') is missing; {len(missing)} of "
            f"{len(items)} items lack their media (use --media-root)."
        )
    lacking = [i for i in items if i.transcript is not None and not i.transcript.is_file()]
    if lacking:
        raise MomentsDatasetError(f"The transcript '{lacking[0].transcript}' is missing.")
    name = doc.get("name") if isinstance(doc.get("name"), str) else path.stem
    return str(name), items


def score_predictions(
    method: str, items: Sequence[MomentItem], predictions: Sequence[Sequence[Moment]]
) -> MomentScores:
    """The metrics of ranked ``predictions`` (one list per item, best first; an empty list
    counts as a miss)."""
    if len(items) != len(predictions) or not items:
        raise ValueError("one prediction list per item, and at least one item")
    ious = [[item.iou(m) for m in ranked] for item, ranked in zip(items, predictions, strict=True)]
    r1 = tuple(float(np.mean([bool(i) and i[0] >= x for i in ious])) for x in IOU_THRESHOLDS)
    r5 = tuple(float(np.mean([any(v >= x for v in i[:5]) for i in ious])) for x in IOU_THRESHOLDS)
    miou = float(np.mean([i[0] if i else 0.0 for i in ious]))
    return MomentScores(method, len(items), r1, r5, miou)


def baseline_predictions(
    items: Sequence[MomentItem], durations: Sequence[float]
) -> dict[str, list[list[Moment]]]:
    """The baselines: the whole video; the narration's own span (items that have one;
    others get the whole video); a random span of the set's median length, seeded."""
    median = float(np.median([i.end - i.start for i in items]))
    rng = np.random.default_rng(RANDOM_SEED)
    whole: list[list[Moment]] = []
    spoken: list[list[Moment]] = []
    random: list[list[Moment]] = []
    for item, duration in zip(items, durations, strict=True):
        whole.append([Moment(0.0, duration, 0.0)])
        a, b = item.spoken if item.spoken is not None else (0.0, duration)
        spoken.append([Moment(a, min(max(a, b), max(duration, b)), 0.0)])
        length = min(median, duration)
        ranked = []
        for _ in range(5):
            s = float(rng.uniform(0.0, max(0.0, duration - length)))
            ranked.append(Moment(s, s + length, 0.0))
        random.append(ranked)
    return {"whole video": whole, "narration span": spoken, "random span": random}


#: The weights tried by cross-validation (every combination).
GRID: Mapping[str, Sequence[float]] = {
    "picture": (0.0, 0.5, 1.0),
    "narration": (0.0, 1.0, 2.0),
    "motion": (0.0, 0.5, 1.0),
    "context": (0.5, 1.0),
    "refine": (0.3, 0.5, 0.7),
}


def cross_validate(
    items: Sequence[MomentItem],
    evidence: Sequence[Evidence],
    rank: Callable[[Evidence, FusionWeights], list[Moment]],
) -> tuple[list[list[Moment]], list[tuple[str, FusionWeights]]]:
    """Leave-one-video-out: each video's items are ranked with the grid's weights that did
    best (R@1 at IoU 0.5 plus mIoU) on the other videos' items. Returns the predictions and
    the weights chosen per held-out video."""
    grid = [
        FusionWeights(**dict(zip(GRID, values, strict=True)))
        for values in itertools.product(*GRID.values())
    ]
    ranked = [[rank(e, w) for e in evidence] for w in grid]
    videos = sorted({str(i.media) for i in items})
    out: list[list[Moment]] = [[] for _ in items]
    chosen: list[tuple[str, FusionWeights]] = []
    for video in videos:
        train = [k for k, i in enumerate(items) if str(i.media) != video]
        held = [k for k, i in enumerate(items) if str(i.media) == video]
        best, best_value = 0, -1.0
        for g, preds in enumerate(ranked):
            if not train:
                break
            s = score_predictions("cv", [items[k] for k in train], [preds[k] for k in train])
            value = s.recall1[1] + s.miou
            if value > best_value + 1e-12:
                best, best_value = g, value
        chosen.append((video, grid[best]))
        for k in held:
            out[k] = ranked[best][k]
    return out, chosen
