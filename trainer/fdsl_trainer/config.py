"""The run config: one JSON object, checked field by field before any work starts."""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from .data import DOWNSTREAM
from .errors import ConfigError
from .loop import PRECISIONS
from .models import MODELS


@dataclass
class PretrainConfig:
    """Pre-training on a generated ImageFolder dataset."""

    path: str
    epochs: int = 5
    batch_size: int = 128
    lr: float = 0.1
    weight_decay: float = 5e-4
    #: Class-balanced subset size; None uses every image.
    max_images: Optional[int] = None
    #: File for the pre-trained weights. A file written by a run with the same
    #: pre-training settings is loaded instead of training again.
    checkpoint: Optional[str] = None


@dataclass
class FinetuneConfig:
    """Fine-tuning on each downstream dataset, tested after every epoch."""

    datasets: List[str] = field(default_factory=lambda: ["fashion-mnist"])
    epochs: int = 10
    batch_size: int = 128
    lr: float = 0.05
    weight_decay: float = 5e-4
    #: Class-balanced subset of the training split; None uses all of it.
    train_images: Optional[int] = None
    #: Class-balanced subset of the test split; None uses all of it.
    test_images: Optional[int] = None
    #: The score sums the test error of epochs from this fraction of the total on.
    score_from: float = 0.5
    #: Train only the new classifier on frozen features (a linear probe) instead of the whole network.
    freeze: bool = False


@dataclass
class Config:
    """A whole run: optional pre-training, then fine-tuning on each downstream dataset."""

    finetune: FinetuneConfig
    pretrain: Optional[PretrainConfig] = None
    model: str = "resnet8"
    #: Base width of the CIFAR ResNets (channels of the first stage).
    width: int = 16
    #: Model input size in pixels; images are resized to it.
    image_size: int = 32
    seed: int = 0
    device: str = "auto"
    #: CPU threads for torch; 0 keeps torch's default.
    threads: int = 0
    #: auto (float16 autocast on CUDA, bfloat16 on a CPU with bf16 instructions, else float32), fp32, bf16 or fp16.
    precision: str = "auto"
    #: Neighbours of the k-NN probe of frozen features before fine-tuning; 0 skips the probe.
    knn: int = 20
    #: Also fit a logistic-regression (linear) probe on the frozen features before fine-tuning.
    linear_probe: bool = True
    #: Root for downstream datasets without a fixed system path; None uses $FDSL_DATA.
    data_root: Optional[str] = None
    #: Folder per downstream dataset name, overriding its default place.
    dataset_paths: Dict[str, str] = field(default_factory=dict)
    #: Folder that receives scores.json; None writes nothing.
    out: Optional[str] = None


def _check(section: str, values: Dict[str, Any], allowed: type) -> None:
    unknown = set(values) - set(allowed.__dataclass_fields__)
    if unknown:
        names = ", ".join(sorted(unknown))
        raise ConfigError(f"unknown field(s) {names} in config {section}; remove them")


def _int(name: str, value: Any, low: int, high: int = 10**9) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"invalid config {name}: {value!r}; expected an integer in [{low}, {high}]")
    return value


def _float(name: str, value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ConfigError(f"invalid config {name}: {value!r}; expected a number in [{low}, {high}]")
    return float(value)


def _optional_int(name: str, value: Any) -> Optional[int]:
    return None if value is None else _int(name, value, 1)


def _optional_str(name: str, value: Any) -> Optional[str]:
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"invalid config {name}: {value!r}; expected a string or null")
    return value


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"invalid config {name}: {value!r}; expected true or false")
    return value


def _known_datasets() -> str:
    return ", ".join(sorted(DOWNSTREAM))


def _dataset_paths(value: Any) -> Dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(path, str) for path in value.values()):
        raise ConfigError(
            f"invalid config dataset_paths: {value!r}; expected an object that maps dataset names to folder paths"
        )
    for name in value:
        if name not in DOWNSTREAM:
            raise ConfigError(
                f"invalid config dataset_paths: unknown dataset {name!r}; expected one of {_known_datasets()}"
            )
    return value


def parse_config(raw: Any) -> Config:
    """Check a decoded JSON config and return it with defaults filled in."""
    if not isinstance(raw, dict):
        raise ConfigError(f"invalid config: expected a JSON object, received {type(raw).__name__}")
    _check("(top level)", raw, Config)
    finetune_raw = raw.get("finetune", {})
    if not isinstance(finetune_raw, dict):
        raise ConfigError("invalid config finetune: expected an object")
    _check("finetune", finetune_raw, FinetuneConfig)
    finetune = FinetuneConfig(**finetune_raw)
    if not isinstance(finetune.datasets, list) or not finetune.datasets:
        raise ConfigError("invalid config finetune.datasets: expected a non-empty list of names")
    for name in finetune.datasets:
        if not isinstance(name, str) or name not in DOWNSTREAM:
            raise ConfigError(
                f"invalid config finetune.datasets: unknown dataset {name!r}; expected one of {_known_datasets()}"
            )
    repeated = sorted({name for name in finetune.datasets if finetune.datasets.count(name) > 1})
    if repeated:
        raise ConfigError(
            f"invalid config finetune.datasets: {', '.join(repeated)} listed more than once; list each dataset once"
        )
    _int("finetune.epochs", finetune.epochs, 1, 10_000)
    _int("finetune.batch_size", finetune.batch_size, 1, 65_536)
    _float("finetune.lr", finetune.lr, 0.0, 10.0)
    _float("finetune.weight_decay", finetune.weight_decay, 0.0, 1.0)
    _optional_int("finetune.train_images", finetune.train_images)
    _optional_int("finetune.test_images", finetune.test_images)
    _float("finetune.score_from", finetune.score_from, 0.0, 1.0)
    _bool("finetune.freeze", finetune.freeze)

    pretrain = None
    pretrain_raw = raw.get("pretrain")
    if pretrain_raw is not None:
        if not isinstance(pretrain_raw, dict) or not isinstance(pretrain_raw.get("path"), str):
            raise ConfigError("invalid config pretrain: expected an object with a 'path' string, or null for scratch")
        _check("pretrain", pretrain_raw, PretrainConfig)
        pretrain = PretrainConfig(**pretrain_raw)
        _int("pretrain.epochs", pretrain.epochs, 1, 10_000)
        _int("pretrain.batch_size", pretrain.batch_size, 1, 65_536)
        _float("pretrain.lr", pretrain.lr, 0.0, 10.0)
        _float("pretrain.weight_decay", pretrain.weight_decay, 0.0, 1.0)
        _optional_int("pretrain.max_images", pretrain.max_images)
        _optional_str("pretrain.checkpoint", pretrain.checkpoint)

    rest = {key: value for key, value in raw.items() if key not in ("finetune", "pretrain")}
    config = Config(finetune=finetune, pretrain=pretrain, **rest)
    if config.model not in MODELS:
        raise ConfigError(f"invalid config model: {config.model!r}; expected one of {', '.join(MODELS)}")
    _int("width", config.width, 1, 1024)
    _int("image_size", config.image_size, 8, 1024)
    # torch.manual_seed(seed * 1_000_003 + stream) overflows above 2**64 - 1, so seeds stay in the 32-bit range.
    _int("seed", config.seed, 0, 2**32 - 1)
    _int("threads", config.threads, 0, 1024)
    _int("knn", config.knn, 0, 10_000)
    if config.precision not in PRECISIONS:
        raise ConfigError(f"invalid config precision: {config.precision!r}; expected one of {', '.join(PRECISIONS)}")
    _bool("linear_probe", config.linear_probe)
    if config.device not in ("auto", "cpu", "cuda"):
        raise ConfigError(f"invalid config device: {config.device!r}; expected auto, cpu or cuda")
    if config.precision == "fp16" and config.device == "cpu":
        raise ConfigError("invalid config precision: fp16 needs a CUDA device; use bf16 or fp32 with device cpu")
    _optional_str("data_root", config.data_root)
    _optional_str("out", config.out)
    _dataset_paths(config.dataset_paths)
    return config
