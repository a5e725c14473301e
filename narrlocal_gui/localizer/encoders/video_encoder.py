"""EfficientNet-Lite0 (ImageNet) as the spatial feature encoder: one 1280-channel grid per frame.

The network is fully convolutional up to its head, so a frame is resized with its aspect
ratio kept (short side ``short_side``, long side rounded to a multiple of the 32 px stride)
instead of being squashed or cropped to a square: every grid cell then covers a square
patch of the picture and the whole frame is seen. 224 px gives a 7 x 12 grid for 16:9 video,
448 px a 14 x 24 grid.

The head is conv_head -> BN -> ReLU6 (what :meth:`VideoEncoder.encode` returns), then
average pooling and the 1000-way ImageNet classifier ``fc``. Because ``fc`` is linear, applying
it to each cell instead of to the pooled vector gives per-cell class logits whose mean over
the cells is exactly the model's own image-level output (:meth:`classify_cells`): the
class-activation map of the classifier, used by the training-free bridge localizer.

Precision: float32 on a CPU, float16 on CUDA. ``encode(..., reduced_precision=True)`` runs a
bfloat16 copy of the network instead where the CPU computes bfloat16 natively (AVX512-BF16
or AMX, :func:`bfloat16_native`): 2.3x faster at 448 px on two cores (43 against 101 ms a
frame), with per-cell features at cosine 0.94 to the float32 ones and the class-activation
maps at correlation 0.98; the training-free localizer's pointing accuracy on
../shared/eval/public.json is unchanged (24 of 41 both ways). Elsewhere, where bfloat16
would be emulated and slower, the flag changes nothing. :meth:`VideoEncoder.version_for`
names the precision so that cached grids of the two never mix.

torch is imported only when an encoder is loaded.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from narrlocal_gui.localizer.encoders.feature_levels import feature_channels
from narrlocal_gui.localizer.encoders.weights import (
    EFFICIENTNET_LITE0,
    WeightsError,
    efficientnet_lite0_path,
)
from narrlocal_gui.progress import CancelCallback, Cancelled

if TYPE_CHECKING:
    import torch

__all__ = [
    "ENCODER_NAME",
    "FEATURE_CHANNELS",
    "GRID_STRIDE",
    "NUM_CLASSES",
    "VideoEncoder",
    "bfloat16_native",
    "input_size",
    "set_torch_threads",
]

ENCODER_NAME = "efficientnet-lite0"
FEATURE_CHANNELS = 1280
GRID_STRIDE = 32
NUM_CLASSES = 1000

# EfficientNet-Lite was trained with inception-style scaling to [-1, 1] (mean 127, std 128 on
# 0-255 pixels; tensorflow/tpu efficientnet/lite), not the torchvision ImageNet mean/std the
# package's README example copies from the EfficientNet-B* port. The weights are a direct
# conversion of the TF checkpoint, so the TF preprocessing is the one they expect.
_PIXEL_MEAN = 127.0
_PIXEL_STD = 128.0
#: The block whose output is the ``mid`` level (feature_levels.FEATURE_LEVELS), at stride 16.
MID_BLOCK = 10

# Input pixels per batch on a CPU: two 448 x 800 frames, eight 224 x 384 ones.
_CPU_BATCH_PIXELS = 720_000

_loaded: dict[str, VideoEncoder] = {}
_load_lock = threading.Lock()


@functools.cache
def bfloat16_native() -> bool:
    """Whether this CPU computes bfloat16 convolutions natively (oneDNN with AVX512-BF16 or
    AMX); without it bfloat16 is emulated and slower than float32. Asked once per process:
    every encode and every cache key asks it."""
    import torch

    try:
        return bool(torch.backends.mkldnn.is_available()) and bool(  # type: ignore[no-untyped-call]
            torch.ops.mkldnn._is_mkldnn_bf16_supported()
        )
    except (AttributeError, RuntimeError):  # an older or a trimmed build of torch
        return False


def set_torch_threads() -> int:
    """Use as many intra-op threads as CPUs this process may run on (torch's default counts
    the machine's cores, which oversubscribes a container or a pinned process). Returns it."""
    import torch

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 1
    threads = max(1, min(torch.get_num_threads(), usable))
    if threads != torch.get_num_threads():
        torch.set_num_threads(threads)
    return threads


def input_size(height: int, width: int, short_side: int) -> tuple[int, int]:
    """(height, width) in pixels the encoder sees for a ``height`` x ``width`` frame: the short
    side becomes ``short_side``, the long side keeps the aspect ratio, rounded to a multiple
    of 32 (so every stride-2 layer halves exactly and the grid tiles the picture)."""
    if height <= 0 or width <= 0:
        raise ValueError(f"frame size must be positive, not {width}x{height}")
    if short_side <= 0 or short_side % GRID_STRIDE:
        raise ValueError(
            f"short_side must be a positive multiple of {GRID_STRIDE}, not {short_side}"
        )
    scale = short_side / min(height, width)

    def side(n: int) -> int:
        return max(GRID_STRIDE, round(n * scale / GRID_STRIDE) * GRID_STRIDE)

    return (short_side, side(width)) if height <= width else (side(height), short_side)


class VideoEncoder:
    """The loaded EfficientNet-Lite0; get one with :meth:`load` (loaded once per device)."""

    name = ENCODER_NAME
    # Identifies the weights in cache keys: a different checkpoint gives different features.
    version = f"{ENCODER_NAME}-{EFFICIENTNET_LITE0.sha256[:12]}"

    def __init__(self, model: Any, device: str) -> None:
        import torch

        self._model = model
        self._device = torch.device(device)
        self._dtype = torch.float16 if self._device.type == "cuda" else torch.float32
        fc = model._fc
        # fc kept in float32 on the device: per-cell logits are small matmuls, and float16
        # would round away the differences between the 1000 classes' logits.
        self._fc_weight = fc.weight.detach().to(self._device, torch.float32)
        self._fc_bias = fc.bias.detach().to(self._device, torch.float32)
        self._lock = threading.Lock()
        # The bfloat16 copy of the network, made on first use (18 MB more).
        self._reduced: Any = None

    @classmethod
    def load(cls, device: str = "cpu") -> VideoEncoder:
        """The encoder on ``device`` ("cpu", "cuda", "cuda:1"), built and verified once."""
        with _load_lock:
            found = _loaded.get(device)
            if found is None:
                found = cls._build(device)
                _loaded[device] = found
            return found

    @classmethod
    def _build(cls, device: str) -> VideoEncoder:
        import torch
        from efficientnet_lite_pytorch import EfficientNet

        set_torch_threads()
        path = efficientnet_lite0_path()
        # image_size=None makes every convolution pad dynamically ('SAME' for any input size);
        # the package's default pads statically for 224 x 224 only.
        model = EfficientNet.from_name(ENCODER_NAME, num_classes=NUM_CLASSES, image_size=None)
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
            model.load_state_dict(state, strict=True)
        except (RuntimeError, ValueError, OSError) as exc:
            raise WeightsError(
                f"The weight file {path} cannot be loaded into EfficientNet-Lite0 ({exc}); "
                f"{EFFICIENTNET_LITE0.reinstall_advice}"
            ) from exc
        model.eval()
        _fold_batch_norms(model)
        _pad_natively(model)
        dev = torch.device(device)
        model.to(dev, torch.float16 if dev.type == "cuda" else torch.float32)
        if dev.type == "cpu":
            # oneDNN's depthwise and 1x1 convolutions run 2-2.6x faster on NHWC activations
            # (measured at 448 px on 2 cores); the frames arrive NHWC anyway (_prepare).
            model.to(memory_format=torch.channels_last)
        return cls(model, device)

    @property
    def device(self) -> str:
        return str(self._device)

    def reduces_precision(self, requested: bool) -> bool:
        """Whether ``encode(..., reduced_precision=requested)`` runs in bfloat16 here."""
        return requested and self._device.type == "cpu" and bfloat16_native()

    def version_for(self, reduced_precision: bool) -> str:
        """:attr:`version`, marked when ``reduced_precision`` makes the grids bfloat16 ones."""
        return self.version + ("-bf16" if self.reduces_precision(reduced_precision) else "")

    @property
    def fc(self) -> tuple[np.ndarray, np.ndarray]:
        """The ImageNet classifier: weight (1000, 1280) and bias (1000,), float32 copies."""
        return (
            self._fc_weight.detach().cpu().numpy().copy(),
            self._fc_bias.detach().cpu().numpy().copy(),
        )

    def encode(
        self,
        frames: np.ndarray,
        *,
        short_side: int = 224,
        level: str = "head",
        batch_size: int = 8,
        reduced_precision: bool = False,
        cancel: CancelCallback | None = None,
    ) -> np.ndarray:
        """Feature grids (T, C, h, w) float32 for RGB uint8 frames (T, H, W, 3); C is
        ``feature_channels(level)`` (1280 for the default ``head``), the grid the stride-32 one
        whatever the level. ``reduced_precision``: compute in bfloat16 where the CPU does so
        natively (see the module's notes; cache such grids under :meth:`version_for`).

        Raises :class:`~narrlocal_gui.media.media_info.Cancelled` when ``cancel()`` turns true
        (polled before every batch).
        """
        _check_frames(frames)
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, not {batch_size}")
        import torch

        channels = feature_channels(level)
        n, height, width = frames.shape[:3]
        in_h, in_w = input_size(height, width, short_side)
        if self._device.type == "cpu":
            # Big CPU batches are slower per frame, not faster (activations fall out of cache):
            # measured 448 px frames at ~55 ms in pairs against ~105 ms in fours.
            batch_size = max(1, min(batch_size, _CPU_BATCH_PIXELS // (in_h * in_w)))
        out = np.empty((n, channels, in_h // GRID_STRIDE, in_w // GRID_STRIDE), dtype=np.float32)
        reduced = self.reduces_precision(reduced_precision)
        with self._lock, torch.inference_mode():
            model, dtype = (self._bfloat16_model(), torch.bfloat16) if reduced else (None, None)
            for start in range(0, n, batch_size):
                if cancel is not None and cancel():
                    raise Cancelled("cancelled by the caller")
                batch = self._prepare(frames[start : start + batch_size], in_h, in_w, dtype)
                grid = self._features(batch, level, model)
                out[start : start + len(grid)] = grid.float().cpu().numpy()
        return out

    def classify_cells(
        self, features: np.ndarray, *, probabilities: bool = True, temperature: float = 1.0
    ) -> np.ndarray:
        """Per-cell ImageNet scores (T, 1000, h, w) float32 for grids (T, 1280, h, w).

        ``probabilities``: softmax over the 1000 classes of ``logits / temperature`` in every
        cell; else the raw logits (whose mean over the cells is the model's image logits).
        """
        if features.ndim != 4 or features.shape[1] != FEATURE_CHANNELS:
            raise ValueError(
                f"features must be (T, {FEATURE_CHANNELS}, h, w), got {features.shape}"
            )
        if not temperature > 0:
            raise ValueError(f"temperature must be positive, not {temperature}")
        import torch

        n, c, h, w = features.shape
        with torch.inference_mode():
            x = torch.from_numpy(np.ascontiguousarray(features, dtype=np.float32)).to(self._device)
            cells = x.permute(0, 2, 3, 1).reshape(-1, c)
            logits = torch.addmm(self._fc_bias, cells, self._fc_weight.t())
            if probabilities:
                logits = torch.softmax(logits / temperature, dim=1)
            scores = logits.reshape(n, h, w, NUM_CLASSES).permute(0, 3, 1, 2)
            out: np.ndarray = scores.cpu().numpy().astype(np.float32, copy=False)
            return out

    def time_per_frame(
        self,
        frames: np.ndarray,
        *,
        short_side: int = 224,
        batch_size: int = 8,
        repeats: int = 1,
        reduced_precision: bool = False,
    ) -> float:
        """Seconds per frame to encode ``frames`` (after one untimed warm-up batch)."""

        def run(some: np.ndarray) -> None:
            self.encode(
                some,
                short_side=short_side,
                batch_size=batch_size,
                reduced_precision=reduced_precision,
            )

        run(frames[:batch_size])
        start = time.perf_counter()
        for _ in range(repeats):
            run(frames)
        return (time.perf_counter() - start) / (repeats * len(frames))

    def _bfloat16_model(self) -> Any:
        """The network in bfloat16 (called with the lock held)."""
        if self._reduced is None:
            import copy

            import torch

            self._reduced = copy.deepcopy(self._model).to(torch.bfloat16)
        return self._reduced

    def _features(self, x: torch.Tensor, level: str, model: Any = None) -> torch.Tensor:
        """The network of the package's ``extract_features`` (BNs folded; drop-connect is
        off at inference), with block :data:`MID_BLOCK`'s output taken on the way for the
        levels that include ``mid`` (and the head skipped for ``mid`` alone). ``model``: the
        copy to run (None: the encoder's own)."""
        import torch
        import torch.nn.functional as F  # noqa: N812 (the usual name)

        model = self._model if model is None else model
        x = model._swish(model._bn0(model._conv_stem(x)))
        mid: torch.Tensor | None = None
        for index, block in enumerate(model._blocks):
            x = block(x)
            if index == MID_BLOCK and level != "head":
                mid = F.avg_pool2d(x, 2)
                if level == "mid":
                    return mid
        head: torch.Tensor = model._swish(model._bn1(model._conv_head(x)))
        return head if mid is None else torch.cat([head, mid], dim=1)

    def _prepare(
        self, frames: np.ndarray, in_h: int, in_w: int, dtype: torch.dtype | None = None
    ) -> torch.Tensor:
        import torch

        h, w = frames.shape[1:3]
        # INTER_AREA when shrinking averages the pixels away instead of aliasing them.
        interp = cv2.INTER_AREA if in_h * in_w < h * w else cv2.INTER_LINEAR
        resized = np.stack(
            [
                cv2.resize(np.ascontiguousarray(f), (in_w, in_h), interpolation=interp)
                for f in frames
            ]
        )
        x = torch.from_numpy(resized).to(self._device)
        # Normalised in the model's own precision unless asked otherwise, then cast.
        x = x.permute(0, 3, 1, 2).to(self._dtype)
        x = (x - _PIXEL_MEAN) / _PIXEL_STD
        if dtype is not None:
            x = x.to(dtype)
        return x.contiguous(memory_format=torch.channels_last)


def _fold_batch_norms(model: Any) -> None:
    """Fold every inference-mode BatchNorm into the convolution before it (same outputs, one
    pass over the activations fewer: BN was ~15 % of the CPU time)."""
    from torch import nn
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    def fold(owner: Any, conv_name: str, bn_name: str) -> None:
        conv = getattr(owner, conv_name, None)
        bn = getattr(owner, bn_name, None)
        if conv is None or not isinstance(bn, nn.BatchNorm2d):
            return
        setattr(owner, conv_name, fuse_conv_bn_eval(conv, bn))
        setattr(owner, bn_name, nn.Identity())

    fold(model, "_conv_stem", "_bn0")
    fold(model, "_conv_head", "_bn1")
    for block in model._blocks:
        fold(block, "_expand_conv", "_bn0")
        fold(block, "_depthwise_conv", "_bn1")
        fold(block, "_project_conv", "_bn2")


def _pad_natively(model: Any) -> None:
    """Give every stride-1 convolution its 'SAME' padding as the convolution's own argument
    and make the ReLU6 activations in-place (same outputs, to the bit).

    With ``image_size=None`` the package pads each convolution's input with ``F.pad``, a
    copy of the activations, before calling ``conv2d``. For stride 1 and an odd kernel
    'SAME' padding is symmetric, which ``conv2d`` does itself without the copy; only the
    few stride-2 convolutions, padded one pixel more on the far side, keep theirs. Measured
    at 448 px on two cores: 108 -> 74 ms a frame in float32, 43 -> 38 in bfloat16. The
    activations always act on a convolution's fresh output, so in-place is safe.
    """
    from efficientnet_lite_pytorch.utils import Conv2dDynamicSamePadding
    from torch import nn

    for owner in list(model.modules()):
        for name, child in list(owner.named_children()):
            if isinstance(child, nn.ReLU6):
                child.inplace = True
            if not isinstance(child, Conv2dDynamicSamePadding) or tuple(child.stride) != (1, 1):
                continue
            kh, kw = child.weight.shape[-2:]
            if kh % 2 == 0 or kw % 2 == 0:
                continue
            dh, dw = child.dilation
            conv = nn.Conv2d(
                child.in_channels,
                child.out_channels,
                (kh, kw),
                stride=1,
                padding=((kh - 1) // 2 * dh, (kw - 1) // 2 * dw),
                dilation=(dh, dw),
                groups=child.groups,
                bias=child.bias is not None,
            )
            conv.weight = child.weight
            conv.bias = child.bias
            setattr(owner, name, conv)


def _check_frames(frames: np.ndarray) -> None:
    if not isinstance(frames, np.ndarray) or frames.dtype != np.uint8:
        raise ValueError("frames must be a uint8 numpy array")
    if frames.ndim != 4 or frames.shape[3] != 3 or 0 in frames.shape:
        raise ValueError(f"frames must be (T>0, H, W, 3), got {frames.shape}")
