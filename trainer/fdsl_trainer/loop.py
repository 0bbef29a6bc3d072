"""One epoch of training and one pass of testing, with optional mixed precision."""

import contextlib
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import torch
from torch import nn

from .data import ImageSet, augment, batches, to_model_input
from .errors import TrainerError


@dataclass
class Stage:
    """Model, optimiser, schedule and settings of one training stage (pre-training or one fine-tuning)."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LambdaLR
    scaler: object
    device: torch.device
    image_size: int
    batch_size: int
    precision: "Precision"
    generator: torch.Generator


def make_stage(
    model: nn.Module,
    device: torch.device,
    image_size: int,
    batch_size: int,
    lr: float,
    weight_decay: float,
    epochs: int,
    steps_per_epoch: int,
    precision: "Precision",
    generator: torch.Generator,
) -> Stage:
    """Build SGD (momentum 0.9, Nesterov) with linear warm-up over the first epoch, then cosine decay."""
    decay, no_decay = [], []
    for parameter in model.parameters():
        # Weight decay on biases and batch-norm scales only slows training.
        (no_decay if parameter.ndim <= 1 else decay).append(parameter)
    optimizer = torch.optim.SGD(
        [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=lr, momentum=0.9, nesterov=True,
    )
    total = max(1, epochs * steps_per_epoch)
    warmup = min(steps_per_epoch, total // 2)

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, total - warmup)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    # Only float16 needs loss scaling, because bfloat16 has float32's exponent range.
    scaler = make_scaler(precision.dtype == torch.float16)
    return Stage(model, optimizer, scheduler, scaler, device, image_size, batch_size, precision, generator)


def train_epoch(stage: Stage, images: ImageSet) -> dict:
    """Train one epoch with augmentation; return mean loss, train accuracy (%) and seconds."""
    started = time.perf_counter()
    stage.model.train()
    loss_sum, correct, seen = 0.0, 0, 0
    for batch, labels in batches(images, stage.batch_size, True, stage.generator):
        x = augment(to_model_input(batch, stage.image_size, stage.device), stage.generator)
        y = labels.to(stage.device, non_blocking=True)
        with stage.precision.autocast():
            logits = stage.model(x)
            loss = nn.functional.cross_entropy(logits, y)
        if not torch.isfinite(loss):
            raise TrainerError(
                f"training loss became {loss.item()} after {seen} images; lower the learning rate"
            )
        stage.optimizer.zero_grad(set_to_none=True)
        stage.scaler.scale(loss).backward()
        stage.scaler.step(stage.optimizer)
        stage.scaler.update()
        stage.scheduler.step()
        loss_sum += loss.item() * y.shape[0]
        correct += int((logits.argmax(1) == y).sum())
        seen += y.shape[0]
    return {
        "loss": loss_sum / seen,
        "train_acc": 100.0 * correct / seen,
        "seconds": time.perf_counter() - started,
    }


@torch.no_grad()
def test_correct(model: nn.Module, images: ImageSet, image_size: int, device: torch.device,
                 precision: Optional["Precision"] = None, batch_size: int = 500) -> int:
    """Return how many test images the model classifies correctly (top-1)."""
    precision = precision or Precision(device, None)
    model.eval()
    correct = 0
    for batch, labels in batches(images, batch_size, False, None):
        x = to_model_input(batch, image_size, device)
        with precision.autocast():
            logits = model(x)
        correct += int((logits.argmax(1).cpu() == labels).sum())
    return correct


def pick_device(request: str) -> torch.device:
    """Return the device for 'auto' (CUDA when available), 'cpu' or 'cuda'."""
    if request == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if request == "cuda" and not torch.cuda.is_available():
        raise TrainerError("device 'cuda' requested but torch.cuda.is_available() is false; use 'cpu' or 'auto'")
    return torch.device(request)


def seeded_generator(seed: int, stream: int, offset: Optional[int] = 0) -> torch.Generator:
    """Return a CPU generator for one random stream: data order or augmentation of one stage."""
    generator = torch.Generator()
    # Large odd multipliers keep the streams of nearby seeds apart.
    generator.manual_seed((seed * 1_000_003 + stream * 7919 + (offset or 0)) % (2**63 - 1))
    return generator


@dataclass(frozen=True)
class Precision:
    """The autocast dtype of a device, None for float32."""

    device: torch.device
    dtype: Optional[torch.dtype]

    def autocast(self):
        """Return the autocast context, or a no-op context for float32."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.dtype)

    # NOTE: channels-last tensors trained faster still in bfloat16 on the CPU, but Debian's
    # torch 1.13 corrupted memory with them (a batch of 3, or inputs of 100 px and up),
    # so tensors keep the default layout.


PRECISIONS = ("auto", "fp32", "bf16", "fp16")


def resolve_precision(request: str, device: torch.device) -> Precision:
    """Return the precision for a request: auto, fp32, bf16 or fp16.

    ``auto`` is float16 autocast on CUDA and, on a CPU with bfloat16
    instructions (avx512_bf16 or amx_bf16), bfloat16 autocast; otherwise
    float32. On a 2-core AMD EPYC VM with avx512_bf16, bfloat16 trained
    ResNet-8 about twice as fast as float32 (bench/trainer_speed.py).
    """
    if request == "fp32":
        return Precision(device, None)
    if request == "bf16":
        return Precision(device, torch.bfloat16)
    if request == "fp16":
        if device.type != "cuda":
            raise TrainerError("precision fp16 needs a CUDA device; use bf16 or fp32 on the CPU")
        return Precision(device, torch.float16)
    if request != "auto":
        raise TrainerError(f"invalid precision {request!r}; expected one of {', '.join(PRECISIONS)}")
    if device.type == "cuda":
        return Precision(device, torch.float16)
    return Precision(device, torch.bfloat16 if cpu_has_bf16() else None)


def supported_precision(precision: Precision, request: str, build: Callable[[], nn.Module],
                        image_size: int) -> Precision:
    """Return ``precision`` if one training step of a small batch runs in it, else float32 for ``auto``.

    Some torch builds lack bfloat16 kernels on the CPU for some layers (torch
    1.13 has no bfloat16 backward of MobileNetV2's ReLU6), which surfaces
    only in the first backward pass. Raises TrainerError when an explicit
    ``bf16`` request cannot run.
    """
    if precision.dtype != torch.bfloat16 or precision.device.type != "cpu":
        return precision
    model = build()
    model.train()
    x = torch.zeros(2, 3, image_size, image_size)
    try:
        with precision.autocast():
            loss = model(x).float().sum()
        loss.backward()
    except RuntimeError as error:
        if "BFloat16" not in str(error):
            raise
        if request == "bf16":
            raise TrainerError(
                f"this model cannot train in bfloat16 on the CPU with torch {torch.__version__} ({error}); "
                "use precision fp32 or auto"
            ) from error
        return Precision(precision.device, None)
    return precision


def cpu_has_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Return whether the CPU flags list native bfloat16 instructions; False where they cannot be read."""
    try:
        flags = cpuinfo.read_text(errors="replace").split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def make_scaler(enabled: bool):
    """Return a gradient scaler: torch.amp.GradScaler on torch >= 2.3, torch.cuda.amp's before."""
    if hasattr(torch, "amp") and hasattr(torch.amp, "GradScaler"):
        return torch.amp.GradScaler("cuda", enabled=enabled)
    return torch.cuda.amp.GradScaler(enabled=enabled)
