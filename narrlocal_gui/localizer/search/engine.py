"""The search engine: a typed query to ranked moments of a video, and a phrase's action span.

:class:`SearchEngine` holds the encoders (the bridge's: EfficientNet-Lite0 for pictures,
MiniLM for text, the ImageNet class names between them) and a memory of the videos and
narrations it has indexed. The GUI keeps one per session and calls, off the GUI thread::

    engine = SearchEngine.load()                      # seconds: the encoders
    video = engine.index_video(path, progress=..., cancel=...)   # once per file (cached on disk)
    narration = engine.index_narration(project.narration)        # once per narration
    moments = engine.search(video, "pour the water", narration, top=5)  # milliseconds
    span = engine.action_span(video, phrase.text, phrase.start, phrase.end, window=5.0)

Each channel of evidence is normalised per video (0 its median, 1 its 95th percentile), so
the fusion weights mean the same in a 10-second clip and an hour-long film.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from narrlocal_gui.core.model import Narration
from narrlocal_gui.localizer.search.moment import Evidence, FusionWeights, Moment
from narrlocal_gui.localizer.search.narration_index import NarrationIndex, SentenceEncoder
from narrlocal_gui.localizer.search.picture import QueryClasses, picture_evidence
from narrlocal_gui.localizer.search.query import check_query
from narrlocal_gui.localizer.search.spans import rank_moments
from narrlocal_gui.localizer.search.video_index import FrameScorer, VideoIndex, build_video_index
from narrlocal_gui.progress import CancelCallback, ProgressCallback

if TYPE_CHECKING:
    from collections.abc import Callable

    from narrlocal_gui.localizer.encoders.feature_cache import FeatureCache

__all__ = ["DEFAULT_FPS", "SearchEngine", "action_span", "normalised", "rank_evidence"]

DEFAULT_FPS = 2.0


def normalised(curve: np.ndarray) -> np.ndarray:
    """``curve`` with its median at 0 and its 95th percentile at 1 (a flat curve: zeros)."""
    c = np.asarray(curve, dtype=np.float64)
    if c.size == 0:
        return c
    mid = float(np.median(c))
    top = float(np.percentile(c, 95))
    scale = top - mid
    if not scale > 1e-9:
        scale = float(c.max()) - mid
    if not scale > 1e-9:
        return np.zeros_like(c)
    return (c - mid) / scale


def action_span(
    evidence: Evidence,
    phrase_start: float,
    phrase_end: float,
    *,
    window: float = 5.0,
    weights: FusionWeights | None = None,
) -> Moment | None:
    """Where the action a phrase describes is seen, inside its localization window
    ``[phrase_start - window, phrase_end + window]``: the best moment of the picture and
    motion evidence there (the narration is left out: it would only find the words again),
    or None when nothing there stands out from the rest of the window."""
    w = weights if weights is not None else FusionWeights()
    lo = max(0.0, phrase_start - window)
    hi = min(evidence.duration, phrase_end + window)
    inside = (evidence.times >= lo - 1e-9) & (evidence.times <= hi + 1e-9)
    if int(inside.sum()) < 2:
        return None
    curve = replace(w, narration=0.0)
    fused = evidence.fused(curve)[inside]
    fused = fused - float(np.median(fused))
    found = rank_moments(
        fused,
        evidence.times[inside],
        hi,
        context=w.context,
        refine_fraction=w.refine,
        top=1,
    )
    if not found or not found[0].score > 0:
        return None
    best = found[0]
    return Moment(max(lo, best.start), min(hi, max(best.end, lo)), best.score)


class SearchEngine:
    """Thread-safe: indexing may run on a worker while another thread searches."""

    def __init__(
        self,
        scorer: FrameScorer,
        text: SentenceEncoder,
        classes: Callable[[str], QueryClasses],
        *,
        fps: float = DEFAULT_FPS,
        cache: FeatureCache | None = None,
        weights: FusionWeights | None = None,
    ) -> None:
        self.scorer = scorer
        self.text = text
        self.weights = weights if weights is not None else FusionWeights()
        self.fps = fps
        self.cache = cache
        self._classes = classes
        self._lock = threading.Lock()
        self._videos: dict[tuple[str, int, int], VideoIndex] = {}
        self._narrations: dict[int, tuple[Narration, NarrationIndex]] = {}

    @classmethod
    def load(
        cls,
        device: str = "cpu",
        *,
        cache: FeatureCache | None = None,
        weights: FusionWeights | None = None,
    ) -> SearchEngine:
        """The engine on the bridge's encoders (loaded once per process, verified) and the
        feature cache in the user's cache folder unless one is given."""
        from narrlocal_gui.localizer.encoders.feature_cache import FeatureCache
        from narrlocal_gui.localizer.methods.bridge import BridgeLocalizer
        from narrlocal_gui.localizer.search.picture import ClassLogitScorer

        bridge = BridgeLocalizer.load(device)

        def classes(query: str) -> QueryClasses:
            parsed = bridge.parse(query)
            return QueryClasses(parsed.weights.astype(np.float64), parsed.interaction)

        return cls(
            ClassLogitScorer(bridge.video_encoder),
            bridge.text_encoder,
            classes,
            cache=cache if cache is not None else FeatureCache(),
            weights=weights,
        )

    def index_video(
        self,
        path: str | Path,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelCallback | None = None,
    ) -> VideoIndex:
        """The features of the video at ``path``: from memory, the disk cache, or computed
        now (the slow part of a first search: about the encoder's time per frame at
        ``fps`` frames a second)."""
        st = Path(path).stat()
        key = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)
        with self._lock:
            found = self._videos.get(key)
        if found is None:
            found = build_video_index(
                path, self.scorer, fps=self.fps, cache=self.cache, progress=progress, cancel=cancel
            )
            with self._lock:
                self._videos[key] = found
        return found

    def index_narration(self, narration: Narration) -> NarrationIndex:
        """The narration's text windows and vectors (kept while the same object is used)."""
        with self._lock:
            known = self._narrations.get(id(narration))
        if known is not None and known[0] is narration:
            return known[1]
        built = NarrationIndex.build(narration, self.text)
        with self._lock:
            self._narrations[id(narration)] = (narration, built)
        return built

    def evidence(
        self, video: VideoIndex, query: str, narration: NarrationIndex | None = None
    ) -> Evidence:
        """Every channel's evidence for ``query`` over ``video``. Raises
        :class:`~narrlocal_gui.localizer.search.query.QueryError` for a bad query."""
        text, _ = check_query(query)
        classes = self._classes(text)
        times = video.times
        step = float(np.median(np.diff(times))) if times.size > 1 else 1.0
        spoken = None
        if narration is not None and not narration.empty:
            vector = self.text.encode_sentences([text])[0]
            spoken = normalised(narration.curve(vector, times, step))
        return Evidence(
            times=times,
            picture=normalised(picture_evidence(video.logits, classes)),
            motion=normalised(video.motion),
            narration=spoken,
            action=classes.action,
            duration=max(video.duration, float(times[-1])),
        )

    def search(
        self,
        video: VideoIndex,
        query: str,
        narration: NarrationIndex | None = None,
        *,
        top: int = 5,
    ) -> list[Moment]:
        """The ``top`` moments best matching ``query``, best first."""
        return rank_evidence(self.evidence(video, query, narration), self.weights, top=top)

    def action_span(
        self,
        video: VideoIndex,
        phrase: str,
        phrase_start: float,
        phrase_end: float,
        *,
        window: float = 5.0,
    ) -> Moment | None:
        """The proposed action span of a phrase spoken from ``phrase_start`` to
        ``phrase_end`` (see :func:`action_span`); None for a phrase of common words only."""
        from narrlocal_gui.localizer.search.query import QueryError

        try:
            evidence = self.evidence(video, phrase)
        except QueryError:
            return None
        return action_span(evidence, phrase_start, phrase_end, window=window, weights=self.weights)


def rank_evidence(evidence: Evidence, weights: FusionWeights, *, top: int = 5) -> list[Moment]:
    """The ``top`` moments of already computed evidence (the evaluation re-fuses the same
    evidence under other weights without recomputing it)."""
    return rank_moments(
        evidence.fused(weights),
        evidence.times,
        evidence.duration,
        context=weights.context,
        refine_fraction=weights.refine,
        top=top,
    )
