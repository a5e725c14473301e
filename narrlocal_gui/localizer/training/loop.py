"""Self-supervised training of CoMMA on extracted features (the paper's section 3.2 and 4.1).

:func:`train` runs epochs over a :class:`~narrlocal_gui.localizer.training.feature_store.
FeatureStore`: B clips a step, all B x B (clip, phrase) pairs through the model, the
sentence-level InfoNCE of equation (5) (and/or the word-level loss of equation (6)), AdamW
with linear warm-up, gradient clipping, and on CUDA automatic mixed precision (bfloat16
where the GPU has it, else float16 with a gradient scaler). After every epoch the
validation pointing accuracy is measured when a validator is given.

Checkpoints (every ``checkpoint_every`` steps and at every epoch end) are the CoMMA
checkpoint format (``comma.save_checkpoint``: config, weights, and as meta the training
config, epoch, step and metrics), usable at once by ``narrlocal eval pointing --method comma
--checkpoint`` and the application; beside each, the resume state
(:mod:`~narrlocal_gui.localizer.training.resume`). A run resumed from it continues at the
next step with the same batches, dropout masks and optimizer state as if never stopped.

A caller (the CLI, a GUI worker thread) gets :class:`~narrlocal_gui.localizer.
training.config.TrainProgress` through ``progress`` and stops the run with ``cancel``
(checked between steps; the state is saved first, so ``resume`` continues there).

Distributed: under ``torchrun`` (see :mod:`~narrlocal_gui.localizer.training.distributed`) each
process trains on its own batches of every epoch, DDP averages the gradients, and only the
main process validates and writes files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.localizer.training.config import (
    EpochMetrics,
    TrainConfig,
    TrainPaths,
    TrainProgress,
    learning_rate,
)
from narrlocal_gui.localizer.training.distributed import (
    DistContext,
    any_rank,
    barrier,
    gather,
    mean_over_ranks,
)
from narrlocal_gui.localizer.training.feature_store import FeatureStore, epoch_batches
from narrlocal_gui.localizer.training.resume import (
    EpochTally,
    ResumeError,
    ResumeState,
    load_resume_state,
    save_resume_state,
)

if TYPE_CHECKING:
    import torch
    from torch import nn

    from narrlocal_gui.localizer.model.network import CommaModel
    from narrlocal_gui.localizer.training.feature_store import Batch
    from narrlocal_gui.localizer.training.report import RunLog
    from narrlocal_gui.localizer.training.validation import Validator

__all__ = ["TrainResult", "clip_share", "step_seed", "train"]

ProgressCallback = Callable[[TrainProgress], None]
CancelCallback = Callable[[], bool]


@dataclass(frozen=True, slots=True)
class TrainResult:
    """How a run ended: ``finished`` False when cancelled (resume to go on)."""

    finished: bool
    step: int
    history: tuple[EpochMetrics, ...]
    paths: TrainPaths

    @property
    def last(self) -> EpochMetrics | None:
        return self.history[-1] if self.history else None


def step_seed(seed: int, rank: int, step: int) -> int:
    """The torch seed of one step of one process: dropout differs between steps and
    processes and is the same again when a step is rerun after resuming."""
    return (seed * 1_000_003 + rank * 7_919 + step) % (2**63 - 1)


@dataclass(slots=True)
class _Run:
    """The mutable position of a run."""

    step: int
    epoch: int
    position: int
    tally: EpochTally
    history: list[EpochMetrics]


def _autocast(device: str) -> tuple[Any, bool]:
    """(context manager factory, needs a gradient scaler) for this device: mixed precision
    on CUDA only (CPU float16/bfloat16 matmuls are slower here, not faster)."""
    import torch

    if not device.startswith("cuda"):
        return contextlib.nullcontext, False
    if torch.cuda.is_bf16_supported():
        return (lambda: torch.autocast("cuda", dtype=torch.bfloat16)), False
    return (lambda: torch.autocast("cuda", dtype=torch.float16)), True


def _tensors(
    batch: Batch, device: str
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    import torch

    return (
        torch.from_numpy(batch.video).to(device),
        torch.from_numpy(batch.words).to(device),
        torch.from_numpy(batch.word_mask).to(device),
        torch.from_numpy(batch.videos).to(device),
        torch.from_numpy(batch.middles).to(device),
    )


def _check_resume(state: ResumeState, config: TrainConfig, key: str, world: int) -> None:
    if not state.config.same_run(config):
        raise ResumeError(
            "The resume state was made with other training settings; resume with the same "
            "options (only --epochs may change) or start again with --force."
        )
    if state.features_key != key:
        raise ResumeError(
            "The resume state was trained on other features; resume on the same data "
            "and features folder, or start again with --force."
        )
    if state.world_size != world:
        raise ResumeError(
            f"The run was started with {state.world_size} process(es), not {world}; "
            "resume it with the same number."
        )


def _metrics(run: _Run, config: TrainConfig, context: DistContext, device: str) -> EpochMetrics:
    t = run.tally
    steps = max(t.steps, 1)
    sentence = mean_over_ranks(t.sentence / steps, context, device)
    word = mean_over_ranks(t.word / steps, context, device)
    return EpochMetrics(
        epoch=run.epoch + 1,
        step=run.step,
        loss=mean_over_ranks(t.loss / steps, context, device),
        retrieval=mean_over_ranks(t.retrieval / steps, context, device),
        seconds=t.seconds,
        clips_per_second=t.clips / t.seconds if t.seconds > 0 else 0.0,
        sentence_loss=sentence if config.uses_sentence_loss else None,
        word_loss=word if config.uses_word_loss else None,
    )


class _Writer:
    """Checkpoints, resume states, logs and plots (main process only)."""

    def __init__(
        self,
        paths: TrainPaths,
        config: TrainConfig,
        key: str,
        context: DistContext,
        log: RunLog | None,
        settings: dict[str, Any],
    ) -> None:
        self.paths = paths
        self.config = config
        self.key = key
        self.context = context
        self.log = log
        self.settings = settings

    def save(
        self,
        model: CommaModel,
        optimizer: torch.optim.Optimizer,
        scaler: Any,
        run: _Run,
    ) -> None:
        if not self.context.is_main:
            return
        from narrlocal_gui.localizer.model.checkpoints import save_checkpoint

        meta = {
            "training": self.config.to_dict(),
            "clip_settings": self.settings,
            "features_key": self.key,
            "epoch": run.epoch,
            "step": run.step,
            "history": [m.to_dict() for m in run.history],
        }
        save_checkpoint(model, self.paths.checkpoint, meta=meta)
        state = ResumeState(
            config=self.config,
            features_key=self.key,
            step=run.step,
            epoch=run.epoch,
            position=run.position,
            world_size=self.context.world_size,
            model=model.state_dict(),
            optimizer=optimizer.state_dict(),
            scaler=scaler.state_dict() if scaler is not None else None,
            tally=replace(run.tally),
            history=tuple(run.history),
        )
        save_resume_state(self.paths.resume_state, state)

    def line(self, message: str) -> None:
        if self.log is not None:
            self.log.line(message)

    def record(self, kind: str, values: dict[str, Any]) -> None:
        if self.log is not None:
            self.log.record(kind, values)

    def plot(self, history: list[EpochMetrics]) -> None:
        if self.context.is_main and history:
            from narrlocal_gui.localizer.training.report import plot_metrics

            plot_metrics(history, self.paths.plot)


def train(
    config: TrainConfig,
    store: FeatureStore,
    paths: TrainPaths,
    *,
    validator: Validator | None = None,
    resume: bool = False,
    device: str = "cpu",
    context: DistContext | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
    log_every: int = 10,
) -> TrainResult:
    """Train (or, with ``resume``, continue training) and write the files of ``paths``.

    ``context`` is the distributed context (already started; see training.distributed). Raises
    :class:`UserFacingError` for data that cannot train this model (fewer clips than a
    batch) and :class:`ResumeError` for a resume state that does not fit.
    """
    import torch

    from narrlocal_gui.localizer.model.network import CommaModel
    from narrlocal_gui.localizer.training.pairs import pair_scorer, step_losses
    from narrlocal_gui.localizer.training.report import RunLog

    context = context or DistContext()
    features = store.index.settings.features
    if features != config.model.video_features:
        raise UserFacingError(
            f"The features in '{store.folder}' are '{features}' grids but the model reads "
            f"'{config.model.video_features}' ones; extract them again for this model."
        )
    if store.channels != config.model.video_dim:
        raise UserFacingError(
            f"The features in '{store.folder}' have {store.channels} channels but the model "
            f"reads {config.model.video_dim}; extract them again for this model."
        )
    groups = store.groups()
    steps_per_epoch = len(
        epoch_batches(
            groups,
            config.batch_size,
            seed=config.seed,
            epoch=0,
            world_size=context.world_size,
            rank=context.rank,
        )
    )
    if steps_per_epoch == 0:
        raise UserFacingError(
            f"{len(store)} clip(s) make no full batch of {config.batch_size} on each of "
            f"{context.world_size} process(es); lower --batch-size or add videos."
        )
    total_steps = steps_per_epoch * config.epochs
    key = store.index.key

    model = CommaModel(config.model, seed=config.seed, device=device)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    autocast, needs_scaler = _autocast(device)
    scaler: Any = torch.amp.GradScaler("cuda") if needs_scaler else None
    run = _Run(step=0, epoch=0, position=0, tally=EpochTally(), history=[])
    if resume:
        state = load_resume_state(paths.resume_state)
        _check_resume(state, config, key, context.world_size)
        model.load_state_dict(state.model)
        optimizer.load_state_dict(dict(state.optimizer))
        if scaler is not None and state.scaler is not None:
            scaler.load_state_dict(state.scaler)
        run = _Run(state.step, state.epoch, state.position, state.tally, list(state.history))

    log = RunLog(paths.log, paths.metrics, fresh=not resume) if context.is_main else None
    settings = store.index.settings.to_dict()
    writer = _Writer(paths, config, key, context, log, settings)
    verb = "Resuming at" if resume else "Training from"
    writer.line(
        f"{verb} step {run.step} of {total_steps} (epoch {run.epoch + 1} of {config.epochs}): "
        f"{len(store)} clips, {steps_per_epoch} steps of {config.batch_size} clips per epoch "
        f"on {context.world_size} process(es), device {device}"
    )
    writer.record(
        "start",
        {"step": run.step, "config": config.to_dict(), "clips": len(store), "device": device},
    )

    scorer: nn.Module = pair_scorer(model, config)
    if context.active:
        from torch.nn.parallel import DistributedDataParallel

        scorer = DistributedDataParallel(
            scorer,
            device_ids=[torch.device(device).index] if device.startswith("cuda") else None,
            find_unused_parameters=not config.uses_word_loss,
        )
    parameters = list(model.parameters())
    began = time.perf_counter()
    steps_this_session = 0

    def report(stage: str, loss: float | None = None) -> None:
        if progress is None:
            return
        elapsed = time.perf_counter() - began
        rate = steps_this_session / elapsed if elapsed > 0 and steps_this_session else None
        eta = (total_steps - run.step) / rate if rate else None
        clips = rate * config.batch_size if rate else None
        lr = learning_rate(config, min(run.step, total_steps - 1), steps_per_epoch)
        epoch = min(run.epoch, config.epochs - 1)
        progress(
            TrainProgress(stage, epoch, config.epochs, run.step, total_steps, loss, lr, clips, eta)
        )

    report("train")
    while run.epoch < config.epochs:
        model.train()
        batches = epoch_batches(
            groups,
            config.batch_size,
            seed=config.seed,
            epoch=run.epoch,
            world_size=context.world_size,
            rank=context.rank,
        )
        for indices in batches[run.position :]:
            stop = cancel is not None and cancel()
            if any_rank(stop, context, device):
                writer.save(model, optimizer, scaler, run)
                writer.line(f"Cancelled at step {run.step}; --resume continues from here.")
                barrier(context)
                return TrainResult(False, run.step, tuple(run.history), paths)
            started = time.perf_counter()
            torch.manual_seed(step_seed(config.seed, context.rank, run.step))
            lr = learning_rate(config, run.step, steps_per_epoch)
            for group in optimizer.param_groups:
                group["lr"] = lr
            tensors = _tensors(store.batch(indices), device)
            with autocast():
                losses = step_losses(scorer, *tensors, config)
            optimizer.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(losses.total).backward()
                scaler.unscale_(optimizer)
            else:
                losses.total.backward()  # type: ignore[no-untyped-call]
            if config.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(parameters, config.grad_clip)
            if scaler is not None:
                scaler.step(optimizer)
                scaler.update()
            else:
                optimizer.step()
            loss = float(losses.total.item())
            if not math.isfinite(loss):
                raise UserFacingError(
                    f"The loss became {loss} at step {run.step}; lower --lr or check the data."
                )
            run.step += 1
            run.position += 1
            steps_this_session += 1
            run.tally.add(
                clips=len(indices),
                seconds=time.perf_counter() - started,
                loss=loss,
                sentence=float(losses.sentence.item()) if losses.sentence is not None else None,
                word=float(losses.word.item()) if losses.word is not None else None,
                retrieval=losses.retrieval,
            )
            if log_every and run.step % log_every == 0:
                writer.record("step", {"step": run.step, "loss": loss, "lr": lr})
            if config.checkpoint_every and run.step % config.checkpoint_every == 0:
                writer.save(model, optimizer, scaler, run)
            report("train", loss)

        metrics = _metrics(run, config, context, device)
        shares = gather(clip_share(context.rank, batches), context)
        if validator is not None and context.is_main:
            report("validate")
            score = validator.score(model)
            metrics = replace(metrics, val_accuracy=score.accuracy, centre_accuracy=score.centre)
        barrier(context)
        run.history.append(metrics)
        run.epoch += 1
        run.position = 0
        run.tally = EpochTally()
        writer.save(model, optimizer, scaler, run)
        writer.record("epoch", {**metrics.to_dict(), "ranks": shares})
        writer.line(_epoch_line(metrics, config.epochs))
        writer.plot(run.history)
    report("done")
    writer.line(f"Finished: {run.step} steps; checkpoint {paths.checkpoint}")
    return TrainResult(True, run.step, tuple(run.history), paths)


def clip_share(rank: int, batches: list[list[int]]) -> dict[str, Any]:
    """Which clips a process trained on in an epoch, in short: the log shows that the
    processes of a distributed run split every epoch between them."""
    clips = sorted(i for batch in batches for i in batch)
    digest = hashlib.sha256(json.dumps(clips).encode()).hexdigest()[:16]
    return {"rank": rank, "clips": len(clips), "digest": digest}


def _epoch_line(m: EpochMetrics, epochs: int) -> str:
    text = (
        f"epoch {m.epoch}/{epochs}: step {m.step}, loss {m.loss:.4f}, in-batch retrieval "
        f"{m.retrieval:.3f}, {m.clips_per_second:.2f} clips/s"
    )
    if m.val_accuracy is not None:
        text += (
            f", validation pointing accuracy {m.val_accuracy:.3f} "
            f"(centre prior {m.centre_accuracy:.3f})"
        )
    return text
