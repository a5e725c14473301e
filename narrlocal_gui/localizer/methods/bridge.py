"""The training-free localizer: ImageNet classes as the bridge between words and pixels.

Nothing here is trained. Two pretrained encoders meet through the 1000 ImageNet class names:

* Text side: the phrase is parsed (spaCy, shared with phrase extraction) into noun chunks;
  each chunk's head ("blue mug" -> "mug", "pickup truck" stays whole) is compared with the
  MiniLM sentence vectors of every class synonym (a class scores its best synonym). The
  ``top_k`` classes, weighted by a softmax of similarity / ``text_temperature``, stand for
  that chunk. The first chunk (the verb's object, or the subject of a verbless phrase)
  counts fully, later ones ("... into the mug", "... with a spatula") by
  ``secondary_weight``; verbs are not matched to classes at all.
* Picture side: the EfficientNet's ImageNet classifier is linear after average pooling, so
  applied to every grid cell it gives the class-activation map (CAM) of each class. Each
  selected class's map is standardised over all cells of the window (z-score), which removes
  the offsets that make some classes score high everywhere; the phrase's map is the
  class-weighted sum. CAM logits locate far better than per-cell softmax probabilities,
  which a few confident but irrelevant cells dominate (public eval: 17 % against 37 % at
  224 px).
* Priors: each frame's map, rescaled to [0, 1], is multiplied by a broad centre prior
  (Gaussian, sigma = half the frame side) and, for phrases with a verb, the optical-flow
  magnitude (the Farneback baseline's, scaled by a high percentile over the window so a
  still frame stays dark) is added with ``motion_weight``: described actions are where
  hands and tools move, and ImageNet has no class for hands.

The point of a frame is the mode of its heat map (localizer/heatmaps.py, shared with the
other methods); the boxes are made by ``boxes`` (localizer/clip_boxes.py: by default GrabCut
seeded by the heat map at the point on keyframes, followed through the frames between;
``BoxSettings(method="heat")`` gives the connected region above ``box_threshold`` of the
peak, the boxes before). A
frame's score is its semantic evidence (the peak of its map before rescaling, relative to
the window's range) times the phrase's temporal prior.

Feature grids are the expensive part (tens of ms per frame at 448 px on a CPU). They are
kept in memory by frame content, so every phrase of a window (and the overlapping windows
of neighbouring phrases) reuses them, and, when the caller names the media file, in the
on-disk :class:`FeatureCache` across runs. The class-name vectors are computed once and
kept in the user's cache folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import platformdirs

from narrlocal_gui.localizer.clip_boxes import BoxSettings, FlowMemory, clip_boxes
from narrlocal_gui.localizer.encoders.feature_cache import (
    FeatureCache,
    FeatureKey,
    MediaFingerprint,
)
from narrlocal_gui.localizer.encoders.imagenet_classes import (
    NUM_CLASSES,
    class_file,
    class_synonyms,
)
from narrlocal_gui.localizer.encoders.text_encoder import TEXT_DIM, TextEncoder
from narrlocal_gui.localizer.encoders.video_encoder import (
    FEATURE_CHANNELS,
    GRID_STRIDE,
    VideoEncoder,
    input_size,
)
from narrlocal_gui.localizer.heatmaps import BOX_THRESHOLD, point_and_box
from narrlocal_gui.localizer.methods.baselines import FlowLocalizer, phrase_prior
from narrlocal_gui.localizer.types import ClipInput, Localization
from narrlocal_gui.progress import CancelCallback

__all__ = [
    "BridgeConfig",
    "BridgeLocalizer",
    "ChunkQuery",
    "ClassNameIndex",
    "PhraseQuery",
]

_DEFAULT_MEMORY_BYTES = 256 * 1024 * 1024
_MOTION_CLIPS_KEPT = 4


@dataclass(frozen=True, slots=True)
class BridgeConfig:
    """The method's settings. With the defaults, pointing accuracy on the public set
    (../shared/eval/public.json, native frames) is 59 % (24 of 41) against 32 % for the
    centre prior and 44 % for optical flow; nearby settings (top_k 5-20, motion_weight 0.5-2, centre
    sigma 0.4-0.6) give 51-61 %, 224 px grids about 10 points less. ``reduced_precision``:
    grids in bfloat16 where the CPU computes it natively (2.3x faster encoding, the same
    accuracy on the public set; encoders/video_encoder.py)."""

    short_side: int = 448
    reduced_precision: bool = True
    top_k: int = 10
    text_temperature: float = 0.05
    secondary_weight: float = 0.5
    centre_sigma: float = 0.5
    motion_weight: float = 1.0
    motion_percentile: float = 99.5
    box_threshold: float = BOX_THRESHOLD
    boxes: BoxSettings = field(default_factory=BoxSettings)

    def __post_init__(self) -> None:
        if self.short_side <= 0 or self.short_side % 32:
            raise ValueError(f"short_side must be a positive multiple of 32, not {self.short_side}")
        if not 1 <= self.top_k <= NUM_CLASSES:
            raise ValueError(f"top_k must be between 1 and {NUM_CLASSES}, not {self.top_k}")
        if not self.text_temperature > 0:
            raise ValueError("text_temperature must be > 0")
        if not 0 <= self.secondary_weight <= 1:
            raise ValueError("secondary_weight must be between 0 and 1")
        if not self.centre_sigma > 0:
            raise ValueError("centre_sigma must be > 0")
        if not self.motion_weight >= 0:
            raise ValueError("motion_weight must be >= 0")
        if not 0 < self.motion_percentile <= 100:
            raise ValueError("motion_percentile must be in (0, 100]")
        if not 0 < self.box_threshold < 1:
            raise ValueError("box_threshold must be between 0 and 1")


@dataclass(frozen=True, slots=True)
class ChunkQuery:
    """One noun chunk of the phrase and the ImageNet classes that stand for it."""

    text: str
    weight: float
    classes: tuple[int, ...]
    class_weights: tuple[float, ...]  # sum to 1
    similarity: float  # of the best class, cosine of MiniLM vectors

    def __post_init__(self) -> None:
        if len(self.classes) != len(self.class_weights) or not self.classes:
            raise ValueError("classes and class_weights must be non-empty and of equal length")
        if not all(0 <= c < NUM_CLASSES for c in self.classes):
            raise ValueError("class indices must be in [0, 1000)")
        if not self.weight >= 0:
            raise ValueError("weight must be >= 0")


@dataclass(frozen=True, slots=True)
class PhraseQuery:
    """What the bridge looks for: class-weighted chunks, and whether motion matters."""

    phrase: str
    chunks: tuple[ChunkQuery, ...]
    interaction: bool  # the phrase has a verb: an action, where things move
    weights: np.ndarray = field(repr=False, compare=False)  # (1000,) float32, sums to 1 or 0

    def __post_init__(self) -> None:
        if self.weights.shape != (NUM_CLASSES,):
            raise ValueError(f"weights must be ({NUM_CLASSES},), got {self.weights.shape}")

    @property
    def selected(self) -> np.ndarray:
        """Indices of the classes with a non-zero weight."""
        return np.flatnonzero(self.weights > 0)


class ClassNameIndex:
    """MiniLM vectors of every synonym of the 1000 classes; a class's similarity to a text is
    its best synonym's. Built once (about 1,900 short texts) and kept on disk, keyed by the
    text model's and the class file's versions."""

    def __init__(self, text_encoder: TextEncoder, cache_dir: Path | None = None) -> None:
        self._text = text_encoder
        synonyms = class_synonyms()
        self._owner = np.array([i for i, names in enumerate(synonyms) for _ in names])
        flat = [name for names in synonyms for name in names]
        folder = cache_dir if cache_dir is not None else _default_text_cache()
        tag = hashlib.sha256(class_file().read_bytes()).hexdigest()[:12]
        path = folder / f"imagenet-synonyms-{text_encoder.version}-{tag}.npy"
        vectors = _load_vectors(path, (len(flat), TEXT_DIM))
        if vectors is None:
            vectors = text_encoder.encode_sentences(flat)
            _save_atomic(path, vectors)
        self._vectors = vectors

    def similarity(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), 1000) cosine similarity of each text to each class."""
        if not texts:
            return np.zeros((0, NUM_CLASSES), dtype=np.float32)
        per_synonym = self._text.encode_sentences(list(texts)) @ self._vectors.T
        out = np.full((len(texts), NUM_CLASSES), -1.0, dtype=np.float32)
        for row, sims in zip(out, per_synonym, strict=True):
            np.maximum.at(row, self._owner, sims)
        return out


class BridgeLocalizer:
    """The training-free method; create with :meth:`load`. Thread-safe."""

    name = "bridge"

    def __init__(
        self,
        video_encoder: VideoEncoder,
        text_encoder: TextEncoder,
        *,
        config: BridgeConfig | None = None,
        feature_cache: FeatureCache | None = None,
        class_index: ClassNameIndex | None = None,
        memory_bytes: int = _DEFAULT_MEMORY_BYTES,
    ) -> None:
        self.config = config if config is not None else BridgeConfig()
        self.video_encoder = video_encoder
        self.text_encoder = text_encoder
        self.feature_cache = feature_cache
        self._class_index = class_index
        self._memory_bytes = memory_bytes
        self._grids: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()
        self._grid_bytes = 0
        self._motion: OrderedDict[tuple[str, ...], np.ndarray] = OrderedDict()
        self._flow = FlowLocalizer()
        self._flows = FlowMemory()
        self._lock = threading.Lock()
        weight, bias = video_encoder.fc
        self._fc_weight = weight
        self._fc_bias = bias

    @classmethod
    def load(
        cls,
        device: str = "cpu",
        *,
        config: BridgeConfig | None = None,
        feature_cache: FeatureCache | None = None,
    ) -> BridgeLocalizer:
        """Both encoders on ``device`` (shared with other methods) and, unless one is given,
        the feature cache in the user's cache folder. Everything parsing a phrase needs (the
        spaCy pipeline, the class names' vectors) is loaded now too, not by the first phrase:
        loading is reported as loading, and the first phrase's time (the ETA's first
        sample) is the phrase's own."""
        from narrlocal_gui.narration.phrases import load_nlp

        localizer = cls(
            VideoEncoder.load(device),
            TextEncoder.load(device),
            config=config,
            feature_cache=feature_cache if feature_cache is not None else FeatureCache(),
        )
        load_nlp()
        _ = localizer.class_index
        return localizer

    @property
    def class_index(self) -> ClassNameIndex:
        with self._lock:
            if self._class_index is None:
                self._class_index = ClassNameIndex(self.text_encoder)
            return self._class_index

    # -- text ---------------------------------------------------------------------------

    def parse(self, phrase: str) -> PhraseQuery:
        """The noun chunks of ``phrase`` and the classes standing for each."""
        texts, interaction = _noun_heads(phrase)
        cfg = self.config
        weights = np.zeros(NUM_CLASSES, dtype=np.float32)
        chunks: list[ChunkQuery] = []
        sims = self.class_index.similarity(texts)
        for i, (text, sim) in enumerate(zip(texts, sims, strict=True)):
            top = np.argsort(-sim, kind="stable")[: cfg.top_k]
            e = np.exp((sim[top] - sim[top[0]]) / cfg.text_temperature)
            e /= e.sum()
            chunk_weight = 1.0 if i == 0 else cfg.secondary_weight
            weights[top] += chunk_weight * e.astype(np.float32)
            chunks.append(
                ChunkQuery(
                    text=text,
                    weight=chunk_weight,
                    classes=tuple(int(c) for c in top),
                    class_weights=tuple(float(x) for x in e),
                    similarity=float(sim[top[0]]),
                )
            )
        total = float(weights.sum())
        if total > 0:
            weights /= total
        return PhraseQuery(phrase, tuple(chunks), interaction, weights)

    # -- pictures -----------------------------------------------------------------------

    def features(
        self,
        clip: ClipInput,
        *,
        media: MediaFingerprint | None = None,
        cancel: CancelCallback | None = None,
    ) -> np.ndarray:
        """(T, 1280, h, w) float32 grids of the clip's frames, from memory, from the disk
        cache (when ``media`` names the file the frames come from) or encoded now."""
        return np.stack(self.frame_grids(clip, media=media, cancel=cancel))

    def frame_grids(
        self,
        clip: ClipInput,
        *,
        media: MediaFingerprint | None = None,
        cancel: CancelCallback | None = None,
    ) -> list[np.ndarray]:
        """:meth:`features` as one read-only (1280, h, w) float32 array per frame, shared
        with the memory (no copy: stacking them was a tenth of a cached run)."""
        ss = self.config.short_side
        digests = clip.digests()
        found: list[np.ndarray | None] = []
        with self._lock:
            for d in digests:
                grid = self._grids.get((d, ss))
                if grid is not None:
                    self._grids.move_to_end((d, ss))
                found.append(grid)
        cache = self.feature_cache if media is not None else None
        keys: list[FeatureKey | None] = [None] * len(found)
        if cache is not None and media is not None:
            version = self.video_encoder.version_for(self.config.reduced_precision)
            for i, t in enumerate(clip.times):
                lookup = FeatureKey(media, version, ss, max(0.0, float(t)))
                keys[i] = lookup
                if found[i] is None:
                    cached = cache.get(lookup)
                    if cached is not None:
                        kept = found[i] = _kept(cached)
                        self._remember(digests[i], kept)
        missing = [i for i, g in enumerate(found) if g is None]
        if missing:
            encoded = self.video_encoder.encode(
                clip.frames[missing],
                short_side=ss,
                reduced_precision=self.config.reduced_precision,
                cancel=cancel,
            )
            for i, grid in zip(missing, encoded, strict=True):
                # float16 halves the disk; the maps differ by < 0.1 % of their range. Memory
                # holds the same rounded values, so a cached run gives the same maps.
                stored = grid.astype(np.float16)
                kept = found[i] = _kept(stored)
                self._remember(digests[i], kept)
                key = keys[i]
                if cache is not None and key is not None:
                    cache.put(key, stored)
        grids = [g for g in found if g is not None]
        shapes = {g.shape for g in grids}
        if len(grids) != len(found) or len(shapes) != 1 or grids[0].shape[0] != FEATURE_CHANNELS:
            raise ValueError(f"inconsistent feature grids for one clip: {shapes}")
        return grids

    def motion(self, clip: ClipInput, grid: tuple[int, int]) -> np.ndarray:
        """(T, h, w) optical-flow magnitude on the feature grid, 0 to 1 (1 = the window's
        ``motion_percentile``); zeros for a single frame."""
        n = clip.frames.shape[0]
        rows, cols = grid
        if n < 2:
            return np.zeros((n, rows, cols), dtype=np.float32)
        key = (*clip.digests(), repr(clip.times.tolist()), f"{rows}x{cols}")
        with self._lock:
            known = self._motion.get(key)
        if known is not None:
            return known
        import cv2

        flow = self._flow.motion(clip)
        maps = np.stack([cv2.resize(m, (cols, rows), interpolation=cv2.INTER_AREA) for m in flow])
        scale = float(np.percentile(maps, self.config.motion_percentile))
        maps = np.clip(maps / scale, 0.0, 1.0) if scale > 0 else np.zeros_like(maps)
        maps = maps.astype(np.float32)
        with self._lock:
            self._motion[key] = maps
            while len(self._motion) > _MOTION_CLIPS_KEPT:
                self._motion.popitem(last=False)
        return maps

    def class_maps(
        self, features: np.ndarray | Sequence[np.ndarray], classes: np.ndarray
    ) -> np.ndarray:
        """(T, K, h, w) per-cell logits of ``classes``, each standardised over all cells;
        ``features`` (T, C, h, w) or T grids (C, h, w)."""
        weight = self._fc_weight[classes]  # (K, C)
        bias = self._fc_bias[classes][:, None]
        c, h, w = features[0].shape
        # One BLAS product per frame on the grid as it lies ((K, C) @ (C, hw)), not a copy
        # of all the 1280-channel grids into another layout first.
        logits = np.stack([weight @ g.reshape(c, h * w) + bias for g in features])
        logits = logits.reshape(len(logits), len(classes), h, w)
        mean = logits.mean(axis=(0, 2, 3), keepdims=True)
        std = logits.std(axis=(0, 2, 3), keepdims=True)
        return np.asarray((logits - mean) / np.maximum(std, 1e-6), dtype=np.float32)

    # -- the method ---------------------------------------------------------------------

    def heatmaps(
        self,
        clip: ClipInput,
        phrase: str | PhraseQuery,
        *,
        media: MediaFingerprint | None = None,
        cancel: CancelCallback | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(T, h, w) heat maps on the feature grid, peak 1 per frame, and (T,) scores."""
        query = phrase if isinstance(phrase, PhraseQuery) else self.parse(phrase)
        n = clip.frames.shape[0]
        in_h, in_w = input_size(clip.frames.shape[1], clip.frames.shape[2], self.config.short_side)
        rows, cols = in_h // GRID_STRIDE, in_w // GRID_STRIDE
        moves = query.interaction and self.config.motion_weight > 0 and n > 1
        # Optical flow (OpenCV, one core) runs beside the encoder: torch keeps both cores
        # busy only inside its larger convolutions, and each waited for the other before.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bridge-motion") as pool:
            motion = pool.submit(self.motion, clip, (rows, cols)) if moves else None
            features = self.frame_grids(clip, media=media, cancel=cancel)
            motion_maps = motion.result() if motion is not None else None
        if features[0].shape[1:] != (rows, cols):
            raise ValueError(f"the grids are {features[0].shape[1:]}, not {(rows, cols)}")
        selected = query.selected
        if selected.size:
            maps = self.class_maps(features, selected)
            semantic = np.einsum("k,tkhw->thw", query.weights[selected], maps)
        else:
            semantic = np.zeros((n, rows, cols), dtype=np.float32)
        peaks = semantic.reshape(n, -1).max(axis=1)
        lows = semantic.reshape(n, -1).min(axis=1)
        span = (peaks - lows)[:, None, None]
        # A frame without semantic contrast falls back to the priors alone (flat = 1).
        base = np.where(span > 1e-6, (semantic - lows[:, None, None]) / np.maximum(span, 1e-6), 1.0)
        heat = base * _centre_prior(rows, cols, self.config.centre_sigma)[None]
        if motion_maps is not None:
            heat = heat + self.config.motion_weight * motion_maps
        top = heat.reshape(n, -1).max(axis=1)
        heat = heat / np.where(top > 0, top, 1.0)[:, None, None]
        evidence = np.ones(n, dtype=np.float32)
        if selected.size and n > 1 and float(peaks.max() - peaks.min()) > 1e-6:
            evidence = (peaks - peaks.min()) / (peaks.max() - peaks.min())
        temporal = phrase_prior(clip.times, clip.phrase_start, clip.phrase_end)
        scores = temporal * (0.5 + 0.5 * evidence)
        return (
            np.clip(heat, 0.0, 1.0).astype(np.float32),
            np.clip(scores, 0.0, 1.0).astype(np.float32),
        )

    def localize(
        self,
        clip: ClipInput,
        phrase: str,
        *,
        media: MediaFingerprint | None = None,
        cancel: CancelCallback | None = None,
    ) -> Localization:
        """Heat map, point, box and score for every frame of ``clip``. ``media`` (the file the
        frames were read from) lets the grids be cached on disk across runs."""
        heat, scores = self.heatmaps(clip, phrase, media=media, cancel=cancel)
        n = heat.shape[0]
        points = np.empty((n, 2), dtype=np.float64)
        boxes = np.empty((n, 4), dtype=np.float64)
        for i in range(n):
            points[i], boxes[i] = point_and_box(
                heat[i], clip.size, threshold=self.config.box_threshold
            )
        if self.config.boxes.method != "heat":
            boxes = clip_boxes(
                clip.frames,
                heat,
                points,
                settings=self.config.boxes,
                digests=clip.digests(),
                memory=self._flows,
                cancel=cancel,
            )
        return Localization(
            times=clip.times.copy(), heatmaps=heat, points=points, boxes=boxes, scores=scores
        )

    def _remember(self, digest: str, grid: np.ndarray) -> None:
        key = (digest, self.config.short_side)
        with self._lock:
            old = self._grids.pop(key, None)
            if old is not None:
                self._grid_bytes -= old.nbytes
            if grid.nbytes > self._memory_bytes:
                return
            self._grids[key] = grid
            self._grid_bytes += grid.nbytes
            while self._grid_bytes > self._memory_bytes:
                _, dropped = self._grids.popitem(last=False)
                self._grid_bytes -= dropped.nbytes


def _kept(grid: np.ndarray) -> np.ndarray:
    """A float32 read-only copy of a cached grid, as the memory holds it."""
    kept = np.asarray(grid, dtype=np.float32)
    kept = kept.copy() if kept is grid else kept
    kept.setflags(write=False)
    return kept


def _noun_heads(phrase: str) -> tuple[list[str], bool]:
    """The heads of the phrase's noun chunks (compound nouns kept: "pickup truck", "tail
    lights"; adjectives and colours dropped: they pull in unrelated classes such as "red
    wine" for "red cup"), and whether the phrase has a verb."""
    from narrlocal_gui.narration.phrases import load_nlp

    doc = load_nlp()(phrase)
    heads: list[str] = []
    for chunk in doc.noun_chunks:
        root = chunk.root
        if root.pos_ == "PRON":
            continue
        words = [
            t.text for t in chunk if t.i == root.i or (t.dep_ == "compound" and t.head.i == root.i)
        ]
        text = " ".join(words).strip()
        if text and text.lower() not in (h.lower() for h in heads):
            heads.append(text)
    interaction = any(t.pos_ == "VERB" for t in doc)
    if not heads:
        # No noun at all ("stir well"): the content words are the best description left.
        from narrlocal_gui.narration.phrases import content_words

        words = content_words(phrase)
        if words:
            heads.append(" ".join(words))
    return heads, interaction


def _centre_prior(rows: int, cols: int, sigma: float) -> np.ndarray:
    y = (np.arange(rows) + 0.5) / rows - 0.5
    x = (np.arange(cols) + 0.5) / cols - 0.5
    prior = np.exp(-0.5 * ((y[:, None] / sigma) ** 2 + (x[None, :] / sigma) ** 2))
    return prior.astype(np.float32)


def _default_text_cache() -> Path:
    return Path(platformdirs.user_cache_dir("narrlocal")) / "text"


def _load_vectors(path: Path, shape: tuple[int, int]) -> np.ndarray | None:
    try:
        vectors = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if vectors.shape != shape or vectors.dtype != np.float32 or not np.all(np.isfinite(vectors)):
        return None
    return np.asarray(vectors)


def _save_atomic(path: Path, array: np.ndarray) -> None:
    # A cache: failing to write it only costs recomputing next time.
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as f:
                np.save(f, array, allow_pickle=False)
            tmp.replace(path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
