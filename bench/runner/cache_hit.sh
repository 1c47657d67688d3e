#!/usr/bin/env bash
# Measures the runner's fully cached path: runs a spec once (computing whatever is not cached yet),
# then again, and reports the second run's wall time and per-stage seconds (verifying each cache
# entry re-hashes its files). The issue's target: an unchanged spec finishes in under 10 s.
#   bench/runner/cache_hit.sh [SPEC] [extra attnlab run args...]
# Uses its own cache (ATTNLAB_CACHE, default bench/results/runner-cache) so it never touches yours.
set -euo pipefail
cd "$(dirname "$0")/../.."
spec="${1:-experiments/induction-2l.yaml}"
shift || true
export ATTNLAB_CACHE="${ATTNLAB_CACHE:-$PWD/bench/results/runner-cache}"
make -s build
mkdir -p bench/results
echo "first run (computes what is not cached): $spec $*" >&2
bin/attnlab run "$spec" --set tracking.backend=none "$@" >/dev/null
start=$(date +%s.%N)
bin/attnlab run "$spec" --set tracking.backend=none "$@" > bench/results/runner-cache-hit.txt
end=$(date +%s.%N)
cat bench/results/runner-cache-hit.txt
printf "cached run wall time: %.2f s (entries: %s)\n" "$(awk "BEGIN{print $end - $start}")" \
  "$(du -sh "$ATTNLAB_CACHE/entries" | cut -f1)" | tee -a bench/results/runner-cache-hit.txt
