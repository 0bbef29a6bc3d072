import pytest

from fdsl_trainer.config import parse_config
from fdsl_trainer.errors import ConfigError


def test_parse_config_fills_defaults():
    config = parse_config({})
    assert config.model == "resnet8"
    assert config.pretrain is None
    assert config.finetune.datasets == ["fashion-mnist"]
    assert config.finetune.score_from == 0.5


def test_parse_config_reads_pretrain():
    config = parse_config({"pretrain": {"path": "/data", "epochs": 3}})
    assert config.pretrain.path == "/data"
    assert config.pretrain.epochs == 3
    assert config.pretrain.lr == 0.1


@pytest.mark.parametrize("raw, field", [
    ([], "expected a JSON object"),
    ({"bogus": 1}, "bogus"),
    ({"finetune": {"bogus": 1}}, "bogus"),
    ({"model": "vgg"}, "model"),
    ({"width": 0}, "width"),
    ({"image_size": 4}, "image_size"),
    ({"seed": -1}, "seed"),
    ({"seed": 1.5}, "seed"),
    ({"threads": True}, "threads"),
    ({"knn": -1}, "knn"),
    ({"device": "tpu"}, "device"),
    ({"finetune": {"datasets": []}}, "finetune.datasets"),
    ({"finetune": {"datasets": ["svhn"]}}, "svhn"),
    ({"finetune": {"epochs": 0}}, "finetune.epochs"),
    ({"finetune": {"batch_size": 0}}, "finetune.batch_size"),
    ({"finetune": {"lr": -1}}, "finetune.lr"),
    ({"finetune": {"weight_decay": 2}}, "finetune.weight_decay"),
    ({"finetune": {"train_images": 0}}, "finetune.train_images"),
    ({"finetune": {"test_images": 0}}, "finetune.test_images"),
    ({"finetune": {"score_from": 1.5}}, "finetune.score_from"),
    ({"pretrain": {"epochs": 2}}, "pretrain"),
    ({"pretrain": {"path": "/d", "epochs": 0}}, "pretrain.epochs"),
    ({"pretrain": {"path": "/d", "max_images": 0}}, "pretrain.max_images"),
    ({"pretrain": {"path": "/d", "lr": "fast"}}, "pretrain.lr"),
    ({"pretrain": {"path": "/d", "checkpoint": 5}}, "pretrain.checkpoint"),
    ({"seed": 2**32}, "seed"),
    ({"finetune": {"datasets": ["mnist", "fashion-mnist", "mnist"]}}, "mnist listed more than once"),
    ({"finetune": {"datasets": [["mnist"]]}}, "unknown dataset"),
    ({"finetune": {"freeze": "yes"}}, "finetune.freeze"),
    ({"finetune": {"freeze": 1}}, "finetune.freeze"),
    ({"linear_probe": 0}, "linear_probe"),
    ({"data_root": 5}, "data_root"),
    ({"out": ["scores"]}, "out"),
    ({"dataset_paths": ["fashion-mnist"]}, "dataset_paths"),
    ({"dataset_paths": {"mnist": 3}}, "dataset_paths"),
    ({"precision": "fp16", "device": "cpu"}, "fp16 needs a CUDA device"),
])
def test_parse_config_rejects_invalid(raw, field):
    with pytest.raises(ConfigError, match=field):
        parse_config(raw)


def test_parse_config_rejects_unknown_dataset_path():
    with pytest.raises(ConfigError, match="unknown dataset 'fashion_mnist'") as caught:
        parse_config({"dataset_paths": {"fashion_mnist": "/data/fm"}})
    assert "caltech101, caltech256, cifar10, cifar100, fashion-mnist, mnist, omniglot" in str(caught.value)


def test_parse_config_accepts_edge_values():
    config = parse_config({
        "seed": 2**32 - 1, "precision": "fp16", "device": "cuda", "data_root": None, "out": "/tmp/out",
        "dataset_paths": {"mnist": "/data/mnist"}, "finetune": {"freeze": True},
    })
    assert config.seed == 2**32 - 1
    assert config.dataset_paths == {"mnist": "/data/mnist"}
    assert config.finetune.freeze is True
