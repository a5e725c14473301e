"""What CoMMA trains on: narrated videos, and the clips cut around their phrases.

A training set is a folder or a list file:

* a folder holds videos (in ``videos/`` when there is one, else in the folder itself), each
  with a transcript: ``transcripts/<stem>.json|.srt|.vtt``, or a sidecar ``<stem>.json``,
  ``.srt`` or ``.vtt`` beside the video. A ``splits.json`` (``{"train": [stem, ...], ...}``,
  as ``narrlocal synth`` writes it) limits training to its ``train`` videos, so the
  validation and test videos are never seen;
* a list file (``.txt``) names one video a line, optionally followed by a tab and its
  transcript; relative paths are relative to the list file; ``#`` starts a comment.

Clips are cut exactly as the application localizes a phrase (the pipeline's
``grid_times``): the video-wide ``k / fps`` instants within ``window`` seconds of the
phrase, clipped to the video. Neighbouring phrases therefore share frames, which the
feature extraction encodes once. Phrases come from the transcript by the application's own
phrase splitting; phrases without content words (nothing the localizer would see) are
skipped.
"""

from __future__ import annotations

import itertools
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.localizer.encoders.feature_levels import feature_channels

__all__ = [
    "VIDEO_SUFFIXES",
    "ClipSettings",
    "TrainingClip",
    "TrainingDataError",
    "TrainingVideo",
    "clip_from_dict",
    "clip_to_dict",
    "clips_for_video",
    "find_training_videos",
    "scan_folder",
]

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts")
#: Transcript kinds with times; a plain-text transcript must be aligned first.
TIMED_SUFFIXES = (".json", ".srt", ".vtt")


class TrainingDataError(UserFacingError):
    """A training set that cannot be used as it is."""


@dataclass(frozen=True, slots=True)
class ClipSettings:
    """How clips are sampled and encoded; the defaults are the application's
    (LocalizeSettings: window 5 s, 2 frames/s, frames shrunk to 640 px; CommaLocalizer:
    encoder short side 224), so a model trained here sees what it will see in use.
    ``features`` is the level of the encoder grids (feature_levels.FEATURE_LEVELS).
    ``max_frames``: encode only the frames a model reading that many a clip trains on (the
    ones :func:`~narrlocal_gui.localizer.frame_choice.training_frames`
    picks); None encodes every sampled frame, for training with any number."""

    window: float = 5.0
    fps: float = 2.0
    max_side: int = 640
    short_side: int = 224
    features: str = "head"
    max_frames: int | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.window) and self.window >= 0):
            raise ValueError(f"window must be a finite number of seconds >= 0, not {self.window}")
        if not (math.isfinite(self.fps) and 0 < self.fps <= 30):
            raise ValueError(f"fps must be in (0, 30] frames/s, not {self.fps}")
        for name in ("max_side", "short_side"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 16:
                raise ValueError(f"{name} must be an integer >= 16, not {value!r}")
        if self.short_side % 32:
            raise ValueError(f"short_side must be a multiple of 32, not {self.short_side}")
        feature_channels(self.features)  # raises ValueError for an unknown level
        if self.max_frames is not None and (
            isinstance(self.max_frames, bool)
            or not isinstance(self.max_frames, int)
            or self.max_frames < 1
        ):
            raise ValueError(f"max_frames must be None or an integer >= 1, not {self.max_frames!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ClipSettings:
        return cls(
            window=float(data["window"]),
            fps=float(data["fps"]),
            max_side=int(data["max_side"]),
            short_side=int(data["short_side"]),
            # Written before levels existed: those features are the head's.
            features=str(data.get("features", "head")),
            max_frames=None if data.get("max_frames") is None else int(data["max_frames"]),
        )


@dataclass(frozen=True, slots=True)
class TrainingVideo:
    """A video and its transcript; ``name`` identifies it within the set (its stem)."""

    name: str
    video: Path
    transcript: Path

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a training video needs a name")


@dataclass(frozen=True, slots=True)
class TrainingClip:
    """One phrase of a video and the sample times of its clip (ascending, seconds)."""

    video: str
    phrase: str
    phrase_start: float
    phrase_end: float
    times: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.video or not self.phrase.strip():
            raise ValueError("a clip needs a video name and a phrase")
        if not (math.isfinite(self.phrase_start) and math.isfinite(self.phrase_end)):
            raise ValueError("phrase times must be finite")
        if self.phrase_end < self.phrase_start:
            raise ValueError("phrase_end is before phrase_start")
        times = tuple(float(t) for t in self.times)
        if not times or any(b <= a for a, b in itertools.pairwise(times)):
            raise ValueError("a clip needs at least one sample time, strictly ascending")
        object.__setattr__(self, "times", times)

    @property
    def middle(self) -> float:
        return (self.phrase_start + self.phrase_end) / 2.0


def _transcript_for(video: Path, root: Path | None) -> Path | None:
    candidates: list[Path] = []
    if root is not None:
        candidates += [root / "transcripts" / f"{video.stem}{s}" for s in TIMED_SUFFIXES]
    candidates += [video.with_suffix(s) for s in TIMED_SUFFIXES]
    return next((c for c in candidates if c.is_file()), None)


def _split_names(folder: Path, split: str | None) -> set[str] | None:
    path = folder / "splits.json"
    if split is None or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TrainingDataError(f"'{path}' is not readable JSON ({exc}).") from None
    names = data.get(split) if isinstance(data, dict) else None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise TrainingDataError(f"'{path}' has no list of video names for the '{split}' split.")
    return set(names)


def scan_folder(
    folder: str | os.PathLike[str], *, split: str | None = "train"
) -> tuple[list[TrainingVideo], list[Path]]:
    """The videos of a training folder (see the module) with a transcript, and those
    without one (for a caller that makes their transcripts: the GUI transcribes them)."""
    root = Path(folder)
    media_dir = root / "videos" if (root / "videos").is_dir() else root
    wanted = _split_names(root, split)
    found: list[TrainingVideo] = []
    missing: list[Path] = []
    for video in sorted(media_dir.iterdir()):
        if video.suffix.lower() not in VIDEO_SUFFIXES or not video.is_file():
            continue
        if wanted is not None and video.stem not in wanted:
            continue
        transcript = _transcript_for(video, root)
        if transcript is None:
            missing.append(video)
            continue
        found.append(TrainingVideo(video.stem, video, transcript))
    return found, missing


def _from_folder(folder: Path, split: str | None) -> list[TrainingVideo]:
    found, missing = scan_folder(folder, split=split)
    if not found:
        hint = f" ({len(missing)} video(s) lack a transcript)" if missing else ""
        raise TrainingDataError(
            f"'{folder}' holds no videos with transcripts to train on{hint}; put each "
            "transcript in transcripts/<name>.json (or .srt/.vtt) or beside its video."
        )
    return found


def _from_list(path: Path) -> list[TrainingVideo]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise TrainingDataError(f"Cannot read the list file '{path}' ({exc}).") from None
    found: list[TrainingVideo] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split("\t") if p.strip()]
        video = path.parent / parts[0]
        if not video.is_file():
            raise TrainingDataError(f"Line {number} of '{path}': the video '{video}' is missing.")
        transcript = path.parent / parts[1] if len(parts) > 1 else _transcript_for(video, None)
        if transcript is None or not transcript.is_file():
            raise TrainingDataError(
                f"Line {number} of '{path}': no transcript for '{video.name}' (give it after "
                "a tab, or put <name>.json/.srt/.vtt beside the video)."
            )
        found.append(TrainingVideo(video.stem, video, transcript))
    if not found:
        raise TrainingDataError(f"The list file '{path}' names no videos.")
    return found


def find_training_videos(
    data: str | os.PathLike[str], *, split: str | None = "train"
) -> tuple[TrainingVideo, ...]:
    """The videos of a training set (see the module); ``split`` None ignores splits.json.

    Names must be unique within a set: two videos called ``a.mp4`` in different folders
    of one list would be confused in the feature cache.
    """
    path = Path(data)
    if path.is_dir():
        videos = _from_folder(path, split)
    elif path.is_file():
        videos = _from_list(path)
    else:
        raise TrainingDataError(f"The training data '{path}' does not exist.")
    seen: dict[str, Path] = {}
    for v in videos:
        if v.name in seen:
            raise TrainingDataError(
                f"Two training videos are called '{v.name}' ('{seen[v.name]}' and '{v.video}'); "
                "rename one."
            )
        seen[v.name] = v.video
    return tuple(videos)


def clips_for_video(
    video: TrainingVideo,
    duration: float,
    settings: ClipSettings,
    *,
    has_words: Callable[[str], bool] | None = None,
) -> list[TrainingClip]:
    """The clips of one video: a clip per phrase with content words, in spoken order.

    ``duration`` is the video's (seconds); ``has_words`` (default: the localizer's content
    word test) decides which phrases to keep.
    """
    from narrlocal_gui.localizer.pipeline import grid_times
    from narrlocal_gui.narration.phrases import content_words, extract_phrases
    from narrlocal_gui.narration.transcripts.reader import read_transcript

    keep = has_words if has_words is not None else (lambda text: bool(content_words(text)))
    imported = read_transcript(video.transcript, media_duration=duration)
    if imported.needs_alignment:
        raise TrainingDataError(
            f"The transcript '{video.transcript}' has no times; align it first "
            "(narrlocal align) or use a JSON, SRT or VTT transcript."
        )
    clips: list[TrainingClip] = []
    for phrase in extract_phrases(imported.transcript.narration):
        if phrase.start > duration or not keep(phrase.text):
            continue
        times = grid_times(
            duration, phrase.start, phrase.end, window=settings.window, fps=settings.fps
        )
        clips.append(TrainingClip(video.name, phrase.text, phrase.start, phrase.end, tuple(times)))
    return clips


def clip_to_dict(clip: TrainingClip) -> dict[str, Any]:
    return {
        "video": clip.video,
        "phrase": clip.phrase,
        "phrase_start": clip.phrase_start,
        "phrase_end": clip.phrase_end,
        "times": list(clip.times),
    }


def clip_from_dict(data: Mapping[str, Any]) -> TrainingClip:
    times: Sequence[float] = data["times"]
    return TrainingClip(
        video=str(data["video"]),
        phrase=str(data["phrase"]),
        phrase_start=float(data["phrase_start"]),
        phrase_end=float(data["phrase_end"]),
        times=tuple(float(t) for t in times),
    )
