"""Training reads a clip's frames as inference runs them (localizer/frame_choice.py).

Training once chose its frames with their own rule (evenly spread by linspace) while
inference ran interleaved groups of one stride: for 24 frames and ``max_frames`` 4 training
saw frames [0, 8, 15, 23] and inference ran [0, 6, 12, 18], ...; for 9 frames training saw
4 frames and inference 3 at a time. These tests hold both to the one choice.
"""

from __future__ import annotations

import numpy as np
import pytest

from narrlocal_gui.localizer.frame_choice import frame_groups, training_frames
from narrlocal_gui.localizer.training.extraction import _used_frames

CASES = ((24, 4), (9, 4), (4, 4), (3, 4), (1, 1), (10, 3), (17, 4), (20, 20), (64, 16), (65, 16))


@pytest.mark.parametrize(("count", "max_frames"), CASES)
def test_training_reads_the_frames_one_inference_pass_runs(count: int, max_frames: int) -> None:
    groups = frame_groups(count, max_frames)
    chosen = training_frames(count, max_frames)
    assert chosen.tolist() == groups[0].tolist()
    # The same number of frames as the longest pass, at the same spacing as every pass: the
    # model's time positions mean the same gap between frames in training and in use.
    assert len(chosen) == max(len(g) for g in groups) <= max_frames
    for group in groups:
        assert set(np.diff(group).tolist()) <= {len(groups)}
    assert set(np.diff(chosen).tolist()) <= {len(groups)}


def test_the_examples_of_the_mismatch() -> None:
    assert training_frames(24, 4).tolist() == [0, 6, 12, 18]
    assert training_frames(9, 4).tolist() == [0, 3, 6]
    assert [g.tolist() for g in frame_groups(9, 4)] == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]


def test_the_extraction_encodes_the_frames_training_reads() -> None:
    rows = list(range(100, 124))  # a clip's 24 frames, by their number in the video
    assert _used_frames(rows, 4) == [100, 106, 112, 118]
    assert _used_frames(rows, None) == rows
