"""Adapting CoMMA to a folder of one's own narrated videos: one resumable job.

The GUI's Localize > Adapt to My Videos… runs :func:`adapt` on a worker thread; it is the
pipeline of ``narrlocal train`` (features, then :func:`~narrlocal_gui.localizer.training.loop.
train`) with what a person pointing at a folder needs around it:

* **transcripts**: a video with a transcript of its own (``transcripts/<stem>.json`` or a
  sidecar ``<stem>.json|.srt|.vtt``, as for the CLI) uses it; one without is transcribed
  with the application's speech recognition (``narration/asr.py``, as ``narrlocal
  transcribe`` does) into the run's folder, never beside the user's video, and reused by
  later runs. A video whose narration cannot be recognised (no sound, no speech, another
  language) is skipped and listed in the result;
* **one folder per video folder** (:class:`AdaptSlot`, under the application's data folder):
  the generated transcripts, the feature cache, the training run (checkpoint, resume
  state, log, metrics, plot: ``TrainPaths``) and ``status.json``, which says without
  loading torch whether a run was stopped and can be resumed;
* **the adapted checkpoint** ``adapted.pt``, copied atomically from the run's checkpoint
  only once training finished: a stopped or failed run never replaces a model in use;
* **a batch that fits**: a small folder gets batches as large as its clips allow (at
  least 2), instead of the CLI's refusal.

Cancelling (``cancel()``, checked between videos, frames and steps) saves the training
state; ``adapt(..., resume=True)`` continues there with the saved settings.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.localizer.training.clips import (
    VIDEO_SUFFIXES,
    ClipSettings,
    TrainingVideo,
    scan_folder,
)
from narrlocal_gui.localizer.training.config import TrainConfig, TrainPaths

if TYPE_CHECKING:
    from narrlocal_gui.localizer.training.feature_store import FeatureStore
    from narrlocal_gui.narration.transcript_json import Transcript

__all__ = [
    "STAGES",
    "AdaptProgress",
    "AdaptResult",
    "AdaptSlot",
    "NoVideosError",
    "RunStatus",
    "Transcriber",
    "adapt",
    "fit_batch_size",
    "gather_videos",
    "open_store",
    "resumable_run",
    "skipped_text",
    "whisper_transcriber",
]

#: In the order a run goes through them.
STAGES = ("transcribe", "features", "train", "validate", "done")
STATUS_NAME = "status.json"
STATUS_FORMAT = "narrlocal-adaptation"

#: ``(video, progress(fraction), cancel) -> transcript``; raises UserFacingError when the
#: video's narration cannot be recognised.
Transcriber = Callable[[Path, Callable[[float], None], Callable[[], bool]], "Transcript"]
ProgressCallback = Callable[["AdaptProgress"], None]
CancelCallback = Callable[[], bool]


class NoVideosError(UserFacingError):
    """A folder with nothing to adapt to."""


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:40] or "videos"


@dataclass(frozen=True, slots=True)
class AdaptSlot:
    """Where the adaptation to one video folder keeps its files (see the module)."""

    root: Path

    @classmethod
    def for_folder(cls, folder: str | os.PathLike[str], base: str | os.PathLike[str]) -> AdaptSlot:
        """The slot of ``folder`` under ``base``: its name and a hash of its full path."""
        resolved = Path(folder).expanduser().resolve()
        digest = hashlib.sha256(str(resolved).encode("utf-8")).hexdigest()[:10]
        return cls(Path(base) / f"{_slug(resolved.name)}-{digest}")

    @property
    def transcripts(self) -> Path:
        return self.root / "transcripts"

    @property
    def features(self) -> Path:
        return self.root / "features"

    @property
    def run(self) -> TrainPaths:
        return TrainPaths(self.root / "run" / "model.pt")

    @property
    def checkpoint(self) -> Path:
        """The adapted model, present once a run finished."""
        return self.root / "adapted.pt"

    @property
    def status_file(self) -> Path:
        return self.root / STATUS_NAME


@dataclass(frozen=True, slots=True)
class RunStatus:
    """What ``status.json`` says: ``state`` "running" (or killed while running), "stopped"
    or "finished"; the steps done of all, the epoch reached (0-based) of all."""

    folder: str
    state: str
    step: int = 0
    total_steps: int = 0
    epoch: int = 0
    epochs: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": STATUS_FORMAT,
            "folder": self.folder,
            "state": self.state,
            "step": self.step,
            "total_steps": self.total_steps,
            "epoch": self.epoch,
            "epochs": self.epochs,
        }


def read_status(slot: AdaptSlot) -> RunStatus | None:
    """The slot's status, or None when there is none (or it is not readable)."""
    try:
        data = json.loads(slot.status_file.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != STATUS_FORMAT:
            return None
        return RunStatus(
            folder=str(data["folder"]),
            state=str(data["state"]),
            step=int(data["step"]),
            total_steps=int(data["total_steps"]),
            epoch=int(data["epoch"]),
            epochs=int(data["epochs"]),
        )
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None


def _write_status(slot: AdaptSlot, status: RunStatus) -> None:
    from narrlocal_gui.core.project_io import atomic_write_bytes

    text = json.dumps(status.to_dict(), indent=1) + "\n"
    atomic_write_bytes(slot.status_file, text.encode("utf-8"))


def resumable_run(slot: AdaptSlot) -> RunStatus | None:
    """The run to offer resuming: one that did not finish and left its resume state."""
    status = read_status(slot)
    if status is None or status.state == "finished" or not slot.run.resume_state.is_file():
        return None
    return status


@dataclass(frozen=True, slots=True)
class AdaptProgress:
    """Where a run stands: ``stage`` of :data:`STAGES`; ``done`` of ``total`` (videos while
    transcribing, frames while extracting features, steps while training); ``eta`` seconds
    of the stage (None until known); while training the epoch (0-based) of ``epochs`` and
    the last loss; ``detail`` names the video being transcribed."""

    stage: str
    done: int
    total: int
    eta: float | None = None
    epoch: int = 0
    epochs: int = 0
    loss: float | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ValueError(f"unknown stage {self.stage!r}")

    @property
    def fraction(self) -> float:
        return min(self.done / self.total, 1.0) if self.total > 0 else 1.0


@dataclass(frozen=True, slots=True)
class AdaptResult:
    """How a run ended. ``finished`` False: stopped with its state saved (resume it).
    ``checkpoint`` the adapted model (None unless finished); ``skipped`` (video file name,
    reason) of the videos left out; ``loss`` the last epoch's mean loss."""

    finished: bool
    folder: Path
    checkpoint: Path | None
    videos: int
    clips: int
    step: int
    total_steps: int
    epochs: int
    seconds: float
    loss: float | None = None
    skipped: tuple[tuple[str, str], ...] = ()


def whisper_transcriber(model: str, language: str | None, device: str) -> Transcriber:
    """The application's speech recognition with these options (engines are loaded once)."""
    from narrlocal_gui.narration.asr import AsrOptions, AsrProgress, transcribe

    options = AsrOptions(model=model, language=language, device=device)

    def run(video: Path, progress: Callable[[float], None], cancel: CancelCallback) -> Transcript:
        def report(p: AsrProgress) -> None:
            progress(p.fraction)

        return transcribe(video, options, progress=report, cancel=cancel)

    return run


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def gather_videos(
    folder: Path,
    slot: AdaptSlot,
    transcriber: Transcriber | None,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
) -> tuple[list[TrainingVideo], list[tuple[str, str]]]:
    """The folder's videos with a transcript (their own, an earlier run's, or one made now
    by ``transcriber``; None: videos without one are skipped), and (name, reason) of those
    left out. :class:`NoVideosError` when no video is usable."""
    from narrlocal_gui.narration.transcript_json import write_transcript_json
    from narrlocal_gui.progress import Cancelled

    if not folder.is_dir():
        raise NoVideosError(f"The folder '{folder}' does not exist.")
    videos, missing = scan_folder(folder)
    if not videos and not missing:
        kinds = ", ".join(s.lstrip(".").upper() for s in VIDEO_SUFFIXES[:5])
        raise NoVideosError(f"'{folder}' holds no videos ({kinds}, …) to adapt to.")
    skipped: list[tuple[str, str]] = []
    todo: list[Path] = []
    for video in missing:
        made = slot.transcripts / f"{video.stem}.json"
        if made.is_file():
            videos.append(TrainingVideo(video.stem, video, made))
        else:
            todo.append(video)
    for i, video in enumerate(todo):
        if cancel is not None and cancel():
            raise Cancelled("cancelled by the caller")
        if transcriber is None:
            skipped.append((video.name, "it has no transcript"))
            continue

        def report(fraction: float, i: int = i, name: str = video.name) -> None:
            if progress is not None:
                done = min(i + max(0.0, min(fraction, 1.0)), len(todo))
                progress(
                    AdaptProgress("transcribe", round(done * 100), len(todo) * 100, detail=name)
                )

        report(0.0)
        try:
            transcript = transcriber(video, report, cancel or (lambda: False))
        except UserFacingError as exc:
            skipped.append((video.name, str(exc).rstrip(".")))
            continue
        slot.transcripts.mkdir(parents=True, exist_ok=True)
        made = slot.transcripts / f"{video.stem}.json"
        write_transcript_json(made, transcript)
        videos.append(TrainingVideo(video.stem, video, made))
    if not videos:
        total = len(missing)
        first = f" ({skipped[0][0]}: {skipped[0][1]})" if skipped else ""
        raise NoVideosError(
            f"None of the {_count(total, 'video')} in '{folder}' has a transcript or narration "
            f"that could be recognised{first}."
        )
    videos.sort(key=lambda v: v.name)
    return videos, skipped


def open_store(folder: str | os.PathLike[str], config: TrainConfig) -> FeatureStore:
    """The extracted features of ``folder`` as ``config``'s model reads them (its frames and
    words a clip); the CLI and the GUI train on this."""
    from narrlocal_gui.localizer.training.feature_store import FeatureStore

    return FeatureStore(
        folder, max_frames=config.model.max_frames, max_words=config.model.max_words
    )


def fit_batch_size(config: TrainConfig, store: FeatureStore) -> TrainConfig:
    """``config`` with batches no larger than the largest group of same-sized clips (at
    least 2), so that a small folder still trains; :class:`NoVideosError` below 2 clips."""
    largest = max((len(g) for g in store.groups().values()), default=0)
    if largest < 2:
        raise NoVideosError(
            f"The videos hold {_count(len(store), 'narrated phrase')} of one picture size; "
            "adapting needs at least 2 (and works best with hundreds)."
        )
    if largest >= config.batch_size:
        return config
    return replace(config, batch_size=largest)


def _copy_atomically(source: Path, target: Path) -> None:
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        shutil.copyfile(source, tmp)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def adapt(
    folder: str | os.PathLike[str],
    slot: AdaptSlot,
    *,
    config: TrainConfig | None = None,
    resume: bool = False,
    device: str = "cpu",
    transcriber: Transcriber | None = None,
    video_encoder: Any = None,
    text_encoder: Any = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
) -> AdaptResult:
    """Transcribe what needs it, extract the features and train ``config`` (default
    :class:`TrainConfig`; resuming, the saved run's) on ``folder``; see the module.

    Raises :class:`NoVideosError` for a folder with nothing usable,
    :class:`~narrlocal_gui.media.media_info.Cancelled` when cancelled before training
    (the finished transcripts and feature shards are kept), and other
    :class:`UserFacingError` for what else stops a run; cancelled while training it
    returns an unfinished result.
    """
    from narrlocal_gui.localizer.training.config import TrainProgress
    from narrlocal_gui.localizer.training.extraction import ExtractionProgress, extract_features
    from narrlocal_gui.localizer.training.loop import train
    from narrlocal_gui.localizer.training.resume import ResumeError, load_resume_state

    began = time.monotonic()
    source = Path(folder).expanduser()
    slot.root.mkdir(parents=True, exist_ok=True)
    videos, skipped = gather_videos(source, slot, transcriber, progress=progress, cancel=cancel)

    def on_features(p: ExtractionProgress) -> None:
        if progress is None:
            return
        if p.stage == "plan":  # reading transcripts: quick, shown as the start of the stage
            progress(AdaptProgress("features", 0, 0))
        else:
            progress(AdaptProgress("features", p.done, p.total, p.eta))

    state = load_resume_state(slot.run.resume_state) if resume else None
    planned = state.config if state is not None else (config or TrainConfig())
    index = extract_features(
        videos,
        slot.features,
        settings=ClipSettings(
            features=planned.model.video_features, max_frames=planned.model.max_frames
        ),
        device=device,
        force=True,  # the folder is this slot's own: features of changed videos are replaced
        video_encoder=video_encoder,
        text_encoder=text_encoder,
        progress=on_features,
        cancel=cancel,
    )
    if state is not None:
        if state.features_key != index.key:
            raise ResumeError(
                f"The videos in '{source}' changed since this adaptation stopped; start it "
                "again instead of resuming."
            )
        config = state.config  # as it was fitted when the run started
        store = open_store(slot.features, config)
    else:
        store = open_store(slot.features, config or TrainConfig())
        config = fit_batch_size(config or TrainConfig(), store)
    last: list[TrainProgress] = []

    def on_train(p: TrainProgress) -> None:
        last[:] = [p]
        if progress is not None:
            stage = "train" if p.stage == "train" else p.stage
            progress(AdaptProgress(stage, p.step, p.total_steps, p.eta, p.epoch, p.epochs, p.loss))

    slot.run.checkpoint.parent.mkdir(parents=True, exist_ok=True)
    _write_status(slot, RunStatus(str(source), "running", epochs=config.epochs))
    result = train(
        config, store, slot.run, resume=resume, device=device, progress=on_train, cancel=cancel
    )
    total = last[0].total_steps if last else result.step
    epoch = min(len(result.history), config.epochs)
    status = RunStatus(
        str(source),
        "finished" if result.finished else "stopped",
        result.step,
        total,
        epoch,
        config.epochs,
    )
    checkpoint = None
    if result.finished:
        _copy_atomically(slot.run.checkpoint, slot.checkpoint)
        checkpoint = slot.checkpoint
    _write_status(slot, status)
    return AdaptResult(
        finished=result.finished,
        folder=source,
        checkpoint=checkpoint,
        videos=len(index.video_seconds),
        clips=len(store),
        step=result.step,
        total_steps=total,
        epochs=config.epochs,
        seconds=time.monotonic() - began,
        loss=result.last.loss if result.last is not None else None,
        skipped=tuple(skipped),
    )


def skipped_text(skipped: Sequence[tuple[str, str]], limit: int = 5) -> str:
    """The skipped videos as lines for a message ("• name: reason")."""
    lines = [f"• {name}: {reason}" for name, reason in skipped[:limit]]
    if len(skipped) > limit:
        lines.append(f"… and {len(skipped) - limit} more")
    return "\n".join(lines)
