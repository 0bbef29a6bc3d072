"""A whole run: pre-train (or not, for the scratch arm), then fine-tune and score per downstream dataset."""

import contextlib
import copy
import json
import os
import pickle
import platform
import time
from pathlib import Path
from typing import Callable, Dict, Optional

import torch
from torch import nn

from . import __version__
from .config import Config
from .data import ImageSet, default_data_root, load_downstream, load_image_folder, resolve_downstream_dir, take
from .errors import ConfigError, TrainerError
from .loop import (Precision, make_stage, pick_device, resolve_precision, seeded_generator, supported_precision,
                   test_correct, train_epoch)
from .models import build_model, get_head, replace_head
from .probes import extract_features, knn_accuracy, linear_probe_accuracy
from .scoring import cumulative_error, mean_score, scored_epochs, top1_error

Emit = Callable[[dict], None]

# Random stream numbers, so each stage draws from its own sequence.
STREAM_INIT, STREAM_PRETRAIN, STREAM_SUBSET, STREAM_FINETUNE = 1, 2, 3, 4


def environment() -> dict:
    """Describe the interpreter, torch and the device that a run would use."""
    import torchvision

    cuda = torch.cuda.is_available()
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "cuda": cuda,
        "gpu": torch.cuda.get_device_name(0) if cuda else None,
        "threads": torch.get_num_threads(),
        "trainer": __version__,
    }


def run(config: Config, emit: Emit) -> Dict[str, float]:
    """Run the config, emitting one event per epoch; return the score per downstream dataset."""
    started = time.perf_counter()
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    device = pick_device(config.device)
    precision = supported_precision(
        resolve_precision(config.precision, device), config.precision,
        lambda: build_model(config.model, 2, config.width), config.image_size,
    )
    emit({"event": "start", "device": str(device), "precision": str(precision.dtype or torch.float32),
          "environment": environment()})

    model = pretrain(config, precision, emit)
    scores: Dict[str, float] = {}
    for name in config.finetune.datasets:
        scores[name] = finetune(config, model, name, precision, emit)

    mean = mean_score(scores)
    if config.out is not None:
        write_scores(Path(config.out), scores)
    emit({"event": "done", "scores": scores, "mean": mean, "seconds": time.perf_counter() - started})
    return scores


def pretrain(config: Config, precision: Precision, emit: Emit) -> Optional[nn.Module]:
    """Pre-train on the generated dataset; return None for the scratch arm."""
    if config.pretrain is None:
        return None
    device = precision.device
    spec = config.pretrain
    # With one class the cross-entropy loss is 0 from the start, so the network would learn nothing.
    images = load_image_folder(
        Path(spec.path), config.image_size, spec.max_images, seeded_generator(config.seed, STREAM_SUBSET),
        min_classes=2,
    )
    emit({"event": "data", "phase": "pretrain", "path": spec.path, "images": len(images),
          "classes": images.classes, "shape": list(images.images.shape[1:])})
    torch.manual_seed(config.seed * 1_000_003 + STREAM_INIT)
    model = build_model(config.model, images.classes, config.width).to(device)
    key = checkpoint_key(config, images)
    if spec.checkpoint and load_checkpoint(Path(spec.checkpoint), key, model):
        emit({"event": "checkpoint", "phase": "pretrain", "loaded": spec.checkpoint})
        return model
    steps = -(-len(images) // spec.batch_size)
    stage = make_stage(model, device, config.image_size, spec.batch_size, spec.lr, spec.weight_decay,
                       spec.epochs, steps, precision, seeded_generator(config.seed, STREAM_PRETRAIN))
    for epoch in range(1, spec.epochs + 1):
        stats = train_epoch(stage, images)
        emit({"event": "epoch", "phase": "pretrain", "epoch": epoch, "epochs": spec.epochs, **stats})
    if spec.checkpoint:
        save_checkpoint(Path(spec.checkpoint), key, model)
        emit({"event": "checkpoint", "phase": "pretrain", "saved": spec.checkpoint})
    return model


def checkpoint_key(config: Config, images: ImageSet) -> dict:
    """Return the settings that decide the pre-trained weights; a checkpoint is reused only if they match.

    NOTE: the dataset is identified by its path, image count and class
    count, not its bytes, so regenerating a different dataset with the same
    counts into the same folder needs a fresh checkpoint file.
    """
    spec = config.pretrain
    # A max_images that keeps every image trains exactly like no limit.
    subset = spec.max_images if images.available is not None and len(images) < images.available else None
    return {
        "path": str(Path(spec.path).resolve()), "images": len(images), "classes": images.classes,
        "epochs": spec.epochs, "batch_size": spec.batch_size,
        "lr": spec.lr, "weight_decay": spec.weight_decay, "max_images": subset,
        "model": config.model, "width": config.width, "image_size": config.image_size, "seed": config.seed,
        "precision": config.precision, "trainer": __version__,
    }


def load_checkpoint(path: Path, key: dict, model: nn.Module) -> bool:
    """Load the weights saved under ``key``; return False when the file is absent or was made otherwise.

    Raises TrainerError when the file cannot be read as a checkpoint, for
    example because a full disk truncated it.
    """
    if not path.is_file():
        return False
    try:
        saved = torch.load(path, map_location="cpu")
    except (OSError, EOFError, RuntimeError, pickle.UnpicklingError) as error:
        raise TrainerError(
            f"cannot read checkpoint {path}: {error or type(error).__name__}; "
            "the file is truncated or damaged, so delete it and the next run trains again"
        ) from error
    if not isinstance(saved, dict) or "state" not in saved:
        raise TrainerError(f"invalid checkpoint {path}: it contains no saved weights; delete it or choose another path")
    if saved.get("key") != key:
        return False
    model.load_state_dict(saved["state"])
    return True


def save_checkpoint(path: Path, key: dict, model: nn.Module) -> None:
    """Save the weights and their key through a temporary file and a rename."""
    write_atomic(path, "checkpoint", lambda temp: torch.save({"key": key, "state": model.state_dict()}, temp))


def write_atomic(path: Path, description: str, write: Callable[[Path], None]) -> None:
    """Call ``write`` on a temporary file beside ``path``, then rename it to ``path``.

    When writing fails (torch.save reports a full disk as a RuntimeError),
    removes the temporary file and raises TrainerError.
    """
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(temp)
        os.replace(temp, path)
    except (OSError, RuntimeError) as error:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise TrainerError(
            f"cannot write {description} {path}: {error}; free disk space or choose another folder"
        ) from error


def finetune(config: Config, pretrained: Optional[nn.Module], name: str, precision: Precision,
             emit: Emit) -> float:
    """Fine-tune a copy of the pre-trained network (or a fresh one) on one dataset; return its score."""
    device = precision.device
    spec = config.finetune
    data_root = Path(config.data_root) if config.data_root else default_data_root()
    root = resolve_downstream_dir(name, config.dataset_paths.get(name), data_root)
    downstream = load_downstream(name, root, config.image_size, chosen=name in config.dataset_paths)
    subset = seeded_generator(config.seed, STREAM_SUBSET, 1)
    train = take_split(downstream.train, spec.train_images, subset, name, "train")
    test = take_split(downstream.test, spec.test_images, subset, name, "test")
    emit({"event": "data", "phase": "finetune", "dataset": name, "path": str(root),
          "train_images": len(train), "test_images": len(test), "classes": train.classes})

    if pretrained is None:
        torch.manual_seed(config.seed * 1_000_003 + STREAM_INIT)
        model = build_model(config.model, train.classes, config.width).to(device)
    else:
        model = copy.deepcopy(pretrained)
        torch.manual_seed(config.seed * 1_000_003 + STREAM_INIT + 1)
        replace_head(model, train.classes)
    if config.knn > 0 or config.linear_probe:
        probe(config, model, name, train, test, precision, emit)
    if spec.freeze:
        for parameter in model.parameters():
            parameter.requires_grad_(False)
        for parameter in get_head(model).parameters():
            parameter.requires_grad_(True)

    stage = make_stage(model, device, config.image_size, spec.batch_size, spec.lr, spec.weight_decay,
                       spec.epochs, -(-len(train) // spec.batch_size), precision,
                       seeded_generator(config.seed, STREAM_FINETUNE))
    errors = []
    for epoch in range(1, spec.epochs + 1):
        stats = train_epoch(stage, train)
        correct = test_correct(model, test, config.image_size, device, precision)
        errors.append(top1_error(correct, len(test)))
        emit({"event": "epoch", "phase": "finetune", "dataset": name, "epoch": epoch,
              "epochs": spec.epochs, **stats, "test_acc": 100.0 - errors[-1], "test_error": errors[-1]})
    score = cumulative_error(errors, spec.score_from)
    epochs = scored_epochs(spec.epochs, spec.score_from)
    emit({"event": "score", "dataset": name, "cumulative_error": score,
          "scored_epochs": [epochs.start, epochs.stop - 1], "final_error": errors[-1]})
    return score


def take_split(images: ImageSet, count: Optional[int], generator: torch.Generator, dataset: str,
               split: str) -> ImageSet:
    """Take ``count`` images of the ``split`` ("train" or "test") of a downstream dataset.

    Raises ConfigError when the split has fewer images than requested.
    """
    if count is not None and count > len(images):
        raise ConfigError(
            f"downstream dataset {dataset} has {len(images)} {split} images, but finetune.{split}_images "
            f"requests {count}; import more images, or lower finetune.{split}_images "
            f"(--{split}-images of fdsl evaluate) to at most {len(images)}"
        )
    return take(images, count, generator)


def probe(config: Config, model: nn.Module, name: str, train: ImageSet, test: ImageSet,
          precision: Precision, emit: Emit) -> None:
    """Emit the k-NN and linear-probe accuracies of the frozen features on the downstream dataset."""
    started = time.perf_counter()
    train_features = extract_features(model, train, config.image_size, precision)
    test_features = extract_features(model, test, config.image_size, precision)
    event = {"event": "probe", "dataset": name}
    if config.knn > 0:
        event["knn"] = config.knn
        event["knn_acc"] = knn_accuracy(train_features, train.labels, test_features, test.labels, config.knn,
                                        train.classes)
    if config.linear_probe:
        event["linear_acc"] = linear_probe_accuracy(train_features, train.labels, test_features, test.labels,
                                                    train.classes)
    emit({**event, "seconds": time.perf_counter() - started})


def write_scores(out: Path, scores: Dict[str, float]) -> None:
    """Write scores.json in the contest's format, {"<dataset>": <cumulative error>}, atomically."""
    text = json.dumps(scores, indent=1) + "\n"
    write_atomic(out / "scores.json", "scores", lambda temp: temp.write_text(text))
