"""The project's data model: small immutable records, validated on construction.

Everything here is frozen. An edit builds a new record with :func:`dataclasses.replace`
(see :mod:`narrlocal_gui.core.edits`), so an undo step only has to keep the old value and the
GUI can never observe a half-applied change. Sequences are tuples for the same reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum, StrEnum

import numpy as np
import numpy.typing as npt

Rgb = tuple[int, int, int]

#: Indicator colours handed out in turn to new indicators (colour-blind-safe, Okabe-Ito).
PALETTE: tuple[Rgb, ...] = (
    (230, 159, 0),
    (86, 180, 233),
    (0, 158, 115),
    (240, 228, 66),
    (0, 114, 178),
    (213, 94, 0),
    (204, 121, 167),
)


def _check_time(name: str, value: float) -> None:
    if not math.isfinite(value) or value < 0.0:
        raise ValueError(f"{name} must be a finite time >= 0 s, got {value!r}")


def _check_span(start: float, end: float) -> None:
    _check_time("start", start)
    _check_time("end", end)
    if end < start:
        raise ValueError(f"end ({end}) is before start ({start})")


def _check_rgb(color: Rgb) -> None:
    if len(color) != 3 or any(not (0 <= int(c) <= 255) for c in color):
        raise ValueError(f"colour must be three integers 0..255, got {color!r}")


class IndicatorStyle(StrEnum):
    """How an indicator shows its region (the patent's FIGS. 5A-5D, claims 7, 11, 12, 15)."""

    BOX = "box"  # outline around the region, with the phrase as label
    BRIGHTEN = "brighten"  # the region brighter than the rest
    TINT = "tint"  # the region colour-shifted towards the indicator colour
    DARKEN = "darken"  # everything outside the region darker
    GRAYSCALE = "grayscale"  # everything outside the region without colour
    SPOTLIGHT = "spotlight"  # outside the region both darker and without colour
    HEATMAP = "heatmap"  # the localizer's heat map blended over the frame

    @property
    def label(self) -> str:
        return _STYLE_LABELS[self]

    @property
    def description(self) -> str:
        """One sentence for tooltips."""
        return _STYLE_DESCRIPTIONS[self]

    @property
    def affects_surround(self) -> bool:
        """True for the styles that change the pixels OUTSIDE the region."""
        return self in (IndicatorStyle.DARKEN, IndicatorStyle.GRAYSCALE, IndicatorStyle.SPOTLIGHT)


_STYLE_LABELS = {
    IndicatorStyle.BOX: "Box",
    IndicatorStyle.BRIGHTEN: "Brighten",
    IndicatorStyle.TINT: "Colour shift",
    IndicatorStyle.DARKEN: "Darken around",
    IndicatorStyle.GRAYSCALE: "Gray around",
    IndicatorStyle.SPOTLIGHT: "Spotlight",
    IndicatorStyle.HEATMAP: "Heat map",
}

_STYLE_DESCRIPTIONS = {
    IndicatorStyle.BOX: "An outline around the region, labelled with the phrase",
    IndicatorStyle.BRIGHTEN: "The region brighter than the rest of the picture",
    IndicatorStyle.TINT: "The region shifted towards the indicator's colour",
    IndicatorStyle.DARKEN: "Everything outside the region darker",
    IndicatorStyle.GRAYSCALE: "Everything outside the region without colour",
    IndicatorStyle.SPOTLIGHT: "Everything outside the region darker and without colour",
    IndicatorStyle.HEATMAP: "The localizer's heat map over the picture",
}


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned box in the source video's pixels (x right, y down), x1 < x2, y1 < y2."""

    x1: float
    y1: float
    x2: float
    y2: float

    def __post_init__(self) -> None:
        values = (self.x1, self.y1, self.x2, self.y2)
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"box coordinates must be finite, got {values}")
        if self.x2 <= self.x1 or self.y2 <= self.y1:
            raise ValueError(f"box must have positive width and height, got {values}")

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.x1, self.y1, self.x2, self.y2)

    def lerp(self, other: Box, a: float) -> Box:
        """The box a fraction ``a`` (0..1) of the way from this one to ``other``."""
        return Box(
            self.x1 + (other.x1 - self.x1) * a,
            self.y1 + (other.y1 - self.y1) * a,
            self.x2 + (other.x2 - self.x2) * a,
            self.y2 + (other.y2 - self.y2) * a,
        )

    def clipped(self, width: int, height: int) -> Box | None:
        """This box cut to a ``width`` x ``height`` frame; None when nothing of it is inside."""
        x1, y1 = max(0.0, self.x1), max(0.0, self.y1)
        x2, y2 = min(float(width), self.x2), min(float(height), self.y2)
        if x2 <= x1 or y2 <= y1:
            return None
        return Box(x1, y1, x2, y2)


@dataclass(frozen=True, slots=True)
class TrackPoint:
    """The indicator's box at one instant. ``human`` marks a correction made by a person."""

    time: float
    box: Box
    human: bool = False

    def __post_init__(self) -> None:
        _check_time("track point time", self.time)


@dataclass(frozen=True, slots=True, eq=False)
class HeatSample:
    """A heat map for one instant: a small float32 grid in [0, 1] over the whole frame.

    The grid is the localizer's resolution (e.g. 7x7 or 14x14); the renderer scales it to the
    frame. Compared by identity (numpy arrays have no useful ``==``).
    """

    time: float
    grid: npt.NDArray[np.float32]

    def __post_init__(self) -> None:
        _check_time("heat map time", self.time)
        grid = np.asarray(self.grid, dtype=np.float32)
        if grid.ndim != 2 or grid.shape[0] < 1 or grid.shape[1] < 1:
            raise ValueError(f"heat map must be a 2-D grid, got shape {grid.shape}")
        if not np.all(np.isfinite(grid)):
            raise ValueError("heat map holds non-finite values")
        grid = np.clip(grid, 0.0, 1.0)
        grid.setflags(write=False)
        object.__setattr__(self, "grid", grid)


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    start: float
    end: float
    confidence: float | None = None

    def __post_init__(self) -> None:
        _check_span(self.start, self.end)
        if self.confidence is not None and not (0.0 <= self.confidence <= 1.0):
            raise ValueError(f"word confidence must be in [0, 1], got {self.confidence}")


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of narration (a subtitle cue or an ASR segment) with optional word times."""

    text: str
    start: float
    end: float
    words: tuple[Word, ...] = ()

    def __post_init__(self) -> None:
        _check_span(self.start, self.end)


@dataclass(frozen=True, slots=True)
class Narration:
    segments: tuple[Segment, ...] = ()
    language: str | None = None
    #: Where the narration came from, e.g. "srt", "vtt", "asr:base", "manual", "demo".
    source: str = "manual"


class NotVisualReason(StrEnum):
    """Why a phrase is judged to show nothing on screen (its indicator starts disabled)."""

    GREETING = "greeting"
    META_TALK = "meta_talk"  # about the video itself: "in this video I'll show you how"
    FILLER = "filler"  # "and that's exactly what you want"
    NO_ACTION = "no_action"  # a remark, advice or measurement with no action shown

    @property
    def description(self) -> str:
        """One sentence for tooltips: why the phrase's indicator starts off."""
        return _NOT_VISUAL_DESCRIPTIONS[self]


_NOT_VISUAL_DESCRIPTIONS = {
    NotVisualReason.GREETING: "A greeting or thanks: nothing is shown",
    NotVisualReason.META_TALK: "Talk about the video itself: nothing is shown",
    NotVisualReason.FILLER: "A filler that names nothing: nothing is shown",
    NotVisualReason.NO_ACTION: "A remark, advice or measurement with no action shown",
}


class SpanChoice(StrEnum):
    """Which span of its phrase an indicator follows: when the words are spoken, or when
    the action they describe is seen (narration often comes before or after it)."""

    SPOKEN = "spoken"
    ACTION = "action"

    @property
    def label(self) -> str:
        return "Spoken" if self is SpanChoice.SPOKEN else "Action"


@dataclass(frozen=True, slots=True)
class Phrase:
    """A narrated phrase and when it is spoken.

    ``visual`` is False when the phrase is judged to show nothing (greetings, talk about the
    video, fillers, remarks with no action); ``not_visual_reason`` then says why, and is None
    exactly when ``visual`` is True.

    ``action_span`` is (start, end) in seconds of when the action the phrase describes is
    seen, where the user has set one; None when unknown (indicators then follow the spoken
    span whatever they choose).
    """

    id: str
    text: str
    start: float
    end: float
    visual: bool = True
    not_visual_reason: NotVisualReason | None = None
    action_span: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("phrase id must not be empty")
        _check_span(self.start, self.end)
        reason = self.not_visual_reason
        if reason is not None and not isinstance(reason, NotVisualReason):
            object.__setattr__(self, "not_visual_reason", NotVisualReason(reason))
        if self.visual != (self.not_visual_reason is None):
            raise ValueError(
                "a phrase has a not-visual reason exactly when it is not visual, got "
                f"visual={self.visual} with reason {self.not_visual_reason!r}"
            )
        if self.action_span is not None:
            if len(self.action_span) != 2:
                raise ValueError(f"an action span is (start, end), got {self.action_span!r}")
            start, end = (float(v) for v in self.action_span)
            _check_span(start, end)
            if end <= start:
                raise ValueError(f"an action span must last, got {start}..{end}")
            object.__setattr__(self, "action_span", (start, end))


@dataclass(frozen=True, slots=True)
class Indicator:
    """How one phrase is shown on the video: a style, a box track and optional heat maps.

    ``duration_override`` is seconds from the phrase start; None uses the project default.
    ``track`` and ``heatmaps`` are sorted by time (sorted on construction).
    ``hide_interpolated``: the box shows only on the frames of its track points (keyframes),
    not on the frames between them (see :func:`narrlocal_gui.core.visibility.visible_indicators`).
    ``follow``: whether the indicator is timed by its phrase's spoken span or its action
    span (the spoken one where the phrase has no action span).
    """

    id: str
    phrase_id: str
    style: IndicatorStyle = IndicatorStyle.BOX
    enabled: bool = True
    duration_override: float | None = None
    color: Rgb = PALETTE[0]
    track: tuple[TrackPoint, ...] = ()
    heatmaps: tuple[HeatSample, ...] = field(default=(), compare=False)
    score: float | None = None
    hide_interpolated: bool = False
    follow: SpanChoice = SpanChoice.SPOKEN

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("indicator id must not be empty")
        if not isinstance(self.follow, SpanChoice):
            object.__setattr__(self, "follow", SpanChoice(self.follow))
        if not isinstance(self.style, IndicatorStyle):
            object.__setattr__(self, "style", IndicatorStyle(self.style))
        if self.duration_override is not None and not (
            math.isfinite(self.duration_override) and self.duration_override > 0.0
        ):
            raise ValueError(f"duration must be > 0 s, got {self.duration_override}")
        _check_rgb(self.color)
        object.__setattr__(self, "color", tuple(int(c) for c in self.color))
        if self.score is not None and not math.isfinite(self.score):
            raise ValueError(f"score must be finite, got {self.score}")
        object.__setattr__(self, "track", tuple(sorted(self.track, key=lambda p: p.time)))
        object.__setattr__(self, "heatmaps", tuple(sorted(self.heatmaps, key=lambda h: h.time)))


@dataclass(frozen=True, slots=True)
class VideoRef:
    """The media a project annotates. ``path`` is as the user chose it (absolute when saved
    in memory; stored relative to the project file where possible, see project_io)."""

    path: str
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    size_bytes: int | None = None


class HeatColors(StrEnum):
    """The colours of heat maps, cold to hot."""

    TURBO = "turbo"  # blue, green, yellow, red: what people read as a heat map
    INFERNO = "inferno"  # black, purple, orange, pale yellow: perceptually uniform

    @property
    def label(self) -> str:
        return _HEAT_COLOR_LABELS[self]


_HEAT_COLOR_LABELS = {
    HeatColors.TURBO: "Turbo (blue to red)",
    HeatColors.INFERNO: "Inferno (colour-blind safe)",
}


class AppearanceField(Enum):
    """The :class:`DisplaySettings` that decide how indicators look (not when they show);
    each value is the field's name."""

    SHOW_LABELS = "show_labels"
    LINE_WIDTH = "line_width"
    DARKEN_AMOUNT = "darken_amount"
    BRIGHTEN_AMOUNT = "brighten_amount"
    TINT_AMOUNT = "tint_amount"
    HEATMAP_OPACITY = "heatmap_opacity"
    HEATMAP_COLORS = "heatmap_colors"


#: The outline widths DisplaySettings accepts (px at 720p), smallest and largest.
LINE_WIDTH_RANGE = (1, 50)

#: A value of an :class:`AppearanceField`.
Appearance = bool | int | float | HeatColors


@dataclass(frozen=True, slots=True)
class DisplaySettings:
    """Project-wide display choices.

    ``default_duration``: how long an indicator shows from its phrase's start, in seconds;
    None means "for as long as the phrase is spoken".
    ``default_follow``: the span new indicators follow (:class:`SpanChoice`).
    """

    default_duration: float | None = 3.0
    line_width: int = 3
    show_labels: bool = True
    darken_amount: float = 0.55  # fraction of brightness removed outside the region
    brighten_amount: float = 0.35  # fraction towards white inside the region
    tint_amount: float = 0.35  # fraction towards the indicator colour inside the region
    heatmap_opacity: float = 0.5
    heatmap_colors: HeatColors = HeatColors.TURBO
    default_follow: SpanChoice = SpanChoice.SPOKEN

    def __post_init__(self) -> None:
        if not isinstance(self.default_follow, SpanChoice):
            object.__setattr__(self, "default_follow", SpanChoice(self.default_follow))
        if not isinstance(self.heatmap_colors, HeatColors):
            raise ValueError(f"heat map colours must be a HeatColors, got {self.heatmap_colors!r}")
        if self.default_duration is not None and not (
            math.isfinite(self.default_duration) and self.default_duration > 0.0
        ):
            raise ValueError(f"default duration must be > 0 s, got {self.default_duration}")
        low, high = LINE_WIDTH_RANGE
        if not (low <= self.line_width <= high):
            raise ValueError(f"line width must be {low}..{high} px, got {self.line_width}")
        for name in ("darken_amount", "brighten_amount", "tint_amount", "heatmap_opacity"):
            value = getattr(self, name)
            if not (0.0 <= value <= 1.0):
                raise ValueError(f"{name} must be in [0, 1], got {value}")


@dataclass(frozen=True, slots=True)
class Project:
    video: VideoRef | None = None
    narration: Narration = Narration()
    phrases: tuple[Phrase, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    display: DisplaySettings = DisplaySettings()

    def __post_init__(self) -> None:
        phrase_ids = [p.id for p in self.phrases]
        if len(set(phrase_ids)) != len(phrase_ids):
            raise ValueError("phrase ids must be unique")
        indicator_ids = [i.id for i in self.indicators]
        if len(set(indicator_ids)) != len(indicator_ids):
            raise ValueError("indicator ids must be unique")
        known = set(phrase_ids)
        for ind in self.indicators:
            if ind.phrase_id not in known:
                raise ValueError(f"indicator {ind.id!r} refers to unknown phrase {ind.phrase_id!r}")

    def phrase(self, phrase_id: str) -> Phrase:
        for p in self.phrases:
            if p.id == phrase_id:
                return p
        raise KeyError(phrase_id)

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def indicator_for_phrase(self, phrase_id: str) -> Indicator | None:
        for ind in self.indicators:
            if ind.phrase_id == phrase_id:
                return ind
        return None
