#!/usr/bin/env bash
# The full default dataset (1000 categories x 1000 images, 256 px PNG)
# made through a contest-style params folder, then validated the way the
# contest did and verified against the manifest's checksums.
# Usage: bash bench/full-run.sh [workdir]   (default /tmp/fdsl-full; needs ~9 GB)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/fdsl-full}
rm -rf "$work"
mkdir -p "$work/params"
cat > "$work/params/params.json" <<'JSON'
{"numof_classes": 1000, "numof_instances": 1000, "image_size": 256, "numof_thread": 2}
JSON
echo "## machine"; nproc; node --version; uname -m; date -u
echo "## generate"
/usr/bin/time -f "wall %e s, user %U s, sys %S s, peak RSS %M KB" \
  node dist/cli/main.js generate --params "$work/params" --out "$work/out" 2>&1 | grep -v "ETA"
echo "## validate"
/usr/bin/time -f "wall %e s, peak RSS %M KB" \
  node dist/cli/main.js validate "$work/out" --classes 1000 --instances 1000 2>&1 | grep -v "ETA"
echo "## verify"
/usr/bin/time -f "wall %e s, peak RSS %M KB" node dist/cli/main.js verify "$work/out" 2>&1 | grep -v "ETA"
echo "## size"
du -sb "$work/out"; du -sh "$work/out"; ls -la "$work/out.manifest.json"
find "$work/out" -name '.fdsl-*' | wc -l
