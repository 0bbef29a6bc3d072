import pytest
import torch

from fdsl_trainer.errors import ConfigError
from fdsl_trainer.models import build_model, get_head, replace_head


@pytest.mark.parametrize("name, blocks", [("resnet8", 1), ("resnet14", 2), ("resnet20", 3)])
def test_cifar_resnet_depth_and_output(name, blocks):
    model = build_model(name, classes=7, width=8)
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d) and m.kernel_size == (3, 3)]
    # Stem plus two 3x3 convolutions per block: depth - 1 with the fc layer.
    assert len(convs) == 1 + 2 * 3 * blocks
    assert tuple(model(torch.zeros(2, 3, 32, 32)).shape) == (2, 7)


def test_resnet18_cifar_layout():
    model = build_model("resnet18_cifar", classes=6, width=8)
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d) and m.kernel_size == (3, 3)]
    # Stem plus four stages of two blocks of two 3x3 convolutions: 17, plus the fc layer makes 18.
    assert len(convs) == 17
    assert get_head(model).in_features == 64
    assert tuple(model(torch.zeros(2, 3, 32, 32)).shape) == (2, 6)


def test_mobilenet_v2_runs_at_32px():
    model = build_model("mobilenet_v2", classes=5)
    model.eval()
    assert tuple(model(torch.zeros(1, 3, 32, 32)).shape) == (1, 5)


def test_replace_head_changes_classes():
    model = build_model("resnet8", classes=100, width=8)
    replace_head(model, 10)
    assert get_head(model).out_features == 10
    assert tuple(model(torch.zeros(1, 3, 32, 32)).shape) == (1, 10)


def test_build_model_rejects_unknown_name():
    with pytest.raises(ConfigError, match="unknown model 'vgg11'"):
        build_model("vgg11", 10)
