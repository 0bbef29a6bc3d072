#!/usr/bin/env bash
# Measure the cpu-proxy leaderboard with fdsl evaluate and fdsl compare.
# FractalDB (the preset's recipe) runs against scratch and against a
# pixel-shuffled copy of itself (a degraded control), over the preset's
# 8 seeds. Every other family follows at the same size over seeds 0-2.
# The report and its screenshot go to docs/. Each evaluate runs 2 trainer
# processes at once.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build >/dev/null
fdsl() { node dist/cli/main.js "$@"; }
data=bench/out/data
out=bench/out/eval
recipes=bench/out/recipes
mkdir -p "$recipes"
size='"classes": 100, "instances": 100, "size": 64, "points": 10000, "seed": 0'

recipe() { # name family extra-json
  echo "{\"family\": \"$2\", $size$3}" >"$recipes/$1.json"
}
recipe fractal fractal ''
recipe shuffled fractal ', "augment": {"shufflePixels": 1}'
for family in fractal-3d fractal-svd radial-contour visual-atom noise; do recipe "$family" "$family" ''; done

run() { # name seeds extra-flags...
  local name=$1 seeds=$2
  shift 2
  /usr/bin/time -f "$name: %e s wall, %M KB peak (largest process)" \
    node dist/cli/main.js evaluate "$data/$name" --recipe "$recipes/$name.json" --preset cpu-proxy \
    --seeds "$seeds" --checkpoints bench/out/checkpoints -o "$out/$name" --quiet "$@"
}

run fractal 0,1,2,3,4,5,6,7
run shuffled 0,1,2,3,4,5,6,7 --no-scratch
for family in ${FAMILIES:-fractal-3d fractal-svd radial-contour visual-atom noise}; do
  run "$family" 0,1,2 --no-scratch
done

mkdir -p docs
fdsl compare "$out"/* --title "fdsl cpu-proxy leaderboard" \
  --json docs/leaderboard.json --html docs/leaderboard.html --screenshot docs/leaderboard.png
