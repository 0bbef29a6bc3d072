"""Probes of a network's frozen features, measured before fine-tuning changes them."""

import torch
from torch import nn

from .data import ImageSet, batches, to_model_input
from .loop import Precision
from .models import get_head, set_head


@torch.no_grad()
def extract_features(model: nn.Module, images: ImageSet, image_size: int, precision: Precision,
                     batch_size: int = 500) -> torch.Tensor:
    """Return the pooled penultimate-layer features (N x D, float32, on the CPU)."""
    head = get_head(model)
    set_head(model, nn.Identity())
    model.eval()
    chunks = []
    try:
        for batch, _ in batches(images, batch_size, False, None):
            x = to_model_input(batch, image_size, precision.device)
            with precision.autocast():
                chunks.append(model(x).float().cpu())
    finally:
        set_head(model, head)
    return torch.cat(chunks)


def knn_accuracy(train_features: torch.Tensor, train_labels: torch.Tensor,
                 test_features: torch.Tensor, test_labels: torch.Tensor,
                 k: int, classes: int, chunk: int = 1000) -> float:
    """Return the top-1 accuracy (%) of a cosine-similarity k-NN classifier with majority vote.

    Ties between classes go to the lower class index (torch.argmax).
    """
    k = min(k, train_features.shape[0])
    train = nn.functional.normalize(train_features, dim=1)
    test = nn.functional.normalize(test_features, dim=1)
    correct = 0
    for start in range(0, test.shape[0], chunk):
        similarity = test[start : start + chunk] @ train.T
        neighbours = similarity.topk(k, dim=1).indices
        votes = torch.zeros(neighbours.shape[0], classes)
        votes.scatter_add_(1, train_labels[neighbours], torch.ones_like(neighbours, dtype=torch.float))
        predicted = votes.argmax(1)
        correct += int((predicted == test_labels[start : start + chunk]).sum())
    return 100.0 * correct / test.shape[0]


def linear_probe_accuracy(train_features: torch.Tensor, train_labels: torch.Tensor,
                          test_features: torch.Tensor, test_labels: torch.Tensor,
                          classes: int, weight_decay: float = 1e-3, steps: int = 200) -> float:
    """Return the top-1 accuracy (%) of multinomial logistic regression on standardised features.

    The weights start at zero and L-BFGS minimises the full-batch loss for
    ``steps`` iterations, so the result depends on the features alone, not
    on a seed. Features are standardised with the training set's mean and
    standard deviation.
    """
    mean = train_features.mean(0)
    scale = train_features.std(0).clamp_min(1e-6)
    train = ((train_features - mean) / scale).double()
    test = ((test_features - mean) / scale).double()
    weight = torch.zeros(train.shape[1], classes, dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(classes, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([weight, bias], lr=1, max_iter=steps, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(train @ weight + bias, train_labels)
        loss = loss + weight_decay * weight.pow(2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        predicted = (test @ weight + bias).argmax(1)
    return 100.0 * float((predicted == test_labels).double().mean())
