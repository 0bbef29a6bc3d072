import pytest

from fdsl_trainer.scoring import cumulative_error, mean_score, scored_epochs, top1_error


@pytest.mark.parametrize(
    "total, fraction, first",
    [(1, 0.5, 1), (2, 0.5, 1), (3, 0.5, 2), (4, 0.5, 2), (10, 0.5, 5), (11, 0.5, 6), (10, 0.0, 1), (10, 1.0, 10)],
)
def test_scored_epochs_first_epoch(total, fraction, first):
    epochs = scored_epochs(total, fraction)
    assert epochs.start == first
    assert epochs.stop == total + 1


def test_cumulative_error_sums_second_half():
    errors = [90.0, 50.0, 30.0, 20.0, 15.0, 12.0, 11.0, 10.5, 10.25, 10.0]
    # Epochs 5..10 of 10.
    assert cumulative_error(errors) == pytest.approx(15.0 + 12.0 + 11.0 + 10.5 + 10.25 + 10.0)


def test_cumulative_error_single_epoch():
    assert cumulative_error([42.5]) == 42.5


def test_cumulative_error_custom_fraction():
    assert cumulative_error([4.0, 3.0, 2.0, 1.0], start_fraction=0.75) == pytest.approx(2.0 + 1.0)


def test_top1_error_percent():
    assert top1_error(9000, 10000) == pytest.approx(10.0)
    assert top1_error(0, 7) == pytest.approx(100.0)
    assert top1_error(7, 7) == pytest.approx(0.0)


def test_mean_score_averages_datasets():
    assert mean_score({"cifar10": 20.0, "fashion-mnist": 30.0}) == pytest.approx(25.0)


@pytest.mark.parametrize("call", [
    lambda: scored_epochs(0),
    lambda: scored_epochs(5, 1.5),
    lambda: scored_epochs(5, -0.1),
    lambda: top1_error(1, 0),
    lambda: mean_score({}),
])
def test_scoring_rejects_invalid_input(call):
    with pytest.raises(ValueError):
        call()
