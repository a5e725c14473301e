"""The sharded feature cache: exact features, shared frames, resuming, refusing to mix."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from narrlocal_gui.core.model import Phrase
from narrlocal_gui.localizer.frame_choice import training_frames
from narrlocal_gui.localizer.pipeline import _sample_on_grid
from narrlocal_gui.localizer.settings import LocalizeSettings
from narrlocal_gui.localizer.training.clips import ClipSettings, find_training_videos
from narrlocal_gui.localizer.training.extraction import (
    ExtractionProgress,
    FeaturesError,
    extract_features,
    read_index,
)
from narrlocal_gui.localizer.training.feature_store import FeatureStore, epoch_batches
from narrlocal_gui.media.source import open_media
from narrlocal_gui.progress import Cancelled
from tests.training_helpers import FakeTextEncoder, FakeVideoEncoder, make_training_set

SETTINGS = ClipSettings(window=1.0, fps=2.0)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("train")
    make_training_set(folder, 3, seconds=4.0)
    return folder


def _extract(data: Path, out: Path, **kwargs: object) -> tuple[object, FakeVideoEncoder]:
    encoder = FakeVideoEncoder()
    index = extract_features(
        find_training_videos(data),
        out,
        settings=kwargs.pop("settings", SETTINGS),  # type: ignore[arg-type]
        video_encoder=encoder,
        text_encoder=FakeTextEncoder(),
        **kwargs,  # type: ignore[arg-type]
    )
    return index, encoder


def test_features_are_what_the_application_computes(data: Path, tmp_path: Path) -> None:
    index, encoder = _extract(data, tmp_path / "f")
    assert index.complete and index.clip_count == 6  # type: ignore[attr-defined]
    written = read_index(tmp_path / "f")
    shard = written.shards[0]
    frames = np.load(tmp_path / "f" / f"{shard.name}.npy", allow_pickle=False)
    assert frames.dtype == np.float16
    # Overlapping windows share frames: each distinct frame of a video is encoded once.
    assert encoder.frames_encoded == shard.frames < sum(len(r) for r in shard.clip_rows)
    settings = LocalizeSettings(window=SETTINGS.window, fps=SETTINGS.fps)
    videos = {v.name: v for v in find_training_videos(data)}
    for i, clip in enumerate(shard.clips):
        with open_media(videos[clip.video].video) as source:
            phrase = Phrase("p", clip.phrase, clip.phrase_start, clip.phrase_end)
            sampled = _sample_on_grid(source, phrase, settings)
        expected = FakeVideoEncoder().encode(sampled.frames, short_side=SETTINGS.short_side)
        rows = list(shard.clip_rows[i])
        np.testing.assert_array_equal(frames[rows], expected.astype(np.float16))
        assert shard.clip_frame_times[i] == tuple(sampled.times)
    assert shard.clip_words[0] == ("red", "square", "slides")


def test_shards_resume_and_a_finished_extraction_is_kept(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "f"
    seen: list[ExtractionProgress] = []
    frames_done = [0]

    def cancel() -> bool:
        return frames_done[0] >= 8  # after the first shard of small shards

    def progress(p: ExtractionProgress) -> None:
        seen.append(p)
        if p.stage == "encode":
            frames_done[0] = p.done

    with pytest.raises(Cancelled):
        _extract(data, out, shard_frames=8, progress=progress, cancel=cancel)
    partial = read_index(out)
    assert len(partial.shards) > 2 and not partial.complete
    finished_before = [s.name for s in partial.shards if s.done]
    assert finished_before and all(s.done for s in partial.shards[: len(finished_before)])
    assert {p.stage for p in seen} == {"plan", "encode"}

    index, encoder = _extract(data, out, shard_frames=8)
    assert index.complete  # type: ignore[attr-defined]
    total = sum(s.frames for s in read_index(out).shards)
    done_first = sum(s.frames for s in partial.shards if s.done)
    assert encoder.frames_encoded <= total - done_first  # finished shards were not redone
    again, encoder = _extract(data, out, shard_frames=8)
    assert encoder.frames_encoded == 0 and again.complete  # type: ignore[attr-defined]
    store = FeatureStore(out, max_frames=4, max_words=8)
    assert len(store) == 6


def test_features_of_other_inputs_are_not_mixed(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "f"
    _extract(data, out)
    with pytest.raises(FeaturesError, match="--force"):
        _extract(data, out, settings=ClipSettings(window=2.0, fps=2.0))
    _extract(data, out, settings=ClipSettings(window=2.0, fps=2.0), force=True)
    assert read_index(out).settings.window == 2.0
    (out / "index.json").write_text(json.dumps({"format": "other"}), encoding="utf-8")
    with pytest.raises(FeaturesError, match="not a NarrLocal"):
        _extract(data, out)


def test_store_batches_use_the_training_frames(data: Path, tmp_path: Path) -> None:
    _extract(data, tmp_path / "f")
    store = FeatureStore(tmp_path / "f", max_frames=3, max_words=2)
    index = read_index(tmp_path / "f")
    shard = index.shards[0]
    frames = np.load(tmp_path / "f" / f"{shard.name}.npy", allow_pickle=False)
    batch = store.batch([0, 1])
    assert batch.video.shape[:3] == (2, 3, 1280) and batch.video.dtype == np.float32
    rows = shard.clip_rows[0]
    keep = training_frames(len(rows), 3)
    np.testing.assert_array_equal(batch.video[0], frames[[rows[k] for k in keep]])
    assert batch.words.shape == (2, 2, 384) and batch.word_mask.all()  # cut to max_words
    assert batch.videos[0] == batch.videos[1]  # both phrases of the first video
    # The first of CommaLocalizer's frame groups (tests/test_localizer_frame_choice.py):
    assert list(training_frames(9, 4)) == [0, 3, 6]
    assert list(training_frames(2, 4)) == [0, 1]


def test_only_the_frames_training_reads_are_encoded_when_asked(data: Path, tmp_path: Path) -> None:
    full, full_encoder = _extract(data, tmp_path / "all")
    few = ClipSettings(window=SETTINGS.window, fps=SETTINGS.fps, max_frames=3)
    part, part_encoder = _extract(data, tmp_path / "three", settings=few)
    assert part_encoder.frames_encoded < full_encoder.frames_encoded
    assert read_index(tmp_path / "three").settings.max_frames == 3
    # The batches are the same: the model sees exactly the frames it saw before.
    a = FeatureStore(tmp_path / "all", max_frames=3, max_words=8)
    b = FeatureStore(tmp_path / "three", max_frames=3, max_words=8)
    assert len(a) == len(b) == 6
    assert a.groups() == b.groups()
    for indices in a.groups().values():
        x, y = a.batch(indices), b.batch(indices)
        np.testing.assert_array_equal(x.video, y.video)
        np.testing.assert_array_equal(x.words, y.words)
    # A full extraction serves training with any number of frames: it is kept, not redone.
    again, encoder = _extract(data, tmp_path / "all", settings=few)
    assert encoder.frames_encoded == 0 and again.settings.max_frames is None  # type: ignore[attr-defined]
    with pytest.raises(FeaturesError, match="3 frames a clip"):
        FeatureStore(tmp_path / "three", max_frames=4, max_words=8)
    FeatureStore(tmp_path / "three", max_frames=2, max_words=8)  # fewer is fine
    del full, part


def test_epoch_order_is_fixed_by_seed_and_epoch_and_split_by_rank() -> None:
    groups = {(4, 7, 9): list(range(10)), (4, 7, 12): list(range(10, 17))}
    first = epoch_batches(groups, 3, seed=1, epoch=0)
    assert first == epoch_batches(groups, 3, seed=1, epoch=0)
    assert first != epoch_batches(groups, 3, seed=1, epoch=1)
    assert len(first) == 3 + 2  # full batches only, within one shape
    for batch in first:
        assert len({i >= 10 for i in batch}) == 1
    ranks = [epoch_batches(groups, 3, seed=1, epoch=0, world_size=2, rank=r) for r in (0, 1)]
    assert len(ranks[0]) == len(ranks[1]) == 2
    flat = [set(b) for r in ranks for b in r]
    assert all(a.isdisjoint(b) for i, a in enumerate(flat) for b in flat[i + 1 :])
    with pytest.raises(ValueError):
        epoch_batches(groups, 1, seed=0, epoch=0)


def test_the_feature_level_is_extracted_kept_and_checked(data: Path, tmp_path: Path) -> None:
    head = ClipSettings(window=1.0, fps=2.0)
    mid = ClipSettings(window=1.0, fps=2.0, features="mid")
    _extract(data, tmp_path / "mid", settings=mid)
    index = read_index(tmp_path / "mid")
    assert index.settings.features == "mid"
    store = FeatureStore(tmp_path / "mid", max_frames=2, max_words=4)
    assert store.channels == 112 and store.batch([0, 1]).video.shape[2] == 112
    # Grids of another level are other features: never mixed into this folder.
    with pytest.raises(FeaturesError, match="--force"):
        _extract(data, tmp_path / "mid", settings=head)
    # An index written before levels existed names no level: its grids are the head's.
    _extract(data, tmp_path / "old", settings=head)
    raw = json.loads((tmp_path / "old" / "index.json").read_text(encoding="utf-8"))
    assert raw["settings"].pop("features") == "head"
    (tmp_path / "old" / "index.json").write_text(json.dumps(raw), encoding="utf-8")
    assert read_index(tmp_path / "old").settings == head
    _extract(data, tmp_path / "old", settings=head)  # the same inputs: kept, not refused
    with pytest.raises(ValueError, match="video features must be one of"):
        ClipSettings(features="top")


def test_a_video_with_more_frames_than_the_memo_holds(tmp_path: Path) -> None:
    # One video's frames in a shard used to be encoded all first and gathered after, from a
    # memo that keeps 128: a long real video failed where the short synthetic clips did not.
    data = tmp_path / "long"
    make_training_set(data, 1, seconds=70.0)
    settings = ClipSettings(window=40.0, fps=4.0)
    index, encoder = _extract(data, tmp_path / "f", settings=settings)
    assert index.complete  # type: ignore[attr-defined]
    shard = read_index(tmp_path / "f").shards[0]
    assert encoder.frames_encoded == shard.frames > 128
    frames = np.load(tmp_path / "f" / f"{shard.name}.npy", allow_pickle=False)
    (video,) = find_training_videos(data)
    look = LocalizeSettings(window=settings.window, fps=settings.fps)
    for i, clip in enumerate(shard.clips):
        with open_media(video.video) as source:
            phrase = Phrase("p", clip.phrase, clip.phrase_start, clip.phrase_end)
            sampled = _sample_on_grid(source, phrase, look)
        expected = FakeVideoEncoder().encode(sampled.frames, short_side=settings.short_side)
        np.testing.assert_array_equal(frames[list(shard.clip_rows[i])], expected.astype(np.float16))
