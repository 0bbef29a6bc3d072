#!/usr/bin/env bash
# Measure the cpu-proxy leaderboard: two FractalDB variants of 10k images
# each (100 categories x 100 instances, 10 x 1000) against scratch, two
# seeds, then render the report and its screenshot into docs/.
# Each evaluation runs under the shared CPU lock; pre-trained weights are
# kept in bench/out/checkpoints and reused by reruns.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build >/dev/null
fdsl() { node dist/cli/main.js "$@"; }
data=bench/out/data
# Existing datasets are kept: the checkpoints were trained on them.
[ -d "$data/frac-c100-i100" ] ||
  fdsl generate --out "$data/frac-c100-i100" --classes 100 --instances 100 --size 32 --points 2000 --seed 0 --quiet
[ -d "$data/frac-c10-i1000" ] ||
  fdsl generate --out "$data/frac-c10-i1000" --classes 10 --instances 1000 --size 32 --points 2000 --seed 0 --quiet
common=(--preset cpu-proxy --seeds 0,1 --threads 2 --checkpoints bench/out/checkpoints)
# Two locked jobs of about 15 minutes each on 2 cores.
flock /tmp/fdsl-cpu.lock sh -c "node dist/cli/main.js evaluate ${common[*]} -o bench/out/eval-scratch &&
  node dist/cli/main.js evaluate $data/frac-c100-i100 --label c100 ${common[*]} -o bench/out/eval-c100"
flock /tmp/fdsl-cpu.lock node dist/cli/main.js evaluate "$data/frac-c10-i1000" --label c10 \
  "${common[@]}" -o bench/out/eval-c10
fdsl compare bench/out/eval-scratch bench/out/eval-c100 bench/out/eval-c10 --title "fdsl cpu-proxy leaderboard" \
  --json docs/leaderboard.json --html docs/leaderboard.html --screenshot docs/leaderboard.png
