"""The audio engine's worker: decodes a file's audio track and its waveform on its own thread.

A file without audio, or whose audio cannot be decoded, must never stop the video: the
worker reports ``finished`` with no track (no audio) or ``failed`` with the reason, and the
player goes on with the wall clock.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import Signal, Slot

from narrlocal_gui.media.audio import AudioTrack, decode_audio, waveform_envelope
from narrlocal_gui.progress import CancelCallback, ProgressCallback
from narrlocal_gui.ui.worker_thread import Worker

Decoded = tuple[AudioTrack | None, npt.NDArray[np.float32], npt.NDArray[np.float32]]

#: Waveform resolution: enough for a wide timeline without a visible staircase.
WAVEFORM_BINS = 4000


class AudioWorker(Worker):
    """Slot ``load``; results tagged with the request's job id (``jobs`` numbers them)."""

    finished = Signal(int, object, object, object)  # job id, AudioTrack | None, mins, maxs

    @Slot(int, str)
    def load(self, job_id: int, path: str) -> None:
        def work(progress: ProgressCallback, cancel: CancelCallback) -> Decoded:
            track = decode_audio(Path(path), progress=progress, cancel=cancel)
            if track is None:
                empty = np.zeros(0, dtype=np.float32)
                return None, empty, empty
            mins, maxs = waveform_envelope(track, WAVEFORM_BINS)
            return track, mins, maxs

        unexpected = f"The audio of '{Path(path).name}' cannot be played"
        result = self.run_job(job_id, work, unexpected)
        if result is not None:
            self.finished.emit(job_id, *result)
