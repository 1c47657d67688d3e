#!/usr/bin/env bash
# Tracking overhead: training steps/s with the MLflow tracker versus tracking off. Goal: < 2 %.
#
#   bench/tracking_overhead.sh                      simulated step loop (fixed matmul + the trainer's
#                                                   per-step metrics); needs only this package
#   bench/tracking_overhead.sh --spec experiments/X.yaml [--trials 3] [--set key=value ...]
#                                                   the real trainer: runs the spec with
#                                                   tracking.backend=none and =mlflow, alternating,
#                                                   re-running only the train stage, and compares
#                                                   steps / seconds from each run's training.json
# The MLflow server is MLFLOW_TRACKING_URI, or the local one (started here if needed).
# Results are appended to bench/results/tracking_overhead.jsonl.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
spec="" trials=3 sim_args=() sets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --spec) spec="$2"; shift 2 ;;
    --trials) trials="$2"; sim_args+=(--trials "$2"); shift 2 ;;
    --set) sets+=(--set "$2"); shift 2 ;;
    --steps|--matrix) sim_args+=("$1" "$2"); shift 2 ;;
    *) echo "usage: $0 [--spec SPEC.yaml [--set key=value]...] [--trials N] [--steps N] [--matrix M]" >&2; exit 2 ;;
  esac
done
if [[ -z "${MLFLOW_TRACKING_URI:-}" ]]; then
  mlflow/start.sh
  export MLFLOW_TRACKING_URI="http://127.0.0.1:${MLFLOW_PORT:-5000}"
fi
mkdir -p bench/results
out=bench/results/tracking_overhead.jsonl

if [[ -z "$spec" ]]; then
  mvn -o -q -B test-compile
  mvn -o -q -B dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test >/dev/null
  OMP_NUM_THREADS=1 java -Xmx1g -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
    dev.attnlab.tracking.mlflow.TrackingOverheadBench "${sim_args[@]}" | tee -a "$out"
  exit 0
fi

[[ -x bin/attnlab ]] || { echo "$0: --spec needs bin/attnlab (the runner) and the trainer; build with make build" >&2; exit 1; }
name="$(sed -n 's/^name:[[:space:]]*//p' "$spec" | head -n1 | tr -d "\"'")"
make -s build
bin/attnlab run "$spec" "${sets[@]}" --until tokenize --set tracking.backend=none >/dev/null # data cached once, outside the timing
steps_per_s() { # newest run dir of the spec -> train steps / train seconds (from training.json)
  local dir; dir="$(ls -1td runs/"$name"/*/ | head -n1)" # newest by time: names of one second sort out of order
  python3 - "$dir" <<'PY'
import json, os, sys
m = json.load(open(os.path.join(sys.argv[1], "manifest.json")))
train = next(s for s in m["stages"] if s["name"] == "train")
t = json.load(open(os.path.join(train["output_dir"], "training.json")))
print(t["steps"] / t["seconds"])
PY
}
off=() on=()
for ((i = 0; i < trials; i++)); do
  bin/attnlab run "$spec" "${sets[@]}" --until train --force train --set tracking.backend=none >/dev/null; off+=("$(steps_per_s)")
  bin/attnlab run "$spec" "${sets[@]}" --until train --force train --set tracking.backend=mlflow >/dev/null; on+=("$(steps_per_s)")
done
python3 - "$spec" "${off[*]}" "${on[*]}" "${sets[*]:-}" <<'PY' | tee -a "$out"
import json, statistics, sys
off = [float(x) for x in sys.argv[2].split()]; on = [float(x) for x in sys.argv[3].split()]
mo, mn = statistics.median(off), statistics.median(on)
print(json.dumps({"mode": "trainer", "spec": sys.argv[1], "sets": sys.argv[4], "trials": len(off), "steps_per_s_off": round(mo, 3),
                  "steps_per_s_mlflow": round(mn, 3), "overhead_percent": round(100 * (mo - mn) / mo, 2),
                  "steps_per_s_off_all": off, "steps_per_s_mlflow_all": on}))
PY
