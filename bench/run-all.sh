#!/usr/bin/env bash
# Runs every generator benchmark in BENCHMARKS.md, one after another.
# Usage: bash bench/run-all.sh > bench-results.txt
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build >/dev/null
small=$(mktemp --suffix .json)
echo '{"options": {"searchSize": 128, "searchPoints": 10000}}' > "$small"

echo "## machine"; nproc; node --version; uname -m; date -u
echo "## stages, 256 px, 100k points"; node bench/stages.mjs 256 100000 2000
echo "## stages, 362 px, 200k points"; node bench/stages.mjs 362 200000 500
echo "## generate"
echo "| run | flags | images | images/s | render images/s | wall s | peak MB | GB | GB on disk |"
node bench/generate.mjs w1 --classes 100 --instances 1000 --workers 1
node bench/generate.mjs w2 --classes 100 --instances 1000 --workers 2
node bench/generate.mjs official-w1 --classes 20 --instances 1000 --size 362 --points 200000 --workers 1
node bench/generate.mjs official-w2 --classes 20 --instances 1000 --size 362 --points 200000 --workers 2
node bench/generate.mjs wds-w2 --classes 100 --instances 1000 --workers 2 --format wds
node bench/generate.mjs mem-10k --recipe "$small" --classes 10000 --instances 100 --size 32 --points 1000 --workers 2
echo "## shards"
node bench/shards.mjs 4 2 --classes 1000 --instances 100
