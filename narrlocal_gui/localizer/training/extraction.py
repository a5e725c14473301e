"""Encoding a training set once: the sharded feature cache that training epochs read.

Layout of a features folder::

    index.json            what was extracted, from what, how; the plan of every shard
    shard_00000.npy       video grids, float16 (frames, 1280, h, w): read memory-mapped
    shard_00000.npz       words (n, 384) float32 and the offsets of each clip's rows

``index.json`` (format ``narrlocal-training-features``, version 1) records the encoders'
versions (their weight hashes), the clip settings, a key over both and every input file
(video fingerprint, transcript hash), each video's duration and size, and per shard its
clips (video name, phrase, phrase times, sample times) and, once written, the frames of each
clip (rows into the shard's grid array and their decoded times) and its content words.

A shard holds videos of one frame size only (one grid shape) and at most
``shard_frames`` frames; a long video spans several shards. Frames are decoded exactly as
the application samples a phrase (``sample_clip`` on the video-wide grid, frames shrunk to
``max_side``) and each distinct frame of a video is encoded once, however many clip windows
share it. Files are written to a temporary name and renamed, and a shard counts only when
the index (itself replaced atomically) says it is done: an extraction that is killed
resumes at the first unfinished shard, and a finished one is not redone. Arrays are saved
and loaded without pickle.

Encoders are loaded lazily (torch only then); tests pass small fakes.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.localizer.encoders.interface import TextFeatureEncoder, VideoFeatureEncoder
from narrlocal_gui.localizer.frame_choice import training_frames
from narrlocal_gui.localizer.training.clips import (
    ClipSettings,
    TrainingClip,
    TrainingVideo,
    clip_from_dict,
    clip_to_dict,
    clips_for_video,
)
from narrlocal_gui.progress import CancelCallback, Cancelled

if TYPE_CHECKING:
    from narrlocal_gui.media.source import FrameSource

__all__ = [
    "FEATURES_FORMAT",
    "FEATURES_VERSION",
    "ExtractionProgress",
    "FeatureIndex",
    "FeaturesError",
    "ShardEntry",
    "extract_features",
    "read_index",
    "seconds_per_hour",
    "write_atomically",
]

FEATURES_FORMAT = "narrlocal-training-features"
FEATURES_VERSION = 1
INDEX_NAME = "index.json"
#: Frames per shard: about 160-220 MB of float16 grids at 224 px.
DEFAULT_SHARD_FRAMES = 1024
#: Frames decoded and encoded at a time (bounds memory for long videos: ~30 MB at 640 px).
_CHUNK_FRAMES = 32


class FeaturesError(UserFacingError):
    """A features folder that cannot be used or written as asked."""


@dataclass(frozen=True, slots=True)
class ShardEntry:
    """One shard of the index: its clips, and once ``done`` their frames and words."""

    name: str
    clips: tuple[TrainingClip, ...]
    done: bool = False
    frames: int = 0
    grid: tuple[int, int] = (0, 0)
    clip_rows: tuple[tuple[int, ...], ...] = ()
    clip_frame_times: tuple[tuple[float, ...], ...] = ()
    clip_words: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        if not self.name.startswith("shard_") or not self.clips:
            raise ValueError("a shard needs a shard_ name and at least one clip")
        if self.done and not (
            len(self.clip_rows) == len(self.clip_frame_times) == len(self.clip_words)
            == len(self.clips)
        ):  # fmt: skip
            raise ValueError("a finished shard needs rows, frame times and words per clip")

    def to_dict(self) -> dict[str, Any]:
        clips = []
        for i, clip in enumerate(self.clips):
            entry = clip_to_dict(clip)
            if self.done:
                entry["frame_rows"] = list(self.clip_rows[i])
                entry["frame_times"] = list(self.clip_frame_times[i])
                entry["words"] = list(self.clip_words[i])
            clips.append(entry)
        return {
            "name": self.name,
            "done": self.done,
            "frames": self.frames,
            "grid": list(self.grid),
            "clips": clips,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ShardEntry:
        clips = tuple(clip_from_dict(c) for c in data["clips"])
        done = bool(data["done"])
        raw = data["clips"]
        return cls(
            name=str(data["name"]),
            clips=clips,
            done=done,
            frames=int(data["frames"]),
            grid=(int(data["grid"][0]), int(data["grid"][1])),
            clip_rows=tuple(tuple(int(r) for r in c["frame_rows"]) for c in raw) if done else (),
            clip_frame_times=(
                tuple(tuple(float(t) for t in c["frame_times"]) for c in raw) if done else ()
            ),
            clip_words=tuple(tuple(str(w) for w in c["words"]) for c in raw) if done else (),
        )


@dataclass(frozen=True, slots=True)
class FeatureIndex:
    """The parsed ``index.json``."""

    key: str
    settings: ClipSettings
    encoders: tuple[str, str]
    shards: tuple[ShardEntry, ...]
    video_seconds: Mapping[str, float]
    extraction_seconds: float = 0.0
    frames_encoded: int = 0

    @property
    def complete(self) -> bool:
        return all(s.done for s in self.shards)

    @property
    def clip_count(self) -> int:
        return sum(len(s.clips) for s in self.shards)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FEATURES_FORMAT,
            "version": FEATURES_VERSION,
            "key": self.key,
            "settings": self.settings.to_dict(),
            "encoders": {"video": self.encoders[0], "text": self.encoders[1]},
            "feature_dtype": "float16",
            "complete": self.complete,
            "videos": {name: {"duration": d} for name, d in self.video_seconds.items()},
            "stats": {
                "extraction_seconds": round(self.extraction_seconds, 3),
                "frames_encoded": self.frames_encoded,
            },
            "shards": [s.to_dict() for s in self.shards],
        }


@dataclass(frozen=True, slots=True)
class ExtractionProgress:
    """Where an extraction stands: ``stage`` "plan" (reading videos and transcripts) or
    "encode"; ``done``/``total`` count videos while planning and frames while encoding;
    ``eta`` in seconds once known."""

    stage: str
    done: int
    total: int
    eta: float | None = None

    def __post_init__(self) -> None:
        if self.stage not in ("plan", "encode") or not 0 <= self.done <= max(self.total, 0):
            raise ValueError(f"bad progress {self.stage} {self.done}/{self.total}")

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


ExtractionCallback = Callable[[ExtractionProgress], None]


def read_index(folder: str | os.PathLike[str]) -> FeatureIndex:
    """The index of a features folder; :class:`FeaturesError` when absent or not ours."""
    path = Path(folder) / INDEX_NAME
    if not path.is_file():
        raise FeaturesError(f"'{folder}' holds no extracted training features ({INDEX_NAME}).")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeaturesError(f"'{path}' is not readable ({exc}).") from None
    if not isinstance(data, dict) or data.get("format") != FEATURES_FORMAT:
        raise FeaturesError(f"'{path}' is not a NarrLocal training-features index.")
    if data.get("version") != FEATURES_VERSION:
        raise FeaturesError(
            f"'{path}' is version {data.get('version')!r}; this NarrLocal reads "
            f"version {FEATURES_VERSION}."
        )
    try:
        return FeatureIndex(
            key=str(data["key"]),
            settings=ClipSettings.from_dict(data["settings"]),
            encoders=(str(data["encoders"]["video"]), str(data["encoders"]["text"])),
            shards=tuple(ShardEntry.from_dict(s) for s in data["shards"]),
            video_seconds={str(k): float(v["duration"]) for k, v in data["videos"].items()},
            extraction_seconds=float(data["stats"]["extraction_seconds"]),
            frames_encoded=int(data["stats"]["frames_encoded"]),
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise FeaturesError(f"'{path}' is damaged ({exc}).") from None


def write_atomically(path: Path, write: Callable[[Any], None]) -> None:
    """``write(file)`` into a temporary file beside ``path``, renamed over it when done:
    readers see the old file or the new one, never half of one."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        # mkstemp makes the file private; features are ordinary user files.
        umask = os.umask(0o022)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _write_index(folder: Path, index: FeatureIndex) -> None:
    text = json.dumps(index.to_dict(), separators=(",", ":")).encode("utf-8")
    write_atomically(folder / INDEX_NAME, lambda fh: fh.write(text))


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _input_key(
    videos: Sequence[TrainingVideo], settings: ClipSettings, encoders: tuple[str, str]
) -> str:
    """Changes when any input, setting or encoder does: features of other inputs are never
    mixed into a resumed extraction."""
    from narrlocal_gui.localizer.encoders.feature_cache import MediaFingerprint

    described = settings.to_dict()
    if described["features"] == "head":
        # Extractions from before feature levels existed keep their key (and stay usable).
        del described["features"]
    if described["max_frames"] is None:
        del described["max_frames"]  # likewise, from before the setting existed
    else:
        # Extractions from before training_frames took inference's stride hold other frames.
        described["frame_choice"] = "stride"
    parts: list[Any] = [described, list(encoders)]
    for v in sorted(videos, key=lambda v: v.name):
        fp = MediaFingerprint.of(v.video)
        parts.append([v.name, fp.digest, fp.size, _file_sha256(v.transcript)])
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _encoder_version(encoder: object) -> str:
    return str(getattr(encoder, "version", type(encoder).__name__))


# -- planning ---------------------------------------------------------------------------------


def _frames_of(clips: Sequence[TrainingClip], fps: float) -> set[tuple[str, int]]:
    """(video, grid step) a group of clips samples: an upper bound on the frames it decodes."""
    return {(c.video, round(t * fps)) for c in clips for t in c.times}


def _plan_shards(
    per_video: Sequence[tuple[TrainingVideo, tuple[int, int], list[TrainingClip]]],
    fps: float,
    shard_frames: int,
) -> list[ShardEntry]:
    ordered = sorted(per_video, key=lambda item: (item[1], item[0].name))
    shards: list[list[TrainingClip]] = []
    current: list[TrainingClip] = []
    current_size: tuple[int, int] | None = None
    current_frames: set[tuple[str, int]] = set()
    for _, size, clips in ordered:
        if current and size != current_size:
            shards.append(current)
            current, current_frames = [], set()
        current_size = size
        for clip in clips:
            steps = _frames_of([clip], fps)
            if current and len(current_frames | steps) > shard_frames:
                shards.append(current)
                current, current_frames = [], set()
            current.append(clip)
            current_frames |= steps
    if current:
        shards.append(current)
    return [ShardEntry(f"shard_{i:05d}", tuple(c)) for i, c in enumerate(shards)]


def _plan(
    videos: Sequence[TrainingVideo],
    settings: ClipSettings,
    shard_frames: int,
    progress: ExtractionCallback | None,
    cancel: CancelCallback | None,
) -> tuple[list[ShardEntry], dict[str, float]]:
    from narrlocal_gui.media.source import open_media

    per_video: list[tuple[TrainingVideo, tuple[int, int], list[TrainingClip]]] = []
    durations: dict[str, float] = {}
    for i, video in enumerate(videos):
        if cancel is not None and cancel():
            raise Cancelled("cancelled by the caller")
        if progress is not None:
            progress(ExtractionProgress("plan", i, len(videos)))
        with open_media(video.video) as source:
            info = source.info
        durations[video.name] = float(info.duration)
        clips = clips_for_video(video, float(info.duration), settings)
        if clips:
            per_video.append((video, (info.width, info.height), clips))
    if progress is not None:
        progress(ExtractionProgress("plan", len(videos), len(videos)))
    if not per_video:
        raise FeaturesError(
            "None of the training videos has a phrase with content words to train on."
        )
    return _plan_shards(per_video, settings.fps, shard_frames), durations


# -- encoding ---------------------------------------------------------------------------------


class _FrameMemo:
    """Grids of the last frames encoded, by (video, frame index): a frame at a shard
    boundary is copied, not encoded again."""

    def __init__(self, limit: int) -> None:
        self._items: OrderedDict[tuple[str, int], tuple[float, np.ndarray]] = OrderedDict()
        self._limit = limit

    def get(self, key: tuple[str, int]) -> tuple[float, np.ndarray] | None:
        return self._items.get(key)

    def put(self, key: tuple[str, int], time_: float, grid: np.ndarray) -> None:
        self._items[key] = (time_, grid)
        self._items.move_to_end(key)
        while len(self._items) > self._limit:
            self._items.popitem(last=False)


def _used_frames(frames: list[int], max_frames: int | None) -> list[int]:
    """The frames of a clip to encode: those training on ``max_frames`` reads, or all."""
    if max_frames is None:
        return frames
    return [frames[k] for k in training_frames(len(frames), max_frames)]


def _encode_frames(
    video: TrainingVideo,
    frames: list[int],
    source: FrameSource,
    settings: ClipSettings,
    video_encoder: VideoFeatureEncoder,
    memo: _FrameMemo,
) -> None:
    """Encode ``video``'s frames ``frames`` (read from ``source``) into ``memo``."""
    from narrlocal_gui.localizer.clip_sampling import sample_clip

    times = [float(source.time_of(k)) for k in frames]
    sampled = sample_clip(
        source,
        times[0],
        times[0],
        window=0.0,
        fps=settings.fps,
        include_times=times[1:],
        max_side=settings.max_side,
    )
    if sampled.frames.shape[0] != len(frames):
        raise FeaturesError(f"'{video.video}' decoded unevenly; re-encode it.")
    grids = video_encoder.encode(
        sampled.frames, short_side=settings.short_side, level=settings.features
    )
    for k, t, grid in zip(frames, sampled.times, np.asarray(grids), strict=True):
        memo.put((video.name, k), float(t), grid.astype(np.float16))


def _encode_shard(
    folder: Path,
    entry: ShardEntry,
    videos: Mapping[str, TrainingVideo],
    settings: ClipSettings,
    video_encoder: VideoFeatureEncoder,
    text_encoder: TextFeatureEncoder,
    memo: _FrameMemo,
    on_frames: Callable[[int], None],
    cancel: CancelCallback | None,
) -> tuple[ShardEntry, int]:
    """Write one shard's files; the finished entry and the frames actually encoded."""
    from narrlocal_gui.media.source import open_media

    grids: list[np.ndarray] = []
    frame_times: list[float] = []
    rows: dict[int, tuple[int, ...]] = {}
    encoded = 0
    by_video: dict[str, list[int]] = {}
    for i, clip in enumerate(entry.clips):
        by_video.setdefault(clip.video, []).append(i)
    for name, positions in by_video.items():
        with open_media(videos[name].video) as source:
            # Each clip's frames as the pipeline finds them: the frame shown at each time.
            indices = {
                pos: _used_frames(
                    sorted({source.index_at(t) for t in entry.clips[pos].times}),
                    settings.max_frames,
                )
                for pos in positions
            }
            wanted = sorted({k for found in indices.values() for k in found})
            row_of: dict[int, int] = {}
            # Chunk by chunk, each gathered right after it is encoded: the memo keeps only
            # the last few chunks, and a long video wants far more frames than that.
            for start in range(0, len(wanted), _CHUNK_FRAMES):
                if cancel is not None and cancel():
                    raise Cancelled("cancelled by the caller")
                chunk = wanted[start : start + _CHUNK_FRAMES]
                todo = [k for k in chunk if memo.get((name, k)) is None]
                if todo:
                    _encode_frames(videos[name], todo, source, settings, video_encoder, memo)
                    encoded += len(todo)
                    on_frames(len(todo))
                for k in chunk:
                    found = memo.get((name, k))
                    assert found is not None  # just encoded, or kept from the shard before
                    row_of[k] = len(grids)
                    frame_times.append(found[0])
                    grids.append(found[1])
        for pos in positions:
            rows[pos] = tuple(row_of[k] for k in indices[pos])
    clip_rows = tuple(rows[i] for i in range(len(entry.clips)))
    clip_times = tuple(tuple(frame_times[r] for r in found) for found in clip_rows)

    words: list[np.ndarray] = []
    word_lists: list[tuple[str, ...]] = []
    for clip in entry.clips:
        kept, vectors = text_encoder.encode_words(clip.phrase)
        words.append(np.asarray(vectors, dtype=np.float32).reshape(len(kept), -1))
        word_lists.append(tuple(kept))
    offsets = np.cumsum([0] + [len(w) for w in words]).astype(np.int64)
    stacked_words = np.concatenate(words) if words else np.zeros((0, 384), np.float32)
    frames = np.stack(grids).astype(np.float16)
    write_atomically(
        folder / f"{entry.name}.npy", lambda fh: np.save(fh, frames, allow_pickle=False)
    )
    write_atomically(
        folder / f"{entry.name}.npz",
        lambda fh: np.savez(fh, words=stacked_words, word_offsets=offsets),
    )
    done = ShardEntry(
        name=entry.name,
        clips=entry.clips,
        done=True,
        frames=int(frames.shape[0]),
        grid=(int(frames.shape[2]), int(frames.shape[3])),
        clip_rows=clip_rows,
        clip_frame_times=clip_times,
        clip_words=tuple(word_lists),
    )
    return done, encoded


def extract_features(
    videos: Sequence[TrainingVideo],
    folder: str | os.PathLike[str],
    *,
    settings: ClipSettings | None = None,
    video_encoder: VideoFeatureEncoder | None = None,
    text_encoder: TextFeatureEncoder | None = None,
    device: str = "cpu",
    shard_frames: int = DEFAULT_SHARD_FRAMES,
    force: bool = False,
    progress: ExtractionCallback | None = None,
    cancel: CancelCallback | None = None,
) -> FeatureIndex:
    """Extract (or finish extracting) the features of ``videos`` into ``folder``.

    A folder holding a finished extraction of the same inputs is returned as it is; one
    holding an unfinished one resumes. A folder holding features of other inputs, settings
    or encoders is refused unless ``force`` (then its shards are replaced). Raises
    :class:`Cancelled` when ``cancel()`` turns true (finished shards are kept).
    """
    settings = settings or ClipSettings()
    if shard_frames < 1:
        raise ValueError("shard_frames must be >= 1")
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise FeaturesError(f"The features folder '{out}' is a file.")
    out.mkdir(parents=True, exist_ok=True)
    # The versions name the weights without loading them: a finished extraction is
    # recognised, and returned, without seconds of model loading.
    from narrlocal_gui.localizer.encoders.text_encoder import TextEncoder
    from narrlocal_gui.localizer.encoders.video_encoder import VideoEncoder

    names = (
        _encoder_version(video_encoder) if video_encoder is not None else VideoEncoder.version,
        _encoder_version(text_encoder) if text_encoder is not None else TextEncoder.version,
    )
    key = _input_key(videos, settings, names)

    index: FeatureIndex | None = None
    if (out / INDEX_NAME).exists():
        try:
            index = read_index(out)
        except FeaturesError:
            if not force:
                raise
        if index is not None and index.key != key and index.complete and not force:
            # Features of every sampled frame serve a model reading any number of them.
            every = replace(settings, max_frames=None)
            if settings.max_frames is not None and index.key == _input_key(videos, every, names):
                return index
        if index is not None and index.key != key:
            if not force:
                raise FeaturesError(
                    f"'{out}' holds features of other videos, settings or encoders; use "
                    "--force to replace them, or choose another features folder."
                )
            index = None
        if index is None:
            for stale in out.glob("shard_*.np[yz]"):
                stale.unlink()
    if index is None:
        shards, durations = _plan(videos, settings, shard_frames, progress, cancel)
        index = FeatureIndex(key, settings, names, tuple(shards), durations)
        _write_index(out, index)
    if index.complete:
        return index

    if video_encoder is None:
        video_encoder = VideoEncoder.load(device)
    if text_encoder is None:
        text_encoder = TextEncoder.load(device)
    by_name = {v.name: v for v in videos}
    todo = [s for s in index.shards if not s.done]
    total = sum(len(_frames_of(s.clips, settings.fps)) for s in todo)
    done_frames = 0
    began = time.perf_counter()

    def on_frames(count: int) -> None:
        nonlocal done_frames
        done_frames = min(total, done_frames + count)
        if progress is not None:
            elapsed = time.perf_counter() - began
            rate = done_frames / elapsed if elapsed > 0 else 0.0
            eta = (total - done_frames) / rate if rate > 0 else None
            progress(ExtractionProgress("encode", done_frames, total, eta))

    if progress is not None:
        progress(ExtractionProgress("encode", 0, total))
    memo = _FrameMemo(limit=4 * _CHUNK_FRAMES)
    shards = list(index.shards)
    for position, entry in enumerate(shards):
        if entry.done:
            continue
        started = time.perf_counter()
        finished, encoded = _encode_shard(
            out, entry, by_name, settings, video_encoder, text_encoder, memo, on_frames, cancel
        )
        shards[position] = finished
        index = FeatureIndex(
            key=index.key,
            settings=index.settings,
            encoders=index.encoders,
            shards=tuple(shards),
            video_seconds=index.video_seconds,
            extraction_seconds=index.extraction_seconds + (time.perf_counter() - started),
            frames_encoded=index.frames_encoded + encoded,
        )
        _write_index(out, index)
    if progress is not None:
        progress(ExtractionProgress("encode", total, total, 0.0))
    return index


def seconds_per_hour(index: FeatureIndex) -> float:
    """Extraction seconds per hour of training video (NaN before anything was encoded)."""
    hours = sum(index.video_seconds.values()) / 3600.0
    return index.extraction_seconds / hours if hours > 0 else math.nan
