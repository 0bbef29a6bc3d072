"""Image sets: the generated pre-training dataset and the downstream datasets.

Every loader returns images as a uint8 tensor of shape (N, C, H, W),
C = 1 (gray) or 3 (RGB), values 0..255, with int64 labels 0..classes-1.
Batches are converted to model input (float, 3 channels, normalised,
resized) only when they are used, so a dataset costs N*C*H*W bytes.
"""

import gzip
import os
import pickle
import struct
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from .errors import ConfigError, TrainerError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".pgm", ".webp")


@dataclass
class ImageSet:
    """Images (uint8, N x C x H x W) with their labels (int64, N) and class count."""

    images: torch.Tensor
    labels: torch.Tensor
    classes: int
    name: str
    #: Images in the source folder before any subset was taken; None for loaders that take no subset.
    available: Optional[int] = None

    def __len__(self) -> int:
        return int(self.labels.shape[0])


@dataclass
class Downstream:
    """A downstream dataset split into the fine-tuning train set and the test set."""

    name: str
    train: ImageSet
    test: ImageSet


# ---------------------------------------------------------------- idx files

def read_idx(path: Path) -> torch.Tensor:
    """Read an idx file (the MNIST format, optionally gzip-compressed) as a uint8 tensor.

    The header is two zero bytes, a type code (0x08 = unsigned byte) and
    the number of dimensions, then one big-endian uint32 per dimension.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as file:
        data = file.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise TrainerError(f"invalid idx file {path}: bad magic number; replace the file")
    if data[2] != 0x08:
        raise TrainerError(f"invalid idx file {path}: type code {data[2]:#x}, expected 0x08 (uint8)")
    dims = data[3]
    shape = struct.unpack(f">{dims}I", data[4 : 4 + 4 * dims])
    offset = 4 + 4 * dims
    count = 1
    for size in shape:
        count *= size
    if len(data) - offset != count:
        raise TrainerError(
            f"invalid idx file {path}: the header declares {count} bytes, but the file contains {len(data) - offset}; "
            "the file is truncated, reinstall or download it again"
        )
    flat = torch.frombuffer(bytearray(data[offset:]), dtype=torch.uint8)
    return flat.reshape(shape)


def find_file(root: Path, stem: str) -> Path:
    """Return root/stem or root/stem.gz, whichever exists."""
    for candidate in (root / stem, root / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    raise ConfigError(f"missing file {root / stem}(.gz)")


def load_idx_split(root: Path, prefix: str, name: str) -> ImageSet:
    """Load one split (prefix 'train' or 't10k') of an MNIST-format folder."""
    images = read_idx(find_file(root, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(find_file(root, f"{prefix}-labels-idx1-ubyte")).long()
    if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise TrainerError(
            f"invalid idx pair in {root} ({prefix}): images {tuple(images.shape)}, labels {tuple(labels.shape)}"
        )
    return ImageSet(images.unsqueeze(1).contiguous(), labels, int(labels.max()) + 1, name)


# ---------------------------------------------------------------- CIFAR pickles

def load_cifar_split(root: Path, files: Sequence[str], label_key: str, name: str) -> ImageSet:
    """Load CIFAR python-version batches (dicts of b'data' N x 3072 and labels)."""
    images: List[torch.Tensor] = []
    labels: List[int] = []
    for file_name in files:
        path = root / file_name
        if not path.is_file():
            raise ConfigError(f"missing file {path}")
        with open(path, "rb") as file:
            batch = pickle.load(file, encoding="bytes")
        data = batch[b"data"]
        images.append(torch.as_tensor(data, dtype=torch.uint8).reshape(-1, 3, 32, 32))
        labels.extend(int(label) for label in batch[label_key.encode()])
    label_tensor = torch.tensor(labels, dtype=torch.long)
    return ImageSet(torch.cat(images), label_tensor, int(label_tensor.max()) + 1, name)


# ---------------------------------------------------------------- image folders

def list_image_folder(root: Path) -> Tuple[List[Path], List[int], List[str]]:
    """List the images of an ImageFolder tree: root/<class>/<image>, classes sorted by name."""
    if not root.is_dir():
        raise ConfigError(f"dataset folder {root} not found; pass an existing ImageFolder directory")
    classes = sorted(entry.name for entry in root.iterdir() if entry.is_dir())
    if not classes:
        raise ConfigError(f"dataset folder {root} has no class folders; expected root/<class>/<image>")
    paths: List[Path] = []
    labels: List[int] = []
    for index, class_name in enumerate(classes):
        files = sorted(
            path for path in (root / class_name).iterdir() if path.suffix.lower() in IMAGE_SUFFIXES
        )
        if not files:
            raise ConfigError(f"class folder {root / class_name} contains no images; remove it or add images")
        paths.extend(files)
        labels.extend([index] * len(files))
    return paths, labels, classes


def decode_image(path: Path, size: Optional[int], channels: int) -> torch.Tensor:
    """Decode one image file to uint8 C x H x W, resized to size x size when size is given.

    Raises ConfigError naming the file when it cannot be read or decoded.
    """
    from PIL import Image

    try:
        with Image.open(path) as image:
            image = image.convert("L" if channels == 1 else "RGB")
            if size is not None and image.size != (size, size):
                image = image.resize((size, size), Image.BILINEAR)
            data = torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8)
            width, height = image.size
    # Pillow raises OSError for a truncated file and for a file that is not an image
    # (PIL.UnidentifiedImageError), and ValueError for some malformed files.
    except (OSError, ValueError) as error:
        raise invalid_image(path, error) from error
    return data.reshape(height, width, channels).permute(2, 0, 1).contiguous()


def detect_channels(path: Path) -> int:
    """Return 1 for a grayscale image file and 3 otherwise."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            return 1 if image.mode in ("1", "L", "I;16", "I") else 3
    except (OSError, ValueError) as error:
        raise invalid_image(path, error) from error


def invalid_image(path: Path, error: Exception) -> ConfigError:
    """Return the ConfigError for an image file that cannot be decoded."""
    return ConfigError(
        f"cannot decode image {path}: {error}; regenerate the dataset or remove the file"
    )


def load_image_folder(
    root: Path,
    size: Optional[int],
    max_images: Optional[int] = None,
    generator: Optional[torch.Generator] = None,
    max_bytes: int = 8 << 30,
    min_classes: int = 1,
) -> ImageSet:
    """Decode an ImageFolder tree into memory.

    ``max_images`` keeps a class-balanced random subset (drawn with
    ``generator``). Raises ConfigError when the decoded images would need
    more than ``max_bytes`` (default 8 GiB), so a large dataset fails
    before it exhausts memory, or when the tree has fewer than
    ``min_classes`` class folders.
    """
    paths, labels, classes = list_image_folder(root)
    if len(classes) < min_classes:
        raise ConfigError(
            f"dataset folder {root} has {len(classes)} class folder(s) ({', '.join(classes)}), but training "
            f"needs at least {min_classes}; generate the dataset with more classes"
        )
    available = len(paths)
    label_tensor = torch.tensor(labels, dtype=torch.long)
    if max_images is not None and max_images < len(paths):
        keep = balanced_indices(label_tensor, len(classes), max_images, generator)
        paths = [paths[i] for i in keep.tolist()]
        label_tensor = label_tensor[keep]
    channels = detect_channels(paths[0])
    first = decode_image(paths[0], size, channels)
    needed = len(paths) * first.numel()
    if needed > max_bytes:
        raise ConfigError(
            f"dataset {root} needs {needed / 2**30:.1f} GiB decoded ({len(paths)} images of "
            f"{tuple(first.shape)}); lower max_images or the image size"
        )
    images = torch.empty((len(paths), *first.shape), dtype=torch.uint8)
    images[0] = first

    def decode_range(start: int, stop: int) -> None:
        for i in range(start, stop):
            image = decode_image(paths[i], size, channels)
            if image.shape != first.shape:
                raise TrainerError(
                    f"image {paths[i]} has shape {tuple(image.shape)}, but {paths[0]} has {tuple(first.shape)}; "
                    "all images of a dataset must share size and channels"
                )
            images[i] = image

    # Pillow releases the GIL while it decodes and resizes, so threads decode in parallel.
    # Chunks of 256 images keep the number of futures small for a million-image dataset.
    chunk = 256
    with ThreadPoolExecutor(max_workers=decode_threads()) as pool:
        futures = [pool.submit(decode_range, start, min(start + chunk, len(paths)))
                   for start in range(1, len(paths), chunk)]
        for future in futures:
            future.result()
    return ImageSet(images, label_tensor, len(classes), root.name, available)


def decode_threads() -> int:
    """Return the image decoding threads: $FDSL_DECODE_THREADS, else the cores this process may use, at most 16."""
    env = os.environ.get("FDSL_DECODE_THREADS")
    if env:
        if not env.isdigit() or int(env) < 1:
            raise ConfigError(f"invalid FDSL_DECODE_THREADS {env!r}; expected an integer >= 1, or unset it")
        return int(env)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(16, cores))


def balanced_indices(
    labels: torch.Tensor, classes: int, count: int, generator: Optional[torch.Generator]
) -> torch.Tensor:
    """Pick ``count`` indices, as equal a number per class as the data allow, at random."""
    order = torch.randperm(labels.shape[0], generator=generator)
    shuffled = labels[order]
    # Rank of each sample within its class in the shuffled order.
    rank = torch.zeros_like(shuffled)
    seen = torch.zeros(classes, dtype=torch.long)
    for i, label in enumerate(shuffled.tolist()):
        rank[i] = seen[label]
        seen[label] += 1
    # Taking samples by rank, then by shuffled position, fills classes evenly.
    key = rank * labels.shape[0] + torch.arange(labels.shape[0])
    chosen = order[torch.argsort(key)[:count]]
    return torch.sort(chosen).values


def take(images: ImageSet, count: Optional[int], generator: torch.Generator) -> ImageSet:
    """Return a class-balanced random subset of ``count`` images, or all when count is None."""
    if count is None or count >= len(images):
        return images
    keep = balanced_indices(images.labels, images.classes, count, generator)
    return ImageSet(images.images[keep], images.labels[keep], images.classes, images.name)


# ---------------------------------------------------------------- batches

def batches(
    images: ImageSet, batch_size: int, shuffle: bool, generator: Optional[torch.Generator]
) -> Iterator[Tuple[torch.Tensor, torch.Tensor]]:
    """Yield (uint8 images, labels) batches; the last one may be smaller."""
    count = len(images)
    order = torch.randperm(count, generator=generator) if shuffle else torch.arange(count)
    for start in range(0, count, batch_size):
        index = order[start : start + batch_size]
        yield images.images[index], images.labels[index]


def to_model_input(batch: torch.Tensor, size: int, device: torch.device) -> torch.Tensor:
    """Convert uint8 N x C x H x W to float N x 3 x size x size, scaled to [-1, 1]."""
    x = batch.to(device, non_blocking=True).float().div_(127.5).sub_(1.0)
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    if x.shape[-1] != size or x.shape[-2] != size:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    return x


def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random-crop with zero padding of size/8 pixels and random horizontal flip, per image.

    The crops are gathered with one indexing operation, so the cost does
    not grow with Python calls per image (which matters on a GPU).
    """
    n, _, height, width = x.shape
    pad = max(1, height // 8)
    padded = F.pad(x, (pad, pad, pad, pad))
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=generator)
    flip = torch.rand(n, generator=generator) < 0.5
    columns = torch.arange(width)
    # A flipped crop reads its columns right to left.
    columns = torch.where(flip[:, None], columns.flip(0)[None, :], columns[None, :]) + dx[:, None]
    rows = torch.arange(height)[None, :] + dy[:, None]
    device = x.device
    images = torch.arange(n, device=device)[:, None, None]
    channels_last = padded.permute(0, 2, 3, 1)
    crops = channels_last[images, rows.to(device)[:, :, None], columns.to(device)[:, None, :]]
    return crops.permute(0, 3, 1, 2).contiguous()


# ---------------------------------------------------------------- downstream registry

FASHION_MNIST_ROOT = Path("/usr/share/datasets/fashion-mnist")


@dataclass(frozen=True)
class DownstreamSpec:
    """Default folder, file format and install hint of a downstream dataset."""

    name: str
    format: str
    default_dir: str
    hint: str


DOWNSTREAM = {
    "fashion-mnist": DownstreamSpec(
        "fashion-mnist", "idx", str(FASHION_MNIST_ROOT),
        "install the Debian package: apt-get install dataset-fashion-mnist",
    ),
    "mnist": DownstreamSpec(
        "mnist", "idx", "mnist",
        "put train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz "
        "and t10k-labels-idx1-ubyte.gz there",
    ),
    "cifar10": DownstreamSpec(
        "cifar10", "cifar10", "cifar-10-batches-py",
        "unpack cifar-10-python.tar.gz there (data_batch_1..5, test_batch)",
    ),
    "cifar100": DownstreamSpec(
        "cifar100", "cifar100", "cifar-100-python",
        "unpack cifar-100-python.tar.gz there (train, test)",
    ),
    "caltech101": DownstreamSpec(
        "caltech101", "folder", "caltech101", "lay it out as train/<class>/* and test/<class>/*",
    ),
    "caltech256": DownstreamSpec(
        "caltech256", "folder", "caltech256", "lay it out as train/<class>/* and test/<class>/*",
    ),
    "omniglot": DownstreamSpec(
        "omniglot", "folder", "omniglot", "lay it out as train/<class>/* and test/<class>/*",
    ),
}


def default_data_root() -> Path:
    """Return $FDSL_DATA, or ~/.cache/fdsl/data when it is unset."""
    env = os.environ.get("FDSL_DATA")
    return Path(env) if env else Path.home() / ".cache" / "fdsl" / "data"


def resolve_downstream_dir(name: str, override: Optional[str], data_root: Path) -> Path:
    """Return the folder of a downstream dataset: the override, or its default place."""
    spec = DOWNSTREAM.get(name)
    if spec is None:
        known = ", ".join(sorted(DOWNSTREAM))
        raise ConfigError(f"unknown downstream dataset {name!r}; expected one of {known}")
    if override:
        return Path(override)
    default = Path(spec.default_dir)
    return default if default.is_absolute() else data_root / default


def find_folder_splits(root: Path) -> Optional[Tuple[Path, Path]]:
    """Return the (train, test) ImageFolders of ``root``, or None when it has no train/ folder.

    The test split is root/val, else root/test. ``fdsl import`` writes
    train/ and val/. Raises ConfigError when train/ has neither beside it.
    """
    train = root / "train"
    if not train.is_dir():
        return None
    for name in ("val", "test"):
        if (root / name).is_dir():
            return train, root / name
    raise ConfigError(
        f"downstream dataset folder {root} contains train/ but neither val/ nor test/; "
        "add the test split as val/<class>/* or test/<class>/*"
    )


def load_folder_splits(train_root: Path, test_root: Path, size: Optional[int]) -> Tuple[ImageSet, ImageSet]:
    """Load a train and a test ImageFolder, which must have the same class folders."""
    train_classes = list_image_folder(train_root)[2]
    test_classes = list_image_folder(test_root)[2]
    if train_classes != test_classes:
        only_train = sorted(set(train_classes) - set(test_classes))
        only_test = sorted(set(test_classes) - set(train_classes))
        raise ConfigError(
            f"class folders of {train_root} and {test_root} differ (only in train: {only_train}, "
            f"only in {test_root.name}: {only_test}), so their labels would not match; "
            "give both splits the same class folders"
        )
    return load_image_folder(train_root, size), load_image_folder(test_root, size)


def load_downstream(name: str, root: Path, size: Optional[int], chosen: bool = False) -> Downstream:
    """Load the train and test splits of a downstream dataset from ``root``.

    A folder that contains train/ and val/ (or test/) ImageFolders loads
    as such whatever the dataset's default format, so an imported copy of
    an idx or CIFAR dataset works too. ``chosen`` marks a folder the user
    named (dataset_paths), whose errors then skip the install hint.
    """
    spec = DOWNSTREAM[name]
    if not root.is_dir():
        hint = f"pass an existing folder for {name} in dataset_paths (--dataset-path)" if chosen else spec.hint
        raise ConfigError(f"downstream dataset {name} not found at {root}; {hint}")
    folder_splits = find_folder_splits(root)
    try:
        if folder_splits is not None:
            train, test = load_folder_splits(*folder_splits, size)
        elif spec.format == "idx":
            train = load_idx_split(root, "train", name)
            test = load_idx_split(root, "t10k", name)
        elif spec.format == "cifar10":
            train = load_cifar_split(root, [f"data_batch_{i}" for i in range(1, 6)], "labels", name)
            test = load_cifar_split(root, ["test_batch"], "labels", name)
        elif spec.format == "cifar100":
            train = load_cifar_split(root, ["train"], "fine_labels", name)
            test = load_cifar_split(root, ["test"], "fine_labels", name)
        else:
            train, test = load_folder_splits(root / "train", root / "test", size)
    except ConfigError as error:
        raise ConfigError(f"downstream dataset {name} at {root} is incomplete: {error}; {spec.hint}") from error
    classes = max(train.classes, test.classes)
    train.classes = classes
    test.classes = classes
    return Downstream(name, train, test)
