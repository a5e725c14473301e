"""Finding training videos and cutting clips around their phrases as the application does."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from narrlocal_gui.core.model import Narration
from narrlocal_gui.localizer.pipeline import grid_times
from narrlocal_gui.localizer.training.clips import (
    ClipSettings,
    TrainingClip,
    TrainingDataError,
    clip_from_dict,
    clip_to_dict,
    clips_for_video,
    find_training_videos,
)
from narrlocal_gui.narration.transcript_json import Transcript, write_transcript_json
from tests.training_helpers import make_training_set, sentence


def test_folder_with_splits_trains_on_the_train_split(tmp_path: Path) -> None:
    make_training_set(tmp_path, 4, splits={"train": ["clip_00", "clip_02"], "val": ["clip_01"]})
    found = find_training_videos(tmp_path)
    assert [v.name for v in found] == ["clip_00", "clip_02"]
    assert found[0].transcript == tmp_path / "transcripts" / "clip_00.json"
    assert [v.name for v in find_training_videos(tmp_path, split="val")] == ["clip_01"]
    assert len(find_training_videos(tmp_path, split=None)) == 4


def test_sidecar_transcripts_and_videos_without_one(tmp_path: Path) -> None:
    make_training_set(tmp_path / "set", 2)
    flat = tmp_path / "flat"
    flat.mkdir()
    shutil.copy(tmp_path / "set/videos/clip_00.mp4", flat / "a.mp4")
    shutil.copy(tmp_path / "set/transcripts/clip_00.json", flat / "a.json")
    shutil.copy(tmp_path / "set/videos/clip_01.mp4", flat / "b.mp4")  # no transcript
    assert [(v.name, v.transcript.name) for v in find_training_videos(flat)] == [("a", "a.json")]
    (flat / "a.json").unlink()
    with pytest.raises(TrainingDataError, match="2 video"):
        find_training_videos(flat)


def test_list_file(tmp_path: Path) -> None:
    make_training_set(tmp_path, 2)
    shutil.copy(tmp_path / "transcripts/clip_01.json", tmp_path / "other.json")
    listing = tmp_path / "list.txt"
    listing.write_text(
        "# training videos\nvideos/clip_00.mp4\ttranscripts/clip_00.json\n\n"
        "videos/clip_01.mp4\tother.json  # a comment\n",
        encoding="utf-8",
    )
    found = find_training_videos(listing)
    assert [v.transcript.name for v in found] == ["clip_00.json", "other.json"]
    listing.write_text("videos/missing.mp4\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match=r"Line 1 .* missing"):
        find_training_videos(listing)
    listing.write_text("videos/clip_00.mp4\n", encoding="utf-8")  # no sidecar beside it
    with pytest.raises(TrainingDataError, match="no transcript"):
        find_training_videos(listing)
    listing.write_text(
        "videos/clip_00.mp4\ttranscripts/clip_00.json\n"
        "videos/clip_00.mp4\ttranscripts/clip_01.json\n",
        encoding="utf-8",
    )
    with pytest.raises(TrainingDataError, match="Two training videos"):
        find_training_videos(listing)
    with pytest.raises(TrainingDataError, match="does not exist"):
        find_training_videos(tmp_path / "nowhere")


def test_bad_splits_file(tmp_path: Path) -> None:
    make_training_set(tmp_path, 1)
    (tmp_path / "splits.json").write_text(json.dumps({"val": []}), encoding="utf-8")
    with pytest.raises(TrainingDataError, match="'train' split"):
        find_training_videos(tmp_path)


def test_clips_are_cut_as_the_pipeline_samples_phrases(tmp_path: Path) -> None:
    make_training_set(tmp_path, 1, seconds=4.0)
    video = find_training_videos(tmp_path)[0]
    narration = Narration(
        (
            sentence("Okay.", 0.0, 0.3),  # nothing to localize: skipped
            sentence("The red square slides.", 0.4, 1.4),
            sentence("Now the red block moves.", 2.5, 3.5),
        )
    )
    write_transcript_json(video.transcript, Transcript(narration, duration=4.0))
    settings = ClipSettings(window=1.0, fps=2.0)
    clips = clips_for_video(video, 4.0, settings)
    assert [c.phrase for c in clips] == ["The red square slides", "the red block moves"]
    for clip in clips:
        expected = grid_times(4.0, clip.phrase_start, clip.phrase_end, window=1.0, fps=2.0)
        assert list(clip.times) == expected
    assert clips[0].times == (0.0, 0.5, 1.0, 1.5, 2.0)
    assert clip_from_dict(json.loads(json.dumps(clip_to_dict(clips[1])))) == clips[1]


def test_settings_and_clip_validation() -> None:
    with pytest.raises(ValueError):
        ClipSettings(fps=0)
    with pytest.raises(ValueError):
        ClipSettings(short_side=200)
    assert ClipSettings.from_dict(ClipSettings().to_dict()) == ClipSettings()
    with pytest.raises(ValueError):
        TrainingClip("v", "a phrase", 1.0, 2.0, (1.0, 1.0))
    with pytest.raises(ValueError):
        TrainingClip("v", "a phrase", 2.0, 1.0, (1.0,))
