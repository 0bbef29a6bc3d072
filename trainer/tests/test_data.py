import gzip
import pickle
import struct

import pytest
import torch

from fdsl_trainer.data import (
    augment, balanced_indices, load_downstream, load_image_folder, read_idx, resolve_downstream_dir,
    take, to_model_input,
)
from fdsl_trainer import data
from fdsl_trainer.errors import ConfigError, TrainerError


def test_read_idx_fashion_mnist_train(fashion_mnist):
    images = read_idx(fashion_mnist / "train-images-idx3-ubyte.gz")
    labels = read_idx(fashion_mnist / "train-labels-idx1-ubyte.gz")
    assert tuple(images.shape) == (60000, 28, 28)
    assert images.dtype == torch.uint8
    assert tuple(labels.shape) == (60000,)
    # Fashion-MNIST has 6000 training images per class.
    assert torch.bincount(labels.long()).tolist() == [6000] * 10
    assert int(images.max()) == 255


def test_load_downstream_fashion_mnist(fashion_mnist, tmp_path):
    root = resolve_downstream_dir("fashion-mnist", None, tmp_path)
    assert root == fashion_mnist
    data = load_downstream("fashion-mnist", root, 32)
    assert tuple(data.train.images.shape) == (60000, 1, 28, 28)
    assert tuple(data.test.images.shape) == (10000, 1, 28, 28)
    assert data.train.classes == 10


def test_read_idx_rejects_truncated_file(tmp_path):
    path = tmp_path / "bad-idx3-ubyte.gz"
    with gzip.open(path, "wb") as file:
        file.write(b"\x00\x00\x08\x03" + struct.pack(">3I", 2, 4, 4) + bytes(20))
    with pytest.raises(TrainerError, match="truncated"):
        read_idx(path)


def test_read_idx_rejects_bad_magic(tmp_path):
    path = tmp_path / "bad-idx1-ubyte"
    path.write_bytes(b"\x01\x02\x08\x01" + struct.pack(">I", 1) + b"\x00")
    with pytest.raises(TrainerError, match="magic"):
        read_idx(path)


def write_cifar_batch(path, labels, key):
    data = torch.arange(len(labels) * 3072, dtype=torch.int64).remainder(256).to(torch.uint8)
    batch = {b"data": data.reshape(len(labels), 3072).numpy(), key.encode(): labels}
    with open(path, "wb") as file:
        pickle.dump(batch, file)


def test_load_downstream_cifar10_format(tmp_path):
    for i in range(1, 6):
        write_cifar_batch(tmp_path / f"data_batch_{i}", [i % 10, 9], "labels")
    write_cifar_batch(tmp_path / "test_batch", [0, 1, 2], "labels")
    data = load_downstream("cifar10", tmp_path, 32)
    assert tuple(data.train.images.shape) == (10, 3, 32, 32)
    assert tuple(data.test.images.shape) == (3, 3, 32, 32)
    assert data.train.labels.tolist() == [1, 9, 2, 9, 3, 9, 4, 9, 5, 9]
    # Row-major 3072 bytes are the R plane, then G, then B, each 32 x 32.
    assert int(data.train.images[0, 1, 0, 0]) == 1024 % 256


def test_load_downstream_missing_dataset_names_fix(tmp_path):
    with pytest.raises(ConfigError, match="cifar-10-python.tar.gz"):
        load_downstream("cifar10", tmp_path / "absent", 32)


def test_resolve_downstream_rejects_unknown_name(tmp_path):
    with pytest.raises(ConfigError, match="unknown downstream dataset 'svhn'"):
        resolve_downstream_dir("svhn", None, tmp_path)


def test_load_image_folder_generated_fractals(fractal_dataset):
    images = load_image_folder(fractal_dataset, 32)
    assert tuple(images.images.shape) == (32, 1, 32, 32)
    assert images.classes == 4
    assert torch.bincount(images.labels).tolist() == [8] * 4
    # Fractal renders are white points on black: some pixels are lit.
    assert int(images.images.max()) > 0


def test_load_image_folder_resizes_and_subsets(fractal_dataset):
    generator = torch.Generator().manual_seed(0)
    images = load_image_folder(fractal_dataset, 16, max_images=12, generator=generator)
    assert tuple(images.images.shape) == (12, 1, 16, 16)
    assert torch.bincount(images.labels).tolist() == [3] * 4


def test_load_image_folder_rejects_memory_overrun(fractal_dataset):
    with pytest.raises(ConfigError, match="GiB decoded"):
        load_image_folder(fractal_dataset, 32, max_bytes=1000)


def test_load_image_folder_rejects_empty_folder(tmp_path):
    (tmp_path / "cat").mkdir()
    with pytest.raises(ConfigError, match="contains no images"):
        load_image_folder(tmp_path, 32)


def test_balanced_indices_even_per_class():
    labels = torch.tensor([0] * 50 + [1] * 30 + [2] * 20)
    keep = balanced_indices(labels, 3, 30, torch.Generator().manual_seed(1))
    assert torch.bincount(labels[keep]).tolist() == [10, 10, 10]
    assert len(set(keep.tolist())) == 30


def test_take_is_seeded(fractal_dataset):
    images = load_image_folder(fractal_dataset, 32)
    first = take(images, 8, torch.Generator().manual_seed(5))
    second = take(images, 8, torch.Generator().manual_seed(5))
    other = take(images, 8, torch.Generator().manual_seed(6))
    assert torch.equal(first.images, second.images)
    assert not torch.equal(first.images, other.images)


def test_to_model_input_range_and_shape():
    batch = torch.tensor([[[[0, 255], [255, 0]]]], dtype=torch.uint8)
    x = to_model_input(batch, 4, torch.device("cpu"))
    assert tuple(x.shape) == (1, 3, 4, 4)
    assert float(x.min()) >= -1.0
    assert float(x.max()) <= 1.0


def test_augment_keeps_shape_and_pixels():
    x = torch.rand(6, 3, 16, 16)
    out = augment(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    # A crop of a zero-padded image holds only original values or zeros.
    assert set(out.unique().tolist()) <= set(x.unique().tolist()) | {0.0}


def test_augment_returns_padded_crops():
    x = torch.rand(16, 3, 16, 16)
    out = augment(x, torch.Generator().manual_seed(2))
    pad = 2
    padded = torch.nn.functional.pad(x, (pad, pad, pad, pad))
    flipped = 0
    for i in range(16):
        candidates = []
        for dy in range(2 * pad + 1):
            for dx in range(2 * pad + 1):
                crop = padded[i, :, dy : dy + 16, dx : dx + 16]
                candidates.extend([(crop, False), (crop.flip(-1), True)])
        matches = [mirrored for crop, mirrored in candidates if torch.equal(crop, out[i])]
        assert matches, f"image {i} is no crop of its padded input"
        flipped += matches[0]
    # With 16 fair coin flips, all-or-nothing has probability 2 ** -15.
    assert 0 < flipped < 16


def write_image_folder(root, counts, size=28):
    """Write gray PNGs root/<class>/<i>.png. Image i of the class at sorted position k has value 40 * k + i."""
    from PIL import Image

    for position, class_name in enumerate(sorted(counts)):
        folder = root / class_name
        folder.mkdir(parents=True)
        for i in range(counts[class_name]):
            Image.new("L", (size, size), color=40 * position + i).save(folder / f"{i:05d}.png")


def test_load_downstream_reads_train_and_val_folders(tmp_path):
    write_image_folder(tmp_path / "train", {"0-t-shirt-top": 3, "1-trouser": 2})
    write_image_folder(tmp_path / "val", {"0-t-shirt-top": 1, "1-trouser": 2})
    data = load_downstream("fashion-mnist", tmp_path, 32)
    assert tuple(data.train.images.shape) == (5, 1, 32, 32)
    assert tuple(data.test.images.shape) == (3, 1, 32, 32)
    assert data.train.classes == 2
    assert data.train.labels.tolist() == [0, 0, 0, 1, 1]
    assert data.test.labels.tolist() == [0, 1, 1]
    # A uniform image stays uniform through the bilinear resize.
    assert data.train.images[:, 0, 0, 0].tolist() == [0, 1, 2, 40, 41]
    assert data.test.images[:, 0, 0, 0].tolist() == [0, 40, 41]


def test_load_downstream_prefers_val_over_test(tmp_path):
    write_image_folder(tmp_path / "train", {"a": 2, "b": 2})
    write_image_folder(tmp_path / "val", {"a": 1, "b": 1})
    write_image_folder(tmp_path / "test", {"a": 3, "b": 3})
    data = load_downstream("cifar10", tmp_path, None)
    assert len(data.test) == 2
    assert tuple(data.test.images.shape[1:]) == (1, 28, 28)


def test_load_downstream_falls_back_to_test_folder(tmp_path):
    write_image_folder(tmp_path / "train", {"a": 2, "b": 2})
    write_image_folder(tmp_path / "test", {"a": 3, "b": 3})
    data = load_downstream("mnist", tmp_path, None)
    assert len(data.train) == 4
    assert len(data.test) == 6


def test_load_downstream_rejects_train_without_test(tmp_path):
    write_image_folder(tmp_path / "train", {"a": 1})
    with pytest.raises(ConfigError, match="neither val/ nor test/"):
        load_downstream("fashion-mnist", tmp_path, None)


def test_load_downstream_rejects_differing_class_folders(tmp_path):
    write_image_folder(tmp_path / "train", {"a": 1, "b": 1})
    write_image_folder(tmp_path / "val", {"a": 1, "c": 1})
    with pytest.raises(ConfigError, match=r"only in train: \['b'\], only in val: \['c'\]"):
        load_downstream("fashion-mnist", tmp_path, None)


def test_load_downstream_folder_format_without_train(tmp_path):
    (tmp_path / "test").mkdir()
    with pytest.raises(ConfigError, match="train/<class>"):
        load_downstream("caltech101", tmp_path, None)


def test_decode_threads_reads_environment(monkeypatch):
    monkeypatch.setenv("FDSL_DECODE_THREADS", "3")
    assert data.decode_threads() == 3
    monkeypatch.setenv("FDSL_DECODE_THREADS", "zero")
    with pytest.raises(ConfigError, match="invalid FDSL_DECODE_THREADS 'zero'"):
        data.decode_threads()
    monkeypatch.delenv("FDSL_DECODE_THREADS")
    assert 1 <= data.decode_threads() <= 16


def write_gray_folder(root, count, odd_size_at=None):
    """Write `count` 8x8 grayscale PNGs over two classes, one 9x9 image at `odd_size_at`."""
    from PIL import Image

    for i in range(count):
        folder = root / f"class{i % 2}"
        folder.mkdir(parents=True, exist_ok=True)
        side = 9 if i == odd_size_at else 8
        Image.new("L", (side, side), color=i % 256).save(folder / f"{i:04d}.png")


def test_threaded_decode_matches_one_thread(tmp_path, monkeypatch):
    write_gray_folder(tmp_path, 600)
    monkeypatch.setenv("FDSL_DECODE_THREADS", "1")
    serial = load_image_folder(tmp_path, None)
    monkeypatch.setenv("FDSL_DECODE_THREADS", "3")
    threaded = load_image_folder(tmp_path, None)
    assert torch.equal(serial.images, threaded.images)
    assert torch.equal(serial.labels, threaded.labels)
    assert len(threaded) == 600


def test_threaded_decode_reports_odd_image(tmp_path, monkeypatch):
    # Past the first chunk of 256, so the error comes from a worker thread.
    write_gray_folder(tmp_path, 600, odd_size_at=501)
    monkeypatch.setenv("FDSL_DECODE_THREADS", "2")
    with pytest.raises(TrainerError, match="0501.png has shape"):
        load_image_folder(tmp_path, None)


@pytest.mark.parametrize("index", [0, 501])
def test_load_image_folder_names_truncated_image(tmp_path, monkeypatch, index):
    # Image 0 is decoded by the caller, image 501 by a worker thread.
    from PIL import Image

    write_gray_folder(tmp_path, 600)
    path = tmp_path / f"class{index % 2}" / f"{index:04d}.png"
    # Random pixels compress poorly, so cutting 30 bytes off the end cuts into the pixel data.
    noise = torch.randint(0, 256, (64,), generator=torch.Generator().manual_seed(index), dtype=torch.uint8)
    Image.frombytes("L", (8, 8), bytes(noise.tolist())).save(path)
    path.write_bytes(path.read_bytes()[:-30])
    monkeypatch.setenv("FDSL_DECODE_THREADS", "2")
    with pytest.raises(ConfigError, match="regenerate the dataset or remove the file") as caught:
        load_image_folder(tmp_path, None)
    assert str(path) in str(caught.value)
    assert "image file is truncated" in str(caught.value)


def test_load_image_folder_names_non_image(tmp_path):
    write_gray_folder(tmp_path, 4)
    path = tmp_path / "class1" / "0003.png"
    path.write_text("not a PNG")
    with pytest.raises(ConfigError, match="cannot decode image") as caught:
        load_image_folder(tmp_path, None)
    assert str(path) in str(caught.value)


def test_load_image_folder_rejects_too_few_classes(tmp_path):
    write_image_folder(tmp_path, {"only": 3}, size=8)
    with pytest.raises(ConfigError, match="1 class folder") as caught:
        load_image_folder(tmp_path, None, min_classes=2)
    assert str(tmp_path) in str(caught.value)
    assert len(load_image_folder(tmp_path, None)) == 3


def test_load_downstream_chosen_folder_error_names_the_option(tmp_path):
    missing = tmp_path / "absent"
    with pytest.raises(ConfigError, match="pass an existing folder for mnist in dataset_paths") as caught:
        load_downstream("mnist", missing, 32, chosen=True)
    assert "put train-images" not in str(caught.value)
