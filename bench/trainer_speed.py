"""Measure the trainer's training speed per model and precision on random input.

One SGD step is forward, backward and update of a batch of 128 images at
32 px; the first steps are not timed. Run it on an idle machine:

  /usr/bin/python3 bench/trainer_speed.py --threads 1
"""

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "trainer"))

from fdsl_trainer.loop import resolve_precision  # noqa: E402
from fdsl_trainer.models import build_model  # noqa: E402


def images_per_second(model_name: str, precision_name: str, steps: int) -> float:
    """Return training images per second of one model under one precision."""
    torch.manual_seed(0)
    precision = resolve_precision(precision_name, torch.device("cpu"))
    model = build_model(model_name, 100, 16)
    x = torch.randn(128, 3, 32, 32)
    y = torch.randint(0, 100, (128,))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    def step() -> None:
        with precision.autocast():
            loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    for _ in range(3):
        step()
    started = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * 128 / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s)")
    for model_name in ("resnet8", "resnet20"):
        for precision_name in ("fp32", "bf16"):
            speed = images_per_second(model_name, precision_name, args.steps)
            print(f"{model_name:<9} {precision_name:<5} {speed:7.0f} images/s", flush=True)


if __name__ == "__main__":
    main()
