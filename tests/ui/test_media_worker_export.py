"""The player's worker shows, frame for frame, the picture the exporter writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from narrlocal_gui.ui.media_worker import MediaWorker, RenderRequest
from narrlocal_gui.ui.worker_thread import FileJob
from tests.media_factory import make_counter_clip
from tests.test_export_video import FRAMES, SIZE, annotated_project, exported_frames


def test_the_qt_player_worker_renders_the_exported_frame(tmp_path: Path) -> None:
    clip = make_counter_clip(tmp_path / "plain.mp4", n_frames=FRAMES, size=SIZE)
    project = annotated_project(clip)
    exported = {f.index: f.image for f in exported_frames(project, clip)}
    worker = MediaWorker()
    shown: dict[int, np.ndarray] = {}
    worker.rendered.connect(lambda r: shown.__setitem__(r.index, r.picture))
    worker.open(FileJob(worker.jobs.next(), str(clip)))
    for index in (3, 14, 15, 21, 40):
        worker.render(RenderRequest(index, index / 30, project))
    worker.close_media()
    assert sorted(shown) == [3, 14, 15, 21, 40]
    for index, image in shown.items():
        assert np.array_equal(image, exported[index])
