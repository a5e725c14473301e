"""Which of a clip's frames the CoMMA model reads, at most ``max_frames`` at a time: one
choice for training and inference, so the model trains on what it sees in use.

Inference must give every frame of the window its own heat map (the paper's rollout covers
the whole window at its frames), so a clip longer than the model's position table is run in
interleaved groups of one stride (:func:`frame_groups`). Training reads one such group
(:func:`training_frames`): the same number of frames, the same spacing between them, so
each time position means the same gap in seconds in training and in use."""

from __future__ import annotations

import numpy as np

__all__ = ["frame_groups", "training_frames"]


def frame_groups(count: int, max_frames: int) -> list[np.ndarray]:
    """Frame indices 0..count-1 in interleaved groups of at most ``max_frames``, each
    spread over the whole clip at one stride, so that every frame gets its own heat map
    instead of one interpolated from frames seconds away. Frame i is in group
    ``i % groups``."""
    if count <= 0 or max_frames <= 0:
        raise ValueError("frame_groups needs a positive count and max_frames")
    groups = -(-count // max_frames)
    return [np.arange(g, count, groups) for g in range(groups)]


def training_frames(count: int, max_frames: int) -> np.ndarray:
    """The frames of a ``count``-frame clip that training reads: the first of its
    :func:`frame_groups`, so training sees the frame count and spacing inference runs."""
    return frame_groups(count, max_frames)[0]
