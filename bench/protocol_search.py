"""Search for a CPU fine-tuning protocol that can rank pre-training datasets.

Each arm (a generated dataset, or none for scratch) is pre-trained once
per seed (cached as a checkpoint), then fine-tuned on Fashion-MNIST
under every protocol. A protocol is useful when the gap between arms is
large against the spread between seeds. Runs append to
bench/out/protocol-search.jsonl; --summary prints the table.

Run with Debian's python, one seed per invocation so each stays short:
  flock /tmp/fdsl-cpu.lock /usr/bin/python3 bench/protocol_search.py --seed 0 \
      --arm c100=bench/out/data/frac-c100-i100 --arm c10=bench/out/data/frac-c10-i1000
  /usr/bin/python3 bench/protocol_search.py --summary
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "trainer"))

from fdsl_trainer.config import parse_config  # noqa: E402
from fdsl_trainer.run import run  # noqa: E402

OUT = ROOT / "bench" / "out"
LOG = OUT / "protocol-search.jsonl"

PRETRAIN = {"epochs": 10, "batch_size": 128, "lr": 0.1}

# Fine-tuning protocols on Fashion-MNIST, all tested on the same 2000-image subset.
PROTOCOLS = {
    "full-2k-e10": {"train_images": 2000, "test_images": 2000, "epochs": 10, "lr": 0.05},
    "full-500-e20": {"train_images": 500, "test_images": 2000, "epochs": 20, "lr": 0.05},
    "linear-2k-e10": {"train_images": 2000, "test_images": 2000, "epochs": 10, "lr": 0.5, "freeze": True},
}


def run_arm(arm: str, path, protocol: str, seed: int, threads: int) -> dict:
    """Run one arm under one protocol and return its scores, probe accuracy and seconds."""
    config = {
        "model": "resnet8", "width": 16, "seed": seed, "threads": threads, "knn": 20,
        "finetune": {"datasets": ["fashion-mnist"], **PROTOCOLS[protocol]},
        "pretrain": None if path is None else {
            **PRETRAIN, "path": str(path), "checkpoint": str(OUT / "checkpoints" / f"{arm}-s{seed}.pt")},
    }
    events = []
    started = time.perf_counter()
    run(parse_config(config), events.append)
    probe = next(e for e in events if e["event"] == "probe")
    errors = [e["test_error"] for e in events if e["event"] == "epoch" and e["phase"] == "finetune"]
    return {"arm": arm, "protocol": protocol, "seed": seed, "score": events[-1]["mean"],
            "final_error": errors[-1], "knn_acc": probe["knn_acc"], "errors": errors,
            "seconds": time.perf_counter() - started}


def summarise() -> None:
    """Print mean and standard deviation over seeds per protocol and arm."""
    rows = [json.loads(line) for line in LOG.read_text().splitlines()]
    for protocol in PROTOCOLS:
        print(f"\n{protocol}")
        print(f"  {'arm':<10} {'seeds':>5} {'score':>16} {'final error':>14} {'kNN acc':>14}")
        for arm in sorted({r["arm"] for r in rows if r["protocol"] == protocol}):
            picked = [r for r in rows if r["protocol"] == protocol and r["arm"] == arm]
            cells = [spread([r[key] for r in picked]) for key in ("score", "final_error", "knn_acc")]
            print(f"  {arm:<10} {len(picked):>5} {cells[0]:>16} {cells[1]:>14} {cells[2]:>14}")


def spread(values) -> str:
    mean = statistics.fmean(values)
    deviation = statistics.stdev(values) if len(values) > 1 else float("nan")
    return f"{mean:.2f} ± {deviation:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--arm", action="append", default=[], help="name=ImageFolder path")
    parser.add_argument("--protocol", action="append", help="protocol names (default: all)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--summary", action="store_true")
    args = parser.parse_args()
    if args.summary:
        summarise()
        return
    arms = [("scratch", None)] + [tuple(spec.split("=", 1)) for spec in args.arm]
    OUT.mkdir(parents=True, exist_ok=True)
    for protocol in args.protocol or list(PROTOCOLS):
        for arm, path in arms:
            result = run_arm(arm, path, protocol, args.seed, args.threads)
            with LOG.open("a") as log:
                log.write(json.dumps(result) + "\n")
            print(json.dumps({k: v for k, v in result.items() if k != "errors"}), flush=True)


if __name__ == "__main__":
    main()
