"""Search for a CPU protocol that ranks pre-training datasets, with paired t statistics.

Each arm (an ImageFolder dataset, or scratch) is pre-trained once per
seed and then fine-tuned on Fashion-MNIST; the k-NN and linear probes of
the frozen features are measured before fine-tuning. Runs of the same
seed share the fine-tuning subset, data order and head initialisation, so
arms are compared seed by seed (a paired t-test). Runs go to
bench/out/protocol-search.jsonl, one line per protocol, arm and seed, and
a run already in the log is skipped. --summary prints the table.

Every run is one process with one torch thread; --jobs runs that many at
once. On a small CPU this is faster than one process with several
threads, whose threads stall whenever another process takes a core.

  /usr/bin/python3 bench/protocol_search.py --protocol base --seeds 0-5 --jobs 2 \\
      --arm fractal=bench/out/data/fractal-c100 --arm shuffled=bench/out/data/shuffled-c100
  /usr/bin/python3 bench/protocol_search.py --summary
"""

import argparse
import json
import math
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "trainer"))

OUT = ROOT / "bench" / "out"
LOG = OUT / "protocol-search.jsonl"

# Each protocol overrides these trainer settings.
BASE = {
    "model": "resnet8", "width": 16, "image_size": 32, "knn": 20, "linear_probe": True, "precision": "auto",
    "pretrain": {"epochs": 10, "batch_size": 128, "lr": 0.1, "weight_decay": 5e-4, "max_images": 10_000},
    "finetune": {"datasets": ["fashion-mnist"], "epochs": 10, "batch_size": 128, "lr": 0.05,
                 "weight_decay": 5e-4, "train_images": 2000, "test_images": 2000, "score_from": 0.5},
}

PROTOCOLS = {
    # The cpu-proxy preset before this search: ResNet-8, 10 epochs of pre-training.
    "base": {},
    # Twice the pre-training, same fine-tuning.
    "pre20": {"pretrain": {"epochs": 20}},
    # A wider network, so the frozen features have more room.
    "wide": {"width": 32},
    # Fewer fine-tuning images, where the starting weights matter more.
    "ft500": {"finetune": {"train_images": 500, "epochs": 20}},
}


def protocol_config(name: str) -> dict:
    """Return BASE with the protocol's overrides merged one level deep."""
    config = json.loads(json.dumps(BASE))
    for key, value in PROTOCOLS[name].items():
        if isinstance(value, dict):
            config[key].update(value)
        else:
            config[key] = value
    return config


def run_one(task: tuple) -> dict:
    """Run one arm under one protocol and seed in this process; return its record."""
    protocol, arm, path, seed = task
    import torch

    from fdsl_trainer.config import parse_config
    from fdsl_trainer.run import run

    torch.set_num_threads(1)
    config = protocol_config(protocol)
    config.update({"seed": seed, "threads": 1})
    if path is None:
        config["pretrain"] = None
    else:
        config["pretrain"].update({"path": str(path)})
    events = []
    started = time.perf_counter()
    run(parse_config(config), events.append)
    probe = next(e for e in events if e["event"] == "probe")
    pretrain = [e for e in events if e["event"] == "epoch" and e["phase"] == "pretrain"]
    errors = [e["test_error"] for e in events if e["event"] == "epoch" and e["phase"] == "finetune"]
    return {
        "protocol": protocol, "arm": arm, "seed": seed, "score": events[-1]["mean"], "final_error": errors[-1],
        "knn_error": 100.0 - probe["knn_acc"], "linear_error": 100.0 - probe["linear_acc"], "errors": errors,
        "pretrain_acc": pretrain[-1]["train_acc"] if pretrain else None,
        "seconds": time.perf_counter() - started,
    }


def paired_t(first: list, second: list) -> tuple:
    """Return the mean of first - second and its paired t statistic (nan for fewer than 2 pairs)."""
    differences = [a - b for a, b in zip(first, second)]
    mean = statistics.fmean(differences)
    if len(differences) < 2:
        return mean, float("nan")
    deviation = statistics.stdev(differences)
    t = math.inf if deviation == 0 else mean / (deviation / math.sqrt(len(differences)))
    return mean, t


METRICS = ("score", "knn_error", "linear_error")


def summarise() -> None:
    """Print mean ± sd per arm and the paired difference and t between every two arms."""
    rows = [json.loads(line) for line in LOG.read_text().splitlines()]
    for protocol in sorted({r["protocol"] for r in rows}):
        picked = [r for r in rows if r["protocol"] == protocol]
        arms = sorted({r["arm"] for r in picked})
        by_arm = {arm: {r["seed"]: r for r in picked if r["arm"] == arm} for arm in arms}
        print(f"\n{protocol}: lower is better for every column")
        print(f"  {'arm':<12} {'seeds':>5} " + " ".join(f"{m:>16}" for m in METRICS) + f" {'seconds':>8}")
        for arm in arms:
            runs = list(by_arm[arm].values())
            cells = [spread([r[m] for r in runs]) for m in METRICS]
            seconds = statistics.fmean(r["seconds"] for r in runs)
            print(f"  {arm:<12} {len(runs):>5} " + " ".join(f"{c:>16}" for c in cells) + f" {seconds:>8.0f}")
        print("  paired difference (first - second) and t over the shared seeds")
        for i, first in enumerate(arms):
            for second in arms[i + 1:]:
                seeds = sorted(set(by_arm[first]) & set(by_arm[second]))
                if len(seeds) < 2:
                    continue
                cells = []
                for metric in METRICS:
                    mean, t = paired_t([by_arm[first][s][metric] for s in seeds],
                                       [by_arm[second][s][metric] for s in seeds])
                    cells.append(f"{mean:+.2f} (t {t:+.1f})")
                print(f"  {first + ' - ' + second:<24} n={len(seeds):<3} " + " ".join(f"{c:>18}" for c in cells))


def spread(values: list) -> str:
    mean = statistics.fmean(values)
    deviation = statistics.stdev(values) if len(values) > 1 else float("nan")
    return f"{mean:.2f} ± {deviation:.2f}"


def parse_seeds(text: str) -> list:
    """Parse '0-5' or '0,2,4' into a list of seeds."""
    if "-" in text:
        low, high = text.split("-", 1)
        return list(range(int(low), int(high) + 1))
    return [int(part) for part in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--protocol", action="append", choices=sorted(PROTOCOLS))
    parser.add_argument("--seeds", default="0-5", help="seed range such as 0-5, or a list such as 0,2")
    parser.add_argument("--arm", action="append", default=[], help="name=ImageFolder path; scratch is always run")
    parser.add_argument("--jobs", type=int, default=2, help="runs at once, one torch thread each")
    parser.add_argument("--summary", action="store_true")
    args = parser.parse_args()
    if args.summary:
        summarise()
        return
    arms = [("scratch", None)] + [tuple(spec.split("=", 1)) for spec in args.arm]
    done = set()
    if LOG.exists():
        done = {(r["protocol"], r["arm"], r["seed"]) for r in map(json.loads, LOG.read_text().splitlines())}
    # Slowest runs first, so the pool does not end on one long run.
    tasks = [(protocol, arm, path, seed) for protocol in args.protocol or ["base"]
             for arm, path in reversed(arms) for seed in parse_seeds(args.seeds)
             if (protocol, arm, seed) not in done]
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
        for result in pool.imap_unordered(run_one, tasks):
            with LOG.open("a") as log:
                log.write(json.dumps(result) + "\n")
            print(json.dumps({k: v for k, v in result.items() if k != "errors"}), flush=True)
    print(f"{len(tasks)} runs in {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
