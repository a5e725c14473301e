"""The audio engine's worker: decodes a file's audio track and its waveform on its own thread.

A file without audio, or whose audio cannot be decoded, must never stop the video: the
worker reports ``finished`` with no track (no audio) or ``failed`` with the reason, and the
player goes on with the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import Signal, Slot

from narrlocal_gui.media.audio import AudioTrack, decode_audio, waveform_envelope
from narrlocal_gui.progress import CancelCallback, ProgressCallback
from narrlocal_gui.ui.worker_thread import FileJob, Worker

#: Waveform resolution: enough for a wide timeline without a visible staircase.
WAVEFORM_BINS = 4000


# eq=False: arrays do not compare to one bool.
@dataclass(frozen=True, slots=True, eq=False)
class Waveform:
    """A video's sound: its track (None: the video has no audio) and the waveform's
    envelope, one minimum and maximum per bin (empty without audio)."""

    track: AudioTrack | None
    mins: npt.NDArray[np.float32]
    maxs: npt.NDArray[np.float32]

    def __post_init__(self) -> None:
        if self.mins.shape != self.maxs.shape:
            raise ValueError("the envelope's minima and maxima differ in length")

    @classmethod
    def silent(cls) -> Waveform:
        empty = np.zeros(0, dtype=np.float32)
        return cls(None, empty, empty)


@dataclass(frozen=True, slots=True, eq=False)
class AudioDecoded:
    job_id: int
    waveform: Waveform


class AudioWorker(Worker):
    """Slot ``load``; results tagged with the request's job id (``jobs`` numbers them)."""

    finished = Signal(AudioDecoded)

    @Slot(FileJob)
    def load(self, request: FileJob) -> None:
        job_id, path = request.job_id, request.path

        def work(progress: ProgressCallback, cancel: CancelCallback) -> Waveform:
            track = decode_audio(Path(path), progress=progress, cancel=cancel)
            if track is None:
                return Waveform.silent()
            mins, maxs = waveform_envelope(track, WAVEFORM_BINS)
            return Waveform(track, mins, maxs)

        unexpected = f"The audio of '{Path(path).name}' cannot be played"
        result = self.run_job(job_id, work, unexpected)
        if result is not None:
            self.finished.emit(AudioDecoded(job_id, result))
