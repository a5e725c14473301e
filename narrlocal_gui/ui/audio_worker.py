"""The audio engine's worker: decodes a file's audio track and its waveform on its own thread.

A file without audio, or whose audio cannot be decoded, must never stop the video: the
worker reports ``finished`` with no track (no audio) or ``failed`` with the reason, and the
player goes on with the wall clock.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal, Slot

from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.media.audio import decode_audio, waveform_envelope
from narrlocal_gui.media.media_info import Cancelled
from narrlocal_gui.ui.worker_thread import ProgressThrottle, Worker

log = logging.getLogger(__name__)

#: Waveform resolution: enough for a wide timeline without a visible staircase.
WAVEFORM_BINS = 4000


class AudioWorker(Worker):
    """Slot ``load``; results tagged with the request's job id (``jobs`` numbers them)."""

    finished = Signal(int, object, object, object)  # job id, AudioTrack | None, mins, maxs
    failed = Signal(int, str)
    cancelled = Signal(int)
    progressed = Signal(int, float)

    @Slot(int, str)
    def load(self, job_id: int, path: str) -> None:
        if self.should_stop(job_id):
            self.cancelled.emit(job_id)
            return
        progress = ProgressThrottle(lambda f: self.progressed.emit(job_id, f))
        try:
            track = decode_audio(
                Path(path), progress=progress, cancel=lambda: self.should_stop(job_id)
            )
            if track is None:
                empty = np.zeros(0, dtype=np.float32)
                self.finished.emit(job_id, None, empty, empty)
                return
            mins, maxs = waveform_envelope(track, WAVEFORM_BINS)
        except Cancelled:
            self.cancelled.emit(job_id)
            return
        except UserFacingError as exc:
            self.failed.emit(job_id, str(exc))
            return
        except Exception as exc:
            log.exception("decoding the audio of %s failed", path)
            self.failed.emit(job_id, f"The audio of '{Path(path).name}' cannot be played ({exc}).")
            return
        if self.should_stop(job_id):
            self.cancelled.emit(job_id)
            return
        self.finished.emit(job_id, track, mins, maxs)
