"""Networks to pre-train and fine-tune, all taking 3-channel input.

``resnet8`` / ``resnet14`` / ``resnet20`` are the CIFAR ResNets of He et
al. (2016, section 4.2): a 3x3 stem, then three stages of n basic blocks
(depth = 6n + 2) with widths w, 2w, 4w and stride 2 between stages, then
global average pooling. They are small enough for CPU runs at 32 px.
``resnet18_cifar`` is ResNet-18's four stages of two basic blocks with
the same 3x3 stem and no max pooling, for 32 px input, with widths w, 2w,
4w, 8w: width 64 is the usual CIFAR ResNet-18, smaller widths are narrow.
``mobilenet_v2``, ``resnet18`` and ``resnet50`` are torchvision's
definitions, built without downloaded weights.
"""

from typing import Callable, Dict

import torch
from torch import nn

from .errors import ConfigError


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with batch norm and an identity (or 1x1) shortcut."""

    def __init__(self, inputs: int, outputs: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inputs, outputs, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(outputs)
        self.conv2 = nn.Conv2d(outputs, outputs, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(outputs)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or inputs != outputs:
            self.shortcut = nn.Sequential(
                nn.Conv2d(inputs, outputs, 1, stride, bias=False), nn.BatchNorm2d(outputs)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


class CifarResNet(nn.Module):
    """CIFAR ResNet with ``blocks`` blocks in each of ``stages`` stages and base width ``width``."""

    def __init__(self, blocks: int, width: int, classes: int, stages: int = 3) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True)
        )
        layers = []
        inputs = width
        for stage in range(stages):
            outputs = width * 2**stage
            for block in range(blocks):
                stride = 2 if stage > 0 and block == 0 else 1
                layers.append(BasicBlock(inputs, outputs, stride))
                inputs = outputs
        self.stages = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(inputs, classes)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.pool(self.stages(self.stem(x))).flatten(1)
        return self.fc(features)


def _cifar_resnet(depth: int) -> Callable[[int, int], nn.Module]:
    return lambda classes, width: CifarResNet((depth - 2) // 6, width, classes)


def _torchvision(name: str) -> Callable[[int, int], nn.Module]:
    def build(classes: int, width: int) -> nn.Module:
        import torchvision

        return getattr(torchvision.models, name)(weights=None, num_classes=classes)

    return build


MODELS: Dict[str, Callable[[int, int], nn.Module]] = {
    "resnet8": _cifar_resnet(8),
    "resnet14": _cifar_resnet(14),
    "resnet20": _cifar_resnet(20),
    "resnet18_cifar": lambda classes, width: CifarResNet(2, width, classes, stages=4),
    "mobilenet_v2": _torchvision("mobilenet_v2"),
    "resnet18": _torchvision("resnet18"),
    "resnet50": _torchvision("resnet50"),
}


def build_model(name: str, classes: int, width: int = 16) -> nn.Module:
    """Build a randomly initialised network; ``width`` applies to the CIFAR ResNets only."""
    builder = MODELS.get(name)
    if builder is None:
        raise ConfigError(f"unknown model {name!r}; expected one of {', '.join(MODELS)}")
    return builder(classes, width)


def get_head(model: nn.Module) -> nn.Module:
    """Return the final classification layer."""
    if hasattr(model, "fc"):
        return model.fc
    return model.classifier[-1]


def set_head(model: nn.Module, head: nn.Module) -> None:
    """Put ``head`` in place of the final classification layer."""
    if hasattr(model, "fc"):
        model.fc = head
    else:
        model.classifier[-1] = head


def replace_head(model: nn.Module, classes: int) -> None:
    """Swap the classifier for a fresh linear layer with ``classes`` outputs."""
    old = get_head(model)
    set_head(model, nn.Linear(old.in_features, classes).to(old.weight.device))
