import torch

from fdsl_trainer.probes import knn_accuracy, linear_probe_accuracy


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


def test_linear_probe_separates_shifted_clusters():
    generator = torch.Generator().manual_seed(0)
    centres = torch.randn(3, 8, generator=generator) * 4
    labels = torch.arange(3).repeat_interleave(40)
    features = centres[labels] + torch.randn(120, 8, generator=generator)
    accuracy = linear_probe_accuracy(features[::2], labels[::2], features[1::2], labels[1::2], classes=3)
    assert accuracy == 100.0


def test_linear_probe_on_noise_is_near_chance():
    generator = torch.Generator().manual_seed(1)
    features = torch.randn(2000, 16, generator=generator)
    labels = torch.randint(0, 4, (2000,), generator=generator)
    accuracy = linear_probe_accuracy(features[:1000], labels[:1000], features[1000:], labels[1000:], classes=4)
    assert 18.0 < accuracy < 32.0


def test_linear_probe_is_deterministic():
    generator = torch.Generator().manual_seed(2)
    features = torch.randn(60, 5, generator=generator)
    labels = torch.randint(0, 3, (60,), generator=generator)
    first = linear_probe_accuracy(features[:40], labels[:40], features[40:], labels[40:], classes=3)
    again = linear_probe_accuracy(features[:40], labels[:40], features[40:], labels[40:], classes=3)
    assert first == again
