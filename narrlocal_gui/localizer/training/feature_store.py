"""Reading extracted features back as training batches, and the order of every epoch.

A clip's frames are chosen as :class:`~narrlocal_gui.localizer.methods.comma.CommaLocalizer`
chooses each group of them (:func:`~narrlocal_gui.localizer.frame_choice.training_frames`)
and its words cut to ``max_words``, so the model trains on what it will see in use. The
video grids are memory-mapped: an epoch reads only the frames it uses.

A batch needs one tensor shape, so clips are grouped by (frames used, grid rows, grid
columns); with the application's 10 s windows nearly every clip has the same shape.
The order of an epoch is a pure function of (seed, epoch): each group is shuffled and cut
into full batches, and the batches are shuffled. Resuming, and every rank of a
distributed run, recompute the same order; rank r takes batches r, r + W, r + 2W, ...
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from narrlocal_gui.localizer.frame_choice import training_frames
from narrlocal_gui.localizer.training.extraction import FeatureIndex, FeaturesError, read_index

__all__ = ["Batch", "ClipRecord", "FeatureStore", "epoch_batches"]


@dataclass(frozen=True, slots=True)
class ClipRecord:
    """Where one clip's features are: its shard, frame rows and word rows."""

    shard: int
    rows: tuple[int, ...]
    words: tuple[int, int]
    video: int
    middle: float
    phrase: str

    @property
    def n_words(self) -> int:
        return self.words[1] - self.words[0]


@dataclass(frozen=True, slots=True, eq=False)
class Batch:
    """B clips: ``video`` (B, T, C, h, w) float32, ``words`` (B, N, 384) float32 zero-padded,
    ``word_mask`` (B, N) bool, ``videos`` (B,) video numbers, ``middles`` (B,) phrase
    middles in seconds, ``indices`` (B,) the clips' numbers in the store."""

    video: np.ndarray
    words: np.ndarray
    word_mask: np.ndarray
    videos: np.ndarray
    middles: np.ndarray
    indices: np.ndarray

    def __post_init__(self) -> None:
        size = self.video.shape[0]
        if size < 2:
            raise ValueError("a contrastive batch needs at least two clips")
        if self.words.shape[:2] != self.word_mask.shape or self.words.shape[0] != size:
            raise ValueError("words and word_mask must be (B, N) alike")
        if not (self.videos.shape == self.middles.shape == self.indices.shape == (size,)):
            raise ValueError("videos, middles and indices need one entry per clip")

    @property
    def size(self) -> int:
        return int(self.video.shape[0])


class FeatureStore:
    """The clips of a finished extraction, ready to batch."""

    def __init__(self, folder: str | os.PathLike[str], *, max_frames: int, max_words: int) -> None:
        if max_frames < 1 or max_words < 1:
            raise ValueError("max_frames and max_words must be >= 1")
        self.folder = Path(folder)
        self.index: FeatureIndex = read_index(self.folder)
        if not self.index.complete:
            raise FeaturesError(
                f"The features in '{self.folder}' are not finished; run the extraction again "
                "to complete them."
            )
        extracted = self.index.settings.max_frames
        if extracted is not None and extracted < max_frames:
            raise FeaturesError(
                f"The features in '{self.folder}' hold {extracted} frames a clip, fewer than "
                f"the {max_frames} asked for; extract them again with --force."
            )
        self._frames: list[np.ndarray] = []
        self._words: list[np.ndarray] = []
        video_numbers: dict[str, int] = {}
        records: list[ClipRecord] = []
        for number, shard in enumerate(self.index.shards):
            try:
                frames = np.load(
                    self.folder / f"{shard.name}.npy", mmap_mode="r", allow_pickle=False
                )
                with np.load(self.folder / f"{shard.name}.npz", allow_pickle=False) as data:
                    words = np.asarray(data["words"], dtype=np.float32)
                    offsets = np.asarray(data["word_offsets"], dtype=np.int64)
            except (OSError, ValueError, KeyError) as exc:
                raise FeaturesError(
                    f"The shard '{shard.name}' in '{self.folder}' is damaged ({exc}); extract "
                    "the features again with --force."
                ) from None
            if frames.shape[0] != shard.frames or offsets.shape != (len(shard.clips) + 1,):
                raise FeaturesError(
                    f"The shard '{shard.name}' in '{self.folder}' does not match its index; "
                    "extract the features again with --force."
                )
            self._frames.append(frames)
            self._words.append(words)
            for i, clip in enumerate(shard.clips):
                rows = shard.clip_rows[i]
                keep = training_frames(len(rows), max_frames)
                start = int(offsets[i])
                end = min(int(offsets[i + 1]), start + max_words)
                records.append(
                    ClipRecord(
                        shard=number,
                        rows=tuple(rows[k] for k in keep),
                        words=(start, end),
                        video=video_numbers.setdefault(clip.video, len(video_numbers)),
                        middle=clip.middle,
                        phrase=clip.phrase,
                    )
                )
        self.records: tuple[ClipRecord, ...] = tuple(r for r in records if r.n_words > 0)
        self.video_names = tuple(video_numbers)
        if not self.records:
            raise FeaturesError(f"'{self.folder}' holds no clip with words to train on.")

    def __len__(self) -> int:
        return len(self.records)

    @property
    def channels(self) -> int:
        """Channels of the stored video grids."""
        return int(self._frames[0].shape[1])

    def shape_of(self, index: int) -> tuple[int, int, int]:
        """(frames used, grid rows, grid columns) of a clip: clips batch with their kind."""
        record = self.records[index]
        grid = self.index.shards[record.shard].grid
        return len(record.rows), grid[0], grid[1]

    def groups(self) -> dict[tuple[int, int, int], list[int]]:
        found: dict[tuple[int, int, int], list[int]] = {}
        for i in range(len(self.records)):
            found.setdefault(self.shape_of(i), []).append(i)
        return found

    def batch(self, indices: Sequence[int]) -> Batch:
        records = [self.records[i] for i in indices]
        shapes = {self.shape_of(i) for i in indices}
        if len(shapes) != 1:
            raise ValueError("a batch must hold clips of one shape")
        video = np.stack(
            [np.asarray(self._frames[r.shard][list(r.rows)], dtype=np.float32) for r in records]
        )
        longest = max(r.n_words for r in records)
        words = np.zeros((len(records), longest, self._words[0].shape[1]), dtype=np.float32)
        mask = np.zeros((len(records), longest), dtype=bool)
        for i, r in enumerate(records):
            words[i, : r.n_words] = self._words[r.shard][r.words[0] : r.words[1]]
            mask[i, : r.n_words] = True
        return Batch(
            video=video,
            words=words,
            word_mask=mask,
            videos=np.array([r.video for r in records], dtype=np.int64),
            middles=np.array([r.middle for r in records], dtype=np.float64),
            indices=np.asarray(indices, dtype=np.int64),
        )


def epoch_batches(
    groups: dict[tuple[int, int, int], list[int]],
    batch_size: int,
    *,
    seed: int,
    epoch: int,
    world_size: int = 1,
    rank: int = 0,
) -> list[list[int]]:
    """This rank's batches of an epoch (see the module); the same on every call."""
    if batch_size < 2:
        raise ValueError("batch_size must be at least 2 (the batch gives the negatives)")
    if not 0 <= rank < world_size:
        raise ValueError(f"rank {rank} is not in a world of {world_size}")
    rng = np.random.default_rng([seed, epoch])
    batches: list[list[int]] = []
    for key in sorted(groups):
        members = np.asarray(groups[key], dtype=np.int64)
        order = members[rng.permutation(len(members))]
        full = len(order) // batch_size * batch_size
        batches += [order[i : i + batch_size].tolist() for i in range(0, full, batch_size)]
    batches = [batches[i] for i in rng.permutation(len(batches))]
    usable = len(batches) // world_size * world_size
    return batches[rank:usable:world_size]
