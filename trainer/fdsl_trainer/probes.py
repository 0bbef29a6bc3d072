"""Probes of a network's frozen features, measured before fine-tuning changes them."""

import torch
from torch import nn

from .data import ImageSet, batches, to_model_input
from .models import get_head, set_head


@torch.no_grad()
def extract_features(model: nn.Module, images: ImageSet, image_size: int, device: torch.device,
                     batch_size: int = 500) -> torch.Tensor:
    """Return the pooled penultimate-layer features (N x D, float32, on the CPU)."""
    head = get_head(model)
    set_head(model, nn.Identity())
    model.eval()
    try:
        chunks = [
            model(to_model_input(batch, image_size, device)).float().cpu()
            for batch, _ in batches(images, batch_size, False, None)
        ]
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
