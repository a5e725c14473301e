"""Distributed training through torch.distributed, as started by ``torchrun``.

``torchrun`` sets RANK, WORLD_SIZE and LOCAL_RANK (and the rendezvous variables) in every
process it starts; :func:`context_from_env` reads them, :func:`start` joins the process
group (NCCL on CUDA, one GPU per local rank; gloo on CPUs) and :func:`finish` leaves it
after a barrier. Without those variables everything here is a no-op for one process.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "DistContext",
    "any_rank",
    "barrier",
    "context_from_env",
    "finish",
    "gather",
    "mean_over_ranks",
    "start",
]


@dataclass(frozen=True, slots=True)
class DistContext:
    """This process's place in the run (``backend`` "" when not distributed)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    backend: str = ""

    def __post_init__(self) -> None:
        if not (0 <= self.rank < self.world_size and self.local_rank >= 0):
            raise ValueError(f"rank {self.rank} does not fit a world of {self.world_size}")

    @property
    def is_main(self) -> bool:
        """Only the main process writes checkpoints, logs and plots."""
        return self.rank == 0

    @property
    def active(self) -> bool:
        return bool(self.backend)


def context_from_env(environ: Mapping[str, str] | None = None) -> DistContext:
    """The context ``torchrun`` describes in the environment (one process without it)."""
    env = os.environ if environ is None else environ
    if "WORLD_SIZE" not in env or "RANK" not in env:
        return DistContext()
    try:
        world = int(env["WORLD_SIZE"])
        rank = int(env["RANK"])
        local = int(env.get("LOCAL_RANK", "0"))
    except ValueError:
        raise ValueError("RANK, WORLD_SIZE and LOCAL_RANK must be integers") from None
    return DistContext(rank=rank, world_size=world, local_rank=local)


def start(context: DistContext, device: str) -> tuple[DistContext, str]:
    """Join the process group when ``context`` has several processes; the context with its
    backend and the torch device this process uses (``cuda:<local rank>`` on GPUs)."""
    if context.world_size == 1:
        return context, device
    import torch
    import torch.distributed as dist

    cuda = device.startswith("cuda") and torch.cuda.is_available()
    backend = "nccl" if cuda else "gloo"
    if cuda:
        device = f"cuda:{context.local_rank}"
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group(backend=backend)
    return (
        DistContext(context.rank, context.world_size, context.local_rank, backend),
        device,
    )


def finish(context: DistContext, *, wait: bool = True) -> None:
    """Leave the group, after waiting for every process unless ``wait`` is false (a
    process that failed must not wait for others that will never come)."""
    if not context.active:
        return
    import torch.distributed as dist

    if dist.is_initialized():
        if wait:
            dist.barrier()
        dist.destroy_process_group()


def barrier(context: DistContext) -> None:
    if context.active:
        import torch.distributed as dist

        dist.barrier()


def mean_over_ranks(value: float, context: DistContext, device: str = "cpu") -> float:
    """The mean of ``value`` over all processes (``value`` itself for one)."""
    if not context.active:
        return value
    import torch
    import torch.distributed as dist

    tensor = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return float(tensor.item()) / context.world_size


def any_rank(flag: bool, context: DistContext, device: str = "cpu") -> bool:
    """True on every process when ``flag`` is true on any (a cancel must stop all ranks at
    the same step, or the others would wait forever for its gradients)."""
    if not context.active:
        return flag
    import torch
    import torch.distributed as dist

    tensor = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return bool(tensor.item() > 0)


def gather(value: object, context: DistContext) -> list[object]:
    """Every process's ``value``, in rank order (``[value]`` for one process)."""
    if not context.active:
        return [value]
    import torch.distributed as dist

    found: list[object] = [None] * context.world_size
    dist.all_gather_object(found, value)
    return found
