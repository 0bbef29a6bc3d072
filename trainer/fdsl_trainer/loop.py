"""One epoch of training and one pass of testing, with optional mixed precision on CUDA."""

import contextlib
import math
import time
from dataclasses import dataclass
from typing import Optional

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
    amp: bool
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
    amp: bool,
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
    use_amp = amp and device.type == "cuda"
    scaler = make_scaler(use_amp)
    return Stage(model, optimizer, scheduler, scaler, device, image_size, batch_size, use_amp, generator)


def train_epoch(stage: Stage, images: ImageSet) -> dict:
    """Train one epoch with augmentation; return mean loss, train accuracy (%) and seconds."""
    started = time.perf_counter()
    stage.model.train()
    loss_sum, correct, seen = 0.0, 0, 0
    for batch, labels in batches(images, stage.batch_size, True, stage.generator):
        x = augment(to_model_input(batch, stage.image_size, stage.device), stage.generator)
        y = labels.to(stage.device, non_blocking=True)
        with mixed_precision(stage.device, stage.amp):
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
                 batch_size: int = 500, amp: bool = False) -> int:
    """Return how many test images the model classifies correctly (top-1)."""
    model.eval()
    correct = 0
    for batch, labels in batches(images, batch_size, False, None):
        x = to_model_input(batch, image_size, device)
        with mixed_precision(device, amp):
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


def mixed_precision(device: torch.device, amp: bool):
    """Return a float16 autocast context on CUDA when ``amp`` is set, else a no-op context."""
    if amp and device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.float16)
    # CPU autocast supports bfloat16 only and warns on every call otherwise.
    return contextlib.nullcontext()


def make_scaler(enabled: bool):
    """Return a gradient scaler: torch.amp.GradScaler on torch >= 2.3, torch.cuda.amp's before."""
    if hasattr(torch, "amp") and hasattr(torch.amp, "GradScaler"):
        return torch.amp.GradScaler("cuda", enabled=enabled)
    return torch.cuda.amp.GradScaler(enabled=enabled)
