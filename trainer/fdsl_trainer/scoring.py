"""Contest scoring: cumulative top-1 error over the second half of fine-tuning.

The SIGNATE pre-training dataset contest fine-tuned on each downstream
dataset for E epochs and summed the test top-1 error (100 - accuracy in
percent) over the epochs from 50% to 100% of E; lower is better. It
wrote ``{"<dataset>": <cumulative error>}`` and reported the mean.
"""

import math
from typing import Dict, Sequence


def scored_epochs(total: int, start_fraction: float = 0.5) -> range:
    """Return the 1-based epoch numbers that count towards the score.

    Epoch e counts when e >= ceil(start_fraction * total), and at least
    the last epoch always counts. With total=10 and 0.5 that is 5..10.

    NOTE: the contest's own harness was not available, so whether its
    first scored epoch is ceil(E/2) or ceil(E/2) + 1 is an assumption.
    """
    if total < 1:
        raise ValueError(f"invalid epoch count {total}; expected an integer >= 1")
    if not 0.0 <= start_fraction <= 1.0:
        raise ValueError(f"invalid start fraction {start_fraction}; expected a value in [0, 1]")
    first = max(1, math.ceil(start_fraction * total))
    return range(first, total + 1)


def cumulative_error(errors: Sequence[float], start_fraction: float = 0.5) -> float:
    """Sum the top-1 errors (percent, one per epoch in order) of the scored epochs."""
    epochs = scored_epochs(len(errors), start_fraction)
    return float(sum(errors[epoch - 1] for epoch in epochs))


def top1_error(correct: int, total: int) -> float:
    """Return the top-1 error in percent: 100 - accuracy."""
    if total <= 0:
        raise ValueError(f"invalid sample count {total}; expected at least one test image")
    return 100.0 * (1.0 - correct / total)


def mean_score(scores: Dict[str, float]) -> float:
    """Return the mean cumulative error over downstream datasets, as the contest printed."""
    if not scores:
        raise ValueError("no scores to average; fine-tune on at least one downstream dataset")
    return float(sum(scores.values()) / len(scores))
