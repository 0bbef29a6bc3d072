#!/usr/bin/env bash
# Measure the cpu-proxy leaderboard: two FractalDB variants of 10k images
# each (100 categories x 100 instances, 10 x 1000) against scratch, seeds
# 0 and 1, then render the report and its screenshot into docs/.
# Each locked job stays under 20 minutes on 2 cores. Pre-trained weights
# are kept in bench/out/checkpoints and reused by reruns, and compare
# pools the per-seed results of each arm.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build >/dev/null
fdsl() { node dist/cli/main.js "$@"; }
data=bench/out/data
out=bench/out/eval
# Existing datasets are kept: the checkpoints were trained on them.
[ -d "$data/frac-c100-i100" ] ||
  fdsl generate --out "$data/frac-c100-i100" --classes 100 --instances 100 --size 32 --points 2000 --seed 0 --quiet
[ -d "$data/frac-c10-i1000" ] ||
  fdsl generate --out "$data/frac-c10-i1000" --classes 10 --instances 1000 --size 32 --points 2000 --seed 0 --quiet

common="--preset cpu-proxy --threads 2 --checkpoints bench/out/checkpoints"
scratch() { echo "node dist/cli/main.js evaluate $common --seeds $1 -o $out/scratch-s$1"; }
c100() { echo "node dist/cli/main.js evaluate $data/frac-c100-i100 --label c100 $common --seeds $1 -o $out/c100-s$1"; }
c10() { echo "node dist/cli/main.js evaluate $data/frac-c10-i1000 --label c10 $common --seeds $1 -o $out/c10-s$1"; }

for seed in ${SEEDS:-0 1}; do
  flock /tmp/fdsl-cpu.lock sh -c "$(scratch "$seed") && $(c100 "$seed")"
  flock /tmp/fdsl-cpu.lock sh -c "$(c10 "$seed")"
done
mkdir -p docs
fdsl compare "$out"/*-s* --title "fdsl cpu-proxy leaderboard" \
  --json docs/leaderboard.json --html docs/leaderboard.html --screenshot docs/leaderboard.png
