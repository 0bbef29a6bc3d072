import torch

from fdsl_trainer.probes import knn_accuracy


def test_knn_separable_features_score_100():
    train = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    labels = torch.tensor([0, 0, 1, 1])
    test = torch.tensor([[1.0, 0.05], [0.05, 1.0]])
    assert knn_accuracy(train, labels, test, torch.tensor([0, 1]), k=2, classes=2) == 100.0


def test_knn_wrong_labels_score_0():
    train = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    test = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    assert knn_accuracy(train, torch.tensor([0, 1]), test, torch.tensor([1, 0]), k=1, classes=2) == 0.0


def test_knn_k_larger_than_train_set():
    train = torch.tensor([[1.0, 0.0], [0.8, 0.2], [0.0, 1.0]])
    labels = torch.tensor([0, 0, 1])
    # k is clamped to 3: the majority class 0 wins everywhere.
    accuracy = knn_accuracy(train, labels, torch.tensor([[0.0, 1.0]]), torch.tensor([0]), k=50, classes=2)
    assert accuracy == 100.0
