"""Small inputs for the training tests: narrated videos with transcripts, stand-in encoders
and ready feature folders, all built in a fraction of a second.

The stand-in encoders are deterministic functions of their inputs with the real feature
shapes (1280 channels on the encoder's grid, 384-d words). ``real_versions=True`` makes
them claim the real encoders' weight versions, so that a command which checks a features
folder against the real encoders accepts folders built here (the real models are then never
loaded; the tests are about the pipeline around them, not about the encoders).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from narrlocal_gui.core.model import Narration, Segment, Word
from narrlocal_gui.localizer.encoders.feature_levels import feature_channels
from narrlocal_gui.localizer.encoders.video_encoder import GRID_STRIDE, input_size
from narrlocal_gui.media.writer import write_video
from narrlocal_gui.narration.transcript_json import Transcript, write_transcript_json

__all__ = ["FakeTextEncoder", "FakeVideoEncoder", "make_training_set", "sentence"]

_STOP = {"the", "a", "an", "now", "to", "of", "and", "is", "it"}


class FakeVideoEncoder:
    """Cell colours repeated over the channels: (T, C, h, w) on the real grid, C the
    level's channels."""

    def __init__(self, *, real_versions: bool = False) -> None:
        from narrlocal_gui.localizer.encoders.video_encoder import VideoEncoder

        self.version = VideoEncoder.version if real_versions else "fake-video-1"
        self.frames_encoded = 0

    def encode(
        self, frames: np.ndarray, *, short_side: int = 224, level: str = "head"
    ) -> np.ndarray:
        count, height, width = frames.shape[:3]
        in_h, in_w = input_size(height, width, short_side)
        rows, cols = in_h // GRID_STRIDE, in_w // GRID_STRIDE
        channels = feature_channels(level)
        out = np.zeros((count, channels, rows, cols), dtype=np.float32)
        for i, frame in enumerate(frames):
            for r in range(rows):
                for c in range(cols):
                    cell = frame[
                        r * height // rows : (r + 1) * height // rows,
                        c * width // cols : (c + 1) * width // cols,
                    ]
                    rgb = cell.reshape(-1, 3).mean(axis=0) / 255.0
                    out[i, :, r, c] = np.resize(rgb, channels)
        self.frames_encoded += count
        return out


class FakeTextEncoder:
    """Words are the phrase's lower-cased words less a few stop words; each word's vector
    is fixed by a hash of the word."""

    def __init__(self, *, real_versions: bool = False) -> None:
        from narrlocal_gui.localizer.encoders.text_encoder import TextEncoder

        self.version = TextEncoder.version if real_versions else "fake-text-1"

    def encode_words(self, phrase: str) -> tuple[list[str], np.ndarray]:
        words = [w.strip(".,").lower() for w in phrase.split()]
        words = [w for w in words if w and w not in _STOP]
        vectors = np.zeros((len(words), 384), dtype=np.float32)
        for i, word in enumerate(words):
            seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:4], "little")
            vectors[i] = np.random.default_rng(seed).standard_normal(384)
        return words, vectors


def sentence(text: str, start: float, end: float) -> Segment:
    """A segment whose words share its span evenly."""
    words = text.split()
    step = (end - start) / len(words)
    timed = tuple(
        Word(w, round(start + i * step, 3), round(start + (i + 1) * step, 3))
        for i, w in enumerate(words)
    )
    return Segment(text, start, end, timed)


_COLOURS = {"red": (220, 30, 30), "green": (30, 200, 60), "blue": (40, 60, 220)}


def make_training_set(
    folder: Path,
    videos: int = 3,
    *,
    seconds: float = 4.0,
    size: tuple[int, int] = (64, 48),
    fps: float = 4.0,
    splits: dict[str, list[str]] | None = None,
) -> list[str]:
    """``videos`` clips in ``folder/videos`` with transcripts in ``folder/transcripts``:
    a coloured square that moves, two phrases naming its colour. Returns the stems."""
    (folder / "videos").mkdir(parents=True, exist_ok=True)
    (folder / "transcripts").mkdir(exist_ok=True)
    names = []
    width, height = size
    count = round(seconds * fps)
    for v in range(videos):
        name = f"clip_{v:02d}"
        colour = list(_COLOURS)[v % len(_COLOURS)]
        frames = []
        for i in range(count):
            frame = np.full((height, width, 3), 90, dtype=np.uint8)
            x = (v * 7 + i * 3) % (width - 16)
            frame[10:26, x : x + 16] = _COLOURS[colour]
            frames.append(frame)
        write_video(folder / "videos" / f"{name}.mp4", frames, fps, size)
        narration = Narration(
            (
                sentence(f"the {colour} square slides.", 0.2, 1.2),
                sentence(f"now the {colour} block moves.", seconds - 1.5, seconds - 0.5),
            ),
            language="en",
            source="test",
        )
        write_transcript_json(
            folder / "transcripts" / f"{name}.json",
            Transcript(narration, media=f"{name}.mp4", duration=seconds),
        )
        names.append(name)
    if splits is not None:
        import json

        (folder / "splits.json").write_text(json.dumps(splits), encoding="utf-8")
    return names
