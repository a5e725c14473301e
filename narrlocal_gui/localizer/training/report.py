"""What a training run leaves for people to read: a plain text log, a JSON-lines metrics
file and a PNG of the loss and accuracy curves (matplotlib with the Agg backend, no
display needed). No TensorBoard: the files open anywhere."""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from narrlocal_gui.localizer.training.config import EpochMetrics
from narrlocal_gui.localizer.training.extraction import write_atomically

__all__ = ["RunLog", "plot_metrics"]


class RunLog:
    """Appends to the text log and the metrics file (only the main process makes one)."""

    def __init__(self, text: Path, metrics: Path, *, fresh: bool) -> None:
        self.text = text
        self.metrics = metrics
        if fresh:
            for path in (text, metrics):
                path.unlink(missing_ok=True)

    def line(self, message: str) -> None:
        stamp = datetime.datetime.now().isoformat(timespec="seconds")
        with self.text.open("a", encoding="utf-8") as fh:
            fh.write(f"{stamp} {message}\n")

    def record(self, kind: str, values: Mapping[str, Any]) -> None:
        entry = {"kind": kind, **{k: _plain(v) for k, v in values.items()}}
        with self.metrics.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN
    return value


def plot_metrics(history: Sequence[EpochMetrics], path: Path) -> Path:
    """Loss (left) and validation pointing accuracy with the centre prior (right) per
    epoch, written atomically to ``path``."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    epochs = [m.epoch for m in history]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    try:
        left.plot(epochs, [m.loss for m in history], marker="o", label="training loss")
        if any(m.sentence_loss is not None for m in history) and any(
            m.word_loss is not None for m in history
        ):
            left.plot(epochs, [m.sentence_loss for m in history], "--", label="sentence")
            left.plot(epochs, [m.word_loss for m in history], ":", label="word")
        left.set_xlabel("epoch")
        left.set_ylabel("loss")
        left.legend()
        left.grid(alpha=0.3)
        right.plot(epochs, [m.retrieval for m in history], marker=".", label="in-batch retrieval")
        if any(m.val_accuracy is not None for m in history):
            right.plot(
                epochs,
                [m.val_accuracy for m in history],
                marker="o",
                label="validation pointing accuracy",
            )
            right.plot(
                epochs,
                [m.centre_accuracy for m in history],
                "--",
                color="grey",
                label="centre prior",
            )
        right.set_xlabel("epoch")
        right.set_ylabel("accuracy")
        right.set_ylim(0.0, 1.0)
        right.legend()
        right.grid(alpha=0.3)
        fig.tight_layout()
        write_atomically(path, lambda fh: fig.savefig(fh, format="png", dpi=100))
    finally:
        plt.close(fig)
    return path
